import './baseline-compiler.js';
import * as core from '@actions/core';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { findRepository, isCommit } from '../history/git.js';
import { counted } from '../report/results.js';
import { EXIT_FINDINGS } from './exit-codes.js';
import { lintAndReport, parsePgVersion, type LintCommandOptions } from './lint-command.js';
import { isUserError, UsageError } from './user-errors.js';

/**
 * The GitHub Action's entry: `lockwise lint` run in the workspace with the step's
 * inputs as its options. Inputs reach it as values, never through a shell.
 */

const FAIL_ON = ['error', 'warning', 'never'] as const;
type FailOn = (typeof FAIL_ON)[number];

interface SinceRef {
  ref: string;
  /** How to name it in a message: the input, or the pull request's base. */
  described: string;
}

async function run(): Promise<void> {
  const cwd = process.env.GITHUB_WORKSPACE || process.cwd();
  // "-" would mean stdin to the CLI; in a workflow it can only be a file of that name.
  const paths = core.getMultilineInput('path').map((entry) => (entry === '-' ? './-' : entry));
  if (paths.length === 0) throw new UsageError('input path: give the migrations folder, files or globs to lint, one per line');
  const failOn = parseFailOn(core.getInput('fail-on') || 'error');
  const pgVersion = core.getInput('pg-version');
  if (pgVersion) parsePgVersion(pgVersion, 'input pg-version');
  const config = core.getInput('config');
  const sinceInput = core.getInput('since');
  const since: SinceRef | undefined = sinceInput ? { ref: sinceInput, described: `input since ${sinceInput}` } : pullRequestBase();
  if (since) requireCommit(cwd, since);
  const sarifInput = core.getInput('sarif-file');
  const sarifFile = sarifInput ? path.resolve(cwd, sarifInput) : undefined;
  if (sarifFile) mkdirSync(path.dirname(sarifFile), { recursive: true });

  const options: LintCommandOptions = {
    format: 'pretty',
    githubAnnotations: true,
    rule: [],
    disable: [],
    color: true,
    ...(config ? { config } : {}),
    ...(pgVersion ? { pgVersion } : {}),
    ...(since ? { since: since.ref } : {}),
    ...(failOn === 'warning' ? { maxWarnings: '0' } : {}),
    ...(sarifFile ? { extraReports: [{ format: 'sarif' as const, output: sarifFile }] } : {}),
  };
  const outcome = await lintAndReport(paths, options, { cwd, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
  core.setOutput('errors', outcome.errors);
  core.setOutput('warnings', outcome.warnings);
  core.setOutput('sarif-file', sarifFile ?? '');
  if (outcome.pathProblems.length > 0) {
    core.setFailed(`lockwise: ${outcome.pathProblems.join('; ')}`);
  } else if (outcome.exitCode === EXIT_FINDINGS && failOn !== 'never') {
    core.setFailed(`lockwise: ${counted(outcome.errors, 'error')} and ${counted(outcome.warnings, 'warning')} (fail-on: ${failOn})`);
  }
}

function parseFailOn(value: string): FailOn {
  if (!FAIL_ON.includes(value as FailOn)) throw new UsageError(`input fail-on ${value}: give one of ${FAIL_ON.join(', ')}`);
  return value as FailOn;
}

/** On a pull request, its base commit: the migrations the pull request adds or changes are the ones to review. */
function pullRequestBase(): SinceRef | undefined {
  const event = process.env.GITHUB_EVENT_NAME;
  const eventPath = process.env.GITHUB_EVENT_PATH;
  if ((event !== 'pull_request' && event !== 'pull_request_target') || !eventPath) return undefined;
  const payload = JSON.parse(readFileSync(eventPath, 'utf8')) as { pull_request?: { base?: { sha?: unknown } } };
  const sha = payload.pull_request?.base?.sha;
  return typeof sha === 'string' && sha !== '' ? { ref: sha, described: `the pull request's base commit ${sha}` } : undefined;
}

/** A shallow clone (actions/checkout's default) lacks the base commit; say how to fetch it rather than that git failed. */
function requireCommit(cwd: string, since: SinceRef): void {
  const repository = findRepository(cwd);
  if (repository && !isCommit(repository, since.ref)) {
    throw new UsageError(`${since.described} is not in this clone: check out the history with actions/checkout and fetch-depth: 0`);
  }
}

try {
  await run();
} catch (error) {
  if (isUserError(error)) core.setFailed(`lockwise: ${error.message}`);
  else core.setFailed(`lockwise: internal error: ${(error as Error).message}${process.env.LOCKWISE_DEBUG ? `\n${(error as Error).stack}` : ' (set LOCKWISE_DEBUG=1 for details)'}`);
}
