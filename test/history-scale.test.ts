import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../src/engine/config.js';
import { lintHistories, lintInputs, type PlannedHistory } from '../src/engine/lint-sources.js';
import { generateHistory } from '../bench/generate-history.js';

function asHistory(count: number): PlannedHistory {
  return {
    migrations: generateHistory(count).map((migration) => ({
      input: { path: `db/${migration.name}`, text: migration.text },
      transactionMode: 'none' as const,
      review: true,
    })),
  };
}

/**
 * A project of many tables, each referenced by a foreign key, indexed and read by a view, and a migration per table
 * that updates, deletes from, alters and renames in it, and drops a table. Every statement asks the model what refers to its table:
 * answered by walking the whole schema, replaying it costs the square of its size.
 */
function wideHistory(tables: number): PlannedHistory {
  const migrations: PlannedHistory['migrations'] = [];
  const add = (name: string, text: string): void => {
    migrations.push({ input: { path: `db/${String(migrations.length).padStart(6, '0')}_${name}.sql`, text }, transactionMode: 'none', review: true });
  };
  for (let i = 0; i < tables; i++) {
    add(`create_${i}`, `
CREATE TABLE parent_${i} (id bigint PRIMARY KEY, code text UNIQUE, amount int);
CREATE TABLE child_${i} (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent_${i} (id) ON DELETE CASCADE, code text REFERENCES parent_${i} (code) ON UPDATE CASCADE, note text);
CREATE VIEW summary_${i} AS SELECT c.id, p.code FROM child_${i} c JOIN parent_${i} p ON p.id = c.parent_id;
CREATE TABLE scratch_${i} (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent_${i} (id));
`);
    add(`change_${i}`, `
SET lock_timeout = '2s';
ALTER TABLE child_${i} ADD COLUMN weight int;
ALTER TABLE child_${i} ADD CONSTRAINT child_${i}_weight CHECK (weight > 0) NOT VALID;
ALTER TABLE child_${i} VALIDATE CONSTRAINT child_${i}_weight;
UPDATE parent_${i} SET code = 'x' WHERE id = 1;
DELETE FROM parent_${i} WHERE id = 2;
UPDATE child_${i} SET weight = 1 WHERE id = 3;
DELETE FROM child_${i} WHERE id = 4;
ALTER TABLE parent_${i} DROP COLUMN amount;
ALTER TABLE child_${i} ALTER COLUMN note TYPE varchar(200);
ALTER TABLE child_${i} RENAME COLUMN note TO remark;
CREATE INDEX CONCURRENTLY child_${i}_parent ON child_${i} (parent_id);
DROP INDEX CONCURRENTLY child_${i}_parent;
ALTER TABLE child_${i} RENAME TO kid_${i};
DROP TABLE scratch_${i};
`);
  }
  return { migrations };
}

/** The fastest of two replays of a history of `size`, and of four times that, after one to warm up; in milliseconds. */
async function smallAndLarge(historyOf: (size: number) => PlannedHistory, size: number): Promise<{ small: number; large: number }> {
  const time = async (of: number): Promise<number> => {
    const history = historyOf(of);
    const started = performance.now();
    const results = await lintHistories([history], DEFAULT_CONFIG);
    expect(results.files).toHaveLength(history.migrations.length);
    return performance.now() - started;
  };
  await time(size / 4);
  return { small: Math.min(await time(size), await time(size)), large: Math.min(await time(size * 4), await time(size * 4)) };
}

describe('replaying a long history', () => {
  it('lints 300 migrations, each against the ones before it, without a false alarm', async () => {
    const results = await lintHistories([asHistory(300)], DEFAULT_CONFIG);
    expect(results.files).toHaveLength(300);
    // The generated history is written by the book: retired columns are dropped releases later, indexes built
    // concurrently, constraints added NOT VALID. Without replay every drop and every ALTER would look unsafe.
    // Only the migrations written with a mistake on purpose are flagged, and each of them is.
    const isHazard = (file: string): boolean => file.endsWith('_hazard.sql');
    const falseAlarms = results.files.filter((file) => !isHazard(file.path)).flatMap((file) => file.diagnostics.map((d) => `${file.path}:${d.span.start.line} ${d.rule}: ${d.message}`));
    expect(falseAlarms).toEqual([]);
    const hazards = results.files.filter((file) => isHazard(file.path));
    expect(hazards.length).toBeGreaterThan(0);
    expect(hazards.filter((file) => file.diagnostics.length === 0).map((file) => file.path)).toEqual([]);
    const alone = await lintInputs(asHistory(300).migrations.map((migration) => migration.input), DEFAULT_CONFIG);
    const rulesAlone = new Set(alone.files.flatMap((file) => file.diagnostics.map((d) => d.rule)));
    expect([...rulesAlone]).toContain('require-deprecation-before-drop');
  });

  it('costs time in proportion to the history, not its square', async () => {
    const { small, large } = await smallAndLarge(asHistory, 400);
    // Four times the history; a quadratic replay would take about sixteen times as long.
    expect(large / small).toBeLessThan(8);
  }, 120_000);

  it('costs time in proportion to the number of tables, when every statement asks what refers to its table', async () => {
    const { small, large } = await smallAndLarge(wideHistory, 500);
    // Four times the tables and statements: a linear replay takes at most four times as long (2.6 to 3.3 measured). With a
    // walk over the schema for each statement it took twelve times as long, and would tend to sixteen on larger histories.
    expect(large / small).toBeLessThan(6);
  }, 180_000);
});
