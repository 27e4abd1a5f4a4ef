import { beforeAll, describe, expect, it } from 'vitest';
import * as wrapper from 'libpg-query';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { libpgQuery, loadParser } from '../src/parse/libpg.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

// lockwise calls libpg-query's C functions itself (src/parse/libpg.ts). Whatever it gets back must be
// what libpg-query's own wrapper returns or throws for the same text.

function outcome(run: () => unknown): unknown {
  try {
    return { result: run() };
  } catch (error) {
    const { message, sqlDetails } = error as { message: string; sqlDetails?: { cursorPosition?: number } };
    return { message, cursorPosition: sqlDetails?.cursorPosition };
  }
}

const BIG_MIGRATION = Array.from(
  { length: 4000 },
  (_, i) => `ALTER TABLE orders_${i} ADD COLUMN note_${i} text DEFAULT 'naïve café ${i}';\nCREATE INDEX CONCURRENTLY orders_${i}_idx ON orders_${i} (note_${i});`,
).join('\n');

const TEXTS = [
  "SET lock_timeout = '3s';\nALTER TABLE orders ADD COLUMN tracking_number text;",
  "-- žluťoučký kůň\nSELECT 'žluťoučký', '😀' AS émoji;\nUPDATE t SET c = '€' WHERE id = 1;",
  "SELECT '😀', 'ž' FROM WHERE;",
  'CREATE TABLE t (id int PRIMARY KEY,);',
  "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;",
  '/* only a comment */',
  // Several megabytes of JSON back: the module's memory grows while parsing.
  BIG_MIGRATION,
];

describe('the PostgreSQL parser binding', () => {
  beforeAll(async () => {
    await Promise.all([loadParser(), wrapper.loadModule()]);
  });

  it.each(TEXTS.map((text) => [text.slice(0, 40), text]))('parses %j as libpg-query does', (_, text) => {
    expect(outcome(() => libpgQuery().parseSync(text))).toEqual(outcome(() => wrapper.parseSync(text)));
  });

  it.each(TEXTS.map((text) => [text.slice(0, 40), text]))('scans %j as libpg-query does', (_, text) => {
    expect(outcome(() => libpgQuery().scanSync(text))).toEqual(outcome(() => wrapper.scanSync(text)));
  });

  it('parses PL/pgSQL, and reports its errors, as libpg-query does', () => {
    const good = "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE t ADD COLUMN ž int; END $$";
    const bad = 'CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN IF THEN END $$';
    for (const text of [good, bad]) {
      expect(outcome(() => libpgQuery().parsePlPgSQLSync(text))).toEqual(outcome(() => wrapper.parsePlPgSQLSync(text)));
    }
    expect(outcome(() => libpgQuery().parsePlPgSQLSync(bad))).toHaveProperty('message');
  });

  it('gives the error cursor in code points, after multi-byte characters', () => {
    const text = "SELECT '😀', 'ž' FROM WHERE;";
    const failure = outcome(() => libpgQuery().parseSync(text)) as { message: string; cursorPosition: number };
    expect(failure.message).toMatch(/syntax error at or near "WHERE"/);
    expect([...text].slice(failure.cursorPosition).join('')).toBe('WHERE;');
  });

  it('parses the same text again after an error, and after a large parse', () => {
    const pg = libpgQuery();
    expect(() => pg.parseSync('SELECT FROM WHERE;')).toThrow();
    expect(pg.parseSync(BIG_MIGRATION).stmts).toHaveLength(8000);
    expect(pg.parseSync('SELECT 1;').stmts).toHaveLength(1);
  });
});

describe('quoteIdentifier', () => {
  beforeAll(loadParser);

  // Reserved, column-name and type-or-function-name keywords must be quoted; unreserved ones need not be.
  const NAMES = ['orders', 'user', 'select', 'current_date', 'int', 'left', 'name', 'data', 'text', 'Orders', 'order items', 'a"b', '1st', 'ž', 'x$1', '_tmp'];

  it.each(NAMES)('writes %j so that PostgreSQL reads the same name back', (name) => {
    const quoted = quoteIdentifier(name);
    const tree = libpgQuery().parseSync(`CREATE TABLE ${quoted} (id int)`) as { stmts: Array<{ stmt: { CreateStmt: { relation: { relname: string } } } }> };
    expect(tree.stmts[0]!.stmt.CreateStmt.relation.relname).toBe(name);
  });

  it('quotes only what PostgreSQL quotes', () => {
    expect(NAMES.filter((name) => quoteIdentifier(name) === name)).toEqual(['orders', 'name', 'data', 'text', 'x$1', '_tmp']);
  });

  it("holds every keyword this libpg-query's scanner does not class as unreserved", () => {
    const script = fileURLToPath(new URL('../scripts/generate-quoted-keywords.mjs', import.meta.url));
    expect(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});
