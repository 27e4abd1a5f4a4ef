import type { RangeVar } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { relationFromNameList } from '../src/model/names.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

/** RENAME forms written as ALTER TABLE. */
const TABLE_RENAMES = new Set(['OBJECT_TABLE', 'OBJECT_TABCONSTRAINT']);

export default defineRule({
  id: 'require-schema-qualified-table',
  meta: {
    severity: 'warning',
    presets: ['recommended-style', 'strict'],
    messages: {
      unqualified:
        '{{command}} names {{table}} without a schema: PostgreSQL resolves it through the search_path of the session that runs the migration, which the database, the role or the migration tool may set differently from one environment to the next, so the statement can act on a table in another schema than intended.',
      help: 'Qualify the name with the schema it belongs in, e.g. {{example}}, or set the search_path at the top of the migration (SET search_path = public;) so that every name resolves the same way wherever it runs.',
    },
    docs: {
      summary: 'Requires CREATE, ALTER and DROP TABLE to name the table with its schema.',
      why: 'An unqualified table name is resolved through search_path: CREATE TABLE creates the table in the first schema of the path that exists, ALTER and DROP act on the first table of that name found along it. search_path can be set per database, per role (ALTER ROLE ... SET search_path), in the connection string, or by the migration tool, and its default "$user", public puts a table into a schema named after the role when one exists. The same migration can therefore create a table in one schema in staging and another in production, or alter a same-named table in the wrong schema. A file that sets search_path itself (SET search_path, or set_config) is not flagged after that point: its names resolve the same way wherever it runs. Temporary tables, which live in their own schema, are not flagged.',
      instead: 'Write schema.table in CREATE TABLE, ALTER TABLE and DROP TABLE, or start the migration with SET search_path = <schema>.',
      bad: 'CREATE TABLE invoices (id bigint PRIMARY KEY);',
      good: 'CREATE TABLE billing.invoices (id bigint PRIMARY KEY);',
      references: [
        'https://www.postgresql.org/docs/current/ddl-schemas.html#DDL-SCHEMAS-PATH',
        'https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-SEARCH-PATH',
      ],
      pgVersions: 'All versions.',
      prevents: 'a table created or changed in a schema that depends on the session running the migration',
    },
  },
  create(context) {
    const check = (command: string, relation: RangeVar | undefined): void => {
      if (!relation || relation.schemaname || relation.relpersistence === 't' || context.setting('search_path')) return;
      context.report({ messageId: 'unqualified', helpId: 'help', at: relation.location, data: { command, table: quoteIdentifier(relation.relname ?? ''), example: `public.${quoteIdentifier(relation.relname ?? '')}` } });
    };
    return {
      CreateStmt(create) {
        check('CREATE TABLE', create.relation);
      },
      CreateTableAsStmt(createAs) {
        if (createAs.objtype === 'OBJECT_TABLE') check('CREATE TABLE AS', createAs.into?.rel);
      },
      AlterTableStmt(alter) {
        if (alter.objtype === 'OBJECT_TABLE') check('ALTER TABLE', alter.relation);
      },
      RenameStmt(rename) {
        const ofTable = TABLE_RENAMES.has(rename.renameType ?? '') || (rename.renameType === 'OBJECT_COLUMN' && rename.relationType === 'OBJECT_TABLE');
        if (ofTable) check('ALTER TABLE', rename.relation);
      },
      AlterObjectSchemaStmt(setSchema) {
        if (setSchema.objectType === 'OBJECT_TABLE') check('ALTER TABLE', setSchema.relation);
      },
      DropStmt(drop) {
        if (drop.removeType !== 'OBJECT_TABLE' || context.setting('search_path')) return;
        const unqualified = (drop.objects ?? []).map(relationFromNameList).filter((name) => name && name.schema === undefined);
        if (unqualified.length === 0) return;
        const names = unqualified.map((name) => quoteIdentifier(name!.name));
        context.report({ messageId: 'unqualified', helpId: 'help', data: { command: 'DROP TABLE', table: names.join(', '), example: `public.${names[0]}` } });
      },
    };
  },
});
