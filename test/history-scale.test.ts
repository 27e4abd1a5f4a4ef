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
    const time = async (count: number): Promise<number> => {
      const history = asHistory(count);
      const started = performance.now();
      await lintHistories([history], DEFAULT_CONFIG);
      return performance.now() - started;
    };
    await time(100);
    const small = Math.min(await time(400), await time(400));
    const large = Math.min(await time(1600), await time(1600));
    // Four times the history; a quadratic replay would take about sixteen times as long.
    expect(large / small).toBeLessThan(8);
  }, 120_000);
});
