import { describe, expect, it } from 'vitest';
import { loadParser, parseSource } from '../src/parse/parse.js';
import { SourceFile } from '../src/source/source-file.js';
import { locksTakenBy } from '../src/knowledge/statement-locks.js';
import { ALTER_TABLE_EFFECTS, STATEMENT_EFFECTS } from '../src/knowledge/lock-table.js';
import { asKind } from '../src/parse/node-types.js';
import { loadFixtures } from './helpers/fixtures.js';

/**
 * What PostgreSQL 18.4 was seen to lock, per statement (pg_locks of the session, inside
 * BEGIN ... ROLLBACK, or watched from a second session for CONCURRENTLY). Each line is
 * "target relation: mode" as lockwise claims it; `lockwise trace` checks these live, and
 * test/trace-fixtures.test.ts checks every fixture on a real server.
 */
const OBSERVED: Array<[string, string[]]> = [
  ['ALTER TABLE t ADD COLUMN c int DEFAULT random()', ['table t: ACCESS EXCLUSIVE']],
  ['ALTER TABLE t ALTER COLUMN c SET STATISTICS 500', ['table t: SHARE UPDATE EXCLUSIVE']],
  ['ALTER TABLE t SET (fillfactor = 70, autovacuum_enabled = false, toast.autovacuum_enabled = false)', ['table t: SHARE UPDATE EXCLUSIVE']],
  ['ALTER TABLE t SET (fillfactor = 70, user_catalog_table = true)', ['table t: ACCESS EXCLUSIVE']],
  ['ALTER TABLE t ADD CONSTRAINT c CHECK (n > 0) NOT VALID', ['table t: ACCESS EXCLUSIVE']],
  ['ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (r) REFERENCES parent_ref (id) NOT VALID', ['table t: SHARE ROW EXCLUSIVE', 'referenced-table parent_ref: SHARE ROW EXCLUSIVE']],
  ['ALTER TABLE t VALIDATE CONSTRAINT c', ['table t: SHARE UPDATE EXCLUSIVE']],
  ['ALTER TABLE t ENABLE TRIGGER ALL', ['table t: SHARE ROW EXCLUSIVE']],
  ['ALTER TABLE t CLUSTER ON t_idx', ['table t: SHARE UPDATE EXCLUSIVE']],
  ['ALTER TABLE pt ATTACH PARTITION pt_2 FOR VALUES FROM (10) TO (20)', ['table pt: SHARE UPDATE EXCLUSIVE', 'partition pt_2: ACCESS EXCLUSIVE', 'default-partition pt: ACCESS EXCLUSIVE']],
  ['ALTER TABLE pt ATTACH PARTITION pt_rest DEFAULT', ['table pt: SHARE UPDATE EXCLUSIVE', 'partition pt_rest: ACCESS EXCLUSIVE']],
  ['ALTER TABLE pt DETACH PARTITION pt_1 CONCURRENTLY', ['table pt: SHARE UPDATE EXCLUSIVE', 'partition pt_1: ACCESS EXCLUSIVE']],
  ['CREATE INDEX i ON t (n)', ['table t: SHARE']],
  ['CREATE INDEX CONCURRENTLY i ON t (n)', ['table t: SHARE UPDATE EXCLUSIVE']],
  ['DROP INDEX t_idx', ['table-of-index t_idx: ACCESS EXCLUSIVE']],
  ['DROP INDEX CONCURRENTLY t_idx', ['table-of-index t_idx: SHARE UPDATE EXCLUSIVE']],
  ['ALTER INDEX t_idx RENAME TO t_idx2', ['index t_idx: SHARE UPDATE EXCLUSIVE']],
  ['REINDEX INDEX t_idx', ['table-of-index t_idx: SHARE', 'index t_idx: ACCESS EXCLUSIVE']],
  ['REINDEX TABLE t', ['table t: SHARE', 'indexes-of-table t: ACCESS EXCLUSIVE']],
  ['REINDEX (CONCURRENTLY) TABLE t', ['table t: SHARE UPDATE EXCLUSIVE']],
  ['CREATE TABLE c (id int, r int REFERENCES parent_ref (id))', ['referenced-table parent_ref: SHARE ROW EXCLUSIVE']],
  ['CREATE TABLE pt_3 PARTITION OF pt FOR VALUES FROM (20) TO (30)', ['table pt: ACCESS EXCLUSIVE', 'default-partition pt: ACCESS EXCLUSIVE']],
  ['CREATE TABLE pt_rest PARTITION OF pt DEFAULT', ['table pt: ACCESS EXCLUSIVE']],
  ['CREATE TRIGGER tr BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f()', ['table t: SHARE ROW EXCLUSIVE']],
  ['CREATE POLICY p ON t USING (true)', ['table t: ACCESS EXCLUSIVE']],
  ['CREATE RULE r AS ON UPDATE TO t DO ALSO NOTIFY t', ['table t: ACCESS EXCLUSIVE']],
  ['LOCK TABLE t', ['table t: ACCESS EXCLUSIVE', 'relations-view-reads t: ACCESS EXCLUSIVE']],
  ['LOCK TABLE t IN SHARE ROW EXCLUSIVE MODE', ['table t: SHARE ROW EXCLUSIVE', 'relations-view-reads t: SHARE ROW EXCLUSIVE']],
  ['COMMENT ON COLUMN t.n IS \'x\'', ['table t: SHARE UPDATE EXCLUSIVE']],
  ['TRUNCATE t', ['table t: ACCESS EXCLUSIVE']],
  ['REFRESH MATERIALIZED VIEW CONCURRENTLY mv', ['table mv: EXCLUSIVE']],
  ['VACUUM (FULL) t', ['table t: ACCESS EXCLUSIVE']],
  ['VACUUM (FULL false) t', ['table t: SHARE UPDATE EXCLUSIVE']],
  ['ALTER TABLE t SET SCHEMA archive', ['table t: ACCESS EXCLUSIVE']],
  ['ALTER VIEW v SET SCHEMA archive', ['table v: ACCESS EXCLUSIVE']],
  ['ALTER MATERIALIZED VIEW mv SET SCHEMA archive', ['table mv: ACCESS EXCLUSIVE']],
  ['ALTER SEQUENCE s SET SCHEMA archive', ['table s: ACCESS EXCLUSIVE']],
  ['ALTER TYPE order_state SET SCHEMA archive', []],
  ['UPDATE t SET n = 1 WHERE id = 1', ['table t: ROW EXCLUSIVE', 'tables-changed-on-update t: ROW EXCLUSIVE', 'tables-checked-on-update t: ROW SHARE']],
  ['ANALYZE t', ['table t: SHARE UPDATE EXCLUSIVE']],
  ['VACUUM (ANALYZE) t', ['table t: SHARE UPDATE EXCLUSIVE']],
  ['MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET n = s.n', ['table t: ROW EXCLUSIVE', 'tables-changed-on-update t: ROW EXCLUSIVE', 'tables-checked-on-update t: ROW SHARE']],
  ["COPY t FROM '/dev/null'", ['table t: ROW EXCLUSIVE']],
  ["COPY t TO STDOUT", []],
  ['WITH moved AS (DELETE FROM t WHERE n < 0 RETURNING *) INSERT INTO archive_t SELECT * FROM moved', ['table t: ROW EXCLUSIVE', 'table archive_t: ROW EXCLUSIVE', 'tables-changed-on-delete t: ROW EXCLUSIVE', 'tables-checked-on-delete t: ROW SHARE']],
  ['WITH gone AS (DELETE FROM t RETURNING id) SELECT count(*) FROM gone', ['table t: ROW EXCLUSIVE', 'tables-changed-on-delete t: ROW EXCLUSIVE', 'tables-checked-on-delete t: ROW SHARE']],
  ['DELETE FROM t WHERE id = 1', ['table t: ROW EXCLUSIVE', 'tables-changed-on-delete t: ROW EXCLUSIVE', 'tables-checked-on-delete t: ROW SHARE']],
  ['MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE', ['table t: ROW EXCLUSIVE', 'tables-changed-on-delete t: ROW EXCLUSIVE', 'tables-checked-on-delete t: ROW SHARE']],
  ['EXPLAIN UPDATE t SET n = 1', ['table t: ROW EXCLUSIVE']],
  ['PREPARE p AS DELETE FROM t WHERE id = $1', ['table t: ROW EXCLUSIVE']],
  // PostgreSQL analyses a LANGUAGE sql body as it creates the function, unless an argument is polymorphic (seen on 18.4).
  ["CREATE FUNCTION touch_t() RETURNS void LANGUAGE sql AS 'UPDATE t SET n = 1'", ['table t: ROW EXCLUSIVE']],
  ["CREATE FUNCTION touch_t(x anyelement) RETURNS void LANGUAGE sql AS 'UPDATE t SET n = 1'", []],
  ["CREATE FUNCTION touch_t() RETURNS void LANGUAGE plpgsql AS 'BEGIN UPDATE t SET n = 1; END'", []],
  ['CREATE PUBLICATION p FOR TABLE t, s WHERE (id > 1)', ['table t: SHARE UPDATE EXCLUSIVE', 'table s: SHARE UPDATE EXCLUSIVE']],
  ['CREATE PUBLICATION p FOR ALL TABLES', []],
  ['ALTER PUBLICATION p DROP TABLE t', ['table t: SHARE UPDATE EXCLUSIVE']],
  ['ALTER TABLE t RENAME CONSTRAINT c TO c2', ['table t: ACCESS EXCLUSIVE']],
  ['TRUNCATE parent_ref CASCADE', ['table parent_ref: ACCESS EXCLUSIVE', 'referencing-tables parent_ref: ACCESS EXCLUSIVE']],
  ['CREATE TABLE plain (id int)', []],
  ['DROP TABLE c', ['table c: ACCESS EXCLUSIVE', 'referenced-tables c: ACCESS EXCLUSIVE']],
  ['ALTER TABLE c DROP CONSTRAINT c_r_fkey', ['table c: ACCESS EXCLUSIVE', 'referenced-tables c: ACCESS EXCLUSIVE']],
  ['ALTER TABLE c DROP COLUMN r', ['table c: ACCESS EXCLUSIVE', 'referenced-tables c: ACCESS EXCLUSIVE']],
  ['ALTER TABLE c DROP COLUMN r CASCADE', ['table c: ACCESS EXCLUSIVE', 'referenced-tables c: ACCESS EXCLUSIVE', 'tables-referencing-dropped c: ACCESS EXCLUSIVE']],
  ['ALTER TABLE flags DROP CONSTRAINT flags_pkey CASCADE', ['table flags: ACCESS EXCLUSIVE', 'referenced-tables flags: ACCESS EXCLUSIVE', 'tables-referencing-dropped flags: ACCESS EXCLUSIVE']],
  ['DROP FUNCTION touch() CASCADE', ['users-of-function touch: ACCESS EXCLUSIVE']],
  ['DROP FUNCTION touch()', []],
  ['DROP TABLE c CASCADE', ['table c: ACCESS EXCLUSIVE', 'referenced-tables c: ACCESS EXCLUSIVE', 'tables-referencing-dropped c: ACCESS EXCLUSIVE']],
  ['ALTER TABLE c ALTER COLUMN r TYPE bigint', ['table c: ACCESS EXCLUSIVE', 'referenced-tables c: ACCESS EXCLUSIVE', 'tables-referencing-dropped c: ACCESS EXCLUSIVE']],
  ['DROP VIEW v', ['table v: ACCESS EXCLUSIVE']],
  ['DROP MATERIALIZED VIEW mv', ['table mv: ACCESS EXCLUSIVE']],
  ['CREATE OR REPLACE VIEW v AS SELECT 1 AS one', ['table v: ACCESS EXCLUSIVE']],
  ['CREATE VIEW v AS SELECT 1 AS one', []],
  ['ALTER VIEW v RENAME TO v2', ['table v: ACCESS EXCLUSIVE']],
  ['DROP TRIGGER tr ON t', ['table t: ACCESS EXCLUSIVE']],
  ['DROP TRIGGER IF EXISTS tr ON public.t', ['table t: ACCESS EXCLUSIVE']],
  ['ALTER TRIGGER tr ON t RENAME TO tr2', ['table t: ACCESS EXCLUSIVE']],
  ['DROP POLICY p ON t', ['table t: ACCESS EXCLUSIVE']],
  ['ALTER POLICY p ON t RENAME TO p2', ['table t: ACCESS EXCLUSIVE']],
  ['DROP RULE r ON t', ['table t: ACCESS EXCLUSIVE']],
  ['ALTER RULE r ON t RENAME TO r2', ['table t: ACCESS EXCLUSIVE']],
  ['CREATE STATISTICS s ON n, id FROM t', ['table t: SHARE UPDATE EXCLUSIVE']],
  ["COMMENT ON VIEW v IS 'x'", ['table v: SHARE UPDATE EXCLUSIVE']],
  ["COMMENT ON MATERIALIZED VIEW mv IS 'x'", ['table mv: SHARE UPDATE EXCLUSIVE']],
];

async function claims(sql: string, pgVersion = 18): Promise<string[]> {
  await loadParser();
  const statement = parseSource(new SourceFile('t.sql', sql)).statements[0]!;
  return locksTakenBy(statement, pgVersion).map((claim) => `${claim.target} ${claim.relation.name}: ${claim.mode}`);
}

describe('lock table', () => {
  it.each(OBSERVED)('%s', async (sql, expected) => {
    expect(await claims(sql)).toEqual(expected);
  });

  it("adds VACUUM's brief ACCESS EXCLUSIVE for truncating empty pages, unless TRUNCATE false or FULL", async () => {
    const brief = async (sql: string): Promise<Array<string | undefined>> => {
      await loadParser();
      return locksTakenBy(parseSource(new SourceFile('t.sql', sql)).statements[0]!, 18).map((claim) => claim.briefly);
    };
    expect(await brief('VACUUM orders, customers')).toEqual(['ACCESS EXCLUSIVE', 'ACCESS EXCLUSIVE']);
    expect(await brief('VACUUM (ANALYZE, TRUNCATE true) orders')).toEqual(['ACCESS EXCLUSIVE']);
    expect(await brief('VACUUM (TRUNCATE false) orders')).toEqual([undefined]);
    expect(await brief('VACUUM (TRUNCATE off, TRUNCATE on) orders')).toEqual(['ACCESS EXCLUSIVE']);
    expect(await brief('VACUUM FULL orders')).toEqual([undefined]);
    expect(await brief('ANALYZE orders')).toEqual([undefined]);
  });

  it('uses the locks of older versions where PostgreSQL lowered them later', async () => {
    expect(await claims('ALTER INDEX t_idx RENAME TO t_idx2', 11)).toEqual(['index t_idx: ACCESS EXCLUSIVE']);
    expect(await claims('ALTER TABLE pt ATTACH PARTITION pt_2 FOR VALUES FROM (10) TO (20)', 11)).toEqual([
      'table pt: ACCESS EXCLUSIVE',
      'partition pt_2: ACCESS EXCLUSIVE',
      'default-partition pt: ACCESS EXCLUSIVE',
    ]);
  });
});

describe('lock table coverage', () => {
  it('has an entry for every statement kind and ALTER TABLE sub-command in the fixtures', async () => {
    await loadParser();
    const missing = new Set<string>();
    const alterSubtypes = new Set<string>();
    for (const fixture of await loadFixtures()) {
      for (const file of fixture.files) {
        for (const statement of parseSource(new SourceFile(file.path, file.text)).statements) {
          if (!STATEMENT_EFFECTS[statement.kind]) missing.add(`${statement.kind} (${file.path})`);
          for (const command of asKind(statement.node, 'AlterTableStmt')?.cmds ?? []) {
            const subtype = asKind(command, 'AlterTableCmd')?.subtype;
            if (subtype) alterSubtypes.add(subtype);
          }
        }
      }
    }
    expect([...missing]).toEqual([]);
    for (const subtype of alterSubtypes) expect(ALTER_TABLE_EFFECTS[subtype as keyof typeof ALTER_TABLE_EFFECTS], subtype).toBeDefined();
    expect(alterSubtypes.size).toBeGreaterThan(10);
  });
});
