import { defineRule } from '../src/engine/rule.js';
import { displayName, relationFromNames, relationKey } from '../src/model/names.js';
import { stringValues } from '../src/parse/node-types.js';

export default defineRule({
  id: 'no-enum-value-rename',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      renameValue:
        'Renaming the value \'{{oldLabel}}\' of enum {{type}} to \'{{newLabel}}\' breaks the application version still running during the deploy: every write of \'{{oldLabel}}\' fails from the moment the rename commits (invalid input value for enum {{type}}), and its reads get \'{{newLabel}}\', a value it does not know.',
      help:
        'Add the new value instead, in a migration of its own: ALTER TYPE {{type}} ADD VALUE \'{{newLabel}}\'; release code that accepts both and writes \'{{newLabel}}\'; then move existing rows over in batches (UPDATE ... SET ... = \'{{newLabel}}\' WHERE ... = \'{{oldLabel}}\'). Leave \'{{oldLabel}}\' in the type: PostgreSQL cannot drop an enum value, only recreate the type and rewrite every column that uses it.',
    },
    docs: {
      summary: 'Disallows renaming a value of an existing enum type.',
      why: 'ALTER TYPE ... RENAME VALUE is instant, but during a rolling deploy the old application version keeps running against the renamed type: every INSERT or UPDATE that writes the old label fails with "invalid input value for enum", queries that compare with the old label match nothing, and rows read back carry a label the old code does not expect. Enum values also cannot be dropped: removing one means creating a new type and converting every column to it, which rewrites those tables under an ACCESS EXCLUSIVE lock.',
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
