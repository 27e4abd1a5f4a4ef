import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';

/** The hook as pre-commit reads it: the `entry` command, run with the staged files matching `files` as arguments. */
function hook(): { entry: string[]; files: RegExp } {
  const text = readFileSync(path.join(REPO_ROOT, '.pre-commit-hooks.yaml'), 'utf8');
  const entry = /^\s*entry:\s*(.+)$/m.exec(text)![1]!.trim().split(/\s+/);
  const files = new RegExp(/^\s*files:\s*(.+)$/m.exec(text)![1]!.trim());
  return { entry, files };
}

describe('pre-commit hook', () => {
  it('lints the staged SQL files it is given, with their folder\'s history, and fails the commit on errors', () => {
    const { entry, files } = hook();
    expect(entry.slice(0, 1)).toEqual(['lockwise']);
    const staged = ['db/2_rename.sql', 'README.md', 'db/3_add.sql'].filter((file) => files.test(file));
    expect(staged).toEqual(['db/2_rename.sql', 'db/3_add.sql']);
    const dir = tempProject({
      'db/1_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, username text);\n',
      'db/2_rename.sql': "SET lock_timeout = '2s';\nALTER TABLE users RENAME COLUMN username TO handle;\n",
      'db/3_add.sql': "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN bio text;\n",
    });
    const run = runCli([...entry.slice(1), '-f', 'gcc', ...staged], { cwd: dir });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('db/2_rename.sql:2:1: error: ' + run.stdout.split(': error: ')[1]);
    expect(run.stdout).toContain('[no-rename-column]');
    const clean = runCli([...entry.slice(1), 'db/3_add.sql'], { cwd: dir });
    expect(clean.status).toBe(0);
  });
});
