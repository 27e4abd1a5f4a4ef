import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FRAMEWORK_FACTS,
  FRAMEWORK_NAMES,
  findMigrationFolder,
  prepareMigration,
  type FrameworkName,
  type MigrationEntry,
  type MigrationFolder,
} from '../src/history/frameworks.js';
import { runsAloneInBatchedMode } from '../src/model/session-state.js';
import { tempProject } from './helpers/cli.js';

function versions(folder: MigrationFolder): string[] {
  return folder.migrations.map((migration) => migration.version);
}

function paths(folder: MigrationFolder): string[] {
  return folder.migrations.map((migration) => migration.path);
}

function entryNamed(folder: MigrationFolder, suffix: string): MigrationEntry {
  const entry = folder.migrations.find((migration) => migration.path.endsWith(suffix));
  if (!entry) throw new Error(`no migration ending in ${suffix}`);
  return entry;
}

/** What the blanked part must look like: every character as many spaces as its UTF-8 bytes, line breaks kept. */
function spacesFor(text: string): string {
  return [...text].map((character) => (character === '\n' || character === '\r' ? character : ' '.repeat(Buffer.byteLength(character, 'utf8')))).join('');
}

function expectSameShape(upText: string, text: string): void {
  expect(Buffer.byteLength(upText, 'utf8')).toBe(Buffer.byteLength(text, 'utf8'));
  expect(upText.match(/\r\n|\r|\n/g)).toEqual(text.match(/\r\n|\r|\n/g));
}

describe('framework table', () => {
  it('describes every framework for the README', () => {
    expect(Object.keys(FRAMEWORK_FACTS).sort()).toEqual([...FRAMEWORK_NAMES].sort());
    for (const facts of Object.values(FRAMEWORK_FACTS)) {
      expect(facts.files && facts.order && facts.transaction).toBeTruthy();
    }
  });
});

describe('plain', () => {
  it('orders numbered files naturally and runs each statement on its own', async () => {
    const text = 'CREATE TABLE users (id bigint);\n';
    const dir = tempProject({
      'db/10_add_index.sql': 'CREATE INDEX users_id ON users (id);\n',
      'db/2_add_email.sql': 'ALTER TABLE users ADD COLUMN email text;\n',
      'db/1_create_users.sql': text,
      'db/README.md': '# migrations\n',
    });
    const folder = await findMigrationFolder('db', { cwd: dir });
    expect(folder.framework).toBe('plain');
    expect(folder.root).toBe(path.join(dir, 'db'));
    expect(paths(folder)).toEqual(['db/1_create_users.sql', 'db/2_add_email.sql', 'db/10_add_index.sql']);
    expect(versions(folder)).toEqual(['1', '2', '10']);
    expect(folder.migrations[0]!.absolutePath).toBe(path.join(dir, 'db', '1_create_users.sql'));
    expect(folder.ignored).toEqual([]);
    expect(prepareMigration('plain', folder.migrations[0]!, text)).toMatchObject({ upText: text, transaction: 'none' });
  });

  it('takes V-prefixed version names into the history, and leaves files named otherwise out of it, saying why', async () => {
    const dir = tempProject({
      'db/V0002.Widen.postgres.up.sql': 'ALTER TABLE s ALTER COLUMN signature TYPE varchar(768);\n',
      'db/V0001.Initial_Schema.postgres.up.sql': 'CREATE TABLE s (id int, signature varchar(255));\n',
      'db/v0010.more.sql': 'SELECT 1;\n',
      'db/V0002.Widen.postgres.down.sql': 'ALTER TABLE s ALTER COLUMN signature TYPE varchar(255);\n',
      'db/seed-data.sql': 'SELECT 1;\n',
    });
    // Not golang-migrate's names, though they end in .up.sql: golang-migrate would run none of them.
    const folder = await findMigrationFolder('db', { cwd: dir });
    expect(folder.framework).toBe('plain');
    expect(paths(folder)).toEqual(['db/V0001.Initial_Schema.postgres.up.sql', 'db/V0002.Widen.postgres.up.sql', 'db/v0010.more.sql']);
    expect(versions(folder)).toEqual(['0001', '0002', '0010']);
    expect(folder.ignored).toEqual([
      { path: 'db/seed-data.sql', reason: 'its name does not start with a version number, so it is linted on its own' },
      { path: 'db/V0002.Widen.postgres.down.sql', reason: 'down migration' },
    ]);
  });

  it('is what a folder named like a tool\'s is read as when the tool would run none of its files', async () => {
    const dir = tempProject({ 'supabase/migrations/V1.init.sql': 'CREATE TABLE s (id int);\n', 'supabase/migrations/V2.more.sql': 'ALTER TABLE s ADD COLUMN n int;\n' });
    const folder = await findMigrationFolder('supabase/migrations', { cwd: dir });
    expect(folder.framework).toBe('plain');
    expect(versions(folder)).toEqual(['1', '2']);
  });

  it('shows paths outside the working directory as absolute paths', async () => {
    const dir = tempProject({ 'db/1_init.sql': 'SELECT 1;\n' });
    const elsewhere = tempProject({});
    const folder = await findMigrationFolder(path.join(dir, 'db'), { cwd: elsewhere });
    expect(paths(folder)).toEqual([path.join(dir, 'db', '1_init.sql').split(path.sep).join('/')]);
  });

  it('says when the folder does not exist', async () => {
    const dir = tempProject({ 'file.sql': 'SELECT 1;\n' });
    await expect(findMigrationFolder('missing', { cwd: dir })).rejects.toThrow('missing: no such directory');
    await expect(findMigrationFolder('file.sql', { cwd: dir })).rejects.toThrow('file.sql: not a directory');
  });
});

describe('golang-migrate', () => {
  it('takes the .up.sql files in numeric version order and sends each as one query', async () => {
    const dir = tempProject({
      'migrations/10_add_index.up.sql': 'CREATE INDEX CONCURRENTLY users_email ON users (email);\n',
      'migrations/10_add_index.down.sql': 'DROP INDEX users_email;\n',
      'migrations/2_add_email.up.sql': 'ALTER TABLE users ADD COLUMN email text;\n',
      'migrations/2_add_email.down.sql': 'ALTER TABLE users DROP COLUMN email;\n',
      'migrations/1_create_users.up.sql': 'CREATE TABLE users (id bigint);\n',
      'migrations/1_create_users.down.sql': 'DROP TABLE users;\n',
      'migrations/seed.sql': "INSERT INTO users VALUES (1);\n",
    });
    const folder = await findMigrationFolder('migrations', { cwd: dir });
    expect(folder.framework).toBe('golang-migrate');
    expect(paths(folder)).toEqual(['migrations/1_create_users.up.sql', 'migrations/2_add_email.up.sql', 'migrations/10_add_index.up.sql']);
    expect(versions(folder)).toEqual(['1', '2', '10']);
    expect(folder.ignored).toEqual([
      { path: 'migrations/1_create_users.down.sql', reason: 'down migration' },
      { path: 'migrations/2_add_email.down.sql', reason: 'down migration' },
      { path: 'migrations/10_add_index.down.sql', reason: 'down migration' },
      { path: 'migrations/seed.sql', reason: 'not named <version>_<title>.up.sql: golang-migrate skips it' },
    ]);
    const text = 'CREATE TABLE users (id bigint);\n';
    expect(prepareMigration('golang-migrate', folder.migrations[0]!, text)).toMatchObject({ upText: text, transaction: 'implicit' });
  });
});

describe('sqlx', () => {
  it("takes a Rust crate's version-named files in numeric order, ignores down migrations, and runs each in a transaction unless it opts out", async () => {
    const dir = tempProject({
      'Cargo.toml': '[package]\nname = "app"\n',
      'migrations/20240102000000_add_index.sql': '-- no-transaction\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n',
      'migrations/3_add_email.up.sql': 'ALTER TABLE users ADD COLUMN email text;\n',
      'migrations/3_add_email.down.sql': 'ALTER TABLE users DROP COLUMN email;\n',
      'migrations/1_create_users.sql': 'CREATE TABLE users (id bigint);\n',
    });
    const folder = await findMigrationFolder('migrations', { cwd: dir });
    expect(folder.framework).toBe('sqlx');
    expect(versions(folder)).toEqual(['1', '3', '20240102000000']);
    expect(folder.ignored).toEqual([{ path: 'migrations/3_add_email.down.sql', reason: 'down migration' }]);
    const wrapped = prepareMigration('sqlx', folder.migrations[1]!, 'ALTER TABLE users ADD COLUMN email text;\n');
    expect(wrapped).toMatchObject({ transaction: 'wrapped', notes: ['sqlx: runs each migration in a transaction'] });
    const alone = prepareMigration('sqlx', folder.migrations[2]!, '-- no-transaction\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n');
    // sqlx still sends the file as one query: with several statements, PostgreSQL runs them as one implicit transaction.
    expect(alone).toMatchObject({ transaction: 'implicit', notes: ['sqlx: -- no-transaction; the file still goes as one query'] });
  });

  it('leaves .up.sql files outside a Rust crate to golang-migrate', async () => {
    const dir = tempProject({ 'migrations/1_create_users.up.sql': 'CREATE TABLE users (id bigint);\n' });
    expect((await findMigrationFolder('migrations', { cwd: dir })).framework).toBe('golang-migrate');
  });
});

describe('pop', () => {
  it('is not taken for a golang-migrate folder whose names hold a dot, as versions do', async () => {
    const dir = tempProject({ 'db/000056_upgrade_channels_v6.0.up.sql': 'SELECT 1;\n', 'db/000057_users.up.sql': 'SELECT 1;\n' });
    const folder = await findMigrationFolder('db', { cwd: dir });
    expect(folder.framework).toBe('golang-migrate');
    expect(versions(folder)).toEqual(['000056', '000057']);
  });

  it('takes the files for PostgreSQL and for every dialect, a .postgres file replacing the other of its version, in version order as text', async () => {
    const dir = tempProject({
      'sql/20191100000001000000_identities.postgres.up.sql': 'CREATE TABLE identities (id uuid PRIMARY KEY);\n',
      'sql/20191100000001000000_identities.mysql.up.sql': 'CREATE TABLE identities (id char(36) PRIMARY KEY);\n',
      'sql/20191100000001000000_identities.postgres.down.sql': 'DROP TABLE identities;\n',
      'sql/20200810161022_flows.up.sql': 'ALTER TABLE identities ADD COLUMN flow text;\n',
      'sql/20200101000000000000_retire.up.sql': "COMMENT ON COLUMN identities.flow IS 'x';\n",
      'sql/20200101000000000000_retire.cockroach.up.sql': "COMMENT ON COLUMN identities.flow IS 'x';\n",
      'sql/20210101000000000000_index.up.sql': 'CREATE INDEX identities_flow ON identities (flow);\n',
      'sql/20210101000000000000_index.postgres.autocommit.up.sql': 'CREATE INDEX CONCURRENTLY identities_flow ON identities (flow);\n',
      'sql/20220101000000000000_old.autocommit.up.sql': 'SELECT 1;\n',
      'sql/20230101000000000000_networks.up.fizz': 'create_table("networks") {}\n',
      'sql/README.sql': 'SELECT 1;\n',
    });
    const folder = await findMigrationFolder('sql', { cwd: dir });
    expect(folder.framework).toBe('pop');
    // Compared as text, as popx compares them: the 14-digit version sorts after 2020-01-01's 20-digit one.
    expect(paths(folder)).toEqual([
      'sql/20191100000001000000_identities.postgres.up.sql',
      'sql/20200101000000000000_retire.up.sql',
      'sql/20200810161022_flows.up.sql',
      'sql/20210101000000000000_index.postgres.autocommit.up.sql',
    ]);
    expect(Object.fromEntries(folder.ignored.map((item) => [item.path.slice('sql/'.length), item.reason]))).toEqual({
      '20191100000001000000_identities.mysql.up.sql': 'for mysql: pop runs it on that database only',
      '20191100000001000000_identities.postgres.down.sql': 'down migration',
      '20200101000000000000_retire.cockroach.up.sql': 'for cockroach: pop runs it on that database only',
      '20210101000000000000_index.up.sql': 'replaced on PostgreSQL by the .postgres file of version 20210101000000000000',
      // Without a dialect before it, pop reads .autocommit as the dialect, and skips the file.
      '20220101000000000000_old.autocommit.up.sql': 'pop skips it: autocommit is no dialect it knows',
      '20230101000000000000_networks.up.fizz': 'fizz migration: lockwise lints SQL files only',
      'README.sql': 'not named <version>_<name>[.<dialect>].up.sql: pop skips it',
    });
    expect(prepareMigration('pop', folder.migrations[0]!, '')).toMatchObject({ transaction: 'wrapped', notes: ['pop: runs each migration in a transaction'] });
    expect(prepareMigration('pop', folder.migrations[3]!, '')).toMatchObject({ transaction: 'none', notes: ['pop: .autocommit in the name'] });
  });
});

describe('sql-migrate', () => {
  const up = ['-- Users.', '-- +migrate Up', 'CREATE TABLE users (id bigint, email text);', '-- +migrate StatementBegin', 'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;', '-- +migrate StatementEnd', ''].join('\n');
  const down = ['-- +migrate Down', '-- Zpět ☃ 😀', 'DROP FUNCTION touch();', 'DROP TABLE users;', ''].join('\n');

  it('takes every .sql file of the folder, numbered names by number then name, the others after them by name', async () => {
    const dir = tempProject({
      'migrations/10_b.sql': '-- +migrate Up\nSELECT 10;\n',
      'migrations/2_a.sql': '-- +migrate Up\nSELECT 2;\n',
      'migrations/02_a.sql': '-- +migrate Up\nSELECT 2;\n',
      'migrations/20180805174141-tournaments.sql': '-- +migrate Up\nSELECT 3;\n',
      'migrations/1_init.sql': up + down,
      'migrations/zz_seed.sql': '-- +migrate Up\nSELECT 4;\n',
      'migrations/a_seed.sql': '-- +migrate Up\nSELECT 5;\n',
      'migrations/old/3_x.sql': '-- +migrate Up\nSELECT 6;\n',
    });
    const folder = await findMigrationFolder('migrations', { cwd: dir });
    expect(folder.framework).toBe('sql-migrate');
    expect(paths(folder)).toEqual([
      'migrations/1_init.sql',
      'migrations/02_a.sql',
      'migrations/2_a.sql',
      'migrations/10_b.sql',
      'migrations/20180805174141-tournaments.sql',
      'migrations/a_seed.sql',
      'migrations/zz_seed.sql',
    ]);
    expect(folder.ignored).toEqual([]);
  });

  it('keeps the comments before the first command and the Up sections, and blanks the Down sections and SQL before any command', () => {
    const entry = { path: 'm/1_init.sql', absolutePath: '/m/1_init.sql', version: '1' };
    const prepared = prepareMigration('sql-migrate', entry, up + down);
    expect(prepared.upText).toBe(up + spacesFor(down));
    expect(prepared.transaction).toBe('wrapped');
    expect(prepared.notes).toEqual(['sql-migrate: runs each migration in a transaction']);

    const text = 'SELECT 0;\r\n-- +migrate Down\r\nDROP TABLE t;\r\n-- +migrate Up\r\nCREATE TABLE t (id int);\r\n';
    const twoSections = prepareMigration('sql-migrate', entry, text);
    expect(twoSections.upText).toBe(`${spacesFor('SELECT 0;')}\r\n${spacesFor('-- +migrate Down')}\r\n${spacesFor('DROP TABLE t;')}\r\n-- +migrate Up\r\nCREATE TABLE t (id int);\r\n`);
    expectSameShape(twoSections.upText, text);
  });

  it('runs the migration outside a transaction when an Up line says notransaction', () => {
    const entry = { path: 'm/2_i.sql', absolutePath: '/m/2_i.sql', version: '2' };
    const prepared = prepareMigration('sql-migrate', entry, '-- +migrate Up notransaction\r\nCREATE INDEX CONCURRENTLY i ON t (id);\r\n-- +migrate Down notransaction\r\nDROP INDEX CONCURRENTLY i;\r\n');
    expect(prepared).toMatchObject({ transaction: 'none', notes: ['sql-migrate: -- +migrate Up notransaction'] });
    expect(prepared.upText).not.toContain('DROP');
  });

  it('ends a query where sql-migrate does: after a line whose last word ends with a semicolon, and at StatementEnd', () => {
    const entry = { path: 'm/4_x.sql', absolutePath: '/m/4_x.sql', version: '4' };
    const lines = ['-- +migrate Up', "COMMENT ON TABLE t IS 'ünï;", "x'; -- done", '-- +migrate StatementBegin', 'DO $$ BEGIN PERFORM 1;', 'END $$;', '-- +migrate StatementEnd', 'SELECT 1;--no space', '-- +migrate Down', 'DROP TABLE t;', ''];
    const text = lines.join('\r\n');
    const endOfLine = (index: number): number => Buffer.byteLength(lines.slice(0, index + 1).join('\r\n'), 'utf8');
    const startOfLine = (index: number): number => Buffer.byteLength(lines.slice(0, index).join('\r\n') + '\r\n', 'utf8');
    const prepared = prepareMigration('sql-migrate', entry, text);
    // Line 8 ends in a word that runs on past its semicolon; the Down section is not run.
    expect(prepared.runner?.cutsQueries).toEqual({ tool: 'sql-migrate', at: [endOfLine(1), endOfLine(2), startOfLine(6)] });
    // sqlparse reads no StatementBegin before the first section (Nakama's reader saw the body cut).
    const early = prepareMigration('sql-migrate', entry, '-- +migrate StatementBegin\n-- +migrate Up\nDO $$ BEGIN\nPERFORM 1;\nEND $$;\n-- +migrate StatementEnd\n');
    expect(early.runner?.cutsQueries?.at).toEqual([Buffer.byteLength('-- +migrate StatementBegin\n-- +migrate Up\nDO $$ BEGIN\nPERFORM 1;'), Buffer.byteLength('-- +migrate StatementBegin\n-- +migrate Up\nDO $$ BEGIN\nPERFORM 1;\nEND $$;')]);
  });

  it('says when sql-migrate would refuse the file or run nothing of it', () => {
    const entry = { path: 'm/3_x.sql', absolutePath: '/m/3_x.sql', version: '3' };
    // The command is case-sensitive: sql-migrate reads no Up here, and refuses the whole folder.
    const refused = prepareMigration('sql-migrate', entry, '-- +migrate up\nCREATE TABLE t (id int);\n');
    expect(refused.upText).toBe('-- +migrate up\nCREATE TABLE t (id int);\n');
    expect(refused.notes).toContain('sql-migrate: no -- +migrate Up or Down line, so sql-migrate refuses to run any migration of the folder; linting all of it');
    // sqlparse's refusals (Convoy's 1746876408 ends its Down section without a semicolon), each of the whole folder.
    const refusalOf = (sql: string): string | undefined => prepareMigration('sql-migrate', entry, sql).notes.find((note) => note.includes('refuses'));
    expect(refusalOf('-- +migrate Up\nUPDATE t SET a = 1;\n-- +migrate Down\nUPDATE t\nSET a = 0\n')).toBe(
      `sql-migrate: its last statement has no line that ends with a semicolon ("The last statement must be ended by a semicolon or '-- +migrate StatementEnd' marker"), so sql-migrate refuses to run any migration of the folder; linting the Up sections as if mended`,
    );
    // A comment that does not start with `-- ` joins the statement, and a section ends it.
    expect(refusalOf('-- +migrate Up\nCREATE TABLE t (id int);\n--created\n-- +migrate Down\nDROP TABLE t;\n')).toContain('line 4: the statement before this Down line has no line that ends with a semicolon');
    expect(refusalOf('-- +migrate Up\n-- +migrate StatementBegin\nDO $$ BEGIN PERFORM 1; END $$;\n')).toContain("a StatementBegin line has no StatementEnd line after it (\"saw '-- +migrate StatementBegin' with no matching '-- +migrate StatementEnd'\")");
    expect(refusalOf('-- +migrate Up\nCREATE TABLE t (id int);\n-- created\n  \n-- +migrate Down\n-- +migrate StatementBegin\nDROP TABLE t;\n-- +migrate StatementEnd\n')).toBeUndefined();
    const downOnly = prepareMigration('sql-migrate', entry, '-- +migrate Down\nDROP TABLE t;\n');
    expect(downOnly.upText.trim()).toBe('');
    expect(downOnly.notes).toContain('sql-migrate: no -- +migrate Up section, so nothing of it runs on the way up');
  });
});

describe('tern', () => {
  const up = 'CREATE TABLE users (id bigint, email text);\n\n';
  const down = '---- create above / drop below ----\n\n-- Zpět ☃\nDROP TABLE users;\n';

  it('takes the folder\'s own <number>_<name>.sql files in number order, and says why tern refuses a folder', async () => {
    const dir = tempProject({
      'migrations/10_c.sql': up + down,
      'migrations/002_b.sql': up + down,
      'migrations/1_a.sql': up + down,
      'migrations/3_x.sql': up,
      'migrations/4_y.sql': up,
      'migrations/5_z.sql': up,
      'migrations/6_z.sql': up,
      'migrations/7_z.sql': up,
      'migrations/8_z.sql': up,
      'migrations/9_z.sql': up,
      'migrations/seed.sql': up,
      'migrations/shared/1_view.sql': 'CREATE VIEW v AS SELECT 1;\n',
    });
    const folder = await findMigrationFolder('migrations', { cwd: dir });
    expect(folder.framework).toBe('tern');
    expect(versions(folder)).toEqual(['1', '002', '3', '4', '5', '6', '7', '8', '9', '10']);
    expect(folder.ignored).toEqual([
      { path: 'migrations/seed.sql', reason: 'not named <number>_<name>.sql: tern skips it' },
      { path: 'migrations/shared/1_view.sql', reason: 'tern template: tern runs it only where a migration says {{ template "shared/1_view.sql" . }}, and never on its own' },
    ]);
    expect(folder.problems).toBeUndefined();

    const problemsOf = async (files: Record<string, string>): Promise<string[] | undefined> => (await findMigrationFolder('.', { cwd: tempProject(files) })).problems;
    expect(await problemsOf({ '1_a.sql': up + down, '3_c.sql': up })).toEqual(['tern refuses to migrate: no migration is numbered 2 ("Missing migration 2"); lockwise lints the files in number order']);
    expect(await problemsOf({ '1_a.sql': up + down, '01_b.sql': up })).toEqual(['tern refuses to migrate: 01_b.sql and 1_a.sql have the same number ("Duplicate migration 1"); lockwise lints the files in number order']);
    expect(await problemsOf({ '0_a.sql': up + down, '1_b.sql': up })).toEqual(['tern refuses to migrate: 0_a.sql is numbered 0, and tern numbers migrations from 1; lockwise lints the files in number order']);
    expect(await problemsOf({ '1_a.sql': up + down, '20240101120000_b.sql': up })).toEqual([
      'tern refuses to migrate: 20240101120000_b.sql is numbered 20240101120000, above the largest number it reads (2147483647); tern numbers migrations 1, 2, 3 and so on; lockwise lints the files in number order',
    ]);
  });

  it('is found by its separator, its disable-tx line or tern.conf', async () => {
    const frameworkOf = async (files: Record<string, string>): Promise<FrameworkName> => (await findMigrationFolder('.', { cwd: tempProject(files) })).framework;
    expect(await frameworkOf({ '1_a.sql': up, '2_b.sql': `${up}${down}` })).toBe('tern');
    expect(await frameworkOf({ '1_a.sql': `---- tern: disable-tx ----\n${up}` })).toBe('tern');
    expect(await frameworkOf({ '1_a.sql': up, 'tern.conf': '[database]\n' })).toBe('tern');
    // tern reads its lines byte for byte.
    expect(await frameworkOf({ '1_a.sql': `${up}---- Create above / drop below ----\n` })).toBe('plain');
    expect(await frameworkOf({ '1_a.sql': `-- +goose Up\n${up}${down}` })).toBe('goose');
  });

  it('lints the part above the separator, in a transaction, and blanks what tern renders from its templates', () => {
    const entry = { path: 'm/1_a.sql', absolutePath: '/m/1_a.sql', version: '1' };
    const prepared = prepareMigration('tern', entry, up + down);
    expect(prepared.upText).toBe(up + spacesFor(down));
    expect(prepared).toMatchObject({ transaction: 'wrapped', notes: ['tern: runs each migration in a transaction, its up part sent as one query'] });
    expect(prepared.runner).toBeUndefined();

    // The separator splits the file wherever it is, as strings.SplitN does.
    const inline = prepareMigration('tern', entry, 'SELECT 1; ---- create above / drop below ---- SELECT 2;\n');
    expect(inline.upText).toBe(`SELECT 1; ${spacesFor('---- create above / drop below ---- SELECT 2;')}\n`);

    const template = '{{ template "shared/v1.sql" . }}\nALTER TABLE users ADD COLUMN name text; -- {{.owner}}\n';
    const rendered = prepareMigration('tern', entry, template + down);
    expect(rendered.upText).toBe(`${spacesFor('{{ template "shared/v1.sql" . }}')}\nALTER TABLE users ADD COLUMN name text; -- ${spacesFor('{{.owner}}')}\n${spacesFor(down)}`);
    expect(rendered.notes).toContain('tern: renders 2 Go template actions here ({{ template "shared/v1.sql" . }}, ...), which lockwise does not render: what they put there is neither linted nor replayed');
  });

  it('says when tern would refuse the file', () => {
    const entry = { path: 'm/1_a.sql', absolutePath: '/m/1_a.sql', version: '1' };
    const refusalOf = (sql: string): string | undefined => prepareMigration('tern', entry, sql).notes.find((note) => note.includes('refuses'));
    expect(refusalOf(`-- nothing yet\n\n${down}`)).toBe('tern: its up part holds no line of SQL, only comments and blank lines ("no sql in forward migration step"), so tern refuses to run any migration of the folder');
    expect(refusalOf('SELECT 1; {{ if .x }\n')).toBe('tern: a {{ opens a template action that no }} closes, so tern refuses to run any migration of the folder; linting the up part as it stands');
    expect(refusalOf(up + down)).toBeUndefined();
  });

  it('under disable-tx, runs each statement on its own, cut where tern\'s sqlsplit cuts: at semicolons outside quotes, dollar quotes and comments', () => {
    const entry = { path: 'm/2_i.sql', absolutePath: '/m/2_i.sql', version: '2' };
    const lines = [
      '---- tern: disable-tx ----',
      "COMMENT ON TABLE t IS 'ünï; ''x'';';",
      'COMMENT ON TABLE t IS E\'a\\\';b\';',
      '/* a; /* nested; */ still; */ SELECT "a;b"; -- c; \\',
      'd; SELECT 1;',
      'DO $$ BEGIN PERFORM 1; END $$;',
      "DO $bödy$ BEGIN RAISE NOTICE '$1 $$;'; END $bödy$;",
      '---- create above / drop below ----',
      'SELECT 2;',
    ];
    const text = lines.join('\n');
    const prepared = prepareMigration('tern', entry, text);
    expect(prepared).toMatchObject({ transaction: 'none', notes: ['tern: ---- tern: disable-tx ----'] });
    const after = (line: number, piece: string): number =>
      Buffer.byteLength(lines.slice(0, line).join('\n') + '\n' + lines[line]!.slice(0, lines[line]!.indexOf(piece) + piece.length), 'utf8');
    // The comment's backslash carries it over the line break, through line 5; dollar quotes are read whole, a $1 or a $$ inside
    // a tagged one going with it.
    expect(prepared.runner?.cutsQueries).toEqual({
      tool: 'tern',
      at: [after(1, "'';';"), after(2, "b';"), after(3, '"a;b";'), after(5, 'END $$;'), after(6, 'END $bödy$;')],
    });
    // The disable-tx line counts only as a line of its own, in the up part.
    expect(prepareMigration('tern', entry, ` ${lines[0]}\nSELECT 1;\n`).transaction).toBe('wrapped');
    expect(prepareMigration('tern', entry, `SELECT 1;\n${down}${lines[0]}\n`).transaction).toBe('wrapped');
  });
});

describe('graphile-migrate', () => {
  const header = (previous: string, hash: string): string => `--! Previous: ${previous}\n--! Hash: sha1:${hash}\n--! Message: x\n\n`;

  it('takes the committed folder\'s <number>[-<message>].sql files in number order, found by their Previous header', async () => {
    const dir = tempProject({
      'migrations/committed/000002-add-kind.sql': `${header('sha1:a', 'b')}alter table events add column kind text;\n`,
      'migrations/committed/000001.sql': `${header('-', 'a')}create table events (id bigint);\n`,
      'migrations/committed/000003-a_b.sql': `${header('sha1:b', 'c')}select 1;\n`,
      'migrations/committed/notes.sql': 'select 1;\n',
      'migrations/current.sql': '-- Enter migration here\n',
    });
    const folder = await findMigrationFolder('migrations/committed', { cwd: dir });
    expect(folder.framework).toBe('graphile-migrate');
    expect(versions(folder)).toEqual(['000001', '000002', '000003']);
    expect(folder.ignored).toEqual([{ path: 'migrations/committed/notes.sql', reason: 'not named <number>[-<message>].sql: graphile-migrate skips it' }]);
    const twice = await findMigrationFolder('.', { cwd: tempProject({ '000001.sql': `${header('-', 'a')}select 1;\n`, '000001-again.sql': `${header('-', 'a')}select 1;\n` }) });
    expect(twice.problems).toEqual(['graphile-migrate refuses to migrate: two files are numbered 000001, and it chains each migration to the one before by number; lockwise lints them in name order']);
    // A header must start a file: a comment further down is no header.
    expect((await findMigrationFolder('.', { cwd: tempProject({ '000001.sql': `select 1;\n${header('-', 'a')}` }) })).framework).toBe('plain');
  });

  it('runs the body in a transaction, as one query, unless its first line is --! no-transaction, and reads placeholders as names', () => {
    const entry = { path: 'c/000001.sql', absolutePath: '/c/000001.sql', version: '000001' };
    const body = 'grant select on events to :DATABASE_VISITOR;\nselect created_at::date, :X from events;\n';
    const prepared = prepareMigration('graphile-migrate', entry, header('-', 'a') + body);
    expect(prepared).toMatchObject({ transaction: 'wrapped', notes: ['graphile-migrate: runs each migration in a transaction, its body sent as one query'] });
    expect(prepared.upText).toBe(header('-', 'a') + 'grant select on events to  DATABASE_VISITOR;\nselect created_at::date,  X from events;\n');

    const alone = prepareMigration('graphile-migrate', entry, `${header('-', 'a')}\n  --! no-transaction\ncreate index concurrently i on events (id);\n`);
    expect(alone).toMatchObject({ transaction: 'implicit', notes: ['graphile-migrate: --! no-transaction; the body still goes as one query'] });
    expect(prepareMigration('graphile-migrate', entry, `${header('-', 'a')}select 1;\n--! no-transaction\n`).transaction).toBe('wrapped');

    const refusalOf = (text: string): string | undefined => prepareMigration('graphile-migrate', entry, text).notes[1];
    expect(refusalOf('--! Previous: -\n\nselect 1;\n')).toBe('graphile-migrate: no --! Hash header, so graphile-migrate refuses to run any migration of the folder');
    expect(refusalOf('--! Previous: -\n--! Hash: sha1:a\nselect 1;\n')).toBe(
      'graphile-migrate: no empty line after the headers ("there should be two newlines after the headers section"), so graphile-migrate refuses to run any migration of the folder',
    );
    expect(refusalOf(header('-', 'a') + body)).toBeUndefined();
  });
});

describe('node-pg-migrate', () => {
  const migration = (up: string, down: string): string => `-- Up Migration\n${up}\n-- Down Migration\n${down}\n`;

  it('takes the folder\'s SQL files in timestamp order, found by their Up and Down Migration comments', async () => {
    const dir = tempProject({
      'migrations/1700000000000_b.sql': migration('SELECT 2;', 'SELECT -2;'),
      // 2023-11-14T22:13:20.001Z, a millisecond after the one above, in node-pg-migrate's utc format.
      'migrations/20231114221320001_c.sql': migration('SELECT 3;', 'SELECT -3;'),
      'migrations/1600000000000_a.sql': migration('SELECT 1;', 'SELECT -1;'),
      'migrations/1650000000000_js.js': 'exports.up = (pgm) => {};\n',
      'migrations/.1500000000000_hidden.sql': migration('SELECT 0;', 'SELECT 0;'),
    });
    const folder = await findMigrationFolder('migrations', { cwd: dir });
    expect(folder.framework).toBe('node-pg-migrate');
    expect(paths(folder)).toEqual(['migrations/1600000000000_a.sql', 'migrations/1700000000000_b.sql', 'migrations/20231114221320001_c.sql']);
    expect(folder.ignored).toEqual([{ path: 'migrations/1650000000000_js.js', reason: 'JavaScript or TypeScript migration: lockwise lints SQL files only' }]);
    // One comment alone is no marker: other runners write "-- Up migration" too.
    expect((await findMigrationFolder('.', { cwd: tempProject({ '1_a.sql': '-- Up migration for users\nSELECT 1;\n' }) })).framework).toBe('plain');
  });

  it('lints the up part, wrapped in the one transaction the runner opens for every pending migration', () => {
    const entry = { path: 'm/1_a.sql', absolutePath: '/m/1_a.sql', version: '1' };
    const text = migration('CREATE TABLE users (id bigint);', 'DROP TABLE users;');
    const prepared = prepareMigration('node-pg-migrate', entry, text);
    expect(prepared.upText).toBe(`-- Up Migration\nCREATE TABLE users (id bigint);\n${spacesFor('-- Down Migration\nDROP TABLE users;\n')}`);
    expect(prepared).toMatchObject({ transaction: 'wrapped', runner: { autocommitsAfterCommit: true, pendingInOneTransaction: "node-pg-migrate's runner" } });

    // Down first: the up part runs to the end; a comment before the down part stays for lockwise's directives.
    const downFirst = `-- lockwise-disable require-lock-timeout\nSELECT 0;\n---- down migration\nDROP TABLE users;\n-- up migration\nCREATE TABLE users (id bigint);\n`;
    expect(prepareMigration('node-pg-migrate', entry, downFirst).upText).toBe(
      `-- lockwise-disable require-lock-timeout\n${spacesFor('SELECT 0;\n---- down migration\nDROP TABLE users;\n')}-- up migration\nCREATE TABLE users (id bigint);\n`,
    );
    // Without an up comment, node-pg-migrate runs the whole file on the way up.
    const noUp = prepareMigration('node-pg-migrate', entry, 'CREATE TABLE t (id int);\n-- Down Migration\nDROP TABLE t;\n');
    expect(noUp.upText).toBe('CREATE TABLE t (id int);\n-- Down Migration\nDROP TABLE t;\n');
    expect(noUp.notes).toContain('node-pg-migrate: no -- Up Migration comment, so node-pg-migrate runs the whole file on the way up, its down part too; linting all of it');
  });
});

describe('goose', () => {
  const up = [
    '-- Users and their e-mail addresses.',
    '-- +goose Up',
    'CREATE TABLE users (id bigint, email text);',
    '-- +goose StatementBegin',
    'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;',
    '-- +goose StatementEnd',
    '',
  ].join('\n');
  const down = ['-- +goose Down', '-- Zpět: smazat tabulku ☃ 😀', 'DROP FUNCTION touch();', 'DROP TABLE users;', ''].join('\n');
  const noTransaction = [
    '-- +goose NO TRANSACTION',
    '-- +goose Up',
    'CREATE INDEX CONCURRENTLY users_email ON users (email);',
    '',
    '-- +goose Down',
    'DROP INDEX CONCURRENTLY users_email;',
    '',
  ].join('\n');

  it('orders by numeric version, sequential and timestamped alike, and skips Go migrations', async () => {
    const dir = tempProject({
      'migrations/00001_create_users.sql': up + down,
      'migrations/00002_index_email.sql': noTransaction,
      'migrations/20240105120000_add_name.sql': '-- +goose Up\nALTER TABLE users ADD COLUMN name text;\n',
      'migrations/00003_backfill.go': 'package migrations\n',
      'migrations/notes.sql': '-- +goose Up\nSELECT 1;\n',
    });
    const folder = await findMigrationFolder('migrations', { cwd: dir });
    expect(folder.framework).toBe('goose');
    expect(versions(folder)).toEqual(['00001', '00002', '20240105120000']);
    expect(folder.ignored).toEqual([
      { path: 'migrations/00003_backfill.go', reason: 'Go migration: lockwise lints SQL files only' },
      { path: 'migrations/notes.sql', reason: 'no version number at the start of the name: goose refuses it' },
    ]);
  });

  it('keeps the header and the Up section and blanks the Down section, byte for byte', async () => {
    const dir = tempProject({ 'migrations/00001_create_users.sql': up + down });
    const folder = await findMigrationFolder('migrations', { cwd: dir });
    const prepared = prepareMigration('goose', folder.migrations[0]!, up + down);
    expect(prepared.upText).toBe(up + spacesFor(down));
    expectSameShape(prepared.upText, up + down);
    expect(prepared.upText).not.toContain('DROP');
    expect(prepared.upText.split('\n')[2]).toBe('CREATE TABLE users (id bigint, email text);');
    expect(prepared.transaction).toBe('wrapped');
  });

  it('keeps CRLF line breaks in the blanked part, two spaces for each two-byte letter', () => {
    const text = '-- +goose Up\r\nCREATE TABLE t (id int);\r\n-- +goose Down\r\n-- ünïcode\r\nDROP TABLE t;\r\n';
    const entry = { path: 'm/1_t.sql', absolutePath: '/m/1_t.sql', version: '1' };
    const prepared = prepareMigration('goose', entry, text);
    expect(prepared.upText).toBe('-- +goose Up\r\nCREATE TABLE t (id int);\r\n' + ' '.repeat(14) + '\r\n' + ' '.repeat(12) + '\r\n' + ' '.repeat(13) + '\r\n');
    expectSameShape(prepared.upText, text);
  });

  it('runs the file outside a transaction under -- +goose NO TRANSACTION', () => {
    const entry = { path: 'm/2_i.sql', absolutePath: '/m/2_i.sql', version: '2' };
    const prepared = prepareMigration('goose', entry, noTransaction);
    expect(prepared.transaction).toBe('none');
    expect(prepared.notes).toContain('goose: -- +goose NO TRANSACTION');
    expect(prepared.upText).toContain('CREATE INDEX CONCURRENTLY');
    expect(prepared.upText).not.toContain('DROP INDEX');
  });

  it('uses the framework it is told to use instead of detecting one', async () => {
    const dir = tempProject({ 'migrations/00001_create_users.sql': up + down });
    const folder = await findMigrationFolder('migrations', { cwd: dir, framework: 'plain' });
    expect(folder.framework).toBe('plain');
  });
});

describe('dbmate', () => {
  const up = ['-- migrate:up', 'CREATE TABLE users (id bigint);', ''].join('\n');
  const down = ['-- migrate:down', '-- Rückgängig machen ☃', 'DROP TABLE users;', ''].join('\n');
  const concurrent = [
    '-- migrate:up transaction:false',
    'CREATE INDEX CONCURRENTLY users_id ON users (id);',
    '',
    '-- migrate:down',
    'DROP INDEX users_id;',
    '',
  ].join('\n');

  it('finds timestamped files in order and blanks the down block', async () => {
    const dir = tempProject({
      'db/migrations/20240102000000_index_users.sql': concurrent,
      'db/migrations/20240101000000_create_users.sql': up + down,
      'db/migrations/schema_notes.sql': '-- migrate:up\nSELECT 1;\n-- migrate:down\n',
    });
    const folder = await findMigrationFolder('db/migrations', { cwd: dir });
    expect(folder.framework).toBe('dbmate');
    expect(paths(folder)).toEqual(['db/migrations/20240101000000_create_users.sql', 'db/migrations/20240102000000_index_users.sql']);
    expect(folder.ignored).toEqual([{ path: 'db/migrations/schema_notes.sql', reason: 'no version number at the start of the name: dbmate skips it' }]);

    const prepared = prepareMigration('dbmate', folder.migrations[0]!, up + down);
    expect(prepared.upText).toBe(up + spacesFor(down));
    expectSameShape(prepared.upText, up + down);
    expect(prepared.transaction).toBe('wrapped');
  });

  it('runs the up block outside a transaction under transaction:false', () => {
    const entry = { path: 'db/1_i.sql', absolutePath: '/db/1_i.sql', version: '1' };
    const prepared = prepareMigration('dbmate', entry, concurrent);
    expect(prepared.transaction).toBe('none');
    expect(prepared.notes).toEqual(['dbmate: -- migrate:up transaction:false']);
    expect(prepared.upText).not.toContain('DROP');
  });

  it('says that dbmate refuses a file whose down marker does not start a line, and lints all of it', () => {
    const entry = { path: 'db/1_c.sql', absolutePath: '/db/1_c.sql', version: '1' };
    const text = '-- migrate:up\nCREATE TABLE cities (id int);\nALTER TABLE cities ADD COLUMN name text; -- migrate:down\nDROP TABLE cities;\n';
    const prepared = prepareMigration('dbmate', entry, text);
    expect(prepared.upText).toBe(text);
    expect(prepared.notes).toEqual(['dbmate: runs each migration in a transaction', 'dbmate: no -- migrate:down line, which dbmate requires, so it refuses this file; linting all of its up block']);
  });
});

describe('flyway', () => {
  it('orders versions part by part numerically, nested folders included, then repeatables by description', async () => {
    const dir = tempProject({
      'db/migration/V10__ten.sql': 'SELECT 10;\n',
      'db/migration/V2__two.sql': 'SELECT 2;\n',
      'db/migration/V1__init.sql': 'CREATE TABLE users (id bigint);\n',
      'db/migration/V1_1__underscore.sql': 'SELECT 1.1;\n',
      'db/migration/V4.12__c.sql': 'SELECT 4.12;\n',
      'db/migration/V4.11.0.1__b.sql': 'SELECT 4.1101;\n',
      'db/migration/V4.11__a.sql': 'SELECT 4.11;\n',
      'db/migration/release/V3__nested.sql': 'SELECT 3;\n',
      'db/migration/R__views.sql': 'CREATE OR REPLACE VIEW v AS SELECT 1;\n',
      'db/migration/R__functions.sql': 'CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n',
      'db/migration/U2__two.sql': 'SELECT -2;\n',
      'db/migration/V5__index.sql.conf': 'executeInTransaction=false\n',
      'db/migration/notes.sql': 'SELECT 0;\n',
    });
    const folder = await findMigrationFolder('db/migration', { cwd: dir });
    expect(folder.framework).toBe('flyway');
    expect(versions(folder)).toEqual(['V1', 'V1_1', 'V2', 'V3', 'V4.11', 'V4.11.0.1', 'V4.12', 'V10', 'R__functions', 'R__views']);
    expect(paths(folder)[3]).toBe('db/migration/release/V3__nested.sql');
    expect(folder.ignored).toEqual([
      { path: 'db/migration/notes.sql', reason: 'not a Flyway migration name (V<version>__<description>.sql or R__<description>.sql)' },
      { path: 'db/migration/U2__two.sql', reason: 'undo migration' },
    ]);
  });

  const entry = { path: 'db/V5__index.sql', absolutePath: '/db/V5__index.sql', version: 'V5' };

  it('wraps a file in a transaction unless its script configuration says executeInTransaction=false', () => {
    const text = "ALTER TABLE users ADD COLUMN note text DEFAULT 'ž';\n";
    expect(prepareMigration('flyway', entry, text, { readFile: () => undefined })).toMatchObject({ upText: text, transaction: 'wrapped' });
    const configs = new Map([['/db/V5__index.sql.conf', '# needs no transaction\nexecuteInTransaction=false\n']]);
    const configured = prepareMigration('flyway', entry, text, { readFile: (file) => configs.get(file) });
    expect(configured.transaction).toBe('none');
    expect(configured.notes).toEqual(['flyway: V5__index.sql.conf sets executeInTransaction=false']);
  });

  it("follows the project's executeInTransaction and mixed settings, from flyway.toml or flyway.conf, under the script configuration", async () => {
    const concurrent = 'CREATE TABLE t (id int);\nCREATE INDEX CONCURRENTLY t_id_idx ON t (id);\n';
    const plainFile = 'ALTER TABLE users ADD COLUMN note text;\n';
    const project = (files: Record<string, string>) =>
      tempProject({ 'db/migration/V1__init.sql': plainFile, 'db/migration/V2__index.sql': concurrent, ...files });
    const prepared = async (dir: string) => {
      const folder = await findMigrationFolder('db/migration', { cwd: dir });
      return folder.migrations.map((migration) =>
        prepareMigration('flyway', migration, migration.version === 'V1' ? plainFile : concurrent, undefined, folder.flywayProject),
      );
    };

    const [plain, mixedOff] = await prepared(project({}));
    expect([plain!.transaction, mixedOff!.transaction]).toEqual(['wrapped', 'wrapped']);
    expect(mixedOff!.refusedBecause).toMatch(/^Flyway refuses this migration/);

    const toml = project({ 'flyway.toml': '[environments.default]\nurl = "jdbc:postgresql://db/app"\nmixed = false\n\n[flyway]\nmixed = true # CONCURRENTLY beside other statements\nlocations = ["filesystem:db/migration"]\n' });
    const [tomlPlain, tomlMixed] = await prepared(toml);
    expect([tomlPlain!.transaction, tomlMixed!.transaction]).toEqual(['wrapped', 'none']);
    expect(tomlMixed!.notes).toEqual(['flyway: ../../flyway.toml sets mixed=true, so this file, which holds CREATE INDEX CONCURRENTLY, runs wholly outside a transaction']);

    const conf = project({ 'conf/flyway.conf': '# project settings\nflyway.executeInTransaction=false\n', 'db/migration/V1__init.sql.conf': 'executeInTransaction=true\n' });
    const [overridden, outside] = await prepared(conf);
    expect([overridden!.transaction, outside!.transaction]).toEqual(['wrapped', 'none']);
    expect(outside!.notes).toEqual(['flyway: ../../conf/flyway.conf sets executeInTransaction=false for every migration']);

    // The nearest configuration wins: one in the migrations' own folder hides the project's.
    const nearest = project({ 'flyway.conf': 'flyway.executeInTransaction=false\n', 'db/migration/flyway.toml': '[flyway]\nmixed = false\n' });
    expect((await prepared(nearest)).map((migration) => migration.transaction)).toEqual(['wrapped', 'wrapped']);
  });

  it('reads the script configuration next to the file on disk by default', async () => {
    const dir = tempProject({ 'db/V5__index.sql': 'SELECT 1;\n', 'db/V5__index.sql.conf': 'executeInTransaction = false\n' });
    const folder = await findMigrationFolder('db', { cwd: dir });
    expect(prepareMigration('flyway', folder.migrations[0]!, 'SELECT 1;\n').transaction).toBe('none');
  });

  it('runs a file of statements Flyway marks non-transactional outside a transaction, and refuses one that mixes them with others', () => {
    const none = { readFile: () => undefined };
    const concurrent = '-- build without blocking writes\ncreate unique index concurrently users_email on users (email);\n';
    const outside = ['flyway: runs this file outside a transaction, statement by statement: it holds only statements that cannot run in one'];
    expect(prepareMigration('flyway', entry, concurrent, none)).toEqual({ upText: concurrent, transaction: 'none', notes: outside });
    const several = 'CREATE INDEX CONCURRENTLY users_name ON users (name);\nDROP INDEX CONCURRENTLY IF EXISTS users_old;\nVACUUM ANALYZE users;\n';
    expect(prepareMigration('flyway', entry, several, none)).toMatchObject({ transaction: 'none', notes: outside });
    const mixed = "SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY users_name ON users (name);\n";
    expect(prepareMigration('flyway', entry, mixed, none)).toEqual({
      upText: mixed,
      transaction: 'wrapped',
      refusedBecause:
        'Flyway refuses this migration before running any of it: it mixes CREATE INDEX CONCURRENTLY, which cannot run in a transaction, with statements that run in one, and mixed is not true',
      notes: ['flyway: refuses this file, which mixes CREATE INDEX CONCURRENTLY with statements that run in a transaction (mixed is not true)'],
    });
    const quoted = "-- CREATE INDEX CONCURRENTLY later\nCOMMENT ON TABLE users IS 'CREATE INDEX CONCURRENTLY; VACUUM';\nDO $$ BEGIN PERFORM 1; END $$;\n";
    expect(prepareMigration('flyway', entry, quoted, none).transaction).toBe('wrapped');
  });
});

describe('prisma', () => {
  it('takes migration.sql from each folder in folder name order and sends it as one query', async () => {
    const text = '-- CreateIndex\nCREATE INDEX "User_email_idx" ON "User"("email");\n';
    const dir = tempProject({
      'prisma/migrations/migration_lock.toml': 'provider = "postgresql"\n',
      'prisma/migrations/20240202120000_add_email_index/migration.sql': text,
      'prisma/migrations/20240101120000_init/migration.sql': 'CREATE TABLE "User" ("id" SERIAL PRIMARY KEY, "email" TEXT);\n',
    });
    const folder = await findMigrationFolder('prisma/migrations', { cwd: dir });
    expect(folder.framework).toBe('prisma');
    expect(paths(folder)).toEqual([
      'prisma/migrations/20240101120000_init/migration.sql',
      'prisma/migrations/20240202120000_add_email_index/migration.sql',
    ]);
    expect(versions(folder)).toEqual(['20240101120000_init', '20240202120000_add_email_index']);
    expect(prepareMigration('prisma', folder.migrations[1]!, text)).toMatchObject({ upText: text, transaction: 'implicit' });
  });
});

describe('drizzle', () => {
  const journal = (dialect: string, entries: Array<[string, number]>): string =>
    JSON.stringify({ version: '7', dialect, entries: entries.map(([tag, when], idx) => ({ idx, version: '7', when, tag, breakpoints: true })) });

  it("takes the journal's files in the journal's order, leaves the others out, and says what the migrator would refuse or skip", async () => {
    const dir = tempProject({
      'drizzle/meta/_journal.json': journal('postgresql', [['0000_init', 100], ['0002_renumbered', 300], ['0001_from_a_branch', 200], ['0003_missing', 400]]),
      'drizzle/meta/0000_snapshot.json': '{}',
      'drizzle/0000_init.sql': 'CREATE TABLE "users" ("id" serial PRIMARY KEY);\n',
      'drizzle/0001_from_a_branch.sql': 'ALTER TABLE "users" ADD COLUMN "email" text;\n',
      'drizzle/0002_renumbered.sql': 'ALTER TABLE "users" ADD COLUMN "name" text;\n',
      'drizzle/0004_hand_written.sql': 'DROP TABLE "users";\n',
    });
    const folder = await findMigrationFolder('drizzle', { cwd: dir });
    expect(folder.framework).toBe('drizzle');
    expect(versions(folder)).toEqual(['0000_init', '0002_renumbered', '0001_from_a_branch']);
    expect(folder.ignored).toEqual([{ path: 'drizzle/0004_hand_written.sql', reason: 'not in meta/_journal.json: drizzle skips it' }]);
    expect(folder.problems).toEqual([
      '0001_from_a_branch comes after 0002_renumbered in meta/_journal.json but its "when" is not later, so drizzle never runs it on a database that applied 0002_renumbered first (it skips an entry no later than the newest it recorded)',
      'drizzle refuses to migrate: meta/_journal.json lists 0003_missing, but 0003_missing.sql does not exist',
    ]);
  });

  it('ends a statement at each breakpoint, byte for byte, and runs the file in the transaction, which a COMMIT in it ends', async () => {
    const text = 'CREATE TABLE "a" ("id" int)\n--> statement-breakpoint\nCREATE TABLE "b" ("id" int);--> statement-breakpoint\r\nCREATE TABLE "é" ("id" int);\n';
    const dir = tempProject({ 'db/meta/_journal.json': journal('pg', [['0000_tables', 1]]), 'db/0000_tables.sql': text });
    const folder = await findMigrationFolder('db', { cwd: dir });
    const prepared = prepareMigration('drizzle', folder.migrations[0]!, text);
    expect(prepared).toMatchObject({ transaction: 'wrapped', runner: { autocommitsAfterCommit: true, pendingInOneTransaction: "drizzle's migrator" } });
    expectSameShape(prepared.upText, text);
    expect(prepared.upText).toBe(text.replaceAll('--> statement-breakpoint', `;${' '.repeat(23)}`));
  });

  it('lints no file of a journal for another database, and lints the files in name order when the journal cannot be read', async () => {
    const dir = tempProject({
      'sqlite/meta/_journal.json': journal('sqlite', [['0000_init', 1]]),
      'sqlite/0000_init.sql': 'CREATE TABLE `users` (`id` integer PRIMARY KEY);\n',
      'broken/meta/_journal.json': '{"entries": [',
      'broken/10_b.sql': 'SELECT 2;\n',
      'broken/9_a.sql': 'SELECT 1;\n',
    });
    const sqlite = await findMigrationFolder('sqlite', { cwd: dir });
    expect(sqlite.migrations).toEqual([]);
    expect(sqlite.ignored).toEqual([{ path: 'sqlite/0000_init.sql', reason: 'for sqlite: meta/_journal.json names that dialect' }]);
    expect(sqlite.problems).toEqual(["meta/_journal.json says these migrations are for sqlite, and lockwise lints PostgreSQL's only, so none is linted"]);
    const broken = await findMigrationFolder('broken', { cwd: dir });
    expect(paths(broken)).toEqual(['broken/9_a.sql', 'broken/10_b.sql']);
    expect(broken.problems).toHaveLength(1);
    expect(broken.problems![0]).toMatch(/^meta\/_journal\.json cannot be read \(.+\), so drizzle cannot migrate; lockwise lints the folder's \.sql files in name order$/);
  });
});

describe('diesel', () => {
  it('takes up.sql in version order, ignores down.sql, and honours run_in_transaction = false', async () => {
    const text = 'CREATE INDEX CONCURRENTLY users_email ON users (email);\n';
    const dir = tempProject({
      'migrations/2024-02-01-120000_index_email/up.sql': text,
      'migrations/2024-02-01-120000_index_email/down.sql': 'DROP INDEX users_email;\n',
      'migrations/2024-02-01-120000_index_email/metadata.toml': '# CONCURRENTLY needs it\nrun_in_transaction = false\n',
      'migrations/2024-01-01-120000_create_users/up.sql': 'CREATE TABLE users (id bigint, email text);\n',
      'migrations/2024-01-01-120000_create_users/down.sql': 'DROP TABLE users;\n',
      'migrations/00000000000000_diesel_initial_setup/up.sql': 'CREATE FUNCTION diesel_manage_updated_at(_tbl regclass) RETURNS VOID AS $$ BEGIN END $$ LANGUAGE plpgsql;\n',
      'migrations/00000000000000_diesel_initial_setup/down.sql': 'DROP FUNCTION diesel_manage_updated_at(_tbl regclass);\n',
    });
    const folder = await findMigrationFolder('migrations', { cwd: dir });
    expect(folder.framework).toBe('diesel');
    expect(versions(folder)).toEqual(['00000000000000', '20240101120000', '20240201120000']);
    expect(folder.ignored.map((ignored) => ignored.reason)).toEqual(['down migration', 'down migration', 'down migration']);
    expect(folder.ignored[0]!.path).toBe('migrations/00000000000000_diesel_initial_setup/down.sql');
    expect(prepareMigration('diesel', entryNamed(folder, 'create_users/up.sql'), 'SELECT 1;\n').transaction).toBe('wrapped');
    expect(prepareMigration('diesel', entryNamed(folder, 'index_email/up.sql'), text)).toMatchObject({
      upText: text,
      transaction: 'implicit',
      notes: ['diesel: metadata.toml sets run_in_transaction = false; the file still goes as one query'],
    });
  });
});

describe('sqitch', () => {
  it('follows sqitch.plan, finds the script of a reworked change by tag, and runs scripts as psql does', async () => {
    const plan = [
      '%syntax-version=1.0.0',
      '%project=flipr',
      '%uri=https://github.com/sqitchers/sqitch-intro/',
      '',
      'appschema 2024-01-01T10:00:00Z Ann <ann@example.com> # Add schema for all flipr objects.',
      'users [appschema] 2024-01-02T10:00:00Z Ann <ann@example.com> # Creates table to track our users.',
      '@v1.0 2024-01-03T10:00:00Z Ann <ann@example.com> # Tag v1.0.',
      '',
      '# Flips come after the first release.',
      'flips [appschema users] 2024-01-04T10:00:00Z Ann <ann@example.com> # Adds table for storing flips.',
      'users [users@v1.0] 2024-01-05T10:00:00Z Ann <ann@example.com> # Adds users.email.',
      '',
    ].join('\n');
    const deploy = 'BEGIN;\nCREATE TABLE flipr.users (nickname text PRIMARY KEY);\nCOMMIT;\n';
    const dir = tempProject({
      'sqitch.plan': plan,
      'sqitch.conf': '[core]\n\tengine = pg\n',
      'deploy/appschema.sql': 'BEGIN;\nCREATE SCHEMA flipr;\nCOMMIT;\n',
      'deploy/users@v1.0.sql': deploy,
      'deploy/users.sql': 'BEGIN;\nALTER TABLE flipr.users ADD COLUMN email text;\nCOMMIT;\n',
      'deploy/flips.sql': 'BEGIN;\nCREATE TABLE flipr.flips (id bigint);\nCOMMIT;\n',
      'deploy/abandoned.sql': 'SELECT 1;\n',
      'revert/users.sql': 'BEGIN;\nDROP TABLE flipr.users;\nCOMMIT;\n',
      'verify/users.sql': 'SELECT nickname FROM flipr.users WHERE false;\n',
    });
    const folder = await findMigrationFolder('.', { cwd: dir });
    expect(folder.framework).toBe('sqitch');
    expect(paths(folder)).toEqual(['deploy/appschema.sql', 'deploy/users@v1.0.sql', 'deploy/flips.sql', 'deploy/users.sql']);
    expect(versions(folder)).toEqual(['appschema', 'users@v1.0', 'flips', 'users']);
    expect(folder.ignored).toEqual([
      { path: 'deploy/abandoned.sql', reason: 'not in sqitch.plan' },
      { path: 'revert/users.sql', reason: 'revert script' },
      { path: 'verify/users.sql', reason: 'verify script' },
    ]);
    expect(prepareMigration('sqitch', folder.migrations[1]!, deploy)).toMatchObject({ upText: deploy, transaction: 'none' });
  });

  it('lists a planned change whose deploy script is missing', async () => {
    const dir = tempProject({ 'sqitch.plan': '%project=x\n\nwidgets 2024-01-01T10:00:00Z Ann <ann@example.com>\n' });
    const folder = await findMigrationFolder(dir, { cwd: dir });
    expect(folder.migrations).toEqual([]);
    expect(folder.ignored).toEqual([{ path: 'deploy/widgets.sql', reason: 'listed in sqitch.plan, but the file does not exist' }]);
  });
});

describe('atlas', () => {
  const concurrent = '-- atlas:txmode none\n\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n';

  it('takes the files next to atlas.sum in name order, wrapped unless -- atlas:txmode none opens the file', async () => {
    const dir = tempProject({
      'migrations/atlas.sum': 'h1:abc=\n20240101000000_init.sql h1:def=\n20240102000000_index.sql h1:ghi=\n',
      'migrations/20240102000000_index.sql': concurrent,
      'migrations/20240101000000_init.sql': '-- Create "users" table\nCREATE TABLE users (id bigint, email text);\n',
    });
    const folder = await findMigrationFolder('migrations', { cwd: dir });
    expect(folder.framework).toBe('atlas');
    expect(versions(folder)).toEqual(['20240101000000', '20240102000000']);
    expect(prepareMigration('atlas', folder.migrations[0]!, '-- Create "users" table\nCREATE TABLE users (id bigint);\n').transaction).toBe('wrapped');
    expect(prepareMigration('atlas', folder.migrations[1]!, concurrent)).toMatchObject({ upText: concurrent, transaction: 'none' });
  });

  it('ignores the directive, as Atlas does, when no empty line separates it from the statements', () => {
    const entry = { path: 'm/2.sql', absolutePath: '/m/2.sql', version: '2' };
    const prepared = prepareMigration('atlas', entry, '-- atlas:txmode none\nCREATE INDEX CONCURRENTLY i ON t (c);\n');
    expect(prepared.transaction).toBe('wrapped');
    expect(prepared.notes[1]).toContain('ignores this -- atlas:txmode none');
  });

  it('ends statements at the text -- atlas:delimiter gives, where it opens a line, and says a delimiter it cannot read', () => {
    const entry = { path: 'm/1.sql', absolutePath: '/m/1.sql', version: '1' };
    const text = '-- atlas:delimiter -- end\n\nCREATE TABLE a (c int)\n-- end\nCREATE INDEX a_c ON a (c)\n-- end\n';
    const prepared = prepareMigration('atlas', entry, text);
    expectSameShape(prepared.upText, text);
    expect(prepared.upText).toBe('-- atlas:delimiter -- end\n\nCREATE TABLE a (c int)\n;     \nCREATE INDEX a_c ON a (c)\n;     \n');
    expect(prepared.notes).toContain('atlas: statements end at "-- end" (-- atlas:delimiter)');
    const blankLines = prepareMigration('atlas', entry, '-- atlas:delimiter \\n\\n\n\nCREATE TABLE a (c int)\n\nCREATE TABLE b (c int)\n');
    expect(blankLines.notes[1]).toMatch(/^atlas: statements end at "\\n\\n", which lockwise cannot read/);
  });

  it('reads the directive as Atlas LocalFile.comments does: not from a CRLF file, nor from comments alone, but over a line of spaces', () => {
    const entry = { path: 'm/2.sql', absolutePath: '/m/2.sql', version: '2' };
    const transactionOf = (text: string) => prepareMigration('atlas', entry, text).transaction;
    const crlf = prepareMigration('atlas', entry, '-- atlas:txmode none\r\n\r\nCREATE INDEX CONCURRENTLY i ON t (c);\r\n');
    expect(crlf.transaction).toBe('wrapped');
    expect(crlf.notes[1]).toContain('ignores this -- atlas:txmode none: Atlas reads no file directive from a file with CRLF line ends');
    expect(transactionOf('-- atlas:txmode none\n')).toBe('wrapped');
    expect(transactionOf('-- atlas:txmode none \n \t\nCREATE INDEX CONCURRENTLY i ON t (c);\n')).toBe('none');
    expect(transactionOf('# generated\n-- atlas:txmode none\n\nCREATE INDEX CONCURRENTLY i ON t (c);\n')).toBe('none');
  });
});

describe('supabase', () => {
  it('takes supabase/migrations/<timestamp>_<name>.sql in order and wraps each file, but for the statements the CLI runs alone', async () => {
    const text = 'ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;\n';
    const dir = tempProject({
      'supabase/migrations/20240102000000_profiles_rls.sql': text,
      'supabase/migrations/20240101000000_profiles.sql': 'CREATE TABLE public.profiles (id uuid PRIMARY KEY);\n',
      'supabase/migrations/seed.sql': "INSERT INTO public.profiles VALUES (gen_random_uuid());\n",
      'supabase/config.toml': 'project_id = "demo"\n',
    });
    const folder = await findMigrationFolder('supabase/migrations', { cwd: dir });
    expect(folder.framework).toBe('supabase');
    expect(versions(folder)).toEqual(['20240101000000', '20240102000000']);
    expect(folder.ignored).toEqual([{ path: 'supabase/migrations/seed.sql', reason: 'not named <timestamp>_<name>.sql: the Supabase CLI skips it' }]);
    expect(prepareMigration('supabase', folder.migrations[1]!, text)).toMatchObject({ upText: text, transaction: 'batched' });
  });

  // supabase/cli pkg/migration/file_test.go TestIsPipelineIncompatible, and the same patterns' near misses.
  it.each([
    ['CREATE INDEX CONCURRENTLY widgets_id_idx ON public.widgets(id)', true],
    ['create unique index concurrently widgets_id_idx on public.widgets(id)', true],
    ['DROP INDEX CONCURRENTLY public.widgets_id_idx', true],
    ['REINDEX TABLE CONCURRENTLY public.widgets', true],
    ['REINDEX (CONCURRENTLY) TABLE public.widgets', false],
    ['VACUUM', true],
    ['VACUUM (ANALYZE) public.widgets', true],
    ['ALTER SYSTEM SET work_mem = \'64MB\'', true],
    ['CLUSTER public.widgets USING widgets_pkey', true],
    ['CREATE INDEX widgets_id_idx ON public.widgets(id)', false],
    ['DROP INDEX public.widgets_id_idx', false],
    ['ANALYZE public.widgets', false],
    ['REFRESH MATERIALIZED VIEW CONCURRENTLY public.widget_totals', false],
    ['ALTER TABLE public.widgets DETACH PARTITION public.widgets_2023 CONCURRENTLY', false],
  ])('the CLI runs %s alone: %s', (sql, alone) => {
    expect(runsAloneInBatchedMode(sql)).toBe(alone);
  });
});

describe('detection', () => {
  it.each<[FrameworkName, Record<string, string>]>([
    ['sqitch', { 'sqitch.plan': '%project=x\n', 'atlas.sum': '' }],
    ['drizzle', { 'meta/_journal.json': '{"dialect":"postgresql","entries":[]}', 'migration_lock.toml': '', '1_x.up.sql': '' }],
    ['atlas', { 'atlas.sum': '', '1_x.up.sql': '' }],
    ['prisma', { 'migration_lock.toml': '' }],
    ['diesel', { '2024-01-01-000000_x/up.sql': '' }],
    ['golang-migrate', { '1_x.up.sql': '', 'V1__x.sql': '' }],
    ['golang-migrate', { '1_x.up.sql': '', '1_x.down.sql': '', '2_y.sql': '' }],
    ['plain', { '1_x.up.sql': '', '2_y.sql': '' }],
    ['flyway', { 'V1__x.sql': '-- +goose Up\n' }],
    ['goose', { '1_x.sql': '-- +goose Up\n-- migrate:up\n' }],
    ['dbmate', { '1_x.sql': '-- migrate:up\n' }],
    ['sql-migrate', { '1_x.sql': 'SELECT 1;\n', '2_y.sql': '-- +migrate Up notransaction\nSELECT 2;\n' }],
    ['goose', { '1_x.sql': '-- +migrate Up\n', '2_y.sql': '-- +goose Up\n' }],
    ['sql-migrate', { '1_x.sql': '-- +migrate Down\n-- migrate:up\n' }],
    ['tern', { '1_x.sql': 'SELECT 1;\n---- create above / drop below ----\nSELECT 2;\n' }],
    ['dbmate', { '1_x.sql': '-- migrate:up\n', '2_y.sql': 'SELECT 1;\n---- create above / drop below ----\n' }],
    // sql-migrate reads its commands only as written: these are comments to it.
    ['plain', { '1_x.sql': '-- +migrate up\n--+migrate Up\n -- +migrate Up\n-- +migrate Upgrade\n' }],
    // The tools read their markers in any case.
    ['goose', { '1_x.sql': 'SELECT 1;\n', '2_y.sql': '--+GOOSE UP\nSELECT 2;\n' }],
    ['dbmate', { '1_x.sql': 'SELECT 1 + 2;\n', '2_y.sql': '-- Migrate:Up\nSELECT 2;\n' }],
    ['plain', { '1_x.sql': 'SELECT 1;\n' }],
    ['plain', { '1_x.sql': "SELECT 1 +g.x FROM g; -- +goose Upgrade\nSELECT ':up';\n" }],
  ])('recognises %s first', async (framework, files) => {
    const dir = tempProject(files);
    expect((await findMigrationFolder('.', { cwd: dir })).framework).toBe(framework);
  });
});

describe('liquibase', () => {
  const formatted = (body: string) => `--liquibase formatted sql\n${body}`;

  it('runs the files its master changelog includes, in the changelog\'s order, with includeAll by path as a string', async () => {
    const dir = tempProject({
      'src/main/resources/db/changelog/db.changelog-master.yaml':
        'databaseChangeLog:\n  - include:\n      file: db/changelog/changes/users.sql\n  - includeAll:\n      path: changes/later/\n      relativeToChangelogFile: true\n  - include:\n      file: nested.xml\n      relativeToChangelogFile: true\n',
      'src/main/resources/db/changelog/changes/users.sql': formatted('--changeset ana:1\nCREATE TABLE users (id bigint);\n'),
      'src/main/resources/db/changelog/changes/later/2_b.sql': formatted('--changeset ana:2\nSELECT 2;\n'),
      'src/main/resources/db/changelog/changes/later/10_a.sql': formatted('--changeset ana:10\nSELECT 10;\n'),
      'src/main/resources/db/changelog/nested.xml':
        '<databaseChangeLog>\n  <changeSet id="idx" author="ana" runInTransaction="false">\n    <sqlFile path="sql/index.sql" relativeToChangelogFile="true"/>\n  </changeSet>\n  <changeSet id="t" author="ana"><createTable tableName="t"/></changeSet>\n</databaseChangeLog>\n',
      'src/main/resources/db/changelog/sql/index.sql': 'CREATE INDEX CONCURRENTLY users_id ON users (id);\n',
      'src/main/resources/db/changelog/rollback/users.sql': 'DROP TABLE users;\n',
    });
    const folder = await findMigrationFolder('src/main/resources/db/changelog', { cwd: dir });
    expect(folder.framework).toBe('liquibase');
    expect(versions(folder)).toEqual(['changes/users', 'changes/later/10_a', 'changes/later/2_b', 'sql/index']);
    expect(folder.migrations[3]!.changeSet).toEqual({ id: 'idx', runInTransaction: false, splits: true });
    expect(folder.ignored).toEqual([{ path: 'src/main/resources/db/changelog/rollback/users.sql', reason: 'db.changelog-master.yaml does not include it' }]);
    expect(folder.problems).toEqual(['db.changelog-master.yaml: 1 change is written in the changelogs themselves (XML, YAML or JSON, not an SQL file): lockwise neither lints nor replays it']);
    const index = prepareMigration('liquibase', folder.migrations[3]!, 'CREATE INDEX CONCURRENTLY users_id ON users (id);\n');
    expect(index.transaction).toBe('none');
    // Liquibase splits a sqlFile too, unless it says splitStatements="false".
    const body = 'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; SELECT 2; $$;\n';
    const split = prepareMigration('liquibase', { ...folder.migrations[3]!, changeSet: { id: 'f', runInTransaction: true, splits: true } }, body);
    expect(split.runner?.cutsQueries).toEqual({ tool: 'liquibase', at: [body.indexOf('1;') + 2, body.indexOf('2;') + 2, body.length - 1] });
    const whole = prepareMigration('liquibase', { ...folder.migrations[3]!, changeSet: { id: 'f', runInTransaction: true, splits: false } }, body);
    expect(whole.runner?.cutsQueries).toBeUndefined();
  });

  it('says which included file it cannot find, and takes a folder of formatted SQL without a master changelog by path', async () => {
    const dir = tempProject({
      'db/changelog.xml': '<databaseChangeLog><include file="db/missing.sql"/></databaseChangeLog>\n',
      'other/b.sql': formatted('--changeset ana:b\nSELECT 1;\n'),
      'other/a.sql': formatted('--changeset ana:a\nSELECT 1;\n'),
    });
    const missing = await findMigrationFolder('db', { cwd: dir });
    expect(missing.migrations).toEqual([]);
    expect(missing.problems).toEqual(["changelog.xml includes db/missing.sql, which is in neither the master changelog's folder nor a folder above it: the files after it are linted without its changes"]);
    const loose = await findMigrationFolder('other', { cwd: dir });
    expect(loose.framework).toBe('liquibase');
    expect(versions(loose)).toEqual(['a', 'b']);
  });

  it('reads a formatted SQL changelog as Liquibase does: a transaction per changeset, none under runInTransaction:false', () => {
    const entry = { path: 'db/1.sql', absolutePath: '/db/1.sql', version: '1' };
    const text = formatted(
      [
        'CREATE TABLE dropped_by_liquibase (id int);',
        '--changeset ana:one',
        'ALTER TABLE users ADD COLUMN note text;',
        '--rollback ALTER TABLE users DROP COLUMN note;',
        '--changeset ana:two runInTransaction:false',
        'CREATE INDEX CONCURRENTLY users_note ON users (note);',
        '--changeset ana:oracle-only dbms:oracle',
        'ALTER TABLE users MODIFY note VARCHAR2(10);',
        '--changeset ana:three endDelimiter:/',
        '--ignoreLines:1',
        'not sql at all',
        'UPDATE users SET note = \'\'',
        '/',
        '',
      ].join('\n'),
    );
    const prepared = prepareMigration('liquibase', entry, text);
    expectSameShape(prepared.upText, text);
    const lines = prepared.upText.split('\n');
    expect(lines[1]!.trim()).toBe('');
    expect(lines[3]).toBe('ALTER TABLE users ADD COLUMN note text;');
    expect(lines[8]!.trim()).toBe('');
    expect(lines[11]!.trim()).toBe('');
    expect(lines[13]!.trim()).toBe(';');
    expect(prepared.transaction).toBe('wrapped');
    const at = (line: number) => Buffer.byteLength(lines.slice(0, line).map((l) => `${l}\n`).join(''), 'utf8');
    expect(prepared.runner?.transactionsFrom).toEqual([
      { at: at(5), wrapped: false },
      { at: at(9), wrapped: true },
    ]);
    expect(prepared.notes).toContain('liquibase: changeset ana:oracle-only is not for PostgreSQL (dbms), not run');
  });

  it('runs a changeset sent whole outside a transaction as one implicit transaction when it holds several statements', () => {
    const entry = { path: 'db/1.sql', absolutePath: '/db/1.sql', version: '1' };
    const text = formatted(
      [
        '--changeset ana:one runInTransaction:false splitStatements:false',
        'CREATE INDEX CONCURRENTLY a ON t (a);',
        '--rollback DROP INDEX a;',
        '--changeset ana:two runInTransaction:false splitStatements:false',
        'CREATE INDEX CONCURRENTLY b ON t (b);',
        'CREATE INDEX CONCURRENTLY c ON t (c);',
        '',
      ].join('\n'),
    );
    const prepared = prepareMigration('liquibase', entry, text);
    // Seen on PostgreSQL 18 through the JDBC driver: the second changeset's CONCURRENTLY fails in the implicit transaction.
    expect(prepared.transaction).toBe('none');
    expect(prepared.runner?.transactionsFrom).toEqual([{ at: Buffer.byteLength(text.slice(0, text.indexOf('--changeset ana:two')), 'utf8'), wrapped: true }]);
  });

  it('runs a plain SQL file as one changeset in a transaction', () => {
    const entry = { path: 'db/1.sql', absolutePath: '/db/1.sql', version: '1' };
    const prepared = prepareMigration('liquibase', entry, 'CREATE TABLE t (id int);\nCREATE INDEX t_id ON t (id);\n');
    expect(prepared.transaction).toBe('wrapped');
    expect(prepared.runner?.wrapsEach).toBe('changeset');
    // It has no --changeset line to turn the transaction off on.
    expect(prepared.runner?.optOut).toContain('a formatted SQL changelog (`--liquibase formatted sql` as its first line');
  });
});
