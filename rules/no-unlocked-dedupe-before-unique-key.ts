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
        'The DELETE on line {{line}} removes duplicates of ({{keys}}) from {{table}}, but nothing stops the release still running from writing new ones before {{what}} is built{{window}}: one duplicate committed meanwhile makes the build fail ("could not create unique index"){{outcome}}.',
      help:
        'Block writes from before the DELETE to the end of the build, in one transaction: LOCK TABLE {{table}} IN SHARE MODE; before the DELETE (reads go on; writes wait for the DELETE and the build, so keep lock_timeout short). On a large or busy table, first release code that writes no duplicates (an upsert on ({{keys}})), then remove them and build the index CONCURRENTLY.',
    },
    docs: {
      summary: 'Warns about building a unique index or key after a DELETE that removes duplicates of its columns, while the application can still insert new duplicates in between.',
      why: 'A DELETE takes only a ROW EXCLUSIVE lock, which lets every other session go on inserting and updating the table. So between the DELETE that removes the duplicates and the build of the unique index, the release still running during the deploy can commit a new duplicate (the very code that wrote the first ones), and the build then fails with "could not create unique index": the migration fails and rolls back, the DELETE with it, and the migration tool marks it failed. A CREATE UNIQUE INDEX CONCURRENTLY fails the same way, later, and leaves an INVALID index behind that still slows every write. Seen on PostgreSQL 18: a second session inserted a duplicate between the DELETE and the CREATE UNIQUE INDEX of one transaction, and the build failed; with LOCK TABLE ... IN SHARE MODE before the DELETE, the same insert waited, the index was built, and the insert then failed on it as a duplicate. A DELETE counts as removing duplicates when it reads the table again (a self-join, a subquery or a WITH query over it) and tells duplicates by every key column: it groups or partitions by it (GROUP BY, PARTITION BY, DISTINCT ON), or matches it with itself (a.email = b.email). Not reported: a lock that blocks writes (SHARE or stronger) taken on the table before the DELETE, in the transaction that builds the index; tables the migrations created and did not deploy yet.',
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
      const dedupe = context.statements
        .slice(0, context.statement.index)
        .reverse()
        .find((statement) => removesDuplicates(context, statement, relation, keys));
      if (!dedupe) return;
      const sameTransaction = !concurrent && context.transaction.inTransaction && restOfTransaction(context, dedupe).includes(context.statement);
      // A lock that blocks writes, taken before the DELETE and held to the build, closes the window.
      const guarded =
        sameTransaction &&
        context.heldLocks().some((held) => !held.claim.takenOnlyIf && held.statement.index < dedupe.index && blocksWrites(trafficLock(held.claim)) && context.schema.sameTable(held.table, relation));
      if (guarded) return;
      context.report({
        messageId: 'dedupeRace',
        helpId: 'help',
        at,
        data: {
          line: context.lineOf(dedupe.range.start),
          keys: keys.map(quoteIdentifier).join(', '),
          table: displayName(relation),
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

/**
 * A DELETE from the table that reads the table again (a self-join, a subquery, a WITH query) and tells duplicates by
 * every key column: it groups or partitions by it (GROUP BY, PARTITION BY, DISTINCT ON), or matches it with itself
 * (`a.email = b.email`).
 */
function removesDuplicates(context: RuleContext<string>, statement: Statement, relation: RelationName, keys: readonly string[]): boolean {
  const deletion = asKind(statement.node, 'DeleteStmt');
  if (!deletion?.relation || !context.schema.sameTable(relationFromRangeVar(deletion.relation), relation)) return false;
  const readsAgain = relationsNamedIn(statement.node).some((named) => context.schema.sameTable(relationFromRangeVar(named), relation));
  if (!readsAgain) return false;
  const telling = duplicateTellingColumns(statement.node);
  return keys.every((key) => telling.has(key));
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
