import { defineRule } from '../src/engine/rule.js';
import type { RuleContext } from '../src/engine/context.js';
import { displayName, relationFromRangeVar } from '../src/model/names.js';
import { relationsNamedIn } from '../src/parse/node-types.js';
import { columnsPlacedByQuery } from '../src/model/view-columns.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';
import type { Node } from '@pgsql/types';

export default defineRule({
  id: 'no-dropped-column-in-query',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      droppedColumn:
        'The query of this {{what}} reads {{table}}.{{column}}, which a migration before it dropped: PostgreSQL refuses the statement ("column {{column}} does not exist"), so the migration fails, and the ones after it do not run.',
      help: 'Read the column that took the place of {{column}}, or leave it out of the query.',
    },
    docs: {
      summary: 'Disallows a view, materialized view or CREATE TABLE ... AS whose query reads a column an earlier migration dropped.',
      why: 'A view is checked against the tables as they are when it is created: a column a migration dropped, and none added again under its name, makes CREATE VIEW, CREATE MATERIALIZED VIEW and CREATE TABLE ... AS fail with "column ... does not exist", and with them the deploy (seen on PostgreSQL 18: the Mobility Database\'s FeedSearch view read `gtfsdataset.latest`, dropped two migrations earlier). Often the view was written before the drop and the migrations were reordered or merged. Reported for a column named with its table or alias, or without one in a SELECT whose FROM list is that one table, of a table the migrations made, when the model saw the column dropped and not added again; a column lockwise never saw is not reported, as it may come from outside the migrations.',
      instead: 'Read the column that replaced it, or create the view before the migration that drops the column (and drop the view, or change it, in that migration).',
      bad: 'CREATE TABLE datasets (id bigint PRIMARY KEY, latest boolean);\n-- a later migration:\nALTER TABLE datasets DROP COLUMN latest;\n-- a later migration:\nCREATE VIEW latest_datasets AS SELECT id FROM datasets WHERE latest;',
      good: 'CREATE TABLE datasets (id bigint PRIMARY KEY, latest boolean);\n-- a later migration:\nALTER TABLE datasets DROP COLUMN latest;\nALTER TABLE datasets ADD COLUMN is_latest boolean;\n-- a later migration:\nCREATE VIEW latest_datasets AS SELECT id FROM datasets WHERE is_latest;',
      references: ['https://www.postgresql.org/docs/current/sql-createview.html', 'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-DROP-COLUMN'],
      pgVersions: 'All versions. Checked on PostgreSQL 18.',
      prevents: 'a migration that fails on a column an earlier one dropped',
    },
  },
  create(context) {
    return {
      ViewStmt(view) {
        reportDroppedColumns(context, view.query, 'view');
      },
      CreateTableAsStmt(statement) {
        reportDroppedColumns(context, statement.query, statement.objtype === 'OBJECT_MATVIEW' ? 'materialized view' : 'CREATE TABLE ... AS');
      },
    };
  },
});

function reportDroppedColumns(context: RuleContext, query: Node | undefined, what: string): void {
  const reported = new Set<string>();
  // An unqualified name the SELECT's own table no longer has may be an outer query's column, which PostgreSQL takes then.
  const read = relationsNamedIn(query).map(relationFromRangeVar);
  const elsewhere = (column: string): boolean => read.some((relation) => context.schema.column(relation, column) !== undefined || !context.schema.table(relation));
  for (const { relation, column, location, qualified } of columnsPlacedByQuery(query)) {
    if (!context.schema.table(relation) || context.schema.column(relation, column) || !context.schema.isColumnGone(relation, column)) continue;
    if (!qualified && elsewhere(column)) continue;
    const key = `${displayName(relation)}.${column}`;
    if (reported.has(key)) continue;
    reported.add(key);
    context.report({ messageId: 'droppedColumn', helpId: 'help', ...(location !== undefined ? { at: location } : {}), data: { what, table: displayName(relation), column: quoteIdentifier(column) } });
  }
}
