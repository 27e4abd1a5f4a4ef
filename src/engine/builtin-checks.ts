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

export const BUILTIN_CHECKS: readonly BuiltinCheck[] = [SYNTAX_ERROR, UNREADABLE_FILE, INVALID_SUPPRESSION, UNUSED_SUPPRESSION, INVALID_DIRECTIVE];
