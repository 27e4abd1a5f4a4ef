import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli, tempProject } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const RENAME = 'ALTER TABLE users RENAME COLUMN username TO handle;\n';
const SAFE = "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;\n";

interface JsonOutput {
  files: string[];
  diagnostics: Array<{ file: string; rule: string; severity: string; message: string; help: string | null; line: number; column: number; endLine: number; endColumn: number }>;
  summary: { files: number; errors: number; warnings: number; infos: number };
}

function json(stdout: string): JsonOutput {
  return JSON.parse(stdout) as JsonOutput;
}

describe('the lockwise command', () => {
  it('is the bundle package.json names as its bin, executable, and these tests run it', () => {
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; version: string };
    const bin = path.join(REPO_ROOT, manifest.bin.lockwise!);
    expect(bin).toBe(CLI);
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(bin).mode & 0o111).not.toBe(0);
    const run = runCli(['--version']);
    expect(run.stdout.trim()).toBe(manifest.version);
  });
});

describe('lockwise lint', () => {
  it('reports findings with file, position, rule, message, code frame and help, and exits 1', () => {
    const dir = tempProject({ 'migrations/001_rename.sql': `SET lock_timeout = '2s';\n${RENAME}` });
    const run = runCli(['lint', 'migrations'], { cwd: dir });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('migrations/001_rename.sql');
    expect(run.stdout).toMatch(/2:1\s+error\s+Renaming users\.username to handle .*no-rename-column/);
    expect(run.stdout).toContain('2 │ ALTER TABLE users RENAME COLUMN username TO handle;');
    expect(run.stdout).toContain('^^^^^^^^');
    expect(run.stdout).toContain('help: Replace users.username in separate deploys instead:');
    expect(run.stdout).toContain('1 problem (1 error, 0 warnings) in 1 file');
    expect(run.stdout).not.toMatch(/\u001b\[/);
  });

  it('exits 0 and says so when nothing is wrong', () => {
    const dir = tempProject({ 'm/001.sql': SAFE });
    const run = runCli(['lint', 'm'], { cwd: dir });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('no problems in 1 file');
  });

  it('writes the documented JSON format with 1-based positions', () => {
    const dir = tempProject({ 'm/001.sql': `-- ünïcode comment\nSET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();\n` });
    const run = runCli(['lint', '--format', 'json', 'm'], { cwd: dir });
    expect(run.status).toBe(1);
    const output = json(run.stdout);
    expect(output.files).toEqual(['m/001.sql']);
    expect(output.summary).toEqual({ files: 1, errors: 1, warnings: 0, infos: 0 });
    expect(output.diagnostics).toEqual([
      expect.objectContaining({
        file: 'm/001.sql',
        rule: 'no-volatile-default',
        severity: 'error',
        line: 3,
        column: 49,
        endLine: 3,
        endColumn: 64,
        help: expect.stringContaining('SET DEFAULT'),
      }),
    ]);
  });

  it('lints every other file when one has a syntax error, and reports it with PostgreSQL\'s message', () => {
    const dir = tempProject({ 'm/1_broken.sql': "SELECT 'ß';\nALTER TABLE users ADD COLUMN;\n", 'm/2_rename.sql': RENAME });
    const run = runCli(['lint', '--format', 'json', 'm'], { cwd: dir });
    expect(run.status).toBe(1);
    const rules = json(run.stdout).diagnostics.map((d) => [d.file, d.rule, d.line, d.column]);
    expect(rules).toContainEqual(['m/1_broken.sql', 'syntax-error', 2, 29]);
    expect(rules).toContainEqual(['m/2_rename.sql', 'no-rename-column', 1, 1]);
  });

  it('orders files naturally: 2_ before 10_', () => {
    const dir = tempProject({ 'm/10_b.sql': SAFE, 'm/2_a.sql': SAFE, 'm/1_c.sql': SAFE });
    expect(json(runCli(['lint', '-f', 'json', 'm'], { cwd: dir }).stdout).files).toEqual(['m/1_c.sql', 'm/2_a.sql', 'm/10_b.sql']);
  });

  it('accepts files and globs', () => {
    const dir = tempProject({ 'a/1.sql': RENAME, 'b/2.sql': SAFE, 'b/notes.txt': 'not sql' });
    const run = runCli(['lint', '-f', 'json', 'a/1.sql', 'b/*.sql'], { cwd: dir });
    expect(json(run.stdout).files).toEqual(['a/1.sql', 'b/2.sql']);
  });

  it('names a missing path in one line on stderr, still lints the rest, and exits 2', () => {
    const dir = tempProject({ 'm/1.sql': RENAME });
    const run = runCli(['lint', 'm', 'nope/', 'gone/*.sql'], { cwd: dir });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      'lockwise: nope/: no such file or directory',
      'lockwise: gone/*.sql: no files match this pattern',
    ]);
    expect(run.stdout).toContain('no-rename-column');
    expect(run.stdout.trim().split('\n').at(-1)).toMatch(/in 1 file; 2 paths named no file$/);
  });

  it('does not call a run clean when a path it was given named no file', () => {
    const dir = tempProject({});
    const run = runCli(['lint', 'nope.sql'], { cwd: dir });
    expect(run.status).toBe(2);
    expect(run.stdout.trim()).toBe('✖ no problems in 0 files; 1 path named no file');
  });

  it('says on stderr when a folder holds no SQL file, without failing the run', () => {
    const dir = tempProject({ 'db/migrate/20240101_create_users.rb': 'class CreateUsers; end', 'm/1.sql': SAFE });
    const run = runCli(['lint', 'db/migrate', 'm'], { cwd: dir });
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('lockwise: db/migrate: no .sql files in this folder (lockwise reads SQL migrations)\n');
    expect(run.stdout).toContain('no problems in 1 file');
  });

  it('reports binary and non-UTF-8 files in one line each, without a stack trace', () => {
    const dir = tempProject({
      'm/1_binary.sql': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]),
      'm/2_latin1.sql': Buffer.from('-- caf\xe9\nSELECT 1;\n', 'latin1'),
      'm/3_rename.sql': RENAME,
    });
    const run = runCli(['lint', '-f', 'json', 'm'], { cwd: dir });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('');
    const diagnostics = json(run.stdout).diagnostics;
    expect(diagnostics.find((d) => d.file === 'm/1_binary.sql')?.message).toBe('m/1_binary.sql is a binary file (it contains NUL bytes), not a SQL migration');
    expect(diagnostics.find((d) => d.file === 'm/2_latin1.sql')?.message).toMatch(/^m\/2_latin1\.sql is not valid UTF-8 \(first invalid byte at offset 6, line 1\)/);
    expect(diagnostics.find((d) => d.file === 'm/3_rename.sql')?.rule).toBe('no-rename-column');
  });

  it('reads stdin, reporting it under --stdin-filename', () => {
    const run = runCli(['lint', '-f', 'json', '--stdin-filename', 'db/migrate/005.sql', '-'], { input: `SET lock_timeout = '1s';\n${RENAME}` });
    expect(json(run.stdout).diagnostics.map((d) => [d.file, d.rule])).toEqual([['db/migrate/005.sql', 'no-rename-column']]);
    const piped = runCli(['lint', '-f', 'json'], { input: RENAME });
    expect(json(piped.stdout).files).toEqual(['<stdin>']);
  });

  it('applies --pg-version: before PostgreSQL 11 every non-null default rewrites the table', () => {
    const sql = "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN active boolean DEFAULT true;\n";
    expect(runCli(['lint', '-'], { input: sql }).status).toBe(0);
    const old = runCli(['lint', '-f', 'json', '--pg-version', '10', '-'], { input: sql });
    expect(json(old.stdout).diagnostics.map((d) => d.rule)).toEqual(['no-volatile-default']);
  });

  it('applies --assume-in-transaction to CONCURRENTLY statements', () => {
    const sql = 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n';
    expect(runCli(['lint', '-'], { input: sql }).status).toBe(0);
    const wrapped = runCli(['lint', '-f', 'json', '--assume-in-transaction', '-'], { input: sql });
    expect(json(wrapped.stdout).diagnostics.map((d) => d.rule)).toEqual(['no-concurrently-in-transaction']);
  });

  it('turns rules off and changes their severity with --disable and --rule', () => {
    expect(runCli(['lint', '--disable', 'no-rename-column', '-'], { input: `SET lock_timeout = '1s';\n${RENAME}` }).status).toBe(0);
    const downgraded = runCli(['lint', '-f', 'json', '--rule', 'no-rename-column=warning', '-'], { input: `SET lock_timeout = '1s';\n${RENAME}` });
    expect(downgraded.status).toBe(0);
    expect(json(downgraded.stdout).diagnostics.map((d) => d.severity)).toEqual(['warning']);
  });

  it('fails on warnings beyond --max-warnings', () => {
    const sql = 'ALTER TABLE users ADD COLUMN nickname text;\n';
    expect(runCli(['lint', '-'], { input: sql }).status).toBe(0);
    expect(runCli(['lint', '--max-warnings', '0', '-'], { input: sql }).status).toBe(1);
    expect(runCli(['lint', '--max-warnings', '1', '-'], { input: sql }).status).toBe(0);
  });

  it('rejects bad flags with a one-line message and exit code 2', () => {
    for (const args of [['--pg-version', '8'], ['--rule', 'no-such-rule'], ['--disable', 'syntax-error'], ['--max-warnings', 'x']]) {
      const run = runCli(['lint', ...args, '-'], { input: 'SELECT 1;' });
      expect(run.status).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^lockwise: /);
    }
    const unknownFormat = runCli(['lint', '--format', 'xml', '-'], { input: 'SELECT 1;' });
    expect(unknownFormat.status).toBe(2);
    expect(unknownFormat.stderr).toContain("'xml' is invalid");
  });

  it('neutralises control characters from the SQL in terminal output', () => {
    const run = runCli(['lint', '-'], { input: "ALTER TABLE \"evil\u001b[2J\" RENAME COLUMN a TO b; -- \u001b]0;pwned\u0007\n" });
    expect(run.stdout).not.toContain('\u001b');
    expect(run.stdout).not.toContain('\u0007');
    expect(run.stdout).toContain('evil\u241b[2J');
  });

  it('colours output for FORCE_COLOR, never with NO_COLOR or --no-color', () => {
    expect(runCli(['lint', '-'], { input: RENAME, env: { FORCE_COLOR: '1' } }).stdout).toMatch(/\u001b\[31merror/);
    expect(runCli(['lint', '-'], { input: RENAME, env: { FORCE_COLOR: '1', NO_COLOR: '1' } }).stdout).not.toMatch(/\u001b\[/);
    expect(runCli(['lint', '--no-color', '-'], { input: RENAME, env: { FORCE_COLOR: '1' } }).stdout).not.toMatch(/\u001b\[/);
    expect(runCli(['lint', '-'], { input: RENAME, env: { FORCE_COLOR: '0' } }).stdout).not.toMatch(/\u001b\[/);
  });
});

describe('lockwise.json', () => {
  it('is found upwards from the working directory, accepts comments, and configures rules and the environment', () => {
    const dir = tempProject({
      'lockwise.json': '{\n  // our deploy tool sets lock_timeout\n  "lockTimeoutSetByTool": true,\n  "rules": { "no-rename-column": "warning" },\n  "exclude": ["db/legacy/**"],\n}\n',
      'db/migrate/1.sql': RENAME,
      'db/legacy/0.sql': 'DROP TABLE users;\n',
    });
    const run = runCli(['lint', '-f', 'json', '.'], { cwd: `${dir}/db` });
    expect(run.status).toBe(0);
    const output = json(run.stdout);
    expect(output.files).toEqual(['migrate/1.sql']);
    expect(output.diagnostics.map((d) => [d.rule, d.severity])).toEqual([['no-rename-column', 'warning']]);
  });

  it('reports an unknown key or rule with its file, line and column, and exits 2', () => {
    const unknownKey = tempProject({ 'lockwise.json': '{\n  "pgVersion": 14,\n  "lockTimout": true\n}\n', 'a.sql': SAFE });
    let run = runCli(['lint', 'a.sql'], { cwd: unknownKey });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('lockwise: lockwise.json:3:3: unknown key "lockTimout"\n');

    const unknownRule = tempProject({ 'lockwise.json': '{ "rules": {\n  "no-rename-colum": "off" } }', 'a.sql': SAFE });
    run = runCli(['lint', 'a.sql'], { cwd: unknownRule });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('lockwise: lockwise.json:2:3: unknown rule "no-rename-colum" (run "lockwise rules" to list them)\n');

    const badValue = tempProject({ 'lockwise.json': '{ "pgVersion": 99 }', 'a.sql': SAFE });
    run = runCli(['lint', 'a.sql'], { cwd: badValue });
    expect(run.stderr).toBe('lockwise: lockwise.json:1:16: "pgVersion" must be <= 18\n');

    const broken = tempProject({ 'lockwise.json': '{ "pgVersion": 14 ', 'a.sql': SAFE });
    run = runCli(['lint', 'a.sql'], { cwd: broken });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^lockwise: lockwise\.json:1:\d+: invalid JSON: \w+\n$/);
  });

  it('is taken from --config when given', () => {
    const dir = tempProject({ 'conf/lint.json': '{ "rules": { "no-rename-column": "off" } }', 'a.sql': RENAME });
    expect(runCli(['lint', '--config', 'conf/lint.json', 'a.sql'], { cwd: dir }).status).toBe(0);
    const missing = runCli(['lint', '--config', 'nope.json', 'a.sql'], { cwd: dir });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^lockwise: nope\.json: cannot read the configuration/);
  });
});

describe('lockwise rules and explain', () => {
  it('lists every rule with its severity and whether the default configuration turns it on', () => {
    const run = runCli(['rules']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^rule\s+severity\s+by default\s+summary$/m);
    expect(run.stdout).toMatch(/^require-lock-timeout\s+warning\s+on\s+Requires lock_timeout/m);
    expect(run.stdout).toMatch(/^no-rename-column\s+error\s+on\s+/m);
    expect(run.stdout).toMatch(/^prefer-text\s+warning\s+off \(on in recommended-style, strict\)\s+Prefers text/m);
    expect(run.stdout).toMatch(/^syntax-error\s+error\s+always\s+/m);
  });

  it('prints a rule\'s documentation, and refuses unknown rules', () => {
    const run = runCli(['explain', 'require-not-valid']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('# require-not-valid');
    expect(run.stdout).toContain('## Why it is dangerous');
    expect(run.stdout).toContain('NOT VALID');
    const unknown = runCli(['explain', 'nope']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toBe('lockwise: explain nope: unknown rule (run "lockwise rules" to list them)\n');
  });
});

describe('presets', () => {
  it('runs the recommended rules by default, and every rule with "extends": "strict"', () => {
    const sql = "SET lock_timeout = '2s';\nCREATE TABLE events (id serial PRIMARY KEY, at timestamp);\n";
    const byDefault = runCli(['lint', '-f', 'json', 'a.sql'], { cwd: tempProject({ 'a.sql': sql }) });
    expect(json(byDefault.stdout).diagnostics).toEqual([]);
    const strict = runCli(['lint', '-f', 'json', 'a.sql'], { cwd: tempProject({ 'a.sql': sql, 'lockwise.json': '{ "extends": "strict" }' }) });
    expect(json(strict.stdout).diagnostics.map((d) => d.rule)).toEqual(expect.arrayContaining(['prefer-identity', 'prefer-timestamptz']));
    const styleButNotIdentity = runCli(['lint', '-f', 'json', 'a.sql'], {
      cwd: tempProject({ 'a.sql': sql, 'lockwise.json': '{ "extends": ["recommended", "recommended-style"], "rules": { "prefer-identity": "off" } }' }),
    });
    const rules = json(styleButNotIdentity.stdout).diagnostics.map((d) => d.rule);
    expect(rules).toContain('prefer-timestamptz');
    expect(rules).not.toContain('prefer-identity');
  });
});
