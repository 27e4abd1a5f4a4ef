import type { UnmadeObject } from './unmade-objects.js';
import { createHash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import type { SkippedText } from '../parse/preprocess.js';
import type { SchemaState } from '../model/schema-model.js';
import type { ResolvedConfig } from './config.js';
import type { Diagnostic } from './diagnostic.js';
import type { MigrationDigests, PlannedHistory, PlannedMigration } from './lint-sources.js';

/** A reviewed migration's findings, as a later run reuses them. */
export interface CachedResult {
  diagnostics: Diagnostic[];
  skipped: SkippedText[];
  /** Tables and columns the migration changes that no migration lockwise read made (for --verbose). */
  unmade?: UnmadeObject[];
}

const NO_FINDINGS: CachedResult = Object.freeze({ diagnostics: [], skipped: [] });

/** Everything the cache holds, by chain key; plain maps, so that v8.serialize can write it. */
export interface LintCacheData {
  results: Map<string, CachedResult>;
  /**
   * The schema after a migration, serialized: replaying the history up to it is then not
   * needed. Each is read only when a run resumes from it.
   */
  states: KeptStates;
  /**
   * Each history's chain keys, under the digest of the whole history: a history that has not changed
   * takes its keys from here rather than taking a digest after each of its migrations.
   */
  chains: Map<string, string[]>;
}

/** The states an earlier run kept: a map, or a file that reads one only when it is asked for. */
export interface KeptStates {
  get(key: string): Buffer | undefined;
  has(key: string): boolean;
  keys(): Iterable<string>;
  readonly size: number;
}

/**
 * The states a run hands on: those it serialized, and those it takes unchanged from the earlier
 * run, which are read from there only when asked for (when the cache is written): a run that
 * changes nothing never reads them.
 */
class HandedOnStates implements KeptStates {
  private readonly serialized = new Map<string, Buffer>();
  private readonly unchanged = new Set<string>();

  constructor(private readonly earlier: KeptStates) {}

  set(key: string, state: Buffer): void {
    this.unchanged.delete(key);
    this.serialized.set(key, state);
  }

  keepEarlier(key: string): void {
    if (!this.serialized.has(key) && this.earlier.has(key)) this.unchanged.add(key);
  }

  get(key: string): Buffer | undefined {
    return this.serialized.get(key) ?? (this.unchanged.has(key) ? this.earlier.get(key) : undefined);
  }

  has(key: string): boolean {
    return this.serialized.has(key) || this.unchanged.has(key);
  }

  *keys(): Iterable<string> {
    yield* this.serialized.keys();
    yield* this.unchanged;
  }

  get size(): number {
    return this.serialized.size + this.unchanged.size;
  }
}

/**
 * What an earlier run found, and what this run hands to the next. A migration's
 * result depends on its own text and on everything before it in its history, so
 * each is found under a chain key: a hash of the run's configuration and lockwise
 * version, and of every migration up to and including this one. Changing a file
 * changes its key and the keys of all that follow it; the files before it keep theirs.
 */
export class LintCache {
  readonly next: LintCacheData & { states: HandedOnStates };
  private readonly earlier: LintCacheData;

  constructor(
    /** lockwise's version and the resolved configuration, in a form that changes when they do. */
    readonly seed: string,
    earlier: Partial<LintCacheData> = {},
    /**
     * Where the schema is kept for the next run to resume from: after each history's two newest migrations, for the
     * command line, whose next run most likely adds a migration or edits the newest; or just before the first migration
     * this run lints, for an editor, whose next run lints the same file again as it is typed.
     */
    readonly keepsStates: 'after the newest' | 'before the linted' = 'after the newest',
  ) {
    this.earlier = { results: new Map(), states: new Map(), chains: new Map(), ...earlier };
    this.next = { results: new Map(), states: new HandedOnStates(this.earlier.states), chains: new Map() };
  }

  /** The chain key after each migration of the history: a digest of everything up to it, taken from one running hash. */
  chainKeys(history: PlannedHistory): string[] {
    const pieces = history.migrations.map((migration) => chainPiece(history, migration));
    // One update: each call into the hash costs more than hashing a migration's piece.
    const historyDigest = createHash('sha256').update(this.seed + pieces.join('')).digest('base64');
    let keys = this.earlier.chains.get(historyDigest);
    if (!keys) {
      const running = createHash('sha256').update(this.seed);
      keys = pieces.map((piece) => running.update(piece).copy().digest('base64'));
    }
    this.next.chains.set(historyDigest, keys);
    return keys;
  }

  result(key: string): CachedResult | undefined {
    return this.earlier.results.get(key);
  }

  hasState(key: string): boolean {
    return this.earlier.states.has(key);
  }

  /** A fresh copy of the schema after the migration with this key, if the cache has it. */
  state(key: string): SchemaState | undefined {
    const serialized = this.earlier.states.get(key);
    return serialized === undefined ? undefined : (deserialize(serialized) as SchemaState);
  }

  keepResult(key: string, result: CachedResult | undefined): void {
    if (result === undefined) return;
    // Most migrations have no findings: one shared object, which v8.serialize writes once.
    const clean = result.diagnostics.length === 0 && result.skipped.length === 0 && !result.unmade?.length;
    this.next.results.set(key, clean ? NO_FINDINGS : result);
  }

  /** Keeps the schema after this migration (serialized now, so the model may change after): the model's current state, or the one the cache already has. */
  keepState(key: string, state: Readonly<SchemaState> | undefined): void {
    if (state === undefined) this.next.states.keepEarlier(key);
    else this.next.states.set(key, serialize(state));
  }

  /** Whether the next run would find anything this run did not: otherwise the file need not be written again. */
  get changed(): boolean {
    const { results, states, chains } = this.next;
    if (results.size !== this.earlier.results.size || states.size !== this.earlier.states.size || chains.size !== this.earlier.chains.size) return true;
    for (const key of results.keys()) if (!this.earlier.results.has(key)) return true;
    for (const key of states.keys()) if (!this.earlier.states.has(key)) return true;
    for (const key of chains.keys()) if (!this.earlier.chains.has(key)) return true;
    return false;
  }
}


/** What a migration adds to the chain keys. Whether it is reviewed or only replayed changes neither its findings nor the schema after it. */
function chainPiece(history: PlannedHistory, migration: PlannedMigration): string {
  const { input, transactionMode, transactionOptOut, refusedBecause, runner } = migration;
  const head = `\0${input.path}\0${transactionMode} ${transactionOptOut ?? ''} ${refusedBecause ?? ''} ${JSON.stringify(runner ?? {})} ${history.isDeployed?.(input.path) ?? true}\0`;
  if ('unreadable' in input) return `${head}unreadable\0${input.unreadable}`;
  const { text, up } = migration.digests ?? digestsOf(input.text, migration.upText);
  return `${head}text\0${text}\0${up ?? ''}`;
}

/** Whether a rule is set to judge how long ago a deprecation was committed: commit dates change without any file changing, so such findings are not cached. */
export function findingsDependOnDates(config: ResolvedConfig): boolean {
  return Object.values(config.rules).some((setting) => Array.isArray(setting) && setting[1].minDeprecationAge !== undefined);
}

/** The seed of every chain key: what, besides the files, decides the findings. */
export function cacheSeed(config: ResolvedConfig, toolVersion: string): string {
  return JSON.stringify({ toolVersion, config });
}

/** What a chain key takes from a migration's text: its digest, and that of the up part when it is not the whole text. */
export function digestsOf(text: string, upText: string | undefined): MigrationDigests {
  return { text: textDigest(text), up: upText === undefined || upText === text ? undefined : textDigest(upText) };
}

export function textDigest(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}
