import type { ColumnDef, RangeVar } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { displayName, relationFromRangeVar } from '../src/model/names.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';
import { asKind, stringValues } from '../src/parse/node-types.js';

export default defineRule({
  id: 'no-json-column',
  meta: {
    severity: 'warning',
    presets: ['recommended-style', 'strict'],
    messages: {
      jsonColumn:
        'Column {{column}} of {{table}} is declared {{type}}: json keeps the input text and parses it again on every access, has no equality operator (DISTINCT, GROUP BY, UNION and UNIQUE fail on it: "could not identify an equality operator for type json") and no operator class for GIN indexes.',
      help:
        'Declare it {{replacement}}: jsonb stores the parsed value, supports =, containment (@>) and GIN indexes. Keep json only if you must return the exact input text (key order, duplicate keys, whitespace). Switching an existing column later rewrites its table under an ACCESS EXCLUSIVE lock.',
    },
    docs: {
      summary: 'Prefers jsonb to json for new columns.',
      why: 'A json value is stored as the text it was given and parsed again by every function or operator that reads it. json has no equality operator, so SELECT DISTINCT, GROUP BY, UNION, a UNIQUE constraint or a plain btree index on the column all fail, and it has no GIN operator class, so containment queries cannot use an index. jsonb stores the parsed value, compares and indexes it. Changing the column to jsonb later (ALTER COLUMN ... TYPE jsonb) rewrites the whole table under an ACCESS EXCLUSIVE lock, so the choice is cheapest when the column is created.',
      instead: 'Declare JSON columns as jsonb. Keep json only when the exact input text must be returned: key order, duplicate keys and whitespace are preserved by json and normalized by jsonb.',
      bad: 'ALTER TABLE events ADD COLUMN payload json;',
      good: 'ALTER TABLE events ADD COLUMN payload jsonb;',
      references: [
        'https://www.postgresql.org/docs/current/datatype-json.html',
        'https://www.postgresql.org/docs/current/datatype-json.html#JSON-INDEXING',
      ],
      pgVersions: 'jsonb exists from PostgreSQL 9.4.',
      prevents: 'queries that cannot compare, group or index the column, and a later rewrite to change its type',
    },
  },
  create(context) {
    return {
      CreateStmt(create) {
        for (const element of create.tableElts ?? []) check(asKind(element, 'ColumnDef'), create.relation);
      },
      AlterTableStmt(alter) {
        if (alter.objtype === 'OBJECT_TYPE') return;
        for (const command of alter.cmds ?? []) {
          const cmd = asKind(command, 'AlterTableCmd');
          if (cmd?.subtype === 'AT_AddColumn' || cmd?.subtype === 'AT_AlterColumnType') check(asKind(cmd.def, 'ColumnDef'), alter.relation, cmd.name);
        }
      },
    };

    function check(column: ColumnDef | undefined, relation: RangeVar | undefined, alteredColumn?: string): void {
      const names = stringValues(column?.typeName?.names);
      if (!column || !relation || names.at(-1) !== 'json' || (names.length > 1 && names[0] !== 'pg_catalog')) return;
      const arrays = '[]'.repeat(column.typeName?.arrayBounds?.length ?? 0);
      context.report({
        messageId: 'jsonColumn',
        helpId: 'help',
        at: column.typeName?.location,
        data: {
          table: displayName(relationFromRangeVar(relation)),
          column: quoteIdentifier(column.colname ?? alteredColumn ?? ''),
          type: `json${arrays}`,
          replacement: `jsonb${arrays}`,
        },
      });
    }
  },
});
