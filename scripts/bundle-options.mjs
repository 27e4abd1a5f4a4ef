// esbuild settings shared by the CLI's bundle (scripts/build-cli.mjs) and the GitHub Action's (scripts/build-action.mjs).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

// CommonJS dependencies need require, and libpg-query __dirname to find its .wasm file.
const banner = [
  "import { createRequire as lockwiseCreateRequire } from 'node:module';",
  "import { dirname as lockwiseDirname } from 'node:path';",
  "import { fileURLToPath as lockwiseFileURLToPath } from 'node:url';",
  'const require = lockwiseCreateRequire(import.meta.url);',
  'const __filename = lockwiseFileURLToPath(import.meta.url);',
  'const __dirname = lockwiseDirname(__filename);',
].join('\n');

export const bundleOptions = {
  absWorkingDir: root,
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
};
