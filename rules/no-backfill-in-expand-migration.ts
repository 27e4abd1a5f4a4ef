import type { ExplainStmt, Node, RangeVar } from '@pgsql/types';
import { defineRule, type NodeFrame } from '../src/engine/rule.js';
import { displayName, relationFromRangeVar, relationKey, type RelationName } from '../src/model/names.js';
import { commandsOnExistingTable } from '../src/engine/alter-table-commands.js';
import { matchesNoRow, matchesOneRow } from '../src/knowledge/key-range.js';
import { holdsNoNull } from '../src/engine/column-declarations.js';
import type { Statement } from '../src/parse/parse.js';
import { asKind, isOptionEnabled } from '../src/parse/node-types.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

/**
 * An UPDATE or MERGE that a statement only defines or plans, without running it: the body of a
 * `BEGIN ATOMIC` function, a rule's action, a prepared statement, a plain EXPLAIN.
 */
function isDefinedNotRun(ancestors: readonly NodeFrame[]): boolean {
  return ancestors.some(({ kind, node }) => {
    if (kind === 'ExplainStmt') return !isOptionEnabled((node as ExplainStmt).options, 'analyze');
    return kind === 'CreateFunctionStmt' || kind === 'RuleStmt' || kind === 'PrepareStmt';
  });
}

export default defineRule({
  id: 'no-backfill-in-expand-migration',
  meta: {
    severity: 'warning',
    presets: ['recommended', 'strict'],
    messages: {
      backfillNewColumn:
        'This {{command}} fills {{column}}, which this same migration adds to {{table}}: the backfill runs inside the deploy, holding row locks (and, in a transaction, the ADD COLUMN\'s ACCESS EXCLUSIVE lock) for as long as it takes{{coverage}}.',
      help: 'Ship the new column alone, have the application write it for new rows, then backfill existing rows in batches as a separate step (a later migration or a background job) before switching reads to {{column}}.',
    },
    docs: {
      summary: 'Disallows filling a column in the same migration that adds it.',
      why: 'An UPDATE (or a MERGE that updates matched rows) right after ADD COLUMN turns the expand step into a long data migration: in the same transaction it keeps the ACCESS EXCLUSIVE lock of ADD COLUMN until every row is rewritten, blocking all reads and writes of the table; even on its own it holds row locks and writes a burst of WAL. And the release still running during the deploy does not write the new column yet, so rows it inserts or updates after the backfill stay unfilled.',
      instead: 'Add the column in one migration; deploy code that writes it for new and changed rows; backfill the existing rows in batches in a separate step; only then switch reads and add constraints.',
      bad: "ALTER TABLE users ADD COLUMN handle text;\nUPDATE users SET handle = username WHERE id BETWEEN 1 AND 1000;",
      good: 'ALTER TABLE users ADD COLUMN handle text;',
      references: ['https://www.postgresql.org/docs/current/sql-altertable.html', 'https://www.postgresql.org/docs/current/sql-update.html'],
      pgVersions: 'All versions.',
      prevents: 'long backfill inside the deploy; rows the old release writes left unfilled',
    },
  },
  create(context) {
    /** Reports each column of `targets` that this migration added to the table. */
    const checkFilled = (
      command: 'UPDATE' | 'MERGE',
      rangeVar: RangeVar | undefined,
      targets: Node[] | undefined,
      path: { ancestors: readonly NodeFrame[] },
      where?: Node,
    ): void => {
      if (!rangeVar || isDefinedNotRun(path.ancestors)) return;
      const relation = relationFromRangeVar(rangeVar);
      if (!context.isExistingTable(relation)) return;
      const newColumns = (targets ?? []).filter((target) => {
        const column = asKind(target, 'ResTarget')?.name;
        return column !== undefined && context.schema.columnAddedIn(relation, column) === context.filePath;
      });
      // Setting one row by its key (a seed row, an admin account) is a data fix, not a backfill the old release could miss.
      // The unique keys are looked up only then: finding them reads every index of the schema.
      if (newColumns.length === 0 || (where && matchesOneRow(where, context.schema.uniqueKeys(relation)))) return;
      // `WHERE x IS NULL` on a column its default filled updates no row: nothing for the old release to miss.
      if (matchesNoRow(where, (column) => holdsNoNull(context, relation, column))) return;
      for (const target of newColumns) {
        filled.push({ statement: context.statement, relation, column: asKind(target, 'ResTarget')!.name!, at: asKind(target, 'ResTarget')?.location, command });
      }
    };
    /** Backfills of new columns, reported at the end of the file: a scratch column dropped again by then is no expand step. */
    const filled: Array<{ statement: Statement; relation: RelationName; column: string; at: number | undefined; command: string }> = [];
    const droppedLater = new Set<string>();
    return {
      ...commandsOnExistingTable(context, (cmd, relation) => {
        if (cmd.subtype === 'AT_DropColumn' && cmd.name) droppedLater.add(`${relationKey(relation)}.${cmd.name}`);
      }),
      onFileEnd() {
        for (const { statement, relation, column, at, command } of filled) {
          if (droppedLater.has(`${relationKey(relation)}.${column}`)) continue;
          // A default the column has when the migration ends fills the rows the old release inserts afterwards.
          const coverage = context.schema.column(relation, column)?.hasDefault ? '' : ', and rows the old release writes meanwhile are not covered';
          context.report({ statement, messageId: 'backfillNewColumn', helpId: 'help', at, data: { command, table: displayName(relation), column: quoteIdentifier(column), coverage } });
        }
      },
      UpdateStmt(update, path) {
        checkFilled('UPDATE', update.relation, update.targetList, path, update.whereClause);
      },
      // WHEN MATCHED THEN UPDATE fills existing rows as an UPDATE does; WHEN NOT MATCHED THEN INSERT adds new ones.
      MergeStmt(merge, path) {
        for (const node of merge.mergeWhenClauses ?? []) {
          const clause = asKind(node, 'MergeWhenClause');
          if (clause?.commandType === 'CMD_UPDATE') checkFilled('MERGE', merge.relation, clause.targetList, path);
        }
      },
    };
  },
});
