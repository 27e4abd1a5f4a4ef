import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

/**
 * The exact output of every format on the same project: a history with a finding of
 * every severity, a multi-line statement, non-ASCII text and a surrogate pair before a
 * finding, an unused suppression, and a syntax error in a file with CRLF line endings.
 * A change to any reporter shows up here as a reviewable diff of what users see.
 */
const PROJECT = path.join(import.meta.dirname, 'report-snapshots/project');
const SNAPSHOTS = path.join(import.meta.dirname, 'report-snapshots/expected');

/** The one value that depends on where the checkout lives. */
function withoutCheckoutPath(output: string): string {
  return output.split(pathToFileURL(PROJECT).href).join('file:///project');
}

function lintProject(args: string[], env: NodeJS.ProcessEnv = {}) {
  const run = runCli(['lint', ...args, 'migrations'], { cwd: PROJECT, env: { GITHUB_ACTIONS: undefined, ...env } });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(1);
  return run;
}

describe('exact output of every format on the same project', () => {
  it.each([
    ['pretty', 'pretty.txt'],
    ['json', 'json.json'],
    ['sarif', 'sarif.json'],
    ['gcc', 'gcc.txt'],
    ['gitlab', 'gitlab.json'],
  ])('%s', async (format, snapshot) => {
    const run = lintProject(['--format', format]);
    await expect(withoutCheckoutPath(run.stdout)).toMatchFileSnapshot(path.join(SNAPSHOTS, snapshot));
  });

  it('pretty with colours', async () => {
    const run = lintProject([], { FORCE_COLOR: '1' });
    await expect(run.stdout).toMatchFileSnapshot(path.join(SNAPSHOTS, 'pretty-color.txt'));
  });

  it('github: workflow commands and the job summary', async () => {
    // The runner creates the summary file before the step starts.
    const summary = path.join(mkdtempSync(path.join(os.tmpdir(), 'lockwise-summary-')), 'summary.md');
    writeFileSync(summary, '');
    const run = lintProject(['--format', 'github'], { GITHUB_STEP_SUMMARY: summary });
    await expect(run.stdout).toMatchFileSnapshot(path.join(SNAPSHOTS, 'github.txt'));
    await expect(readFileSync(summary, 'utf8')).toMatchFileSnapshot(path.join(SNAPSHOTS, 'github-summary.md'));
  });
});
