import type { RuleMeta, Severity } from './rule.js';

/**
 * Findings the engine itself produces. They have ids and docs like rules, so that
 * reporters, `lockwise explain` and SARIF describe them the same way.
 */
export interface BuiltinCheck {
  id: string;
  meta: Omit<RuleMeta<'default'>, 'presets'> & { severity: Severity; canBeDisabled: boolean };
}

const noVersionDependency = 'Independent of the PostgreSQL version.';

export const SYNTAX_ERROR: BuiltinCheck = {
  id: 'syntax-error',
  meta: {
    severity: 'error',
    canBeDisabled: false,
    messages: { default: '{{message}}' },
    docs: {
      summary: 'The file is not valid PostgreSQL.',
      why: 'PostgreSQL rejects the migration, and a file lockwise cannot parse cannot be checked for any other hazard. The message and position are PostgreSQL\'s own, from its real parser.',
      instead: 'Fix the statement at the reported position.',
      bad: 'ALTER TABLE users ADD COLUMN;',
      good: 'ALTER TABLE users ADD COLUMN nickname text;',
      references: ['https://www.postgresql.org/docs/current/sql-syntax.html'],
      pgVersions: 'Parsed with the PostgreSQL 18 grammar, which accepts the syntax of every earlier version.',
      prevents: 'a migration that fails, and a file no rule could check',
    },
  },
};

export const UNREADABLE_FILE: BuiltinCheck = {
  id: 'unreadable-file',
  meta: {
    severity: 'error',
    canBeDisabled: false,
    messages: { default: '{{message}}' },
    docs: {
      summary: 'A migration file could not be read as UTF-8 text.',
      why: 'A file lockwise cannot read is a file nobody checked; it is reported instead of being skipped silently.',
      instead: 'Save the file as UTF-8 text, fix its permissions, or exclude it in lockwise.json if it is not a migration.',
      bad: '(a binary file, or text in another encoding)',
      good: 'SELECT 1;',
      references: ['https://www.postgresql.org/docs/current/multibyte.html'],
      pgVersions: noVersionDependency,
      prevents: 'a check silently skipped',
    },
  },
};

export const INVALID_SUPPRESSION: BuiltinCheck = {
  id: 'invalid-suppression',
  meta: {
    severity: 'error',
    canBeDisabled: false,
    messages: {
      default: '{{message}}',
    },
    docs: {
      summary: 'A lockwise-ignore comment names an unknown rule, or no rule at all.',
      why: 'A misspelt rule id suppresses nothing, so the finding it was meant to silence still appears, or worse, the author believes a hazard was reviewed when it was not.',
      instead: 'Name existing rule ids, separated by commas, and give the reason after " -- ".',
      bad: '-- lockwise-ignore require-concurent-index\nCREATE INDEX users_email_idx ON users (email);',
      good: '-- lockwise-ignore require-concurrent-index -- users has 40 rows, built in a maintenance window\nCREATE INDEX users_email_idx ON users (email);',
      references: [],
      pgVersions: noVersionDependency,
      prevents: 'a check silently skipped',
    },
  },
};

export const UNUSED_SUPPRESSION: BuiltinCheck = {
  id: 'unused-suppression',
  meta: {
    severity: 'warning',
    canBeDisabled: true,
    messages: { default: '{{message}}' },
    docs: {
      summary: 'A lockwise-ignore comment suppressed nothing.',
      why: 'A stale suppression outlives the statement it was written for and will silently hide a future finding on whatever statement follows it.',
      instead: 'Remove the comment, or move it directly above the statement it is about.',
      bad: '-- lockwise-ignore require-concurrent-index\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
      good: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
      references: [],
      pgVersions: noVersionDependency,
      prevents: 'a check silently skipped',
    },
  },
};

export const INVALID_DIRECTIVE: BuiltinCheck = {
  id: 'invalid-directive',
  meta: {
    severity: 'error',
    canBeDisabled: false,
    messages: { default: '{{message}}' },
    docs: {
      summary: 'A lockwise: directive comment is malformed, so it retires nothing.',
      why: 'A `-- lockwise:deprecate` comment that names no column retires nothing: the later DROP is then flagged, or worse, the author believes the column was retired.',
      instead: 'Write `-- lockwise:deprecate table.column` (or `schema.table.column`) for a column and `-- lockwise:deprecate-table table` for a table.',
      bad: '-- lockwise:deprecate username',
      good: '-- lockwise:deprecate users.username',
      references: [],
      pgVersions: noVersionDependency,
      prevents: 'a check silently skipped',
    },
  },
};

const tracedOnServer = 'Observed on the PostgreSQL server `lockwise trace` runs on; the lock table is read for that server\'s version.';

export const TRACE_LOCK_MISMATCH: BuiltinCheck = {
  id: 'trace-lock-mismatch',
  meta: {
    severity: 'error',
    canBeDisabled: false,
    messages: { default: '{{message}}' },
    docs: {
      summary: 'lockwise trace saw a statement take a different lock, or rewrite differently, than lockwise\'s lock table says.',
      why: 'Every lock and rewrite warning lockwise gives comes from its lock table. When PostgreSQL does something else, a dangerous statement may pass unflagged, or a safe one be flagged; `lockwise trace` runs the migration on a real server so that the table cannot drift from PostgreSQL silently.',
      instead: 'Report it, with the statement and the PostgreSQL version, so that the lock table is corrected; until then, trust what the trace observed.',
      bad: '-- the lock table expects SHARE UPDATE EXCLUSIVE; the server took ACCESS EXCLUSIVE\nALTER TABLE orders SET (fillfactor = 70);',
      good: 'ALTER TABLE orders SET (fillfactor = 70);  -- SHARE UPDATE EXCLUSIVE, as predicted',
      references: ['https://www.postgresql.org/docs/current/explicit-locking.html', 'https://www.postgresql.org/docs/current/view-pg-locks.html'],
      pgVersions: tracedOnServer,
      prevents: 'a lock hazard the lock table got wrong',
    },
  },
};

export const TRACE_STATEMENT_FAILED: BuiltinCheck = {
  id: 'trace-statement-failed',
  meta: {
    severity: 'warning',
    canBeDisabled: false,
    messages: { default: '{{message}}' },
    docs: {
      summary: 'A statement failed when lockwise trace ran it on a real PostgreSQL server.',
      why: 'A migration that fails on the server fails in production too, after taking whatever locks it took until then. The message is PostgreSQL\'s own. The trace rolls back to just before the statement and goes on, so that one failure does not hide the rest; the migration tool would have stopped there.',
      instead: 'Fix the statement; when it needs objects the traced history does not create (an extension, a role), trace with --database-url on a server that has them.',
      bad: 'ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_total_chek;',
      good: 'ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;',
      references: ['https://www.postgresql.org/docs/current/errcodes-appendix.html'],
      pgVersions: tracedOnServer,
      prevents: 'a migration that fails in production',
    },
  },
};

export const TRACE_LOCK_QUEUE: BuiltinCheck = {
  id: 'trace-lock-queue',
  meta: {
    severity: 'error',
    canBeDisabled: false,
    messages: { default: '{{message}}' },
    docs: {
      summary: 'With --contention, a statement waited for its lock behind an open transaction, and plain reads of the table queued behind it.',
      why: 'A lock request waits behind every transaction that holds a conflicting lock, and every later query of the table waits behind the request: one long-running read turns an instant ALTER TABLE into an outage for as long as that read lasts. `lockwise trace --contention` reproduces it: a second connection holds a transaction that read the table, the statement runs, and a third connection\'s SELECT is seen queued (pg_locks granted = false). lockwise cancels the statement after a bounded wait.',
      instead: 'Set lock_timeout before the statement (`SET lock_timeout = \'2s\';`) and retry the migration when it times out: the statement then gives up instead of queueing every reader behind it.',
      bad: 'ALTER TABLE orders ADD COLUMN note text;',
      good: "SET lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN note text;",
      references: ['https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT', 'https://www.postgresql.org/docs/current/explicit-locking.html'],
      pgVersions: tracedOnServer,
      prevents: 'an outage while a lock request queues behind a long transaction',
    },
  },
};

/** Findings only `lockwise trace` produces. */
export const TRACE_CHECKS: readonly BuiltinCheck[] = [TRACE_LOCK_MISMATCH, TRACE_STATEMENT_FAILED, TRACE_LOCK_QUEUE];

export const BUILTIN_CHECKS: readonly BuiltinCheck[] = [SYNTAX_ERROR, UNREADABLE_FILE, INVALID_SUPPRESSION, UNUSED_SUPPRESSION, INVALID_DIRECTIVE, ...TRACE_CHECKS];
