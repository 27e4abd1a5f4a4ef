import type { Node } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import type { RuleContext } from '../src/engine/context.js';
import { commandsOnExistingTable } from '../src/engine/alter-table-commands.js';
import { restOfTransaction } from '../src/engine/transaction-block.js';
import { mentionedColumns } from '../src/knowledge/check-implication.js';
import { blocksWrites } from '../src/knowledge/lock-modes.js';
import { trafficLock } from '../src/knowledge/statement-locks.js';
import { displayName, relationFromRangeVar, type RelationName } from '../src/model/names.js';
import { indexColumns } from '../src/model/schema-objects.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';
import { asKind, forEachRecord, relationsNamedIn, stringValues } from '../src/parse/node-types.js';
import type { Statement } from '../src/parse/parse.js';

export default defineRule({
  id: 'no-unlocked-dedupe-before-unique-key',
  meta: {
    severity: 'warning',
    presets: ['recommended', 'strict'],
    messages: {
      dedupeRace:
        'The {{dedupe}}, but nothing stops the release still running from writing new duplicates before {{what}} is built{{window}}: one duplicate committed meanwhile makes the build fail ("could not create unique index"){{outcome}}.',
      help:
        'Block writes from before {{start}} to the end of the build, in one transaction: LOCK TABLE {{table}} IN SHARE MODE; before {{start}} (reads go on; writes wait for the DELETE and the build, so keep lock_timeout short). On a large or busy table, first release code that writes no duplicates (an upsert on ({{keys}})), then remove them and build the index CONCURRENTLY.',
    },
    docs: {
      summary: 'Warns about building a unique index or key after a DELETE that removes duplicates of its columns, while the application can still insert new duplicates in between.',
      why: 'A DELETE takes only a ROW EXCLUSIVE lock, which lets every other session go on inserting and updating the table. So between the DELETE that removes the duplicates and the build of the unique index, the release still running during the deploy can commit a new duplicate (the very code that wrote the first ones), and the build then fails with "could not create unique index": the migration fails and rolls back, the DELETE with it, and the migration tool marks it failed. A CREATE UNIQUE INDEX CONCURRENTLY fails the same way, later, and leaves an INVALID index behind that still slows every write. Seen on PostgreSQL 18: a second session inserted a duplicate between the DELETE and the CREATE UNIQUE INDEX of one transaction, and the build failed; with LOCK TABLE ... IN SHARE MODE before the DELETE, the same insert waited, the index was built, and the insert then failed on it as a duplicate. A DELETE counts as removing duplicates when it reads the table again (a self-join, a subquery or a WITH query over it) and tells duplicates by every key column: it groups or partitions by it (GROUP BY, PARTITION BY, DISTINCT ON), or matches it with itself (a.email = b.email). So does a DELETE that an INSERT follows, filling the table again from a copy made before the DELETE (CREATE TEMP TABLE ... AS SELECT DISTINCT ON (...)) that tells duplicates the same way. Not reported: a lock that blocks writes (SHARE or stronger) taken on the table before the DELETE, in the transaction that builds the index; tables the migrations created and did not deploy yet.',
      instead: 'Lock the table against writes (LOCK TABLE ... IN SHARE MODE) before removing duplicates, in the transaction that builds the unique index; or stop the application from writing duplicates first, in an earlier release.',
      bad: "DELETE FROM session_data a USING session_data b\n  WHERE a.session_id = b.session_id AND a.data_key = b.data_key AND a.id < b.id;\nCREATE UNIQUE INDEX session_data_session_key ON session_data (session_id, data_key);",
      good: "BEGIN;\nSET LOCAL lock_timeout = '2s';\nLOCK TABLE session_data IN SHARE MODE;\nDELETE FROM session_data a USING session_data b\n  WHERE a.session_id = b.session_id AND a.data_key = b.data_key AND a.id < b.id;\nCREATE UNIQUE INDEX session_data_session_key ON session_data (session_id, data_key);\nCOMMIT;",
      references: ['https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY', 'https://www.postgresql.org/docs/current/sql-lock.html', 'https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES'],
      pgVersions: 'All versions. Checked on PostgreSQL 18.',
      prevents: 'a unique index build that fails on a duplicate the running release inserted after the dedupe',
    },
  },
  create(context) {
    const check = (relation: RelationName, keys: readonly string[], what: string, concurrent: boolean, at: number | undefined): void => {
      if (keys.length === 0 || !context.isExistingTable(relation)) return;
      let dedupe: Dedupe | undefined;
      for (let index = context.statement.index - 1; index >= 0 && !dedupe; index--) dedupe = dedupeBy(context, context.statements[index]!, relation, keys);
      if (!dedupe) return;
      const { deletion, refilled } = dedupe;
      const sameTransaction = !concurrent && context.transaction.inTransaction && restOfTransaction(context, deletion).includes(context.statement);
      // A lock that blocks writes, taken before the DELETE and held to the build, closes the window. (Before a copy to fill the
      // table again from, as the help says, it also keeps the rows written between the copy and the DELETE.)
      const guarded =
        sameTransaction &&
        context.heldLocks().some((held) => !held.claim.takenOnlyIf && (held.earlier !== undefined || held.statement.index < deletion.index) && blocksWrites(trafficLock(held.claim)) && context.schema.sameTable(held.table, relation));
      if (guarded) return;
      const keyList = keys.map(quoteIdentifier).join(', ');
      const table = displayName(relation);
      context.report({
        messageId: 'dedupeRace',
        helpId: 'help',
        at,
        data: {
          dedupe: refilled
            ? `DELETE on line ${context.lineOf(deletion.range.start)} and the INSERT on line ${context.lineOf(refilled.insert.range.start)} fill ${table} again from a copy without duplicates of (${keyList}), made on line ${context.lineOf(refilled.copy.range.start)}`
            : `DELETE on line ${context.lineOf(deletion.range.start)} removes duplicates of (${keyList}) from ${table}`,
          start: refilled ? 'the copy' : 'the DELETE',
          keys: keyList,
          table,
          what,
          window: concurrent
            ? ' (CONCURRENTLY builds it in transactions of its own, letting writes go on)'
            : sameTransaction
              ? ' (the DELETE holds only a ROW EXCLUSIVE lock, which lets other sessions write)'
              : ' (the DELETE\'s transaction has ended by then)',
          outcome: concurrent ? ', and leaves an INVALID index that still slows every write' : ', and the migration with it',
        },
      });
    };
    return {
      IndexStmt(index) {
        if (!index.unique || !index.relation) return;
        const keys = [...new Set(indexColumns(index.indexParams ?? [], [], undefined)?.keys.flat() ?? [])];
        const what = index.idxname ? `unique index ${quoteIdentifier(index.idxname)}` : 'the unique index';
        check(relationFromRangeVar(index.relation), keys, what, index.concurrent === true, index.relation.location);
      },
      ...commandsOnExistingTable(context, (cmd, relation) => {
        const constraint = asKind(cmd.def, 'Constraint');
        if (cmd.subtype !== 'AT_AddConstraint' || !constraint || constraint.indexname) return;
        if (constraint.contype !== 'CONSTR_UNIQUE' && constraint.contype !== 'CONSTR_PRIMARY') return;
        const kind = constraint.contype === 'CONSTR_PRIMARY' ? 'primary key' : 'unique constraint';
        check(relation, stringValues(constraint.keys), constraint.conname ? `${kind} ${quoteIdentifier(constraint.conname)}` : `the ${kind}`, false, constraint.location);
      }),
    };
  },
});

interface Dedupe {
  deletion: Statement;
  /** The copy made before the DELETE without duplicates, and the INSERT that fills the table again from it. */
  refilled?: { copy: Statement; insert: Statement };
}

/**
 * A DELETE from the table that reads the table again (a self-join, a subquery, a WITH query) and tells duplicates by
 * every key column: it groups or partitions by it (GROUP BY, PARTITION BY, DISTINCT ON), or matches it with itself
 * (`a.email = b.email`). Or a DELETE after which an INSERT, before the build, fills the table again from a copy made
 * before the DELETE that tells duplicates so (LobeHub's `CREATE TEMP TABLE ... AS SELECT DISTINCT ON (chunk_id) *`).
 */
function dedupeBy(context: RuleContext<string>, statement: Statement, relation: RelationName, keys: readonly string[]): Dedupe | undefined {
  const deletion = asKind(statement.node, 'DeleteStmt');
  if (!deletion?.relation || !context.schema.sameTable(relationFromRangeVar(deletion.relation), relation)) return undefined;
  const readsTable = (node: Node | undefined): boolean => relationsNamedIn(node).some((named) => context.schema.sameTable(relationFromRangeVar(named), relation));
  const tellsKeys = (node: Node): boolean => {
    const telling = duplicateTellingColumns(node);
    return keys.every((key) => telling.has(key));
  };
  if (readsTable(statement.node)) return tellsKeys(statement.node) ? { deletion: statement } : undefined;
  for (const refill of context.statements.slice(statement.index + 1, context.statement.index)) {
    const insert = asKind(refill.node, 'InsertStmt');
    if (!insert?.relation || !context.schema.sameTable(relationFromRangeVar(insert.relation), relation)) continue;
    for (const source of relationsNamedIn(insert.selectStmt)) {
      const copy = context.statements.slice(0, statement.index).reverse().find((earlier) => {
        const query = copyInto(earlier, relationFromRangeVar(source), context);
        return query !== undefined && readsTable(query) && tellsKeys(query);
      });
      if (copy) return { deletion: statement, refilled: { copy, insert: refill } };
    }
  }
  return undefined;
}

/** The query of a CREATE TABLE ... AS or INSERT ... SELECT that fills `copy`. */
function copyInto(statement: Statement, copy: RelationName, context: RuleContext<string>): Node | undefined {
  const createAs = asKind(statement.node, 'CreateTableAsStmt');
  if (createAs?.into?.rel && context.schema.sameTable(relationFromRangeVar(createAs.into.rel), copy)) return createAs.query;
  const insert = asKind(statement.node, 'InsertStmt');
  if (insert?.relation && context.schema.sameTable(relationFromRangeVar(insert.relation), copy)) return insert.selectStmt;
  return undefined;
}

/** The columns a statement groups or partitions rows by, or matches with the same column of another row. */
function duplicateTellingColumns(root: Node): Set<string> {
  const found = new Set<string>();
  const add = (nodes: unknown): void => {
    for (const column of mentionedColumns(nodes as Node)) found.add(column);
  };
  forEachRecord(root, (record) => {
    const select = record.SelectStmt as { groupClause?: unknown; distinctClause?: unknown } | undefined;
    if (select) add([select.groupClause ?? [], select.distinctClause ?? []]);
    // A window is a node of its own in a WINDOW clause, and a plain field of the function call it follows in OVER (...).
    const window = (record.WindowDef ?? (record.FuncCall as { over?: unknown } | undefined)?.over) as { partitionClause?: unknown } | undefined;
    if (window) add(window.partitionClause ?? []);
    const comparison = record.A_Expr as { kind?: string; name?: Node[]; lexpr?: Node; rexpr?: Node } | undefined;
    const operator = stringValues(comparison?.name).at(-1);
    if (comparison && ((comparison.kind === 'AEXPR_OP' && operator === '=') || comparison.kind === 'AEXPR_NOT_DISTINCT')) {
      const left = new Set(mentionedColumns(comparison.lexpr));
      for (const column of mentionedColumns(comparison.rexpr)) if (left.has(column)) found.add(column);
    }
  });
  return found;
}
