import type { ColumnDef } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { columnDeclarationVisitors } from '../src/engine/column-declarations.js';
import { columnType, formatColumnType } from '../src/model/schema-objects.js';
import { stringValues } from '../src/parse/node-types.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

export default defineRule({
  id: 'prefer-text',
  meta: {
    severity: 'warning',
    presets: ['recommended-style', 'strict'],
    messages: {
      limitedVarchar:
        '{{column}} of {{table}} is {{type}}: the limit is part of the column\'s type, so changing it later is an ALTER COLUMN ... TYPE under an ACCESS EXCLUSIVE lock, and lowering it rewrites the table and its indexes.',
      help: 'Declare {{column}} text, and enforce the limit with a CHECK constraint where it matters: {{column}} text CHECK (char_length({{column}}) <= {{length}}). A CHECK can be replaced later by adding a new one NOT VALID and validating it, which blocks neither reads nor writes.',
    },
    docs: {
      summary: 'Prefers text (with a CHECK constraint when a limit is needed) over varchar(n).',
      why: 'In PostgreSQL varchar(n) is text with a length check built into the type: it is stored the same way and is no faster. The limit is hard to change: raising it is an ALTER COLUMN ... TYPE that takes an ACCESS EXCLUSIVE lock (no rewrite since PostgreSQL 9.2), and lowering it, or going back from text to varchar(n), rewrites the whole table and rebuilds its indexes under that lock. A CHECK (char_length(col) <= n) constraint expresses the same rule and can be swapped without a rewrite: ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT, which only takes SHARE UPDATE EXCLUSIVE. varchar without a length is not flagged: it has no limit to change. Flagged in CREATE TABLE, ADD COLUMN and ALTER COLUMN ... TYPE, new tables included.',
      instead: 'Declare the column text, with CHECK (char_length(col) <= n) when the limit is a real business rule.',
      bad: 'CREATE TABLE users (id bigint PRIMARY KEY, email varchar(255) NOT NULL);',
      good: 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL CHECK (char_length(email) <= 255));',
      references: [
        'https://www.postgresql.org/docs/current/datatype-character.html',
        'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES',
      ],
      pgVersions: 'All versions. Raising a varchar limit stopped rewriting the table in PostgreSQL 9.2; it still takes ACCESS EXCLUSIVE.',
      prevents: 'an ACCESS EXCLUSIVE lock, or a table rewrite, to change a length limit later',
    },
  },
  create(context) {
    const check = (table: string, name: string | undefined, column: ColumnDef | undefined): void => {
      const names = stringValues(column?.typeName?.names);
      const builtin = names.length === 1 || names[0] === 'pg_catalog';
      const type = columnType(column?.typeName);
      if (!column || !name || !builtin || type?.name !== 'varchar' || type.modifiers.length === 0) return;
      context.report({
        messageId: 'limitedVarchar',
        helpId: 'help',
        at: column.typeName?.location,
        data: { table, column: quoteIdentifier(name), type: formatColumnType(type), length: type.modifiers[0]! },
      });
    };
    return columnDeclarationVisitors(check);
  },
});
