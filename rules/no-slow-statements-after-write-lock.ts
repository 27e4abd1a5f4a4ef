import type { Node, RangeVar, SelectStmt, WithClause } from '@pgsql/types';
import type { Statement } from '../src/parse/parse.js';
import type { RuleContext } from '../src/engine/context.js';
import { defineRule } from '../src/engine/rule.js';
import { wordList } from '../src/engine/messages.js';
import { isBoundedWork } from '../src/engine/batches.js';
import { emptiedBy } from '../src/engine/empty-tables.js';
import type { HeldLock } from '../src/engine/held-locks.js';
import { limitedSources } from '../src/knowledge/key-range.js';
import { blocksReads, blocksWrites, lockStrength, type LockMode } from '../src/knowledge/lock-modes.js';
import { trafficLock } from '../src/knowledge/statement-locks.js';
import { alterTableCommands, asKind, forEachRecord, fromListItems, stringValues } from '../src/parse/node-types.js';
import { statementsInFunction } from '../src/parse/plpgsql.js';
import { functionsCalledIn } from '../src/model/schema-objects.js';
import { displayName, relationFromRangeVar, type RelationName } from '../src/model/names.js';

type MessageId = 'slowStatementUnderWriteLock' | 'help' | 'ownMigrationHelp' | 'builtOnHelp' | 'builtOnOwnMigrationHelp';

export default defineRule({
  id: 'no-slow-statements-after-write-lock',
  meta: {
    severity: 'warning',
    presets: ['recommended', 'strict'],
    messages: {
      slowStatementUnderWriteLock:
        '{{work}} while the transaction holds {{locks}} until it commits: writes to {{tables}} wait for as long as this statement runs.',
      help: 'Commit before this statement, so that what the {{takers}} locked is released first, or move {{those}} to the end of the transaction, right before COMMIT: writes then wait only for a moment.',
      ownMigrationHelp:
        'Put this statement in a migration of its own{{laterDeployNote}}, or move the {{takers}} to the end of this migration: the migration tool runs the file in one transaction, so its locks are held until the file ends.',
      builtOnHelp:
        'Commit before this statement, so that what the {{takers}} locked is released first: this statement uses what {{they}} made, so {{they}} cannot move after it.',
      builtOnOwnMigrationHelp:
        'Put this statement in a migration of its own, after this one{{laterDeployNote}}: it uses what the {{takers}} made, so {{they}} cannot move after it, and the migration tool runs the file in one transaction, so its locks are held until the file ends.',
    },
    docs: {
      summary: 'Flags a statement that reads or rewrites a whole existing table while the transaction holds a lock that blocks writes to an existing table.',
      why: 'A lock is held until the end of the transaction, not of the statement. SHARE (CREATE INDEX), SHARE ROW EXCLUSIVE (CREATE TRIGGER, and a foreign key, also one added NOT VALID or by CREATE TABLE, on the table it references too) and EXCLUSIVE (REFRESH MATERIALIZED VIEW CONCURRENTLY, LOCK TABLE) let reads through but make every INSERT, UPDATE and DELETE of the table wait. Taken for a moment, that is harmless; but when the same transaction then runs a statement whose time grows with a table (an index build, VALIDATE CONSTRAINT, CLUSTER, REFRESH MATERIALIZED VIEW, an UPDATE or DELETE not bounded to a batch of keys, or copying a table with INSERT ... SELECT or CREATE TABLE ... AS), the application\'s writes to the locked table wait for all of it. The dual-write step of expand-contract is the usual case: CREATE TRIGGER to keep a new column in step, then a backfill in the same transaction. Not flagged: ACCESS EXCLUSIVE locks, which no-statements-after-access-exclusive reports, nor weaker locks on a table the transaction also holds ACCESS EXCLUSIVE; each table is named once, under the strongest lock the transaction holds on it; the SHARE lock of a CREATE INDEX, which require-concurrent-index reports; VALIDATE CONSTRAINT in the transaction that added the constraint, which require-not-valid reports; work bounded to a batch of keys, and work on tables the migration created, or the transaction emptied (a TRUNCATE, or an ADD COLUMN NOT NULL without a default that succeeded), which hold no rows. A `SELECT f()` or `CALL f()` of a PL/pgSQL function the migrations created, taking no argument, is judged by the statements of its body, which run under the same locks; a function with arguments is left alone, as they may bound its work.',
      instead: 'Commit between the statement that takes the lock and the slow one, or run the slow statement first and take the lock right before COMMIT. With a migration tool that runs each file in a transaction, put them in separate migrations.',
      bad: 'BEGIN;\nCREATE TRIGGER orders_sync_total BEFORE INSERT OR UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION orders_sync_total();\nUPDATE orders SET total_cents = total * 100;\nCOMMIT;',
      good: 'BEGIN;\nCREATE TRIGGER orders_sync_total BEFORE INSERT OR UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION orders_sync_total();\nCOMMIT;\nUPDATE orders SET total_cents = total * 100 WHERE id >= 1 AND id < 10001;',
      references: [
        'https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES',
        'https://www.postgresql.org/docs/current/sql-createtrigger.html',
        'https://www.postgresql.org/docs/current/sql-altertable.html',
      ],
      pgVersions: "All versions. Which statements take which lock comes from lockwise's lock table, for the target version.",
      prevents: 'writes to a table blocked while a slow statement runs in the transaction that locked it',
    },
  },
  create(context) {
    return {
      onStatement(statement) {
        if (!context.transaction.inTransaction) return;
        const slow = slowWorkOf(context, statement);
        if (!slow) return;
        const allHeld = context.heldLocks();
        // A table also held ACCESS EXCLUSIVE waits for this statement in reads too, which no-statements-after-access-exclusive says.
        const readBlocked = allHeld.filter((lock) => lock.onExistingTable && !lock.claim.takenOnlyIf && blocksReads(trafficLock(lock.claim)));
        // The statement's own lock on a table stops its writes for the whole statement anyway (a CREATE INDEX's SHARE).
        const ownWriteBlocks = context.locksOf(statement).filter((claim) => claim.target === 'table' && !claim.takenOnlyIf && blocksWrites(trafficLock(claim)));
        const held = allHeld.filter(
          (lock) =>
            blocksApplicationWrites(context, lock) &&
            !reportedElsewhere(lock, statement) &&
            !readBlocked.some((other) => context.schema.sameTable(other.table, lock.table)) &&
            !ownWriteBlocks.some((claim) => context.schema.sameTable(claim.relation, lock.table)),
        );
        if (held.length === 0) return;
        const takers = [...new Set(held.map((lock) => lock.statement))];
        const lines = wordList([...new Set(held.map((lock) => context.lineOfLock(lock)))]);
        // An index on the column the locking ALTER TABLE added (marmot's plugin_run_id) cannot have that ALTER moved after it.
        const builtOn = takers.some((taker) => usesWhatItMade(context, statement, taker));
        context.report({
          messageId: 'slowStatementUnderWriteLock',
          helpId: context.transaction.explicit ? (builtOn ? 'builtOnHelp' : 'help') : builtOn ? 'builtOnOwnMigrationHelp' : 'ownMigrationHelp',
          data: {
            work: slow,
            locks: lockWords(context, held),
            tables: wordList(uniqueTables(context, held).map(displayName)),
            takers: takers.length > 1 ? `statements on lines ${lines}` : `statement on line ${lines}`,
            those: takers.length > 1 ? 'them' : 'it',
            they: takers.length > 1 ? 'they' : 'it',
          },
        });
      },
    };
  },
});

/**
 * A lock on an existing table that stops its writes and lets its reads through: stronger ones are
 * no-statements-after-access-exclusive's. The application writes to no view or materialized view.
 */
function blocksApplicationWrites(context: RuleContext<MessageId>, lock: HeldLock): boolean {
  const mode = trafficLock(lock.claim);
  const kind = context.schema.table(lock.table)?.kind;
  return lock.onExistingTable && blocksWrites(mode) && !blocksReads(mode) && kind !== 'view' && kind !== 'materialized view';
}

/**
 * Locks whose holding through the transaction another rule reports already: a plain CREATE INDEX's SHARE lock
 * (require-concurrent-index says writes wait until the transaction commits), and the lock of the ADD of a constraint
 * validated in the same transaction (require-not-valid).
 */
function reportedElsewhere(lock: HeldLock, statement: Statement): boolean {
  if (lock.statement.kind === 'IndexStmt') return true;
  const validated = alterTableCommands(statement.node).find((cmd) => cmd.subtype === 'AT_ValidateConstraint')?.name;
  return validated !== undefined && alterTableCommands(lock.statement.node).some((cmd) => cmd.subtype === 'AT_AddConstraint' && asKind(cmd.def, 'Constraint')?.conname === validated);
}

/**
 * "SHARE ROW EXCLUSIVE on orders and customers (line 3) and EXCLUSIVE on ledger (lines 4 and 6)": each table once, under
 * the strongest lock the transaction holds on it, with the lines of the statements that took that lock.
 */
function lockWords(context: RuleContext<MessageId>, held: readonly HeldLock[]): string {
  const byTable: Array<{ table: RelationName; mode: LockMode; lines: string[] }> = [];
  for (const lock of held) {
    const mode = trafficLock(lock.claim);
    const line = context.lineOfLock(lock);
    const known = byTable.find((entry) => context.schema.sameTable(entry.table, lock.table));
    if (!known) byTable.push({ table: lock.table, mode, lines: [line] });
    else if (lockStrength(mode) > lockStrength(known.mode)) Object.assign(known, { mode, lines: [line] });
    else if (mode === known.mode && !known.lines.includes(line)) known.lines.push(line);
  }
  const groups = new Map<string, { mode: LockMode; lines: string[]; tables: RelationName[] }>();
  for (const { table, mode, lines } of byTable) {
    const key = `${mode}:${lines.join(',')}`;
    const group = groups.get(key) ?? { mode, lines, tables: [] };
    group.tables.push(table);
    groups.set(key, group);
  }
  const where = (lines: string[]): string => (lines.length === 1 ? `line ${lines[0]}` : `lines ${wordList(lines)}`);
  return wordList([...groups.values()].map(({ mode, lines, tables }) => `${mode} on ${wordList(tables.map(displayName))} (${where(lines)})`));
}

function uniqueTables(context: RuleContext<MessageId>, held: readonly HeldLock[]): RelationName[] {
  const tables: RelationName[] = [];
  for (const { table } of held) if (!tables.some((known) => context.schema.sameTable(known, table))) tables.push(table);
  return tables;
}

/** The work of a statement whose time grows with an existing table, in words; undefined for one that is quick, or works on new tables. */
function slowWorkOf(context: RuleContext<MessageId>, statement: Statement): string | undefined {
  return slowWorkIn(context, statement.node) ?? slowWorkOfFunctionCalled(context, statement.node);
}

/**
 * A PL/pgSQL function of the migrations, taking no argument, that `SELECT f()` (with no FROM) or `CALL f()`
 * runs: its body's work is the statement's, under every lock the transaction holds (Convoy's `SELECT copy_rows()`, which
 * copies all of events). A function with arguments is left alone: they may bound its work where lockwise cannot see.
 */
function slowWorkOfFunctionCalled(context: RuleContext<MessageId>, node: Node): string | undefined {
  const select = asKind(node, 'SelectStmt');
  const call = asKind(node, 'CallStmt');
  if (select && (select.fromClause || select.intoClause)) return undefined;
  const names = call ? [stringValues(call.funccall?.funcname).at(-1)?.toLowerCase()] : select ? functionsCalledIn(node) : [];
  for (const name of names) {
    const plpgsql = name ? context.schema.plpgsqlFunction(name) : undefined;
    if (!plpgsql || plpgsql.parameterNames.length > 0) continue;
    for (const bodyNode of statementsInFunction(plpgsql.body)) {
      const work = slowWorkIn(context, bodyNode);
      if (work) return `This ${call ? 'CALL' : 'SELECT'} runs ${name}(), whose ${work.replace(/^This /, '')}`;
    }
  }
  return undefined;
}

function slowWorkIn(context: RuleContext<MessageId>, node: Node): string | undefined {
  const existing = (rangeVar: RangeVar | undefined): RelationName | undefined => {
    const relation = rangeVar && relationFromRangeVar(rangeVar);
    // A table the transaction proved empty is read at once.
    return relation && context.isExistingTable(relation) && !emptiedBy(context, relation) ? relation : undefined;
  };
  const index = asKind(node, 'IndexStmt');
  if (index && !index.concurrent) {
    const table = existing(index.relation);
    return table && `This CREATE INDEX reads all of ${displayName(table)} to build the index`;
  }
  const alter = asKind(node, 'AlterTableStmt');
  if (alter && alterTableCommands(node).some((cmd) => cmd.subtype === 'AT_ValidateConstraint')) {
    const table = existing(alter.relation);
    return table && `This VALIDATE CONSTRAINT reads all of ${displayName(table)} to check its rows`;
  }
  const cluster = asKind(node, 'ClusterStmt');
  if (cluster) {
    const table = existing(cluster.relation);
    return table && `This CLUSTER rewrites all of ${displayName(table)}`;
  }
  const refresh = asKind(node, 'RefreshMatViewStmt');
  if (refresh && !refresh.skipData) {
    const view = existing(refresh.relation);
    return view && `This REFRESH MATERIALIZED VIEW runs the query of ${displayName(view)} again and writes all its rows`;
  }
  const update = asKind(node, 'UpdateStmt');
  const remove = asKind(node, 'DeleteStmt');
  if (update || remove) {
    const table = existing(update?.relation ?? remove?.relation);
    const sources = update ? limitedSources(update.withClause, update.fromClause, undefined, update.relation) : limitedSources(remove!.withClause, remove!.usingClause, undefined, remove!.relation);
    if (!table || isBoundedWork(context, table, [update?.whereClause ?? remove?.whereClause], sources)) return undefined;
    return update ? `This UPDATE can change every row of ${displayName(table)}` : `This DELETE can delete every row of ${displayName(table)}`;
  }
  const insert = asKind(node, 'InsertStmt');
  const createAs = asKind(node, 'CreateTableAsStmt');
  const select = asKind(node, 'SelectStmt');
  const query = asKind(insert?.selectStmt, 'SelectStmt') ?? (createAs && !createAs.into?.skipData ? asKind(createAs.query, 'SelectStmt') : undefined) ?? (select?.intoClause ? select : undefined);
  if (!query) return undefined;
  const table = tablesReadWhole(context, query, withQueriesOf(insert?.withClause))[0];
  if (!table) return undefined;
  const command = insert ? 'INSERT ... SELECT' : createAs?.objtype === 'OBJECT_MATVIEW' ? 'CREATE MATERIALIZED VIEW' : createAs ? 'CREATE TABLE ... AS' : 'SELECT INTO';
  return `This ${command} reads every row of ${displayName(table)}`;
}

/**
 * The existing tables a query reads whole: named in its FROM list (through joins), with no LIMIT on the query and no
 * WHERE that bounds it to a batch of the table's keys; and those its WITH queries and subqueries in FROM read whole, by
 * their own conditions and limits (a condition outside does not bound what a subquery reads). Tables read only by
 * subqueries in expressions are left alone.
 */
function tablesReadWhole(context: RuleContext<MessageId>, query: SelectStmt, outerWith: ReadonlyMap<string, Node | undefined> = new Map()): RelationName[] {
  const withQueries = withQueriesOf(query.withClause, outerWith);
  if (query.op && query.op !== 'SETOP_NONE') {
    return [...tablesReadWhole(context, query.larg ?? {}, withQueries), ...tablesReadWhole(context, query.rarg ?? {}, withQueries)];
  }
  if (query.limitCount) return [];
  const sources = limitedSources(query.withClause, query.fromClause);
  const whole: RelationName[] = [];
  for (const item of fromListItems(query.fromClause)) {
    const subquery = asKind(asKind(item, 'RangeSubselect')?.subquery, 'SelectStmt');
    if (subquery) whole.push(...tablesReadWhole(context, subquery, withQueries));
    const rangeVar = asKind(item, 'RangeVar');
    if (!rangeVar) continue;
    const table = relationFromRangeVar(rangeVar);
    if (isBoundedWork(context, table, [query.whereClause], sources)) continue;
    if (rangeVar.schemaname === undefined && withQueries.has(rangeVar.relname ?? '')) {
      const withQuery = asKind(withQueries.get(rangeVar.relname ?? ''), 'SelectStmt');
      // A WITH query does not see itself (WITH RECURSIVE reads its own rows through the name).
      const others = new Map([...withQueries].filter(([name]) => name !== rangeVar.relname));
      if (withQuery) whole.push(...tablesReadWhole(context, withQuery, others));
      continue;
    }
    if (context.isExistingTable(table) && !emptiedBy(context, table)) whole.push(table);
  }
  return whole;
}

/** The queries of a WITH clause by name, with those of the WITH clauses around it. */
function withQueriesOf(withClause: WithClause | undefined, outer: ReadonlyMap<string, Node | undefined> = new Map()): Map<string, Node | undefined> {
  const withQueries = new Map(outer);
  for (const node of withClause?.ctes ?? []) {
    const cte = asKind(node, 'CommonTableExpr');
    if (cte?.ctename) withQueries.set(cte.ctename, cte.ctequery);
  }
  return withQueries;
}

/** Whether `statement` names a column `taker` added (ALTER TABLE ... ADD COLUMN) or a table it created. */
function usesWhatItMade(context: RuleContext<MessageId>, statement: Statement, taker: Statement): boolean {
  const columns = new Set(
    alterTableCommands(taker.node)
      .filter((cmd) => cmd.subtype === 'AT_AddColumn')
      .map((cmd) => asKind(cmd.def, 'ColumnDef')?.colname)
      .filter((name) => name !== undefined),
  );
  const created = asKind(taker.node, 'CreateStmt')?.relation;
  let uses = false;
  forEachRecord(statement.node, (record) => {
    if (uses) return;
    const indexed = (record.IndexElem as { name?: string } | undefined)?.name;
    const referenced = stringValues((record.ColumnRef as { fields?: Node[] } | undefined)?.fields).at(-1);
    // A RangeVar, wrapped or in a typed field (an INSERT's relation).
    const named = typeof record.relname === 'string' ? (record as RangeVar) : undefined;
    uses =
      (indexed !== undefined && columns.has(indexed)) ||
      (referenced !== undefined && columns.has(referenced)) ||
      (created !== undefined && named !== undefined && context.schema.sameTable(relationFromRangeVar(named), relationFromRangeVar(created)));
  });
  return uses;
}
