import { displayName } from '../model/names.js';
import type { Extent } from '../knowledge/lock-table.js';
import { lockStrength, strongerLock, type LockMode } from '../knowledge/lock-modes.js';
import { isDroppedKey, type DroppedKeys, type LockClaim } from '../knowledge/statement-locks.js';
import type { ForeignKeyState, HeldLock, RelationState, Snapshot } from './observe.js';

/**
 * Claims that name a function, a type, an extension or a sequence rather than a relation, with what of a relation uses
 * it: DROP FUNCTION ... CASCADE drops the triggers, defaults, CHECK constraints, index expressions and views that use
 * the function; DROP TYPE ... CASCADE the columns of the type, of arrays of it and of domains over it; DROP EXTENSION
 * ... CASCADE whatever uses what the extension provides; DROP SEQUENCE ... CASCADE the defaults that call nextval() on it.
 */
const USES_OF_NAMED_OBJECT: Partial<Record<LockClaim['target'], (relation: RelationState) => readonly string[]>> = {
  'users-of-function': (relation) => relation.functionsUsed,
  'tables-with-columns-of-type': (relation) => relation.columnTypes,
  'users-of-extension': (relation) => relation.extensionsUsed,
  'tables-drawing-from-sequence': (relation) => relation.defaultSequences,
  // Tables, views and materialized views of the schema: what the model knows of it, and what the lock table claims.
  'relations-of-schema': (relation) => (RELATIONS_OF_A_SCHEMA.has(relation.kind) ? [schemaOf(relation.name)] : []),
};

const RELATIONS_OF_A_SCHEMA: ReadonlySet<string> = new Set(['r', 'p', 'v', 'm']);

/** The schema of a schema-qualified name as SQL writes it (`reporting.daily`, `"My Schema".t`). */
function schemaOf(qualified: string): string {
  const match = /^(?:"((?:[^"]|"")*)"|([^."]*))\./.exec(qualified);
  return match?.[1]?.replaceAll('""', '"') ?? match?.[2] ?? '';
}

/** What one statement was seen to do, next to what the lock table says it does. */
export interface StatementObservation {
  /** "orders: ACCESS EXCLUSIVE", per relation, strongest mode first seen. */
  predicted: string[];
  observed: string[];
  /** Tables and indexes whose files were replaced (relfilenode changed). */
  rewritten: string[];
  predictedRewrite: Extent;
  /** Tables the statement scanned; undefined when it could not be counted (outside a transaction). */
  scanned?: string[];
  /** Each way PostgreSQL disagreed with the lock table, in words. */
  mismatches: string[];
  /** Claims naming relations that did not exist when the statement ran: nothing to compare. */
  unresolved: string[];
}

export interface ObservationInput {
  claims: LockClaim[];
  /** The oid of each claim's relation, resolved just before the statement ran. */
  claimOids: Array<number | undefined>;
  predictedRewrite: Extent;
  before: Snapshot;
  after: Snapshot;
  locksBefore: HeldLock[];
  locksAfter: HeldLock[];
  /** The lock the statement takes on every table in its reach that it does not name (REINDEX DATABASE ...). */
  unnamedTablesLock?: LockMode;
  /** Relations created in the transaction the statement ran in, before it: PostgreSQL truncates those in place. */
  createdInTransaction: ReadonlySet<number>;
  /** False when the statement ran outside a transaction block and scans could not be counted. */
  scansCounted: boolean;
  /** Locks were sampled from another connection while the statement ran: one never seen may have been too brief to catch. */
  watched: boolean;
  /**
   * What the statement runs that lockwise cannot read, in words: SQL a DO block builds at run time, or a function of the
   * migrations it calls. A lock beyond its claims is no proof against them.
   */
  runsUnread?: string;
}

const TABLE_KINDS = new Set(['r', 'p', 'm']);
const STORED_TABLE_KINDS = new Set(['r', 'm']);

export function shortName(qualified: string): string {
  return qualified.startsWith('public.') ? qualified.slice('public.'.length) : qualified;
}

/** The relations each claim stands for, with the mode claimed, strongest per relation. */
function expectedLocks(input: ObservationInput): {
  expected: Map<number, LockMode>;
  brief: Map<number, LockMode>;
  /** The lock a relation gets instead when a partition's foreign key to it is attached. */
  ifAttached: Map<number, LockMode>;
  /** Relations locked only under a condition the server may not meet (LockClaim.takenOnlyIf), with the condition. */
  takenOnlyIf: Map<number, string>;
  unresolved: string[];
} {
  const expected = new Map<number, LockMode>();
  const brief = new Map<number, LockMode>();
  const ifAttached = new Map<number, LockMode>();
  const takenOnlyIf = new Map<number, string>();
  const unresolved: string[] = [];
  let briefly: LockMode | undefined;
  let condition: string | undefined;
  // A relation some claim locks unconditionally must be locked, whatever other claims say.
  const unconditional = new Set<number>();
  const expect = (oid: number, mode: LockMode): void => {
    const current = expected.get(oid);
    expected.set(oid, current ? strongerLock(current, mode) : mode);
    if (briefly) brief.set(oid, briefly);
    if (condition === undefined) {
      unconditional.add(oid);
      takenOnlyIf.delete(oid);
    } else if (!unconditional.has(oid)) takenOnlyIf.set(oid, condition);
  };
  input.claims.forEach((claim, index) => {
    briefly = claim.briefly;
    condition = claim.takenOnlyIf;
    const uses = USES_OF_NAMED_OBJECT[claim.target];
    if (uses) {
      for (const candidate of input.before.values()) if (uses(candidate).includes(claim.relation.name)) expect(candidate.oid, claim.mode);
      return;
    }
    const oid = input.claimOids[index];
    const relation = oid === undefined ? undefined : input.before.get(oid);
    if (claim.onlyIfExisting && !relation) return;
    if (oid === undefined || !relation) {
      unresolved.push(`${displayName(claim.relation)}: ${claim.mode}`);
      return;
    }
    if (claim.target === 'table-of-index') {
      if (relation.tableOid !== undefined) expect(relation.tableOid, claim.mode);
      else unresolved.push(`${displayName(claim.relation)}: ${claim.mode}`);
    } else if (claim.target === 'indexes-of-table') {
      for (const candidate of input.before.values()) if (candidate.tableOid === oid) expect(candidate.oid, claim.mode);
    } else if (claim.target === 'default-partition') {
      // Nothing to lock when the partitioned table has no DEFAULT partition.
      if (relation.defaultPartitionOid !== undefined) expect(relation.defaultPartitionOid, claim.mode);
    } else if (claim.whenPartitionsHaveIt && partitionsReference(input, oid)) {
      // The catalog shows a partition with a foreign key to this table, not whether it is the same one: either lock is right.
      expect(oid, claim.mode);
      ifAttached.set(oid, claim.whenPartitionsHaveIt);
    } else if (claim.target === 'referencing-tables') {
      for (const referencing of referencingTables(oid, input.before)) expect(referencing, claim.mode);
    } else if (claim.target === 'referenced-tables') {
      for (const referenced of referencedByDroppedKeys(relation, claim.droppedKeys)) expect(referenced, claim.mode);
    } else if (claim.target === 'relations-view-reads') {
      for (const read of relationsLockedWithView(oid, input.before)) expect(read, claim.mode);
    } else if (claim.target === 'tables-changed-on-delete' || claim.target === 'tables-checked-on-delete') {
      const changes = claim.target === 'tables-changed-on-delete';
      for (const [reached, changed] of tablesReachedByDelete(oid, input.before)) if (changed === changes) expect(reached, claim.mode);
    } else if (claim.target === 'tables-changed-on-update' || claim.target === 'tables-checked-on-update') {
      const changes = claim.target === 'tables-changed-on-update';
      for (const [reached, changed] of tablesReachedByUpdate(relation, claim.updatedColumns ?? [], input.before)) if (changed === changes) expect(reached, claim.mode);
    } else if (claim.target === 'tables-referencing-dropped') {
      for (const candidate of input.before.values()) {
        if (candidate.oid !== oid && candidate.foreignKeys.some((key) => key.references === oid && usesDropped(key, claim.droppedKeys))) expect(candidate.oid, claim.mode);
      }
    } else {
      expect(oid, claim.mode);
    }
  });
  return { expected, brief, ifAttached, takenOnlyIf, unresolved };
}

/**
 * Whether the partitioned table the statement alters has a partition that references `referenced`
 * already, as the server's catalog shows: PostgreSQL may attach its foreign key (the lint model
 * decides it from the migrations, columns compared too).
 */
function partitionsReference(input: Pick<ObservationInput, 'claims' | 'claimOids' | 'before'>, referenced: number): boolean {
  const tableClaim = input.claims.findIndex((claim) => claim.target === 'table');
  const table = tableClaim === -1 ? undefined : input.claimOids[tableClaim];
  if (table === undefined || input.before.get(table)?.kind !== 'p') return false;
  const partitions = [...input.before.values()].filter((relation) => relation.parentOid === table && relation.kind !== 'i');
  return partitions.some((partition) => references(partition, referenced));
}

/** The tables the foreign keys a statement drops reference, as the catalog shows them, other than the table itself. */
function referencedByDroppedKeys(table: RelationState, dropped: DroppedKeys | undefined): number[] {
  const keys = table.foreignKeys.filter((key) => isDroppedKey(dropped, key));
  return [...new Set(keys.map((key) => key.references))].filter((oid) => oid !== table.oid);
}

/** What LOCK TABLE of a view locks with it: the relations its query reads, and theirs for a view among them. */
function relationsLockedWithView(oid: number, snapshot: Snapshot): number[] {
  const found = new Set<number>();
  const pending = [...(snapshot.get(oid)?.viewReads ?? [])];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (found.has(next)) continue;
    found.add(next);
    pending.push(...(snapshot.get(next)?.viewReads ?? []));
  }
  return [...found];
}

/** Whether a foreign key references what a statement drops or retypes of its table: a column, a key constraint, or the table. */
function usesDropped(key: ForeignKeyState, dropped: DroppedKeys | undefined): boolean {
  if (!dropped || 'all' in dropped) return dropped !== undefined;
  return 'column' in dropped ? key.referencedColumns.includes(dropped.column) : key.referencedKey === dropped.constraint;
}

/** Whether a relation has a foreign key to the table `oid`. */
function references(relation: RelationState, oid: number): boolean {
  return relation.foreignKeys.some((key) => key.references === oid);
}

/**
 * The tables a DELETE of rows of `oid` reaches through foreign keys, each with whether its key's ON DELETE action changes its
 * rows (CASCADE, SET NULL, SET DEFAULT) or only checks them, following CASCADE on: as the lint model's tablesReachedByDelete.
 */
function tablesReachedByDelete(oid: number, snapshot: Snapshot): Map<number, boolean> {
  const found = new Map<number, boolean>();
  const visit = (target: number): void => {
    for (const relation of snapshot.values()) {
      for (const key of relation.foreignKeys) {
        if (key.references !== target || relation.oid === oid) continue;
        const changes = key.onDelete === 'c' || key.onDelete === 'n' || key.onDelete === 'd';
        if (found.get(relation.oid) === true || (found.has(relation.oid) && !changes)) continue;
        found.set(relation.oid, changes);
        if (key.onDelete === 'c') visit(relation.oid);
      }
    }
  };
  visit(oid);
  return found;
}

/** The tables whose foreign keys reference one of `columns` of `table`, with whether their ON UPDATE action changes their rows (CASCADE, SET NULL, SET DEFAULT) or only checks them. */
function tablesReachedByUpdate(table: RelationState, columns: readonly string[], snapshot: Snapshot): Map<number, boolean> {
  const found = new Map<number, boolean>();
  for (const relation of snapshot.values()) {
    for (const key of relation.foreignKeys) {
      if (key.references !== table.oid || relation.oid === table.oid || !key.referencedColumns.some((column) => columns.includes(column))) continue;
      found.set(relation.oid, found.get(relation.oid) === true || key.onUpdate === 'c' || key.onUpdate === 'n' || key.onUpdate === 'd');
    }
  }
  return found;
}

/** Tables with a foreign key to `oid`, and to those, transitively. */
function referencingTables(oid: number, snapshot: Snapshot): number[] {
  const found = new Set<number>();
  const queue = [oid];
  while (queue.length > 0) {
    const target = queue.pop()!;
    for (const relation of snapshot.values()) {
      if (relation.oid !== oid && !found.has(relation.oid) && references(relation, target)) {
        found.add(relation.oid);
        queue.push(relation.oid);
      }
    }
  }
  return [...found];
}

function isAncestorExpected(oid: number, mode: LockMode, expected: Map<number, LockMode>, snapshot: Snapshot): boolean {
  let parent = snapshot.get(oid)?.parentOid;
  for (let depth = 0; parent !== undefined && depth < 32; depth++) {
    const claimed = expected.get(parent);
    if (claimed && lockStrength(claimed) >= lockStrength(mode)) return true;
    parent = snapshot.get(parent)?.parentOid;
  }
  return false;
}

/**
 * Compares one statement's locks and rewrites with the lock table. A lock counts as taken
 * when the backend holds it after the statement; a lock held before, from an earlier
 * statement of the same transaction, cannot be told apart and is accepted. Locks on
 * partitions and inheriting tables are covered by their parent's claim; relations the
 * statement created or dropped, catalogs, and locks weaker than ROW EXCLUSIVE that nobody claimed
 * (reads, foreign key checks) are left out.
 */
export function compareObservation(input: ObservationInput): StatementObservation {
  const { before, after } = input;
  const nameOf = (oid: number): string => shortName((before.get(oid) ?? after.get(oid))?.name ?? `oid ${oid}`);
  const { expected, brief, ifAttached, takenOnlyIf, unresolved } = expectedLocks(input);
  // A lock taken for a moment only when free (VACUUM's truncation) is no mismatch when seen, nor when missed.
  const withinBrief = (oid: number, mode: LockMode | undefined): boolean => {
    const allowed = brief.get(oid);
    return mode !== undefined && allowed !== undefined && lockStrength(mode) <= lockStrength(allowed);
  };
  const held = new Map<number, Set<LockMode>>();
  for (const lock of input.locksAfter) if (lock.granted) (held.get(lock.oid) ?? held.set(lock.oid, new Set()).get(lock.oid)!).add(lock.mode);
  const heldBefore = new Set(input.locksBefore.filter((lock) => lock.granted).map((lock) => `${lock.oid}:${lock.mode}`));
  const newlyTaken = new Map<number, LockMode>();
  for (const lock of input.locksAfter) {
    if (!lock.granted || heldBefore.has(`${lock.oid}:${lock.mode}`)) continue;
    const current = newlyTaken.get(lock.oid);
    newlyTaken.set(lock.oid, current ? strongerLock(current, lock.mode) : lock.mode);
  }

  const mismatches: string[] = [];
  const predicted: string[] = [];
  const observed: string[] = [];
  for (const [oid, mode] of expected) {
    const alternative = ifAttached.get(oid);
    predicted.push(
      `${nameOf(oid)}: ${mode}${brief.has(oid) ? ` (${brief.get(oid)} for a moment, if free at once)` : ''}${alternative ? ` (${alternative} if a partition's foreign key is attached)` : ''}${takenOnlyIf.has(oid) ? ` (if ${takenOnlyIf.get(oid)})` : ''}`,
    );
    if (alternative && held.get(oid)?.has(alternative)) continue;
    const modes = held.get(oid) ?? new Set<LockMode>();
    const strongest = [...modes].reduce<LockMode | undefined>((a, b) => (a ? strongerLock(a, b) : b), undefined);
    const taken = newlyTaken.get(oid);
    // A lock taken only if a condition holds (a branch of a DO block, a row deleted) is not missed when the statement took
    // none on the relation, or only a read's (its condition's SELECT), whatever the transaction held before.
    if (takenOnlyIf.has(oid) && !modes.has(mode) && (taken === undefined || taken === 'ACCESS SHARE')) continue;
    if (modes.size === 0 && input.watched) {
      unresolved.push(`${nameOf(oid)}: ${mode} (not caught while the statement ran)`);
    } else if (input.watched && expected.size > 1 && strongest && lockStrength(strongest) < lockStrength(mode)) {
      // Watched from outside, a statement over several tables is held up at the first only: on a later one, sampling
      // can miss a short strong phase (VACUUM FULL) and catch the weaker one after it (its ANALYZE). A weaker lock is no proof.
      unresolved.push(`${nameOf(oid)}: ${mode} (not caught while the statement ran; ${strongest} was)`);
    } else if (!modes.has(mode) && !withinBrief(oid, strongest)) {
      mismatches.push(`${nameOf(oid)}: expected ${mode}, observed ${strongest ?? 'no lock'}`);
    } else if (taken && lockStrength(taken) > lockStrength(mode) && !withinBrief(oid, taken)) {
      if (input.runsUnread) unresolved.push(`${nameOf(oid)}: ${taken} (maybe taken by ${input.runsUnread})`);
      else mismatches.push(`${nameOf(oid)}: expected ${mode}, observed ${taken}`);
    }
  }
  for (const [oid, mode] of newlyTaken) {
    const relation = before.get(oid);
    // Created by the statement, or dropped by it (DROP SCHEMA ... CASCADE): the lock comes with the object's creation or removal.
    if (!relation || (!after.has(oid) && !expected.has(oid))) continue;
    if (!expected.has(oid) && (!TABLE_KINDS.has(relation.kind) || lockStrength(mode) < lockStrength('ROW EXCLUSIVE'))) continue;
    observed.push(`${nameOf(oid)}: ${mode}`);
    const coveredByUnnamed = input.unnamedTablesLock !== undefined && lockStrength(mode) <= lockStrength(input.unnamedTablesLock);
    if (!expected.has(oid) && !coveredByUnnamed && !isAncestorExpected(oid, mode, expected, before)) {
      if (input.runsUnread) unresolved.push(`${nameOf(oid)}: ${mode} (maybe taken by ${input.runsUnread})`);
      else mismatches.push(`${nameOf(oid)}: expected no lock, observed ${mode}`);
    }
  }
  for (const [oid, mode] of expected) {
    if (!newlyTaken.has(oid) && held.get(oid)?.has(mode)) observed.push(`${nameOf(oid)}: ${mode} (already held)`);
  }

  const rewritten: string[] = [];
  const rewrittenTables = new Set<number>();
  for (const [oid, relation] of before) {
    const now = after.get(oid);
    if (!now || relation.filenode === 0 || now.filenode === relation.filenode) continue;
    rewritten.push(relation.kind === 'i' ? `index ${shortName(relation.name)}` : shortName(relation.name));
    if (STORED_TABLE_KINDS.has(relation.kind)) rewrittenTables.add(oid);
  }
  const claimedTables = [...expected.keys()].filter((oid) => STORED_TABLE_KINDS.has(before.get(oid)?.kind ?? ''));
  if (input.predictedRewrite === 'never') {
    for (const oid of rewrittenTables) mismatches.push(`${nameOf(oid)}: expected no rewrite, observed a rewrite`);
  } else if (input.predictedRewrite === 'always') {
    const checkable = claimedTables.filter((oid) => !input.createdInTransaction.has(oid));
    if (checkable.length > 0 && !checkable.some((oid) => rewrittenTables.has(oid))) {
      mismatches.push(`${checkable.map(nameOf).join(', ')}: expected a rewrite, observed none`);
    }
  }

  const scanned = input.scansCounted
    ? [...before.values()].filter((relation) => (after.get(relation.oid)?.scans ?? 0) > relation.scans).map((relation) => shortName(relation.name))
    : undefined;
  return { predicted, observed, rewritten, predictedRewrite: input.predictedRewrite, ...(scanned ? { scanned } : {}), mismatches, unresolved };
}
