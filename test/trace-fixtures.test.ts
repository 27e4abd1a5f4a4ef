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
const MIN_OBSERVED_FRACTION = 0.9;
/**
 * Rules whose verdict depends on what PostgreSQL will find: whether it can prove from CHECK constraints
 * that a scan is not needed, whether a domain's constraints or default make it rewrite the table, whether
 * a new column's rows are left NULL against a NOT NULL. For each, what it reports (a scan, a rewrite of
 * an existing table, the statement failing on a table with rows), the statements it judges, and the
 * fixtures that exercise it.
 */
const VERDICTS: Record<string, { effect: 'scan' | 'rewrite' | 'failure'; statements: RegExp; fixtures: string[] }> = {
  'no-non-transactional-statement-in-transaction': {
    effect: 'failure',
    statements: /^DO /,
    fixtures: ['do-block-commits-inside-begin.sql', 'clean-do-block-commits-outside-transaction.sql'],
  },
  'require-check-before-attach-partition': {
    effect: 'scan',
    statements: /ATTACH PARTITION|PARTITION OF .* FOR VALUES/i,
    fixtures: [
      'history-check-does-not-imply-bound',
      'history-clean-check-implies-bound',
      'history-default-partition-check-does-not-rule-out',
      'history-clean-default-partition-check-rules-out',
      'history-list-partitions',
      'history-clean-default-partition-ruled-out',
      'history-multi-column-key-check-does-not-imply-bound',
      'history-clean-multi-column-key-check-implies-bound',
      'history-check-not-enough',
    ],
  },
  'require-check-before-set-not-null': {
    effect: 'scan',
    statements: /SET NOT NULL|PRIMARY KEY USING INDEX/i,
    fixtures: [
      'history-check-lets-null-in',
      'history-clean-check-proves-not-null-within-and',
      'history-clean-check-validated-in-earlier-migration',
      'history-primary-key-using-index-on-nullable-column',
      'history-clean-primary-key-using-index-on-proven-columns',
    ],
  },
  'no-domain-constraint': {
    effect: 'rewrite',
    statements: /ADD COLUMN/i,
    fixtures: ['history-add-column-of-constrained-domain', 'history-clean-add-column-of-unconstrained-domain'],
  },
  'no-volatile-default': {
    effect: 'rewrite',
    statements: /ADD COLUMN/i,
    fixtures: ['history-domain-defaults', 'history-clean-domain-defaults'],
  },
  'no-add-required-column': {
    effect: 'failure',
    statements: /ADD COLUMN/i,
    fixtures: ['history-not-null-domain', 'history-clean-domain-default-fills-rows'],
  },
  'no-foreign-key-default-without-referenced-row': {
    effect: 'failure',
    statements: /^ALTER TABLE users ADD /,
    fixtures: [
      'history-inline-reference',
      'history-constraint-added-after-column',
      'history-row-inserted-after-the-key',
      'history-clean-row-inserted-first',
      'history-clean-no-default-or-null-default',
    ],
  },
  'no-create-existing-object': {
    effect: 'failure',
    statements: /^(CREATE TABLE (llm_api_keys|key_counts|user_emails)|ALTER TABLE ("Order"|requests|workspace_usage|user_emails|users) ADD|ALTER TABLE members DROP)/,
    fixtures: [
      'history-table-made-again',
      'history-column-added-again',
      'history-constraint-added-again',
      'history-second-primary-key',
      'history-clean-new-names',
      'history-clean-key-column-dropped-with-its-key',
    ],
  },
  'no-altering-column-used-by-view': {
    effect: 'failure',
    statements: /^ALTER TABLE (orders|events|members|sales) (DROP|ALTER) COLUMN/,
    fixtures: [
      'history-drop-column-in-select-list',
      'history-type-change-through-star',
      'history-join-and-where-columns',
      'history-materialized-view',
      'history-clean-column-added-after-star-view',
      'history-clean-view-dropped-and-made-again',
      'history-clean-cascade-and-unused-columns',
      'history-clean-exception-handler',
    ],
  },
  'no-rewriting-type-change': {
    effect: 'rewrite',
    statements: /ALTER COLUMN .* TYPE/i,
    fixtures: ['history-domain-types', 'history-clean-domain-types', 'history-prisma-enum-swap'],
  },
};
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

  it.each(Object.entries(VERDICTS))('scans or rewrites exactly where %s says PostgreSQL will', async (rule, { effect, statements, fixtures: names }) => {
    const fixtures = (await loadFixtures()).filter((fixture) => fixture.group === rule && names.includes(fixture.name));
    expect(fixtures.map((fixture) => fixture.name).sort()).toEqual([...names].sort());
    const disagreements: string[] = [];
    let compared = 0;
    for (const file of fixtures.flatMap((fixture) => fixture.files)) {
      for (const statement of results.statements.filter((candidate) => candidate.file === file.path && statements.test(candidate.text))) {
        // The rows trace generates may break the new constraint or hold NULL: PostgreSQL found them by scanning.
        const violated = statement.status === 'failed' && /is violated by some row|contains null values|does not allow null values|invalid transaction termination|violates foreign key constraint|other objects depend on it|used by a view or rule|already exists|multiple primary keys for table/.test(statement.reason ?? '');
        expect(statement.status === 'observed' || violated, `${file.path}:${statement.line}: ${statement.status} ${statement.reason ?? ''}`).toBe(true);
        const observation = statement.observation;
        const effects = { scan: observation?.scanned ?? [], rewrite: (observation?.rewritten ?? []).filter((name) => !name.startsWith('index ')), failure: [] };
        const seen = violated || effects[effect].length > 0;
        const flagged = file.expected.get(statement.line)?.includes(rule) === true;
        compared++;
        if (seen !== flagged) disagreements.push(`${file.path}:${statement.line}: PostgreSQL ${seen ? 'did' : 'did not'} ${effect}, the rule ${flagged ? 'flags it' : 'does not'}`);
      }
    }
    expect(compared).toBeGreaterThanOrEqual(names.length);
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
