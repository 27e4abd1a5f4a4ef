import { defineRule } from '../src/engine/rule.js';
import { commandsOnExistingTable } from '../src/engine/alter-table-commands.js';
import { displayName } from '../src/model/names.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

export default defineRule({
  id: 'no-drop-not-null',
  meta: {
    severity: 'warning',
    presets: ['recommended', 'strict'],
    messages: {
      dropNotNull:
        'DROP NOT NULL on {{table}}.{{column}} lets NULLs in while the release still running during the deploy reads {{column}} as a column that always has a value: the first NULL written can make that code fail or misbehave.',
      help:
        'First release application code that handles a NULL {{column}} wherever it reads it; drop NOT NULL in a later migration, once no running release assumes a value. Dropping NOT NULL itself is quick: a brief ACCESS EXCLUSIVE lock, no scan.',
    },
    docs: {
      summary: 'Warns about ALTER COLUMN ... DROP NOT NULL on an existing column.',
      why: 'Dropping NOT NULL is instant for PostgreSQL (a brief ACCESS EXCLUSIVE lock, no scan), but it is a contract change: code written while the column could never be NULL (non-nullable fields in an ORM model, string operations, arithmetic, mandatory JSON fields) breaks on the first NULL. During a rolling deploy the previous release still runs against the migrated schema, and rows that the new release writes with NULL reach it at once. A column added by a migration that has not been deployed yet is not reported: no running release reads it.',
      instead: 'Release code that tolerates NULL in the column first; drop NOT NULL in a later migration. If nothing reads the column any more, suppress the finding with that reason.',
      bad: 'ALTER TABLE orders ALTER COLUMN shipping_address DROP NOT NULL;',
      good: 'CREATE TABLE orders (id bigint PRIMARY KEY, shipping_address text NOT NULL);\nALTER TABLE orders ALTER COLUMN shipping_address DROP NOT NULL;',
      references: [
        'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-DROP-NOT-NULL',
      ],
      pgVersions: 'Every version. PostgreSQL 18 also records NOT NULL as a named constraint; dropping it with DROP CONSTRAINT is not recognised by this rule.',
      prevents: 'errors in the running release',
    },
  },
  create(context) {
    return {
      ...commandsOnExistingTable(context, (cmd, relation) => {
        if (cmd.subtype !== 'AT_DropNotNull' || !cmd.name) return;
        if (context.schema.isNewColumn(relation, cmd.name) || context.schema.column(relation, cmd.name)?.notNull === false) return;
        context.report({ messageId: 'dropNotNull', helpId: 'help', data: { table: displayName(relation), column: quoteIdentifier(cmd.name) } });
      }),
    };
  },
});
