import { createHash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import type { SkippedText } from '../parse/preprocess.js';
import type { SchemaState } from '../model/schema-model.js';
import type { ResolvedConfig } from './config.js';
import type { Diagnostic } from './diagnostic.js';
import type { MigrationDigests, PlannedHistory } from './lint-sources.js';

/** A reviewed migration's findings, as a later run reuses them. */
export interface CachedResult {
  diagnostics: Diagnostic[];
  skipped: SkippedText[];
}

const NO_FINDINGS: CachedResult = Object.freeze({ diagnostics: [], skipped: [] });

/** Everything the cache holds, by chain key; plain maps, so that v8.serialize can write it. */
export interface LintCacheData {
  results: Map<string, CachedResult>;
  /**
   * The schema after a migration, serialized: replaying the history up to it is then not
   * needed. Each is read only when a run resumes from it.
   */
  states: Map<string, Buffer>;
}

/** The states an earlier run kept: a map, or a file that reads one only when it is asked for. */
export type KeptStates = Pick<ReadonlyMap<string, Buffer>, 'get' | 'has' | 'keys' | 'size'>;

/**
 * What an earlier run found, and what this run hands to the next. A migration's
 * result depends on its own text and on everything before it in its history, so
 * each is found under a chain key: a hash of the run's configuration and lockwise
 * version, and of every migration up to and including this one. Changing a file
 * changes its key and the keys of all that follow it; the files before it keep theirs.
 */
export class LintCache {
  readonly next: LintCacheData = { results: new Map(), states: new Map() };

  constructor(
    /** lockwise's version and the resolved configuration, in a form that changes when they do. */
    private readonly seed: string,
    private readonly earlier: { results: Map<string, CachedResult>; states: KeptStates } = { results: new Map(), states: new Map() },
  ) {}

  /** The chain key after each migration of the history: a digest of everything up to it, taken from one running hash. */
  chainKeys(history: PlannedHistory): string[] {
    const hash = createHash('sha256').update(this.seed);
    // Whether a migration is reviewed or only replayed changes neither its findings nor the schema after it.
    return history.migrations.map((migration) => {
      const { input, transactionMode } = migration;
      hash.update(`\0${input.path}\0${transactionMode} ${history.isDeployed?.(input.path) ?? true}\0`);
      if ('unreadable' in input) hash.update(`unreadable\0${input.unreadable}`);
      else {
        const { text, up } = migration.digests ?? digestsOf(input.text, migration.upText);
        hash.update(`text\0${text}\0${up ?? ''}`);
      }
      return hash.copy().digest('base64');
    });
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
    const clean = result.diagnostics.length === 0 && result.skipped.length === 0;
    this.next.results.set(key, clean ? NO_FINDINGS : result);
  }

  /** Keeps the schema after this migration: the model's current state, or the one the cache already has. */
  keepState(key: string, state: SchemaState | undefined): void {
    const serialized = state === undefined ? this.earlier.states.get(key) : serialize(state);
    if (serialized !== undefined) this.next.states.set(key, serialized);
  }

  /** Whether the next run would find anything this run did not: otherwise the file need not be written again. */
  get changed(): boolean {
    const { results, states } = this.next;
    if (results.size !== this.earlier.results.size || states.size !== this.earlier.states.size) return true;
    for (const key of results.keys()) if (!this.earlier.results.has(key)) return true;
    for (const key of states.keys()) if (!this.earlier.states.has(key)) return true;
    return false;
  }
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
