import type { MergeStmt, Node, RangeVar, WithClause } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { wordList } from '../src/engine/messages.js';
import { batchKey, CONVENTIONAL_KEY, isBoundedWork } from '../src/engine/batches.js';
import { limitedSources, pinnedColumns, type LimitedSources } from '../src/knowledge/key-range.js';
import type { RuleContext } from '../src/engine/context.js';
import { displayName, displayResolvedName, relationFromRangeVar, type RelationName } from '../src/model/names.js';
import type { ForeignKeyDeleteAction } from '../src/model/schema-objects.js';
import { asKind } from '../src/parse/node-types.js';

export default defineRule({
  id: 'no-unbatched-backfill',
  meta: {
    severity: 'warning',
    presets: ['recommended', 'strict'],
    messages: {
      noWhere:
        '{{command}} without WHERE changes every row of {{table}} in one transaction: it locks every row it touches until commit, blocking the application\'s writes to them, and writes a burst of WAL that makes replicas lag.{{cascades}}',
      unbounded:
        '{{command}} on {{table}} has no bounded key range in its WHERE, so it can touch every row in one transaction: row locks held until commit block the application\'s writes, and a burst of WAL makes replicas lag.{{cascades}}',
      unboundedMerge:
        'MERGE into {{table}} updates or deletes matched rows with no bounded key range in its ON condition or WHEN clause, so it can touch every row in one transaction: row locks held until commit block the application\'s writes, and a burst of WAL makes replicas lag.',
      loopInOneTransaction:
        '{{command}} on {{table}} takes one batch at a time, but the loop around it runs every batch in the one transaction of this DO block, which never commits: row locks pile up until the block ends, as with one {{command}} of every row, and the WAL comes in one burst.',
      loopHelp:
        'Commit each batch: COMMIT after each batch in the loop, with the block in a migration that runs outside a transaction block (PostgreSQL 11+), or run the batches from a script outside the migration, one transaction each.',
      help:
        '{{work}} in batches of 1,000 to 10,000 rows, each in its own short transaction, outside the schema migration, pausing briefly between batches:\n  {{example}}\nrepeated with the next key range until no rows are left.',
    },
    docs: {
      summary: 'Disallows UPDATE, DELETE and MERGE on an existing table that are not limited to a bounded batch of rows.',
      why: 'A data migration that updates or deletes a whole table in one statement holds a row lock on every row it touches until it commits, so the application\'s writes to those rows wait for the entire backfill; it keeps a long transaction open (holding back vacuum), and writes one burst of WAL that replicas must replay, so they lag. Inside the schema migration\'s transaction it also holds every DDL lock taken before it for as long. Batches in a loop of a DO block that never commits are no better: they all run in one transaction (reported once per table and block).',
      instead: 'Backfill in batches of 1,000 to 10,000 rows, each in its own transaction, outside the schema migration, with a short pause between batches: bound each batch by a key range (`WHERE id >= $1 AND id < $2`), a list of keys, or a subquery with LIMIT.',
      bad: "UPDATE users SET handle = username WHERE handle IS NULL;",
      good: 'UPDATE users SET handle = username WHERE id >= 1 AND id < 10001 AND handle IS NULL;',
      references: ['https://www.postgresql.org/docs/current/sql-update.html', 'https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-ROWS', 'https://www.postgresql.org/docs/current/wal-intro.html'],
      pgVersions: 'All versions.',
      prevents: 'row locks on the whole table, long transaction, replica lag',
    },
  },
  create(context) {
    /** The table and its key columns, when `rangeVar` names an existing table that none of `bounds` limits to a batch. */
    const unbatched = (rangeVar: RangeVar | undefined, bounds: Array<Node | undefined>, sources: LimitedSources) => {
      if (!rangeVar) return undefined;
      const relation = relationFromRangeVar(rangeVar);
      if (!context.isExistingTable(relation) || isBoundedWork(context, relation, bounds, sources)) return undefined;
      const declaredKey = context.schema.primaryKey(relation);
      // A table the migrations created without a primary key or an `id`: its first unique key, or a placeholder, not a column it lacks.
      const known = context.schema.table(relation);
      // Of a key of several columns, the first the WHERE does not hold to one value (marmot's search_index, WHERE type = 'asset').
      const pinned = pinnedColumns(bounds[0]);
      const firstFree = (key: readonly string[]): string => key.find((column) => !pinned.has(column)) ?? key[0]!;
      const uniqueKey = context.schema.uniqueKeys(relation)[0];
      const shownKey = !known || declaredKey?.length || known.columns.has(CONVENTIONAL_KEY) ? firstFree(batchKey(context, relation)) : uniqueKey ? firstFree(uniqueKey) : '<key column>';
      return { table: displayName(relation), key: shownKey };
    };
    /** A statement in a loop of a DO block that does not commit: the loop's batches share one transaction. */
    const inLoopWithoutCommit = (): boolean => {
      const { statement } = context;
      return statement.inLoop === true && statement.insideBlock !== undefined && context.statements[statement.insideBlock]?.transactionControl === undefined;
    };
    /** "block:table" for each table a loop of a block was reported for: one finding says it for every statement there. */
    const loopsReported = new Set<string>();
    const check = (command: 'UPDATE' | 'DELETE', rangeVar: RangeVar | undefined, where: Node | undefined, sources: LimitedSources): void => {
      const target = unbatched(rangeVar, [where], sources);
      if (!target) {
        if (rangeVar && context.isExistingTable(relationFromRangeVar(rangeVar)) && inLoopWithoutCommit()) {
          const data = { command, table: displayName(relationFromRangeVar(rangeVar)) };
          const key = `${context.statement.insideBlock}:${data.table}`;
          if (loopsReported.has(key)) return;
          loopsReported.add(key);
          context.report({ messageId: 'loopInOneTransaction', helpId: 'loopHelp', data });
        }
        return;
      }
      const batch = `${target.key} >= $1 AND ${target.key} < $2`;
      const example = command === 'UPDATE' ? `UPDATE ${target.table} SET ... WHERE ${batch} AND ...;` : `DELETE FROM ${target.table} WHERE ${batch} AND ...;`;
      const work = command === 'DELETE' ? 'Delete' : 'Backfill';
      const cascades = command === 'DELETE' ? cascadesOf(context, relationFromRangeVar(rangeVar!)) : '';
      context.report({ messageId: where ? 'unbounded' : 'noWhere', helpId: 'help', data: { command, table: target.table, example, work, cascades } });
    };
    /** MERGE's clauses that change target rows: WHEN MATCHED ones are bounded by the ON condition or their own, the others only by their own. */
    const checkMerge = (merge: MergeStmt, enclosing?: WithClause): void => {
      const sources = limitedSources(merge.withClause, merge.sourceRelation ? [merge.sourceRelation] : [], enclosing);
      for (const node of merge.mergeWhenClauses ?? []) {
        const clause = asKind(node, 'MergeWhenClause');
        if (!clause || (clause.commandType !== 'CMD_UPDATE' && clause.commandType !== 'CMD_DELETE')) continue;
        const bounds = clause.matchKind === 'MERGE_WHEN_MATCHED' ? [merge.joinCondition, clause.condition] : [clause.condition];
        const target = unbatched(merge.relation, bounds, sources);
        if (!target) continue;
        const example = `MERGE INTO ${target.table} USING ... ON ... AND ${target.table}.${target.key} >= $1 AND ${target.table}.${target.key} < $2 WHEN MATCHED THEN ...;`;
        context.report({ messageId: 'unboundedMerge', helpId: 'help', data: { table: target.table, example, work: 'Merge' } });
        return;
      }
    };
    /** The statement itself, and the data-modifying statements of its WITH clause, which run with it (and see its other CTEs). */
    const checkRunning = (node: Node | undefined, enclosing?: WithClause): void => {
      const update = asKind(node, 'UpdateStmt');
      const remove = asKind(node, 'DeleteStmt');
      const merge = asKind(node, 'MergeStmt');
      if (update) check('UPDATE', update.relation, update.whereClause, limitedSources(update.withClause, update.fromClause, enclosing, update.relation));
      if (remove) check('DELETE', remove.relation, remove.whereClause, limitedSources(remove.withClause, remove.usingClause, enclosing, remove.relation));
      if (merge) checkMerge(merge, enclosing);
      const withClause = update?.withClause ?? remove?.withClause ?? merge?.withClause ?? asKind(node, 'InsertStmt')?.withClause ?? asKind(node, 'SelectStmt')?.withClause;
      for (const cte of withClause?.ctes ?? []) checkRunning(asKind(cte, 'CommonTableExpr')?.ctequery, withClause);
    };
    return {
      onStatement(statement) {
        checkRunning(statement.node);
      },
    };
  },
});

/** What the foreign keys of other tables do with their rows when rows of `relation` go, in the same transaction. */
function cascadesOf(context: RuleContext, relation: RelationName): string {
  const byAction = new Map<ForeignKeyDeleteAction, string[]>();
  for (const { table, action } of context.schema.tablesReachedByDelete(relation)) {
    if (action !== 'NO ACTION') byAction.set(action, [...(byAction.get(action) ?? []), displayResolvedName(table)]);
  }
  if (byAction.size === 0) return '';
  const clauses = [...byAction].map(([action, tables], index) => `ON DELETE ${action} ${action === 'CASCADE' ? 'deletes' : 'updates'} ${index === 0 ? 'the matching rows' : 'those'} of ${wordList(tables)}`);
  return ` Foreign keys add to it: ${clauses.join('; ')}, in the same transaction.`;
}
