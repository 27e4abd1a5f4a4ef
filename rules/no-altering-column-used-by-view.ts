import { defineRule } from '../src/engine/rule.js';
import { shortWordList } from '../src/engine/messages.js';
import { displayName, displayResolvedName, relationFromRangeVar } from '../src/model/names.js';
import { asKind } from '../src/parse/node-types.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

/** Views named in a message before the rest are counted. */
const NAMED_VIEWS = 4;

export default defineRule({
  id: 'no-altering-column-used-by-view',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      dropColumn:
        'PostgreSQL refuses to drop {{table}}.{{column}} while {{views}} {{uses}} it (ERROR: cannot drop column {{rawColumn}} of table {{rawTable}} because other objects depend on it): the migration fails here.',
      changeType:
        'PostgreSQL refuses to change the type of {{table}}.{{column}} while {{views}} {{uses}} it (ERROR: cannot alter type of a column used by a view or rule), even to the type it has: the migration fails here.',
      dropHelp:
        'Drop or change the view first, in the same transaction: DROP {{viewKind}} {{firstView}}; then CREATE {{viewKind}} {{firstView}} AS ... again without {{column}}, once no running release reads it through the view; or drop the column with CASCADE only if the view may go with it.',
      typeHelp:
        'Drop the view and create it again around the change, in one transaction, so that no query finds it missing: DROP {{viewKind}} {{firstView}}; ALTER TABLE {{table}} ALTER COLUMN {{column}} TYPE ...; CREATE {{viewKind}} {{firstView}} AS ...; (its readers wait on the locks until COMMIT).',
    },
    docs: {
      summary: 'Disallows dropping or changing the type of a column that a view or materialized view of the history uses.',
      why: "A view depends on every column its query uses, and a `SELECT *` view on every column its table had when the view was made. PostgreSQL refuses to drop such a column without CASCADE (\"cannot drop column ... because other objects depend on it\") and to change its type at all, even to the same type (\"cannot alter type of a column used by a view or rule\"), so the migration fails there, in the middle of a deploy (seen on PostgreSQL 18, for views and materialized views, for columns in the select list, a join condition and a WHERE clause, and through `*`). lockwise knows which columns a view uses from the query the migrations gave it: a column named with its table or alias, an unqualified one that only one table it reads has, and the columns behind `*`. Not reported: a column added after a `*` view was made, a view the migration dropped before, a column lockwise cannot place, DROP COLUMN ... CASCADE (no-drop-cascade reports what it takes along), and a statement in a DO block whose exception handler catches the error.",
      instead: 'Drop the view before the change and create it again after it, in the same transaction; or keep the column until the view no longer uses it.',
      bad: 'CREATE TABLE orders (id bigint PRIMARY KEY, total numeric(10, 2), note text);\nCREATE VIEW order_totals AS SELECT id, total FROM orders;\n-- a later migration:\nALTER TABLE orders ALTER COLUMN total TYPE numeric(12, 2);',
      good: "CREATE TABLE orders (id bigint PRIMARY KEY, total numeric(10, 2), note text);\nCREATE VIEW order_totals AS SELECT id, total FROM orders;\n-- a later migration:\nBEGIN;\nSET LOCAL lock_timeout = '2s';\nDROP VIEW order_totals;\nALTER TABLE orders ALTER COLUMN total TYPE numeric(12, 2);\nCREATE VIEW order_totals AS SELECT id, total FROM orders;\nCOMMIT;",
      references: ['https://www.postgresql.org/docs/current/ddl-depend.html', 'https://www.postgresql.org/docs/current/sql-altertable.html'],
      pgVersions: 'Every version. Checked on PostgreSQL 18.',
      prevents: 'a migration that fails half-way through a deploy',
    },
  },
  create(context) {
    return {
      AlterTableStmt(alter) {
        if (!alter.relation || context.statement.caught) return;
        const table = relationFromRangeVar(alter.relation);
        for (const node of alter.cmds ?? []) {
          const cmd = asKind(node, 'AlterTableCmd');
          const drops = cmd?.subtype === 'AT_DropColumn' && cmd.behavior !== 'DROP_CASCADE';
          if (!cmd?.name || (!drops && cmd.subtype !== 'AT_AlterColumnType')) continue;
          const views = context.schema.viewsUsingColumn(table, cmd.name);
          if (views.length === 0) continue;
          const data = {
            table: displayName(table),
            column: quoteIdentifier(cmd.name),
            rawTable: table.name,
            rawColumn: cmd.name,
            views: shortWordList(views.map((view) => `${context.schema.table(view)?.kind ?? 'view'} ${displayResolvedName(view)}`), NAMED_VIEWS),
            uses: views.length === 1 ? 'uses' : 'use',
            firstView: displayResolvedName(views[0]!),
            viewKind: context.schema.table(views[0]!)?.kind === 'materialized view' ? 'MATERIALIZED VIEW' : 'VIEW',
          };
          context.report(drops ? { messageId: 'dropColumn', helpId: 'dropHelp', data } : { messageId: 'changeType', helpId: 'typeHelp', data });
        }
      },
    };
  },
});
