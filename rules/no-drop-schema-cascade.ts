import { defineRule } from '../src/engine/rule.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';
import { asKind } from '../src/parse/node-types.js';

export default defineRule({
  id: 'no-drop-schema-cascade',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      dropSchemaCascade:
        'DROP SCHEMA {{schemas}} CASCADE drops every table, view, sequence, function and type in {{schemas}} with all their data, and also whatever depends on them elsewhere: views in other schemas that read its tables, foreign keys that reference them, columns of other tables typed with its types.',
      help:
        'Drop the objects you mean to drop by name, then the schema without CASCADE: DROP SCHEMA {{schemas}}; PostgreSQL then refuses while anything you did not name still depends on it, and lists what.',
    },
    docs: {
      summary: 'Disallows DROP SCHEMA ... CASCADE on schemas this migration did not create.',
      why: 'DROP SCHEMA ... CASCADE removes every object in the schema, with the data of every table, and then, recursively, every object elsewhere that depends on one of them: a view in another schema, a foreign key constraint of another table, a column whose type lives in the dropped schema. What goes depends on the production schema when the migration runs, not on what the migration names, and nothing warns before it commits. Not reported: a schema the same file created before the drop (a scratch schema), or one no migration made that DROP SCHEMA IF EXISTS drops just before the file creates it (a guard that lets the migration run again).',
      instead: 'Drop the objects of the schema explicitly, then DROP SCHEMA without CASCADE (RESTRICT is the default): it fails, listing them, if anything still depends on the schema.',
      bad: 'DROP SCHEMA reporting CASCADE;',
      good: 'DROP TABLE reporting.daily_totals;\nDROP SCHEMA reporting;',
      references: ['https://www.postgresql.org/docs/current/sql-dropschema.html', 'https://www.postgresql.org/docs/current/ddl-depend.html'],
      pgVersions: 'All versions.',
      prevents: 'silent loss of every object in the schema and of dependent objects elsewhere',
    },
  },
  create(context) {
    /** Schemas created by this file: a scratch schema created and dropped in one migration holds nothing deployed. */
    const createdHere = new Set<string>();
    return {
      CreateSchemaStmt(create) {
        if (create.schemaname) createdHere.add(create.schemaname);
      },
      DropStmt(drop) {
        if (drop.removeType !== 'OBJECT_SCHEMA' || drop.behavior !== 'DROP_CASCADE') return;
        // DROP SCHEMA IF EXISTS of a schema no migration made, which the file creates later: a guard that lets the migration run again (Sirimbo's federated).
        const createdLater = (name: string): boolean => context.statements.slice(context.statement.index + 1).some((later) => asKind(later.node, 'CreateSchemaStmt')?.schemaname === name);
        const guard = (name: string): boolean => drop.missing_ok === true && !context.schema.hasSchema(name) && createdLater(name);
        const schemas = (drop.objects ?? []).map((object) => asKind(object, 'String')?.sval ?? '').filter((name) => name && !createdHere.has(name) && !guard(name));
        if (schemas.length === 0) return;
        context.report({ messageId: 'dropSchemaCascade', helpId: 'help', data: { schemas: schemas.map(quoteIdentifier).join(', ') } });
      },
    };
  },
});
