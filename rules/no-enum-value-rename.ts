import { defineRule } from '../src/engine/rule.js';
import { displayName, relationFromNames, relationKey } from '../src/model/names.js';
import { asKind, stringValues } from '../src/parse/node-types.js';
import { commandsOnExistingTable } from '../src/engine/alter-table-commands.js';
import { wordList } from '../src/engine/messages.js';
import { columnType, type ColumnType } from '../src/model/schema-objects.js';
import { describeType } from '../src/knowledge/type-changes.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

export default defineRule({
  id: 'no-enum-value-rename',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      renameValue:
        'Renaming the value \'{{oldLabel}}\' of enum {{type}} to \'{{newLabel}}\' breaks the application version still running during the deploy: every write of \'{{oldLabel}}\' fails from the moment the rename commits (invalid input value for enum {{type}}), and its reads get \'{{newLabel}}\', a value it does not know.',
      valuesRemoved:
        'Changing {{table}}.{{column}} from enum {{from}} to enum {{to}} leaves out {{labels}}: every write of {{them}} by the release still running during the deploy fails from the moment the migration commits (invalid input value for enum), and the migration itself fails if a row still holds {{them}}.',
      removedHelp:
        'Keep {{labels}} in the type for now: release code that no longer writes {{them}}, move the rows that hold {{them}} to other values in batches, and swap the type in a later migration, once no running release writes {{them}}.',
      help:
        'Add the new value instead, in a migration of its own: ALTER TYPE {{type}} ADD VALUE \'{{newLabel}}\'; release code that accepts both and writes \'{{newLabel}}\'; then move existing rows over in batches (UPDATE ... SET ... = \'{{newLabel}}\' WHERE ... = \'{{oldLabel}}\'). Leave \'{{oldLabel}}\' in the type: PostgreSQL cannot drop an enum value, only recreate the type and rewrite every column that uses it.',
    },
    docs: {
      summary: 'Disallows renaming a value of an existing enum type, or leaving values out when a column is swapped to a new enum type.',
      why: 'ALTER TYPE ... RENAME VALUE is instant, but during a rolling deploy the old application version keeps running against the renamed type: every INSERT or UPDATE that writes the old label fails with "invalid input value for enum", queries that compare with the old label match nothing, and rows read back carry a label the old code does not expect. Enum values also cannot be dropped: removing one means creating a new type and converting every column to it, which rewrites those tables under an ACCESS EXCLUSIVE lock. Prisma renames or removes values by swapping the column to a new enum type (`USING col::text::"Type_new"`), then renaming the types: a value the new type leaves out breaks the running release\'s writes the same way, and the swap fails outright while any row holds it.',
      instead: 'Add the new label with ALTER TYPE ... ADD VALUE, release code that accepts both labels and writes the new one, migrate existing rows in batches, and keep the old label unused in the type.',
      bad: "ALTER TYPE order_status RENAME VALUE 'canceled' TO 'cancelled';",
      good: "ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'cancelled';",
      references: [
        'https://www.postgresql.org/docs/current/sql-altertype.html',
        'https://www.postgresql.org/docs/current/datatype-enum.html',
      ],
      pgVersions: 'RENAME VALUE exists from PostgreSQL 10.',
      prevents: 'errors in the release still running',
    },
  },
  create(context) {
    /** Enum types created by this file, and values it added: the running release knows neither. */
    const newTypes = new Set<string>();
    const newValues = new Set<string>();

    return {
      // Prisma removes or renames enum values by swapping the column to a new type (USING col::text::"Type_new").
      ...commandsOnExistingTable(context, (cmd, relation) => {
        if (cmd.subtype !== 'AT_AlterColumnType' || !cmd.name || context.schema.isNewColumn(relation, cmd.name)) return;
        const oldType = context.schema.column(relation, cmd.name)?.type;
        const newType = columnType(asKind(cmd.def, 'ColumnDef')?.typeName);
        if (!oldType || !newType || oldType.arrayDimensions !== newType.arrayDimensions) return;
        const labelsOf = (type: ColumnType) => context.schema.enumValues({ ...(type.schema ? { schema: type.schema } : {}), name: type.name });
        const [before, after] = [labelsOf(oldType), labelsOf(newType)];
        const removed = before && after ? before.filter((label) => !after.includes(label)) : [];
        if (removed.length === 0) return;
        const labels = wordList(removed.map((label) => `'${label.replace(/'/g, "''")}'`));
        context.report({
          messageId: 'valuesRemoved',
          helpId: 'removedHelp',
          at: asKind(cmd.def, 'ColumnDef')?.typeName?.location,
          data: { table: displayName(relation), column: quoteIdentifier(cmd.name), from: describeType(oldType), to: describeType(newType), labels, them: removed.length > 1 ? 'them' : 'it' },
        });
      }),
      CreateEnumStmt(create) {
        newTypes.add(relationKey(relationFromNames(stringValues(create.typeName))));
      },
      AlterEnumStmt(alter) {
        const type = relationFromNames(stringValues(alter.typeName));
        const key = relationKey(type);
        if (!alter.newVal) return;
        if (!alter.oldVal) {
          newValues.add(`${key}:${alter.newVal}`);
          return;
        }
        if (newTypes.has(key) || newValues.has(`${key}:${alter.oldVal}`)) {
          newValues.add(`${key}:${alter.newVal}`);
          return;
        }
        context.report({
          messageId: 'renameValue',
          helpId: 'help',
          data: { type: displayName(type), oldLabel: alter.oldVal.replace(/'/g, "''"), newLabel: alter.newVal.replace(/'/g, "''") },
        });
      },
    };
  },
});
