import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Log } from 'sarif';
import { describe, expect, it } from 'vitest';
import { tempProject } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const ACTION_DIST = path.join(REPO_ROOT, 'action-dist');
const TIMEOUT_MS = 60_000;

const BASE_MIGRATIONS = {
  'db/1_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, username text, email text);\n',
  // Flagged (require-concurrent-index), but deployed before the pull request: --since leaves it out.
  'db/2_email_index.sql': "SET lock_timeout = '2s';\nCREATE INDEX users_email_idx ON users (email);\n",
};
const RENAME_AND_BACKFILL = "SET lock_timeout = '2s';\nALTER TABLE users RENAME COLUMN username TO handle;\nUPDATE users SET email = lower(email);\n";
const BACKFILL_ONLY = "SET lock_timeout = '2s';\nUPDATE users SET email = lower(email);\n";

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: TIMEOUT_MS });
}

interface PullRequestRepo {
  workspace: string;
  baseSha: string;
}

/** A repository whose base commit holds the deployed migrations and whose head commit adds `added`, as a pull request would. */
function pullRequestRepo(added: Record<string, string>): PullRequestRepo {
  const workspace = tempProject(BASE_MIGRATIONS);
  git(workspace, 'init', '--quiet', '--initial-branch=main');
  git(workspace, 'config', 'user.email', 'ci@example.com');
  git(workspace, 'config', 'user.name', 'CI');
  git(workspace, 'add', '--all');
  git(workspace, 'commit', '--quiet', '--message', 'base');
  const baseSha = git(workspace, 'rev-parse', 'HEAD').trim();
  for (const [file, content] of Object.entries(added)) {
    mkdirSync(path.dirname(path.join(workspace, file)), { recursive: true });
    writeFileSync(path.join(workspace, file), content);
  }
  git(workspace, 'add', '--all');
  git(workspace, 'commit', '--quiet', '--message', 'head');
  return { workspace, baseSha };
}

interface ActionRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** What the step set with core.setOutput. */
  outputs: Record<string, string>;
  summary: string;
  /** The workflow commands that annotate a file. */
  annotations: string[];
  /** `::error::` lines without a file: why the step failed. */
  failures: string[];
  /** RUNNER_TEMP, also the process's working directory: the action must work in GITHUB_WORKSPACE wherever it is started. */
  runnerTemp: string;
}

/** Runs the committed bundle as the runner does, `node action-dist/index.mjs`, with the inputs and the workflow's context in the environment. */
function runAction(workspace: string, inputs: Record<string, string>, event: { name: string; payload?: unknown } = { name: 'push' }): ActionRun {
  const runnerTemp = mkdtempSync(path.join(os.tmpdir(), 'lockwise-runner-'));
  const eventPath = path.join(runnerTemp, 'event.json');
  const outputPath = path.join(runnerTemp, 'output');
  const summaryPath = path.join(runnerTemp, 'summary.md');
  writeFileSync(eventPath, JSON.stringify(event.payload ?? {}));
  writeFileSync(outputPath, '');
  writeFileSync(summaryPath, '');
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(GITHUB_|INPUT_|RUNNER_)|^(NO_COLOR|FORCE_COLOR)$/.test(name)));
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    RUNNER_TEMP: runnerTemp,
  };
  // The runner names each input INPUT_ and the input's name upper-cased, hyphens kept.
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  const result = spawnSync(process.execPath, [path.join(ACTION_DIST, 'index.mjs')], { cwd: runnerTemp, env, encoding: 'utf8', timeout: TIMEOUT_MS });
  const lines = result.stdout.split('\n');
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    outputs: parseOutputFile(readFileSync(outputPath, 'utf8')),
    summary: readFileSync(summaryPath, 'utf8'),
    annotations: lines.filter((line) => /^::(error|warning|notice) [^:]*file=/.test(line)),
    failures: lines.filter((line) => line.startsWith('::error::')),
    runnerTemp,
  };
}

/** The `name<<delimiter` blocks @actions/core appends to GITHUB_OUTPUT. */
function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const match of text.matchAll(/^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[match[1]!] = match[3]!;
  return outputs;
}

const pullRequestEvent = (baseSha: string) => ({ name: 'pull_request', payload: { pull_request: { base: { sha: baseSha } } } });

describe('GitHub Action', () => {
  it('on a pull request, annotates only the migrations it adds, sets outputs, writes SARIF and the job summary, and fails on errors', () => {
    const { workspace, baseSha } = pullRequestRepo({ 'db/3_rename.sql': RENAME_AND_BACKFILL });
    const runnerSarif = path.join(mkdtempSync(path.join(os.tmpdir(), 'lockwise-sarif-')), 'results', 'lockwise.sarif');
    const run = runAction(workspace, { path: 'db', 'pg-version': '16', 'sarif-file': runnerSarif, 'fail-on': 'error', config: '' }, pullRequestEvent(baseSha));

    expect(run.status, run.stderr).toBe(1);
    expect(run.annotations).toHaveLength(2);
    expect(run.annotations[0]).toMatch(/^::error title=lockwise%3A no-rename-column,file=db\/3_rename\.sql,line=2,endLine=2,col=1,endColumn=\d+::Renaming users\.username/);
    expect(run.annotations[1]).toMatch(/^::warning title=lockwise%3A no-unbatched-backfill,file=db\/3_rename\.sql,line=3,/);
    expect(run.stdout).toContain('db/3_rename.sql\n  2:1  error');
    expect(run.failures).toEqual(['::error::lockwise: 1 error and 1 warning (fail-on: error)']);
    expect(run.outputs).toEqual({ errors: '1', warnings: '1', 'sarif-file': runnerSarif });

    const sarif = JSON.parse(readFileSync(runnerSarif, 'utf8')) as Log;
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(sarif.runs[0]!.tool.driver.version).toBe(manifest.version);
    expect(sarif.runs[0]!.results!.map((result) => [result.ruleId, result.locations![0]!.physicalLocation!.artifactLocation!.uri])).toEqual([
      ['no-rename-column', 'db/3_rename.sql'],
      ['no-unbatched-backfill', 'db/3_rename.sql'],
    ]);

    expect(run.summary).toContain('<h2>lockwise</h2>');
    expect(run.summary).toContain('1 migration file linted: 1 error, 1 warning.');
    expect(run.summary).toContain('<tr><td>db/3_rename.sql</td><td>no-rename-column</td><td>1</td><td>0</td><td>0</td></tr>');
  });

  it('lints every migration outside a pull request, and never fails on findings with fail-on never', () => {
    const { workspace } = pullRequestRepo({ 'db/3_rename.sql': RENAME_AND_BACKFILL });
    const run = runAction(workspace, { path: 'db', 'fail-on': 'never' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.failures).toEqual([]);
    expect(run.annotations.map((line) => /file=([^,]+),line=(\d+)/.exec(line)!.slice(1).join(':'))).toEqual(['db/2_email_index.sql:2', 'db/3_rename.sql:2', 'db/3_rename.sql:3']);
    expect(run.outputs).toEqual({ errors: '2', warnings: '1', 'sarif-file': '' });
  });

  it('fails on warnings only with fail-on warning, and reads the configuration input', () => {
    const { workspace, baseSha } = pullRequestRepo({
      'db/3_backfill.sql': BACKFILL_ONLY,
      'ci/lockwise.json': JSON.stringify({ rules: { 'no-unbatched-backfill': 'off' } }),
    });
    const event = pullRequestEvent(baseSha);
    const onErrors = runAction(workspace, { path: 'db' }, event);
    expect(onErrors.status, onErrors.stderr).toBe(0);
    expect(onErrors.outputs).toMatchObject({ errors: '0', warnings: '1' });

    const onWarnings = runAction(workspace, { path: 'db', 'fail-on': 'warning' }, event);
    expect(onWarnings.status).toBe(1);
    expect(onWarnings.failures).toEqual(['::error::lockwise: 0 errors and 1 warning (fail-on: warning)']);

    const configured = runAction(workspace, { path: 'db', 'fail-on': 'warning', config: 'ci/lockwise.json' }, event);
    expect(configured.status, configured.stderr).toBe(0);
    expect(configured.outputs).toMatchObject({ errors: '0', warnings: '0' });
  });

  it('takes inputs as literal values: shell syntax in a path is a path that does not exist, and runs nothing', () => {
    const { workspace, baseSha } = pullRequestRepo({ 'db/3_rename.sql': RENAME_AND_BACKFILL });
    const run = runAction(workspace, { path: '$(touch pwned)\n; touch pwned\n`touch pwned`', 'fail-on': 'never' }, pullRequestEvent(baseSha));
    expect(run.status).toBe(1);
    expect(run.failures).toHaveLength(1);
    expect(run.failures[0]).toMatch(/^::error::lockwise: \$\(touch pwned\): .*; ; touch pwned: no such file or directory; `touch pwned`: no such file or directory$/);
    const since = runAction(workspace, { path: 'db', since: '$(touch pwned); touch pwned' });
    expect(since.status).toBe(1);
    expect(since.failures).toEqual(['::error::lockwise: input since $(touch pwned); touch pwned is not in this clone: check out the history with actions/checkout and fetch-depth: 0']);
    const option = runAction(workspace, { path: 'db', since: '--output=pwned' });
    expect(option.status).toBe(1);
    expect(option.failures).toEqual([expect.stringMatching(/^::error::lockwise: input since --output=pwned is not in this clone/)]);
    for (const dir of [workspace, run.runnerTemp, since.runnerTemp, option.runnerTemp]) expect(readdirSync(dir)).not.toContain('pwned');
    expect(existsSync(path.join(ACTION_DIST, 'pwned'))).toBe(false);
  });

  it('tells a shallow checkout to fetch the history when the pull request\'s base commit is missing', () => {
    const { workspace, baseSha } = pullRequestRepo({ 'db/3_rename.sql': RENAME_AND_BACKFILL });
    const shallow = path.join(mkdtempSync(path.join(os.tmpdir(), 'lockwise-shallow-')), 'clone');
    git(os.tmpdir(), 'clone', '--quiet', '--depth', '1', `file://${workspace}`, shallow);
    const run = runAction(shallow, { path: 'db' }, pullRequestEvent(baseSha));
    expect(run.status).toBe(1);
    expect(run.annotations).toEqual([]);
    expect(run.failures).toEqual([
      `::error::lockwise: the pull request's base commit ${baseSha} is not in this clone: check out the history with actions/checkout and fetch-depth: 0`,
    ]);
  });

  it('fails in one line naming the input when an input has a bad value', () => {
    const workspace = tempProject(BASE_MIGRATIONS);
    const failures = (inputs: Record<string, string>): string[] => {
      const run = runAction(workspace, inputs);
      expect(run.status).toBe(1);
      return run.failures;
    };
    expect(failures({ path: 'db', 'fail-on': 'sometimes' })).toEqual(['::error::lockwise: input fail-on sometimes: give one of error, warning, never']);
    expect(failures({ path: 'db', 'pg-version': '9.6' })).toEqual(['::error::lockwise: input pg-version 9.6: give a PostgreSQL major version from 10 to 18']);
    expect(failures({ path: '' })).toEqual(['::error::lockwise: input path: give the migrations folder, files or globs to lint, one per line']);
    expect(failures({ path: 'db', config: 'missing.json' })).toEqual([expect.stringMatching(/^::error::lockwise: missing\.json: cannot read the configuration: /)]);
  });

  it('declares in action.yml and documents in the README exactly the inputs and outputs the entry uses, and runs the committed bundle with no shell step', () => {
    const actionYml = readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8');
    const section = (name: string): string[] => {
      const body = new RegExp(`^${name}:\\n((?:  .*\\n)+)`, 'm').exec(actionYml)![1]!;
      return [...body.matchAll(/^ {2}([\w-]+):/gm)].map((match) => match[1]!);
    };
    const entry = readFileSync(path.join(REPO_ROOT, 'src/cli/github-action.ts'), 'utf8');
    const read = [...entry.matchAll(/core\.get(?:Multiline)?Input\('([\w-]+)'/g)].map((match) => match[1]!);
    const set = [...entry.matchAll(/core\.setOutput\('([\w-]+)'/g)].map((match) => match[1]!);
    expect(section('inputs').sort()).toEqual([...new Set(read)].sort());
    expect(section('outputs').sort()).toEqual(set.sort());
    expect(section('runs')).toEqual(['using', 'main']);
    expect(actionYml).toMatch(/^ {2}using: node20\n {2}main: action-dist\/index\.mjs\n/m);
    expect(actionYml).not.toMatch(/\$\{\{|\bshell:|\brun:/);

    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const readmeSection = /^### GitHub Action\n([\s\S]*?)^### /m.exec(readme)![1]!;
    const documented = [...readmeSection.matchAll(/^\| `([\w-]+)` \|/gm)].map((match) => match[1]!);
    expect(documented).toEqual([...section('inputs'), ...section('outputs')]);
  });

  it('ships a bundle that is what npm run build:action makes from the sources', () => {
    const fresh = path.join(mkdtempSync(path.join(os.tmpdir(), 'lockwise-action-')), 'action-dist');
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts/build-action.mjs'), fresh], { cwd: REPO_ROOT, stdio: 'pipe', timeout: 120_000 });
    const stale = 'action-dist/ differs from a fresh build: run npm run build:action and commit the result';
    expect(readdirSync(ACTION_DIST).sort(), stale).toEqual(readdirSync(fresh).sort());
    for (const file of readdirSync(fresh)) {
      expect(readFileSync(path.join(ACTION_DIST, file)).equals(readFileSync(path.join(fresh, file))), `${stale} (${file})`).toBe(true);
    }
  }, 120_000);
});
