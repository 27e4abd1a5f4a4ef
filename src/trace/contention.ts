import { setTimeout as sleep } from 'node:timers/promises';
import type { PgError } from './errors.js';
import { trafficLock, type LockClaim } from '../knowledge/statement-locks.js';
import { displayName } from '../model/names.js';
import type { Statement } from '../parse/parse.js';
import { shortName } from './compare.js';
import { locksOf, observeState } from './observe.js';
import type { RunContext } from './statement-runner.js';

/** What production would see if the statement ran while a long transaction had read the table. */
export interface ContentionOutcome {
  /**
   * `aborted`: lock_timeout ended the wait, and readers were served (the abort-and-retry path).
   * `queued`: the statement waited with no end, and a plain SELECT queued behind it.
   * `not-blocked`: the statement's lock does not conflict with readers; it ran at once.
   * `skipped`: could not be set up (said why).
   */
  kind: 'aborted' | 'queued' | 'not-blocked' | 'skipped';
  table: string;
  summary: string;
  /** How long the statement waited for its lock. */
  waitedMs?: number;
  readerServed?: boolean;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** A time setting as current_setting() shows it ("0", "200ms", "2s", "1min") in milliseconds. */
export function settingMs(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(value.trim());
  if (!match) return 0;
  return Number(match[1]) * (UNIT_MS[match[2] || 'ms'] ?? 1);
}

/** How long the statement may wait before lockwise cancels it; a lock_timeout below this shows itself. */
export const CONTENTION_WAIT_MS = 1500;
const READER_TIMEOUT_MS = 5000;

/**
 * Reproduces the lock queue: the helper connection holds a transaction that read the table,
 * the statement runs, and once it waits for its lock the reader connection tries a plain
 * SELECT. Every wait is bounded; whatever the statement did is rolled back, and it then
 * runs again, unhindered, to be observed.
 */
export async function runContention(sql: string, statement: Statement, claims: LockClaim[], context: RunContext): Promise<ContentionOutcome | undefined> {
  const { main, mainPid, helper, reader, readerPid } = context.connections;
  if (!reader || readerPid === undefined || statement.kind === 'TransactionStmt') return undefined;
  const { snapshot, oids, settings } = await observeState(main, claims.map((claim) => displayName(claim.relation)));
  const candidates: Array<{ table: number; blocksReaders: boolean }> = [];
  claims.forEach((claim, index) => {
    const oid = oids[index];
    if (oid === undefined) return;
    const relation = snapshot.get(oid);
    const table =
      claim.target === 'table-of-index' || claim.target === 'index' ? relation?.tableOid : claim.target === 'indexes-of-table' || claim.target === 'default-partition' ? undefined : oid;
    const kind = table === undefined ? undefined : snapshot.get(table)?.kind;
    if (table !== undefined && kind && ['r', 'p', 'm'].includes(kind) && !context.createdInTransaction.has(table)) {
      candidates.push({ table, blocksReaders: trafficLock(claim) === 'ACCESS EXCLUSIVE' });
    }
  });
  // The table whose readers the statement can stop: ATTACH PARTITION takes SHARE UPDATE EXCLUSIVE on the
  // parent, which readers pass, and ACCESS EXCLUSIVE on the table it attaches, which they queue behind.
  const tableOid = (candidates.find((candidate) => candidate.blocksReaders) ?? candidates[0])?.table;
  if (tableOid === undefined) return undefined;
  const table = snapshot.get(tableOid)!.name;
  const shown = shortName(table);
  const { lockTimeout } = settings;

  const ownTransaction = main.getTransactionStatus() === 'I';
  await main.query(ownTransaction ? 'BEGIN' : 'SAVEPOINT lockwise_contention');
  const undo = async (): Promise<void> => {
    await main.query(ownTransaction ? 'ROLLBACK' : 'ROLLBACK TO SAVEPOINT lockwise_contention').catch(() => undefined);
    if (!ownTransaction) await main.query('RELEASE SAVEPOINT lockwise_contention').catch(() => undefined);
  };
  try {
    await helper.query('BEGIN');
    await helper.query("SET LOCAL lock_timeout = '500ms'");
    await helper.query(`SELECT * FROM ${table} LIMIT 1`);
  } catch {
    await helper.query('ROLLBACK').catch(() => undefined);
    await undo();
    return { kind: 'skipped', table: shown, summary: `readers of ${shown} already wait for a lock an earlier statement of this transaction took` };
  }

  let statementDone = false;
  let statementError: PgError | undefined;
  const started = performance.now();
  const running = main
    .query(sql)
    .catch((error: PgError) => {
      statementError = error;
    })
    .finally(() => {
      statementDone = true;
    });
  let waitingSince: number | undefined;
  let readerRun: Promise<boolean> | undefined;
  let readerQueued = false;
  let cancelled = false;
  let readerStarted = 0;
  let readerDoneAt: number | undefined;
  try {
    while (!statementDone) {
      const waiting = (await locksOf(helper, mainPid)).some((lock) => !lock.granted);
      if (waiting && waitingSince === undefined) {
        waitingSince = performance.now();
        readerStarted = performance.now();
        readerRun = reader.query(`SET statement_timeout = ${READER_TIMEOUT_MS}; SELECT * FROM ${table} LIMIT 1`).then(
          () => {
            readerDoneAt = performance.now();
            return true;
          },
          () => false,
        );
      }
      if (readerRun && !readerQueued) readerQueued = (await locksOf(helper, readerPid)).some((lock) => !lock.granted);
      if (performance.now() - started > CONTENTION_WAIT_MS && !cancelled) {
        cancelled = true;
        await helper.query('SELECT pg_cancel_backend($1)', [mainPid]);
      }
      await sleep(2);
    }
    await running;
  } finally {
    await helper.query('ROLLBACK').catch(() => undefined);
  }
  const readerServed = readerRun ? await readerRun : undefined;
  await undo();
  const waitedMs = waitingSince === undefined ? 0 : performance.now() - waitingSince;
  const readerWait = readerDoneAt === undefined ? undefined : Math.round(readerDoneAt - readerStarted);

  if (waitingSince === undefined) {
    if (statementError) return undefined;
    return { kind: 'not-blocked', table: shown, summary: `ran at once while another transaction had read ${shown}: its lock does not conflict with readers`, readerServed: true };
  }
  if (cancelled && settingMs(lockTimeout) > 0) {
    return {
      kind: 'aborted',
      table: shown,
      waitedMs,
      readerServed: readerServed === true,
      summary: `waited for its lock on ${shown} behind a transaction that had read the table; lock_timeout (${lockTimeout}) would end the wait, longer than lockwise waits (${CONTENTION_WAIT_MS} ms), and until then readers queue behind it${readerQueued ? ' (seen waiting in pg_locks)' : ''}`,
    };
  }
  if (cancelled) {
    return {
      kind: 'queued',
      table: shown,
      waitedMs,
      readerServed: readerServed === true,
      summary: `waited for its lock on ${shown} behind a transaction that had read the table, with no lock_timeout to end the wait (lock_timeout = ${lockTimeout}); a plain SELECT on ${shown} then queued behind it${readerQueued ? ' (seen waiting in pg_locks)' : ''}, as every query of the table would in production; lockwise cancelled it after ${Math.round(waitedMs)} ms`,
    };
  }
  if (statementError?.code === '55P03') {
    return {
      kind: 'aborted',
      table: shown,
      waitedMs,
      readerServed: readerServed === true,
      summary: `gave up after lock_timeout (${lockTimeout}) while another transaction had read ${shown}; the reader ${readerServed ? `was served${readerWait !== undefined ? ` after ${readerWait} ms` : ''}` : 'was not served'}: the migration fails and can be retried, and traffic goes on`,
    };
  }
  return {
    kind: 'not-blocked',
    table: shown,
    waitedMs,
    readerServed: readerServed === true,
    summary: `waited ${Math.round(waitedMs)} ms for its lock on ${shown}, then ran`,
  };
}
