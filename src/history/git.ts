import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** Thrown when git cannot answer: not a repository, an unknown ref. Its message names the problem in one line. */
export class GitError extends Error {}

function git(cwd: string, args: string[]): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim().split('\n')[0];
    throw new GitError(stderr || (error as Error).message);
  }
}

export interface GitRepository {
  /** Absolute path of the work tree's top folder. */
  root: string;
}

/** The repository containing `dir`, or undefined outside one (or without git installed). */
export function findRepository(dir: string): GitRepository | undefined {
  try {
    return { root: git(dir, ['rev-parse', '--show-toplevel']).trim() };
  } catch {
    return undefined;
  }
}

/** Absolute paths of the files that exist at `ref`. */
export function filesAtRef(repository: GitRepository, ref: string): Set<string> {
  verifyRef(repository, ref);
  const listed = git(repository.root, ['ls-tree', '-r', '--name-only', '-z', ref]).split('\0').filter(Boolean);
  return new Set(listed.map((file) => path.join(repository.root, file)));
}

/** Absolute paths of files added or changed since `ref` in the work tree, including untracked ones git does not ignore. */
export function changedSince(repository: GitRepository, ref: string): Set<string> {
  verifyRef(repository, ref);
  const changed = git(repository.root, ['diff', '--name-only', '-z', '--no-renames', ref, '--']).split('\0');
  const untracked = git(repository.root, ['ls-files', '--others', '--exclude-standard', '-z']).split('\0');
  return new Set([...changed, ...untracked].filter(Boolean).map((file) => path.join(repository.root, file)));
}

/** When each file was first committed (seconds since the epoch), from one `git log` over the folder. */
export function firstCommitTimes(repository: GitRepository, folder: string): Map<string, Date> {
  const log = git(repository.root, ['log', '--diff-filter=A', '--format=@%ct', '--name-only', '-z', '--', path.relative(repository.root, folder) || '.']);
  const times = new Map<string, Date>();
  let current: Date | undefined;
  for (const entry of log.split(/[\0\n]/)) {
    if (entry.startsWith('@')) current = new Date(Number(entry.slice(1)) * 1000);
    else if (entry && current) times.set(path.join(repository.root, entry), current);
  }
  return times;
}

/** Whether `ref` names a commit this clone has: a shallow clone lacks older ones. */
export function isCommit(repository: GitRepository, ref: string): boolean {
  try {
    git(repository.root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
    return true;
  } catch {
    return false;
  }
}

function verifyRef(repository: GitRepository, ref: string): void {
  if (!isCommit(repository, ref)) throw new GitError(`--since ${ref}: not a commit in ${repository.root}`);
}
