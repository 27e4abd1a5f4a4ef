#!/usr/bin/env node
// Regenerates src/parse/quoted-keywords.json: the keywords PostgreSQL's quote_identifier quotes,
// that is every keyword its scanner does not class as unreserved. Quoting an identifier then needs
// no call into the parser: help text quotes thousands of names in a long history.
//
// The keyword list is PostgreSQL's own (kwlist.h), which libpg-query's WebAssembly holds as one run
// of NUL-terminated words, "abort" to "zone"; each is classed by the same build's scanner.
//
// Usage: node scripts/generate-quoted-keywords.mjs [--check]
//   --check: exit 1, writing nothing, when the file differs from what this libpg-query gives.

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { loadModule, scanSync } from 'libpg-query';

const OUTPUT_FILE = fileURLToPath(new URL('../src/parse/quoted-keywords.json', import.meta.url));
const WASM_FILE = createRequire(import.meta.url).resolve('libpg-query/wasm/libpg-query.wasm');

/** The longest run of lower-case words, each ending in NUL, that ends with "zone": PostgreSQL's keyword list. */
function parserKeywords(wasm) {
  const end = wasm.indexOf(Buffer.from('\0year\0yes\0zone\0')) + '\0year\0yes\0zone\0'.length;
  if (end < 100) throw new Error(`no keyword list found in ${WASM_FILE}`);
  let start = end - 1;
  while (start > 0 && (wasm[start - 1] === 0 || (wasm[start - 1] >= 0x61 && wasm[start - 1] <= 0x7a) || wasm[start - 1] === 0x5f)) start--;
  const words = wasm.subarray(start, end - 1).toString('latin1').split('\0');
  if (words[0] !== 'abort' || words.length < 400) throw new Error(`the keyword list in ${WASM_FILE} does not start with "abort"`);
  return words;
}

await loadModule();
const quoted = parserKeywords(readFileSync(WASM_FILE)).filter((word) => {
  const [token] = scanSync(word).tokens;
  if (token?.end !== word.length) throw new Error(`the scanner did not read "${word}" as one token`);
  return token.keywordName !== 'NO_KEYWORD' && token.keywordName !== 'UNRESERVED_KEYWORD';
});
const json = `${JSON.stringify(quoted, null, 0).replace(/,/g, ',\n ')}\n`;

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(OUTPUT_FILE, 'utf8');
  } catch {}
  if (current !== json) {
    console.error(`${OUTPUT_FILE} is not what libpg-query's keywords give: run node scripts/generate-quoted-keywords.mjs`);
    process.exit(1);
  }
} else {
  writeFileSync(OUTPUT_FILE, json);
  console.log(`wrote ${quoted.length} keywords to ${OUTPUT_FILE}`);
}
