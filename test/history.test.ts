import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from './helpers/cli.js';

interface JsonOutput {
  files: string[];
  diagnostics: Array<{ file: string; rule: string; line: number; message: string }>;
}

function findings(stdout: string): Array<[string, string, number]> {
  return (JSON.parse(stdout) as JsonOutput).diagnostics.map((d) => [d.file, d.rule, d.line]);
}

const CREATE_USERS = 'CREATE TABLE users (id bigint PRIMARY KEY, username text NOT NULL);\n';
const LOCK = "SET lock_timeout = '2s';\n";

/** The findings `lockwise lint -f json db` reports in a project, as the JSON reporter writes them. */
function lintedDiagnostics(dir: string): Array<{ rule: string; line: number; message: string; help?: string }> {
  return (JSON.parse(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout) as { diagnostics: Array<{ rule: string; line: number; message: string; help?: string }> }).diagnostics;
}

function git(dir: string, args: string[], date?: string): void {
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
  if (date) Object.assign(env, { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
  execFileSync('git', args, { cwd: dir, env, stdio: 'pipe' });
}

function commitAll(dir: string, message: string, date?: string): void {
  git(dir, ['add', '-A'], date);
  git(dir, ['commit', '-q', '-m', message], date);
}

describe('the examples/ rename walkthrough', () => {
  it('lints clean when done by the book, and flags the one-step rename', () => {
    const byTheBook = runCli(['lint', '-f', 'json', 'examples/expand-contract']);
    expect(findings(byTheBook.stdout)).toEqual([]);
    expect(byTheBook.status).toBe(0);
    const oneStep = runCli(['lint', '-f', 'json', 'examples/one-step-rename']);
    expect(findings(oneStep.stdout)).toEqual([
      ['examples/one-step-rename/002_rename_username_to_handle.sql', 'no-rename-column', 3],
      ['examples/one-step-rename/002_rename_username_to_handle.sql', 'require-lock-timeout', 3],
    ]);
  });
});

describe('expand-contract across migrations', () => {
  it('flags each shortcut: drop without retirement, and add, fill and drop in one file', () => {
    const dir = tempProject({
      'db/1_users.sql': CREATE_USERS,
      'db/2_add_and_drop.sql': `${LOCK}ALTER TABLE users ADD COLUMN handle text;\nALTER TABLE users DROP COLUMN username;\n`,
      'db/3_add_fill_and_drop.sql': `${LOCK}ALTER TABLE users ADD COLUMN login text;\nUPDATE users SET login = handle WHERE id = 1;\nALTER TABLE users DROP COLUMN handle;\n`,
    });
    // Nothing says handle takes over from username: the drop is reported, and no rename in disguise.
    expect(findings(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout)).toEqual([
      ['db/2_add_and_drop.sql', 'require-deprecation-before-drop', 3],
      ['db/3_add_fill_and_drop.sql', 'no-expand-contract-same-migration', 4],
      ['db/3_add_fill_and_drop.sql', 'require-deprecation-before-drop', 4],
    ]);
  });

  it('judges a table created one migration earlier as existing, and one created in the same file as new', () => {
    const dir = tempProject({
      'db/1_users.sql': CREATE_USERS,
      'db/2_index.sql': `${LOCK}CREATE INDEX users_username_idx ON users (username);\nCREATE TABLE audit (id bigint);\nCREATE INDEX audit_id_idx ON audit (id);\n`,
    });
    expect(findings(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout)).toEqual([['db/2_index.sql', 'require-concurrent-index', 2]]);
  });

  it('lints only the named file, with the history before it as context', () => {
    const dir = tempProject({
      'db/1_users.sql': CREATE_USERS,
      'db/2_retire.sql': "COMMENT ON COLUMN users.username IS 'deprecated: use handle';\n",
      'db/3_drop.sql': `${LOCK}ALTER TABLE users DROP COLUMN username;\n`,
      'db/4_rename.sql': `${LOCK}ALTER TABLE users RENAME TO people;\n`,
    });
    const run = runCli(['lint', '-f', 'json', 'db/3_drop.sql'], { cwd: dir });
    expect((JSON.parse(run.stdout) as JsonOutput).files).toEqual(['db/3_drop.sql']);
    expect(findings(run.stdout)).toEqual([]);
  });

  it('with --since, requires the retirement to be in the base commit: retiring and dropping in one pull request is flagged', () => {
    const dir = tempProject({ 'db/1_users.sql': CREATE_USERS });
    git(dir, ['init', '-q', '-b', 'main']);
    commitAll(dir, 'users');
    git(dir, ['checkout', '-q', '-b', 'feature']);
    tempProjectFiles(dir, {
      'db/2_retire.sql': "COMMENT ON COLUMN users.username IS 'deprecated: use handle';\n",
      'db/3_drop.sql': `${LOCK}ALTER TABLE users DROP COLUMN username;\n`,
    });
    commitAll(dir, 'retire and drop');
    const samePullRequest = runCli(['lint', '-f', 'json', '--since', 'main', 'db'], { cwd: dir });
    expect((JSON.parse(samePullRequest.stdout) as JsonOutput).files).toEqual(['db/2_retire.sql', 'db/3_drop.sql']);
    expect(findings(samePullRequest.stdout)).toEqual([['db/3_drop.sql', 'require-deprecation-before-drop', 2]]);
    expect((JSON.parse(samePullRequest.stdout) as JsonOutput).diagnostics[0]!.message).toContain('in the same release that retires it');

    const retiredEarlier = runCli(['lint', '-f', 'json', '--since', 'HEAD~0', 'db'], { cwd: dir });
    expect((JSON.parse(retiredEarlier.stdout) as JsonOutput).files).toEqual([]);
    tempProjectFiles(dir, { 'db/4_drop_again.sql': `${LOCK}ALTER TABLE users DROP COLUMN IF EXISTS username;\n` });
    expect(findings(runCli(['lint', '-f', 'json', '--since', 'HEAD', 'db'], { cwd: dir }).stdout)).toEqual([]);
  });

  it('with --since, lets a table created in the same pull request be renamed and dropped freely', () => {
    const dir = tempProject({ 'db/1_users.sql': CREATE_USERS });
    git(dir, ['init', '-q', '-b', 'main']);
    commitAll(dir, 'users');
    tempProjectFiles(dir, {
      'db/2_staging.sql': 'CREATE TABLE staging (id bigint, payload text);\n',
      'db/3_cleanup.sql': `${LOCK}ALTER TABLE staging RENAME COLUMN payload TO body;\nDROP TABLE staging;\n`,
    });
    expect(findings(runCli(['lint', '-f', 'json', '--since', 'main', 'db'], { cwd: dir }).stdout)).toEqual([]);
    // Without --since every earlier migration counts as deployed, so the same files are flagged.
    expect(findings(runCli(['lint', '-f', 'json', 'db/3_cleanup.sql'], { cwd: dir }).stdout).map(([, rule]) => rule)).toEqual([
      'no-rename-column',
      'require-deprecation-before-drop',
    ]);
  });

  it('checks minDeprecationAge against the commit dates, and skips it with a note outside git', () => {
    const config = JSON.stringify({ rules: { 'require-deprecation-before-drop': ['error', { minDeprecationAge: '7d' }] } });
    const files = {
      'lockwise.json': config,
      'db/1_users.sql': CREATE_USERS,
      'db/2_retire.sql': "COMMENT ON COLUMN users.username IS 'deprecated: use handle';\n",
    };
    const dir = tempProject(files);
    git(dir, ['init', '-q', '-b', 'main']);
    commitAll(dir, 'retire', '2026-01-01T00:00:00Z');
    tempProjectFiles(dir, { 'db/3_drop.sql': `${LOCK}ALTER TABLE users DROP COLUMN username;\n` });
    commitAll(dir, 'drop two days later', '2026-01-03T00:00:00Z');
    const tooSoon = runCli(['lint', '-f', 'json', 'db'], { cwd: dir });
    expect(findings(tooSoon.stdout)).toEqual([['db/3_drop.sql', 'require-deprecation-before-drop', 2]]);
    expect((JSON.parse(tooSoon.stdout) as JsonOutput).diagnostics[0]!.message).toContain('only 2 days before this drop');

    git(dir, ['reset', '-q', '--soft', 'HEAD~1']);
    commitAll(dir, 'drop ten days later', '2026-01-11T00:00:00Z');
    expect(findings(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout)).toEqual([]);

    const outsideGit = tempProject({ ...files, 'db/3_drop.sql': `${LOCK}ALTER TABLE users DROP COLUMN username;\n` });
    const run = runCli(['lint', '-f', 'json', 'db'], { cwd: outsideGit });
    expect(findings(run.stdout)).toEqual([]);
    expect(run.stderr).toBe('lockwise: minDeprecationAge not checked: not in a git repository\n');
  });

  it('refuses --since outside a git repository or with an unknown ref, in one line', () => {
    const dir = tempProject({ 'db/1_users.sql': CREATE_USERS });
    let run = runCli(['lint', '--since', 'main', 'db'], { cwd: dir });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('lockwise: --since needs a git repository, and this folder is not in one\n');
    git(dir, ['init', '-q', '-b', 'main']);
    commitAll(dir, 'users');
    run = runCli(['lint', '--since', 'no-such-branch', 'db'], { cwd: dir });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^lockwise: --since no-such-branch: not a commit in .*\n$/);
  });
});

describe('frameworks decide the transaction', () => {
  const INDEX = 'CREATE INDEX CONCURRENTLY users_username_idx ON users (username);\n';

  it('accepts CONCURRENTLY in a goose migration marked NO TRANSACTION and flags it in a wrapped one', () => {
    const dir = tempProject({
      'migrations/00001_users.sql': `-- +goose Up\n${CREATE_USERS}-- +goose Down\nDROP TABLE users;\n`,
      'migrations/00002_index.sql': `-- +goose NO TRANSACTION\n-- +goose Up\n${INDEX}-- +goose Down\nDROP INDEX CONCURRENTLY users_username_idx;\n`,
      'migrations/00003_index_wrapped.sql': `-- +goose Up\n${INDEX.replace('users_username_idx', 'users_id_idx').replace('(username)', '(id)')}-- +goose Down\nDROP INDEX users_id_idx;\n`,
    });
    expect(findings(runCli(['lint', '-f', 'json', 'migrations'], { cwd: dir }).stdout)).toEqual([
      ['migrations/00003_index_wrapped.sql', 'no-concurrently-in-transaction', 2],
    ]);
  });

  it('finds the Liquibase master changelog above a file linted alone, as a pre-commit hook lints it, and says how to run CONCURRENTLY', () => {
    const dir = tempProject({
      'src/main/resources/db/changelog/db.changelog-master.yaml':
        'databaseChangeLog:\n  - include:\n      file: db/changelog/changes/2_users.sql\n  - include:\n      file: db/changelog/changes/10_index.sql\n',
      'src/main/resources/db/changelog/changes/2_users.sql': `--liquibase formatted sql\n--changeset ana:users\n${CREATE_USERS}`,
      'src/main/resources/db/changelog/changes/10_index.sql': `--liquibase formatted sql\n--changeset ana:index\n${LOCK}${INDEX}`,
    });
    const run = runCli(['lint', '-f', 'json', 'src/main/resources/db/changelog/changes/10_index.sql'], { cwd: dir });
    const [concurrently] = (JSON.parse(run.stdout) as { diagnostics: Array<{ rule: string; line: number; help: string }> }).diagnostics;
    expect(concurrently).toMatchObject({ rule: 'no-concurrently-in-transaction', line: 4 });
    expect(concurrently!.help).toBe('Move CREATE INDEX CONCURRENTLY to a changeset of its own with `runInTransaction:false` on its `--changeset` line.');
    // The history before it was read: users was made by 2_users.sql, which Liquibase runs first.
    expect(runCli(['lint', '--verbose', 'src/main/resources/db/changelog/changes/10_index.sql'], { cwd: dir }).stderr).toContain('src/main/resources/db/changelog: liquibase migrations, 2 in order');
  });

  it('lints only the Up sections of sql-migrate files, each in a transaction unless its Up line says notransaction', () => {
    const dir = tempProject({
      'migrations/1_users.sql': `-- +migrate Up\n${CREATE_USERS}\n-- +migrate Down\nDROP TABLE users;\n`,
      'migrations/2_index.sql': `-- +migrate Up notransaction\n${LOCK}${INDEX}\n-- +migrate Down\nDROP INDEX users_username_idx;\n`,
      'migrations/10_index_wrapped.sql': `-- +migrate Up\n${INDEX.replace('users_username_idx', 'users_id_idx').replace('(username)', '(id)')}-- +migrate Down\nDROP INDEX users_id_idx;\n`,
      // Down first, then a second Up section, which sql-migrate runs too.
      'migrations/11_rename.sql': `-- +migrate Down\nALTER TABLE users RENAME TO people;\n-- +migrate Up\n${LOCK}ALTER TABLE users RENAME COLUMN username TO handle;\n`,
    });
    const run = runCli(['lint', '-f', 'json', 'migrations'], { cwd: dir });
    expect(findings(run.stdout)).toEqual([
      ['migrations/10_index_wrapped.sql', 'no-concurrently-in-transaction', 2],
      ['migrations/11_rename.sql', 'no-rename-column', 5],
    ]);
    const help = (JSON.parse(run.stdout) as { diagnostics: Array<{ help?: string }> }).diagnostics[0]!.help;
    expect(help).toContain('(with `-- +migrate Up notransaction` as its up marker)');
    expect(run.stderr).toBe('');

    // On Go's database/sql, a COMMIT in the file ends the migration's transaction: what follows runs on its own (Nakama's).
    const committed = tempProject({
      'migrations/1_users.sql': `-- +migrate Up\n${CREATE_USERS}`,
      'migrations/2_index.sql': `-- +migrate Up\nCOMMIT;\n${LOCK}${INDEX}BEGIN;\n`,
    });
    expect(findings(runCli(['lint', '-f', 'json', 'migrations'], { cwd: committed }).stdout)).toEqual([]);

    // A file sqlparse refuses stops sql-migrate before it runs anything: said without --verbose.
    const refused = tempProject({ 'migrations/1_users.sql': `-- +migrate Up\n${CREATE_USERS}\n-- +migrate Down\nDROP TABLE users\n` });
    expect(runCli(['lint', '-f', 'json', 'migrations'], { cwd: refused }).stderr).toBe(
      `lockwise: migrations/1_users.sql: sql-migrate: its last statement has no line that ends with a semicolon ("The last statement must be ended by a semicolon or '-- +migrate StatementEnd' marker"), so sql-migrate refuses to run any migration of the folder; linting the Up sections as if mended\n`,
    );
  });

  it('lints only the up part of tern files, in a transaction unless it says disable-tx, and says what tern would refuse or render', () => {
    const separator = '---- create above / drop below ----';
    const dir = tempProject({
      'migrations/001_users.sql': `${CREATE_USERS}\n${separator}\n\nDROP TABLE users;\n`,
      'migrations/002_index.sql': `---- tern: disable-tx ----\n${LOCK}${INDEX}${separator}\nDROP INDEX CONCURRENTLY users_username_idx;\n`,
      'migrations/003_index_wrapped.sql': `${INDEX.replace('users_username_idx', 'users_id_idx').replace('(username)', '(id)')}${separator}\nDROP INDEX users_id_idx;\n`,
      'migrations/004_rename.sql': `${LOCK}ALTER TABLE users RENAME COLUMN username TO handle;\n${separator}\nALTER TABLE users RENAME TO people;\n`,
      'migrations/tern.conf': '[database]\nhost = localhost\n',
    });
    const run = runCli(['lint', '-f', 'json', 'migrations'], { cwd: dir });
    expect(findings(run.stdout)).toEqual([
      ['migrations/003_index_wrapped.sql', 'no-concurrently-in-transaction', 1],
      ['migrations/004_rename.sql', 'no-rename-column', 2],
    ]);
    const help = (JSON.parse(run.stdout) as { diagnostics: Array<{ help?: string }> }).diagnostics[0]!.help;
    expect(help).toContain('(with a `---- tern: disable-tx ----` line in its up part)');
    expect(run.stderr).toBe('');

    // A gap in the numbers stops tern before it runs anything; SQL rendered from a template is neither linted nor replayed.
    const gapped = tempProject({
      'migrations/1_users.sql': `${CREATE_USERS}${separator}\nDROP TABLE users;\n`,
      'migrations/3_view.sql': `{{ template "shared/users_view.sql" . }}\n${separator}\n`,
      'migrations/shared/users_view.sql': 'CREATE VIEW active_users AS SELECT * FROM users;\n',
      // A template is no migration, nor a file of its own, whatever its name: tern renders it inside the migrations that include it.
      'migrations/shared/v1_schema.sql': 'CREATE VIEW {{.schema}}.active_users AS SELECT * FROM users;\n',
    });
    expect(findings(runCli(['lint', '-f', 'json', 'migrations'], { cwd: gapped }).stdout)).toEqual([]);
    expect(runCli(['lint', '--verbose', '-f', 'json', 'migrations'], { cwd: gapped }).stderr).toContain(
      'lockwise: migrations/shared/v1_schema.sql: not part of the history: tern template: tern runs it only where a migration says {{ template "shared/v1_schema.sql" . }}, and never on its own\n',
    );
    expect(runCli(['lint', '-f', 'json', 'migrations'], { cwd: gapped }).stderr).toBe(
      'lockwise: migrations: tern refuses to migrate: no migration is numbered 2 ("Missing migration 2"); lockwise lints the files in number order\n' +
        'lockwise: migrations/3_view.sql: tern: renders 1 Go template action here ({{ template "shared/users_view.sql" . }}), which lockwise does not render: what they put there is neither linted nor replayed\n',
    );
  });

  it('lints the up part of node-pg-migrate SQL migrations, inside the runner\'s transaction, and says when a down part runs on the way up', () => {
    const dir = tempProject({
      'migrations/1700000000000_users.sql': `-- Up Migration\n${CREATE_USERS}\n-- Down Migration\nDROP TABLE users;\n`,
      'migrations/1700000100000_index.sql': `-- Up Migration\n${LOCK}${INDEX}\n-- Down Migration\nDROP INDEX users_username_idx;\n`,
      'migrations/1700000200000_seed.js': 'exports.up = (pgm) => { pgm.sql("SELECT 1"); };\n',
      'migrations/1700000300000_rename.sql': `${LOCK}ALTER TABLE users RENAME COLUMN username TO handle;\n-- Down Migration\nALTER TABLE users RENAME COLUMN handle TO username;\n`,
    });
    const run = runCli(['lint', '-f', 'json', 'migrations'], { cwd: dir });
    expect(findings(run.stdout)).toEqual([
      ['migrations/1700000100000_index.sql', 'no-concurrently-in-transaction', 3],
      ['migrations/1700000300000_rename.sql', 'no-rename-column', 2],
      ['migrations/1700000300000_rename.sql', 'no-rename-column', 4],
    ]);
    expect(run.stderr).toBe(
      'lockwise: migrations/1700000300000_rename.sql: node-pg-migrate: no -- Up Migration comment, so node-pg-migrate runs the whole file on the way up, its down part too; linting all of it\n',
    );
  });

  it('flags CONCURRENTLY mixed with other statements in a Flyway migration, which Flyway wraps', () => {
    const dir = tempProject({
      'sql/V1__users.sql': CREATE_USERS,
      'sql/V2__index_alone.sql': INDEX,
      'sql/V3__index_and_more.sql': `${LOCK}${INDEX.replace('users_username_idx', 'users_id_idx').replace('(username)', '(id)')}`,
    });
    expect(findings(runCli(['lint', '-f', 'json', 'sql'], { cwd: dir }).stdout)).toEqual([
      ['sql/V3__index_and_more.sql', 'no-concurrently-in-transaction', 2],
    ]);
  });

  it("flags CONCURRENTLY in a drizzle migration, which the migrator runs in its transaction, but not after a COMMIT ends that transaction", () => {
    const journal = { version: '7', dialect: 'postgresql', entries: ['0000_users', '0001_index', '0002_index_after_commit'].map((tag, idx) => ({ idx, version: '7', when: 1_700_000_000_000 + idx, tag, breakpoints: true })) };
    const dir = tempProject({
      'drizzle/meta/_journal.json': JSON.stringify(journal),
      // drizzle-kit ends each statement at a breakpoint; a hand-written file may leave out the semicolon.
      'drizzle/0000_users.sql': 'CREATE TABLE "users" (\n\t"id" bigint PRIMARY KEY,\n\t"username" text NOT NULL\n)\n--> statement-breakpoint\nCREATE TABLE "posts" ("id" bigint PRIMARY KEY)\n',
      'drizzle/0001_index.sql': `${INDEX.trimEnd()}--> statement-breakpoint\n`,
      'drizzle/0002_index_after_commit.sql': `COMMIT;--> statement-breakpoint\n${INDEX.replaceAll('username', 'id')}`,
      'drizzle/0003_not_in_journal.sql': 'DROP TABLE "posts";\n',
    });
    const run = runCli(['lint', '-f', 'json', 'drizzle'], { cwd: dir });
    expect(findings(run.stdout)).toEqual([['drizzle/0001_index.sql', 'no-concurrently-in-transaction', 1]]);
    expect((JSON.parse(run.stdout) as JsonOutput).files).toEqual(['drizzle/0000_users.sql', 'drizzle/0001_index.sql', 'drizzle/0002_index_after_commit.sql']);
    expect((JSON.parse(run.stdout) as { diagnostics: Array<{ help?: string }> }).diagnostics[0]!.help).toContain("which drizzle's migrator cannot do: it runs every pending migration inside one transaction");
    expect(run.stderr).toContain('drizzle does not run 1 SQL file in it, so it is not linted (drizzle/0003_not_in_journal.sql: not in meta/_journal.json: drizzle skips it)');
  });

  it('says that validating in a later migration means a later deploy where the runner runs every pending migration in one transaction', () => {
    const journal = { version: '7', dialect: 'postgresql', entries: ['0000_users', '0001_key'].map((tag, idx) => ({ idx, version: '7', when: 1_700_000_000_000 + idx, tag, breakpoints: true })) };
    const key = 'ALTER TABLE "posts" ADD CONSTRAINT "posts_user_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id");\n';
    const dir = tempProject({
      'drizzle/meta/_journal.json': JSON.stringify(journal),
      'drizzle/0000_users.sql': `${CREATE_USERS}CREATE TABLE "posts" ("id" bigint PRIMARY KEY, "user_id" bigint);\n`,
      'drizzle/0001_key.sql': `SET LOCAL lock_timeout = '2s';--> statement-breakpoint\n${key}`,
      'db/001_users.sql': `${CREATE_USERS}CREATE TABLE "posts" ("id" bigint PRIMARY KEY, "user_id" bigint);\n`,
      'db/002_key.sql': `${LOCK}${key}`,
    });
    const help = (folder: string): string | undefined =>
      (JSON.parse(runCli(['lint', '-f', 'json', folder], { cwd: dir }).stdout) as { diagnostics: Array<{ rule: string; help?: string }> }).diagnostics.find((d) => d.rule === 'require-not-valid')?.help;
    expect(help('drizzle')).toContain("-- next transaction or migration (with drizzle's migrator, a migration of a later deploy: it runs every migration pending in a deploy inside one transaction):");
    expect(help('db')).toContain('-- next transaction or migration:');
  });

  it('holds the locks of a pull request\'s earlier drizzle migration through its later ones, which the migrator runs in the same transaction', () => {
    const tags = ['0000_tables', '0001_nickname', '0002_orders_index'];
    const journal = (count: number) => JSON.stringify({ version: '7', dialect: 'postgresql', entries: tags.slice(0, count).map((tag, idx) => ({ idx, version: '7', when: 1_700_000_000_000 + idx, tag, breakpoints: true })) });
    const dir = tempProject({
      'drizzle/meta/_journal.json': journal(1),
      'drizzle/0000_tables.sql': `${CREATE_USERS}CREATE TABLE "orders" ("id" bigint PRIMARY KEY, "user_id" bigint);\n`,
    });
    git(dir, ['init', '-q', '-b', 'main']);
    commitAll(dir, 'deployed');
    git(dir, ['checkout', '-q', '-b', 'feature']);
    tempProjectFiles(dir, {
      'drizzle/meta/_journal.json': journal(3),
      'drizzle/0001_nickname.sql': `SET LOCAL lock_timeout = '2s';--> statement-breakpoint\nALTER TABLE "users" ADD COLUMN "nickname" text;\n`,
      'drizzle/0002_orders_index.sql': `SET LOCAL lock_timeout = '2s';--> statement-breakpoint\nCREATE INDEX "orders_user_idx" ON "orders" ("user_id");\n`,
    });
    commitAll(dir, 'two migrations');
    const heldOn = (args: string[]): string[] =>
      (JSON.parse(runCli(['lint', '-f', 'json', ...args, 'drizzle'], { cwd: dir }).stdout) as { diagnostics: Array<{ file: string; rule: string; message: string }> }).diagnostics
        .filter((d) => d.rule === 'no-statements-after-access-exclusive')
        .map((d) => `${d.file}: ${d.message.split('), a lock')[0]}`);
    // Deployed together, users stays locked ACCESS EXCLUSIVE while the index on orders is built.
    expect(heldOn(['--since', 'main'])).toEqual([
      'drizzle/0002_orders_index.sql: This statement runs while users is locked ACCESS EXCLUSIVE (taken on line 2 of drizzle/0001_nickname.sql, which drizzle\'s migrator runs in the same transaction',
    ]);
    // Without --since every earlier migration counts as deployed: each ran in a deploy of its own.
    expect(heldOn([])).toEqual([]);
    // With a cache, a pending migration is linted afresh when the next one changed, for the locks it leaves held.
    expect(heldOn(['--since', 'main', '--cache', '--cache-location', '.lockwise-cache'])).toHaveLength(1);
    tempProjectFiles(dir, { 'drizzle/0002_orders_index.sql': `-- the index for the orders page\nSET LOCAL lock_timeout = '2s';--> statement-breakpoint\nCREATE INDEX "orders_user_idx" ON "orders" ("user_id");\n` });
    expect(heldOn(['--since', 'main', '--cache', '--cache-location', '.lockwise-cache'])).toHaveLength(1);
  });

  it('lints only the up part of a file and names skipped down migrations with --verbose', () => {
    const dir = tempProject({
      'm/1_users.up.sql': CREATE_USERS,
      'm/1_users.down.sql': 'DROP TABLE users;\n',
      'm/2_rename.up.sql': `${LOCK}ALTER TABLE users RENAME COLUMN username TO handle;\n`,
    });
    const run = runCli(['lint', '-f', 'json', '--verbose', 'm'], { cwd: dir });
    expect(findings(run.stdout)).toEqual([['m/2_rename.up.sql', 'no-rename-column', 2]]);
    expect(run.stderr).toContain('m/1_users.down.sql: not part of the history');
  });
});

describe('psql meta-commands and template placeholders', () => {
  it('skips them without losing positions, and shows them with --verbose', () => {
    const dir = tempProject({
      'db/1_users.sql': CREATE_USERS,
      'db/2_rename.sql': `\\set ON_ERROR_STOP on\n${LOCK}ALTER TABLE {{ schema }}.users ADD COLUMN note text;\nALTER TABLE users RENAME COLUMN username TO :'new_name';\n`,
    });
    const run = runCli(['lint', '-f', 'json', '--verbose', 'db'], { cwd: dir });
    expect(findings(run.stdout)).toEqual([['db/2_rename.sql', 'no-rename-column', 4]]);
    expect(run.stderr).toContain('lockwise: db/2_rename.sql:1: psql meta-command not parsed: "\\\\set ON_ERROR_STOP on"');
    expect(run.stderr).toContain('lockwise: db/2_rename.sql:3: template placeholder not parsed: "{{ schema }}"');
    expect(run.stderr).toContain('lockwise: db/2_rename.sql:4: psql variable not parsed: ":\'new_name\'"');
  });

  it('shows with --verbose the dynamic SQL of a DO block, which it cannot check, and checks EXECUTE of a literal', () => {
    const block = `DO $$\nBEGIN\n  EXECUTE format('ALTER TABLE %I RENAME COLUMN username TO login', current_setting('app.table'));\n  EXECUTE 'ALTER TABLE users RENAME COLUMN email TO mail';\nEND\n$$;\n`;
    const dir = tempProject({ 'db/1_users.sql': CREATE_USERS, 'db/2_block.sql': `${LOCK}${block}` });
    const run = runCli(['lint', '-f', 'json', '--verbose', 'db'], { cwd: dir });
    expect(findings(run.stdout)).toEqual([['db/2_block.sql', 'no-rename-column', 5]]);
    expect(run.stderr).toContain(`lockwise: db/2_block.sql:4: dynamic SQL not parsed: "format('ALTER TABLE %I RENAME COLUMN username TO login', current_setting('app.table'))"`);
    // Without --verbose, once per file: its locks are unknown.
    expect(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stderr).toBe(
      `lockwise: db/2_block.sql:4: SQL a DO block builds at run time (EXECUTE "format('ALTER TABLE %I RENAME COLUMN username TO login', current_setting('app.table'))") not checked: its locks and rewrites are unknown; --verbose lists each\n`,
    );
  });

  it('says once per function, even without --verbose, that a call of a function neither PostgreSQL nor a migration made is not checked', () => {
    const partman = "DO $$\nBEGIN\n  CASE WHEN true THEN\n    PERFORM partman.create_parent('public.events', 'day');\n  END CASE;\nEND\n$$;\n";
    const dir = tempProject({
      'db/1_users.sql': `${CREATE_USERS}CREATE FUNCTION touch_users() RETURNS void LANGUAGE sql AS 'SELECT 1';\n`,
      'db/2_partitions.sql': `${partman}SELECT partman.create_parent('public.logs', 'day');\nSELECT touch_users(), now();\n`,
      'db/3_more.sql': "CALL partman.run_maintenance_proc();\nSELECT partman.create_parent('public.audit', 'day');\n",
    });
    expect(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stderr).toBe(
      'lockwise: db/2_partitions.sql:4: partman.create_parent() (and 2 calls after this one) not checked: it calls a function neither PostgreSQL nor a migration lockwise read made, whose locks and rewrites are unknown; --verbose lists each\n' +
        'lockwise: db/3_more.sql:1: partman.run_maintenance_proc() not checked: it calls a function neither PostgreSQL nor a migration lockwise read made, whose locks and rewrites are unknown; --verbose lists each\n',
    );
    const verbose = runCli(['lint', '-f', 'json', '--verbose', 'db'], { cwd: dir }).stderr;
    expect(verbose).toContain('lockwise: db/2_partitions.sql:8: not checked: it calls a function neither PostgreSQL nor a migration lockwise read made, whose locks and rewrites are unknown: "partman.create_parent()"\n');
    expect(verbose).not.toContain('touch_users');
  });

  it("checks what format() builds from constants and from a FOREACH loop's constant values, once for each value, at the template's place", () => {
    const tables = `${CREATE_USERS}CREATE TABLE orders (id bigint PRIMARY KEY);\n`;
    const addColumn = "    EXECUTE format('ALTER TABLE %I ADD COLUMN tenant text REFERENCES %I (id)', t, 'tenants');";
    const block = [
      'DO $$',
      'DECLARE',
      "  names text[] := ARRAY['users', 'orders'];",
      '  t text;',
      'BEGIN',
      '  FOREACH t IN ARRAY names LOOP',
      addColumn,
      "    EXECUTE format('ALTER TABLE %1$I ALTER COLUMN tenant SET NOT NULL', t);",
      '  END LOOP;',
      "  FOREACH t IN ARRAY ARRAY['Invoices'] LOOP",
      "    EXECUTE format('CREATE INDEX %I ON users (%s)', t || '_tenant_idx', 'tenant');",
      '  END LOOP;',
      'END',
      '$$;',
      '',
    ].join('\n');
    const dir = tempProject({ 'db/1_tables.sql': `${tables}CREATE TABLE tenants (id text PRIMARY KEY);\n`, 'db/2_tenant.sql': `${LOCK}${block}` });
    const run = runCli(['lint', '-f', 'json', 'db'], { cwd: dir });
    const diagnostics = (JSON.parse(run.stdout) as { diagnostics: Array<{ rule: string; line: number; column: number; message: string }> }).diagnostics;
    const at = (rule: string): string[] => diagnostics.filter((d) => d.rule === rule).map(({ line, column, message }) => `${line}:${column} ${message.split(':')[0]}`);
    const column = addColumn.indexOf('ALTER') + 1;
    // Once for each table of the loop, where the template stands.
    expect(at('require-check-before-set-not-null')).toEqual([
      `9:${column} SET NOT NULL on users.tenant scans the whole table for NULLs while holding an ACCESS EXCLUSIVE lock`,
      `9:${column} SET NOT NULL on orders.tenant scans the whole table for NULLs while holding an ACCESS EXCLUSIVE lock`,
    ]);
    expect(at('no-statements-after-access-exclusive')).toEqual([`8:${column} This statement runs while users is locked ACCESS EXCLUSIVE (taken on line 8, if the block runs the statement), a lock held until the transaction commits`]);
    expect(at('require-concurrent-index')).toEqual([`12:${column} CREATE INDEX without CONCURRENTLY holds a SHARE lock on users for the whole index build`]);
    expect(run.stderr).toBe('');
    // Values the loop does not hold as constants leave the SQL unknown, and said so.
    const unknown = tempProject({ 'db/1_tables.sql': tables, 'db/2_tenant.sql': `${LOCK}DO $$\nDECLARE t text;\nBEGIN\n  FOR t IN SELECT tablename FROM pg_tables LOOP\n    EXECUTE format('ALTER TABLE %I ADD COLUMN tenant text', t);\n  END LOOP;\nEND\n$$;\n` });
    const unknownRun = runCli(['lint', '-f', 'json', 'db'], { cwd: unknown });
    expect(findings(unknownRun.stdout)).toEqual([]);
    expect(unknownRun.stderr).toContain('lockwise: db/2_tenant.sql:6: SQL a DO block builds at run time');
  });

  it("checks EXECUTE of a literal with doubled quotes at the statement's place in the file", () => {
    const twoStatements = "  EXECUTE 'COMMENT ON TABLE users IS ''it''''s''; ALTER TABLE users RENAME COLUMN username TO login';";
    const block = `DO $$\nBEGIN\n  EXECUTE '\n    UPDATE users SET username = ''n/a'' || ''-''\n    WHERE username = ''''';\n${twoStatements}\nEND\n$$;\n`;
    const dir = tempProject({ 'db/1_users.sql': CREATE_USERS, 'db/2_block.sql': `${LOCK}${block}` });
    const run = runCli(['lint', '-f', 'json', 'db'], { cwd: dir });
    const diagnostics = (JSON.parse(run.stdout) as { diagnostics: Array<{ rule: string; line: number; column: number }> }).diagnostics;
    const renameColumn = twoStatements.indexOf('ALTER') + 1;
    expect(diagnostics.map(({ rule, line, column }) => `${rule}:${line}:${column}`)).toEqual(['no-unbatched-backfill:5:5', `no-rename-column:7:${renameColumn}`]);
    expect(run.stderr).toBe('');
  });

  it('ends the statement before \\gset, \\gexec and the other commands that send the query, as psql does', () => {
    const upgrade = [
      "\\set previous_version 'v1'",
      "SELECT app_version() = :'previous_version' AS valid_previous",
      '\\gset',
      '\\if :valid_previous',
      'BEGIN;',
      "SELECT format('CREATE OR REPLACE FUNCTION app_version() RETURNS text AS $$ SELECT %L $$ LANGUAGE sql', 'v2')",
      '  \\gexec',
      "SET LOCAL lock_timeout = '2s';",
      'ALTER TABLE users RENAME COLUMN username TO login;',
      'COMMIT;',
      '\\endif',
      '',
    ].join('\n');
    const dir = tempProject({ 'db/1_users.sql': CREATE_USERS, 'db/2_upgrade.sql': upgrade });
    const run = runCli(['lint', '-f', 'json', 'db'], { cwd: dir });
    expect(findings(run.stdout)).toEqual([['db/2_upgrade.sql', 'no-rename-column', 9]]);
    // After SQL on its line, as psql reads it too; not inside a string.
    const inline = "SELECT count(*) > 0 AS has_users FROM users \\gset\nSELECT 'it''s \\gset' AS note;\nALTER TABLE users RENAME COLUMN username TO login;\n";
    const inlineDir = tempProject({ 'db/1_users.sql': CREATE_USERS, 'db/2_upgrade.sql': `${LOCK}${inline}` });
    expect(findings(runCli(['lint', '-f', 'json', 'db'], { cwd: inlineDir }).stdout)).toEqual([['db/2_upgrade.sql', 'no-rename-column', 4]]);
  });

  it('still reports a syntax error in what remains', () => {
    const run = runCli(['lint', '-f', 'json', '-'], { input: "\\echo starting\nALTER TABLE {{t}} ADD COLUMN;\n" });
    expect(findings(run.stdout)).toEqual([['<stdin>', 'syntax-error', 2]]);
  });
});

function tempProjectFiles(dir: string, files: Record<string, string>): void {
  const created = tempProject(files);
  execFileSync('cp', ['-R', `${created}/.`, dir]);
}

describe('DO blocks whose IF the history decides', () => {
  const ifColumn = (test: 'EXISTS' | 'NOT EXISTS', table: string, column: string): string =>
    `${test} (SELECT 1 FROM information_schema.columns WHERE table_name = '${table}' AND column_name = '${column}')`;

  it('neither checks nor replays a branch the schema says is not taken, and says so with --verbose', () => {
    const block = `DO $$\nBEGIN\n  IF ${ifColumn('EXISTS', 'users', 'invite_link')} THEN\n    ALTER TABLE users DROP COLUMN invite_link;\n  END IF;\nEND\n$$;\n`;
    const dir = tempProject({ 'db/1_users.sql': CREATE_USERS, 'db/2_invite.sql': `${block}ALTER TABLE users ADD COLUMN invite_link text;\n` });
    const run = runCli(['lint', '-f', 'json', '--verbose', 'db'], { cwd: dir });
    // The ACCESS EXCLUSIVE lock is the ADD COLUMN's, on line 8; the block takes none.
    expect(findings(run.stdout)).toEqual([['db/2_invite.sql', 'require-lock-timeout', 8]]);
    expect(run.stderr).toContain('lockwise: db/2_invite.sql:4: not checked: the schema the migrations built says the IF of its DO block takes another branch: "ALTER TABLE users DROP COLUMN invite_link"');
  });

  it('says a statement of a branch the schema says is taken takes its locks, not that it may', () => {
    const block = (test: 'EXISTS' | 'NOT EXISTS'): string =>
      `BEGIN;\nDO $$\nBEGIN\n  IF ${ifColumn(test, 'users', 'email')} THEN\n    ALTER TABLE users ADD COLUMN email text;\n  END IF;\nEND\n$$;\nCREATE INDEX users_username_idx ON users (username);\nCOMMIT;\n`;
    const said = (test: 'EXISTS' | 'NOT EXISTS'): string[] =>
      lintedDiagnostics(tempProject({ 'db/1_users.sql': CREATE_USERS, 'db/2_email.sql': block(test) }))
        .filter((finding) => finding.rule === 'require-lock-timeout' || finding.rule === 'no-statements-after-access-exclusive')
        .map(({ line, message }) => `${line} ${message.split(', which')[0]!.split(', a lock')[0]}`);
    // users has no email: the branch runs.
    expect(said('NOT EXISTS')).toEqual(['5 This statement takes an ACCESS EXCLUSIVE lock on users', '9 This statement runs while users is locked ACCESS EXCLUSIVE (taken on line 5)']);
    // A test the schema cannot decide leaves it conditional (pg_type lists types of extensions too).
    const undecided = block('NOT EXISTS').replace(ifColumn('NOT EXISTS', 'users', 'email'), "NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'citext')");
    const hedged = lintedDiagnostics(tempProject({ 'db/1_users.sql': CREATE_USERS, 'db/2_email.sql': undecided })).find((finding) => finding.rule === 'require-lock-timeout');
    expect(hedged?.message).toContain('This statement may take an ACCESS EXCLUSIVE lock on users');
  });

  it('runs the ELSE branch when the test fails, and replays only it', () => {
    const rename = `DO $$\nBEGIN\n  IF ${ifColumn('EXISTS', 'users', 'mail')} THEN\n    ALTER TABLE users RENAME COLUMN mail TO email;\n  ELSE\n    ALTER TABLE users ADD COLUMN phone text;\n  END IF;\nEND\n$$;\n`;
    const required = `DO $$\nBEGIN\n  IF ${ifColumn('NOT EXISTS', 'users', 'phone')} THEN\n    ALTER TABLE users ADD COLUMN phone text NOT NULL;\n  END IF;\nEND\n$$;\n`;
    const dir = tempProject({ 'db/1_users.sql': CREATE_USERS, 'db/2_rename.sql': `${LOCK}${rename}`, 'db/3_phone.sql': `${LOCK}${required}` });
    expect(findings(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout)).toEqual([]);
    // Without the ELSE branch's column, the required column would be added.
    const withoutPhone = tempProject({ 'db/1_users.sql': CREATE_USERS, 'db/3_phone.sql': `${LOCK}${required}` });
    expect(findings(runCli(['lint', '-f', 'json', 'db'], { cwd: withoutPhone }).stdout)).toEqual([['db/3_phone.sql', 'no-add-required-column', 5]]);
  });

  it('decides no later test on what a branch it could not decide may have changed', () => {
    const block = [
      'DO $$',
      'BEGIN',
      "  IF EXISTS (SELECT 1 FROM pg_type WHERE typname = 'citext') THEN",
      '    ALTER TABLE users DROP COLUMN username;',
      '  END IF;',
      `  IF ${ifColumn('EXISTS', 'users', 'username')} THEN`,
      '    ALTER TABLE users RENAME COLUMN username TO login;',
      '  END IF;',
      'END',
      '$$;',
      '',
    ].join('\n');
    const dir = tempProject({ 'db/1_users.sql': CREATE_USERS, 'db/2_block.sql': `${LOCK}${block}` });
    const rules = findings(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout).map(([, rule, line]) => `${rule}:${line}`);
    expect(rules).toContain('no-rename-column:8');
  });

  it('decides no test that holds a template placeholder, whose stand-in may differ from the name', () => {
    const block = `DO $$\nBEGIN\n  IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = '{{ schema }}' AND table_name = 'users' AND column_name = 'mail') THEN\n    ALTER TABLE {{ schema }}.users RENAME COLUMN mail TO email;\n  END IF;\nEND\n$$;\n`;
    const dir = tempProject({ 'db/1_users.sql': 'CREATE TABLE {{ schema }}.users (id bigint PRIMARY KEY);\n', 'db/2_block.sql': `${LOCK}${block}` });
    expect(findings(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout)).toEqual([['db/2_block.sql', 'no-rename-column', 5]]);
  });
});

describe('materialized views known from the history', () => {
  const view = 'CREATE MATERIALIZED VIEW leaderboard AS SELECT player_id, sum(points) AS points FROM scores GROUP BY player_id;\n';
  const help = (stdout: string): Array<[string, string]> =>
    (JSON.parse(stdout) as { diagnostics: Array<{ rule: string; message: string; help?: string }> }).diagnostics.map((d) => [d.message, d.help ?? '']);

  it('names the earlier migration whose unique index lets a plain REFRESH become CONCURRENTLY', () => {
    const dir = tempProject({
      'db/001_leaderboard.sql': view,
      'db/002_index.sql': 'CREATE UNIQUE INDEX CONCURRENTLY ON leaderboard (player_id);\n',
      'db/003_refresh.sql': "SET lock_timeout = '2s';\nREFRESH MATERIALIZED VIEW leaderboard;\n",
    });
    const [[, advice]] = help(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout) as [[string, string]];
    expect(advice).toContain('leaderboard has the unique index leaderboard_player_id_idx (created in db/002_index.sql)');
  });

  it('says a view the history created has no usable unique index, instead of that it cannot tell', () => {
    const dir = tempProject({
      'db/001_leaderboard.sql': `${view}CREATE UNIQUE INDEX leaderboard_top_key ON leaderboard (player_id) WHERE points > 100;\n`,
      'db/002_refresh.sql': "SET lock_timeout = '2s';\nREFRESH MATERIALIZED VIEW leaderboard;\n",
      'db/003_refresh_concurrently.sql': "SET lock_timeout = '2s';\nREFRESH MATERIALIZED VIEW CONCURRENTLY leaderboard;\n",
    });
    const findings = help(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout);
    expect(findings[0]![1]).toContain('none of the indexes its migrations created on leaderboard is one');
    expect(findings[1]![0]).toContain('REFRESH MATERIALIZED VIEW CONCURRENTLY leaderboard fails');
    expect(findings).toHaveLength(2);
  });
});

describe('locks the history can name', () => {
  it('does not name among later locks a view the transaction creates, which no one else can see yet, but one it replaces', () => {
    const dir = tempProject({
      'db/001_tables.sql': 'CREATE TABLE request (id uuid PRIMARY KEY);\nCREATE TABLE response (id uuid PRIMARY KEY);\nCREATE POLICY p1 ON request FOR SELECT USING (true);\nCREATE POLICY p2 ON response FOR SELECT USING (true);\nCREATE VIEW old_v AS SELECT id FROM request;\n',
      'db/002_views.sql':
        "BEGIN;\nSET LOCAL lock_timeout = '2s';\nDROP POLICY p1 ON request;\nDROP POLICY p2 ON response;\nCREATE VIEW request_w AS SELECT id FROM request;\nALTER VIEW request_w OWNER TO CURRENT_USER;\nCREATE OR REPLACE VIEW old_v AS SELECT id FROM request;\nALTER VIEW old_v OWNER TO CURRENT_USER;\nCOMMIT;\n",
    });
    const message = (JSON.parse(runCli(['lint', '-f', 'json', 'db/002_views.sql'], { cwd: dir }).stdout) as JsonOutput).diagnostics.find((d) => d.rule === 'no-statements-after-access-exclusive')?.message;
    expect(message).toContain('and old_v (line 7) ACCESS EXCLUSIVE too');
    expect(message).not.toContain('request_w');
  });

  it("names the tables a DELETE's foreign keys delete or update rows of, following cascades on", () => {
    const dir = tempProject({
      'db/001_meters.sql':
        'CREATE TABLE meters (id bigint PRIMARY KEY, deleted_at timestamptz);\nCREATE TABLE meter_events (id bigint PRIMARY KEY, meter_id bigint NOT NULL);\nCREATE TABLE event_annotations (id bigint PRIMARY KEY, event_id bigint REFERENCES meter_events ON DELETE CASCADE);\nCREATE TABLE meter_alerts (id bigint PRIMARY KEY, meter_id bigint REFERENCES meters ON DELETE SET NULL);\nCREATE TABLE meter_notes (id bigint PRIMARY KEY, meter_id bigint REFERENCES meters);\n',
      'db/002_cascade.sql': 'ALTER TABLE meter_events ADD CONSTRAINT meter_events_meter_fkey FOREIGN KEY (meter_id) REFERENCES meters ON DELETE CASCADE NOT VALID;\n',
      'db/003_purge.sql': 'DELETE FROM meters WHERE deleted_at IS NOT NULL;\nDELETE FROM meter_notes;\n',
    });
    const messages = (JSON.parse(runCli(['lint', '-f', 'json', 'db/003_purge.sql'], { cwd: dir }).stdout) as JsonOutput).diagnostics
      .filter((diagnostic) => diagnostic.rule === 'no-unbatched-backfill')
      .map((diagnostic) => diagnostic.message.split('replicas lag.')[1]);
    expect(messages).toEqual([
      ' Foreign keys add to it: ON DELETE CASCADE deletes the matching rows of meter_events and event_annotations; ON DELETE SET NULL updates those of meter_alerts, in the same transaction.',
      '',
    ]);
  });

  const messages = (stdout: string): Array<[string, string]> =>
    (JSON.parse(stdout) as { diagnostics: Array<{ rule: string; message: string }> }).diagnostics.map((d) => [d.rule, d.message]);

  it("names the table of a dropped index the history created, and says only 'the table of' an index it never saw", () => {
    const dir = tempProject({
      'db/001_events.sql': 'CREATE TABLE events (id bigint PRIMARY KEY, kind text);\nCREATE INDEX events_kind_idx ON events (kind);\n',
      'db/002_drop.sql': 'DROP INDEX events_kind_idx;\nDROP INDEX IF EXISTS legacy_idx;\n',
    });
    const found = messages(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout);
    expect(found.find(([rule]) => rule === 'require-concurrent-index')?.[1]).toContain('ACCESS EXCLUSIVE lock on events, the table of events_kind_idx:');
    expect(found.find(([rule]) => rule === 'require-lock-timeout')?.[1]).toContain('ACCESS EXCLUSIVE lock on events,');
    expect(found.filter(([rule]) => rule === 'require-concurrent-index')[1]?.[1]).toMatch(/^Where legacy_idx exists \(no migration lockwise read created it\), .* lock on the table of legacy_idx:/);
  });

  it('says a table dropped IF EXISTS matters where it exists, when no migration created it', () => {
    const dir = tempProject({ 'db/001_users.sql': CREATE_USERS, 'db/002_drop.sql': "SET lock_timeout = '2s';\nDROP TABLE IF EXISTS job_statuses;\nDROP TABLE IF EXISTS users;\n" });
    const found = messages(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout);
    expect(found.map(([, message]) => message.slice(0, 60))).toEqual([
      'Where job_statuses exists (no migration lockwise read create',
      'Dropping table users breaks the application version still ru',
    ]);
  });

  it('names every table a statement locks when it asks for lock_timeout: the table a dropped foreign key references, and one a new key locks for writes', () => {
    const dir = tempProject({
      'db/001_init.sql':
        'CREATE TABLE workspace_apps (id bigint PRIMARY KEY);\nCREATE TABLE users (id bigint PRIMARY KEY);\nCREATE TABLE templates (id bigint PRIMARY KEY);\n' +
        'CREATE TABLE workspace_builds (id bigint PRIMARY KEY, app_id bigint CONSTRAINT workspace_builds_app_id_fkey REFERENCES workspace_apps (id));\n',
      'db/002_drop.sql': 'ALTER TABLE workspace_builds DROP CONSTRAINT workspace_builds_app_id_fkey;\n',
      'db/003_add.sql': 'ALTER TABLE templates ADD COLUMN created_by bigint REFERENCES users (id);\n',
    });
    const found = messages(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout).filter(([rule]) => rule === 'require-lock-timeout');
    expect(found.map(([, message]) => message.split(', with no lock_timeout')[0])).toEqual([
      'This statement takes an ACCESS EXCLUSIVE lock on workspace_builds and workspace_apps, which blocks every read and write of the tables',
      'This statement takes an ACCESS EXCLUSIVE lock on templates, which blocks every read and write of the table, and a SHARE ROW EXCLUSIVE lock on users, which blocks every write to the table',
    ]);
  });

  it('says that only writes queue behind a waiting lock that lets reads through, and every query behind one that does not', () => {
    const dir = tempProject({
      'db/001_orders.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);\n',
      'db/002_index.sql': 'CREATE INDEX orders_total ON orders (total);\n',
      'db/003_alter.sql': 'ALTER TABLE orders ADD COLUMN note text;\n',
    });
    const timeouts = messages(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout).filter(([rule]) => rule === 'require-lock-timeout');
    // Seen on PostgreSQL 18 (Stellar Horizon's reader): a SELECT returned at once while a CREATE INDEX waited, an INSERT waited.
    expect(timeouts[0]![1]).toContain('and every write to the table that arrives after it waits behind it');
    expect(timeouts[1]![1]).toContain('and every query on the table that arrives after it waits behind it');
  });

  it('says a view is locked, not a table, when the history created a view', () => {
    const dir = tempProject({
      'db/001_orders.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);\nCREATE VIEW order_totals AS SELECT sum(total) AS total FROM orders;\n',
      'db/002_drop.sql': 'DROP VIEW order_totals;\n',
    });
    const found = messages(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout);
    expect(found.map(([rule]) => rule)).toEqual(['require-deprecation-before-drop', 'require-lock-timeout']);
    expect(found[0]![1]).toMatch(/^Dropping view order_totals breaks the application version still running during the deploy if it still uses the view/);
    const message = found[1]![1];
    expect(message).toContain('ACCESS EXCLUSIVE lock on order_totals, which blocks every read and write of the view,');
    expect(message).toContain('every query on the view that arrives after it waits behind it');
  });

  it('says a view is locked when the statement says so, for a view no migration made (Mobility Database)', () => {
    const dir = tempProject({ 'db/001_drop.sql': 'DROP VIEW IF EXISTS location_with_translations;\n' });
    const timeout = lintedDiagnostics(dir).find((d) => d.rule === 'require-lock-timeout')!.message;
    expect(timeout).toContain('ACCESS EXCLUSIVE lock on location_with_translations, which blocks every read and write of the view,');
  });

  it('says a composite type is locked, and that the queries using it wait, not the reads and writes of a table', () => {
    const dir = tempProject({
      'db/001_jwt.sql': 'CREATE TYPE jwt_token AS (role text, person_ids bigint[]);\n',
      'db/002_alter.sql': 'BEGIN;\nALTER TYPE jwt_token ALTER ATTRIBUTE person_ids TYPE json;\nSELECT 1;\nCOMMIT;\n',
    });
    const found = lintedDiagnostics(dir);
    const timeout = found.find((d) => d.rule === 'require-lock-timeout')!.message;
    // Seen on PostgreSQL 18 (Sirimbo's 000028): a call of a function returning the type, and a cast to it, waited on the lock.
    expect(timeout).toContain('ACCESS EXCLUSIVE lock on jwt_token, which blocks every query that uses the type,');
    expect(timeout).toContain('every query that uses the type that arrives after it waits behind it');
    expect(found.find((d) => d.rule === 'no-statements-after-access-exclusive')!.message).toContain('a lock held until the transaction commits: every query that uses the type waits for this statement too');
  });

  it('says what it knows in help and follow-up messages: a view held locked, a DELETE done in batches, the type of a new column', () => {
    const dir = tempProject({
      'db/001_orders.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);\nCREATE VIEW order_totals AS SELECT sum(total) AS total FROM orders;\n',
      'db/002_redefine.sql':
        "BEGIN;\nSET LOCAL lock_timeout = '2s';\nDROP VIEW order_totals;\nCREATE VIEW order_totals AS SELECT sum(total) AS total, count(*) AS n FROM orders;\nDELETE FROM orders WHERE total IS NULL;\nALTER TABLE orders ADD COLUMN metadata bytea NOT NULL;\nCOMMIT;\n",
    });
    const found = lintedDiagnostics(dir);
    const of = (rule: string) => found.find((d) => d.rule === rule)!;
    expect(of('no-statements-after-access-exclusive').message).toContain('every read and write of the view waits for this statement too');
    expect(of('no-unbatched-backfill').help).toMatch(/^Delete in batches of 1,000 to 10,000 rows/);
    expect(of('no-add-required-column').help).toContain('ADD COLUMN metadata bytea NOT NULL DEFAULT <constant>;');
  });

  it('words its help from what the migration makes: a batch key the WHERE does not fix, no writes to a table made in it, no move of a statement built on', () => {
    const dir = tempProject({
      'db/001_tables.sql':
        'CREATE TABLE search_index (type text NOT NULL, entity_id text NOT NULL, url_path text, PRIMARY KEY (type, entity_id));\nCREATE TABLE owners (id bigint PRIMARY KEY, team_id bigint);\nCREATE TABLE runs (id bigint PRIMARY KEY);\nCREATE TABLE job_runs (id bigint PRIMARY KEY);\n',
      'db/002_changes.sql': [
        "SET lock_timeout = '2s';",
        'BEGIN;',
        "UPDATE search_index SET url_path = '/discover/' || entity_id WHERE type = 'asset';",
        'CREATE TABLE teams (id bigint PRIMARY KEY);',
        'ALTER TABLE owners ADD CONSTRAINT owners_team_fk FOREIGN KEY (team_id) REFERENCES teams (id);',
        'COMMIT;',
        'BEGIN;',
        'ALTER TABLE job_runs ADD COLUMN run_id bigint REFERENCES runs (id);',
        'CREATE INDEX job_runs_run_id_idx ON job_runs (run_id);',
        'COMMIT;',
        '',
      ].join('\n'),
    });
    const found = lintedDiagnostics(dir);
    const of = (rule: string) => found.find((d) => d.rule === rule)!;
    // search_index's key is (type, entity_id), and the UPDATE holds type to 'asset': batches go by entity_id.
    expect(of('no-unbatched-backfill').help).toContain("UPDATE search_index SET ... WHERE entity_id >= $1 AND entity_id < $2 AND ...;");
    // teams is this migration's, so no one writes to it yet: only owners' writes wait.
    expect(of('require-not-valid').message).toContain('while holding a SHARE ROW EXCLUSIVE lock on owners: writes to it wait for the whole scan.');
    expect(of('no-slow-statements-after-write-lock').help).toBe(
      'Commit before this statement, so that what the statement on line 8 locked is released first: this statement uses what it made, so it cannot move after it.',
    );
  });

  it('words its help for a runner that applies every pending migration in one transaction, and names the tables a DROP TABLE locks through its keys (racesow)', () => {
    const up = (sql: string): string => `-- Up Migration\n${sql}\n-- Down Migration\n`;
    const dir = tempProject({
      'db/20260714000000000_baseline.sql': up('CREATE TABLE map (id bigint PRIMARY KEY);\nCREATE TABLE player (id bigint PRIMARY KEY);\nCREATE TABLE race (id bigint PRIMARY KEY, map_id bigint REFERENCES map (id), player_id bigint REFERENCES player (id));\nCREATE TABLE totals (player_id bigint, n bigint);'),
      'db/20260716000000000_replays.sql': up(
        [
          "SET lock_timeout = '2s';",
          'CREATE TRIGGER race_touch AFTER INSERT ON race FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();',
          'CREATE TRIGGER player_touch AFTER INSERT ON player FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();',
          'INSERT INTO totals SELECT player_id, count(*) FROM race GROUP BY player_id;',
          'DROP TABLE race;',
        ].join('\n'),
      ),
    });
    const found = lintedDiagnostics(dir);
    const of = (rule: string) => found.find((d) => d.rule === rule)!;
    expect(of('no-slow-statements-after-write-lock').help).toMatch(
      /^Put this statement in a migration of its own \(with node-pg-migrate's runner, a migration of a later deploy: it runs every migration pending in a deploy inside one transaction\), or move the statements on lines 3 and 4 to the end/,
    );
    expect(of('require-deprecation-before-drop').message).toContain('It takes an ACCESS EXCLUSIVE lock on race, and on map and player, which its foreign keys link it to.');
  });

  it('names the columns of UPDATE OF among the events of a trigger that refreshes a materialized view (Sirimbo)', () => {
    const dir = tempProject({
      'db/001_posting.sql': 'CREATE TABLE posting (id bigint PRIMARY KEY, amount numeric);\nCREATE MATERIALIZED VIEW balances AS SELECT sum(amount) AS total FROM posting;\n',
      'db/002_trigger.sql': [
        "SET lock_timeout = '2s';",
        'CREATE FUNCTION fix_balances() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN REFRESH MATERIALIZED VIEW balances; RETURN NULL; END $$;',
        'CREATE TRIGGER fix_balances AFTER INSERT OR UPDATE OF amount OR DELETE ON posting FOR EACH STATEMENT EXECUTE FUNCTION fix_balances();',
        '',
      ].join('\n'),
    });
    expect(lintedDiagnostics(dir).find((d) => d.rule === 'no-refresh-in-trigger')!.message).toMatch(/^Each INSERT, UPDATE OF amount and DELETE on posting now runs fix_balances\(\)/);
  });

  it('takes DROP CONSTRAINT IF EXISTS of a key a table the migrations made does not have as dropping nothing (Sirimbo)', () => {
    const dir = tempProject({
      'db/001_tables.sql': 'CREATE TABLE tenant (id bigint PRIMARY KEY);\nCREATE TABLE adjustment (id bigint PRIMARY KEY, tenant_id bigint);\n',
      'db/002_key.sql': "SET lock_timeout = '2s';\nALTER TABLE adjustment DROP CONSTRAINT IF EXISTS adjustment_tenant_id_fkey, ADD CONSTRAINT adjustment_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenant;\n",
    });
    expect(lintedDiagnostics(dir).find((d) => d.rule === 'require-not-valid')!.message).toContain('and a SHARE ROW EXCLUSIVE lock on tenant: no reads or writes of adjustment, and no writes to tenant, until the scan finishes');
  });

  it('says a new identity on a column with keys starts at 1 unless START WITH or setval() moves it', () => {
    const dir = tempProject({
      'db/001_event.sql': 'CREATE TABLE event (id bigint NOT NULL PRIMARY KEY);\nCREATE TABLE room (id bigint NOT NULL PRIMARY KEY);\n',
      'db/002_identity.sql': "SET lock_timeout = '2s';\nALTER TABLE event ALTER id ADD GENERATED ALWAYS AS IDENTITY;\nALTER TABLE room ALTER id ADD GENERATED ALWAYS AS IDENTITY (START WITH 1000);\n",
    });
    const [event, room] = lintedDiagnostics(dir).filter((d) => d.rule === 'no-identity-always-on-existing-column');
    expect(event!.message).toContain('Its sequence also starts at 1, as no START WITH says otherwise');
    expect(room!.message).not.toContain('starts at 1');
  });

  it('hedges a rename or move with IF EXISTS of a table no migration made (Sirimbo)', () => {
    const dir = tempProject({
      'db/001_schema.sql': 'CREATE SCHEMA app_private;\nCREATE TABLE platby_category_group (id bigint PRIMARY KEY);\n',
      'db/002_move.sql': "SET lock_timeout = '2s';\nALTER TABLE IF EXISTS platby_group_category SET SCHEMA app_private;\nALTER TABLE platby_category_group SET SCHEMA app_private;\n",
    });
    const [unknown, known] = lintedDiagnostics(dir).filter((d) => d.rule === 'no-rename-table');
    expect(unknown!.message).toMatch(/^Where platby_group_category exists \(no migration lockwise read created it\), moving table platby_group_category to schema app_private breaks/);
    expect(known!.message).toMatch(/^Moving table platby_category_group to schema app_private breaks/);
  });

  it('keeps NULLS NOT DISTINCT in the index it asks to build for a unique constraint (Sirimbo)', () => {
    const dir = tempProject({
      'db/001_account.sql': 'CREATE TABLE account (tenant_id bigint, person_id bigint);\n',
      'db/002_key.sql': "SET lock_timeout = '2s';\nALTER TABLE account ADD CONSTRAINT account_key UNIQUE NULLS NOT DISTINCT (tenant_id, person_id);\n",
    });
    const help = lintedDiagnostics(dir).find((d) => d.rule === 'require-unique-using-index')!.help;
    expect(help).toContain('CREATE UNIQUE INDEX CONCURRENTLY account_key ON account (tenant_id, person_id) NULLS NOT DISTINCT;');
  });

  it('hedges what it cannot see: a column no migration added, dropped IF EXISTS and added again; a change to citext from an unknown type', () => {
    const dir = tempProject({
      'db/001_events.sql': 'ALTER TABLE legacy_events ADD COLUMN kind text;\n',
      'db/002_guard.sql': [
        "SET lock_timeout = '2s';",
        'BEGIN;',
        'ALTER TABLE legacy_events DROP COLUMN IF EXISTS scheduled_since;',
        'ALTER TABLE legacy_events ADD COLUMN scheduled_since timestamptz;',
        'ALTER TABLE legacy_users ALTER COLUMN login TYPE citext;',
        'COMMIT;',
        '',
      ].join('\n'),
    });
    const found = lintedDiagnostics(dir);
    const of = (rule: string) => found.find((d) => d.rule === rule)!;
    expect(of('require-deprecation-before-drop').message).toMatch(/^Where legacy_events\.scheduled_since exists \(no migration lockwise read added it\), dropping legacy_events\.scheduled_since and adding it again under the same name loses every value it held/);
    expect(of('no-rewriting-type-change').message).toContain('(as text or varchar to citext), PostgreSQL rewrites all of legacy_users and its indexes under an ACCESS EXCLUSIVE lock. Even then, citext indexes compare case-insensitively');
  });

  it('says a unique index replaced by a partial one before COMMIT is no arbiter for ON CONFLICT any more, and names its line', () => {
    const dir = tempProject({
      'db/001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\nCREATE UNIQUE INDEX users_email_idx ON users (email);\n',
      'db/002_soft_delete.sql':
        "SET lock_timeout = '2s';\nBEGIN;\nALTER TABLE users ADD COLUMN deleted boolean NOT NULL DEFAULT false;\nDROP INDEX users_email_idx;\nCREATE UNIQUE INDEX users_email_idx ON users (email) WHERE deleted = false;\nCOMMIT;\n",
    });
    const found = lintedDiagnostics(dir);
    const dropped = found.find((d) => d.rule === 'no-drop-unique-index')!;
    expect(dropped.message).toContain('no unique index on (email) that INSERT ... ON CONFLICT (email) can use: the one line 5 builds has a WHERE clause');
    expect(dropped.message).not.toContain('nothing keeps');
    expect(dropped.help).toMatch(/^Release first an application whose upserts on \(email\) name the WHERE clause of the index line 5 builds/);
  });

  it('says a DELETE of every row before ADD COLUMN NOT NULL leaves the rows other sessions commit meanwhile, unlike TRUNCATE', () => {
    const dir = tempProject({
      'db/001_licenses.sql': 'CREATE TABLE licenses (id bigint PRIMARY KEY, uploaded_at timestamptz NOT NULL);\n',
      'db/002_jwt.sql': "SET lock_timeout = '2s';\nBEGIN;\nDELETE FROM licenses;\nALTER TABLE licenses ADD COLUMN jwt text NOT NULL;\nCOMMIT;\n",
    });
    const required = lintedDiagnostics(dir).find((d) => d.rule === 'no-add-required-column')!;
    expect(required.line).toBe(4);
    expect(required.message).toContain('the DELETE on line 3 of this transaction removed the rows of licenses committed before it, but a DELETE does not keep other sessions from adding rows');
  });

  it('calls a view dropped for a rebuild a view in the statements after its DROP, before it is made again', () => {
    const dir = tempProject({
      'db/001_accounts.sql': 'CREATE TABLE accounts (id bigint PRIMARY KEY, name text);\nCREATE VIEW account_view AS SELECT id, name FROM accounts;\nCREATE VIEW account_names AS SELECT name FROM accounts;\n',
      'db/002_rebuild.sql':
        "BEGIN;\nSET LOCAL lock_timeout = '2s';\nDROP VIEW account_view;\nDROP VIEW account_names;\nCREATE VIEW account_view AS SELECT id, name, length(name) AS l FROM accounts;\nCREATE VIEW account_names AS SELECT name, length(name) AS l FROM accounts;\nCOMMIT;\n",
    });
    const found = lintedDiagnostics(dir);
    const after = found.find((d) => d.rule === 'no-statements-after-access-exclusive')!;
    expect(after.line).toBe(4);
    expect(after.message).toContain('while account_view is locked ACCESS EXCLUSIVE (taken on line 3), a lock held until the transaction commits: every read and write of the view waits');
  });

  it('names each table whose writes wait once, under the strongest lock the transaction holds on it, with the lines that took it', () => {
    const dir = tempProject({
      'db/001_orders.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);\nCREATE TABLE ledger (id bigint PRIMARY KEY, order_id bigint);\n',
      'db/002_audit.sql':
        "SET lock_timeout = '2s';\nBEGIN;\nCREATE TRIGGER orders_audit AFTER UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION audit();\nCREATE TRIGGER orders_check BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION check_total();\nLOCK TABLE ledger IN SHARE MODE;\nLOCK TABLE ledger IN EXCLUSIVE MODE;\nUPDATE orders SET total = 0 WHERE total IS NULL;\nCOMMIT;\n",
    });
    const found = lintedDiagnostics(dir);
    expect(found.find((d) => d.rule === 'no-slow-statements-after-write-lock')?.message).toContain(
      'while the transaction holds SHARE ROW EXCLUSIVE on orders (lines 3 and 4) and EXCLUSIVE on ledger (line 6) until it commits: writes to orders and ledger wait',
    );
  });

  it('suggests, for an index name already taken, the name PostgreSQL would choose, numbered past the names the history took', () => {
    const dir = tempProject({
      'db/001_orders.sql':
        'CREATE TABLE orders (id bigint PRIMARY KEY, email text, account_id bigint);\nCREATE INDEX orders_email ON orders (account_id);\nCREATE INDEX ON orders (lower(email));\n',
      'db/002_index.sql': 'CREATE INDEX CONCURRENTLY orders_email ON orders (lower(email));\n',
    });
    const found = lintedDiagnostics(dir);
    expect(found.find((d) => d.rule === 'no-index-name-collision')?.help).toMatch(/^Give the new index a name of its own, such as orders_lower_idx1; /);
  });

  it("names quoted types as written, and a USING chain's change from the old type to the new, not its text step", () => {
    const dir = tempProject({
      'db/001_init.sql': 'CREATE TYPE "Role" AS ENUM (\'USER\', \'ADMIN\');\nCREATE TABLE "Membership" ("id" integer PRIMARY KEY, "role" "Role" NOT NULL);\n',
      'db/002_swap.sql': "SET lock_timeout = '2s';\nCREATE TYPE \"Role_new\" AS ENUM ('USER');\nALTER TABLE \"Membership\" ALTER COLUMN \"role\" TYPE \"Role_new\" USING (\"role\"::text::\"Role_new\");\n",
    });
    const found = messages(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout);
    expect(found.map(([rule]) => rule)).toEqual(['no-enum-value-rename', 'no-rewriting-type-change']);
    expect(found[1]![1]).toMatch(/^Changing "Membership".role from "Role" to "Role_new" cannot keep the stored values/);
  });

  it('names a table once when its new foreign key references itself', () => {
    const dir = tempProject({ 'db/001_tree.sql': "SET lock_timeout = '2s';\nALTER TABLE nodes ADD FOREIGN KEY (parent_id) REFERENCES nodes (id);\n" });
    const [[rule, message]] = messages(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout) as [[string, string]];
    expect(rule).toBe('require-not-valid');
    expect(message).toContain('SHARE ROW EXCLUSIVE lock on nodes: writes to it wait for the whole scan.');
  });

  it('names both tables of a foreign key whose column changes type, on either side', () => {
    const dir = tempProject({
      'db/001_tables.sql': 'CREATE TABLE users (id integer PRIMARY KEY);\nCREATE TABLE bookings (id integer PRIMARY KEY, user_id integer REFERENCES users (id));\n',
      'db/002_child_side.sql': "SET lock_timeout = '2s';\nBEGIN;\nALTER TABLE bookings ALTER COLUMN user_id TYPE bigint;\nSELECT 1;\nCOMMIT;\n",
      'db/003_parent_side.sql': "SET lock_timeout = '2s';\nBEGIN;\nALTER TABLE users ALTER COLUMN id TYPE bigint;\nSELECT 1;\nCOMMIT;\n",
    });
    const found = messages(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout).filter(([rule]) => rule === 'no-statements-after-access-exclusive');
    expect(found.map(([, message]) => message.slice(0, 70))).toEqual([
      'This statement runs while bookings and users are locked ACCESS EXCLUSI',
      'This statement runs while users and bookings are locked ACCESS EXCLUSI',
    ]);
    // The referenced column's new type compares with another operator: the referencing table is scanned to check the key again.
    const rewrites = messages(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout).filter(([rule]) => rule === 'no-rewriting-type-change');
    expect(rewrites.map(([, message]) => message.includes('checked again'))).toEqual([false, true]);
    expect(rewrites[1]![1]).toContain('The foreign keys of bookings that reference users.id are checked again too, scanning bookings under an ACCESS EXCLUSIVE lock.');
  });

  it('follows a foreign key to a column renamed since, and to its own table\'s renamed column (quickwit)', () => {
    const dir = tempProject({
      'db/001_tables.sql':
        'CREATE TABLE indexes (id varchar(50) PRIMARY KEY);\nCREATE TABLE splits (id bigint PRIMARY KEY, index_id varchar(50) REFERENCES indexes (id), parent_id bigint REFERENCES splits (id));\n',
      'db/002_rename.sql':
        "SET lock_timeout = '2s';\nBEGIN;\nALTER TABLE indexes RENAME COLUMN id TO uid;\nALTER TABLE indexes ALTER COLUMN uid TYPE varchar(64);\nALTER TABLE splits RENAME COLUMN id TO split_id;\nALTER TABLE splits ALTER COLUMN split_id TYPE integer;\nCOMMIT;\n",
    });
    const found = messages(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout);
    // The type change of indexes.uid rebuilds the key of splits that references it: splits is locked on line 4.
    expect(found.find(([rule]) => rule === 'no-statements-after-access-exclusive')?.[1]).toContain('lock splits (line 4) ACCESS EXCLUSIVE too');
    expect(found.filter(([rule]) => rule === 'no-rewriting-type-change').map(([, message]) => message.slice(0, 47))).toEqual(['Changing splits.split_id from bigint to integer']);
  });

  it('follows a foreign key to a table renamed since (Bytebase\'s worksheet, now saved_query)', () => {
    const dir = tempProject({
      'db/001_tables.sql':
        'CREATE TABLE worksheet (id text PRIMARY KEY);\nCREATE TABLE worksheet_organizer (worksheet text NOT NULL REFERENCES worksheet (id), principal text NOT NULL);\n',
      'db/002_rename.sql': "SET lock_timeout = '2s';\nALTER TABLE worksheet RENAME TO saved_query;\n",
      'db/003_drop.sql': "SET lock_timeout = '2s';\nBEGIN;\nSELECT 1;\nDROP TABLE worksheet_organizer;\nSELECT 2;\nCOMMIT;\n",
    });
    const after = messages(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout).find(([rule]) => rule === 'no-statements-after-access-exclusive')?.[1];
    // Dropping the table drops its foreign key, which locks the table it references.
    expect(after).toContain('This statement runs while saved_query is locked ACCESS EXCLUSIVE (taken on line 4)');
  });

  it('names the table a dropped foreign key references as locked', () => {
    const dir = tempProject({
      'db/001_accounts.sql': 'CREATE TABLE accounts (id bigint PRIMARY KEY);\nCREATE TABLE invoices (id bigint PRIMARY KEY, account_id bigint REFERENCES accounts (id));\n',
      'db/002_drop_key.sql': "SET lock_timeout = '2s';\nBEGIN;\nALTER TABLE invoices DROP CONSTRAINT invoices_account_id_fkey;\nUPDATE invoices SET account_id = NULL WHERE id = 1;\nCOMMIT;\n",
    });
    const found = messages(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout);
    expect(found).toHaveLength(1);
    expect(found[0]![1]).toContain('runs while invoices and accounts are locked ACCESS EXCLUSIVE (taken on line 3)');
  });

  it('names among the later locks the table a dropped table references, not the tables the transaction drops', () => {
    const dir = tempProject({
      'db/001_init.sql':
        'CREATE TABLE tenants (id uuid PRIMARY KEY);\nCREATE TABLE installs (id uuid PRIMARY KEY, tenant_id uuid REFERENCES tenants (id));\nCREATE TABLE hooks (id uuid PRIMARY KEY, install_id uuid REFERENCES installs (id));\nCREATE TABLE runs (id uuid PRIMARY KEY, branch text);\n',
      'db/002_retire.sql': "COMMENT ON TABLE installs IS 'deprecated: unused';\nCOMMENT ON TABLE hooks IS 'deprecated: unused';\nCOMMENT ON COLUMN runs.branch IS 'deprecated: unused';\n",
      // Dropping hooks locks installs, which the transaction drops next: only tenants, which stays, is named.
      'db/003_drop.sql': "SET lock_timeout = '2s';\nBEGIN;\nALTER TABLE runs DROP COLUMN branch;\nDROP TABLE hooks;\nDROP TABLE installs;\nCOMMIT;\n",
    });
    const found = messages(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout).filter(([rule]) => rule === 'no-statements-after-access-exclusive');
    expect(found).toHaveLength(1);
    expect(found[0]![1]).toMatch(/runs while runs is locked ACCESS EXCLUSIVE \(taken on line 3\).* Later statements of the transaction lock tenants \(line 5\) ACCESS EXCLUSIVE too, until it commits\.$/);
  });

  it('names the tables later statements of the transaction lock, and the table of a dropped index', () => {
    const dir = tempProject({
      'db/001_init.sql':
        'CREATE TABLE ideas (id bigint PRIMARY KEY);\nCREATE TABLE comments (id bigint PRIMARY KEY, idea_id bigint REFERENCES ideas (id));\nCREATE TABLE hooks (id bigint PRIMARY KEY, config jsonb);\nCREATE UNIQUE INDEX hooks_config_key ON hooks (config);\n',
      'db/002_change.sql':
        "SET lock_timeout = '2s';\nBEGIN;\nALTER TABLE comments ADD COLUMN tenant_id bigint;\nSELECT 1;\nALTER TABLE comments DROP CONSTRAINT comments_idea_id_fkey;\nSELECT 2;\nCOMMIT;\nBEGIN;\nDROP INDEX hooks_config_key;\nUPDATE hooks SET config = '{}' WHERE id = 1;\nCOMMIT;\n",
    });
    const found = messages(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout).filter(([rule]) => rule === 'no-statements-after-access-exclusive');
    expect(found.map(([, message]) => message.slice(0, message.indexOf(', a lock')))).toEqual([
      'This statement runs while comments is locked ACCESS EXCLUSIVE (taken on line 3)',
      'This statement runs while hooks is locked ACCESS EXCLUSIVE (taken on line 9)',
    ]);
    expect(found[0]![1]).toMatch(/for any lock it has to wait for\. Later statements of the transaction lock ideas \(line 5\) ACCESS EXCLUSIVE too, until it commits\.$/);
    expect(found[1]![1]).toMatch(/for any lock it has to wait for\.$/);
  });

  it('says a foreign key is validated under the ACCESS EXCLUSIVE lock an earlier statement of the transaction took', () => {
    const dir = tempProject({
      'db/001_base.sql': 'CREATE TABLE prompts (id text PRIMARY KEY);\nCREATE TABLE observations (id text PRIMARY KEY);\n',
      'db/002_key.sql':
        "SET lock_timeout = '2s';\nBEGIN;\nALTER TABLE observations ADD COLUMN prompt_id text;\nALTER TABLE observations ADD CONSTRAINT observations_prompt_id_fkey FOREIGN KEY (prompt_id) REFERENCES prompts (id);\nCOMMIT;\n",
    });
    const found = messages(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout).filter(([rule]) => rule === 'require-not-valid');
    expect(found.map(([, message]) => message)).toEqual([
      'ADD CONSTRAINT observations_prompt_id_fkey FOREIGN KEY on observations scans the whole table to validate it while the transaction holds an ACCESS EXCLUSIVE lock on observations (taken on line 3, and held until it commits) and a SHARE ROW EXCLUSIVE lock on prompts: no reads or writes of observations, and no writes to prompts, until the scan finishes.',
    ]);
  });

  it('names the table of an index as the migrations wrote it, after the table was renamed', () => {
    const dir = tempProject({
      'db/001_create.sql': 'CREATE TABLE ideas (id bigint PRIMARY KEY, slug text);\nCREATE UNIQUE INDEX idea_slug_key ON ideas (slug);\n',
      'db/002_rename.sql': 'ALTER TABLE ideas RENAME TO posts;\n',
      'db/003_recreate.sql': "SET lock_timeout = '2s';\nBEGIN;\nDROP INDEX idea_slug_key;\nSELECT 1;\nCOMMIT;\n",
    });
    const found = messages(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout).filter(([rule]) => rule === 'no-statements-after-access-exclusive' || rule === 'require-concurrent-index');
    expect(found.map(([, message]) => message.slice(0, 60))).toEqual([
      'DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lo',
      'This statement runs while posts is locked ACCESS EXCLUSIVE (',
    ]);
    expect(found[0]![1]).toContain('lock on posts, the table of idea_slug_key');
  });
});

describe('what --verbose says about a folder', () => {
  it('names the migrations folder, not its first migration, for a framework with a folder per migration', () => {
    const dir = tempProject({
      'migrations/2024-01-01-000000_create_users/up.sql': CREATE_USERS,
      'migrations/2024-01-01-000000_create_users/down.sql': 'DROP TABLE users;\n',
      'migrations/2024-02-01-000000_add_email/up.sql': `${LOCK}ALTER TABLE users ADD COLUMN email text;\n`,
    });
    const run = runCli(['lint', '--verbose', 'migrations'], { cwd: dir });
    expect(run.stderr).toContain('lockwise: migrations: diesel migrations, 2 in order\n');
  });

  it('runs a sqlx migration in a transaction, where CONCURRENTLY fails, unless its first line opts out', () => {
    const dir = tempProject({
      'Cargo.toml': '[package]\nname = "app"\n',
      'migrations/1_users.sql': CREATE_USERS,
      'migrations/2_index.sql': 'CREATE INDEX CONCURRENTLY users_username_idx ON users (username);\n',
      'migrations/3_index.sql': '-- no-transaction\nCREATE INDEX CONCURRENTLY users_id_username_idx ON users (id, username);\n',
    });
    const run = runCli(['lint', '-f', 'json', '--verbose', 'migrations'], { cwd: dir });
    expect(run.stderr).toContain('lockwise: migrations: sqlx migrations, 3 in order\n');
    expect(findings(run.stdout)).toEqual([['migrations/2_index.sql', 'no-concurrently-in-transaction', 1]]);
    // What the tool does with most files is said once for the folder, naming the files it does not hold for.
    expect(run.stderr).toContain('lockwise: migrations: sqlx: runs each migration in a transaction (all 3 migrations but 3_index.sql)\n');
    expect(run.stderr).toContain('lockwise: migrations/3_index.sql: sqlx: -- no-transaction; the file still goes as one query\n');
    expect(run.stderr.match(/runs each migration in a transaction/g)).toHaveLength(1);
  });

  it("sends a sqlx -- no-transaction file as one query, where two CONCURRENTLY statements fail, and skips a file sqlx skips for its name (quickwit's)", () => {
    const dir = tempProject({
      'Cargo.toml': '[package]\nname = "app"\n',
      'migrations/1_users.up.sql': CREATE_USERS,
      'migrations/2-change-pkey.up.sql': 'ALTER TABLE users DROP CONSTRAINT users_pkey;\n',
      'migrations/3_index.up.sql':
        '-- no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS users_username_idx;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_username_idx ON users (username);\n',
    });
    const run = runCli(['lint', '-f', 'json', 'migrations'], { cwd: dir });
    expect(findings(run.stdout)).toEqual([
      ['migrations/3_index.up.sql', 'no-concurrently-in-transaction', 2],
      ['migrations/3_index.up.sql', 'no-concurrently-in-transaction', 3],
    ]);
    expect(run.stderr).toContain('lockwise: migrations: sqlx does not run 1 SQL file in it, so it is not linted (migrations/2-change-pkey.up.sql: not named <version>_<description>.sql: sqlx skips or refuses it)');
  });

  it('runs a pop migration in a transaction, where CONCURRENTLY fails, unless its name says .autocommit, and leaves other dialects alone', () => {
    const dir = tempProject({
      'sql/20240101000000000000_users.postgres.up.sql': CREATE_USERS,
      'sql/20240101000000000000_users.mysql.up.sql': 'CREATE TABLE `users` (id int);\n',
      'sql/20240102000000000000_index.postgres.up.sql': 'CREATE INDEX CONCURRENTLY users_username_idx ON users (username);\n',
      'sql/20240103000000000000_index.postgres.autocommit.up.sql': 'CREATE INDEX CONCURRENTLY users_id_username_idx ON users (id, username);\n',
    });
    const run = runCli(['lint', '-f', 'json', '--verbose', 'sql'], { cwd: dir });
    expect(run.stderr).toContain('lockwise: sql: pop migrations, 3 in order\n');
    expect(findings(run.stdout)).toEqual([['sql/20240102000000000000_index.postgres.up.sql', 'no-concurrently-in-transaction', 1]]);
  });

  it('says a note every migration of a folder shares once, with the folder\'s name', () => {
    const dir = tempProject({
      'migrations/2024-01-01-000000_create_users/up.sql': CREATE_USERS,
      'migrations/2024-02-01-000000_add_email/up.sql': `${LOCK}ALTER TABLE users ADD COLUMN email text;\n`,
      'migrations/2024-03-01-000000_add_name/up.sql': `${LOCK}ALTER TABLE users ADD COLUMN name text;\n`,
      'migrations/2024-03-01-000000_add_name/metadata.toml': 'run_in_transaction = false\n',
    });
    const stderr = runCli(['lint', '--verbose', 'migrations'], { cwd: dir }).stderr;
    expect(stderr).toContain('lockwise: migrations: diesel: runs each migration in a transaction (all 3 migrations but 2024-03-01-000000_add_name/up.sql)\n');
    expect(stderr).toContain('lockwise: migrations/2024-03-01-000000_add_name/up.sql: diesel: metadata.toml sets run_in_transaction = false; the file still goes as one query\n');
  });

  it('lints a Diesel migration without its transaction as the one query Diesel sends: CONCURRENTLY beside another statement fails', () => {
    const dir = tempProject({
      'migrations/2024-01-01-000000_create_users/up.sql': CREATE_USERS,
      'migrations/2024-02-01-000000_index/up.sql': "SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY users_username_idx ON users (username);\n",
      'migrations/2024-02-01-000000_index/metadata.toml': 'run_in_transaction = false\n',
      'migrations/2024-03-01-000000_index_alone/up.sql': 'CREATE INDEX CONCURRENTLY users_id_username_idx ON users (id, username);\n',
      'migrations/2024-03-01-000000_index_alone/metadata.toml': 'run_in_transaction = false\n',
    });
    expect(findings(runCli(['lint', '-f', 'json', 'migrations'], { cwd: dir }).stdout)).toEqual([['migrations/2024-02-01-000000_index/up.sql', 'no-concurrently-in-transaction', 2]]);
  });

  it('says, without --verbose, that --assume-in-transaction does not change how a migration tool runs its files', () => {
    const dir = tempProject({ 'db/000001_users.up.sql': CREATE_USERS, 'db/000002_index.up.sql': 'CREATE INDEX CONCURRENTLY users_username_idx ON users (username);\n' });
    const run = runCli(['lint', '--assume-in-transaction', 'db'], { cwd: dir });
    expect(run.stderr).toBe(
      'lockwise: assumeInTransaction applies to files no migration tool runs; db (golang-migrate) is linted as its tool runs them (set "framework" in lockwise.json to choose another)\n',
    );
    expect(runCli(['lint', 'db'], { cwd: dir }).stderr).toBe('');
  });

  it('replays a folder of release folders as one history, releases in natural order (OpenReplay, Bytebase)', () => {
    const dir = tempProject({
      'postgresql/1.9.0/1.9.0.sql': CREATE_USERS,
      'postgresql/1.10.0/1.10.0.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);\n',
      'postgresql/v1.11/0000##index.sql': 'CREATE INDEX users_username_idx ON users (username);\n',
      'postgresql/LATEST.sql': CREATE_USERS,
    });
    const run = runCli(['lint', '-f', 'json', '--verbose', 'postgresql'], { cwd: dir });
    // 1.10.0 runs after 1.9.0, whose table it creates again; the index is built on a table the history made.
    expect(findings(run.stdout)).toEqual([
      ['postgresql/1.10.0/1.10.0.sql', 'no-create-existing-object', 1],
      ['postgresql/v1.11/0000##index.sql', 'require-concurrent-index', 1],
      ['postgresql/v1.11/0000##index.sql', 'require-lock-timeout', 1],
    ]);
    expect(run.stderr).toContain('lockwise: postgresql: plain migrations, 3 in order\n');
    expect(run.stderr).toContain('lockwise: postgresql/LATEST.sql: not part of the history: its name does not start with a version number, so it is linted on its own\n');
    expect(run.stderr).not.toContain('made by no migration');
    // Linting one file of a release folder replays the releases before it.
    expect(findings(runCli(['lint', '-f', 'json', 'postgresql/1.10.0/1.10.0.sql'], { cwd: dir }).stdout)).toEqual([['postgresql/1.10.0/1.10.0.sql', 'no-create-existing-object', 1]]);
  });

  it('replays V-prefixed files as a history, and says which files of a folder are linted on their own', () => {
    const dir = tempProject({
      'db/V0001.Initial_Schema.postgres.up.sql': 'CREATE TABLE s (id int, signature varchar(255));\n',
      'db/V0002.Widen.postgres.up.sql': `${LOCK}ALTER TABLE s ALTER COLUMN signature TYPE varchar(768);\n`,
      'db/seed.sql': 'SELECT 1;\n',
    });
    const run = runCli(['lint', '-f', 'json', '--verbose', 'db'], { cwd: dir });
    // Widening a varchar the history created rewrites nothing; without the history lockwise could not know the old type.
    expect(findings(run.stdout)).toEqual([]);
    expect(run.stderr).toContain('lockwise: db: plain migrations, 2 in order\n');
    expect(run.stderr).toContain('lockwise: db/seed.sql: not part of the history: its name does not start with a version number, so it is linted on its own\n');
    const loose = tempProject({ 'examples/add-column.sql': 'SELECT 1;\n', 'examples/drop-table.sql': 'SELECT 1;\n' });
    expect(runCli(['lint', '--verbose', 'examples'], { cwd: loose }).stderr).toBe(
      'lockwise: examples: no migration history (no file name starts with a version number), so each file is linted on its own\n',
    );
  });

  it('warns, without --verbose, when the configured framework runs none of a folder\'s files', () => {
    const dir = tempProject({ 'lockwise.json': '{"framework":"flyway"}', 'db/V0001.init.up.sql': 'CREATE TABLE s (id int);\n' });
    const run = runCli(['lint', 'db'], { cwd: dir });
    expect(run.stderr).toBe(
      'lockwise: db: flyway, as configured, runs none of the 1 file in it (db/V0001.init.up.sql: not a Flyway migration name (V<version>__<description>.sql or R__<description>.sql)), so none of them is linted\n',
    );
  });

  it('warns, without --verbose, about SQL files the detected tool skips for their names, and takes a folder of .up.sql and .sql files as one history', () => {
    const golang = tempProject({
      'db/1_users.up.sql': CREATE_USERS,
      'db/1_users.down.sql': 'DROP TABLE users;\n',
      'db/2_email_index.sql': 'CREATE INDEX users_email_idx ON users (email);\n',
    });
    const run = runCli(['lint', 'db'], { cwd: golang });
    expect(run.stderr).toBe(
      'lockwise: db: golang-migrate does not run 1 SQL file in it, so it is not linted (db/2_email_index.sql: not named <version>_<title>.up.sql: golang-migrate skips it); --verbose lists them\n',
    );
    // No .down.sql, and versioned .sql files beside the .up.sql ones: a runner of its own (Fider's) that takes both.
    const ownRunner = tempProject({ 'db/201701010000_users.up.sql': CREATE_USERS, 'db/201801010000_email_index.sql': 'CREATE INDEX users_email_idx ON users (email);\n' });
    const both = runCli(['lint', '-f', 'json', '--verbose', 'db'], { cwd: ownRunner });
    expect(both.stderr).toContain('lockwise: db: plain migrations, 2 in order\n');
    expect(findings(both.stdout)).toContainEqual(['db/201801010000_email_index.sql', 'require-concurrent-index', 1]);
  });

  it('warns that Flyway refuses a folder where two migrations have the same version', () => {
    const dir = tempProject({
      'db/migration/V1__users.sql': CREATE_USERS,
      'db/migration/V1_6__add_email.sql': 'ALTER TABLE users ADD COLUMN email text;\n',
      'db/migration/V1.6__add_name.sql': 'ALTER TABLE users ADD COLUMN name text;\n',
    });
    expect(runCli(['lint', 'db/migration'], { cwd: dir }).stderr).toBe(
      'lockwise: db/migration: Flyway refuses to migrate: V1.6__add_name.sql and V1_6__add_email.sql have the same version, 1.6 ("Found more than one migration with version 1.6"); lockwise lints them in name order\n',
    );
  });

  it('lints the migrations of a Flyway location\'s subfolders in the one history Flyway reads, and keeps side-by-side projects apart', () => {
    const nested = tempProject({
      'db/migration/2023/V1__users.sql': CREATE_USERS,
      'db/migration/2024/V2__username_index.sql': `${LOCK}CREATE INDEX users_username_idx ON users (username);\n`,
      'db/migration/2024/V3__drop_users.sql': `${LOCK}DROP TABLE users;\n`,
    });
    const run = runCli(['lint', '-f', 'json', '--verbose', 'db/migration'], { cwd: nested });
    // The index is on a table of the same history, made two migrations before.
    expect(findings(run.stdout)).toEqual([
      ['db/migration/2024/V2__username_index.sql', 'require-concurrent-index', 2],
      ['db/migration/2024/V3__drop_users.sql', 'require-deprecation-before-drop', 2],
    ]);
    expect(run.stderr).toContain('lockwise: db/migration: flyway migrations, 3 in order\n');
    const sideBySide = tempProject({ 'a/db/V1__users.sql': CREATE_USERS, 'b/db/V1__users.sql': CREATE_USERS });
    const apart = runCli(['lint', '--verbose', '.'], { cwd: sideBySide }).stderr;
    expect(apart).toContain('lockwise: a/db: flyway migrations, 1 in order\n');
    expect(apart).toContain('lockwise: b/db: flyway migrations, 1 in order\n');
    expect(apart).not.toContain('refuses');
  });

  it('says a plain file runs in a transaction when --assume-in-transaction says so', () => {
    const dir = tempProject({ 'db/001_users.sql': CREATE_USERS });
    expect(runCli(['lint', '--verbose', 'db'], { cwd: dir }).stderr).toContain('db/001_users.sql: plain: no migration tool assumed, so each statement runs on its own');
    const wrapped = runCli(['lint', '--verbose', '--assume-in-transaction', 'db'], { cwd: dir }).stderr;
    expect(wrapped).toContain('db/001_users.sql: plain: no migration tool detected; assumeInTransaction says the tool runs each file inside one transaction');
    expect(wrapped).not.toContain('runs on its own');
  });
});

describe('help that works where the statement stands', () => {
  const helps = (stdout: string): Array<[string, string]> =>
    (JSON.parse(stdout) as { diagnostics: Array<{ rule: string; help?: string }> }).diagnostics.map((d) => [d.rule, d.help ?? '']);

  it('moves an index statement out of a DO block before making it CONCURRENTLY, which a block refuses', () => {
    const dir = tempProject({
      'db/001_events.sql': 'CREATE TABLE events (id bigint PRIMARY KEY, kind text);\nCREATE INDEX events_kind_idx ON events (kind);\n',
      'db/002_drop.sql': "SET lock_timeout = '2s';\nDO $$ BEGIN\n  DROP INDEX events_kind_idx;\nEND $$;\n",
    });
    const found = helps(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout);
    expect(found.find(([rule]) => rule === 'require-concurrent-index')?.[1]).toMatch(/^Move it out of the DO block first, .*DROP INDEX CONCURRENTLY events_kind_idx;$/);
  });

  it('keeps a deferrable constraint deferrable when it attaches the index built concurrently', () => {
    const dir = tempProject({
      'db/001_collections.sql': 'CREATE TABLE collections (id text PRIMARY KEY, team_id text, parent_id text, position int);\n',
      'db/002_order_key.sql': "SET lock_timeout = '2s';\nALTER TABLE collections ADD CONSTRAINT collections_order_key UNIQUE (team_id, parent_id, position) DEFERRABLE INITIALLY DEFERRED;\n",
    });
    const found = helps(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout);
    expect(found.find(([rule]) => rule === 'require-unique-using-index')?.[1]).toContain(
      'ALTER TABLE collections ADD CONSTRAINT collections_order_key UNIQUE USING INDEX collections_order_key DEFERRABLE INITIALLY DEFERRED;',
    );
  });

  it('speaks of NOT NULL only for a PRIMARY KEY added with a column, not for UNIQUE', () => {
    const dir = tempProject({
      'db/001_users.sql': CREATE_USERS,
      'db/002_columns.sql': `${LOCK}ALTER TABLE users ADD COLUMN matrix_id text UNIQUE;\nALTER TABLE users ADD COLUMN uid bigint PRIMARY KEY;\n`,
    });
    const found = helps(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout).filter(([rule]) => rule === 'require-unique-using-index');
    expect(found).toHaveLength(2);
    expect(found[0]![1]).toMatch(/UNIQUE USING INDEX [^;]+;$/);
    expect(found[1]![1]).toContain('a PRIMARY KEY also needs the column proven NOT NULL first, by a validated CHECK (uid IS NOT NULL)');
  });

  it('quotes a template placeholder as written, not as the underscores it was parsed as', () => {
    const dir = tempProject({
      'db/001_users.sql': 'CREATE TABLE {{ .Schema }}.users (id bigint PRIMARY KEY, phone text);\n',
      'db/002_phone.sql': "SET lock_timeout = '2s';\nALTER TABLE {{ .Schema }}.users ADD CONSTRAINT users_phone_key UNIQUE (phone);\n",
    });
    const [[rule, help]] = helps(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout) as [[string, string]];
    expect(rule).toBe('require-unique-using-index');
    expect(help).toContain('CREATE UNIQUE INDEX CONCURRENTLY users_phone_key ON {{ .Schema }}.users (phone);');
    expect(help).not.toContain('__');
  });

  it('takes two spellings of one Go template placeholder for one schema, as Go renders them alike', () => {
    const dir = tempProject({
      'db/001_tokens.sql': 'CREATE TABLE {{ index .Options "Namespace" }}.refresh_tokens (id bigint PRIMARY KEY, token text);\nCREATE INDEX refresh_tokens_token_idx ON {{ index .Options "Namespace" }}.refresh_tokens (token);\n',
      'db/002_drop.sql': "SET lock_timeout = '2s';\nDROP INDEX IF EXISTS {{index .Options \"Namespace\"}}.refresh_tokens_token_idx;\n",
    });
    const found = lintedDiagnostics(dir).filter((finding) => finding.rule === 'require-concurrent-index');
    // The index 001 built, on its table: not "where it exists (no migration lockwise read created it)". Written as this file spells it.
    expect(found.map(({ message }) => message.split(':')[0])).toEqual([
      'DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on {{index .Options "Namespace"}}.refresh_tokens, the table of {{index .Options "Namespace"}}.refresh_tokens_token_idx',
    ]);
  });

  it('does not offer to join a RENAME with another change in one ALTER TABLE, which PostgreSQL refuses', () => {
    const dir = tempProject({
      'db/001_items.sql': 'CREATE TABLE items (id integer PRIMARY KEY, type text);\n',
      'db/002_rename.sql': "SET lock_timeout = '2s';\nBEGIN;\nALTER TABLE items RENAME COLUMN type TO kind;\nSELECT 1;\nCOMMIT;\nBEGIN;\nALTER TABLE items ADD COLUMN note text;\nSELECT 1;\nCOMMIT;\n",
    });
    const found = helps(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout).filter(([rule]) => rule === 'no-statements-after-access-exclusive');
    expect(found).toHaveLength(2);
    expect(found[0]![1]).not.toContain('into the same ALTER TABLE statement');
    expect(found[0]![1]).toContain('a RENAME, SET SCHEMA, ATTACH or DETACH PARTITION cannot share an ALTER TABLE statement');
    expect(found[1]![1]).toContain('into the same ALTER TABLE statement');
  });

  it('makes CONCURRENTLY the only statement of a golang-migrate file, which the tool then sends without a transaction', () => {
    const dir = tempProject({
      'db/000001_events.up.sql': 'CREATE TABLE events (id bigint PRIMARY KEY, kind text);\n',
      'db/000002_index.up.sql': "SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY events_kind_idx ON events (kind);\n",
    });
    const found = helps(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout);
    expect(found.find(([rule]) => rule === 'no-concurrently-in-transaction')?.[1]).toContain('to a migration file of its own, as its only statement');
  });

  it('suggests a concurrent build without IF NOT EXISTS, which would keep the INVALID index a failed build leaves', () => {
    const dir = tempProject({
      'db/1_events.sql': 'CREATE TABLE events (id bigint PRIMARY KEY, kind text);\n',
      'db/2_index.sql': "SET lock_timeout = '2s';\nCREATE INDEX IF NOT EXISTS events_kind_idx ON events (kind);\n",
    });
    const help = helps(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout).find(([rule]) => rule === 'require-concurrent-index')?.[1];
    expect(help).toContain('CREATE INDEX CONCURRENTLY events_kind_idx ON events ...;');
  });

  it("names the migration tool's own switch for running a file outside a transaction, and a file of its own for one that sends the file as one query", () => {
    const dir = tempProject({
      'goose/001_events.sql': '-- +goose Up\nCREATE TABLE events (id bigint PRIMARY KEY, kind text);\n',
      'goose/002_index.sql': "-- +goose Up\nSET LOCAL lock_timeout = '2s';\nCREATE INDEX events_kind_idx ON events (kind);\nCREATE INDEX CONCURRENTLY events_id_kind_idx ON events (id, kind);\n",
      'pop/20240101000000000000_events.postgres.up.sql': 'CREATE TABLE events (id bigint PRIMARY KEY, kind text);\n',
      'pop/20240102000000000000_index.postgres.up.sql': 'CREATE INDEX CONCURRENTLY events_kind_idx ON events (kind);\n',
      'migrate/000001_events.up.sql': 'CREATE TABLE events (id bigint PRIMARY KEY, kind text);\n',
      'migrate/000002_index.up.sql': "SET lock_timeout = '2s';\nDROP INDEX IF EXISTS events_kind_idx;\nCREATE INDEX events_kind_idx ON events (kind) WHERE kind IS NOT NULL;\n",
    });
    const goose = helps(runCli(['lint', '-f', 'json', 'goose'], { cwd: dir }).stdout);
    expect(goose.find(([rule]) => rule === 'require-concurrent-index')?.[1]).toContain(
      'Build it without blocking writes, in a migration of its own that runs outside a transaction block (with `-- +goose NO TRANSACTION` at the top of that file):',
    );
    expect(goose.find(([rule]) => rule === 'no-concurrently-in-transaction')?.[1]).toContain('(with `-- +goose NO TRANSACTION` at the top of that file)');
    const pop = helps(runCli(['lint', '-f', 'json', 'pop'], { cwd: dir }).stdout);
    // gobuffalo/pop (Supabase auth) skips a file so named: following popx's switch there, the index would never be built.
    expect(pop.find(([rule]) => rule === 'no-concurrently-in-transaction')?.[1]).toContain(
      "(named `<version>_<name>.postgres.autocommit.up.sql` with Ory's popx; gobuffalo/pop runs every file in a transaction and skips a file so named",
    );
    const migrate = helps(runCli(['lint', '-f', 'json', 'migrate'], { cwd: dir }).stdout).filter(([rule]) => rule === 'require-concurrent-index');
    expect(migrate.map(([, help]) => help.split(':')[0])).toEqual([
      'Drop it without blocking, as the only statement of a migration file of its own (the tool sends a file as one query, which runs outside a transaction block only when it holds one statement), one index per statement',
      'Build it without blocking writes, as the only statement of a migration file of its own (the tool sends a file as one query, which runs outside a transaction block only when it holds one statement)',
    ]);
  });
  it('says an index build blocks writes until the transaction commits when more work follows it there', () => {
    const dir = tempProject({
      'db/001_tables.sql': 'CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\nCREATE TABLE orders (id bigint PRIMARY KEY, total int);\n',
      'db/002_indexes.sql': "BEGIN;\nSET LOCAL lock_timeout = '2s';\nCREATE INDEX accounts_email_idx ON accounts (email);\nCREATE INDEX orders_total_idx ON orders (total);\nCOMMIT;\n",
    });
    const messages = lintedDiagnostics(dir)
      .filter((diagnostic) => diagnostic.rule === 'require-concurrent-index')
      .map((diagnostic) => diagnostic.message.split(' waits until ')[1]);
    expect(messages).toEqual(['the transaction commits, as the lock stays held through the statements after the build.', 'the build finishes.']);
  });

  it('does not say the old release leaves rows unfilled when the migration gives the backfilled column a default', () => {
    const dir = tempProject({
      'db/001_tables.sql': 'CREATE TABLE "User" (id integer PRIMARY KEY, name text);\n',
      'db/002_backfill.sql': 'BEGIN;\nSET LOCAL lock_timeout = \'2s\';\nALTER TABLE "User" ADD COLUMN "createdAt" timestamptz;\nALTER TABLE "User" ADD COLUMN "source" text;\nUPDATE "User" SET "createdAt" = now(), "source" = \'import\' WHERE id BETWEEN 1 AND 1000;\nALTER TABLE "User" ALTER COLUMN "createdAt" SET DEFAULT now();\nCOMMIT;\n',
    });
    const messages = lintedDiagnostics(dir)
      .filter((diagnostic) => diagnostic.rule === 'no-backfill-in-expand-migration')
      .map((diagnostic) => diagnostic.message.split(' for as long as it takes')[1]);
    expect(messages).toEqual([', and rows the old release writes meanwhile leave source unfilled.']);
  });

  it('says the old release\'s rows get the default, not the backfilled value, when the two differ', () => {
    const dir = tempProject({
      'db/001_tables.sql': 'CREATE TABLE commerce_event (id bigint PRIMARY KEY, order_id text, total numeric);\n',
      'db/002_kind.sql': [
        "SET lock_timeout = '2s';",
        "ALTER TABLE commerce_event ADD COLUMN kind varchar(20) NOT NULL DEFAULT 'order', ADD COLUMN checked boolean NOT NULL DEFAULT false;",
        "UPDATE commerce_event SET kind = 'observation', checked = false WHERE order_id IS NULL;",
        "UPDATE commerce_event SET kind = 'order' WHERE order_id IS NOT NULL;",
        '',
      ].join('\n'),
    });
    const messages = lintedDiagnostics(dir)
      .filter((diagnostic) => diagnostic.rule === 'no-backfill-in-expand-migration')
      .map((diagnostic) => `${diagnostic.line} ${diagnostic.message.split(' which this same migration adds')[0]}|${diagnostic.message.split(' for as long as it takes')[1]}`);
    // Umami's: the old release keeps inserting cart observations without a kind, and they get 'order'.
    expect(messages).toEqual([
      '3 This UPDATE fills kind and checked,|, and rows the old release writes meanwhile get the default of kind, not what this UPDATE writes.',
      "4 This UPDATE fills kind,|.",
    ]);
  });

  it('bounds the batches of the backfill help by a key the table has, not by an id it lacks', () => {
    const dir = tempProject({
      'db/001_tables.sql': 'CREATE TABLE background_updates (update_name text NOT NULL UNIQUE, progress_json text);\nCREATE TABLE event_stats (room_id text NOT NULL, count int);\n',
      'db/002_backfill.sql': "UPDATE background_updates SET progress_json = '{}' WHERE progress_json IS NULL;\nUPDATE event_stats SET count = 0 WHERE count IS NULL;\n",
    });
    const found = helps(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout).filter(([rule]) => rule === 'no-unbatched-backfill');
    expect(found.map(([, help]) => help)).toEqual([
      expect.stringContaining('WHERE update_name >= $1 AND update_name < $2'),
      expect.stringContaining('WHERE <key column> >= $1 AND <key column> < $2'),
    ]);
  });

  it('splits the unique-index help into a build outside the transaction and, where the tool wraps the file, a later migration that attaches it', () => {
    const dir = tempProject({
      'migrate/000001_variants.up.sql': 'CREATE TABLE variants (id bigint PRIMARY KEY, flag_key text, key text);\n',
      'migrate/000002_unique.up.sql': "SET lock_timeout = '2s';\nALTER TABLE variants ADD UNIQUE (flag_key, key);\n",
      'plain/001_variants.sql': 'CREATE TABLE variants (id bigint PRIMARY KEY, flag_key text, key text);\n',
      'plain/002_unique.sql': "SET lock_timeout = '2s';\nALTER TABLE variants ADD UNIQUE (flag_key, key);\n",
    });
    const help = (folder: string): string | undefined => helps(runCli(['lint', '-f', 'json', folder], { cwd: dir }).stdout).find(([rule]) => rule === 'require-unique-using-index')?.[1];
    expect(help('migrate')).toContain('without blocking writes, as the only statement of a migration file of its own');
    expect(help('migrate')).toContain('then, in the next migration, attach it as the constraint');
    expect(help('plain')).toContain('without blocking writes, outside a transaction block:');
    expect(help('plain')).toContain('\nthen attach it as the constraint');
  });
});

describe('partitions known from the history', () => {
  const findings = (stdout: string): Array<{ rule: string; message: string; help?: string }> =>
    (JSON.parse(stdout) as { diagnostics: Array<{ rule: string; message: string; help?: string }> }).diagnostics;

  it('names the DEFAULT partition and the known partitions as the migrations wrote them, without the schema they resolved to', () => {
    const dir = tempProject({
      'db/001_orders.sql':
        'CREATE TABLE orders (id bigint NOT NULL, region text) PARTITION BY LIST (region);\nCREATE TABLE orders_other PARTITION OF orders DEFAULT;\nCREATE TABLE app_orders (id bigint PRIMARY KEY);\n',
      'db/002_more.sql': "SET lock_timeout = '2s';\nCREATE TABLE orders_kr PARTITION OF orders FOR VALUES IN ('kr');\nCREATE INDEX orders_region_idx ON orders (region);\nDROP INDEX app_orders_pkey;\n",
    });
    const found = findings(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stdout);
    const messageOf = (rule: string, text: string): string | undefined => found.find((d) => d.rule === rule && d.message.includes(text))?.message;
    expect(messageOf('require-check-before-attach-partition', 'DEFAULT partition')).toContain("orders's DEFAULT partition orders_other for rows");
    expect(found.find((d) => d.message.includes('CREATE INDEX on partitioned table'))?.help).toContain('for each partition (orders_other, orders_kr)');
    expect(messageOf('require-concurrent-index', 'refuses to drop')).toContain('enforces constraint app_orders_pkey of app_orders (');
    expect(found.map((d) => d.message).join('\n')).not.toContain('public.');
  });
});

describe('partitions of tables from before the history', () => {
  it('follows a DEFAULT partition the history only attached, through its rename and detach', () => {
    const defaultPartitionFindings = (files: Record<string, string>): string[] =>
      runCli(['lint', '-f', 'gcc', 'db'], { cwd: tempProject(files) })
        .stdout.split('\n')
        .filter((line) => line.includes("'s DEFAULT partition"))
        .map((line) => line.replace(/: error: .*DEFAULT partition (\S+) .*/, ' $1'));
    const attach = "SET lock_timeout = '2s';\nALTER TABLE orders ATTACH PARTITION orders_legacy DEFAULT;\n";
    const addPartition = "SET lock_timeout = '2s';\nCREATE TABLE orders_2027 PARTITION OF orders FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');\n";
    expect(defaultPartitionFindings({ 'db/001_attach.sql': attach, 'db/002_add.sql': addPartition })).toEqual(['db/002_add.sql:2:14 orders_legacy']);
    const renamed = "SET lock_timeout = '2s';\nALTER TABLE orders_legacy RENAME TO orders_before_2026;\n";
    expect(defaultPartitionFindings({ 'db/001_attach.sql': attach, 'db/002_rename.sql': renamed, 'db/003_add.sql': addPartition })).toEqual([
      'db/003_add.sql:2:14 orders_before_2026',
    ]);
    const detached = "SET lock_timeout = '2s';\nALTER TABLE orders DETACH PARTITION orders_legacy;\n";
    expect(defaultPartitionFindings({ 'db/001_attach.sql': attach, 'db/002_detach.sql': detached, 'db/003_add.sql': addPartition })).toEqual([]);
    const dropped = "SET lock_timeout = '2s';\nDROP TABLE orders;\nCREATE TABLE orders (id bigint, created_at date) PARTITION BY RANGE (created_at);\n";
    expect(defaultPartitionFindings({ 'db/001_attach.sql': attach, 'db/002_drop.sql': dropped, 'db/003_add.sql': addPartition })).toEqual([]);
  });
});

describe('savepoints in the history', () => {
  it('undoes what a transaction did after a savepoint it rolls back to, as often as it rolls back to it', () => {
    const attempt = 'ALTER TABLE accounts ADD CONSTRAINT accounts_email_present CHECK (email IS NOT NULL);';
    const dir = tempProject({
      'db/001_accounts.sql': 'CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n',
      'db/002_email_required.sql': [
        "SET lock_timeout = '2s';",
        'BEGIN;',
        'SAVEPOINT outer_attempt;',
        attempt,
        'SAVEPOINT inner_attempt;',
        'RELEASE SAVEPOINT inner_attempt;',
        'ROLLBACK TO SAVEPOINT outer_attempt;',
        attempt,
        'ROLLBACK TO SAVEPOINT outer_attempt;',
        'ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;',
        'COMMIT;',
        '',
      ].join('\n'),
    });
    const run = runCli(['lint', '-f', 'gcc', 'db'], { cwd: dir });
    // Both CHECK constraints were rolled back: SET NOT NULL scans the table under ACCESS EXCLUSIVE.
    expect(run.stdout.split('\n').filter((line) => line.includes('[require-check-before-set-not-null]'))).toEqual([
      expect.stringMatching(/^db\/002_email_required\.sql:10:/),
    ]);
  });
});

describe('what a trigger runs, from the functions earlier migrations created', () => {
  it('names the function a trigger reaches a refresh through, and forgets a function replaced by one that refreshes nothing', () => {
    const schema = 'CREATE TABLE posts (id bigint PRIMARY KEY, score int);\nCREATE MATERIALIZED VIEW top_posts AS SELECT id, score FROM posts ORDER BY score DESC LIMIT 10;\n';
    const helper = [
      "SET lock_timeout = '2s';",
      'CREATE PROCEDURE refresh_rankings(since timestamptz) LANGUAGE plpgsql AS $$',
      'BEGIN',
      '  since := coalesce(since, now());',
      "  EXECUTE $sql$REFRESH MATERIALIZED VIEW top_posts$sql$;",
      'END $$;',
      '',
    ].join('\n');
    const trigger = [
      "SET lock_timeout = '2s';",
      'CREATE FUNCTION post_scored() RETURNS trigger LANGUAGE plpgsql AS $$',
      'BEGIN',
      '  CALL refresh_rankings(NULL);',
      '  RETURN NULL;',
      'END $$;',
      'CREATE TRIGGER post_scored AFTER UPDATE ON posts FOR EACH STATEMENT EXECUTE FUNCTION post_scored();',
      '',
    ].join('\n');
    const refreshing = lintedDiagnostics(tempProject({ 'db/001_posts.sql': schema, 'db/002_helper.sql': helper, 'db/003_trigger.sql': trigger })).filter(
      (finding) => finding.rule === 'no-refresh-in-trigger',
    );
    expect(refreshing.map(({ line, message }) => `${line} ${message.split(':')[0]}`)).toEqual([
      '7 Each UPDATE on posts now runs post_scored(), which calls refresh_rankings(), which refreshes top_posts',
    ]);

    const replaced = helper.replace("EXECUTE $sql$REFRESH MATERIALIZED VIEW top_posts$sql$;", "PERFORM pg_notify('rankings', '');").replace('CREATE PROCEDURE', 'CREATE OR REPLACE PROCEDURE');
    const quiet = lintedDiagnostics(tempProject({ 'db/001_posts.sql': schema, 'db/002_helper.sql': helper, 'db/003_replaced.sql': replaced, 'db/004_trigger.sql': trigger }));
    expect(quiet.filter((finding) => finding.rule === 'no-refresh-in-trigger')).toEqual([]);
  });
});

describe('no-unlocked-dedupe-before-unique-key', () => {
  it('names the DELETE, the INSERT and the copy when a table is filled again from a copy without duplicates, and says to lock before the copy', () => {
    const schema = 'CREATE TABLE embeddings (id uuid PRIMARY KEY, chunk_id uuid, body text);\n';
    const copyBack = [
      'BEGIN;',
      "SET LOCAL lock_timeout = '2s';",
      'CREATE TEMP TABLE kept AS SELECT DISTINCT ON (chunk_id) * FROM embeddings ORDER BY chunk_id, id;',
      'DELETE FROM embeddings;',
      'INSERT INTO embeddings SELECT * FROM kept;',
      'CREATE UNIQUE INDEX embeddings_chunk_key ON embeddings (chunk_id);',
      'COMMIT;',
      '',
    ].join('\n');
    const found = lintedDiagnostics(tempProject({ 'db/001_embeddings.sql': schema, 'db/002_dedupe.sql': copyBack })).filter((finding) => finding.rule === 'no-unlocked-dedupe-before-unique-key');
    expect(found.map(({ line, message }) => `${line} ${message.split(', but')[0]}`)).toEqual([
      '6 The DELETE on line 4 and the INSERT on line 5 fill embeddings again from a copy without duplicates of (chunk_id), made on line 3',
    ]);
    expect(found[0]!.help).toContain('Block writes from before the copy to the end of the build');
    // Locked before the copy, no row is lost and no duplicate comes in between.
    const locked = copyBack.replace('CREATE TEMP TABLE', 'LOCK TABLE embeddings IN SHARE MODE;\nCREATE TEMP TABLE');
    expect(lintedDiagnostics(tempProject({ 'db/001_embeddings.sql': schema, 'db/002_dedupe.sql': locked })).filter((finding) => finding.rule === 'no-unlocked-dedupe-before-unique-key')).toEqual([]);
  });
});

describe('tables and columns no migration made', () => {
  it('are named with --verbose, each once where it is first changed, also from the cache', () => {
    const dir = tempProject({
      'db/001_events.sql': 'CREATE TABLE events (id uuid PRIMARY KEY, name text NOT NULL);\n',
      // OpenPanel's: the migrations that made clients and events.profile_id are missing from the folder.
      'db/002_to_text.sql': `${LOCK}ALTER TABLE events ALTER COLUMN profile_id SET DATA TYPE text;\nALTER TABLE clients ALTER COLUMN project_id SET DATA TYPE text;\nALTER TABLE events ALTER COLUMN name SET DATA TYPE varchar(200);\n`,
      // Convoy's: the column the statement adds is no column it found unmade.
      'db/003_again.sql': `${LOCK}ALTER TABLE clients ADD COLUMN IF NOT EXISTS note text;\nALTER TABLE IF EXISTS archive ADD COLUMN note text;\nDROP TABLE IF EXISTS old_clients;\nALTER TABLE events ADD COLUMN IF NOT EXISTS flag boolean, ALTER COLUMN flag SET DEFAULT false;\n`,
    });
    const lines = (args: string[]): string[] => runCli(['lint', '-f', 'json', '--verbose', ...args, 'db'], { cwd: dir }).stderr.split('\n').filter((line) => line.includes('made by no migration'));
    const expected = [
      `lockwise: db/002_to_text.sql:${LOCK.split('\n').length}: column events.profile_id was made by no migration lockwise read: its findings go without its definition`,
      `lockwise: db/002_to_text.sql:${LOCK.split('\n').length + 1}: table clients was made by no migration lockwise read: its findings go without its definition`,
    ];
    expect(lines([])).toEqual(expected);
    expect(lines(['--cache', '--cache-location', '.lockwise-cache'])).toEqual(expected);
    expect(lines(['--cache', '--cache-location', '.lockwise-cache'])).toEqual(expected);
    expect(runCli(['lint', '-f', 'json', 'db'], { cwd: dir }).stderr).not.toContain('made by no migration');
  });
});

describe('locks a DO block\'s branch or IF EXISTS may take', () => {
  it('names the lock taken for sure, and says "may take" or "if" of one that is not', () => {
    const team = 'CREATE TABLE "Team" (id text PRIMARY KEY, name text);\n';
    // A test the history cannot decide: the type may have been made outside the migrations.
    const branch = [
      'DO $$ BEGIN',
      "  IF EXISTS (SELECT 1 FROM pg_type WHERE typname = 'team_invite') THEN",
      '    ALTER TABLE "Team" DROP COLUMN "inviteLink";',
      '  END IF;',
      'END $$;',
      '',
    ].join('\n');
    const rest = 'ALTER TABLE "Team" ADD COLUMN "inviteLink" text;\nCREATE UNIQUE INDEX "Team_inviteLink_key" ON "Team" ("inviteLink");\n';
    const said = (files: Record<string, string>, rule: string): string[] =>
      lintedDiagnostics(tempProject(files))
        .filter((finding) => finding.rule === rule)
        .map(({ line, message }) => `${line} ${message.split(', which')[0]!.split(', a lock')[0]}`);
    // The ADD COLUMN on line 7 takes the lock for sure; the branch on line 4 may not run.
    const papermark = { 'db/001_team.sql': team, 'db/002_invite_link.sql': `BEGIN;\n${branch}${rest}COMMIT;\n` };
    expect(said(papermark, 'no-statements-after-access-exclusive')).toEqual(['8 This statement runs while "Team" is locked ACCESS EXCLUSIVE (taken on line 7)']);
    expect(said(papermark, 'require-lock-timeout')).toEqual(['4 This statement may take an ACCESS EXCLUSIVE lock on "Team"']);
    const onlyTheBranch = { 'db/001_team.sql': team, 'db/002_invite_link.sql': `BEGIN;\n${branch}CREATE INDEX "Team_name_idx" ON "Team" (name);\nCOMMIT;\n` };
    expect(said(onlyTheBranch, 'no-statements-after-access-exclusive')).toEqual(['7 This statement runs while "Team" is locked ACCESS EXCLUSIVE (taken on line 4, if the block runs the statement)']);
  });
});

describe('a foreign key no migration lockwise read made, dropped and added again under its name', () => {
  it('locks the table the key added again references, as the dropped one did', () => {
    const tables = 'CREATE TABLE profiles (id uuid PRIMARY KEY);\nCREATE TABLE events (id uuid PRIMARY KEY, name text NOT NULL);\n';
    // OpenPanel's: events.profile_id and its key come from a migration the folder does not hold.
    const changed = [
      'ALTER TABLE events DROP CONSTRAINT events_profile_id_fkey;',
      'ALTER TABLE events ALTER COLUMN profile_id DROP NOT NULL;',
      'ALTER TABLE events ADD CONSTRAINT events_profile_id_fkey FOREIGN KEY (profile_id) REFERENCES profiles (id) ON DELETE SET NULL;',
      '',
    ].join('\n');
    const timeout = lintedDiagnostics(tempProject({ 'db/001_tables.sql': tables, 'db/002_set_null.sql': changed })).filter((finding) => finding.rule === 'require-lock-timeout');
    expect(timeout.map(({ line, message }) => `${line} ${message.split(', which')[0]}`)).toEqual(['1 This statement takes an ACCESS EXCLUSIVE lock on events and profiles']);
  });
});

describe('require-lock-timeout counts what the rest of the file locks without one', () => {
  it('names the later statements\' relations in its one finding, and stops counting once a lock_timeout is set', () => {
    const tables = 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\n';
    const unprotected = 'ALTER TABLE users ADD COLUMN name text;\nCREATE INDEX orders_user_idx ON orders (user_id);\nALTER TABLE users ADD COLUMN nickname text;\n';
    const laterPart = (files: Record<string, string>): string[] =>
      lintedDiagnostics(tempProject(files))
        .filter((finding) => finding.rule === 'require-lock-timeout')
        .map(({ line, message }) => `${line}${message.split('waits behind it.')[1]}`);
    expect(laterPart({ 'db/001_tables.sql': tables, 'db/002_changes.sql': unprotected })).toEqual(['1 2 later statements lock orders and users without one too.']);
    const setMidway = unprotected.replace('CREATE INDEX', "SET lock_timeout = '2s';\nCREATE INDEX");
    expect(laterPart({ 'db/001_tables.sql': tables, 'db/002_changes.sql': setMidway })).toEqual(['1']);
    // In a transaction, the second ALTER of users waits for nothing: the first one's lock is the transaction's already.
    const inTransaction = `BEGIN;\n${unprotected}COMMIT;\n`;
    expect(laterPart({ 'db/001_tables.sql': tables, 'db/002_changes.sql': inTransaction })).toEqual(['2 A later statement locks orders without one too.']);
    const tooLong = `SET lock_timeout = '1min';\n${unprotected}`;
    expect(laterPart({ 'db/001_tables.sql': tables, 'db/002_changes.sql': tooLong }).map((found) => found.split(' maxLockTimeout is 10s.')[1])).toEqual([
      ' 2 later statements lock orders and users without a shorter one too.',
    ]);
  });
});

describe('the expand-contract steps of a rename', () => {
  it('write the column\'s type and bound the backfill by the table\'s own key, as the history made them', () => {
    const dir = tempProject({
      'db/001_sessions.sql': 'CREATE TABLE sessions (session_id uuid PRIMARY KEY, hostname varchar(100));\n',
      'db/002_rename.sql': "SET lock_timeout = '2s';\nALTER TABLE sessions RENAME COLUMN hostname TO host;\n",
    });
    const help = lintedDiagnostics(dir).find((finding) => finding.rule === 'no-rename-column')?.help ?? '';
    expect(help).toContain('1. expand: ALTER TABLE sessions ADD COLUMN host varchar(100);');
    expect(help).toContain('UPDATE sessions SET host = hostname WHERE session_id BETWEEN ... AND ... AND host IS NULL;');
  });
});

describe('the steps that replace a column', () => {
  it('casts the backfill to the new type and moves the primary key, for a key column retyped by drop and rename (Comfy Registry)', () => {
    const dir = tempProject({
      'db/1_init.sql': 'CREATE TABLE comfy_nodes (id text PRIMARY KEY, name text);\n',
      'db/2_uuid.sql':
        "SET lock_timeout = '2s';\nBEGIN;\nALTER TABLE comfy_nodes ADD COLUMN id_temp uuid;\nUPDATE comfy_nodes SET id_temp = id::uuid;\nALTER TABLE comfy_nodes DROP COLUMN id;\nALTER TABLE comfy_nodes RENAME COLUMN id_temp TO id;\nALTER TABLE comfy_nodes ADD PRIMARY KEY (id);\nCOMMIT;\n",
    });
    const found = lintedDiagnostics(dir);
    const { help } = found.find((d) => d.rule === 'require-deprecation-before-drop')!;
    // id_temp ends the migration as id, the NOT NULL primary key: the old release's rows cannot leave it unfilled.
    const backfill = found.find((d) => d.rule === 'no-backfill-in-expand-migration')!;
    expect(backfill.message).toMatch(/^This UPDATE fills id_temp, which this same migration adds to comfy_nodes/);
    expect(backfill.message).not.toContain('not covered');
    // Seen on PostgreSQL 18: SET id_new = id fails ("column "id_new" is of type uuid but expression is of type text").
    expect(help).toContain('3. backfill in batches: UPDATE comfy_nodes SET id_new = id::uuid WHERE id BETWEEN ... AND ... AND id_new IS NULL;');
    expect(help).toContain('4. make id_new the key:');
    expect(help).toContain('7. contract, in a later migration: ALTER TABLE comfy_nodes DROP COLUMN id;');
  });
});

describe('no-drop-unique-index on a key that a narrower unique index keeps unique', () => {
  it('says the key stays unique, and only upserts on it fail', () => {
    const dir = tempProject({
      'db/001_votes.sql': 'CREATE TABLE votes (id text PRIMARY KEY, poll_id text NOT NULL);\nCREATE UNIQUE INDEX votes_id_poll_id_key ON votes (id, poll_id);\n',
      'db/002_drop.sql': "SET lock_timeout = '2s';\nDROP INDEX votes_id_poll_id_key;\n",
    });
    const [finding] = lintedDiagnostics(dir).filter((diagnostic) => diagnostic.rule === 'no-drop-unique-index');
    // Rallly's: id is the primary key, so a duplicate (id, poll_id) fails on it.
    expect(finding?.message).toContain('(the unique index on (id) still keeps (id, poll_id) unique, but ON CONFLICT needs an index on exactly its columns)');
    expect(finding?.message).not.toContain('nothing keeps');
  });

  it('counts a narrower unique index the transaction builds before COMMIT, and does not call duplicates allowed', () => {
    const dir = tempProject({
      'db/001_jobs.sql': 'CREATE TABLE jobs (id int PRIMARY KEY, commit text NOT NULL, repo int NOT NULL);\nCREATE UNIQUE INDEX jobs_commit_repo_idx ON jobs (commit, repo);\n',
      'db/002_unique_commit.sql': "SET lock_timeout = '2s';\nBEGIN;\nDROP INDEX jobs_commit_repo_idx;\nCREATE UNIQUE INDEX jobs_commit_idx ON jobs (commit);\nCOMMIT;\n",
    });
    const [finding] = lintedDiagnostics(dir).filter((diagnostic) => diagnostic.rule === 'no-drop-unique-index');
    // Guix Data Service's: seen on PostgreSQL 18, a second (c2, 1) fails on jobs_commit_idx, and ON CONFLICT (commit, repo) finds no arbiter.
    expect(finding?.message).toContain('(the unique index on (commit) still keeps (commit, repo) unique, but ON CONFLICT needs an index on exactly its columns)');
    expect(finding?.help).not.toContain('duplicates are now allowed');
  });
});

describe('the search_path the configuration gives', () => {
  it('says, without --verbose, when tables named without a schema are ones the migrations made in a schema outside it', () => {
    const files = {
      'db/001_builds.sql': 'CREATE SCHEMA guix_data_service;\nCREATE TABLE guix_data_service.builds (id int PRIMARY KEY);\nCREATE TABLE guix_data_service.build_status (id int PRIMARY KEY);\n',
      // Guix Data Service's Sqitch role is guix_data_service, whose "$user" schema finds the tables.
      'db/002_status.sql': "SET lock_timeout = '2s';\nALTER TABLE builds ADD COLUMN status text;\nALTER TABLE build_status ADD COLUMN at timestamptz;\n",
    };
    const { stderr } = runCli(['lint', 'db'], { cwd: tempProject(files) });
    expect(stderr).toContain(
      'lockwise: db/002_status.sql:2: table builds is in no schema of the search path (public), but a migration made guix_data_service.builds (and 1 other table so): if the migrations run with guix_data_service in their search_path (as a role named guix_data_service does, through "$user"), set "searchPath": ["guix_data_service", "public"] in lockwise.json',
    );
    const configured = runCli(['lint', 'db'], { cwd: tempProject({ ...files, 'lockwise.json': JSON.stringify({ searchPath: ['guix_data_service', 'public'] }) }) });
    expect(configured.stderr).not.toContain('no schema of the search path');
  });

  it('resolves unqualified names in its schemas, as the role that runs the migrations would', () => {
    const files = {
      'db/001_users.sql': 'CREATE SCHEMA auth;\nCREATE TABLE auth.users (id uuid PRIMARY KEY, email text);\nCREATE INDEX users_email_idx ON auth.users (email);\n',
      // Supabase auth's 20220114185221: the DROP is unqualified, the CREATE qualified.
      'db/002_rebuild.sql': "SET lock_timeout = '2s';\nBEGIN;\nDROP INDEX IF EXISTS users_email_idx;\nCREATE INDEX IF NOT EXISTS users_email_idx ON auth.users (lower(email));\nCOMMIT;\n",
    };
    const concurrentIndex = (config: Record<string, unknown> | undefined): string[] =>
      lintedDiagnostics(tempProject({ ...files, ...(config ? { 'lockwise.json': JSON.stringify(config) } : {}) }))
        .filter((finding) => finding.rule === 'require-concurrent-index')
        .map(({ line, message }) => `${line} ${message.split(':')[0]}`);
    expect(concurrentIndex({ searchPath: ['auth'] })).toEqual([
      '3 DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on auth.users, the table of users_email_idx',
      '4 CREATE INDEX without CONCURRENTLY builds the index while the transaction holds an ACCESS EXCLUSIVE lock on auth.users (taken on line 3, and held until it commits)',
    ]);
    // In public no migration made that index: the finding hedges, and the CREATE finds auth's index, building nothing.
    expect(concurrentIndex(undefined)).toEqual([
      '3 Where users_email_idx exists (no migration lockwise read created it), DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table of users_email_idx',
    ]);
  });
});
