import { readFileSync, statSync } from 'node:fs';
import type { LintInput } from '../engine/lint-sources.js';
import { textDigest } from '../engine/lint-cache.js';
import { frameworkMarker, type FrameworkMarker } from '../history/layouts.js';
import type { FrameworkName, RunnerTraits, TransactionMode } from '../history/frameworks.js';
import { decodeInput } from './inputs.js';
import { PlanError } from './user-errors.js';

/** What tells one version of a file from another without reading it, as git's index does. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

/** What a run learnt from a file's text, so that the next run need not read it while it keeps its stamp. */
export interface KnownFile {
  stamp: FileStamp;
  marker: FrameworkMarker | undefined;
  /** The digest of its text (textDigest); undefined when it was only looked into for markers, or is not valid text. */
  digest?: string;
  /** How the planner prepared it; kept only when that depended on its text alone, not on files next to it. */
  prepared?: PreparedFacts;
}

export interface PreparedFacts {
  framework: FrameworkName;
  transaction: TransactionMode;
  refusedBecause?: string;
  runner?: RunnerTraits;
  notes: string[];
  /** The digest of the up part when it is not the whole text. */
  upDigest: string | undefined;
}

export interface FileFactsData {
  /** When the run that learnt them began. */
  recordedAt: number;
  files: Map<string, KnownFile>;
}

/**
 * A file changed in the same instant an earlier run read it may keep the stamp it had then (the
 * kernel's file clock is coarse); like git's "racily clean" entries, such a stamp is not trusted.
 */
const RACY_MARGIN_MS = 2000;

/**
 * The migration files of one run, each read at most once. With what an earlier run learnt
 * (--cache), a file whose stamp has not changed since is not read at all: its markers,
 * digest and preparation come from the earlier run, and its text is read only if a
 * finding needs it. What this run learns is in `next`.
 */
export class MigrationFiles {
  readonly next: FileFactsData;
  private readonly bytesToTake = new Map<string, Buffer>();
  private readonly stamps = new Map<string, FileStamp | undefined>();
  private readonly learnt = new Set<string>();
  private readonly preparedAlike = new Map<string, PreparedFacts>();

  /** Whether what the run learns is kept for the next (--cache); without it, files are only read. */
  readonly learning: boolean;
  private readonly earlier: FileFactsData | undefined;

  constructor(options: { learning: boolean; earlier?: FileFactsData; startedAt?: number } = { learning: false }) {
    this.learning = options.learning;
    this.earlier = options.earlier;
    this.next = { recordedAt: options.startedAt ?? Date.now(), files: new Map() };
  }

  /** Whether the next run would find anything this run did not. */
  get changed(): boolean {
    if (this.next.files.size !== (this.earlier?.files.size ?? 0)) return true;
    // A file read again because its preparation reads other files may say nothing new. One read again because its
    // stamp was young is news even so: the next run, recorded later, will trust it.
    return [...this.learnt].some((file) => {
      const earlier = this.earlier?.files.get(file);
      return !earlier || !sameFacts(this.next.files.get(file)!, earlier) || !this.settled(earlier.stamp);
    });
  }

  /** The goose or dbmate marker in a file, for framework detection. */
  readonly markerOf = (absolutePath: string): FrameworkMarker | undefined => {
    const known = this.unchanged(absolutePath);
    if (known) {
      this.next.files.set(absolutePath, this.next.files.get(absolutePath) ?? known);
      return known.marker;
    }
    let bytes: Buffer;
    if (this.learning) this.stamp(absolutePath);
    try {
      bytes = readFileSync(absolutePath);
    } catch {
      return undefined;
    }
    this.bytesToTake.set(absolutePath, bytes);
    const marker = frameworkMarker(bytes);
    if (this.learning) this.learn(absolutePath, { marker });
    return marker;
  };

  /** What an earlier run learnt from this file's text, if it has not changed since and was read as text. */
  known(absolutePath: string): (KnownFile & { digest: string }) | undefined {
    const known = this.unchanged(absolutePath);
    return known?.digest === undefined ? undefined : (known as KnownFile & { digest: string });
  }

  /**
   * A file known from an earlier run, read only when its text is first asked for; it must
   * still be the text the plan was made from.
   */
  lazyInput(shown: string, absolutePath: string, digest: string): Extract<LintInput, { text: string }> {
    let text: string | undefined;
    return {
      path: shown,
      get text(): string {
        if (text === undefined) {
          let bytes: Buffer | undefined;
          try {
            bytes = readFileSync(absolutePath);
          } catch {
            // Deleted or made unreadable since it was planned: as much a change as new text.
          }
          const input = bytes && decodeInput(shown, bytes);
          if (!input || 'unreadable' in input || textDigest(input.text) !== digest) {
            throw new PlanError(`${shown} changed while lockwise was reading the migrations: run it again`);
          }
          text = input.text;
        }
        return text;
      },
    };
  }

  /**
   * Reads a file as UTF-8 text; binary files, invalid UTF-8 and unreadable files become a one-line reason.
   * A file detection has read is not read again. Synchronous: migrations are small and read one after
   * another, and an asynchronous read costs four trips through the thread pool per file.
   */
  read(shown: string, absolutePath: string): LintInput {
    let bytes = this.bytesToTake.get(absolutePath);
    this.bytesToTake.delete(absolutePath);
    // Stamped before it is read: a change made while it is read shows as another stamp next time.
    if (this.learning) this.stamp(absolutePath);
    try {
      bytes ??= readFileSync(absolutePath);
    } catch (error) {
      return { path: shown, unreadable: `cannot read ${shown}: ${describeIoError(error)}` };
    }
    return decodeInput(shown, bytes);
  }

  /** Keeps what this run learnt from a file's text for the next run. */
  learn(absolutePath: string, facts: Omit<KnownFile, 'stamp'>): void {
    const stamp = this.stamp(absolutePath);
    if (stamp === undefined) return;
    const prepared = facts.prepared && this.shared(facts.prepared);
    const learnt: KnownFile = { ...this.next.files.get(absolutePath), ...facts, ...(prepared ? { prepared } : {}), stamp };
    this.next.files.set(absolutePath, learnt);
    this.learnt.add(absolutePath);
  }

  /** Most files of a folder are prepared alike: one object for them all, which v8.serialize writes once. */
  private shared(prepared: PreparedFacts): PreparedFacts {
    const key = JSON.stringify(prepared);
    let kept = this.preparedAlike.get(key);
    if (!kept) {
      kept = prepared;
      this.preparedAlike.set(key, kept);
    }
    return kept;
  }

  /** Hands an earlier run's facts on unchanged. */
  keep(absolutePath: string, known: KnownFile): void {
    this.next.files.set(absolutePath, known);
  }

  private unchanged(absolutePath: string): KnownFile | undefined {
    const known = this.earlier?.files.get(absolutePath);
    if (!known || !this.earlier) return undefined;
    const stamp = this.stamp(absolutePath);
    return stamp !== undefined && sameStamp(stamp, known.stamp) && this.settled(stamp) ? known : undefined;
  }

  /** Whether a stamp is old enough, next to the earlier run, that a change since would show in it. */
  private settled(stamp: FileStamp): boolean {
    const trusted = (this.earlier?.recordedAt ?? 0) - RACY_MARGIN_MS;
    return stamp.mtimeMs < trusted && stamp.ctimeMs < trusted;
  }

  private stamp(absolutePath: string): FileStamp | undefined {
    if (!this.stamps.has(absolutePath)) {
      const info = statSync(absolutePath, { throwIfNoEntry: false });
      this.stamps.set(absolutePath, info?.isFile() ? { size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, ino: info.ino } : undefined);
    }
    return this.stamps.get(absolutePath);
  }
}

function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;
}

function sameFacts(a: KnownFile, b: KnownFile): boolean {
  return sameStamp(a.stamp, b.stamp) && a.digest === b.digest && a.marker === b.marker && JSON.stringify(a.prepared) === JSON.stringify(b.prepared);
}

function describeIoError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  return (error as Error).message;
}
