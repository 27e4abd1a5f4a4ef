import type { ExplainStmt, Node, RangeVar } from '@pgsql/types';
import { defineRule, type NodeFrame } from '../src/engine/rule.js';
import { displayName, relationFromRangeVar, relationKey, type RelationName } from '../src/model/names.js';
import { commandsOnExistingTable } from '../src/engine/alter-table-commands.js';
import { matchesNoRow, matchesOneRow } from '../src/knowledge/key-range.js';
import { columnValues } from '../src/engine/column-declarations.js';
import type { Statement } from '../src/parse/parse.js';
import { asKind, isOptionEnabled } from '../src/parse/node-types.js';
import { wordList } from '../src/engine/messages.js';
import { defaultExpressionOf } from '../src/model/schema-objects.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

/** A node's tree without its positions in the text, to compare two expressions. */
function shape(node: Node | undefined): string {
  return JSON.stringify(node ?? null, (key, value: unknown) => (key === 'location' ? undefined : value));
}

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
        'This {{command}} fills {{columns}}, which this same migration adds to {{table}}: the backfill runs inside the deploy, holding row locks (and, in a transaction, the ADD COLUMN\'s ACCESS EXCLUSIVE lock) for as long as it takes{{coverage}}.',
      help: 'Ship the new {{columnWord}} alone, have the application write {{them}} for new rows, then backfill existing rows in batches as a separate step (a later migration or a background job) before switching reads to {{columns}}.',
    },
    docs: {
      summary: 'Disallows filling a column in the same migration that adds it.',
      why: 'An UPDATE (or a MERGE that updates matched rows) right after ADD COLUMN turns the expand step into a long data migration: in the same transaction it keeps the ACCESS EXCLUSIVE lock of ADD COLUMN until every row is rewritten, blocking all reads and writes of the table; even on its own it holds row locks and writes a burst of WAL. And the release still running during the deploy does not write the new column yet, so rows it inserts or updates after the backfill stay unfilled, or get the column\'s default where that differs from what the backfill writes. One finding per statement and table, naming every new column it fills.',
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
      // `WHERE x IS NULL` (or `x = ''`) on a column its default filled (with 'LINK') updates no row: nothing for the old release to miss.
      if (matchesNoRow(where, columnValues(context, relation))) return;
      for (const target of newColumns) {
        const { name, val, location } = asKind(target, 'ResTarget')!;
        filled.push({ statement: context.statement, relation, column: name!, value: val, at: location, command });
      }
    };
    /** Backfills of new columns, reported at the end of the file: a scratch column dropped again by then is no expand step. */
    const filled: Array<{ statement: Statement; relation: RelationName; column: string; value: Node | undefined; at: number | undefined; command: string }> = [];
    /** The DEFAULT each column this migration adds was last given in it (ADD COLUMN ... DEFAULT, ALTER COLUMN ... SET DEFAULT). */
    const defaultsGiven = new Map<string, Node | undefined>();
    const droppedLater = new Set<string>();
    /** Columns this migration renames, to their last name (Comfy Registry's id_temp, which becomes id). */
    const renamedTo = new Map<string, string>();
    /**
     * What the message says of rows the old release writes after the backfill: they get the column's default when it
     * has one, which covers them only when the backfill writes that same default.
     */
    const coverage = (fills: typeof filled, relation: RelationName): string => {
      // The column as it ends the migration, under the name a RENAME gave it.
      const final = (column: string) => context.schema.column(relation, renamedTo.get(`${relationKey(relation)}.${column}`) ?? column);
      const hasDefault = (column: string): boolean => final(column)?.hasDefault === true;
      // A NOT NULL column without a default takes no row without it: the old release's INSERTs fail rather than leave it unfilled.
      const withoutDefault = fills.filter(({ column }) => !hasDefault(column) && final(column)?.notNull !== true);
      const withOtherDefault = fills.filter(({ column, value }) => {
        const given = defaultsGiven.get(`${relationKey(relation)}.${column}`);
        return hasDefault(column) && (given === undefined || shape(given) !== shape(value));
      });
      if (withoutDefault.length === 0 && withOtherDefault.length === 0) return '';
      const names = (list: typeof filled): string => wordList([...new Set(list.map(({ column }) => quoteIdentifier(column)))]);
      const parts = [
        ...(withoutDefault.length === 0 ? [] : withoutDefault.length === fills.length ? ['are not covered'] : [`leave ${names(withoutDefault)} unfilled`]),
        ...(withOtherDefault.length === 0 ? [] : [`get the default of ${names(withOtherDefault)}, not what this ${fills[0]!.command} writes`]),
      ];
      return `, and rows the old release writes meanwhile ${parts.join(', and ')}`;
    };
    return {
      ...commandsOnExistingTable(context, (cmd, relation) => {
        if (cmd.subtype === 'AT_DropColumn' && cmd.name) droppedLater.add(`${relationKey(relation)}.${cmd.name}`);
        const added = asKind(cmd.def, 'ColumnDef');
        if (cmd.subtype === 'AT_AddColumn' && added?.colname) defaultsGiven.set(`${relationKey(relation)}.${added.colname}`, defaultExpressionOf(added));
        if (cmd.subtype === 'AT_ColumnDefault' && cmd.name) defaultsGiven.set(`${relationKey(relation)}.${cmd.name}`, cmd.def);
      }),
      RenameStmt(rename) {
        if (rename.renameType !== 'OBJECT_COLUMN' || !rename.relation || !rename.subname || !rename.newname) return;
        const table = relationKey(relationFromRangeVar(rename.relation));
        for (const [column, name] of renamedTo) if (name === rename.subname && column.startsWith(`${table}.`)) renamedTo.set(column, rename.newname);
        renamedTo.set(`${table}.${rename.subname}`, rename.newname);
      },
      onFileEnd() {
        // One finding per statement and table, naming every new column it fills.
        const byStatement = new Map<string, typeof filled>();
        for (const fill of filled) {
          if (droppedLater.has(`${relationKey(fill.relation)}.${fill.column}`)) continue;
          const key = `${fill.statement.index} ${relationKey(fill.relation)}`;
          byStatement.set(key, [...(byStatement.get(key) ?? []), fill]);
        }
        for (const fills of byStatement.values()) {
          const { statement, relation, at, command } = fills[0]!;
          const columns = [...new Set(fills.map(({ column }) => column))];
          context.report({
            statement,
            messageId: 'backfillNewColumn',
            helpId: 'help',
            at,
            data: {
              command,
              table: displayName(relation),
              columns: wordList(columns.map(quoteIdentifier)),
              columnWord: columns.length === 1 ? 'column' : 'columns',
              them: columns.length === 1 ? 'it' : 'them',
              coverage: coverage(fills, relation),
            },
          });
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
