import type { AlterTableType, ConstrType } from '@pgsql/types';
import type { LockMode } from './lock-modes.js';
import type { NodeKind } from '../parse/node-types.js';

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

/** Whether a sub-command rewrites the table (and its indexes), or scans it to check existing rows. */
export type Extent = 'never' | 'always' | 'depends';

export interface AlterTableEffect {
  lock: VersionedLock;
  rewrites: Extent;
  scans: Extent;
  /** When `rewrites` or `scans` is `depends`: on what. */
  depends?: string;
}

function effect(mode: LockMode, rewrites: Extent = 'never', scans: Extent = 'never', depends?: string, before?: { since: number; mode: LockMode }): AlterTableEffect {
  return { lock: lock(mode, before), rewrites, scans, ...(depends ? { depends } : {}) };
}

const AX = 'ACCESS EXCLUSIVE';
const SUE = 'SHARE UPDATE EXCLUSIVE';
const SRE = 'SHARE ROW EXCLUSIVE';
/** Sub-commands PostgreSQL creates for itself while executing others; a migration never writes them. */
const INTERNAL = effect(AX);

/**
 * Every ALTER TABLE sub-command: "An ACCESS EXCLUSIVE lock is acquired unless explicitly
 * noted", and the strictest lock of all sub-commands is held. The Record type makes the
 * table complete: a sub-command added to PostgreSQL's grammar fails to compile here.
 * Sources: https://www.postgresql.org/docs/current/sql-altertable.html (each sub-form's lock
 * note, and "Notes" for rewrites and scans); locks checked on PostgreSQL 18 (test/lock-table.test.ts).
 */
export const ALTER_TABLE_EFFECTS: Record<AlterTableType, AlterTableEffect> = {
  AT_AddColumn: effect(AX, 'depends', 'depends', 'a volatile default, an identity or serial column, a stored generated column, or before PostgreSQL 11 any non-null default rewrites; CHECK and FOREIGN KEY constraints on the new column scan'),
  AT_AddColumnToView: effect(AX),
  AT_ColumnDefault: effect(AX),
  AT_CookedColumnDefault: INTERNAL,
  AT_DropNotNull: effect(AX),
  AT_SetNotNull: effect(AX, 'never', 'depends', 'skipped from PostgreSQL 12 when a validated CHECK (column IS NOT NULL) proves it'),
  AT_SetExpression: effect(AX, 'depends', 'depends', 'a STORED generated column is recomputed and the table rewritten; a VIRTUAL one (PostgreSQL 18) is not, though a constraint on it is checked (seen on PostgreSQL 18)'),
  AT_DropExpression: effect(AX),
  AT_SetStatistics: effect(SUE),
  AT_SetOptions: effect(SUE),
  AT_ResetOptions: effect(SUE),
  AT_SetStorage: effect(AX),
  AT_SetCompression: effect(AX),
  AT_DropColumn: effect(AX),
  AT_AddIndex: effect(AX, 'never', 'always'),
  AT_ReAddIndex: INTERNAL,
  AT_AddConstraint: effect(AX, 'never', 'depends', 'CHECK and FOREIGN KEY scan unless NOT VALID; UNIQUE, PRIMARY KEY and EXCLUDE build an index; a FOREIGN KEY takes SHARE ROW EXCLUSIVE instead'),
  AT_ReAddConstraint: INTERNAL,
  AT_ReAddDomainConstraint: INTERNAL,
  AT_AlterConstraint: effect(AX),
  AT_ValidateConstraint: effect(SUE, 'never', 'always'),
  AT_AddIndexConstraint: effect(AX, 'never', 'depends', 'PRIMARY KEY USING INDEX scans to check NOT NULL when a column allows NULL'),
  AT_DropConstraint: effect(AX),
  AT_ReAddComment: INTERNAL,
  AT_AlterColumnType: effect(AX, 'depends', 'depends', 'no rewrite for changes that keep the stored values (see type-changes.ts); indexes on the column are rebuilt when the operator class or collation changes, even without a rewrite'),
  AT_AlterColumnGenericOptions: effect(AX),
  AT_ChangeOwner: effect(AX),
  AT_ClusterOn: effect(SUE),
  AT_DropCluster: effect(SUE),
  // These four change where the rows are stored, and do nothing when they are stored so already (seen on PostgreSQL 18).
  AT_SetLogged: effect(AX, 'depends', 'never', 'the table and its indexes are rewritten unless the table is logged already'),
  AT_SetUnLogged: effect(AX, 'depends', 'never', 'the table and its indexes are rewritten unless the table is unlogged already'),
  AT_DropOids: effect(AX),
  AT_SetAccessMethod: effect(AX, 'depends', 'never', 'the table and its indexes are rewritten unless the table has that access method already'),
  AT_SetTableSpace: effect(AX, 'depends', 'never', 'the table\'s files (or the index\'s) are copied unless they are in that tablespace already; a partitioned table has none'),
  AT_SetRelOptions: effect(SUE, 'never', 'never', 'SHARE UPDATE EXCLUSIVE only for the parameters in SHARE_UPDATE_EXCLUSIVE_STORAGE_PARAMETERS; ACCESS EXCLUSIVE for any other'),
  AT_ResetRelOptions: effect(SUE, 'never', 'never', 'as SET (...)'),
  AT_ReplaceRelOptions: INTERNAL,
  AT_EnableTrig: effect(SRE),
  AT_EnableAlwaysTrig: effect(SRE),
  AT_EnableReplicaTrig: effect(SRE),
  AT_DisableTrig: effect(SRE),
  AT_EnableTrigAll: effect(SRE),
  AT_DisableTrigAll: effect(SRE),
  AT_EnableTrigUser: effect(SRE),
  AT_DisableTrigUser: effect(SRE),
  AT_EnableRule: effect(AX),
  AT_EnableAlwaysRule: effect(AX),
  AT_EnableReplicaRule: effect(AX),
  AT_DisableRule: effect(AX),
  AT_AddInherit: effect(AX, 'never', 'always'),
  AT_DropInherit: effect(AX),
  AT_AddOf: effect(AX, 'never', 'always'),
  AT_DropOf: effect(AX),
  AT_ReplicaIdentity: effect(AX),
  AT_EnableRowSecurity: effect(AX),
  AT_DisableRowSecurity: effect(AX),
  AT_ForceRowSecurity: effect(AX),
  AT_NoForceRowSecurity: effect(AX),
  AT_GenericOptions: effect(AX),
  /**
   * On the partitioned table, lowered in PostgreSQL 12; the table attached is locked ACCESS EXCLUSIVE and scanned unless a CHECK
   * proves the bound, and so is a DEFAULT partition unless a CHECK rules the new rows out (seen on PostgreSQL 18 with lockwise trace).
   */
  AT_AttachPartition: effect(
    SUE,
    'never',
    'depends',
    'the attached table is scanned unless a validated CHECK constraint proves the partition bound and its key columns are NOT NULL; a DEFAULT partition is locked ACCESS EXCLUSIVE and scanned unless a validated CHECK constraint rules the new rows out',
    { since: 12, mode: AX },
  ),
  AT_DetachPartition: effect(AX, 'never', 'never', 'CONCURRENTLY (PostgreSQL 14+) takes SHARE UPDATE EXCLUSIVE'),
  AT_DetachPartitionFinalize: effect(SUE),
  AT_AddIdentity: effect(AX),
  AT_SetIdentity: effect(AX),
  AT_DropIdentity: effect(AX),
  AT_ReAddStatistics: INTERNAL,
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

/** DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14+); the plain form takes ACCESS EXCLUSIVE. */
export const DETACH_PARTITION_CONCURRENTLY_LOCK: VersionedLock = lock('SHARE UPDATE EXCLUSIVE');

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
  /** DROP TABLE, DROP VIEW and DROP MATERIALIZED VIEW: https://www.postgresql.org/docs/current/sql-droptable.html, views seen on PostgreSQL 18. */
  dropTable: lock('ACCESS EXCLUSIVE'),
  /**
   * The table a dropped foreign key references (with DROP TABLE, ALTER TABLE ... DROP CONSTRAINT, or DROP COLUMN
   * of a key's column), and the other table of a key that ALTER COLUMN TYPE of either of its columns rebuilds:
   * PostgreSQL removes the key's triggers on it, which takes ACCESS EXCLUSIVE, seen on PostgreSQL 18.
   */
  droppedForeignKeyReferencedTable: lock('ACCESS EXCLUSIVE'),
  /**
   * A table whose foreign key CASCADE drops with what it references: DROP CONSTRAINT of the referenced key, DROP COLUMN
   * of a referenced column, DROP TABLE of the referenced table. Its constraint goes, under ACCESS EXCLUSIVE, seen on PostgreSQL 18.
   */
  cascadedForeignKeyTable: lock('ACCESS EXCLUSIVE'),
  /** A table with a column of a type (or domain over it) that DROP TYPE or DROP DOMAIN ... CASCADE drops, as DROP COLUMN does: seen on PostgreSQL 18. */
  columnOfDroppedType: lock('ACCESS EXCLUSIVE'),
  /**
   * A table or view that DROP EXTENSION ... CASCADE changes, dropping a column of the extension's type, an index of its
   * operator class, a default or trigger that calls its functions, or the view whose query does: seen on PostgreSQL 18.
   */
  userOfDroppedExtension: lock('ACCESS EXCLUSIVE'),
  relationOfDroppedSchema: lock('ACCESS EXCLUSIVE'),
  /** A table with a column default that calls nextval() on a sequence DROP SEQUENCE ... CASCADE drops, as DROP DEFAULT does: seen on PostgreSQL 18. */
  defaultOfDroppedSequence: lock('ACCESS EXCLUSIVE'),
  /** CREATE OR REPLACE VIEW of a view that exists, seen on PostgreSQL 18. */
  replaceView: lock('ACCESS EXCLUSIVE'),
  truncate: lock('ACCESS EXCLUSIVE'),
  renameTableOrColumn: lock('ACCESS EXCLUSIVE'),
  /** ALTER INDEX ... RENAME was lowered in PostgreSQL 12. */
  renameIndex: lock('SHARE UPDATE EXCLUSIVE', { since: 12, mode: 'ACCESS EXCLUSIVE' }),
  createTrigger: lock('SHARE ROW EXCLUSIVE'),
  /** CREATE/ALTER POLICY and CREATE RULE: https://www.postgresql.org/docs/current/sql-createpolicy.html, checked on PostgreSQL 18. */
  policyOrRule: lock('ACCESS EXCLUSIVE'),
  /**
   * DROP TRIGGER, DROP POLICY, DROP RULE, and ALTER TRIGGER, ALTER POLICY or ALTER RULE ... RENAME lock the
   * table ACCESS EXCLUSIVE (their pages do not say; seen on PostgreSQL 18), unlike CREATE TRIGGER's SHARE ROW EXCLUSIVE.
   */
  triggerPolicyOrRuleRemovedOrRenamed: lock('ACCESS EXCLUSIVE'),
  /** On the partitioned table: https://www.postgresql.org/docs/current/sql-createtable.html (PARTITION OF), checked on PostgreSQL 18. */
  createPartitionOf: lock('ACCESS EXCLUSIVE'),
  /** The table being attached or detached, besides the partitioned table's own lock. */
  partitionAttachedOrDetached: lock('ACCESS EXCLUSIVE'),
  /** The DEFAULT partition, if any, when ATTACH PARTITION adds another partition: checked for rows that belong in it (seen on PostgreSQL 18). */
  defaultPartitionChecked: lock('ACCESS EXCLUSIVE'),
  /** ALTER TABLE, VIEW, MATERIALIZED VIEW or SEQUENCE ... SET SCHEMA, an AlterObjectSchemaStmt. */
  setSchema: lock('ACCESS EXCLUSIVE'),
  /** REINDEX rebuilds each index it names under ACCESS EXCLUSIVE, besides SHARE on the table. */
  reindexedIndex: lock('ACCESS EXCLUSIVE'),
  refreshMaterializedView: lock('ACCESS EXCLUSIVE'),
  refreshMaterializedViewConcurrently: lock('EXCLUSIVE'),
  vacuumFull: lock('ACCESS EXCLUSIVE'),
  vacuum: lock('SHARE UPDATE EXCLUSIVE'),
  /**
   * VACUUM truncating the empty pages at the end of a table (TRUNCATE, on by default): "the truncation requires an
   * ACCESS EXCLUSIVE lock on the table" (runtime-config-vacuum.html, vacuum_truncate), taken only if free at once and
   * given up when another session waits; seen by lockwise trace on PostgreSQL 18.4 after a DELETE.
   */
  vacuumTruncation: lock('ACCESS EXCLUSIVE'),
  /** ANALYZE, alone or as VACUUM (ANALYZE): https://www.postgresql.org/docs/current/sql-analyze.html, seen by lockwise trace on PostgreSQL 18.4. */
  analyze: lock('SHARE UPDATE EXCLUSIVE'),
  /** ALTER TABLE ... RENAME CONSTRAINT: "RENAME ... acquires ACCESS EXCLUSIVE" (sql-altertable.html), seen on PostgreSQL 18.4. */
  renameConstraint: lock('ACCESS EXCLUSIVE'),
  cluster: lock('ACCESS EXCLUSIVE'),
  /** CREATE STATISTICS: https://www.postgresql.org/docs/current/explicit-locking.html (SHARE UPDATE EXCLUSIVE), seen on PostgreSQL 18. */
  createStatistics: lock('SHARE UPDATE EXCLUSIVE'),
  comment: lock('SHARE UPDATE EXCLUSIVE'),
  /**
   * CREATE PUBLICATION ... FOR TABLE, and ALTER PUBLICATION ADD, SET or DROP TABLE, on each table named (publicationcmds.c opens
   * them with ShareUpdateExclusiveLock; not on explicit-locking.html), seen on PostgreSQL 18.4. SET also locks the tables it
   * removes, which lockwise does not know.
   */
  publicationTable: lock('SHARE UPDATE EXCLUSIVE'),
  /**
   * INSERT, UPDATE, DELETE and MERGE on their target, COPY FROM on its table, and the same
   * statements in a data-modifying WITH: "ROW EXCLUSIVE ... acquired by any command that
   * modifies data in a table" (explicit-locking.html); MERGE, COPY FROM and WITH seen on PostgreSQL 18.4.
   */
  insertUpdateDelete: lock('ROW EXCLUSIVE'),
  /** TRUNCATE ... CASCADE: every table with a foreign key to a truncated one is emptied too, seen on PostgreSQL 18.4. */
  truncateCascade: lock('ACCESS EXCLUSIVE'),
  /**
   * A DELETE that removes a row, or an UPDATE that changes a referenced value: the tables whose foreign keys' ON DELETE or ON
   * UPDATE actions delete or update their rows, seen on PostgreSQL 18.
   */
  foreignKeyAction: lock('ROW EXCLUSIVE'),
  /** ... and the tables whose foreign keys to it only check (NO ACTION, RESTRICT), with SELECT ... FOR KEY SHARE, seen on PostgreSQL 18. */
  foreignKeyCheck: lock('ROW SHARE'),
} as const satisfies Record<string, VersionedLock>;

export interface StatementEffect {
  /** The table-level locks, in words; locksTakenBy() turns them into claims. */
  locks: string;
  rewrites: Extent;
  scans: Extent;
}

const NO_TABLE_LOCK: StatementEffect = { locks: 'none on existing tables', rewrites: 'never', scans: 'never' };
const READS: StatementEffect = { locks: 'ACCESS SHARE on the tables it reads', rewrites: 'never', scans: 'depends' };

/**
 * What every kind of statement does to the tables it touches. A test walks every
 * statement in the fixtures and fails on a kind missing here, so that no dangerous
 * statement passes because nobody listed it.
 * Source: https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES and each command's page.
 */
export const STATEMENT_EFFECTS: Partial<Record<NodeKind, StatementEffect>> = {
  AlterTableStmt: { locks: 'per sub-command, see ALTER_TABLE_EFFECTS; the strictest one', rewrites: 'depends', scans: 'depends' },
  IndexStmt: { locks: 'SHARE on the table; SHARE UPDATE EXCLUSIVE with CONCURRENTLY', rewrites: 'never', scans: 'always' },
  DropStmt: { locks: 'ACCESS EXCLUSIVE on a dropped table, view or materialized view, on the table of a dropped index (SHARE UPDATE EXCLUSIVE with CONCURRENTLY), trigger, policy or rule, on tables a dropped table\'s foreign keys reference, and with CASCADE on what the dropped objects\' dependents belong to (every table and view of a dropped schema)', rewrites: 'never', scans: 'never' },
  RenameStmt: { locks: 'ACCESS EXCLUSIVE on a renamed table, view or column, and on the table of a renamed constraint, trigger, policy or rule; SHARE UPDATE EXCLUSIVE on a renamed index (PostgreSQL 12+)', rewrites: 'never', scans: 'never' },
  CreateStmt: { locks: 'SHARE ROW EXCLUSIVE on tables its foreign keys reference; ACCESS EXCLUSIVE on the parent of PARTITION OF, and on its DEFAULT partition, which is scanned unless a validated CHECK constraint rules the new rows out', rewrites: 'never', scans: 'depends' },
  CreateTableAsStmt: READS,
  ViewStmt: { locks: 'ACCESS SHARE on the tables the view reads; ACCESS EXCLUSIVE on the view that CREATE OR REPLACE replaces', rewrites: 'never', scans: 'never' },
  CreateTrigStmt: { locks: 'SHARE ROW EXCLUSIVE on the table', rewrites: 'never', scans: 'never' },
  TruncateStmt: { locks: 'ACCESS EXCLUSIVE on each table (and, with CASCADE, every table referencing them)', rewrites: 'always', scans: 'never' },
  VacuumStmt: {
    locks: 'SHARE UPDATE EXCLUSIVE, ANALYZE too; ACCESS EXCLUSIVE with FULL; without FULL, a brief ACCESS EXCLUSIVE to truncate empty pages at the end, taken only if free at once (not with TRUNCATE false)',
    rewrites: 'depends',
    scans: 'always',
  },
  ClusterStmt: { locks: 'ACCESS EXCLUSIVE on the table', rewrites: 'always', scans: 'always' },
  ReindexStmt: { locks: 'SHARE on the table and ACCESS EXCLUSIVE on each index rebuilt; SHARE UPDATE EXCLUSIVE with CONCURRENTLY', rewrites: 'depends', scans: 'always' },
  /** Without CONCURRENTLY the view's data is replaced (a new file); with it, rows are changed in place (seen on PostgreSQL 18.4). */
  RefreshMatViewStmt: { locks: 'ACCESS EXCLUSIVE on the view; EXCLUSIVE with CONCURRENTLY', rewrites: 'depends', scans: 'always' },
  CommentStmt: { locks: 'SHARE UPDATE EXCLUSIVE on a commented table or column', rewrites: 'never', scans: 'never' },
  GrantStmt: { locks: 'ACCESS SHARE on the table, which conflicts only with ACCESS EXCLUSIVE', rewrites: 'never', scans: 'never' },
  LockStmt: { locks: 'the mode it names, ACCESS EXCLUSIVE by default', rewrites: 'never', scans: 'never' },
  CreatePolicyStmt: { locks: 'ACCESS EXCLUSIVE on the table', rewrites: 'never', scans: 'never' },
  AlterPolicyStmt: { locks: 'ACCESS EXCLUSIVE on the table', rewrites: 'never', scans: 'never' },
  RuleStmt: { locks: 'ACCESS EXCLUSIVE on the table', rewrites: 'never', scans: 'never' },
  AlterObjectSchemaStmt: { locks: 'ACCESS EXCLUSIVE on a table, view, materialized view or sequence moved to another schema', rewrites: 'never', scans: 'never' },
  AlterOwnerStmt: { locks: 'ACCESS EXCLUSIVE on a table whose owner changes', rewrites: 'never', scans: 'never' },
  AlterDomainStmt: { locks: 'SHARE on every table with a column of the domain while ADD CONSTRAINT (unless NOT VALID), VALIDATE CONSTRAINT or SET NOT NULL checks them (through PostgreSQL 18)', rewrites: 'never', scans: 'depends' },
  AlterEnumStmt: { locks: 'none on tables; ADD VALUE cannot run in a transaction block before PostgreSQL 12', rewrites: 'never', scans: 'never' },
  SelectStmt: READS,
  InsertStmt: { locks: 'ROW EXCLUSIVE on the table', rewrites: 'never', scans: 'depends' },
  UpdateStmt: { locks: 'ROW EXCLUSIVE on the table, and row locks on every row it changes until commit', rewrites: 'never', scans: 'depends' },
  DeleteStmt: { locks: 'ROW EXCLUSIVE on the table, and row locks on every row it deletes until commit', rewrites: 'never', scans: 'depends' },
  MergeStmt: { locks: 'ROW EXCLUSIVE on the target table', rewrites: 'never', scans: 'depends' },
  CopyStmt: { locks: 'ROW EXCLUSIVE on the table for COPY FROM; ACCESS SHARE for COPY TO', rewrites: 'never', scans: 'depends' },
  ExplainStmt: READS,
  CreateEnumStmt: NO_TABLE_LOCK,
  CreateDomainStmt: NO_TABLE_LOCK,
  CompositeTypeStmt: NO_TABLE_LOCK,
  DefineStmt: NO_TABLE_LOCK,
  CreateRangeStmt: NO_TABLE_LOCK,
  CreateSeqStmt: NO_TABLE_LOCK,
  AlterSeqStmt: NO_TABLE_LOCK,
  CreateFunctionStmt: { locks: 'ROW EXCLUSIVE on each table a LANGUAGE sql body writes, which PostgreSQL analyses as it creates the function (check_function_bodies, on by default); otherwise none', rewrites: 'never', scans: 'never' },
  AlterFunctionStmt: NO_TABLE_LOCK,
  DoStmt: { locks: 'those of the statements it runs, which lockwise checks inside the block', rewrites: 'depends', scans: 'depends' },
  CallStmt: { locks: 'those of the procedure it calls, which lockwise cannot see', rewrites: 'depends', scans: 'depends' },
  CreateSchemaStmt: NO_TABLE_LOCK,
  CreateExtensionStmt: NO_TABLE_LOCK,
  AlterExtensionStmt: NO_TABLE_LOCK,
  CreateStatsStmt: { locks: 'SHARE UPDATE EXCLUSIVE on the table', rewrites: 'never', scans: 'never' },
  CreateCastStmt: NO_TABLE_LOCK,
  VariableSetStmt: NO_TABLE_LOCK,
  VariableShowStmt: NO_TABLE_LOCK,
  TransactionStmt: NO_TABLE_LOCK,
  CreateRoleStmt: NO_TABLE_LOCK,
  AlterRoleStmt: NO_TABLE_LOCK,
  DropRoleStmt: NO_TABLE_LOCK,
  GrantRoleStmt: NO_TABLE_LOCK,
  AlterDefaultPrivilegesStmt: NO_TABLE_LOCK,
  CreatedbStmt: NO_TABLE_LOCK,
  DropdbStmt: { locks: 'none on tables: the whole database goes', rewrites: 'never', scans: 'never' },
  AlterDatabaseStmt: { locks: 'none on tables; SET TABLESPACE copies every file of the database and needs it to have no other connection', rewrites: 'never', scans: 'never' },
  AlterDatabaseSetStmt: NO_TABLE_LOCK,
  CreateTableSpaceStmt: NO_TABLE_LOCK,
  DropTableSpaceStmt: NO_TABLE_LOCK,
  AlterSystemStmt: NO_TABLE_LOCK,
  CreateSubscriptionStmt: NO_TABLE_LOCK,
  NotifyStmt: NO_TABLE_LOCK,
  DiscardStmt: NO_TABLE_LOCK,
  CheckPointStmt: NO_TABLE_LOCK,
  PrepareStmt: NO_TABLE_LOCK,
  ExecuteStmt: { locks: 'those of the prepared statement', rewrites: 'depends', scans: 'depends' },
  CreateEventTrigStmt: NO_TABLE_LOCK,
  CreatePublicationStmt: { locks: 'SHARE UPDATE EXCLUSIVE on each table of FOR TABLE; none for FOR ALL TABLES or TABLES IN SCHEMA', rewrites: 'never', scans: 'never' },
  AlterPublicationStmt: { locks: 'SHARE UPDATE EXCLUSIVE on tables added, set or dropped (and, with SET, on those it removes)', rewrites: 'never', scans: 'never' },
};
