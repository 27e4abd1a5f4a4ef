import { DEFAULT_CONFIG } from '../src/engine/config.js';
import { lintHistories, lintInputs } from '../src/engine/lint-sources.js';
import { generateHistory } from './generate-history.js';

/**
 * What replaying the history costs: linting a generated history of migrations, each
 * against the schema the earlier ones built, against linting the same files alone.
 * Run with `npm run bench:replay [count] [repetitions]`. The target: at most 1.5x.
 */
const count = Number(process.argv[2] ?? 5000);
const repetitions = Number(process.argv[3] ?? 5);
const migrations = generateHistory(count).map((migration) => ({ path: `db/${migration.name}`, text: migration.text }));
const bytes = migrations.reduce((total, migration) => total + Buffer.byteLength(migration.text), 0);

async function withHistory(): Promise<void> {
  await lintHistories([{ migrations: migrations.map((input) => ({ input, transactionMode: 'none' as const, review: true })) }], DEFAULT_CONFIG);
}

async function alone(): Promise<void> {
  await lintInputs(migrations, DEFAULT_CONFIG);
}

async function median(run: () => Promise<void>, times: number[]): Promise<void> {
  const started = performance.now();
  await run();
  times.push(performance.now() - started);
}

const historyTimes: number[] = [];
const aloneTimes: number[] = [];
await alone();
for (let i = 0; i < repetitions; i++) {
  // Alternating, so that a slower moment of the machine affects both alike.
  await median(withHistory, historyTimes);
  await median(alone, aloneTimes);
}
const middle = (times: number[]): number => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
const ratio = middle(historyTimes) / middle(aloneTimes);
const table = {
  migrations: count,
  megabytes: Number((bytes / 1e6).toFixed(2)),
  repetitions,
  withHistoryMs: Math.round(middle(historyTimes)),
  aloneMs: Math.round(middle(aloneTimes)),
  ratio: Number(ratio.toFixed(3)),
  target: 1.5,
};
console.table([table]);
process.exitCode = ratio <= table.target ? 0 : 1;
