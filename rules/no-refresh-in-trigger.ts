import { defineRule } from '../src/engine/rule.js';
import type { RuleContext } from '../src/engine/context.js';
import { shortWordList, wordList } from '../src/engine/messages.js';
import { displayName, displayResolvedName, relationFromRangeVar } from '../src/model/names.js';
import { asKind, stringValues } from '../src/parse/node-types.js';
import type { Statement } from '../src/parse/parse.js';
import type { CreateTrigStmt } from '@pgsql/types';
import { functionsCalledIn } from '../src/model/schema-objects.js';
import { statementsInFunction } from '../src/parse/plpgsql.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

/** Views a message names before the rest are counted. */
const NAMED_VIEWS = 4;

/** CreateTrigStmt.events bits (pg_trigger's tgtype). */
const TRIGGER_EVENTS: Array<[number, string]> = [
  [1 << 2, 'INSERT'],
  [1 << 4, 'UPDATE'],
  [1 << 3, 'DELETE'],
  [1 << 5, 'TRUNCATE'],
];

export default defineRule({
  id: 'no-refresh-in-trigger',
  meta: {
    severity: 'warning',
    presets: ['recommended', 'strict'],
    messages: {
      refreshOnWrite:
        'Each {{events}} on {{table}} now runs {{function}}, which{{through}} refreshes {{views}}{{perRow}}: the refresh runs the view\'s whole query again, and takes {{lock}} on the view until the writing transaction commits, which another refresh waits for. From the deploy on, writes to {{table}} wait for one another, each for a whole refresh{{blocksReads}}.',
      replacedToRefresh:
        '{{function}} now{{through}} refreshes {{views}}, and triggers on {{tables}} run it: each write to those tables now runs the view\'s whole query again, and takes {{lock}} on the view until the writing transaction commits, which another refresh waits for. From the deploy on, writes wait for one another, each for a whole refresh{{blocksReads}}.',
      help:
        'Refresh {{viewNames}} from a scheduled job instead (pg_cron, or a worker of the application), as often as readers need it fresh; or, for counts and sums, keep a summary table up to date row by row in the trigger (INSERT ... ON CONFLICT DO UPDATE), which locks one row, not the whole view.',
    },
    docs: {
      summary: 'Warns about a trigger whose function refreshes a materialized view, which makes every write to the table wait for a whole refresh, one after another.',
      why: "A trigger that runs REFRESH MATERIALIZED VIEW on every INSERT, UPDATE or DELETE turns each write into a full run of the view's query. Worse, the refresh locks the view until the writing transaction commits: REFRESH ... CONCURRENTLY takes an EXCLUSIVE lock, which conflicts with itself, and a plain REFRESH an ACCESS EXCLUSIVE lock, which also blocks every read of the view. So two transactions that write to the table cannot both get past the trigger: the second waits until the first commits, and under load the writes run one at a time (seen on PostgreSQL 18: a second INSERT waits for the first transaction's commit, and fails with its lock_timeout). A FOR EACH ROW trigger refreshes once per row changed. The migration itself takes only a SHARE ROW EXCLUSIVE lock for the CREATE TRIGGER; the outage comes with the traffic after the deploy. Reported at the CREATE TRIGGER, for a PL/pgSQL function the migrations created (in this migration or an earlier one; the function as it stands at the end of the migration, which is what the trigger runs from the deploy on), and at a CREATE OR REPLACE FUNCTION that makes a function which earlier migrations' triggers run start refreshing; following the PL/pgSQL functions it calls (PERFORM, CALL, or in a query) up to four calls deep, and an EXECUTE of a constant string. A trigger the migration drops again is not reported. A REFRESH in SQL built at run time (EXECUTE format(...)) is not seen, nor a function lockwise did not see created.",
      instead: 'Refresh the view on a schedule, outside the write path, or maintain a summary table with row-level upserts in the trigger.',
      bad: "CREATE FUNCTION refresh_post_stats() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  REFRESH MATERIALIZED VIEW CONCURRENTLY post_stats;\n  RETURN NULL;\nEND $$;\nCREATE TRIGGER refresh_post_stats AFTER INSERT OR UPDATE OR DELETE ON posts\n  FOR EACH STATEMENT EXECUTE FUNCTION refresh_post_stats();",
      good: "-- refreshed every minute by a job, not by each write:\nSELECT cron.schedule('refresh-post-stats', '* * * * *', 'REFRESH MATERIALIZED VIEW CONCURRENTLY post_stats');",
      references: [
        'https://www.postgresql.org/docs/current/sql-refreshmaterializedview.html',
        'https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES',
        'https://www.postgresql.org/docs/current/plpgsql-trigger.html',
      ],
      pgVersions: 'All versions. Checked on PostgreSQL 18.',
      prevents: 'writes to a table serialised behind a materialized view refresh each',
    },
  },
  create(context) {
    const createdTriggers: Array<{ statement: Statement; trigger: CreateTrigStmt; functionName: string; events: string[] }> = [];
    /** The functions this migration creates or replaces, each with its last CREATE and whether it refreshed before. */
    const createdFunctions = new Map<string, { statement: Statement; refreshedBefore: boolean }>();
    return {
      CreateTrigStmt(trigger) {
        if (!trigger.relation || context.statement.caught) return;
        const functionName = stringValues(trigger.funcname).at(-1)?.toLowerCase();
        // UPDATE OF amount fires only on updates that name amount (Sirimbo's 000029).
        const columns = stringValues(trigger.columns);
        const events = TRIGGER_EVENTS.filter(([bit]) => ((trigger.events ?? 0) & bit) !== 0).map(([, word]) => (word === 'UPDATE' && columns.length > 0 ? `UPDATE OF ${columns.map(quoteIdentifier).join(', ')}` : word));
        if (functionName && events.length > 0) createdTriggers.push({ statement: context.statement, trigger, functionName, events });
      },
      DropStmt(drop) {
        if (context.statement.caught) return;
        for (const object of drop.objects ?? []) {
          const names = stringValues(asKind(object, 'List')?.items).map((name) => name.toLowerCase());
          // DROP TRIGGER names [schema.]table.trigger; DROP TABLE [schema.]table, which takes its triggers.
          const gone =
            drop.removeType === 'OBJECT_TRIGGER'
              ? (created: CreateTrigStmt) => created.trigname?.toLowerCase() === names.at(-1) && created.relation?.relname?.toLowerCase() === names.at(-2)
              : drop.removeType === 'OBJECT_TABLE'
                ? (created: CreateTrigStmt) => created.relation?.relname?.toLowerCase() === names.at(-1)
                : undefined;
          if (!gone) continue;
          for (let index = createdTriggers.length - 1; index >= 0; index--) if (gone(createdTriggers[index]!.trigger)) createdTriggers.splice(index, 1);
        }
      },
      CreateFunctionStmt(created) {
        const functionName = stringValues(created.funcname).at(-1)?.toLowerCase();
        if (!functionName || context.statement.caught) return;
        const refreshedBefore = createdFunctions.get(functionName)?.refreshedBefore ?? refreshesOf(context, functionName).refreshes.length > 0;
        createdFunctions.set(functionName, { statement: context.statement, refreshedBefore });
      },
      // The function a trigger runs is the one in force when it fires: the migration may replace it after the CREATE TRIGGER.
      onFileEnd() {
        if (!context.schema.anyFunctionMentionsRefresh()) return;
        const reported = new Set<string>();
        for (const { statement, trigger, functionName, events } of createdTriggers) {
          const table = relationFromRangeVar(trigger.relation!);
          const found = refreshesOf(context, functionName);
          if (found.refreshes.length === 0) continue;
          reported.add(functionName);
          context.report({
            statement,
            messageId: 'refreshOnWrite',
            helpId: 'help',
            at: trigger.relation!.location,
            data: { ...refreshData(functionName, found, trigger.row === true), events: wordList(events), table: displayName(table) },
          });
        }
        for (const [functionName, { statement, refreshedBefore }] of createdFunctions) {
          if (refreshedBefore || reported.has(functionName)) continue;
          const found = refreshesOf(context, functionName);
          const tables = context.schema.usesOfFunction(functionName).triggers.map(({ table }) => displayResolvedName(table));
          if (found.refreshes.length === 0 || tables.length === 0) continue;
          context.report({
            statement,
            messageId: 'replacedToRefresh',
            helpId: 'help',
            data: { ...refreshData(functionName, found, false), tables: shortWordList([...new Set(tables)], NAMED_VIEWS) },
          });
        }
      },
    };
  },
});

/** The message's words for what a function refreshes, and how. */
function refreshData(functionName: string, { refreshes, through }: Refreshes, perRow: boolean): Record<string, string> {
  const plain = refreshes.some(({ concurrent }) => !concurrent);
  return {
    function: `${functionName}()`,
    through: through.map((name) => ` calls ${name}(), which`).join(''),
    views: shortWordList([...new Set(refreshes.map(({ view, concurrent }) => `${displayName(view)}${concurrent ? ' CONCURRENTLY' : ''}`))], NAMED_VIEWS),
    viewNames: shortWordList([...new Set(refreshes.map(({ view }) => displayName(view)))], NAMED_VIEWS),
    perRow: perRow ? ', once for every row the statement changes' : '',
    lock: plain ? 'an ACCESS EXCLUSIVE lock (EXCLUSIVE for a CONCURRENTLY refresh)' : 'an EXCLUSIVE lock',
    blocksReads: plain ? ', and no one reads the view while a plain refresh holds it' : '',
  };
}

/** How deep a trigger's function is followed into the functions it calls. */
const CALL_DEPTH = 4;

interface Refreshes {
  refreshes: Array<{ view: ReturnType<typeof relationFromRangeVar>; concurrent: boolean }>;
  /** The functions called on the way from the trigger's function to the first one that refreshes, in order. */
  through: string[];
}

/**
 * The materialized views a PL/pgSQL function of the migrations refreshes, itself or through the PL/pgSQL functions it
 * calls (PERFORM, CALL, SELECT), as the schema knows them now.
 */
function refreshesOf(context: RuleContext<string>, functionName: string): Refreshes {
  const found: Refreshes = { refreshes: [], through: [] };
  if (!context.schema.anyFunctionMentionsRefresh()) return found;
  const visited = new Set<string>();
  const visit = (name: string, path: string[]): void => {
    if (visited.has(name) || path.length > CALL_DEPTH) return;
    visited.add(name);
    const plpgsql = context.schema.plpgsqlFunction(name);
    if (!plpgsql) return;
    const statements = statementsInFunction(plpgsql.body, plpgsql.parameterNames);
    for (const node of statements) {
      const refresh = asKind(node, 'RefreshMatViewStmt');
      if (!refresh?.relation) continue;
      if (found.refreshes.length === 0) found.through = path;
      found.refreshes.push({ view: relationFromRangeVar(refresh.relation), concurrent: refresh.concurrent === true });
    }
    for (const node of statements) {
      // CALL's FuncCall is a field of its own, not a node the tree walk sees.
      const procedure = stringValues(asKind(node, 'CallStmt')?.funccall?.funcname).at(-1)?.toLowerCase();
      for (const called of [...(procedure ? [procedure] : []), ...functionsCalledIn(node)]) visit(called, [...path, called]);
    }
  };
  visit(functionName, []);
  return found;
}
