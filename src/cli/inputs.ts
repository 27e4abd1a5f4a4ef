import { stat } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import { glob, isDynamicPattern } from 'tinyglobby';
import type { LintInput } from '../engine/lint-sources.js';
import { displayPath, displayPathUnder, naturalCompare, toPosix } from '../source/paths.js';

export const STDIN_ARGUMENT = '-';
/** The name of stdin input given no --stdin-filename: it is no file of any folder, and has no history. */
export const UNNAMED_STDIN = '<stdin>';

export interface ResolvedPaths {
  files: string[];
  /** The files named directly rather than found in a directory: always linted, also with --since. */
  explicit: Set<string>;
  /** Arguments that name nothing: reported, never silently dropped. */
  problems: string[];
  /** Folders given that hold no SQL file: said, though not an error (a project's first migration may be yet to come). */
  notes: string[];
  /** The folders given, absolute: a tool that reads subfolders too (Flyway) takes them as its location. */
  directories: string[];
}

export interface ResolveOptions {
  cwd: string;
  /** Glob patterns relative to `excludeBase`. */
  exclude: string[];
  excludeBase: string;
}

const ALWAYS_SKIPPED = ['**/node_modules/**', '**/.git/**'];

/** Files, directories (every `*.sql` below them) and globs, in a stable natural order. */
export async function resolvePaths(args: string[], options: ResolveOptions): Promise<ResolvedPaths> {
  const excluded = excludeMatcher(options);
  const files: string[] = [];
  const explicit = new Set<string>();
  const problems: string[] = [];
  const notes: string[] = [];
  const directories: string[] = [];
  const seen = new Set<string>();
  const add = (file: string, shown = displayPath(file, options.cwd)): void => {
    if (seen.has(shown) || excluded(file)) return;
    seen.add(shown);
    files.push(shown);
  };

  for (const arg of args) {
    const absolute = path.resolve(options.cwd, arg);
    const info = await stat(absolute).catch(() => undefined);
    if (info?.isFile()) {
      add(absolute);
      explicit.add(displayPath(absolute, options.cwd));
    } else if (info?.isDirectory()) {
      directories.push(absolute);
      const found = await glob('**/*.sql', { cwd: absolute, ignore: ALWAYS_SKIPPED, absolute: true, dot: false });
      const shown = displayPathUnder(absolute, options.cwd);
      if (found.length === 0) notes.push(`${arg}: no .sql files in this folder (lockwise reads SQL migrations)`);
      for (const file of found.sort(naturalCompare)) add(file, shown(file));
    } else if (!info && isDynamicPattern(arg)) {
      const found = await glob(toPosix(arg), { cwd: options.cwd, ignore: ALWAYS_SKIPPED, absolute: true });
      if (found.length === 0) problems.push(`${arg}: no files match this pattern`);
      for (const file of found.sort(naturalCompare)) add(file);
    } else if (!info) {
      problems.push(`${arg}: no such file or directory`);
    } else {
      problems.push(`${arg}: not a file or directory`);
    }
  }
  return { files, explicit, problems, notes, directories };
}

/** Whether a file (relative to `cwd`) matches the configuration's `exclude` globs. */
export function excludeMatcher(options: ResolveOptions): (file: string) => boolean {
  if (options.exclude.length === 0) return () => false;
  const isExcluded = picomatch(options.exclude, { dot: true });
  return (file) => isExcluded(toPosix(path.relative(options.excludeBase, path.resolve(options.cwd, file))));
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function decodeInput(file: string, bytes: Buffer): LintInput {
  if (bytes.includes(0)) return { path: file, unreadable: `${file} is a binary file (it contains NUL bytes), not a SQL migration` };
  try {
    const text = STRICT_UTF8.decode(bytes);
    return { path: file, text };
  } catch {
    const offset = firstInvalidUtf8Byte(bytes);
    const line = bytes.subarray(0, offset).toString('latin1').split('\n').length;
    return { path: file, unreadable: `${file} is not valid UTF-8 (first invalid byte at offset ${offset}, line ${line}): save it as UTF-8` };
  }
}

/** Where the first malformed sequence starts: the lenient decoder marks it with U+FFFD, which a valid file may also contain. */
function firstInvalidUtf8Byte(bytes: Buffer): number {
  const lenient = new TextDecoder('utf-8').decode(bytes);
  const encodedReplacement = Buffer.from('\ufffd', 'utf8');
  let byteOffset = 0;
  let previous = 0;
  for (let index = lenient.indexOf('\ufffd'); index !== -1; index = lenient.indexOf('\ufffd', index + 1)) {
    byteOffset += Buffer.byteLength(lenient.slice(previous, index), 'utf8');
    if (!bytes.subarray(byteOffset, byteOffset + encodedReplacement.length).equals(encodedReplacement)) return byteOffset;
    byteOffset += encodedReplacement.length;
    previous = index + 1;
  }
  return byteOffset;
}
