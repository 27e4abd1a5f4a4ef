import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../src/engine/config.js';
import { lintInputs } from '../src/engine/lint-sources.js';
import { SourceFile } from '../src/source/source-file.js';
import { loadFixtures } from './helpers/fixtures.js';

const corpus = (await loadFixtures()).flatMap((fixture) => fixture.files.map((file) => file.text)).filter((text) => text.length > 0);

/** Lints one text and checks that every finding points inside the file. */
async function lintsCleanly(text: string): Promise<void> {
  const results = await lintInputs([{ path: 'fuzz.sql', text }], DEFAULT_CONFIG);
  const lineCount = new SourceFile('fuzz.sql', text).lineCount;
  for (const diagnostic of results.files[0]!.diagnostics) {
    expect(diagnostic.message.length).toBeGreaterThan(0);
    expect(diagnostic.span.start.line).toBeGreaterThanOrEqual(1);
    expect(diagnostic.span.end.line).toBeLessThanOrEqual(lineCount);
    expect(diagnostic.span.start.column).toBeGreaterThanOrEqual(1);
  }
}

const sqlFragment = fc.constantFrom(
  'ALTER TABLE', 'users', 'ADD COLUMN', 'DROP COLUMN', 'RENAME', 'TO', 'CREATE', 'INDEX', 'CONCURRENTLY', 'ON', '(', ')', ';',
  'BEGIN', 'COMMIT', 'SET', 'LOCAL', 'lock_timeout', '=', "'2s'", 'DEFAULT', 'random()', 'now()', 'NOT VALID', 'CHECK', 'FOREIGN KEY',
  'REFERENCES', '--', '/*', '*/', '$$', "'", '"', 'lockwise-ignore', 'require-lock-timeout', ',', '\n', '\r\n', '\t', 'é', '😀', '\u0000', '\u001b',
);

describe('robustness: no input crashes the engine', () => {
  it('survives random token soup', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(sqlFragment, { maxLength: 40 }), async (fragments) => lintsCleanly(fragments.join(' '))),
      { numRuns: 300 },
    );
  });

  it('survives arbitrary unicode text', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), lintsCleanly), { numRuns: 300 });
  });

  it('survives fixtures with bytes deleted, duplicated or inserted', async () => {
    const mutation = fc.record({
      source: fc.constantFrom(...corpus),
      at: fc.nat(),
      length: fc.integer({ min: 0, max: 20 }),
      insert: fc.string({ maxLength: 10 }),
    });
    await fc.assert(
      fc.asyncProperty(mutation, async ({ source, at, length, insert }) => {
        const position = at % (source.length + 1);
        await lintsCleanly(source.slice(0, position) + insert + source.slice(position + length));
      }),
      { numRuns: 300 },
    );
  });
});

describe('large inputs', () => {
  it('lints a 20 MB migration completely', async () => {
    const statement = "ALTER TABLE events ADD COLUMN IF NOT EXISTS payload_v2 jsonb DEFAULT '{}'::jsonb; -- keep\nCREATE INDEX CONCURRENTLY IF NOT EXISTS events_idx ON events (created_at);\n";
    const repetitions = Math.ceil((20 * 1024 * 1024) / statement.length);
    const text = `SET lock_timeout = '2s';\n${statement.repeat(repetitions)}ALTER TABLE sessions RENAME COLUMN payload TO body;\n`;
    const results = await lintInputs([{ path: 'big.sql', text }], DEFAULT_CONFIG);
    const diagnostics = results.files[0]!.diagnostics;
    // The first concurrent build under IF NOT EXISTS, once for its name; the rename at the very end.
    expect(diagnostics.map((d) => [d.rule, d.span.start.line])).toEqual([
      ['no-concurrent-index-if-not-exists', 3],
      ['no-rename-column', repetitions * 2 + 2],
    ]);
  }, 180_000);

  it('handles deeply nested expressions without overflowing the stack', async () => {
    const depth = 2000;
    const text = `SELECT ${'('.repeat(depth)}1${')'.repeat(depth)};\nSELECT 1 ${'+ 1 '.repeat(5000)};\n`;
    await lintsCleanly(text);
  });
});
