import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Log } from 'sarif';
import { runCli, tempProject } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const require = createRequire(import.meta.url);
const RENAME = "SET lock_timeout = '2s';\nALTER TABLE users RENAME COLUMN username TO handle;\n";

function sarifOf(args: string[], cwd = REPO_ROOT): Log {
  const run = runCli(['lint', '-f', 'sarif', ...args], { cwd });
  return JSON.parse(run.stdout) as Log;
}

describe('SARIF', () => {
  it('passes Microsoft\'s SARIF validator, GitHub ingestion rules included, with no error and no warning', () => {
    const dir = tempProject({});
    const output = path.join(dir, 'fixtures.sarif');
    const run = runCli(['lint', '-f', 'sarif', '-o', output, 'fixtures', 'examples']);
    expect(run.status).toBe(1);
    const log = JSON.parse(readFileSync(output, 'utf8')) as Log;
    expect(log.runs[0]!.results!.length).toBeGreaterThan(100);
    const validator = path.join(path.dirname(require.resolve('@microsoft/sarif-multitool-linux/package.json')), 'Sarif.Multitool');
    const report = path.join(dir, 'validation.sarif');
    execFileSync(validator, ['validate', output, '--rule-kind', 'Sarif;Gh', '-o', report, '--log', 'ForceOverwrite'], { stdio: 'pipe' });
    const validation = JSON.parse(readFileSync(report, 'utf8')) as Log;
    const problems = (validation.runs[0]!.results ?? []).map((result) => `${result.level} ${result.ruleId}: ${JSON.stringify(result.message)}`);
    expect(problems).toEqual([]);
  }, 120_000);

  it('describes each rule with help pointing at its docs, and locates results relative to the repository', () => {
    const dir = tempProject({ 'db/1_rename.sql': RENAME });
    const log = sarifOf(['db'], dir);
    const run = log.runs[0]!;
    expect(run.tool.driver.rules!.map((rule) => rule.id)).toEqual(['no-rename-column']);
    expect(run.tool.driver.rules![0]!.helpUri).toBe('https://github.com/lockwise/lockwise/blob/main/docs/rules/no-rename-column.md');
    const [result] = run.results!;
    expect(result).toMatchObject({ ruleId: 'no-rename-column', ruleIndex: 0, level: 'error' });
    expect(result!.locations![0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'db/1_rename.sql', uriBaseId: '%SRCROOT%' },
      region: { startLine: 2, startColumn: 1, endLine: 2, endColumn: 51 },
    });
    expect(run.originalUriBaseIds!['%SRCROOT%']!.uri).toBe(`file://${dir}/`);
  });

  it('keeps fingerprints when unrelated lines move, and changes them when the flagged statement does', () => {
    const fingerprints = (sql: string): string[] => {
      const dir = tempProject({ 'db/1_rename.sql': sql });
      return sarifOf(['db'], dir).runs[0]!.results!.map((result) => result.partialFingerprints!['lockwiseFinding/v2']!);
    };
    const original = fingerprints(RENAME);
    expect(fingerprints(`-- a comment added above\n\n${RENAME}`)).toEqual(original);
    expect(fingerprints(RENAME.replace('handle', 'nickname'))).not.toEqual(original);
  });

  it('keeps fingerprints when only the wording of a message changes, as when the history learns the index\'s table', () => {
    const dir = tempProject({ 'db/2_drop.sql': 'DROP INDEX users_email_idx;\n' });
    const findingsOfDrop = (): Array<{ message: string; sarif: string; gitlab: string }> => {
      const sarif = sarifOf(['db'], dir).runs[0]!.results!;
      const gitlab = JSON.parse(runCli(['lint', '-f', 'gitlab', 'db'], { cwd: dir }).stdout) as Array<{ fingerprint: string; location: { path: string } }>;
      return sarif
        .map((result, index) => ({ message: result.message.text!, sarif: result.partialFingerprints!['lockwiseFinding/v2']!, gitlab: gitlab[index]!.fingerprint, file: gitlab[index]!.location.path }))
        .filter((finding) => finding.file === 'db/2_drop.sql')
        .map(({ file: _file, ...finding }) => finding);
    };
    const alone = findingsOfDrop();
    writeFileSync(path.join(dir, 'db/1_create.sql'), 'CREATE TABLE users (id bigint, email text);\nCREATE INDEX users_email_idx ON users (email);\n');
    const withHistory = findingsOfDrop();
    expect(alone.map((finding) => finding.message)).toEqual([expect.stringContaining('on the table of users_email_idx'), expect.stringContaining('on the table of index users_email_idx')]);
    expect(withHistory.map((finding) => finding.message)).toEqual([expect.stringContaining('on users, the table of users_email_idx'), expect.stringContaining('lock on users,')]);
    expect(withHistory.map(({ sarif, gitlab }) => ({ sarif, gitlab }))).toEqual(alone.map(({ sarif, gitlab }) => ({ sarif, gitlab })));
  });

  it('reports syntax errors as results', () => {
    const dir = tempProject({ 'db/1_broken.sql': 'ALTER TABLE users ADD COLUMN;\n' });
    const run = sarifOf(['db'], dir).runs[0]!;
    expect(run.results!.map((result) => result.ruleId)).toEqual(['syntax-error']);
    expect(run.tool.driver.rules![0]!.shortDescription!.text).toBe('The file is not valid PostgreSQL.');
  });
});

describe('GitHub annotations', () => {
  it('escapes messages so that newlines, % and :: cannot break or inject workflow commands, and writes a job summary', () => {
    const summary = path.join(tempProject({}), 'summary.md');
    writeFileSync(summary, '');
    const hostile = 'ALTER TABLE "x::error file=evil.sql::pwned%0Aline" RENAME COLUMN a TO b;\n';
    const run = runCli(['lint', '-f', 'github', '--stdin-filename', 'db/1.sql'], { input: `SET lock_timeout = '1s';\n${hostile}`, env: { GITHUB_STEP_SUMMARY: summary } });
    expect(run.status).toBe(1);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^::error title=lockwise%3A no-rename-column,file=db\/1\.sql,line=2,endLine=2,col=1,endColumn=\d+::/);
    // A workflow command starts only at the beginning of a line; the message's own `::` stay inside this one.
    const message = lines[0]!.slice(lines[0]!.indexOf('::', 2) + 2);
    expect(message).toContain('"x::error file=evil.sql::pwned%250Aline"');
    expect(message).toContain('%0A%0AReplace');
    const written = readFileSync(summary, 'utf8');
    expect(written).toContain('<h2>lockwise</h2>');
    expect(written).toContain('<td>db/1.sql</td><td>no-rename-column</td><td>1</td>');
  });

  it('still reports the findings when the job summary cannot be written', () => {
    const missing = path.join(tempProject({}), 'no-such-folder', 'summary.md');
    const run = runCli(['lint', '-f', 'github', '-'], { input: RENAME, env: { GITHUB_STEP_SUMMARY: missing } });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('::error title=lockwise%3A no-rename-column');
    expect(run.stderr).toMatch(/^lockwise: job summary not written: .*summary\.md.*\n$/);
  });

  it('adds annotations to the normal output inside GitHub Actions, unless turned off', () => {
    const inActions = runCli(['lint', '-'], { input: RENAME, env: { GITHUB_ACTIONS: 'true' } });
    expect(inActions.stdout).toContain('::error title=lockwise%3A no-rename-column');
    expect(inActions.stdout).toContain('1 problem (1 error, 0 warnings)');
    const off = runCli(['lint', '--no-github-annotations', '-'], { input: RENAME, env: { GITHUB_ACTIONS: 'true' } });
    expect(off.stdout).not.toContain('::error');
  });
});

describe('editor and CI formats', () => {
  it('writes gcc-style lines for compile-error parsers', () => {
    const run = runCli(['lint', '-f', 'gcc', '--stdin-filename', 'db/1.sql', '-'], { input: RENAME });
    expect(run.stdout).toMatch(/^db\/1\.sql:2:1: error: Renaming users\.username to handle .* \[no-rename-column\]\n$/);
  });

  it('writes a GitLab code quality report', () => {
    const run = runCli(['lint', '-f', 'gitlab', '--stdin-filename', 'db/1.sql', '-'], { input: RENAME });
    const issues = JSON.parse(run.stdout) as Array<Record<string, unknown>>;
    expect(issues).toEqual([
      {
        description: expect.stringContaining('Renaming users.username'),
        check_name: 'no-rename-column',
        fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/),
        severity: 'critical',
        location: { path: 'db/1.sql', lines: { begin: 2, end: 2 } },
      },
    ]);
  });
});
