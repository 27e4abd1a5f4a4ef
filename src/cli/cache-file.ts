import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, writeSync, type Stats } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import { LintCache, type CachedResult, type KeptStates } from '../engine/lint-cache.js';
import { MigrationFiles, type FileFactsData, type KnownFile, type PreparedFacts } from './migration-files.js';

export const DEFAULT_CACHE_FILE = '.lockwisecache';
/** Changes when what the file holds changes shape, the schema states in it included. */
const CACHE_FORMAT = 26;

/**
 * The file starts with the length of its index (4 bytes), then the index, written by
 * v8.serialize, then the serialized schema states one after another. A run reads the
 * index; it reads a state, a few megabytes, only to resume from it.
 */
interface CacheIndex {
  format: number;
  seed: string;
  results: Map<string, CachedResult>;
  /** What the run learnt from each migration file, so that the next need not read the unchanged ones. */
  files: PackedFileFacts;
  /** Chain key and byte length of each state, in the order they follow the index. */
  states: Array<[string, number]>;
  chains: Map<string, string[]>;
}

const INDEX_LENGTH_BYTES = 4;

/**
 * FileFactsData in columns, one entry per file: v8.deserialize reads a typed array and a list of
 * strings many times faster than one object per file, and a history may hold thousands of files.
 */
interface PackedFileFacts {
  recordedAt: number;
  paths: string[];
  /** Each file's stamp: size, mtimeMs, ctimeMs and ino, one file after another. */
  stamps: Float64Array;
  markers: Array<KnownFile['marker']>;
  digests: Array<string | undefined>;
  /** Where each file's preparation is in `prepared`; -1 when it has none. */
  preparedAt: Int32Array;
  /** Each preparation once: most files of a folder are prepared alike. */
  prepared: PreparedFacts[];
}

const STAMP_FIELDS = 4;

function packFileFacts({ recordedAt, files }: FileFactsData): PackedFileFacts {
  const stamps = new Float64Array(files.size * STAMP_FIELDS);
  const preparedAt = new Int32Array(files.size);
  const prepared: PreparedFacts[] = [];
  const preparedIndex = new Map<PreparedFacts, number>();
  const markers: Array<KnownFile['marker']> = [];
  const digests: Array<string | undefined> = [];
  let index = 0;
  for (const file of files.values()) {
    stamps.set([file.stamp.size, file.stamp.mtimeMs, file.stamp.ctimeMs, file.stamp.ino], index * STAMP_FIELDS);
    markers.push(file.marker);
    digests.push(file.digest);
    if (file.prepared && !preparedIndex.has(file.prepared)) {
      preparedIndex.set(file.prepared, prepared.length);
      prepared.push(file.prepared);
    }
    preparedAt[index] = file.prepared ? preparedIndex.get(file.prepared)! : -1;
    index++;
  }
  return { recordedAt, paths: [...files.keys()], stamps, markers, digests, preparedAt, prepared };
}

function unpackFileFacts({ recordedAt, paths, stamps, markers, digests, preparedAt, prepared }: PackedFileFacts): FileFactsData {
  const files = new Map<string, KnownFile>();
  // One loop making objects of one shape: thousands of files, before anything is warm.
  for (let index = 0; index < paths.length; index++) {
    const at = index * STAMP_FIELDS;
    files.set(paths[index]!, {
      stamp: { size: stamps[at]!, mtimeMs: stamps[at + 1]!, ctimeMs: stamps[at + 2]!, ino: stamps[at + 3]! },
      marker: markers[index],
      digest: digests[index],
      prepared: prepared[preparedAt[index]!],
    });
  }
  return { recordedAt, files };
}

function isCacheIndex(value: unknown): value is CacheIndex {
  const index = value as Partial<CacheIndex> | null;
  return (
    typeof index === 'object' &&
    index !== null &&
    index.format === CACHE_FORMAT &&
    typeof index.seed === 'string' &&
    index.results instanceof Map &&
    Array.isArray(index.states) &&
    index.chains instanceof Map &&
    typeof index.files?.recordedAt === 'number' &&
    Array.isArray(index.files.paths) &&
    index.files.stamps instanceof Float64Array &&
    index.files.stamps.length === index.files.paths.length * STAMP_FIELDS
  );
}

/** What a run reuses from the cache file, and hands on to the next through it. */
export interface RunCache {
  lint: LintCache;
  files: MigrationFiles;
}

/**
 * The cache an earlier run wrote. A missing, unreadable, corrupt or incompatible file
 * (another lockwise version or configuration) is no error: the run starts afresh and
 * writes a new one.
 */
export function readRunCache(file: string, seed: string): RunCache {
  try {
    const { index, statesAt, stats } = readIndex(file);
    if (isCacheIndex(index) && index.seed === seed) {
      const states = new StatesInFile(file, stats, index.states, statesAt);
      return { lint: new LintCache(seed, { results: index.results, states, chains: index.chains }), files: new MigrationFiles({ learning: true, earlier: unpackFileFacts(index.files) }) };
    }
  } catch {
    // Not there yet, or not a cache lockwise can read: replaced below.
  }
  return { lint: new LintCache(seed), files: new MigrationFiles({ learning: true }) };
}

function readIndex(file: string): { index: unknown; statesAt: number; stats: Stats } {
  const fd = openSync(file, 'r');
  try {
    const stats = fstatSync(fd);
    const header = Buffer.alloc(INDEX_LENGTH_BYTES);
    if (readSync(fd, header, 0, INDEX_LENGTH_BYTES, 0) !== INDEX_LENGTH_BYTES) throw new Error('too short');
    const length = header.readUInt32LE(0);
    if (INDEX_LENGTH_BYTES + length > stats.size) throw new Error('truncated');
    const bytes = Buffer.alloc(length);
    if (readSync(fd, bytes, 0, length, INDEX_LENGTH_BYTES) !== length) throw new Error('truncated');
    return { index: deserialize(bytes), statesAt: INDEX_LENGTH_BYTES + length, stats };
  } finally {
    closeSync(fd);
  }
}

/**
 * The states in a cache file, each read when asked for. The file is replaced whole when
 * written, never changed in place: a file that is no longer the one read gives no state.
 */
class StatesInFile implements KeptStates {
  private readonly at = new Map<string, { offset: number; length: number }>();
  private readonly read = new Map<string, Buffer | undefined>();

  constructor(
    private readonly file: string,
    private readonly stats: Stats,
    lengths: Array<[string, number]>,
    offset: number,
  ) {
    for (const [key, length] of lengths) {
      this.at.set(key, { offset, length });
      offset += length;
    }
    if (offset !== stats.size) throw new Error('truncated');
  }

  get size(): number {
    return this.at.size;
  }

  has(key: string): boolean {
    return this.at.has(key);
  }

  keys(): Iterable<string> {
    return this.at.keys();
  }

  get(key: string): Buffer | undefined {
    const where = this.at.get(key);
    if (!where) return undefined;
    // A run resumes from a state and then hands the same state on: read once.
    if (this.read.has(key)) return this.read.get(key);
    const bytes = this.readAt(where);
    this.read.set(key, bytes);
    return bytes;
  }

  private readAt(where: { offset: number; length: number }): Buffer | undefined {
    try {
      const fd = openSync(this.file, 'r');
      try {
        const now = fstatSync(fd);
        if (now.ino !== this.stats.ino || now.mtimeMs !== this.stats.mtimeMs || now.size !== this.stats.size) return undefined;
        const bytes = Buffer.alloc(where.length);
        return readSync(fd, bytes, 0, where.length, where.offset) === where.length ? bytes : undefined;
      } finally {
        closeSync(fd);
      }
    } catch {
      return undefined;
    }
  }
}

/** Whether the next run would find anything this run did not: otherwise the file need not be written again. */
export function runCacheChanged(cache: RunCache): boolean {
  return cache.lint.changed || cache.files.changed;
}

/**
 * Writes what this run found, for the next; undefined on success, else why it could not.
 * The new file takes the old one's place in one rename, so that a run reading it meanwhile
 * sees either whole.
 */
export function writeRunCache(file: string, seed: string, cache: RunCache): string | undefined {
  const { results, states, chains } = cache.lint.next;
  // A state the file no longer has (replaced meanwhile) is left out: the next run replays instead.
  const kept = [...states.keys()].flatMap((key) => {
    const bytes = states.get(key);
    return bytes === undefined ? [] : [[key, bytes] as const];
  });
  const stateBytes = kept.map(([, bytes]) => bytes);
  const index: CacheIndex = {
    format: CACHE_FORMAT,
    seed,
    results,
    files: packFileFacts(cache.files.next),
    states: kept.map(([key, bytes]) => [key, bytes.length]),
    chains,
  };
  const indexBytes = serialize(index);
  const header = Buffer.alloc(INDEX_LENGTH_BYTES);
  header.writeUInt32LE(indexBytes.length, 0);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    // Piece by piece: the states are megabytes, and concatenating them first would copy them all once more.
    const fd = openSync(temporary, 'w');
    try {
      for (const bytes of [header, indexBytes, ...stateBytes]) writeAll(fd, bytes);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
    return undefined;
  } catch (error) {
    rmSync(temporary, { force: true });
    return (error as Error).message;
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written, bytes.length - written);
}
