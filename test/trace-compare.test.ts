import { describe, expect, it } from 'vitest';
import type { LockClaim } from '../src/knowledge/statement-locks.js';
import { compareObservation, type ObservationInput } from '../src/trace/compare.js';
import { settingMs } from '../src/trace/contention.js';
import { lockModeFromPgLocks, type RelationState, type Snapshot } from '../src/trace/observe.js';

function relation(oid: number, name: string, kind = 'r', extra: Partial<RelationState> = {}): RelationState {
  return { oid, name: `public.${name}`, kind, filenode: oid * 10, scans: 0, foreignKeys: [], functionsUsed: [], viewReads: [], columnTypes: [], extensionsUsed: [], defaultSequences: [], ...extra };
}

function snapshot(...relations: RelationState[]): Snapshot {
  return new Map(relations.map((item) => [item.oid, item]));
}

const orders = relation(1, 'orders');
const claim = (name: string, mode: LockClaim['mode'], target: LockClaim['target'] = 'table'): LockClaim => ({ relation: { name }, target, mode });

function input(overrides: Partial<ObservationInput>): ObservationInput {
  return {
    claims: [claim('orders', 'ACCESS EXCLUSIVE')],
    claimOids: [1],
    predictedRewrite: 'never',
    before: snapshot(orders),
    after: snapshot(orders),
    locksBefore: [],
    locksAfter: [{ oid: 1, mode: 'ACCESS EXCLUSIVE', granted: true }],
    createdInTransaction: new Set(),
    scansCounted: true,
    watched: false,
    ...overrides,
  };
}

describe('comparing what PostgreSQL did with the lock table', () => {
  it('accepts the predicted lock, and names a weaker or stronger one', () => {
    expect(compareObservation(input({})).mismatches).toEqual([]);
    expect(compareObservation(input({ locksAfter: [{ oid: 1, mode: 'SHARE', granted: true }] })).mismatches).toEqual(['orders: expected ACCESS EXCLUSIVE, observed SHARE']);
    const stronger = input({ claims: [claim('orders', 'SHARE')], locksAfter: [{ oid: 1, mode: 'SHARE', granted: true }, { oid: 1, mode: 'ACCESS EXCLUSIVE', granted: true }] });
    expect(compareObservation(stronger).mismatches).toEqual(['orders: expected SHARE, observed ACCESS EXCLUSIVE']);
  });

  it("accepts a stronger lock the lock table says is taken for a moment only if free (VACUUM's truncation), and only up to it", () => {
    const vacuum: LockClaim = { ...claim('orders', 'SHARE UPDATE EXCLUSIVE'), briefly: 'ACCESS EXCLUSIVE' };
    const truncated = input({ claims: [vacuum], locksAfter: [{ oid: 1, mode: 'SHARE UPDATE EXCLUSIVE', granted: true }, { oid: 1, mode: 'ACCESS EXCLUSIVE', granted: true }] });
    expect(compareObservation(truncated).mismatches).toEqual([]);
    expect(compareObservation(truncated).predicted).toEqual(['orders: SHARE UPDATE EXCLUSIVE (ACCESS EXCLUSIVE for a moment, if free at once)']);
    const onlyTheMoment = input({ claims: [vacuum], watched: true, locksAfter: [{ oid: 1, mode: 'ACCESS EXCLUSIVE', granted: true }] });
    expect(compareObservation(onlyTheMoment).mismatches).toEqual([]);
    const noTruncation = input({ claims: [vacuum], locksAfter: [{ oid: 1, mode: 'SHARE UPDATE EXCLUSIVE', granted: true }] });
    expect(compareObservation(noTruncation).mismatches).toEqual([]);
    const plain = input({ claims: [claim('orders', 'SHARE UPDATE EXCLUSIVE')], locksAfter: truncated.locksAfter });
    expect(compareObservation(plain).mismatches).toEqual(['orders: expected SHARE UPDATE EXCLUSIVE, observed ACCESS EXCLUSIVE']);
  });

  it('accepts a lock an earlier statement of the transaction already took', () => {
    const held = [{ oid: 1, mode: 'ACCESS EXCLUSIVE' as const, granted: true }];
    const result = compareObservation(input({ locksBefore: held, locksAfter: held }));
    expect(result.mismatches).toEqual([]);
    expect(result.observed).toEqual(['orders: ACCESS EXCLUSIVE (already held)']);
  });

  it('flags an unclaimed write lock on an existing table, but not reads, new or dropped relations, or partitions of a claimed parent', () => {
    const customers = relation(2, 'customers');
    const partition = relation(3, 'orders_2024', 'r', { parentOid: 1 });
    const dropped = relation(4, 'scratch');
    const locksAfter = [
      { oid: 1, mode: 'ACCESS EXCLUSIVE' as const, granted: true },
      { oid: 2, mode: 'ACCESS SHARE' as const, granted: true },
      { oid: 3, mode: 'ACCESS EXCLUSIVE' as const, granted: true },
      { oid: 4, mode: 'ACCESS EXCLUSIVE' as const, granted: true },
      { oid: 9, mode: 'ACCESS EXCLUSIVE' as const, granted: true },
    ];
    const quiet = input({ before: snapshot(orders, customers, partition, dropped), after: snapshot(orders, customers, partition, relation(9, 'created')), locksAfter });
    expect(compareObservation(quiet).mismatches).toEqual([]);
    const writes = input({ before: snapshot(orders, customers), after: snapshot(orders, customers), locksAfter: [...locksAfter.slice(0, 1), { oid: 2, mode: 'ROW EXCLUSIVE', granted: true }] });
    expect(compareObservation(writes).mismatches).toEqual(['customers: expected no lock, observed ROW EXCLUSIVE']);
    // A DO block that EXECUTEs SQL it builds at run time may take any lock: not compared, rather than called wrong.
    const dynamic = compareObservation({ ...writes, runsUnread: 'SQL the block builds at run time, which lockwise cannot read' });
    expect(dynamic.mismatches).toEqual([]);
    expect(dynamic.unresolved).toEqual(['customers: ROW EXCLUSIVE (maybe taken by SQL the block builds at run time, which lockwise cannot read)']);
  });

  it('compares rewrites: none where none is predicted, one where one always happens', () => {
    const rewritten = snapshot({ ...orders, filenode: 99 });
    expect(compareObservation(input({ after: rewritten })).mismatches).toEqual(['orders: expected no rewrite, observed a rewrite']);
    expect(compareObservation(input({ predictedRewrite: 'depends', after: rewritten })).rewritten).toEqual(['orders']);
    expect(compareObservation(input({ predictedRewrite: 'always' })).mismatches).toEqual(['orders: expected a rewrite, observed none']);
    expect(compareObservation(input({ predictedRewrite: 'always', createdInTransaction: new Set([1]) })).mismatches).toEqual([]);
  });

  it('does not blame the lock table for a lock too brief to catch from another connection', () => {
    const result = compareObservation(input({ watched: true, scansCounted: false, locksAfter: [] }));
    expect(result.mismatches).toEqual([]);
    expect(result.unresolved).toEqual(['orders: ACCESS EXCLUSIVE (not caught while the statement ran)']);
    expect(result.scanned).toBeUndefined();
  });

  it('takes a weaker lock seen on a later table of a watched statement over several tables as not caught, and a weaker one on one table as a mismatch', () => {
    const sessions = relation(2, 'sessions');
    const vacuumBoth = {
      claims: [claim('orders', 'ACCESS EXCLUSIVE'), claim('sessions', 'ACCESS EXCLUSIVE')],
      claimOids: [1, 2],
      before: snapshot(orders, sessions),
      after: snapshot(orders, sessions),
      watched: true,
      scansCounted: false,
    };
    // VACUUM (FULL, ANALYZE) orders, sessions: held up at orders, then sessions' ANALYZE caught, its VACUUM FULL missed.
    const sampled = compareObservation(input({ ...vacuumBoth, locksAfter: [{ oid: 1, mode: 'ACCESS EXCLUSIVE', granted: true }, { oid: 2, mode: 'SHARE UPDATE EXCLUSIVE', granted: true }] }));
    expect(sampled.mismatches).toEqual([]);
    expect(sampled.unresolved).toEqual(['sessions: ACCESS EXCLUSIVE (not caught while the statement ran; SHARE UPDATE EXCLUSIVE was)']);
    const oneTable = compareObservation(input({ watched: true, scansCounted: false, locksAfter: [{ oid: 1, mode: 'SHARE UPDATE EXCLUSIVE', granted: true }] }));
    expect(oneTable.mismatches).toEqual(['orders: expected ACCESS EXCLUSIVE, observed SHARE UPDATE EXCLUSIVE']);
  });

  it('resolves triggers a dropped function executes through the catalog', () => {
    const teams = relation(2, 'teams', 'r', { functionsUsed: ['touch'] });
    const jobs = relation(3, 'jobs', 'r', { functionsUsed: ['other'] });
    const result = compareObservation(
      input({
        claims: [{ relation: { name: 'touch' }, target: 'users-of-function', mode: 'ACCESS EXCLUSIVE' }],
        claimOids: [undefined],
        before: snapshot(orders, teams, jobs),
        after: snapshot(orders, teams, jobs),
        locksAfter: [{ oid: 2, mode: 'ACCESS EXCLUSIVE', granted: true }],
      }),
    );
    expect(result.mismatches).toEqual([]);
    expect(result.predicted).toEqual(['teams: ACCESS EXCLUSIVE']);
  });

  it('resolves the tables whose columns a dropped type takes with it through the catalog', () => {
    const shipments = relation(2, 'shipments', 'r', { columnTypes: ['int8', 'order_state'] });
    const teams = relation(3, 'teams', 'r', { columnTypes: ['int8', 'text'] });
    const result = compareObservation(
      input({
        claims: [{ relation: { name: 'order_state' }, target: 'tables-with-columns-of-type', mode: 'ACCESS EXCLUSIVE' }],
        claimOids: [undefined],
        before: snapshot(orders, shipments, teams),
        after: snapshot(orders, shipments, teams),
        locksAfter: [{ oid: 2, mode: 'ACCESS EXCLUSIVE', granted: true }],
      }),
    );
    expect(result.mismatches).toEqual([]);
    expect(result.predicted).toEqual(['shipments: ACCESS EXCLUSIVE']);
  });

  it('resolves the tables and views that use what a dropped extension provides through the catalog', () => {
    const users = relation(2, 'users', 'r', { extensionsUsed: ['citext'] });
    const search = relation(3, 'search_terms', 'v', { extensionsUsed: ['pg_trgm'] });
    const result = compareObservation(
      input({
        claims: [{ relation: { name: 'pg_trgm' }, target: 'users-of-extension', mode: 'ACCESS EXCLUSIVE' }],
        claimOids: [undefined],
        before: snapshot(orders, users, search),
        after: snapshot(orders, users),
        locksAfter: [{ oid: 3, mode: 'ACCESS EXCLUSIVE', granted: true }],
      }),
    );
    expect(result.mismatches).toEqual([]);
    expect(result.predicted).toEqual(['search_terms: ACCESS EXCLUSIVE']);
  });

  it('resolves the tables and views of a schema DROP SCHEMA ... CASCADE drops through the catalog, and not its indexes', () => {
    const daily = relation(2, '', 'r', { name: 'reporting.daily' });
    const weekly = relation(3, '', 'v', { name: '"My Reports".weekly' });
    const index = relation(4, '', 'i', { name: 'reporting.daily_pkey', tableOid: 2 });
    const result = compareObservation(
      input({
        claims: [
          { relation: { name: 'reporting' }, target: 'relations-of-schema', mode: 'ACCESS EXCLUSIVE' },
          { relation: { name: 'My Reports' }, target: 'relations-of-schema', mode: 'ACCESS EXCLUSIVE' },
        ],
        claimOids: [undefined, undefined],
        before: snapshot(orders, daily, weekly, index),
        after: snapshot(orders),
        locksAfter: [
          { oid: 2, mode: 'ACCESS EXCLUSIVE', granted: true },
          { oid: 3, mode: 'ACCESS EXCLUSIVE', granted: true },
          { oid: 4, mode: 'ACCESS EXCLUSIVE', granted: true },
        ],
      }),
    );
    expect(result.mismatches).toEqual([]);
    expect(result.predicted).toEqual(['reporting.daily: ACCESS EXCLUSIVE', '"My Reports".weekly: ACCESS EXCLUSIVE']);
  });

  it('resolves index, table-of-index and referencing-table claims through the catalog', () => {
    const index = relation(5, 'orders_idx', 'i', { tableOid: 1 });
    const child = relation(6, 'order_lines', 'r', { foreignKeys: [{ name: 'order_lines_order_id_fkey', columns: ['order_id'], references: 1, referencedColumns: ['id'], onDelete: 'a', onUpdate: 'a' }] });
    const result = compareObservation(
      input({
        claims: [claim('orders_idx', 'ACCESS EXCLUSIVE', 'table-of-index'), claim('orders', 'ACCESS EXCLUSIVE', 'referencing-tables')],
        claimOids: [5, 1],
        before: snapshot(orders, index, child),
        after: snapshot(orders, index, child),
        locksAfter: [{ oid: 1, mode: 'ACCESS EXCLUSIVE', granted: true }, { oid: 6, mode: 'ACCESS EXCLUSIVE', granted: true }],
      }),
    );
    expect(result.predicted).toEqual(['orders: ACCESS EXCLUSIVE', 'order_lines: ACCESS EXCLUSIVE']);
    expect(result.mismatches).toEqual([]);
  });
});

describe('what a DELETE locks through foreign keys', () => {
  const key = (name: string, references: number, onDelete: string) => ({ name, columns: ['order_id'], references, referencedColumns: ['id'], onDelete, onUpdate: 'a' });
  const lines = relation(6, 'order_lines', 'r', { foreignKeys: [key('order_lines_order_id_fkey', 1, 'c')] });
  const lineNotes = relation(7, 'line_notes', 'r', { foreignKeys: [key('line_notes_line_id_fkey', 6, 'c')] });
  const refunds = relation(8, 'refunds', 'r', { foreignKeys: [key('refunds_order_id_fkey', 1, 'a'), key('refunds_order_id_fkey1', 1, 'n')] });
  const audits = relation(9, 'audits', 'r', { foreignKeys: [key('audits_order_id_fkey', 1, 'r')] });
  const claims = [claim('orders', 'ROW EXCLUSIVE'), { ...claim('orders', 'ROW EXCLUSIVE', 'tables-changed-on-delete'), takenOnlyIf: 'the statement deletes a row' }, { ...claim('orders', 'ROW SHARE', 'tables-checked-on-delete'), takenOnlyIf: 'the statement deletes a row' }];
  const before = snapshot(orders, lines, lineNotes, refunds, audits);

  it('expects ROW EXCLUSIVE where a key deletes or updates rows, through CASCADE, and ROW SHARE where one only checks', () => {
    const result = compareObservation(
      input({
        claims,
        claimOids: [1, 1, 1],
        before,
        after: before,
        locksAfter: [...[1, 6, 7, 8].map((oid) => ({ oid, mode: 'ROW EXCLUSIVE' as LockClaim['mode'], granted: true })), { oid: 9, mode: 'ROW SHARE', granted: true }],
      }),
    );
    expect(result.mismatches).toEqual([]);
    const wrong = compareObservation(input({ claims, claimOids: [1, 1, 1], before, after: before, locksAfter: [{ oid: 1, mode: 'ROW EXCLUSIVE', granted: true }, { oid: 9, mode: 'ROW EXCLUSIVE', granted: true }] }));
    expect(wrong.mismatches).toEqual(['audits: expected ROW SHARE, observed ROW EXCLUSIVE']);
  });

  it('expects locks from an UPDATE only on the tables whose keys reference a column it sets, by their ON UPDATE action', () => {
    const subscriptions = relation(10, 'subscriptions', 'r', { foreignKeys: [{ ...key('subscriptions_order_id_fkey', 1, 'a'), onUpdate: 'c' }] });
    const notes = relation(11, 'notes', 'r', { foreignKeys: [{ ...key('notes_order_code_fkey', 1, 'a'), referencedColumns: ['code'] }] });
    const when = { updatedColumns: ['id'], takenOnlyIf: 'the statement changes a value a foreign key references' };
    const updated = [claim('orders', 'ROW EXCLUSIVE'), { ...claim('orders', 'ROW EXCLUSIVE', 'tables-changed-on-update'), ...when }, { ...claim('orders', 'ROW SHARE', 'tables-checked-on-update'), ...when }];
    const state = snapshot(orders, subscriptions, notes, audits);
    const locks = (...held: Array<[number, LockClaim['mode']]>) => held.map(([oid, mode]) => ({ oid, mode, granted: true }));
    expect(compareObservation(input({ claims: updated, claimOids: [1, 1, 1], before: state, after: state, locksAfter: locks([1, 'ROW EXCLUSIVE'], [10, 'ROW EXCLUSIVE'], [9, 'ROW SHARE']) })).mismatches).toEqual([]);
    // notes references orders.code, which the UPDATE does not set: nothing is expected of it.
    expect(compareObservation(input({ claims: updated, claimOids: [1, 1, 1], before: state, after: state, locksAfter: locks([1, 'ROW EXCLUSIVE'], [10, 'ROW SHARE']) })).mismatches).toEqual([
      'subscriptions: expected ROW EXCLUSIVE, observed ROW SHARE',
    ]);
    expect(compareObservation(input({ claims: updated, claimOids: [1, 1, 1], before: state, after: state, locksAfter: locks([1, 'ROW EXCLUSIVE']) })).mismatches).toEqual([]);
  });

  it('accepts no lock on them when the DELETE removed no row', () => {
    const result = compareObservation(input({ claims, claimOids: [1, 1, 1], before, after: before, locksAfter: [{ oid: 1, mode: 'ROW EXCLUSIVE', granted: true }] }));
    expect(result.mismatches).toEqual([]);
  });

  it('accepts no new lock, or only a read, on them when the transaction held a stronger one before (Harbor)', () => {
    const heldBefore = [{ oid: 9, mode: 'ACCESS EXCLUSIVE' as const, granted: true }];
    const deleted = { claims, claimOids: [1, 1, 1], before, after: before, locksBefore: heldBefore };
    const noRowDeleted = compareObservation(input({ ...deleted, locksAfter: [...heldBefore, { oid: 1, mode: 'ROW EXCLUSIVE', granted: true }] }));
    expect(noRowDeleted.mismatches).toEqual([]);
    const subqueryRead = compareObservation(input({ ...deleted, locksAfter: [...heldBefore, { oid: 9, mode: 'ACCESS SHARE', granted: true }, { oid: 1, mode: 'ROW EXCLUSIVE', granted: true }] }));
    expect(subqueryRead.mismatches).toEqual([]);
    const wrongLock = compareObservation(input({ ...deleted, locksAfter: [...heldBefore, { oid: 9, mode: 'ROW EXCLUSIVE', granted: true }, { oid: 1, mode: 'ROW EXCLUSIVE', granted: true }] }));
    expect(wrongLock.mismatches).toEqual(['audits: expected ROW SHARE, observed ACCESS EXCLUSIVE']);
  });
});

describe('reading the server', () => {
  it('names pg_locks modes as lockwise does', () => {
    expect(lockModeFromPgLocks('AccessExclusiveLock')).toBe('ACCESS EXCLUSIVE');
    expect(lockModeFromPgLocks('ShareUpdateExclusiveLock')).toBe('SHARE UPDATE EXCLUSIVE');
    expect(lockModeFromPgLocks('RowExclusiveLock')).toBe('ROW EXCLUSIVE');
    expect(lockModeFromPgLocks('SIReadLock')).toBeUndefined();
  });

  it('reads time settings as current_setting shows them', () => {
    expect(settingMs('0')).toBe(0);
    expect(settingMs('200ms')).toBe(200);
    expect(settingMs('2s')).toBe(2000);
    expect(settingMs('1min')).toBe(60_000);
  });
});
