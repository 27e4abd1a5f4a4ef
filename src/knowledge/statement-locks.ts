import type { AlterTableCmd, Node, RangeVar } from '@pgsql/types';
import type { Statement } from '../parse/parse.js';
import { alterTableCommands, asKind, functionLanguageAndBody, functionNameOf, isOptionEnabled, stringValues } from '../parse/node-types.js';
import { ATTACHED_OBJECT_KINDS, attachedObjectOf, displayName, relationFromNameList, relationFromNames, relationFromRangeVar, type RelationName } from '../model/names.js';
import { LOCK_MODES, strongerLock, TYPE_RELATION_WORD, type LockMode } from './lock-modes.js';
import { libpgQuery } from '../parse/libpg.js';
import {
  ADD_CONSTRAINT_LOCKS,
  ALTER_TABLE_EFFECTS,
  DETACH_PARTITION_CONCURRENTLY_LOCK,
  REFERENCED_TABLE_LOCK,
  SHARE_UPDATE_EXCLUSIVE_STORAGE_PARAMETERS,
  STATEMENT_EFFECTS,
  STATEMENT_LOCKS,
  STORAGE_PARAMETER_PREFIXES_WITH_SHARE_UPDATE_EXCLUSIVE,
  lockForVersion,
  type Extent,
  type VersionedLock,
} from './lock-table.js';

/** Which relation a lock falls on, relative to the relation the claim names. */
export type LockTarget =
  /** The table (or view) named. */
  | 'table'
  /** The index named, and not its table. */
  | 'index'
  /** The table of the index named. */
  | 'table-of-index'
  /** Every index of the table named. */
  | 'indexes-of-table'
  /** A table a foreign key references. */
  | 'referenced-table'
  /** A partition being attached or detached. */
  | 'partition'
  /** The DEFAULT partition of the partitioned table named, if it has one: a new partition makes PostgreSQL check it. */
  | 'default-partition'
  /** Every table with a foreign key to the table named, and to those, as TRUNCATE ... CASCADE empties them. */
  | 'referencing-tables'
  /**
   * Every table that a foreign key of the table named references, when the statement drops or rebuilds that
   * foreign key (with its table, its column, or by name, as `droppedKeys` says): PostgreSQL drops the key's
   * triggers on the referenced table, under ACCESS EXCLUSIVE (seen on PostgreSQL 18).
   */
  | 'referenced-tables'
  /**
   * Every table with a foreign key to what `droppedKeys` names of the table: a column, whose ALTER COLUMN TYPE rebuilds
   * those keys and their triggers on the referencing tables, and whose DROP COLUMN ... CASCADE drops them; a key, whose
   * DROP CONSTRAINT ... CASCADE drops the keys that use it; or the whole table, for DROP TABLE ... CASCADE (seen on PostgreSQL 18).
   */
  | 'tables-referencing-dropped'
  /**
   * Every table whose foreign key to the table named deletes or updates its rows when a referenced row is deleted (ON DELETE
   * CASCADE, SET NULL, SET DEFAULT), and through CASCADE those of the tables referencing those in turn: a DELETE that removes
   * a row runs the key's action on them, under ROW EXCLUSIVE (seen on PostgreSQL 18).
   */
  | 'tables-changed-on-delete'
  /** Every table whose foreign key to the table named (or to one a CASCADE reaches) only checks, NO ACTION or RESTRICT: ROW SHARE. */
  | 'tables-checked-on-delete'
  /**
   * Every table whose foreign key references one of `updatedColumns` of the table named and changes its rows when that key
   * changes (ON UPDATE CASCADE, SET NULL, SET DEFAULT): an UPDATE that changes a referenced value locks it ROW EXCLUSIVE.
   */
  | 'tables-changed-on-update'
  /** ... and those whose key to one of them only checks (ON UPDATE NO ACTION, RESTRICT): ROW SHARE (seen on PostgreSQL 18). */
  | 'tables-checked-on-update'
  /**
   * Every table or view that uses the function named (the claim's relation): a trigger that executes it, a default,
   * CHECK constraint or index expression that calls it, or the view whose query does. DROP FUNCTION ... CASCADE drops those.
   */
  | 'users-of-function'
  /** Every table with a column of the type or domain named (the claim's relation): DROP TYPE or DROP DOMAIN ... CASCADE drops those columns. */
  | 'tables-with-columns-of-type'
  /**
   * Every table or view that uses what the extension named (the claim's relation) provides: a column of its type, an index
   * of its operator class, a default, trigger or view query calling its function. DROP EXTENSION ... CASCADE drops those.
   */
  | 'users-of-extension'
  /** Every table with a column default that calls nextval() on the sequence named: DROP SEQUENCE ... CASCADE drops those defaults. */
  | 'tables-drawing-from-sequence'
  /** For a view: every relation its query names, and theirs for a view among them, as LOCK TABLE of a view locks them (PostgreSQL 11+). */
  | 'relations-view-reads'
  /** Every table, view and materialized view in the schema named (the claim's relation): DROP SCHEMA ... CASCADE drops each. */
  | 'relations-of-schema';

/** Which foreign keys of a table a statement drops or rebuilds: all of them, those on one column, or one by name. */
export type DroppedKeys = { all: true } | { column: string } | { constraint: string };

/** Whether a foreign key is among those a statement drops. */
export function isDroppedKey(dropped: DroppedKeys | undefined, key: { name: string; columns: readonly string[] }): boolean {
  if (!dropped || 'all' in dropped) return true;
  return 'column' in dropped ? key.columns.includes(dropped.column) : key.name === dropped.constraint;
}

export interface LockClaim {
  relation: RelationName;
  target: LockTarget;
  mode: LockMode;
  /**
   * A stronger lock the statement may also hold for a moment, taken only when it is free at once
   * and given up when another session waits for it: it never queues, so it never stops traffic
   * the way `mode` can. VACUUM truncating empty pages at the end of the table takes ACCESS EXCLUSIVE so.
   */
  briefly?: LockMode;
  /**
   * For the table a foreign key added to a partitioned table references: the lock taken instead when
   * a partition has that foreign key already. PostgreSQL then attaches the partition's constraint
   * rather than checking its rows, and drops its triggers on this table (seen on PostgreSQL 18).
   */
  whenPartitionsHaveIt?: LockMode;
  /** For 'referenced-tables': the foreign keys dropped or rebuilt; for 'tables-referencing-dropped': what they reference. */
  droppedKeys?: DroppedKeys;
  /** For 'tables-changed-on-update' and 'tables-checked-on-update': the columns the UPDATE sets. */
  updatedColumns?: string[];
  /** Taken only when the relation exists already: CREATE OR REPLACE VIEW locks the view it replaces, and creates a new one otherwise. */
  onlyIfExisting?: boolean;
  /**
   * A condition lint assumes and a server may not meet, under which alone the lock is taken: the table has the trigger,
   * policy or rule DROP ... IF EXISTS names (lockwise does not know which it has), or a DO block takes the branch that
   * runs the statement. Trace takes no lock there as no disagreement.
   */
  takenOnlyIf?: string;
}

/** Dropping the partitions' foreign key triggers on the referenced table, as PostgreSQL attaches their constraints. */
const PARTITION_FOREIGN_KEYS_ATTACHED: LockMode = 'ACCESS EXCLUSIVE';

/** Sub-commands that drop or rebuild foreign keys of the table: by name, or those on a column (ALTER COLUMN TYPE rebuilds them). */
const DROPPED_KEY_SUBCOMMANDS: Partial<Record<NonNullable<AlterTableCmd['subtype']>, (cmd: AlterTableCmd) => DroppedKeys | undefined>> = {
  AT_DropConstraint: (cmd) => (cmd.name ? { constraint: cmd.name } : undefined),
  AT_DropColumn: (cmd) => (cmd.name ? { column: cmd.name } : undefined),
  AT_AlterColumnType: (cmd) => (cmd.name ? { column: cmd.name } : undefined),
};

/** LOCK TABLE of a view locks the relations of its query from PostgreSQL 11 on. */
const VIEWS_LOCK_WHAT_THEY_READ_SINCE = 11;

/** What ALTER ... SET SCHEMA moves under ACCESS EXCLUSIVE, with the sequences its columns own (seen on PostgreSQL 18). */
const MOVED_RELATION_KINDS: ReadonlySet<string> = new Set(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_SEQUENCE', 'OBJECT_FOREIGN_TABLE']);

/** DROP statements whose objects are relations queries read: a table, a view, a materialized view. */
export const DROPPED_RELATION_KINDS: ReadonlySet<string> = new Set(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW']);
const RENAMED_RELATION_KINDS = new Set(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_COLUMN']);
/** COMMENT ON a table, view, materialized view, or a column of one, locks the relation SHARE UPDATE EXCLUSIVE (views seen on PostgreSQL 18). */
const COMMENTED_RELATION_KINDS: ReadonlySet<string> = new Set(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_COLUMN']);

/**
 * The lock that the application's queries on a table run into. The planner opens
 * every index of a table it plans for, so ACCESS EXCLUSIVE on any one index stops
 * all reads and writes of the table; weaker index locks stop none.
 */
export function trafficLock(claim: LockClaim): LockMode {
  if (claim.target === 'index' || claim.target === 'indexes-of-table') {
    return claim.mode === 'ACCESS EXCLUSIVE' ? 'ACCESS EXCLUSIVE' : 'ACCESS SHARE';
  }
  return claim.mode;
}

/**
 * The locked object in words, for messages: "orders", "the table of index orders_idx", "every index of orders".
 * `tableOfIndex` names the table of an index when the schema knows it: "orders" rather than "the table of index orders_idx".
 */
export function describeLockedObject(claim: LockClaim, tableOfIndex?: (index: RelationName) => RelationName | undefined): string {
  const name = displayName(claim.relation);
  switch (claim.target) {
    case 'index':
      return `index ${name}`;
    case 'table-of-index': {
      const table = tableOfIndex?.(claim.relation);
      return table ? displayName(table) : `the table of index ${name}`;
    }
    case 'indexes-of-table':
      return `every index of ${name}`;
    case 'referencing-tables':
      return `every table with a foreign key to ${name}`;
    case 'referenced-tables':
      return `the tables the foreign keys of ${name} reference`;
    case 'tables-referencing-dropped':
      return `the tables with a foreign key to ${name}`;
    case 'tables-changed-on-delete':
      return `the tables whose foreign keys to ${name} delete or update their rows`;
    case 'tables-checked-on-delete':
    case 'tables-checked-on-update':
      return `the tables whose foreign keys to ${name} are checked`;
    case 'tables-changed-on-update':
      return `the tables whose foreign keys to ${name} update their rows`;
    case 'users-of-function':
      return `the tables and views that use ${name}`;
    case 'tables-with-columns-of-type':
      return `the tables with a column of type ${name}`;
    case 'users-of-extension':
      return `the tables and views that use what extension ${name} provides`;
    case 'tables-drawing-from-sequence':
      return `the tables with a default that draws from ${name}`;
    case 'relations-view-reads':
      return `the relations view ${name} reads`;
    case 'relations-of-schema':
      return `every table and view in schema ${name}`;
    case 'default-partition':
      return `the DEFAULT partition of ${name}`;
    default:
      return name;
  }
}

/** What the locked relation is, in words: "the table", or "the view" and "the materialized view" as `kindOf` knows them. */
export function lockedRelationWord(claim: LockClaim, kindOf: (relation: RelationName) => string | undefined): string {
  const kind = claim.target === 'table' ? kindOf(claim.relation) : undefined;
  if (kind === 'composite type') return TYPE_RELATION_WORD;
  return kind === 'view' || kind === 'materialized view' ? `the ${kind}` : 'the table';
}

/** The table whose traffic a claim stops: for an index, its table when `tableOfIndex` knows it; else the relation it names. */
export function trafficTable(claim: LockClaim, tableOfIndex: (index: RelationName) => RelationName | undefined): RelationName {
  return (namesIndex(claim) && tableOfIndex(claim.relation)) || claim.relation;
}

/** Whether the claim's relation names an index rather than a table. */
export function namesIndex(claim: LockClaim): boolean {
  return claim.target === 'index' || claim.target === 'table-of-index';
}

/** A statement a DO block runs only in some branch (IF, CASE, a loop, an exception handler) takes its locks only if the block runs it. */
export function asRunByItsBlock(statement: Statement, claims: LockClaim[]): LockClaim[] {
  return statement.conditional ? claims.map((claim) => ({ ...claim, takenOnlyIf: claim.takenOnlyIf ?? 'the block runs the statement' })) : claims;
}

/** The table-level locks a statement takes, read from the lock table for the target version. */
export function locksTakenBy(statement: Statement, pgVersion: number): LockClaim[] {
  const claims: LockClaim[] = [];
  const take = (relation: RelationName | RangeVar | undefined, target: LockTarget, entry: VersionedLock | LockMode, briefly?: LockMode): void => {
    if (!relation) return;
    const name = 'relname' in relation ? relationFromRangeVar(relation) : (relation as RelationName);
    claims.push({ relation: name, target, mode: typeof entry === 'string' ? entry : lockForVersion(entry, pgVersion), ...(briefly ? { briefly } : {}) });
  };
  const takeDroppedKeys = (relation: RelationName | RangeVar, droppedKeys: DroppedKeys, target: LockTarget = 'referenced-tables'): void => {
    take(relation, target, STATEMENT_LOCKS.droppedForeignKeyReferencedTable);
    claims.at(-1)!.droppedKeys = droppedKeys;
  };
  const takeCascadedKeys = (relation: RelationName | RangeVar, dropped: DroppedKeys): void => {
    take(relation, 'tables-referencing-dropped', STATEMENT_LOCKS.cascadedForeignKeyTable);
    claims.at(-1)!.droppedKeys = dropped;
  };
  const { node } = statement;

  const alter = asKind(node, 'AlterTableStmt');
  if (alter?.relation) {
    const commands = alterTableCommands(node);
    const modes = commands.map((cmd) => alterCommandLock(cmd, pgVersion));
    if (modes.length > 0) take(alter.relation, alter.objtype === 'OBJECT_INDEX' ? 'index' : 'table', modes.reduce(strongerLock));
    for (const cmd of commands) {
      const droppedKeys = cmd.subtype ? DROPPED_KEY_SUBCOMMANDS[cmd.subtype]?.(cmd) : undefined;
      if (droppedKeys && alter.objtype === 'OBJECT_TABLE') {
        takeDroppedKeys(alter.relation, droppedKeys);
        // A retyped column rebuilds the keys that reference it too; CASCADE drops those that reference a dropped column or key.
        if (cmd.subtype === 'AT_AlterColumnType') takeDroppedKeys(alter.relation, droppedKeys, 'tables-referencing-dropped');
        else if (cmd.behavior === 'DROP_CASCADE') takeCascadedKeys(alter.relation, droppedKeys);
      }
      for (const referenced of foreignKeyTargets(cmd.def)) {
        take(referenced, 'referenced-table', REFERENCED_TABLE_LOCK);
        if (cmd.subtype === 'AT_AddConstraint') claims.at(-1)!.whenPartitionsHaveIt = PARTITION_FOREIGN_KEYS_ATTACHED;
      }
      const partition = asKind(cmd.def, 'PartitionCmd');
      take(partition?.name, 'partition', STATEMENT_LOCKS.partitionAttachedOrDetached);
      if (cmd.subtype === 'AT_AttachPartition' && partition?.bound?.is_default !== true) take(alter.relation, 'default-partition', STATEMENT_LOCKS.defaultPartitionChecked);
    }
    return claims;
  }

  const index = asKind(node, 'IndexStmt');
  if (index) {
    take(index.relation, 'table', index.concurrent ? STATEMENT_LOCKS.createIndexConcurrently : STATEMENT_LOCKS.createIndex);
    return claims;
  }

  const drop = asKind(node, 'DropStmt');
  if (drop?.removeType === 'OBJECT_INDEX') {
    const entry = drop.concurrent ? STATEMENT_LOCKS.dropIndexConcurrently : STATEMENT_LOCKS.dropIndex;
    for (const object of drop.objects ?? []) take(relationFromNameList(object), 'table-of-index', entry);
    return claims;
  }
  if (drop?.removeType && DROPPED_RELATION_KINDS.has(drop.removeType)) {
    for (const object of drop.objects ?? []) {
      const relation = relationFromNameList(object);
      take(relation, 'table', STATEMENT_LOCKS.dropTable);
      if (relation && drop.removeType === 'OBJECT_TABLE') {
        takeDroppedKeys(relation, { all: true });
        if (drop.behavior === 'DROP_CASCADE') takeCascadedKeys(relation, { all: true });
      }
    }
    return claims;
  }

  if (drop?.removeType === 'OBJECT_FUNCTION' && drop.behavior === 'DROP_CASCADE') {
    // CASCADE drops the triggers that execute the function, each as DROP TRIGGER would, the defaults that call it, as
    // DROP DEFAULT would, and the views that call it (seen on PostgreSQL 18).
    for (const object of drop.objects ?? []) {
      const name = functionNameOf(object);
      if (name) take({ name }, 'users-of-function', STATEMENT_LOCKS.triggerPolicyOrRuleRemovedOrRenamed);
    }
    return claims;
  }

  if ((drop?.removeType === 'OBJECT_TYPE' || drop?.removeType === 'OBJECT_DOMAIN') && drop.behavior === 'DROP_CASCADE') {
    // CASCADE drops the columns of the type, each as DROP COLUMN would (seen on PostgreSQL 18).
    for (const object of drop.objects ?? []) {
      const type = relationFromNames(stringValues(asKind(object, 'TypeName')?.names));
      if (type.name) take(type, 'tables-with-columns-of-type', STATEMENT_LOCKS.columnOfDroppedType);
    }
    return claims;
  }

  if (drop?.removeType === 'OBJECT_SEQUENCE' && drop.behavior === 'DROP_CASCADE') {
    for (const object of drop.objects ?? []) take(relationFromNameList(object), 'tables-drawing-from-sequence', STATEMENT_LOCKS.defaultOfDroppedSequence);
    return claims;
  }

  if (drop?.removeType === 'OBJECT_SCHEMA' && drop.behavior === 'DROP_CASCADE') {
    // CASCADE drops each relation in the schema, as DROP TABLE or DROP VIEW would.
    for (const object of drop.objects ?? []) {
      const name = asKind(object, 'String')?.sval;
      if (name) take({ name }, 'relations-of-schema', STATEMENT_LOCKS.relationOfDroppedSchema);
    }
    return claims;
  }

  if (drop?.removeType === 'OBJECT_EXTENSION' && drop.behavior === 'DROP_CASCADE') {
    for (const object of drop.objects ?? []) {
      const name = asKind(object, 'String')?.sval;
      if (name) take({ name }, 'users-of-extension', STATEMENT_LOCKS.userOfDroppedExtension);
    }
    return claims;
  }

  // Triggers, policies and rules: dropping or renaming one locks its table.
  if (drop && ATTACHED_OBJECT_KINDS[drop.removeType ?? '']) {
    for (const object of drop.objects ?? []) {
      take(attachedObjectOf(object)?.table, 'table', STATEMENT_LOCKS.triggerPolicyOrRuleRemovedOrRenamed);
      if (drop.missing_ok && claims.length > 0) claims.at(-1)!.takenOnlyIf = 'the table has what IF EXISTS names';
    }
    return claims;
  }

  const rename = asKind(node, 'RenameStmt');
  if (rename?.relation) {
    if (rename.renameType === 'OBJECT_INDEX') take(rename.relation, 'index', STATEMENT_LOCKS.renameIndex);
    else if (RENAMED_RELATION_KINDS.has(rename.renameType ?? '')) {
      take(rename.relation, 'table', STATEMENT_LOCKS.renameTableOrColumn);
    } else if (rename.renameType === 'OBJECT_TABCONSTRAINT') {
      take(rename.relation, 'table', STATEMENT_LOCKS.renameConstraint);
    } else if (ATTACHED_OBJECT_KINDS[rename.renameType ?? '']) {
      take(rename.relation, 'table', STATEMENT_LOCKS.triggerPolicyOrRuleRemovedOrRenamed);
    }
    return claims;
  }

  const create = asKind(node, 'CreateStmt');
  if (create) {
    for (const parent of create.inhRelations ?? []) {
      if (!create.partbound) continue;
      take(asKind(parent, 'RangeVar'), 'table', STATEMENT_LOCKS.createPartitionOf);
      if (!create.partbound.is_default) take(asKind(parent, 'RangeVar'), 'default-partition', STATEMENT_LOCKS.defaultPartitionChecked);
    }
    for (const element of create.tableElts ?? []) {
      const constraints = asKind(element, 'ColumnDef')?.constraints ?? [element];
      for (const constraint of constraints) {
        for (const referenced of foreignKeyTargets(constraint)) {
          // A key to the table itself (a parent_id) locks nothing anyone else can see.
          if (referenced?.relname === create.relation?.relname && referenced?.schemaname === create.relation?.schemaname) continue;
          take(referenced, 'referenced-table', REFERENCED_TABLE_LOCK);
        }
      }
    }
    return claims;
  }

  const view = asKind(node, 'ViewStmt');
  if (view?.replace) {
    take(view.view, 'table', STATEMENT_LOCKS.replaceView);
    if (claims.length > 0) claims.at(-1)!.onlyIfExisting = true;
  }
  const trigger = asKind(node, 'CreateTrigStmt');
  if (trigger) take(trigger.relation, 'table', STATEMENT_LOCKS.createTrigger);
  const policy = asKind(node, 'CreatePolicyStmt') ?? asKind(node, 'AlterPolicyStmt');
  if (policy) take(policy.table, 'table', STATEMENT_LOCKS.policyOrRule);
  const rule = asKind(node, 'RuleStmt');
  if (rule) take(rule.relation, 'table', STATEMENT_LOCKS.policyOrRule);
  const refresh = asKind(node, 'RefreshMatViewStmt');
  if (refresh) take(refresh.relation, 'table', refresh.concurrent ? STATEMENT_LOCKS.refreshMaterializedViewConcurrently : STATEMENT_LOCKS.refreshMaterializedView);
  for (const relation of asKind(node, 'CreateStatsStmt')?.relations ?? []) take(asKind(relation, 'RangeVar'), 'table', STATEMENT_LOCKS.createStatistics);
  const cluster = asKind(node, 'ClusterStmt');
  if (cluster) take(cluster.relation, 'table', STATEMENT_LOCKS.cluster);
  const setSchema = asKind(node, 'AlterObjectSchemaStmt');
  if (setSchema?.objectType && MOVED_RELATION_KINDS.has(setSchema.objectType)) take(setSchema.relation, 'table', STATEMENT_LOCKS.setSchema);

  const comment = asKind(node, 'CommentStmt');
  if (comment?.objtype && COMMENTED_RELATION_KINDS.has(comment.objtype)) {
    const names = asKind(comment.object, 'List')?.items ?? [];
    const tableNames = comment.objtype === 'OBJECT_COLUMN' ? names.slice(0, -1) : names;
    take(relationFromNameList({ List: { items: tableNames } }), 'table', STATEMENT_LOCKS.comment);
  }

  // Each table a publication names, added, set or dropped; FOR ALL TABLES and TABLES IN SCHEMA lock none.
  const publication = asKind(node, 'CreatePublicationStmt') ?? asKind(node, 'AlterPublicationStmt');
  for (const object of publication?.pubobjects ?? []) {
    const spec = asKind(object, 'PublicationObjSpec');
    if (spec?.pubobjtype === 'PUBLICATIONOBJ_TABLE') take(spec.pubtable?.relation, 'table', STATEMENT_LOCKS.publicationTable);
  }

  const lockStmt = asKind(node, 'LockStmt');
  if (lockStmt) {
    const mode = LOCK_MODES[(lockStmt.mode ?? LOCK_MODES.length) - 1] ?? 'ACCESS EXCLUSIVE';
    for (const relation of lockStmt.relations ?? []) {
      take(asKind(relation, 'RangeVar'), 'table', mode);
      // Of a view, what its query reads is locked too, in the same mode (PostgreSQL 11+, seen on 18).
      if (pgVersion >= VIEWS_LOCK_WHAT_THEY_READ_SINCE) take(asKind(relation, 'RangeVar'), 'relations-view-reads', mode);
    }
  }

  const truncate = asKind(node, 'TruncateStmt');
  for (const relation of truncate?.relations ?? []) take(asKind(relation, 'RangeVar'), 'table', STATEMENT_LOCKS.truncate);
  if (truncate?.behavior === 'DROP_CASCADE') {
    for (const relation of truncate.relations ?? []) take(asKind(relation, 'RangeVar'), 'referencing-tables', STATEMENT_LOCKS.truncateCascade);
  }

  const reindex = asKind(node, 'ReindexStmt');
  if (reindex?.relation) {
    const concurrent = isOptionEnabled(reindex.params, 'concurrently');
    const ofIndex = reindex.kind === 'REINDEX_OBJECT_INDEX';
    take(reindex.relation, ofIndex ? 'table-of-index' : 'table', concurrent ? STATEMENT_LOCKS.reindexConcurrently : STATEMENT_LOCKS.reindex);
    if (!concurrent) take(reindex.relation, ofIndex ? 'index' : 'indexes-of-table', STATEMENT_LOCKS.reindexedIndex);
  }

  const vacuum = asKind(node, 'VacuumStmt');
  if (vacuum) {
    const full = vacuum.is_vacuumcmd && isOptionEnabled(vacuum.options, 'full');
    const entry = !vacuum.is_vacuumcmd ? STATEMENT_LOCKS.analyze : full ? STATEMENT_LOCKS.vacuumFull : STATEMENT_LOCKS.vacuum;
    // TRUNCATE defaults to on (the vacuum_truncate setting); only TRUNCATE false in the statement rules the truncation out.
    const truncates = vacuum.is_vacuumcmd && !full && !truncateTurnedOff(vacuum.options);
    const briefly = truncates ? STATEMENT_LOCKS.vacuumTruncation.mode : undefined;
    for (const relation of vacuum.rels ?? []) take(asKind(relation, 'VacuumRelation')?.relation, 'table', entry, briefly);
  }

  const copy = asKind(node, 'CopyStmt');
  if (copy?.is_from) take(copy.relation, 'table', STATEMENT_LOCKS.insertUpdateDelete);
  const targets = dataModifyingTargets(node, true);
  for (const { relation, ifBodiesChecked } of targets) {
    take(relation, 'table', STATEMENT_LOCKS.insertUpdateDelete);
    if (ifBodiesChecked) claims.at(-1)!.takenOnlyIf = 'check_function_bodies is on, as it is by default';
  }
  // The foreign keys of other tables act on the rows a DELETE removes and on the key values an UPDATE changes (seen on PostgreSQL 18).
  for (const { relation, runs, deletes, updatedColumns } of targets) {
    if (runs && deletes) {
      take(relation, 'tables-changed-on-delete', STATEMENT_LOCKS.foreignKeyAction);
      take(relation, 'tables-checked-on-delete', STATEMENT_LOCKS.foreignKeyCheck);
      for (const claim of claims.slice(-2)) claim.takenOnlyIf = 'the statement deletes a row';
    }
    if (runs && updatedColumns.length > 0) {
      take(relation, 'tables-changed-on-update', STATEMENT_LOCKS.foreignKeyAction);
      take(relation, 'tables-checked-on-update', STATEMENT_LOCKS.foreignKeyCheck);
      for (const claim of claims.slice(-2)) Object.assign(claim, { updatedColumns, takenOnlyIf: 'the statement changes a value a foreign key references' });
    }
  }
  return claims;
}

/**
 * The statements of a LANGUAGE sql function's quoted body, which PostgreSQL parses and analyses when it creates the
 * function (fmgr_sql_validator, with check_function_bodies on, as it is by default), taking their locks. A function with a
 * polymorphic argument is only parsed, and a body PostgreSQL cannot parse fails the statement: neither locks a table.
 */
function sqlFunctionBodyQueries(create: NonNullable<ReturnType<typeof asKind<'CreateFunctionStmt'>>>): Node[] {
  const { language, body } = functionLanguageAndBody(create.options);
  if (language !== 'sql' || body === undefined) return [];
  const polymorphic = (create.parameters ?? []).some((parameter) => {
    const type = stringValues(asKind(parameter, 'FunctionParameter')?.argType?.names).at(-1);
    return type !== undefined && POLYMORPHIC_TYPES.has(type);
  });
  if (polymorphic) return [];
  try {
    return (libpgQuery().parseSync(body).stmts ?? []).flatMap((raw) => (raw.stmt ? [raw.stmt] : []));
  } catch {
    return [];
  }
}

const POLYMORPHIC_TYPES: ReadonlySet<string> = new Set(['anyelement', 'anyarray', 'anynonarray', 'anyenum', 'anyrange', 'anymultirange', 'anycompatible', 'anycompatiblearray', 'anycompatiblenonarray', 'anycompatiblerange', 'anycompatiblemultirange']);

function listItems(node: Node): Node[] {
  return asKind(node, 'List')?.items ?? [node];
}

type DataModifyingNode = { relation?: RangeVar; withClause?: { ctes?: Node[] } };

/** A table INSERT, UPDATE, DELETE or MERGE writes to. */
interface DataModifyingTarget {
  relation: RangeVar;
  /** The statement runs now, rather than being only analysed (PREPARE, EXPLAIN, a BEGIN ATOMIC body). */
  runs: boolean;
  /** Analysed in a LANGUAGE sql function's quoted body, which PostgreSQL does only with check_function_bodies on. */
  ifBodiesChecked?: boolean;
  /** It deletes rows (DELETE, MERGE ... THEN DELETE). */
  deletes: boolean;
  /** The columns it sets (UPDATE, MERGE ... THEN UPDATE). */
  updatedColumns: string[];
}

/**
 * The tables INSERT, UPDATE, DELETE and MERGE write to, also inside WITH queries, at any depth.
 * PREPARE and EXPLAIN, and a function with a BEGIN ATOMIC body, analyse the statement they hold,
 * which takes its lock too (seen on PostgreSQL 18.4), but changes no row.
 */
function dataModifyingTargets(node: Node | undefined, runs: boolean): DataModifyingTarget[] {
  if (!node) return [];
  const holder = asKind(node, 'ExplainStmt') ?? asKind(node, 'PrepareStmt');
  if (holder) return dataModifyingTargets(holder.query, false);
  const createFunction = asKind(node, 'CreateFunctionStmt');
  if (createFunction?.sql_body) return listItems(createFunction.sql_body).flatMap((item) => listItems(item).flatMap((query) => dataModifyingTargets(query, false)));
  if (createFunction) return sqlFunctionBodyQueries(createFunction).flatMap((query) => dataModifyingTargets(query, false).map((target) => ({ ...target, ifBodiesChecked: true })));
  const update = asKind(node, 'UpdateStmt');
  const merge = asKind(node, 'MergeStmt');
  const statement: DataModifyingNode | undefined = asKind(node, 'InsertStmt') ?? update ?? asKind(node, 'DeleteStmt') ?? merge;
  const withClause = (statement ?? asKind(node, 'SelectStmt'))?.withClause;
  const targets = (withClause?.ctes ?? []).flatMap((cte) => dataModifyingTargets(asKind(cte, 'CommonTableExpr')?.ctequery, runs));
  if (!statement?.relation) return targets;
  const clauses = (merge?.mergeWhenClauses ?? []).map((clause) => asKind(clause, 'MergeWhenClause'));
  const setLists = update ? [update.targetList] : clauses.filter((clause) => clause?.commandType === 'CMD_UPDATE').map((clause) => clause!.targetList);
  const updatedColumns = [...new Set(setLists.flatMap((list) => (list ?? []).flatMap((target) => asKind(target, 'ResTarget')?.name ?? [])))];
  const deletes = asKind(node, 'DeleteStmt') !== undefined || clauses.some((clause) => clause?.commandType === 'CMD_DELETE');
  targets.push({ relation: statement.relation, runs, deletes, updatedColumns });
  return targets;
}

function alterCommandLock(cmd: AlterTableCmd, pgVersion: number): LockMode {
  if (cmd.subtype === 'AT_AddConstraint') {
    const contype = asKind(cmd.def, 'Constraint')?.contype;
    return lockForVersion((contype && ADD_CONSTRAINT_LOCKS[contype]) || ALTER_TABLE_EFFECTS.AT_AddConstraint.lock, pgVersion);
  }
  if (cmd.subtype === 'AT_DetachPartition' && asKind(cmd.def, 'PartitionCmd')?.concurrent) {
    return lockForVersion(DETACH_PARTITION_CONCURRENTLY_LOCK, pgVersion);
  }
  if (cmd.subtype === 'AT_SetRelOptions' || cmd.subtype === 'AT_ResetRelOptions') {
    const parameters = (asKind(cmd.def, 'List')?.items ?? []).map((item) => asKind(item, 'DefElem'));
    const allLight = parameters.every((parameter) => parameter?.defname && isShareUpdateExclusiveParameter(parameter.defname));
    return allLight ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE';
  }
  return lockForVersion(ALTER_TABLE_EFFECTS[cmd.subtype ?? 'AT_AddColumn'].lock, pgVersion);
}

function isShareUpdateExclusiveParameter(name: string): boolean {
  return (
    SHARE_UPDATE_EXCLUSIVE_STORAGE_PARAMETERS.has(name) ||
    STORAGE_PARAMETER_PREFIXES_WITH_SHARE_UPDATE_EXCLUSIVE.some((prefix) => name.startsWith(prefix))
  );
}

/** Tables referenced by the foreign keys in a constraint or column definition. */
function foreignKeyTargets(node: Node | undefined): RangeVar[] {
  const targets: RangeVar[] = [];
  const constraints = asKind(node, 'ColumnDef')?.constraints ?? (node ? [node] : []);
  for (const constraintNode of constraints) {
    const constraint = asKind(constraintNode, 'Constraint');
    if (constraint?.contype === 'CONSTR_FOREIGN' && constraint.pktable) targets.push(constraint.pktable);
  }
  return targets;
}

/** Whether a statement rewrites the table it works on, from the lock table: the strictest of its ALTER TABLE sub-commands. */
export function rewriteExtentOf(statement: Statement): Extent {
  const alter = asKind(statement.node, 'AlterTableStmt');
  if (!alter) return STATEMENT_EFFECTS[statement.kind]?.rewrites ?? 'depends';
  const extents = (alter.cmds ?? []).map((command) => ALTER_TABLE_EFFECTS[asKind(command, 'AlterTableCmd')?.subtype ?? 'AT_AddColumn'].rewrites);
  if (extents.includes('always')) return 'always';
  return extents.includes('depends') ? 'depends' : 'never';
}

/**
 * The lock a statement takes on tables it does not name: REINDEX SCHEMA / DATABASE / SYSTEM,
 * and VACUUM, ANALYZE or CLUSTER without a table, work through every table in reach.
 */
export function lockOnUnnamedTables(statement: Statement): LockMode | undefined {
  const reindex = asKind(statement.node, 'ReindexStmt');
  if (reindex && !reindex.relation) {
    return isOptionEnabled(reindex.params, 'concurrently') ? STATEMENT_LOCKS.reindexConcurrently.mode : STATEMENT_LOCKS.reindex.mode;
  }
  const vacuum = asKind(statement.node, 'VacuumStmt');
  if (vacuum && (vacuum.rels ?? []).length === 0) {
    if (!vacuum.is_vacuumcmd) return STATEMENT_LOCKS.analyze.mode;
    return isOptionEnabled(vacuum.options, 'full') ? STATEMENT_LOCKS.vacuumFull.mode : STATEMENT_LOCKS.vacuum.mode;
  }
  const cluster = asKind(statement.node, 'ClusterStmt');
  if (cluster && !cluster.relation) return STATEMENT_LOCKS.cluster.mode;
  return undefined;
}

/** `VACUUM (TRUNCATE false)`: the option written, and off. */
function truncateTurnedOff(options: Node[] | undefined): boolean {
  const written = (options ?? []).some((option) => asKind(option, 'DefElem')?.defname === 'truncate');
  return written && !isOptionEnabled(options, 'truncate');
}
