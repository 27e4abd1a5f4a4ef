import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlannedHistory } from '../src/engine/lint-sources.js';
import { planLint } from '../src/cli/plan.js';
import { resolvePaths } from '../src/cli/inputs.js';
import { openTraceDatabase, type TraceDatabase } from '../src/trace/database.js';
import { traceHistories, type TraceResults } from '../src/trace/trace-history.js';
import { FIXTURES_DIR, REPO_ROOT, fixtureConfig, loadFixtures } from './helpers/fixtures.js';

/**
 * Every rule fixture runs on a real PostgreSQL 18, and every lock and rewrite it is seen to
 * take must be the one the lock table predicts. Statements that reach beyond the scratch
 * database (CREATE DATABASE, tablespaces, ALTER SYSTEM, subscriptions) are not run by
 * lockwise trace at all; they are counted apart.
 */
const MIN_OBSERVED_FRACTION = 0.85;
/** Fixtures whose partition bounds lockwise judges by proving them from CHECK constraints, as PostgreSQL does. */
const PARTITION_PROOF_FIXTURES = [
  'history-check-does-not-imply-bound',
  'history-clean-check-implies-bound',
  'history-default-partition-check-does-not-rule-out',
  'history-clean-default-partition-check-rules-out',
  'history-list-partitions',
  'history-clean-default-partition-ruled-out',
];
let database: TraceDatabase;
let results: TraceResults;

async function plannedHistories(): Promise<PlannedHistory[]> {
  const histories: PlannedHistory[] = [];
  for (const fixture of await loadFixtures()) {
    const config = fixtureConfig(fixture);
    if (fixture.kind === 'file') {
      const [file] = fixture.files;
      histories.push({ migrations: [{ input: { path: file!.path, text: file!.text }, transactionMode: config.assumeInTransaction ? 'wrapped' : 'none', review: true }] });
    } else {
      const folder = path.join(FIXTURES_DIR, fixture.group, fixture.name);
      const resolved = await resolvePaths([folder], { cwd: REPO_ROOT, exclude: [], excludeBase: REPO_ROOT });
      histories.push(...(await planLint({ cwd: REPO_ROOT, config, files: resolved.files, explicit: new Set() })).histories);
    }
  }
  return histories;
}

beforeAll(async () => {
  database = await openTraceDatabase();
  results = await traceHistories(await plannedHistories(), { database, ownsServer: true }, { pgVersion: database.serverVersion, rows: 200, contention: false });
}, 180_000);

afterAll(async () => {
  await database?.close();
});

describe('the lock table, checked on a real PostgreSQL with every fixture', () => {
  it('predicts every lock and rewrite PostgreSQL was seen to take', () => {
    const mismatches = results.files.flatMap((file) => file.diagnostics.filter((d) => d.rule === 'trace-lock-mismatch').map((d) => `${file.path}:${d.span.start.line}: ${d.message}`));
    expect(mismatches).toEqual([]);
  });

  it('scans for a new partition exactly where require-check-before-attach-partition says PostgreSQL cannot prove the bound', async () => {
    const fixtures = (await loadFixtures()).filter((fixture) => fixture.group === 'require-check-before-attach-partition' && PARTITION_PROOF_FIXTURES.includes(fixture.name));
    expect(fixtures.map((fixture) => fixture.name).sort()).toEqual([...PARTITION_PROOF_FIXTURES].sort());
    const disagreements: string[] = [];
    let compared = 0;
    for (const file of fixtures.flatMap((fixture) => fixture.files)) {
      for (const statement of results.statements.filter((candidate) => candidate.file === file.path && /ATTACH PARTITION|PARTITION OF .* FOR VALUES/i.test(candidate.text))) {
        // The rows trace generates may break the bound: PostgreSQL found them by scanning.
        const violated = statement.status === 'failed' && /partition constraint .* is violated by some row/.test(statement.reason ?? '');
        expect(statement.status === 'observed' || violated, `${file.path}:${statement.line}: ${statement.status} ${statement.reason ?? ''}`).toBe(true);
        const scanned = violated || (statement.observation?.scanned ?? []).length > 0;
        const flagged = file.expected.get(statement.line)?.includes('require-check-before-attach-partition') === true;
        compared++;
        if (scanned !== flagged) disagreements.push(`${file.path}:${statement.line}: PostgreSQL ${scanned ? 'scanned' : 'did not scan'}, the rule ${flagged ? 'flags it' : 'does not'}`);
      }
    }
    expect(compared).toBeGreaterThanOrEqual(25);
    expect(disagreements).toEqual([]);
  });

  it('observes most statements', () => {
    const run = results.statements.filter((statement) => statement.status !== 'not-run');
    const observed = run.filter((statement) => statement.status === 'observed');
    const fraction = observed.length / run.length;
    console.log(`trace fixtures: ${observed.length} of ${run.length} statements observed (${(fraction * 100).toFixed(1)}%), ${results.statements.length - run.length} not run`);
    expect(fraction).toBeGreaterThanOrEqual(MIN_OBSERVED_FRACTION);
  });
});
