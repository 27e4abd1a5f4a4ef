import { defineRule } from '../src/engine/rule.js';
import { commandsAltering, commandsOnExistingTable } from '../src/engine/alter-table-commands.js';
import { displayName } from '../src/model/names.js';
import { isNullConstant } from '../src/model/schema-objects.js';
import { alterTableCommands } from '../src/parse/node-types.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

export default defineRule({
  id: 'no-drop-required-column-default',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      newColumn:
        'Dropping the default of {{table}}.{{column}}, a NOT NULL column this migration adds, breaks the release still running during the deploy: it does not know {{column}}, so none of its INSERTs into {{table}} give it a value, and every one fails with a not-null violation once the default is gone.',
      existingColumn:
        'Dropping the default of {{table}}.{{column}}, a NOT NULL column, makes every INSERT that leaves {{column}} out fail with a not-null violation: the release still running during the deploy may rely on the default for it.',
      newColumnHelp:
        'Keep the default in this migration. Drop it in a later one, once every running release writes {{column}} in its INSERTs, or keep it for good: a constant default costs nothing.',
      existingColumnHelp:
        'Drop the default only once the release that writes {{column}} in every INSERT into {{table}} runs everywhere, in a migration of its own after that deploy.',
    },
    docs: {
      summary: 'Disallows dropping the default of a NOT NULL column of an existing table.',
      why: 'A NOT NULL column with a default accepts INSERTs that leave it out. ALTER COLUMN ... DROP DEFAULT (or SET DEFAULT NULL) turns every such INSERT into a not-null violation at once, while the release that wrote them still runs during the deploy. The common form is adding a NOT NULL column with a default only to fill the existing rows, then dropping the default in the same migration: the running release does not know the column, so every INSERT it makes fails until the deploy ends. Not reported when a later statement of the file gives the column a default again, as Prisma\'s enum swap does around ALTER COLUMN TYPE, or when the migration drops the column\'s NOT NULL too (no-drop-not-null reports that).',
      instead: 'Keep the default until every running release gives the column a value in its INSERTs, and drop it in a later migration, after that release is everywhere; or keep a constant default for good.',
      bad: "ALTER TABLE audit_logs ADD COLUMN request_id uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000';\nALTER TABLE audit_logs ALTER COLUMN request_id DROP DEFAULT;",
      good: "ALTER TABLE audit_logs ADD COLUMN request_id uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000';\n-- a later migration, once every running release writes request_id:\n-- ALTER TABLE audit_logs ALTER COLUMN request_id DROP DEFAULT;",
      references: ['https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-DROP-DEFAULT', 'https://www.postgresql.org/docs/current/ddl-default.html'],
      pgVersions: 'All versions.',
      prevents: 'failed INSERTs of the release still running',
    },
  },
  create(context) {
    return commandsOnExistingTable(context, (cmd, relation) => {
      // DROP DEFAULT, or SET DEFAULT NULL, which leaves the column as bare.
      if (cmd.subtype !== 'AT_ColumnDefault' || !cmd.name || (cmd.def !== undefined && !isNullConstant(cmd.def))) return;
      const column = context.schema.column(relation, cmd.name);
      if (!column?.hasDefault || column.generated) return;
      const here = alterTableCommands(context.statement.node).filter((other) => other.name === cmd.name);
      if (!column.notNull && !here.some((other) => other.subtype === 'AT_SetNotNull')) return;
      // Prisma's enum swap drops the default to retype the column, and sets it again before it commits; a column made
      // nullable takes the INSERTs that leave it out (no-drop-not-null judges that).
      const later = commandsAltering(context.statements.slice(context.statement.index + 1), relation, context.schema).filter((other) => other.name === cmd.name);
      const defaultSetAgain = later.some((other) => other.subtype === 'AT_ColumnDefault' && other.def !== undefined && !isNullConstant(other.def));
      if (defaultSetAgain || [...here, ...later].some((other) => other.subtype === 'AT_DropNotNull')) return;
      const isNew = context.schema.isNewColumn(relation, cmd.name);
      context.report({
        messageId: isNew ? 'newColumn' : 'existingColumn',
        helpId: isNew ? 'newColumnHelp' : 'existingColumnHelp',
        data: { table: displayName(relation), column: quoteIdentifier(cmd.name) },
      });
    });
  },
});
