import { setTimeout as sleep } from 'node:timers/promises';
import type { PgError } from './errors.js';
import type pg from 'pg';
import type { Statement } from '../parse/parse.js';
import { displayName, relationFromRangeVar } from '../model/names.js';
import { asKind } from '../parse/node-types.js';
import { callsOutsideCatalog } from '../knowledge/volatility.js';
import { asRunByItsBlock, lockOnUnnamedTables, locksTakenBy, rewriteExtentOf, type LockClaim } from '../knowledge/statement-locks.js';
import { compareObservation, type StatementObservation } from './compare.js';
import { locksOf, observeState, takeSnapshot, type HeldLock, type Settings, type Snapshot } from './observe.js';
import { standInFor } from './stand-ins.js';
import { fillTable } from './rows.js';

/** The connections of one trace: the migration's own, and a helper for stand-ins, watching and holding locks. */
export interface TraceConnections {
  main: pg.Client;
  mainPid: number;
  helper: pg.Client;
  /** Only with --contention: the connection whose SELECT shows whether readers queue. */
  reader?: pg.Client;
  readerPid?: number;
}

export interface RunContext {
  connections: TraceConnections;
  pgVersion: number;
  rows: number;
  /** Relations created in the open transaction, before the current statement. */
  createdInTransaction: Set<number>;
  /** Notes for the report: stand-ins created, tables left empty. */
  notes: string[];
}

export interface StatementRun {
  status: 'observed' | 'failed';
  error?: { message: string; code?: string };
  durationMs: number;
  settings: Settings;
  /** Run outside a transaction block, its locks watched from a second connection. */
  watched: boolean;
  observation?: StatementObservation;
}

const MAX_STAND_INS = 8;
/** SQLSTATE class 22: a value that does not fit (invalid input syntax, value too long, out of range). */
const DATA_EXCEPTION_CLASS = '22';
/** How long the watcher of a statement outside a transaction holds it up before letting it finish. */
const WATCH_HOLD_MS = 1500;
const LOCK_NOT_AVAILABLE = '55P03';
const ERROR_CANNOT_RUN_IN_TRANSACTION = new Set(['25001', '2D000']);

/** The lock claims of a statement; a DO block claims what the statements it runs claim. */
export function claimsOf(statement: Statement, inner: Statement[], pgVersion: number): LockClaim[] {
  if (statement.kind !== 'DoStmt') return locksTakenBy(statement, pgVersion);
  // A statement that fails into an exception handler of the block rolls back, and its locks with it.
  const mayRollBack = (claims: LockClaim[]): LockClaim[] => claims.map((claim) => ({ ...claim, takenOnlyIf: claim.takenOnlyIf ?? 'the statement does not fail into an exception handler of the block' }));
  return inner.flatMap((child) => {
    const claims = asRunByItsBlock(child, locksTakenBy(child, pgVersion));
    return child.caught ? mayRollBack(claims) : claims;
  });
}

function failedRun(error: PgError, durationMs: number, settings: Settings, watched: boolean): StatementRun {
  return { status: 'failed', error: { message: error.message, ...(error.code ? { code: error.code } : {}) }, durationMs, settings, watched };
}

/** Compares what the server showed before and after the statement with the lock table. */
function observe(
  statement: Statement,
  claims: LockClaim[],
  before: Before,
  after: { snapshot: Snapshot; locks: HeldLock[] },
  how: { createdInTransaction: Set<number>; watched: boolean },
): StatementObservation {
  const lockOnUnnamed = lockOnUnnamedTables(statement);
  const unread = unreadCode(statement);
  return compareObservation({
    claims,
    claimOids: before.claimOids,
    predictedRewrite: statement.kind === 'DoStmt' ? 'depends' : rewriteExtentOf(statement),
    before: before.snapshot,
    after: after.snapshot,
    locksBefore: before.locks,
    locksAfter: after.locks,
    ...(lockOnUnnamed ? { unnamedTablesLock: lockOnUnnamed } : {}),
    createdInTransaction: how.createdInTransaction,
    scansCounted: !how.watched,
    watched: how.watched,
    ...(unread ? { runsUnread: unread } : {}),
  });
}

/** What a statement runs that lockwise cannot read: SQL a DO block builds, or a function PostgreSQL's catalog does not hold. */
function unreadCode(statement: Statement): string | undefined {
  if (statement.runsDynamicSql) return 'SQL the block builds at run time, which lockwise cannot read';
  if (statement.callsUnread) return `${statement.callsUnread}, whose body lockwise does not follow`;
  const [first] = callsOutsideCatalog(statement.node);
  return first !== undefined ? `${first}(), whose body lockwise does not follow` : undefined;
}

function claimName(claim: LockClaim): string {
  return displayName(claim.relation);
}

interface Before {
  settings: Settings;
  snapshot: Snapshot;
  locks: HeldLock[];
  claimOids: Array<number | undefined>;
}

async function observeBefore(client: pg.Client, claims: LockClaim[]): Promise<Before> {
  const state = await observeState(client, claims.map(claimName));
  return { settings: state.settings, snapshot: state.snapshot, locks: state.locks, claimOids: state.oids };
}

/**
 * The rows lockwise generated did not fit an ALTER TABLE, UPDATE or DELETE (a data exception: `USING payload::jsonb`
 * of random text, a shorter varchar): they say nothing about the real table's rows, so the table is emptied and the
 * statement run again, for its locks. Said in a note. Outside the migration's transaction the helper deletes them, and holds no lock after.
 */
async function emptyForGeneratedRows(error: PgError, statement: Statement, context: RunContext): Promise<boolean> {
  const altered = (asKind(statement.node, 'AlterTableStmt') ?? asKind(statement.node, 'UpdateStmt') ?? asKind(statement.node, 'DeleteStmt'))?.relation;
  if (!error.code?.startsWith(DATA_EXCEPTION_CLASS) || !altered) return false;
  const { helper, main } = context.connections;
  const table = displayName(relationFromRangeVar(altered));
  const inTransaction = main.getTransactionStatus() === 'T';
  const client = inTransaction ? main : helper;
  try {
    if (inTransaction) await main.query('SAVEPOINT lockwise_stand_in');
    const { rowCount } = await client.query(`DELETE FROM ${table}`);
    if (inTransaction) await main.query('RELEASE SAVEPOINT lockwise_stand_in');
    if (!rowCount) return false;
  } catch {
    if (inTransaction) await main.query('ROLLBACK TO SAVEPOINT lockwise_stand_in').catch(() => undefined);
    return false;
  }
  context.notes.push(`rows generated into ${table} did not fit the statement (${error.message}): it ran again with ${table} emptied`);
  return true;
}

async function applyStandIn(error: PgError, statement: Statement, context: RunContext): Promise<boolean> {
  const { helper, main } = context.connections;
  const standIn = await standInFor(error, statement, helper, context.rows).catch(() => undefined);
  if (!standIn) return false;
  let madeBy = helper;
  try {
    for (const sql of standIn.sql) await helper.query(sql);
  } catch {
    // The migration's open transaction may hold the table the stand-in changes: make it there instead.
    if (main.getTransactionStatus() !== 'T') return false;
    madeBy = main;
    try {
      await main.query('SAVEPOINT lockwise_stand_in');
      for (const sql of standIn.sql) await main.query(sql);
      await main.query('RELEASE SAVEPOINT lockwise_stand_in');
    } catch {
      await main.query('ROLLBACK TO SAVEPOINT lockwise_stand_in').catch(() => undefined);
      return false;
    }
  }
  context.notes.push(`stand-in ${standIn.description} created: ${statement.kind === 'DoStmt' ? 'the block' : 'the statement'} needs it and the history does not create it`);
  if (standIn.table) {
    const { rows } = await madeBy.query<{ oid: number; name: string }>("SELECT c.oid::int AS oid, format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)", [standIn.table]);
    if (rows[0]) {
      const note = await fillTable(madeBy, rows[0].oid, rows[0].name, context.rows);
      if (note) context.notes.push(note);
    }
  }
  return true;
}

/**
 * Runs one statement and observes it. A statement outside a transaction block runs inside
 * BEGIN ... COMMIT of lockwise's own, so that its locks can be read before they are released
 * (a single statement is its own transaction anyway); inside a block it runs after a
 * savepoint, so that a failure is rolled back to just before it and the migration goes on.
 * Statements PostgreSQL refuses in a transaction block (CONCURRENTLY, VACUUM) run as they
 * are, watched from the helper connection.
 */
export async function runStatement(sql: string, statement: Statement, claims: LockClaim[], context: RunContext): Promise<StatementRun> {
  const { main } = context.connections;
  const unknownSettings = { lockTimeout: '?', statementTimeout: '?' };
  if (main.getTransactionStatus() === 'E') {
    return { status: 'failed', error: { message: 'not run: the transaction was aborted by an earlier statement that failed' }, durationMs: 0, settings: unknownSettings, watched: false };
  }
  const wasInTransaction = main.getTransactionStatus() === 'T';
  try {
    return await observeStatement(sql, statement, claims, context);
  } catch (caught) {
    // lockwise's own queries around the statement failed (a statement_timeout the migration set, a connection lost): recover the transaction the migration had.
    if (main.getTransactionStatus() === 'E') await main.query(wasInTransaction ? 'ROLLBACK TO SAVEPOINT lockwise_statement' : 'ROLLBACK').catch(() => undefined);
    if (!wasInTransaction && main.getTransactionStatus() === 'T') await main.query('ROLLBACK').catch(() => undefined);
    return { status: 'failed', error: { message: `lockwise could not observe the statement: ${(caught as Error).message}` }, durationMs: 0, settings: unknownSettings, watched: false };
  }
}

async function observeStatement(sql: string, statement: Statement, claims: LockClaim[], context: RunContext): Promise<StatementRun> {
  const { main } = context.connections;
  const ownTransaction = main.getTransactionStatus() === 'I';
  const open = (): Promise<unknown> => main.query(ownTransaction ? 'BEGIN' : 'SAVEPOINT lockwise_statement');
  const undo = (): Promise<unknown> => main.query(ownTransaction ? 'ROLLBACK' : 'ROLLBACK TO SAVEPOINT lockwise_statement').catch(() => undefined);

  let emptied = false;
  for (let attempt = 0; ; attempt++) {
    await open();
    const before = await observeBefore(main, claims);
    const started = performance.now();
    try {
      await main.query(sql);
    } catch (caught) {
      const error = caught as PgError;
      const durationMs = performance.now() - started;
      await undo();
      if (ownTransaction && error.code && ERROR_CANNOT_RUN_IN_TRANSACTION.has(error.code)) return runWatched(sql, statement, claims, context);
      if (attempt < MAX_STAND_INS && (await applyStandIn(error, statement, context))) continue;
      if (!emptied && (await emptyForGeneratedRows(error, statement, context))) {
        emptied = true;
        continue;
      }
      if (!ownTransaction) await main.query('RELEASE SAVEPOINT lockwise_statement').catch(() => undefined);
      return failedRun(error, durationMs, before.settings, false);
    }
    const durationMs = performance.now() - started;
    const { snapshot: after, locks: locksAfter } = await observeState(main);
    const observation = observe(statement, claims, before, { snapshot: after, locks: locksAfter }, { createdInTransaction: context.createdInTransaction, watched: false });
    try {
      await main.query(ownTransaction ? 'COMMIT' : 'RELEASE SAVEPOINT lockwise_statement');
    } catch (caught) {
      const error = caught as PgError;
      await undo();
      return failedRun(error, durationMs, before.settings, false);
    }
    if (ownTransaction) context.createdInTransaction.clear();
    else for (const oid of after.keys()) if (!before.snapshot.has(oid)) context.createdInTransaction.add(oid);
    return { status: 'observed', durationMs, settings: before.settings, watched: false, observation };
  }
}

/**
 * Opens the helper's REPEATABLE READ transaction (a snapshot CONCURRENTLY operations wait for)
 * and locks each claimed table in SHARE UPDATE EXCLUSIVE mode, which conflicts with every lock
 * a statement outside a transaction block takes: its request then shows, waiting, with its mode.
 */
async function holdTables(helper: pg.Client, claimed: Set<number>, snapshot: Snapshot): Promise<boolean> {
  try {
    await helper.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await helper.query("SET LOCAL lock_timeout = '500ms'");
    for (const oid of claimed) {
      const relation = snapshot.get(oid);
      if (relation && ['r', 'p'].includes(relation.kind)) await helper.query(`LOCK TABLE ${relation.name} IN SHARE UPDATE EXCLUSIVE MODE`);
      else if (relation?.kind === 'm') await helper.query(`SELECT FROM ${relation.name} LIMIT 0`);
    }
    await helper.query('SELECT 1');
    return true;
  } catch {
    await helper.query('ROLLBACK').catch(() => undefined);
    return false;
  }
}

async function isWaiting(client: pg.Client, pid: number): Promise<boolean> {
  const { rows } = await client.query<{ waiting: boolean }>("SELECT wait_event_type = 'Lock' AS waiting FROM pg_stat_activity WHERE pid = $1", [pid]).catch(() => ({ rows: [] }));
  return rows[0]?.waiting === true;
}

/**
 * A statement outside any transaction block releases its locks as it ends, so the helper
 * connection watches pg_locks for it while it runs. To make the locks visible however
 * fast the statement is, the helper first holds the claimed tables (holdTables). It lets go
 * as soon as the statement waits for it or a claimed lock is seen, or after a bounded time.
 */
async function runWatched(sql: string, statement: Statement, claims: LockClaim[], context: RunContext): Promise<StatementRun> {
  const { main, mainPid, helper } = context.connections;
  let hold = true;
  for (let attempt = 0; ; attempt++) {
    const before = await observeBefore(main, claims);
    const seen = new Map<string, HeldLock>();
    const claimed = new Set<number>();
    for (const oid of before.claimOids) {
      if (oid === undefined) continue;
      claimed.add(oid);
      const table = before.snapshot.get(oid)?.tableOid;
      if (table !== undefined) claimed.add(table);
    }
    let holding = hold && (await holdTables(helper, claimed, before.snapshot));
    const started = performance.now();
    let finished = false;
    let failure: PgError | undefined;
    const running = main.query(sql).then(
      () => undefined,
      (error: PgError) => {
        failure = error;
      },
    ).finally(() => {
      finished = true;
    });
    while (!finished) {
      // Asked first: while the statement waits for the helper, the locks read next are all it holds.
      const waitsForHelper = holding && (await isWaiting(helper, mainPid));
      const locks = await locksOf(helper, mainPid).catch(() => []);
      // A lock requested and waiting shows the mode the statement takes as well as a granted one.
      for (const lock of locks) seen.set(`${lock.oid}:${lock.mode}`, { ...lock, granted: true });
      if (holding && (waitsForHelper || locks.some((lock) => claimed.has(lock.oid)) || performance.now() - started > WATCH_HOLD_MS)) {
        await helper.query('COMMIT').catch(() => undefined);
        holding = false;
      }
      await sleep(1);
    }
    await running;
    if (holding) await helper.query('COMMIT').catch(() => undefined);
    const durationMs = performance.now() - started;
    if (failure) {
      // A lock_timeout shorter than the helper's hold: run it again, watched without holding it up.
      if (failure.code === LOCK_NOT_AVAILABLE && hold) {
        hold = false;
        continue;
      }
      if (attempt < MAX_STAND_INS && (await applyStandIn(failure, statement, context))) continue;
      return failedRun(failure, durationMs, before.settings, true);
    }
    const after = await takeSnapshot(main);
    const observation = observe(statement, claims, { ...before, locks: [] }, { snapshot: after, locks: [...seen.values()] }, { createdInTransaction: new Set(), watched: true });
    return { status: 'observed', durationMs, settings: before.settings, watched: true, observation };
  }
}
