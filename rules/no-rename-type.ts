import type { Node } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { displayName, relationFromNames, relationFromRangeVar, type RelationName } from '../src/model/names.js';
import { asKind, stringValues } from '../src/parse/node-types.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

export default defineRule({
  id: 'no-rename-type',
  meta: {
    severity: 'warning',
    presets: ['recommended', 'strict'],
    messages: {
      renameType:
        'Renaming {{kind}} {{type}} to {{newName}} breaks the application version still running during the deploy wherever its SQL names the type: a cast such as $1::{{type}} (raw SQL through an ORM writes one for enum values: Prisma\'s $queryRaw needs it since Prisma 4) fails (ERROR: type "{{rawName}}" does not exist) until every instance runs the new code.',
      help:
        'Rename the type in two deploys: first release application code that no longer names {{type}} (for Prisma, keep the database name with @@map("{{rawName}}") while renaming the enum in the schema), and only then rename it, or leave the database name as it is.',
    },
    docs: {
      summary: 'Warns about renaming an existing type or domain, which the running release may name in casts.',
      why: 'Columns refer to their type by its identity, so they keep working after ALTER TYPE ... RENAME, but SQL text names types: a query that casts a parameter ($1::"Status"), a function signature, a view created since. During a rolling deploy the release still running sends the old name for minutes after the migration commits, and every such query fails with "type does not exist". Raw queries through an ORM cast enum values to the type\'s database name (Prisma\'s $queryRaw needs the cast since Prisma 4), so renaming an enum\'s database name breaks them in the running release. Not reported: a type made by the same migration, and a type renamed away and made again under its name later in the migration, by CREATE TYPE or by renaming another type to it (the swap Prisma writes to change an enum\'s values, which the enum rules judge).',
      instead: 'Keep the database name of the type: map the new name in the application (Prisma: @@map). If the name must change, release code that no longer names the type first, then rename it in a later migration.',
      bad: 'ALTER TYPE "Status" RENAME TO "OrderStatus";',
      good: "ALTER TYPE \"Status\" RENAME TO \"Status_old\";\nCREATE TYPE \"Status\" AS ENUM ('new', 'paid');\nALTER TABLE orders ALTER COLUMN status TYPE \"Status\" USING status::text::\"Status\";\nDROP TYPE \"Status_old\";",
      references: ['https://www.postgresql.org/docs/current/sql-altertype.html', 'https://www.postgresql.org/docs/current/sql-alterdomain.html'],
      pgVersions: 'Every version.',
      prevents: 'errors in the release still running',
    },
  },
  create(context) {
    return {
      RenameStmt(rename) {
        const kind = rename.renameType === 'OBJECT_TYPE' ? 'type' : rename.renameType === 'OBJECT_DOMAIN' ? 'domain' : undefined;
        if (!kind || !rename.newname) return;
        const type = relationFromNames(stringValues(asKind(rename.object, 'List')?.items));
        if (!type.name) return;
        const earlier = context.statements.slice(0, context.statement.index);
        const later = context.statements.slice(context.statement.index + 1);
        if (earlier.some((statement) => createsType(statement.node, type)) || later.some((statement) => createsType(statement.node, type))) return;
        context.report({ messageId: 'renameType', helpId: 'help', data: { kind, type: displayName(type), rawName: type.name, newName: quoteIdentifier(rename.newname) } });
      },
    };
  },
});

/**
 * Whether a statement makes a type or domain of this name: the type is new in this migration, or made again under its name,
 * by CREATE or by renaming another type to it (`ALTER TYPE "Status_new" RENAME TO "Status"`, as Prisma swaps an enum).
 */
function createsType(node: Node, type: RelationName): boolean {
  const names =
    asKind(node, 'CreateEnumStmt')?.typeName ?? asKind(node, 'CreateDomainStmt')?.domainname ?? asKind(node, 'CreateRangeStmt')?.typeName;
  const composite = asKind(node, 'CompositeTypeStmt')?.typevar;
  const rename = asKind(node, 'RenameStmt');
  const renamedTo =
    (rename?.renameType === 'OBJECT_TYPE' || rename?.renameType === 'OBJECT_DOMAIN') && rename.newname
      ? { ...relationFromNames(stringValues(asKind(rename.object, 'List')?.items)), name: rename.newname }
      : undefined;
  const created = composite ? relationFromRangeVar(composite) : names ? relationFromNames(stringValues(names)) : renamedTo;
  return created !== undefined && created.name === type.name && (created.schema === undefined || type.schema === undefined || created.schema === type.schema);
}
