// The floor under every lockwise run, timed by `npm run bench` as a whole process beside lockwise:
// Node.js starting, loading libpg-query's WebAssembly, reading the named files (or a folder's
// *.sql files) and parsing each, as lockwise does, with nothing linted and nothing reported.
// What lockwise takes above this is its own; what this takes is the chosen stack's.
import '../src/cli/baseline-compiler.js';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { libpgQuery, loadParser } from '../src/parse/libpg.js';

function sqlFiles(target: string): string[] {
  if (!statSync(target).isDirectory()) return [target];
  return readdirSync(target)
    .filter((name) => name.endsWith('.sql'))
    .map((name) => path.join(target, name));
}

await loadParser();
const parser = libpgQuery();
let statements = 0;
for (const file of process.argv.slice(2).flatMap(sqlFiles)) {
  statements += parser.parseSync(readFileSync(file, 'utf8')).stmts?.length ?? 0;
}
// One line, so that a run that parsed nothing shows it.
process.stderr.write(`parsed ${statements} statements\n`);
