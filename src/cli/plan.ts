import path from 'node:path';
import type { ResolvedConfig } from '../engine/config.js';
import type { MigrationDates } from '../engine/context.js';
import type { LintInput, PlannedHistory, PlannedMigration } from '../engine/lint-sources.js';
import { findMigrationFolder, prepareMigration, type FrameworkName, type MigrationEntry, type MigrationFolder } from '../history/frameworks.js';
import { changedSince, filesAtRef, findRepository, firstCommitTimes, type GitRepository } from '../history/git.js';
import type { TransactionMode } from '../model/session-state.js';
import { readInput, ReadOnce } from './inputs.js';
import { PlanError } from './user-errors.js';

export interface PlanOptions {
  cwd: string;
  config: ResolvedConfig & { framework?: FrameworkName };
  /** Files to lint, as displayed; those in `explicit` were named on the command line. */
  files: string[];
  explicit: Set<string>;
  /** Input read from stdin, standing for the file at its path. */
  stdin?: LintInput;
  /** Report only migrations added or changed since this git ref; the rest is history. */
  since?: string;
}

export interface LintPlan {
  histories: PlannedHistory[];
  dates: MigrationDates;
  /** What lockwise decided about the folders, for --verbose. */
  notes: string[];
  /** Files named on the command line that lockwise does not lint, with why; always shown. */
  skipped: string[];
}

interface FolderGroup {
  folder: MigrationFolder;
  review: Set<string>;
}

/** A migration folder with its files looked up by absolute path: a folder may hold thousands. */
interface IndexedFolder {
  folder: MigrationFolder;
  migrations: Set<string>;
  /** Absolute path → why the framework does not run it. */
  ignored: Map<string, string>;
}

/** The files a migration folder might hold a file at: its own folder, or the one above for per-migration folders. */
function candidateFolders(absolute: string): string[] {
  const parent = path.dirname(absolute);
  const perMigrationFolder = ['migration.sql', 'up.sql', 'down.sql'].includes(path.basename(absolute)) || ['deploy', 'revert', 'verify'].includes(path.basename(parent));
  return perMigrationFolder ? [path.dirname(parent), parent] : [parent];
}

/**
 * Groups the files into migration folders, each replayed in its framework's order up
 * to the last file under review, so that every migration is judged against the
 * history before it. Files outside any history are linted on their own.
 */
export async function planLint(options: PlanOptions): Promise<LintPlan> {
  const { cwd, config } = options;
  const notes: string[] = [];
  const skipped: string[] = [];
  const folders = new Map<string, IndexedFolder>();
  const groups = new Map<string, FolderGroup>();
  const standalone: string[] = [];
  const files = new ReadOnce();

  const folderAt = async (dir: string): Promise<IndexedFolder> => {
    let indexed = folders.get(dir);
    if (!indexed) {
      const folder = await findMigrationFolder(dir, { cwd, readFile: files.peek, ...(config.framework ? { framework: config.framework } : {}) });
      indexed = {
        folder,
        migrations: new Set(folder.migrations.map((migration) => migration.absolutePath)),
        ignored: new Map(folder.ignored.map((item) => [path.resolve(cwd, item.path), item.reason])),
      };
      folders.set(dir, indexed);
      notes.push(`${folder.migrations[0] ? path.dirname(folder.migrations[0].path) : dir}: ${folder.framework} migrations, ${folder.migrations.length} in order`);
      for (const ignored of folder.ignored) notes.push(`${ignored.path}: not part of the history: ${ignored.reason}`);
    }
    return indexed;
  };

  const repository = options.since ? requireRepository(cwd) : undefined;
  const changed = repository && options.since ? changedSince(repository, options.since) : undefined;
  const atBase = repository && options.since ? filesAtRef(repository, options.since) : undefined;

  const paths = options.stdin && !options.files.includes(options.stdin.path) ? [...options.files, options.stdin.path] : options.files;
  for (const file of paths) {
    const absolute = path.resolve(cwd, file);
    const named = options.explicit.has(file) || file === options.stdin?.path;
    if (changed && !named && !changed.has(absolute)) continue;
    let placed = false;
    for (const dir of candidateFolders(absolute)) {
      const indexed = await folderAt(dir).catch(() => undefined);
      if (!indexed) continue;
      const { folder } = indexed;
      const ignoredBecause = indexed.ignored.get(absolute);
      if (indexed.migrations.has(absolute) && (folder.framework !== 'plain' || /^\d/.test(path.basename(absolute)))) {
        const group = groups.get(folder.root) ?? { folder, review: new Set<string>() };
        group.review.add(absolute);
        groups.set(folder.root, group);
        placed = true;
        break;
      }
      if (ignoredBecause !== undefined && folder.framework !== 'plain') {
        // A file named on the command line is linted on its own; one found in a folder is left to its tool.
        if (named) notes.push(`${file}: not part of the ${folder.framework} history (${ignoredBecause}): linted on its own`);
        placed = !named;
        break;
      }
    }
    if (!placed) standalone.push(file);
  }

  const histories: PlannedHistory[] = [];
  const stdinPath = options.stdin ? path.resolve(cwd, options.stdin.path) : undefined;
  for (const { folder, review } of groups.values()) {
    const lastReviewed = folder.migrations.findLastIndex((migration) => review.has(migration.absolutePath));
    const migrations: PlannedMigration[] = [];
    for (const entry of folder.migrations.slice(0, lastReviewed + 1)) {
      const stdinStandsIn = stdinPath === entry.absolutePath;
      const input = stdinStandsIn ? options.stdin! : readInput(entry.path, cwd, files.take);
      migrations.push(planMigration(folder.framework, entry, input, review.has(entry.absolutePath), config, notes));
    }
    histories.push({ migrations, ...(atBase ? { isDeployed: (migration: string) => atBase.has(path.resolve(cwd, migration)) } : {}) });
  }
  const looseMode: TransactionMode = config.assumeInTransaction ? 'wrapped' : 'none';
  for (const file of standalone) {
    const input = file === options.stdin?.path ? options.stdin : readInput(file, cwd, files.take);
    histories.push({ migrations: [{ input, transactionMode: looseMode, review: true }] });
  }
  return { histories, dates: gitDates(repository ? () => repository : () => findRepository(cwd), cwd), notes, skipped };
}

function planMigration(
  framework: FrameworkName,
  entry: MigrationEntry,
  input: LintInput,
  review: boolean,
  config: ResolvedConfig,
  notes: string[],
): PlannedMigration {
  if ('unreadable' in input) return { input, transactionMode: 'none', review };
  const prepared = prepareMigration(framework, entry, input.text);
  for (const note of prepared.notes) notes.push(`${entry.path}: ${note}`);
  // Plain folders say nothing of how they are run; the configuration does.
  const transactionMode = framework === 'plain' && config.assumeInTransaction ? 'wrapped' : prepared.transaction;
  return { input, upText: prepared.upText, transactionMode, review };
}

function requireRepository(cwd: string): GitRepository {
  const repository = findRepository(cwd);
  if (!repository) throw new PlanError('--since needs a git repository, and this folder is not in one');
  return repository;
}

/**
 * First-commit times from git, read once per folder when a rule first asks; git itself
 * runs only then, since most runs never need it and starting it costs start-up time.
 */
function gitDates(locate: () => GitRepository | undefined, cwd: string): MigrationDates {
  const byFolder = new Map<string, Map<string, Date>>();
  let located: { repository: GitRepository | undefined } | undefined;
  const repositoryOnce = (): GitRepository | undefined => (located ??= { repository: locate() }).repository;
  return {
    get available() {
      return repositoryOnce() !== undefined;
    },
    now: new Date(),
    committedAt(migration) {
      const repository = repositoryOnce();
      if (!repository) return undefined;
      const absolute = path.resolve(cwd, migration);
      const folder = path.dirname(absolute);
      let times = byFolder.get(folder);
      if (!times) {
        times = firstCommitTimes(repository, folder);
        byFolder.set(folder, times);
      }
      return times.get(absolute);
    },
  };
}
