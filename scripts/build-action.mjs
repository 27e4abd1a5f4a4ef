// Bundles the GitHub Action's entry, with everything it imports, into action-dist/ (or the folder given),
// next to the parser's WebAssembly file, which libpg-query loads from the bundle's own folder.
// The output is committed; test/action.test.ts fails when it differs from a fresh build.
import { build } from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { bundleOptions, root } from './bundle-options.mjs';

const outdir = path.resolve(process.argv[2] ?? path.join(root, 'action-dist'));

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
await build({
  ...bundleOptions,
  entryPoints: ['src/cli/github-action.ts'],
  outfile: path.join(outdir, 'index.mjs'),
});
const wasm = path.join(outdir, 'libpg-query.wasm');
copyFileSync(path.join(root, 'node_modules/libpg-query/wasm/libpg-query.wasm'), wasm);
chmodSync(wasm, 0o644);
