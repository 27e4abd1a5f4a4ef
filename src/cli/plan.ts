import path from 'node:path';
import type { ResolvedConfig } from '../engine/config.js';
import type { MigrationDates } from '../engine/context.js';
import type { LintInput, PlannedHistory, PlannedMigration } from '../engine/lint-sources.js';
import { digestsOf } from '../engine/lint-cache.js';
import {
  FILES_ON_DISK,
  findMigrationFolder,
  prepareMigration,
  TRANSACTION_OPT_OUTS,
  type RunnerTraits,
  type FrameworkName,
  type MigrationEntry,
  type MigrationFolder,
  type PreparedMigration,
  type SiblingFiles,
} from '../history/frameworks.js';
import { frameworkMarker, RELEASE_FOLDER_NAME } from '../history/layouts.js';
import { changelogsIn } from '../history/liquibase.js';
import { saidWithoutVerbose } from '../history/prepare.js';
import { changedSince, filesAtRef, findRepository, firstCommitTimes, type GitRepository } from '../history/git.js';
import type { TransactionMode } from '../model/session-state.js';
import { MigrationFiles } from './migration-files.js';
import { UNNAMED_STDIN } from './inputs.js';
import { displayPath, toPosix } from '../source/paths.js';
import { PlanError } from './user-errors.js';
import { counted } from '../report/results.js';

export interface PlanOptions {
  cwd: string;
  config: ResolvedConfig & { framework?: FrameworkName };
  /** Files to lint, as displayed; those in `explicit` were named on the command line. */
  files: string[];
  explicit: Set<string>;
  /** The folders named on the command line, absolute. */
  directories?: string[];
  /** Input read from stdin, standing for the file at its path. */
  stdin?: LintInput;
  /** Report only migrations added or changed since this git ref; the rest is history. */
  since?: string;
  /** Reads the migrations; one made with an earlier run's facts (--cache) skips the files that have not changed. */
  reader?: MigrationFiles;
}

export interface LintPlan {
  histories: PlannedHistory[];
  dates: MigrationDates;
  /** What lockwise decided about the folders, for --verbose. */
  notes: string[];
  /** What the run was told and could not do, said on stderr with or without --verbose. */
  warnings: string[];
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
  const perMigrationFolder =
    ['migration.sql', 'up.sql', 'down.sql'].includes(path.basename(absolute)) || ['deploy', 'revert', 'verify'].includes(path.basename(parent)) || RELEASE_FOLDER_NAME.test(path.basename(parent));
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
  const warnings: string[] = [];
  const folders = new Map<string, IndexedFolder>();
  const groups = new Map<string, FolderGroup>();
  const standalone: string[] = [];
  const reader = options.reader ?? new MigrationFiles();

  // What each folder holds, found once: a folder looked at as the one above a file's may then be the one it is linted in.
  const found = new Map<string, Promise<MigrationFolder>>();
  const findFolder = (dir: string): Promise<MigrationFolder> => {
    let folder = found.get(dir);
    if (!folder) found.set(dir, (folder = findMigrationFolder(dir, { cwd, markerOf: reader.markerOf, ...(config.framework ? { framework: config.framework } : {}) })));
    return folder;
  };

  const folderAt = async (dir: string): Promise<IndexedFolder> => {
    let indexed = folders.get(dir);
    if (!indexed) {
      const folder = await findFolder(dir);
      indexed = {
        folder,
        migrations: new Set(folder.migrations.map((migration) => migration.absolutePath)),
        ignored: new Map(folder.ignored.map((item) => [path.resolve(cwd, item.path), item.reason])),
      };
      folders.set(dir, indexed);
      const shownRoot = displayPath(folder.root, cwd) || '.';
      if (folder.framework === 'plain' && folder.migrations.length === 0) {
        notes.push(`${shownRoot}: no migration history (no file name starts with a version number), so each file is linted on its own`);
      } else {
        notes.push(`${shownRoot}: ${folder.framework} migrations, ${folder.migrations.length} in order`);
        for (const ignored of folder.ignored) notes.push(`${ignored.path}: not part of the history: ${ignored.reason}`);
      }
      for (const problem of folder.problems ?? []) warnings.push(`${shownRoot}: ${problem}`);
      if (config.framework && folder.migrations.length === 0 && folder.ignored.length > 0) {
        const [first] = folder.ignored;
        warnings.push(`${shownRoot}: ${config.framework}, as configured, runs none of the ${counted(folder.ignored.length, 'file')} in it (${first!.path}: ${first!.reason}), so none of them is linted`);
      } else {
        // Down, undo and revert scripts are meant to be left out; a file the tool skips for its name may be a migration the user expects to run.
        const skipped = folder.ignored.filter((item) => SKIPPED_FOR_ITS_NAME.test(item.reason));
        if (skipped.length > 0) {
          const [first] = skipped;
          warnings.push(`${shownRoot}: ${folder.framework} does not run ${counted(skipped.length, 'SQL file')} in it, so ${skipped.length > 1 ? 'they are' : 'it is'} not linted (${first!.path}: ${first!.reason}); --verbose lists them`);
        }
      }
    }
    return indexed;
  };

  const repository = options.since ? requireRepository(cwd) : undefined;
  const changed = repository && options.since ? changedSince(repository, options.since) : undefined;
  const atBase = repository && options.since ? filesAtRef(repository, options.since) : undefined;

  const paths = options.stdin && !options.files.includes(options.stdin.path) ? [...options.files, options.stdin.path] : options.files;
  // A folder's files may be a tern folder's templates, which it runs only inside its migrations, or migrations of a Flyway
  // location above it, which reads its subfolders too: a folder of the run (named, or holding files linted), up to three folders
  // up, whose tool takes the file. The outermost first.
  const foldersLinted = new Set([...paths.map((file) => path.dirname(path.resolve(cwd, file))), ...(options.directories ?? [])]);
  const foldersAbove = new Map<string, string[]>();
  const changelogFolders = new Map<string, boolean>();
  const holdsMasterChangelog = (dir: string): boolean => {
    if (config.framework !== undefined && config.framework !== 'liquibase') return false;
    let holds = changelogFolders.get(dir);
    if (holds === undefined) changelogFolders.set(dir, (holds = changelogsIn(dir, undefined, { namedAsChangelog: true }).length > 0));
    return holds;
  };
  // A Liquibase master changelog names the files it runs: one above a file is taken, linted or not (a pre-commit hook's file).
  const toolFoldersAbove = async (dir: string): Promise<string[]> => {
    const found: string[] = [];
    for (let ancestor = dir, depth = 0; depth < 3 && path.dirname(ancestor) !== ancestor; depth++) {
      ancestor = path.dirname(ancestor);
      if (!foldersLinted.has(ancestor) && !holdsMasterChangelog(ancestor)) continue;
      // Looked at quietly: a folder not taken says nothing on stderr.
      const folder = await findFolder(ancestor).catch(() => undefined);
      // Two migrations of one version below it: separate Flyway projects side by side, not one location.
      if (folder?.framework === 'tern' || folder?.framework === 'liquibase' || (folder?.framework === 'flyway' && !folder.problems)) found.unshift(ancestor);
    }
    return found;
  };

  for (const file of paths) {
    // Stdin without a file name belongs to no folder: the working directory's files are no history of it.
    if (options.stdin && file === options.stdin.path && file === UNNAMED_STDIN) {
      standalone.push(file);
      continue;
    }
    const absolute = path.resolve(cwd, file);
    const named = options.explicit.has(file) || file === options.stdin?.path;
    if (changed && !named && !changed.has(absolute)) continue;
    let placed = false;
    const fileFolder = path.dirname(absolute);
    if (!foldersAbove.has(fileFolder)) foldersAbove.set(fileFolder, await toolFoldersAbove(fileFolder));
    const above = foldersAbove.get(fileFolder)!;
    for (const dir of above.length > 0 ? [...above, ...candidateFolders(absolute)] : candidateFolders(absolute)) {
      // Most files share a folder already looked at: no await for them.
      const indexed = folders.get(dir) ?? (await folderAt(dir).catch(() => undefined));
      if (!indexed) continue;
      const { folder } = indexed;
      const ignoredBecause = indexed.ignored.get(absolute);
      if (indexed.migrations.has(absolute)) {
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
    const filesByNote = new Map<string, string[]>();
    for (const entry of folder.migrations.slice(0, lastReviewed + 1)) {
      const reviewed = review.has(entry.absolutePath);
      const planned =
        stdinPath === entry.absolutePath
          ? planMigration(folder, entry, options.stdin!, reviewed, config, filesByNote).planned
          : planFromDisk(folder, entry, reader, reviewed, config, filesByNote);
      migrations.push(planned);
    }
    for (const [note, files] of filesByNote) {
      if (!saidWithoutVerbose(note)) continue;
      for (const file of files) warnings.push(`${file}: ${note}`);
      filesByNote.delete(note);
    }
    notes.push(...folderNotes(displayPath(folder.root, cwd) || '.', migrations, filesByNote));
    histories.push({ migrations, ...(atBase ? { isDeployed: (migration: string) => atBase.has(path.resolve(cwd, migration)) } : {}) });
  }
  const toolFolders = [...folders.values()].filter(({ folder }) => folder.framework !== 'plain' && folder.migrations.length > 0);
  if (config.assumeInTransaction && toolFolders.length > 0) {
    const names = toolFolders.map(({ folder }) => `${displayPath(folder.root, cwd) || '.'} (${folder.framework})`).join(', ');
    warnings.push(`assumeInTransaction applies to files no migration tool runs; ${names} ${toolFolders.length > 1 ? 'are' : 'is'} linted as ${toolFolders.length > 1 ? 'their tools run them' : 'its tool runs them'} (set "framework" in lockwise.json to choose another)`);
  }
  const looseMode: TransactionMode = config.assumeInTransaction ? 'wrapped' : 'none';
  for (const file of standalone) {
    const input = file === options.stdin?.path ? options.stdin : reader.read(file, path.resolve(cwd, file));
    histories.push({ migrations: [{ input, transactionMode: looseMode, review: true }] });
  }
  return { histories, dates: gitDates(repository ? () => repository : () => findRepository(cwd), cwd), notes, warnings };
}

function planMigration(
  { framework, flywayProject }: MigrationFolder,
  entry: MigrationEntry,
  input: LintInput,
  review: boolean,
  config: ResolvedConfig,
  filesByNote: Map<string, string[]>,
  siblings?: SiblingFiles,
): { planned: PlannedMigration; prepared?: PreparedMigration } {
  if ('unreadable' in input) return { planned: { input, transactionMode: 'none', review } };
  const prepared = prepareMigration(framework, entry, input.text, siblings, flywayProject);
  noteFile(filesByNote, entry, preparedNotes(framework, prepared.notes, config));
  return { planned: { input, upText: prepared.upText, ...howItRuns(framework, prepared, config), review }, prepared };
}

/** Files named beside a note said once for their folder, when few files lack it. */
const MOST_EXCEPTIONS_NAMED = 5;

/**
 * What the tool does with most files ("runs each migration in a transaction") is said once for
 * the folder, with the few files it does not hold for named; a note of only some files, per file.
 */
function folderNotes(shownRoot: string, migrations: readonly PlannedMigration[], filesByNote: ReadonlyMap<string, string[]>): string[] {
  const lines: string[] = [];
  for (const [note, files] of filesByNote) {
    const exceptions = migrations.length - files.length;
    if (files.length < 2 || exceptions > Math.min(MOST_EXCEPTIONS_NAMED, files.length - 1)) {
      for (const file of files) lines.push(`${file}: ${note}`);
      continue;
    }
    const carrying = new Set(files);
    const others = migrations.map((migration) => migration.input.path).filter((file) => !carrying.has(file));
    const but = others.length === 0 ? '' : ` but ${others.map((file) => toPosix(path.relative(shownRoot, file))).join(', ')}`;
    lines.push(`${shownRoot}: ${note} (all ${migrations.length} migrations${but})`);
  }
  return lines;
}

function noteFile(filesByNote: Map<string, string[]>, entry: MigrationEntry, notes: readonly string[]): void {
  for (const note of notes) {
    const files = filesByNote.get(note);
    if (files) files.push(entry.path);
    else filesByNote.set(note, [entry.path]);
  }
}

/** How a plain file runs is the configuration's to say, and its note says what the configuration said. */
function preparedNotes(framework: FrameworkName, notes: readonly string[], config: ResolvedConfig): readonly string[] {
  if (framework !== 'plain' || !config.assumeInTransaction) return notes;
  return ['plain: no migration tool detected; assumeInTransaction says the tool runs each file inside one transaction'];
}

/**
 * How the tool runs the file, and how a file is run outside a transaction with it. Plain folders say nothing of how
 * they are run; the configuration does.
 */
function howItRuns(
  framework: FrameworkName,
  prepared: { transaction: TransactionMode; refusedBecause?: string; runner?: RunnerTraits },
  config: ResolvedConfig,
): Pick<PlannedMigration, 'transactionMode' | 'transactionOptOut' | 'refusedBecause' | 'runner'> {
  const optOut = TRANSACTION_OPT_OUTS[framework];
  return {
    transactionMode: framework === 'plain' && config.assumeInTransaction ? 'wrapped' : prepared.transaction,
    ...(optOut ? { transactionOptOut: optOut } : {}),
    ...(prepared.refusedBecause ? { refusedBecause: prepared.refusedBecause } : {}),
    ...(prepared.runner ? { runner: prepared.runner } : {}),
  };
}

/**
 * A migration read from disk, or, when the reader knows it from an earlier run, planned from
 * what that run learnt: its text is then read only if linting or a reporter needs it.
 */
function planFromDisk(
  folder: MigrationFolder,
  entry: MigrationEntry,
  reader: MigrationFiles,
  review: boolean,
  config: ResolvedConfig,
  filesByNote: Map<string, string[]>,
): PlannedMigration {
  const { framework } = folder;
  const known = reader.known(entry.absolutePath);
  if (known?.prepared?.framework === framework) {
    const { prepared } = known;
    noteFile(filesByNote, entry, preparedNotes(framework, prepared.notes, config));
    reader.keep(entry.absolutePath, known);
    const input = reader.lazyInput(entry.path, entry.absolutePath, known.digest);
    let upText: string | undefined;
    return {
      input,
      get upText(): string {
        return (upText ??= prepareMigration(framework, entry, input.text, FILES_ON_DISK, folder.flywayProject).upText);
      },
      ...howItRuns(framework, prepared, config),
      review,
      digests: { text: known.digest, up: prepared.upDigest },
    };
  }
  const input = reader.read(entry.path, entry.absolutePath);
  let readSiblings = false;
  const siblings: SiblingFiles = {
    readFile(absolutePath) {
      readSiblings = true;
      return FILES_ON_DISK.readFile(absolutePath);
    },
  };
  const { planned, prepared } = planMigration(folder, entry, input, review, config, filesByNote, siblings);
  if ('unreadable' in input || !prepared || !reader.learning) return planned;
  const digests = digestsOf(input.text, prepared.upText);
  reader.learn(entry.absolutePath, {
    marker: frameworkMarker(input.text),
    digest: digests.text,
    // How it runs depends on more than its text: a file next to it, or the Liquibase changeset that runs it.
    ...(readSiblings || entry.changeSet ? {} : { prepared: { framework, transaction: prepared.transaction, ...(prepared.refusedBecause ? { refusedBecause: prepared.refusedBecause } : {}), ...(prepared.runner ? { runner: prepared.runner } : {}), notes: prepared.notes, upDigest: digests.up } }),
  });
  return { ...planned, digests };
}

/** The reasons a tool leaves a file out for its name: golang-migrate, pop and dbmate skip it, goose refuses it. */
const SKIPPED_FOR_ITS_NAME = /(skips|refuses) it$/;

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
