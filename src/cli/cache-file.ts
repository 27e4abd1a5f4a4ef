import { readFileSync, writeFileSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import { LintCache, type LintCacheData } from '../engine/lint-cache.js';

export const DEFAULT_CACHE_FILE = '.lockwisecache';
/** Changes when what the file holds changes shape. */
const CACHE_FORMAT = 1;

interface CacheFile extends LintCacheData {
  format: number;
  seed: string;
}

function isCacheFile(value: unknown): value is CacheFile {
  const file = value as Partial<CacheFile> | null;
  return typeof file === 'object' && file !== null && file.format === CACHE_FORMAT && typeof file.seed === 'string' && file.results instanceof Map && file.states instanceof Map;
}

/**
 * The cache an earlier run wrote. A missing, unreadable, corrupt or incompatible file
 * (another lockwise version or configuration) is no error: the run starts afresh and
 * writes a new one.
 */
export function readLintCache(file: string, seed: string): LintCache {
  try {
    const data: unknown = deserialize(readFileSync(file));
    if (isCacheFile(data) && data.seed === seed) return new LintCache(seed, { results: data.results, states: data.states });
  } catch {
    // Not there yet, or not a cache lockwise can read: replaced below.
  }
  return new LintCache(seed);
}

/** Writes what this run found, for the next; undefined on success, else why it could not. */
export function writeLintCache(file: string, seed: string, cache: LintCache): string | undefined {
  const data: CacheFile = { format: CACHE_FORMAT, seed, ...cache.next };
  try {
    writeFileSync(file, serialize(data));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
