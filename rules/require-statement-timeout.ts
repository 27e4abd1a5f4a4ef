import { defineRule } from '../src/engine/rule.js';
import { blocksWrites, lockStrength } from '../src/knowledge/lock-modes.js';
import { isTimeoutInForce } from '../src/knowledge/settings.js';
import { trafficLock } from '../src/knowledge/statement-locks.js';

/** From PostgreSQL 13 the timeout restarts for each statement of a multi-statement query, with the value in force then. */
const PER_STATEMENT_TIMEOUT_SINCE = 13;

export default defineRule({
  id: 'require-statement-timeout',
  meta: {
    severity: 'warning',
    presets: ['strict'],
    messages: {
      missingStatementTimeout:
        'This statement takes {{lock}} on {{object}}, which {{impact}}, with no statement_timeout set: the lock is held for as long as the statement runs, and if it turns out slow (a rewrite, a validating scan, an index build), nothing cancels it: the table stays blocked until it finishes.',
      setInSameQuery:
        'This statement takes {{lock}} on {{object}}, which {{impact}}. statement_timeout is set earlier in this file, but the migration tool sends the whole file as one query, and before PostgreSQL 13 the timeout is armed once, when the query arrives: a SET inside the query does not apply to the statements after it.',
      sameQueryHelp:
        'Set statement_timeout for the migration role (ALTER ROLE ... SET statement_timeout = \'5s\') or in the connection string (options=-c statement_timeout=5s), or upgrade to PostgreSQL 13, which arms the timeout for each statement of a multi-statement query.',
      help:
        "Set a statement_timeout before the first locking statement, so a statement that runs longer than expected is cancelled and rolled back: SET statement_timeout = '5s'; (or SET LOCAL statement_timeout = '5s'; inside the transaction). Before a statement that must run long without blocking traffic, such as CREATE INDEX CONCURRENTLY or a batched backfill, set it back with SET statement_timeout = 0.",
    },
    docs: {
      summary: 'Requires statement_timeout to be set before a statement that takes a lock blocking reads or writes on an existing table.',
      why: "A lock that blocks reads or writes (SHARE and stronger: ALTER TABLE, CREATE INDEX without CONCURRENTLY, DROP INDEX, ...) is held for as long as the statement runs. Most such statements only touch the catalog and take milliseconds, but some scan or rewrite the whole table, and which one does depends on details (a default's volatility, a type change's coercibility, the PostgreSQL version). lock_timeout bounds only the wait for the lock, not the time it is held; statement_timeout bounds both, so a statement that unexpectedly rewrites a large table is cancelled (and its transaction rolled back) instead of blocking the table for minutes. Reported once per file, at the first such statement.\n\nThis rule is not in `recommended` because the right timeout is a judgement about each statement: a timeout on a statement that must run long (CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT, a batched backfill) makes the migration fail for nothing, and outside a transaction a cancelled CREATE INDEX CONCURRENTLY leaves an INVALID index behind. Those statements block neither reads nor writes, so a file that only holds them is not flagged; many teams set statement_timeout on the migration role instead (ALTER ROLE ... SET statement_timeout).",
      instead: "Start the migration with SET statement_timeout = '5s' (SET LOCAL inside its transaction), or set it for the migration role. Reset it to 0 before statements that must run long and block nothing, or move those to a migration of their own.",
      bad: 'ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);',
      good: "SET statement_timeout = '5s';\nALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);",
      references: [
        'https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-STATEMENT-TIMEOUT',
        'https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES',
      ],
      pgVersions: "statement_timeout exists in every supported version. Before PostgreSQL 13 it was armed once per query string, so when a migration tool sends a whole file as one query (golang-migrate, Prisma), a SET statement_timeout in the file does not apply to the file's later statements; from 13 it applies to each statement. The locks each statement takes come from lockwise's lock table, for the target version.",
      prevents: 'a lock that blocks traffic held for as long as an unexpectedly slow statement runs',
    },
  },
  create(context) {
    let reported = false;
    const oneQueryString = context.environment.transactionMode === 'implicit' && context.statements.length > 1;
    return {
      onStatement(statement) {
        if (reported) return;
        const timeoutSet = isTimeoutInForce(context.setting('statement_timeout'));
        const ignoredInQuery = timeoutSet && oneQueryString && context.pgVersion < PER_STATEMENT_TIMEOUT_SINCE;
        if (timeoutSet && !ignoredInQuery) return;
        const blocking = context.locksOf(statement).filter((claim) => blocksWrites(trafficLock(claim)) && context.locksExistingTable(claim));
        const strongest = blocking.sort((a, b) => lockStrength(trafficLock(b)) - lockStrength(trafficLock(a)))[0];
        if (!strongest) return;
        reported = true;
        context.report({
          messageId: ignoredInQuery ? 'setInSameQuery' : 'missingStatementTimeout',
          helpId: ignoredInQuery ? 'sameQueryHelp' : 'help',
          data: { ...context.describeLock(strongest) },
        });
      },
    };

  },
});
