import { defineRule } from '../src/engine/rule.js';
import { wrapsEachFile } from '../src/model/session-state.js';

export default defineRule({
  id: 'no-uncommitted-transaction',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      uncommitted:
        'The transaction opened here is still open at the end of the file: when the session ends, PostgreSQL rolls it back, so every statement from here on is silently undone (psql -f still exits with status 0); if the connection stays open instead, its locks are held until something else ends the transaction.',
      help: 'End the transaction with COMMIT; at the end of the file (or ROLLBACK; if the file only checks something).',
    },
    docs: {
      summary: 'Disallows a migration that opens a transaction with BEGIN and never commits or rolls it back.',
      why: 'A transaction still open when the session ends is rolled back. psql reports no error for it: `psql -f migration.sql` exits with status 0 while every statement after BEGIN has been undone (in a file sent as one multi-statement query, the statements before the BEGIN too, which PostgreSQL folds into the transaction). A tool that keeps the connection instead leaves the transaction, and every lock it took, open until whatever it runs next on that connection ends it: golang-migrate, for one, commits it along with its own schema_migrations update. Either way the outcome depends on the runner, not on the migration. Files that a migration tool wraps in its own transaction are not flagged: there PostgreSQL ignores the BEGIN (no-nested-transaction reports it) and the tool\'s COMMIT ends the transaction.',
      instead: 'Close every BEGIN with COMMIT in the same file.',
      bad: 'BEGIN;\nALTER TABLE orders ADD COLUMN note text;',
      good: 'BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;',
      references: [
        'https://www.postgresql.org/docs/current/sql-begin.html',
        'https://www.postgresql.org/docs/current/sql-commit.html',
        'https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-MULTI-STATEMENT',
      ],
      pgVersions: 'All versions.',
      prevents: 'a migration silently rolled back, or its locks held after it ends',
    },
  },
  create(context) {
    return {
      onFileEnd() {
        const { transaction } = context;
        if (!transaction.inTransaction || !transaction.explicit || transaction.openedAt === undefined) return;
        if (wrapsEachFile(context.environment.transactionMode)) return;
        const opener = context.statements[transaction.openedAt];
        if (opener) context.report({ messageId: 'uncommitted', helpId: 'help', statement: opener });
      },
    };
  },
});
