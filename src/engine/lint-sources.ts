import type { SkippedText } from '../parse/preprocess.js';
import type { RunnerTraits, TransactionMode } from '../model/session-state.js';
import { SourceFile } from '../source/source-file.js';
import { UNREADABLE_FILE } from './builtin-checks.js';
import type { ResolvedConfig } from './config.js';
import type { MigrationDates } from './context.js';
import type { Diagnostic } from './diagnostic.js';
import type { FileLinter } from './lint-file.js';
import type { HeldLock } from './held-locks.js';
import type { UnmadeObject } from './unmade-objects.js';
import type { CachedResult, LintCache } from './lint-cache.js';

type LintEngine = typeof import('./lint-engine.js');

/** A file as the CLI read it: its text, or why it could not be read. */
export type LintInput = { path: string; text: string } | { path: string; unreadable: string };

export interface PlannedMigration {
  input: LintInput;
  /** The part of the file the tool runs, the rest blanked (same byte length); the whole text when undefined. */
  upText?: string;
  transactionMode: TransactionMode;
  /** How the migration tool runs a file outside a transaction, for help: "with -- +goose NO TRANSACTION at its top". */
  transactionOptOut?: string;
  /** Why the migration tool refuses to run the file (see Environment). */
  refusedBecause?: string;
  /** See Environment. */
  runner?: RunnerTraits;
  /** Report its findings; otherwise it is only replayed as history for the ones after it. */
  review: boolean;
  /** Known without reading the file (--cache); otherwise the cache works them out from the text. */
  digests?: MigrationDigests;
}

export interface MigrationDigests {
  text: string;
  /** Of the up part, when it is not the whole text. */
  up: string | undefined;
}

/** Migrations in the order the tool applies them; each is judged against the schema the ones before it built. */
export interface PlannedHistory {
  migrations: PlannedMigration[];
  /** Whether an earlier migration has run in production; by default every earlier one has. */
  isDeployed?: (path: string) => boolean;
}

export interface FileResult {
  path: string;
  /** The file's text for code frames and fixes; undefined when it could not be read or nothing was reported or skipped in it. */
  source?: SourceFile;
  diagnostics: Diagnostic[];
  /** psql commands and placeholders neutralised before parsing. */
  skipped: SkippedText[];
  /** Tables and columns the migration changes that no migration lockwise read made. */
  unmade?: UnmadeObject[];
}

export interface LintResults {
  files: FileResult[];
}

const NO_DATES: MigrationDates = { committedAt: () => undefined, now: new Date(0), available: false };

/**
 * Lints every reviewed migration of every history; one broken file never keeps the others from being linted.
 * With a cache, a migration whose chain key it knows is not linted again, and the history before the first
 * one that must be linted is not replayed again when the cache holds the schema at that point.
 */
export async function lintHistories(
  histories: readonly PlannedHistory[],
  config: ResolvedConfig,
  dates: MigrationDates = NO_DATES,
  cache?: LintCache,
): Promise<LintResults> {
  let engine: { module: LintEngine; linter: FileLinter } | undefined;
  const loadEngine = async (): Promise<{ module: LintEngine; linter: FileLinter }> => {
    if (!engine) {
      const module = await import('./lint-engine.js');
      engine = { module, linter: await module.fileLinter(config, dates) };
    }
    return engine;
  };
  const files: FileResult[] = [];
  for (const history of histories) {
    const keys = cache?.chainKeys(history);
    const { migrations } = history;
    /**
     * A migration not deployed yet, whose runner runs every migration pending in a deploy in one transaction (drizzle's):
     * it runs on in the transaction of the pending one before it. Such migrations are linted afresh each time, for the
     * locks they leave held in it, and are only those of a pull request.
     */
    const pendingInOneTransaction = (index: number): boolean => {
      const migration = migrations[index];
      return migration?.runner?.pendingInOneTransaction !== undefined && history.isDeployed !== undefined && !history.isDeployed(migration.input.path);
    };
    const cached = (index: number): CachedResult | undefined => (keys && !pendingInOneTransaction(index) ? cache!.result(keys[index]!) : undefined);
    /** The locks the migration just linted left held in a transaction the next one runs on in. */
    let carried: readonly HeldLock[] = [];
    const toLint = migrations.map((migration, index) => migration.review && cached(index) === undefined);
    const firstToLint = toLint.indexOf(true);
    const lastToLint = toLint.lastIndexOf(true);
    const keepsTail = cache?.keepsStates === 'after the newest';
    // The last two states are what the next run resumes from when the newest migration is edited or one is added.
    const tailStatesMissing = keys !== undefined && keepsTail && migrations.length > 0 && keys.slice(-2).some((key) => !cache!.hasState(key));
    const modelUntil = tailStatesMissing ? migrations.length - 1 : lastToLint;
    const resumesAfter = (index: number): boolean => (keepsTail ? index >= migrations.length - 2 : index === firstToLint - 1);
    // A history whose every finding is cached parses nothing, and does without the parser and the rules.
    const { module, linter } = toLint.includes(true) || modelUntil >= 0 ? await loadEngine() : {};
    const schema = module && new module.SchemaModel(history.isDeployed, config.searchPath);
    let modelFrom = 0;
    if (keys && schema) {
      for (let index = firstToLint; index > 0; index--) {
        const state = cache!.state(keys[index - 1]!);
        if (state === undefined) continue;
        schema.restore(state);
        modelFrom = index;
        break;
      }
    }

    migrations.forEach((migration, index) => {
      const { input } = migration;
      const carriedLocks = pendingInOneTransaction(index) && pendingInOneTransaction(index - 1) ? carried : [];
      carried = [];
      const reuse = migration.review ? cached(index) : undefined;
      const modelled = index >= modelFrom && index <= modelUntil;
      schema?.beginMigration(input.path);
      if ('unreadable' in input) {
        if (migration.review) files.push(unreadableResult(input.path, input.unreadable));
      } else if (reuse || !migration.review) {
        if (reuse) files.push(fileResult(input.path, () => new SourceFile(input.path, input.text), reuse));
        if (modelled) module!.replayParsedFile(module!.parseSource(new SourceFile(input.path, input.text), migration.upText), schema!);
      } else {
        const source = new SourceFile(input.path, input.text);
        const parsed = module!.parseSource(source, migration.upText);
        const environment = {
          transactionMode: migration.transactionMode,
          lockTimeoutSetByTool: config.lockTimeoutSetByTool,
          ...(migration.transactionOptOut ? { transactionOptOut: migration.transactionOptOut } : {}),
          ...(migration.refusedBecause ? { refusedBecause: migration.refusedBecause } : {}),
          ...(migration.runner ? { runner: migration.runner } : {}),
          ...(carriedLocks.length > 0 ? { carriedLocks } : {}),
        };
        const diagnostics = linter!.lint(parsed, environment, schema!);
        carried = linter!.heldAfterLastFile;
        const unmade = linter!.unmadeInLastFile;
        const notRun = linter!.skippedInLastFile;
        // A DO block's PERFORM of a function the migrations made is code lockwise has read.
        const parsedSkipped = parsed.skipped.filter((item) => item.function === undefined || !schema!.madeFunction(item.function));
        const skipped = notRun.length > 0 ? [...parsedSkipped, ...notRun].sort((a, b) => a.range.start - b.range.start) : parsedSkipped;
        files.push(fileResult(input.path, () => source, { diagnostics, skipped, ...(unmade.length > 0 ? { unmade } : {}) }));
      }
      if (!keys) return;
      const key = keys[index]!;
      const result = files.at(-1);
      if (migration.review && result) cache!.keepResult(key, { diagnostics: result.diagnostics, skipped: result.skipped, ...(result.unmade ? { unmade: result.unmade } : {}) });
      // A migration only replayed this time keeps the findings an earlier run cached for it.
      else if (!migration.review) cache!.keepResult(key, cache!.result(key));
      if (resumesAfter(index)) cache!.keepState(key, modelled ? schema!.liveState() : undefined);
      // An editor's cache also keeps the states it had after migrations that have not changed: the one before each file edited lately.
      else if (!keepsTail) cache!.keepState(key, undefined);
    });
  }
  return { files };
}

/**
 * A file's source is kept only when a reporter may need it: for a code frame, a fix or a --verbose note.
 * It is made when first asked for, so that a file whose findings come from the cache is not read for a
 * reporter that prints none of its text.
 */
function fileResult(path: string, source: () => SourceFile, { diagnostics, skipped, unmade }: CachedResult): FileResult {
  if (diagnostics.length === 0 && skipped.length === 0 && !unmade) return { path, diagnostics, skipped };
  let made: SourceFile | undefined;
  return {
    path,
    get source(): SourceFile {
      return (made ??= source());
    },
    diagnostics,
    skipped,
    ...(unmade ? { unmade } : {}),
  };
}

/** Lints files each on its own, with no history: stdin, loose files, tests. */
export function lintInputs(inputs: readonly LintInput[], config: ResolvedConfig): Promise<LintResults> {
  const transactionMode: TransactionMode = config.assumeInTransaction ? 'wrapped' : 'none';
  return lintHistories(inputs.map((input) => ({ migrations: [{ input, transactionMode, review: true }] })), config);
}

function unreadableResult(path: string, message: string): FileResult {
  const range = { start: 0, end: 0 };
  const span = { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
  return { path, diagnostics: [{ file: path, rule: UNREADABLE_FILE.id, severity: 'error', message, range, span }], skipped: [] };
}
