// Bundles the GitHub Action's entry, with everything it imports, into action-dist/ (or the folder given),
// next to the parser's WebAssembly file, which libpg-query loads from the bundle's own folder.
// The output is committed; test/action.test.ts fails when it differs from a fresh build.
import { build } from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outdir = path.resolve(process.argv[2] ?? path.join(root, 'action-dist'));

// libpg-query's loader is CommonJS: it needs require, and __dirname to find its .wasm file.
const banner = [
  "import { createRequire as lockwiseCreateRequire } from 'node:module';",
  "import { dirname as lockwiseDirname } from 'node:path';",
  "import { fileURLToPath as lockwiseFileURLToPath } from 'node:url';",
  'const require = lockwiseCreateRequire(import.meta.url);',
  'const __filename = lockwiseFileURLToPath(import.meta.url);',
  'const __dirname = lockwiseDirname(__filename);',
].join('\n');

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/github-action.ts'],
  outfile: path.join(outdir, 'index.mjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  banner: { js: banner },
  // ESM builds first: jsonc-parser's CommonJS build is UMD, whose run-time require() of its own files a bundle cannot follow.
  mainFields: ['module', 'main'],
  // node_modules may be a link to another checkout's; the bundle must not name where it points.
  preserveSymlinks: true,
  logLevel: 'warning',
});
const wasm = path.join(outdir, 'libpg-query.wasm');
copyFileSync(path.join(root, 'node_modules/libpg-query/wasm/libpg-query.wasm'), wasm);
chmodSync(wasm, 0o644);
