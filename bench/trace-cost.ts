import { openTraceDatabase } from '../src/trace/database.js';
import { traceHistories } from '../src/trace/trace-history.js';
import { generateHistory } from './generate-history.js';

/**
 * What `lockwise trace` costs: starting the embedded server, replaying a generated history
 * on it, and observing each statement of the migrations under review. Run with
 * `npm run bench:trace [count] [rows]`. The target: a 50-migration history traced, server
 * start included, in under 15 s on a 2-core machine.
 */
const count = Number(process.argv[2] ?? 50);
const rows = Number(process.argv[3] ?? 5000);
const inputs = generateHistory(count).map((migration) => ({ path: `db/${migration.name}`, text: migration.text }));

const started = performance.now();
const database = await openTraceDatabase();
const startupMs = performance.now() - started;
try {
  const replayStarted = performance.now();
  // Every migration but the last is history: run for real, not observed.
  await traceHistories(
    [{ migrations: inputs.map((input, index) => ({ input, transactionMode: 'none' as const, review: index === inputs.length - 1 })) }],
    { database, ownsServer: true },
    { pgVersion: database.serverVersion, rows, contention: false },
  );
  const replayMs = performance.now() - replayStarted;

  const traceStarted = performance.now();
  const traced = await traceHistories(
    [{ migrations: inputs.map((input) => ({ input, transactionMode: 'none' as const, review: true })) }],
    { database, ownsServer: true },
    { pgVersion: database.serverVersion, rows, contention: false },
  );
  const traceMs = performance.now() - traceStarted;
  const statements = traced.statements.length;
  const executionMs = traced.statements.reduce((total, statement) => total + (statement.durationMs ?? 0), 0);
  const totalMs = startupMs + traceMs;
  console.table([
    {
      migrations: count,
      rows,
      startupMs: Math.round(startupMs),
      replayMs: Math.round(replayMs),
      traceMs: Math.round(traceMs),
      statements,
      observed: traced.statements.filter((statement) => statement.status === 'observed').length,
      overheadPerStatementMs: Number(((traceMs - executionMs) / Math.max(1, statements)).toFixed(2)),
      mismatches: traced.files.flatMap((file) => file.diagnostics).filter((diagnostic) => diagnostic.rule === 'trace-lock-mismatch').length,
      totalMs: Math.round(totalMs),
      targetMs: 15_000,
    },
  ]);
  process.exitCode = totalMs <= 15_000 ? 0 : 1;
} finally {
  await database.close();
}
