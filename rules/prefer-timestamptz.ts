import type { ColumnDef } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { columnDeclarationVisitors } from '../src/engine/column-declarations.js';
import { stringValues } from '../src/parse/node-types.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

export default defineRule({
  id: 'prefer-timestamptz',
  meta: {
    severity: 'warning',
    presets: ['recommended-style', 'strict'],
    messages: {
      timestampWithoutTimeZone:
        '{{column}} of {{table}} is timestamp without time zone: it stores a wall-clock reading, not a moment, so values written by sessions with different TimeZone settings cannot be compared, now() is stored as the writing session\'s local time, and converting the column to timestamptz later rewrites the table under an ACCESS EXCLUSIVE lock unless that session\'s TimeZone is UTC, and rebuilds the column\'s indexes either way.',
      help: 'Declare {{column}} timestamptz (timestamp with time zone): it stores an absolute moment and shows it in each session\'s time zone. It takes the same 8 bytes.',
    },
    docs: {
      summary: 'Prefers timestamptz over timestamp without time zone.',
      why: 'timestamp (without time zone) stores a date and time with no time zone: when a timestamptz value such as now() is written into it, PostgreSQL converts it to the writing session\'s TimeZone and drops the zone, so rows written by an application server in UTC and a script run from a laptop in Europe/Paris hold readings an hour or two apart for the same moment, and nothing records which is which. Daylight saving time makes some readings ambiguous. timestamptz stores an absolute moment (as UTC) in the same 8 bytes and converts on output. Converting a column later with ALTER COLUMN ... TYPE timestamptz interprets the stored readings in the TimeZone of the session running the migration and rewrites the table under an ACCESS EXCLUSIVE lock; only from PostgreSQL 12, and only when that session\'s TimeZone is UTC, is the table left as it is, and indexes on the column are rebuilt even then (checked on PostgreSQL 18). Flagged in CREATE TABLE, ADD COLUMN and ALTER COLUMN ... TYPE, new tables included.',
      instead: 'Declare moments in time as timestamptz. Keep timestamp only for readings that are deliberately zone-less (a shop\'s local opening time), and say so with a lockwise-ignore comment.',
      bad: 'CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamp NOT NULL DEFAULT now());',
      good: 'CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now());',
      references: [
        'https://www.postgresql.org/docs/current/datatype-datetime.html',
        'https://www.postgresql.org/docs/current/datatype-datetime.html#DATATYPE-TIMEZONES',
        'https://www.postgresql.org/docs/release/12.0/',
      ],
      pgVersions: 'All versions. From PostgreSQL 12, ALTER COLUMN ... TYPE between timestamp and timestamptz skips the table rewrite (not the rebuild of the column\'s indexes) when the session TimeZone is UTC.',
      prevents: 'times that depend on the writer\'s time zone, and a table rewrite to fix them',
    },
  },
  create(context) {
    const check = (table: string, name: string | undefined, column: ColumnDef | undefined): void => {
      const names = stringValues(column?.typeName?.names);
      const builtin = names.length === 1 || (names.length === 2 && names[0] === 'pg_catalog');
      if (!column || !name || !builtin || names.at(-1) !== 'timestamp') return;
      context.report({ messageId: 'timestampWithoutTimeZone', helpId: 'help', at: column.typeName?.location, data: { table, column: quoteIdentifier(name) } });
    };
    return columnDeclarationVisitors(check);
  },
});
