import type { AlterTableType, ConstrType } from '@pgsql/types';
import type { LockMode } from './lock-modes.js';

/**
 * Which lock each statement and ALTER TABLE sub-command takes, as data. Rules
 * and messages read it; `lockwise trace` checks it against a real server.
 */

export interface VersionedLock {
  mode: LockMode;
  /** The lock PostgreSQL took before `since`, when the lock was lowered in that version. */
  before?: { since: number; mode: LockMode };
}

function lock(mode: LockMode, before?: { since: number; mode: LockMode }): VersionedLock {
  return before ? { mode, before } : { mode };
}

export function lockForVersion(entry: VersionedLock, pgVersion: number): LockMode {
  return entry.before && pgVersion < entry.before.since ? entry.before.mode : entry.mode;
}

/**
 * ALTER TABLE sub-commands. "An ACCESS EXCLUSIVE lock is acquired unless explicitly
 * noted", and the strictest lock of all sub-commands is held.
 * Source: https://www.postgresql.org/docs/current/sql-altertable.html (each sub-form's "requires" note)
 */
export const ALTER_TABLE_LOCKS: Partial<Record<AlterTableType, VersionedLock>> = {
  AT_SetStatistics: lock('SHARE UPDATE EXCLUSIVE'),
  AT_SetOptions: lock('SHARE UPDATE EXCLUSIVE'),
  AT_ResetOptions: lock('SHARE UPDATE EXCLUSIVE'),
  AT_ClusterOn: lock('SHARE UPDATE EXCLUSIVE'),
  AT_DropCluster: lock('SHARE UPDATE EXCLUSIVE'),
  AT_ValidateConstraint: lock('SHARE UPDATE EXCLUSIVE'),
  AT_EnableTrig: lock('SHARE ROW EXCLUSIVE'),
  AT_EnableAlwaysTrig: lock('SHARE ROW EXCLUSIVE'),
  AT_EnableReplicaTrig: lock('SHARE ROW EXCLUSIVE'),
  AT_DisableTrig: lock('SHARE ROW EXCLUSIVE'),
  AT_EnableTrigAll: lock('SHARE ROW EXCLUSIVE'),
  AT_DisableTrigAll: lock('SHARE ROW EXCLUSIVE'),
  AT_EnableTrigUser: lock('SHARE ROW EXCLUSIVE'),
  AT_DisableTrigUser: lock('SHARE ROW EXCLUSIVE'),
  /** On the partitioned table; lowered in PostgreSQL 12. */
  AT_AttachPartition: lock('SHARE UPDATE EXCLUSIVE', { since: 12, mode: 'ACCESS EXCLUSIVE' }),
};

/**
 * `SET (storage_parameter = ...)` and `RESET (...)`: "SHARE UPDATE EXCLUSIVE lock will be taken for
 * fillfactor, toast and autovacuum storage parameters, as well as the planner parameter
 * parallel_workers"; any other parameter (user_catalog_table, for one) takes ACCESS EXCLUSIVE.
 * Source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-STORAGE-PARAMETER,
 * checked on PostgreSQL 18 for each name below.
 */
export const SHARE_UPDATE_EXCLUSIVE_STORAGE_PARAMETERS: ReadonlySet<string> = new Set([
  'fillfactor',
  'toast_tuple_target',
  'parallel_workers',
  'vacuum_truncate',
  'vacuum_index_cleanup',
  'log_autovacuum_min_duration',
]);
/** Parameters of the TOAST table (`toast.autovacuum_enabled`) have the same names, in the `toast` namespace. */
export const STORAGE_PARAMETER_PREFIXES_WITH_SHARE_UPDATE_EXCLUSIVE = ['autovacuum_'] as const;

/** DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14+); the plain form takes the default ACCESS EXCLUSIVE. */
export const DETACH_PARTITION_CONCURRENTLY_LOCK: VersionedLock = lock('SHARE UPDATE EXCLUSIVE');

export const ALTER_TABLE_DEFAULT_LOCK: VersionedLock = lock('ACCESS EXCLUSIVE');

/**
 * `ADD table_constraint` by constraint type. "ADD FOREIGN KEY requires only a SHARE ROW
 * EXCLUSIVE lock", also on the referenced table; all other constraints ACCESS EXCLUSIVE.
 * Source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT
 */
export const ADD_CONSTRAINT_LOCKS: Partial<Record<ConstrType, VersionedLock>> = {
  CONSTR_FOREIGN: lock('SHARE ROW EXCLUSIVE'),
};

/** A foreign key, added or created with its table, locks the table it references in this mode. */
export const REFERENCED_TABLE_LOCK: LockMode = 'SHARE ROW EXCLUSIVE';

/**
 * Statements other than ALTER TABLE.
 * Sources: https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES,
 * https://www.postgresql.org/docs/current/sql-createindex.html, sql-dropindex.html, sql-reindex.html,
 * sql-createtrigger.html, sql-refreshmaterializedview.html, sql-truncate.html, sql-droptable.html.
 */
export const STATEMENT_LOCKS = {
  createIndex: lock('SHARE'),
  createIndexConcurrently: lock('SHARE UPDATE EXCLUSIVE'),
  /** On the index's table as well as the index. */
  dropIndex: lock('ACCESS EXCLUSIVE'),
  dropIndexConcurrently: lock('SHARE UPDATE EXCLUSIVE'),
  reindex: lock('SHARE'),
  reindexConcurrently: lock('SHARE UPDATE EXCLUSIVE'),
  dropTable: lock('ACCESS EXCLUSIVE'),
  truncate: lock('ACCESS EXCLUSIVE'),
  renameTableOrColumn: lock('ACCESS EXCLUSIVE'),
  /** ALTER INDEX ... RENAME was lowered in PostgreSQL 12. */
  renameIndex: lock('SHARE UPDATE EXCLUSIVE', { since: 12, mode: 'ACCESS EXCLUSIVE' }),
  createTrigger: lock('SHARE ROW EXCLUSIVE'),
  /** CREATE/ALTER/DROP POLICY and CREATE RULE: https://www.postgresql.org/docs/current/sql-createpolicy.html, checked on PostgreSQL 18. */
  policyOrRule: lock('ACCESS EXCLUSIVE'),
  /** On the partitioned table: https://www.postgresql.org/docs/current/sql-createtable.html (PARTITION OF), checked on PostgreSQL 18. */
  createPartitionOf: lock('ACCESS EXCLUSIVE'),
  /** The table being attached or detached, besides the partitioned table's own lock. */
  partitionAttachedOrDetached: lock('ACCESS EXCLUSIVE'),
  /** ALTER TABLE ... SET SCHEMA, an AlterObjectSchemaStmt. */
  setSchema: lock('ACCESS EXCLUSIVE'),
  /** REINDEX rebuilds each index it names under ACCESS EXCLUSIVE, besides SHARE on the table. */
  reindexedIndex: lock('ACCESS EXCLUSIVE'),
  refreshMaterializedView: lock('ACCESS EXCLUSIVE'),
  refreshMaterializedViewConcurrently: lock('EXCLUSIVE'),
  vacuumFull: lock('ACCESS EXCLUSIVE'),
  vacuum: lock('SHARE UPDATE EXCLUSIVE'),
  cluster: lock('ACCESS EXCLUSIVE'),
  comment: lock('SHARE UPDATE EXCLUSIVE'),
  insertUpdateDelete: lock('ROW EXCLUSIVE'),
} as const satisfies Record<string, VersionedLock>;
