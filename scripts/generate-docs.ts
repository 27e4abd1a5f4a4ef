import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedDocs, withReadmeRulesTable } from '../src/report/generated-docs.js';

/** Writes docs/rules/*.md and the config schema from the rule metadata. Run through `npm run docs`. */
const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
for (const [file, content] of generatedDocs()) {
  const target = path.join(repositoryRoot, file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, content);
}
const readme = path.join(repositoryRoot, 'README.md');
writeFileSync(readme, withReadmeRulesTable(readFileSync(readme, 'utf8')));
process.stdout.write(`wrote ${generatedDocs().size} files and the README's rules table\n`);
