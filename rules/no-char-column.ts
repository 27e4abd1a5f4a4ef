import type { ColumnDef } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { columnDeclarationVisitors } from '../src/engine/column-declarations.js';
import { columnType } from '../src/model/schema-objects.js';
import { stringValues } from '../src/parse/node-types.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

export default defineRule({
  id: 'no-char-column',
  meta: {
    severity: 'warning',
    presets: ['recommended-style', 'strict'],
    messages: {
      charColumn:
        '{{column}} of {{table}} is character({{length}}): shorter values are padded with spaces to the full length, which = ignores, LIKE and regular expressions see, and concatenation strips, so the same value matches in one query and not in another; and the padded value takes more space than text, not less.',
      help: 'Declare {{column}} text, with CHECK (char_length({{column}}) = {{length}}) if every value really has that length.',
    },
    docs: {
      summary: 'Disallows char(n) / character(n) columns.',
      why: 'character(n) (char(n), and plain char, which means char(1)) pads every value with spaces to n characters. The padding is insignificant to = (\'ab\'::char(3) = \'ab\' is true), significant to LIKE and regular expressions (\'ab\'::char(3) LIKE \'ab\' is false), and stripped when the value is converted to text (\'ab\'::char(3) || \'x\' gives \'abx\'), so queries that look equivalent disagree. It is not smaller or faster either: the padded value is stored in full, and PostgreSQL\'s documentation says there is no performance advantage over text or varchar. Fixed-length codes (country codes, currencies) are better written as text with a CHECK on their length. The one-byte internal type "char" (with quotes) is a different type, and bpchar without a length pads nothing; neither is flagged. Flagged in CREATE TABLE, ADD COLUMN and ALTER COLUMN ... TYPE, new tables included.',
      instead: 'Use text, with CHECK (char_length(col) = n) for values of a fixed length.',
      bad: 'CREATE TABLE countries (code char(2) PRIMARY KEY, name text NOT NULL);',
      good: 'CREATE TABLE countries (code text PRIMARY KEY CHECK (char_length(code) = 2), name text NOT NULL);',
      references: ['https://www.postgresql.org/docs/current/datatype-character.html'],
      pgVersions: 'All versions.',
      prevents: 'blank-padded values that compare and concatenate inconsistently',
    },
  },
  create(context) {
    const check = (table: string, name: string | undefined, column: ColumnDef | undefined): void => {
      const names = stringValues(column?.typeName?.names);
      const builtin = names.length === 1 || (names.length === 2 && names[0] === 'pg_catalog');
      const type = columnType(column?.typeName);
      // bpchar without a length pads nothing; char without one is char(1), which the parser spells out.
      const length = type?.name === 'bpchar' ? type.modifiers[0] : undefined;
      if (!column || !name || !builtin || length === undefined) return;
      context.report({ messageId: 'charColumn', helpId: 'help', at: column.typeName?.location, data: { table, column: quoteIdentifier(name), length } });
    };
    return columnDeclarationVisitors(check);
  },
});
