import type { Statement } from '../parse/parse.js';
import type { LockedKind, SchemaModel } from '../model/schema-model.js';
import type { RunnerTraits, SettingValue, TransactionMode, TransactionState } from '../model/session-state.js';
import type { RelationName } from '../model/names.js';
import type { LockClaim } from '../knowledge/statement-locks.js';
import type { HeldLock } from './held-locks.js';
import type { Report } from './rule.js';
import type { ByteRange } from '../source/source-file.js';

/** Facts about how migrations are run that no file states. */
export interface Environment {
  /** How the migration tool runs this file. */
  transactionMode: TransactionMode;
  /** The migration tool sets lock_timeout itself before running a file. */
  lockTimeoutSetByTool: boolean;
  /** How the migration tool runs a file outside a transaction, when it has a per-file switch lockwise knows. */
  transactionOptOut?: string;
  /** Why the migration tool refuses to run the file at all, when it does; the file is linted as it runs once mended. */
  refusedBecause?: string;
  /** What the tool's runner does besides wrapping the file (see RunnerTraits). */
  runner?: RunnerTraits;
  /**
   * Locks the migrations before this one, pending in the same deploy, left held in the runner's transaction, which this
   * file runs on in (RunnerTraits.pendingInOneTransaction); each names the migration that took it.
   */
  carriedLocks?: readonly HeldLock[];
}

/** Everything a rule may know about the world; a rule never reads files, the clock or the process. */
export interface RuleContext<MessageId extends string = string> {
  readonly filePath: string;
  readonly statements: readonly Statement[];
  /** The statement being visited. */
  readonly statement: Statement;
  /** The transaction the current statement runs in. */
  readonly transaction: TransactionState;
  readonly pgVersion: number;
  readonly environment: Environment;
  /** The schema before the current statement: history, then this file's earlier statements. */
  readonly schema: SchemaModel;
  /** When migrations were committed, from git. */
  readonly dates: MigrationDates;
  /** A setting in force before the current statement (SET, SET LOCAL, set_config), by lower-case name. */
  setting(name: string): SettingValue | undefined;
  /** Table-level locks the statement takes, from the lock table, for the target version. */
  locksOf(statement: Statement): LockClaim[];
  /**
   * Whether a statement of a DO block may not run: it stands in a branch, loop or exception handler, and the schema
   * the migrations built does not say that it runs (an IF over the catalogs it decided as taken does).
   */
  mayBeSkipped(statement: Statement): boolean;
  /**
   * The locks the transaction took before the current statement and still holds, oldest first: none outside a
   * transaction block; ROLLBACK TO a savepoint releases those taken after it. A claim with `takenOnlyIf` may not be held.
   */
  /**
   * The line of the statement that took a held lock, for messages: "12", or "3 of db/0041_add_plan.sql, which drizzle's
   * migrator runs in the same transaction" for one an earlier migration of the transaction took (HeldLock.earlier).
   */
  lineOfLock(lock: HeldLock): string;
  heldLocks(): readonly HeldLock[];
  /** A table that holds production data: neither created by a migration that has not been deployed, nor temporary. */
  isExistingTable(relation: RelationName): boolean;
  /** Whether a lock claim falls on an existing table; for an index, on its table, existing unless the model knows otherwise. */
  locksExistingTable(claim: LockClaim): boolean;
  /** A lock claim in words for messages, with what the model knows (an index's table, a view): see LockWords. */
  describeLock(claim: LockClaim, kindWhenTaken?: LockedKind): LockWords;
  /** The 1-based line of a byte offset in this file, for messages that point elsewhere. */
  lineOf(offset: number): number;
  /** The SQL text PostgreSQL's parser saw for a byte range of this file (psql commands and placeholders neutralised), e.g. for the scanner's tokens. */
  sqlText(range: ByteRange): string;
  report(report: Report<MessageId>): void;
}

/** What git knows about when migrations were committed, for rules that judge time between releases. */
export interface MigrationDates {
  /** When the migration file was first committed; undefined when it is not committed or git is not available. */
  committedAt(migration: string): Date | undefined;
  /** The time of this run, standing for a migration not committed yet. */
  now: Date;
  /** False outside a git repository: date checks are skipped. */
  available: boolean;
}

/** A lock in words: "an ACCESS EXCLUSIVE lock", "orders", "the view", "blocks every read and write of the view". */
export interface LockWords {
  lock: string;
  object: string;
  relation: string;
  impact: string;
}
