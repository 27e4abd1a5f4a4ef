import type { AlterTableCmd, Node } from '@pgsql/types';
import type { Statement } from '../parse/parse.js';
import { asKind } from '../parse/node-types.js';
import { relationFromNameList, relationFromRangeVar, type RelationName } from '../model/names.js';
import { strongerLock, type LockMode } from './lock-modes.js';
import {
  ADD_CONSTRAINT_LOCKS,
  ALTER_TABLE_DEFAULT_LOCK,
  ALTER_TABLE_LOCKS,
  DETACH_PARTITION_CONCURRENTLY_LOCK,
  REFERENCED_TABLE_LOCK,
  STATEMENT_LOCKS,
  lockForVersion,
  type VersionedLock,
} from './lock-table.js';

export interface LockClaim {
  /** The locked table, or for DROP INDEX the index whose table is locked. */
  relation: RelationName;
  mode: LockMode;
  /** The relation named is an index; the lock falls on its table. */
  viaIndex?: boolean;
  /** The lock falls on a table referenced by a foreign key. */
  referenced?: boolean;
}

/** The table-level locks a statement takes, read from the lock table. */
export function locksTakenBy(statement: Statement, pgVersion: number): LockClaim[] {
  const claims: LockClaim[] = [];
  const take = (relation: RelationName, entry: VersionedLock | LockMode, extra: Partial<LockClaim> = {}): void => {
    const mode = typeof entry === 'string' ? entry : lockForVersion(entry, pgVersion);
    claims.push({ relation, mode, ...extra });
  };
  const { node } = statement;

  const alter = asKind(node, 'AlterTableStmt');
  if (alter?.relation && alter.objtype === 'OBJECT_TABLE') {
    const relation = relationFromRangeVar(alter.relation);
    let mode: LockMode | undefined;
    for (const command of alter.cmds ?? []) {
      const cmd = asKind(command, 'AlterTableCmd');
      if (!cmd) continue;
      mode = mode ? strongerLock(mode, alterCommandLock(cmd, pgVersion)) : alterCommandLock(cmd, pgVersion);
      for (const referenced of foreignKeyTargets(cmd.def)) take(referenced, REFERENCED_TABLE_LOCK, { referenced: true });
    }
    if (mode) claims.unshift({ relation, mode });
    return claims;
  }

  const index = asKind(node, 'IndexStmt');
  if (index?.relation) {
    take(relationFromRangeVar(index.relation), index.concurrent ? STATEMENT_LOCKS.createIndexConcurrently : STATEMENT_LOCKS.createIndex);
    return claims;
  }

  const drop = asKind(node, 'DropStmt');
  if (drop && (drop.removeType === 'OBJECT_INDEX' || drop.removeType === 'OBJECT_TABLE')) {
    const isIndex = drop.removeType === 'OBJECT_INDEX';
    const entry = isIndex
      ? drop.concurrent
        ? STATEMENT_LOCKS.dropIndexConcurrently
        : STATEMENT_LOCKS.dropIndex
      : STATEMENT_LOCKS.dropTable;
    for (const object of drop.objects ?? []) {
      const relation = relationFromNameList(object);
      if (relation) take(relation, entry, isIndex ? { viaIndex: true } : {});
    }
    return claims;
  }

  const rename = asKind(node, 'RenameStmt');
  if (rename?.relation) {
    const relation = relationFromRangeVar(rename.relation);
    if (rename.renameType === 'OBJECT_INDEX') take(relation, STATEMENT_LOCKS.renameIndex, { viaIndex: true });
    else if (rename.renameType === 'OBJECT_TABLE' || rename.renameType === 'OBJECT_COLUMN') {
      take(relation, STATEMENT_LOCKS.renameTableOrColumn);
    }
    return claims;
  }

  const create = asKind(node, 'CreateStmt');
  if (create) {
    for (const element of create.tableElts ?? []) {
      const constraints = asKind(element, 'ColumnDef')?.constraints ?? [element];
      for (const constraint of constraints) {
        for (const referenced of foreignKeyTargets(constraint)) take(referenced, REFERENCED_TABLE_LOCK, { referenced: true });
      }
    }
    return claims;
  }

  const trigger = asKind(node, 'CreateTrigStmt');
  if (trigger?.relation) {
    take(relationFromRangeVar(trigger.relation), STATEMENT_LOCKS.createTrigger);
    return claims;
  }

  const truncate = asKind(node, 'TruncateStmt');
  if (truncate) {
    for (const relation of truncate.relations ?? []) {
      const rangeVar = asKind(relation, 'RangeVar');
      if (rangeVar) take(relationFromRangeVar(rangeVar), STATEMENT_LOCKS.truncate);
    }
    return claims;
  }

  const refresh = asKind(node, 'RefreshMatViewStmt');
  if (refresh?.relation) {
    const entry = refresh.concurrent ? STATEMENT_LOCKS.refreshMaterializedViewConcurrently : STATEMENT_LOCKS.refreshMaterializedView;
    take(relationFromRangeVar(refresh.relation), entry);
    return claims;
  }

  const cluster = asKind(node, 'ClusterStmt');
  if (cluster?.relation) {
    take(relationFromRangeVar(cluster.relation), STATEMENT_LOCKS.cluster);
    return claims;
  }

  const reindex = asKind(node, 'ReindexStmt');
  if (reindex?.relation) {
    const concurrent = (reindex.params ?? []).some((param) => asKind(param, 'DefElem')?.defname === 'concurrently');
    take(relationFromRangeVar(reindex.relation), concurrent ? STATEMENT_LOCKS.reindexConcurrently : STATEMENT_LOCKS.reindex, {
      viaIndex: reindex.kind === 'REINDEX_OBJECT_INDEX',
    });
    return claims;
  }

  const vacuum = asKind(node, 'VacuumStmt');
  if (vacuum?.is_vacuumcmd) {
    const full = (vacuum.options ?? []).some((option) => asKind(option, 'DefElem')?.defname === 'full');
    for (const relation of vacuum.rels ?? []) {
      const rangeVar = asKind(relation, 'VacuumRelation')?.relation;
      if (rangeVar) take(relationFromRangeVar(rangeVar), full ? STATEMENT_LOCKS.vacuumFull : STATEMENT_LOCKS.vacuum);
    }
    return claims;
  }

  for (const kind of ['UpdateStmt', 'DeleteStmt', 'InsertStmt'] as const) {
    const rangeVar = (asKind(node, kind) as { relation?: Parameters<typeof relationFromRangeVar>[0] } | undefined)?.relation;
    if (rangeVar) take(relationFromRangeVar(rangeVar), STATEMENT_LOCKS.insertUpdateDelete);
  }
  return claims;
}

function alterCommandLock(cmd: AlterTableCmd, pgVersion: number): LockMode {
  if (cmd.subtype === 'AT_AddConstraint') {
    const contype = asKind(cmd.def, 'Constraint')?.contype;
    const entry = contype ? ADD_CONSTRAINT_LOCKS[contype] : undefined;
    return lockForVersion(entry ?? ALTER_TABLE_DEFAULT_LOCK, pgVersion);
  }
  if (cmd.subtype === 'AT_DetachPartition' && asKind(cmd.def, 'PartitionCmd')?.concurrent) {
    return lockForVersion(DETACH_PARTITION_CONCURRENTLY_LOCK, pgVersion);
  }
  const entry = cmd.subtype ? ALTER_TABLE_LOCKS[cmd.subtype] : undefined;
  return lockForVersion(entry ?? ALTER_TABLE_DEFAULT_LOCK, pgVersion);
}

/** Tables referenced by the foreign keys in a constraint or column definition. */
function foreignKeyTargets(node: Node | undefined): RelationName[] {
  const targets: RelationName[] = [];
  const constraints = asKind(node, 'ColumnDef')?.constraints ?? (node ? [node] : []);
  for (const constraintNode of constraints) {
    const constraint = asKind(constraintNode, 'Constraint');
    if (constraint?.contype === 'CONSTR_FOREIGN' && constraint.pktable) targets.push(relationFromRangeVar(constraint.pktable));
  }
  return targets;
}
