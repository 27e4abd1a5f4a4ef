import { defineRule } from '../src/engine/rule.js';
import { wrapsEachFile } from '../src/model/session-state.js';

const BEGIN_KINDS = new Set(['TRANS_STMT_BEGIN', 'TRANS_STMT_START']);

export default defineRule({
  id: 'no-nested-transaction',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      insideExplicit:
        'A transaction is already open here (opened on line {{line}}): PostgreSQL ignores this BEGIN with the warning "there is already a transaction in progress", so the first COMMIT after it commits the outer transaction, and the statements that follow no longer run in the transaction meant to cover them.',
      insideToolTransaction:
        'The migration tool already runs this file inside a transaction: PostgreSQL ignores this BEGIN with the warning "there is already a transaction in progress", so a COMMIT in the file commits the tool\'s transaction early, the statements after it run outside any transaction, and a failure there leaves the migration half applied.',
      help: 'Remove the BEGIN (and its COMMIT) and let the one transaction cover the whole migration; to undo part of it on failure, use SAVEPOINT and ROLLBACK TO SAVEPOINT.',
      toolHelp:
        'Remove BEGIN and COMMIT from the file and let the tool\'s transaction cover it, or turn the tool\'s transaction off for this migration if it must manage its own transactions.',
    },
    docs: {
      summary: 'Disallows BEGIN inside a transaction that is already open, including the one a migration tool wraps around the file.',
      why: 'PostgreSQL has no nested transactions: BEGIN inside a transaction block only raises the warning "there is already a transaction in progress" and changes nothing. The COMMIT meant for the inner transaction then commits the outer one, so the statements after it run in autocommit mode, each committed on its own, and the final COMMIT only warns "there is no transaction in progress". A migration that fails in that tail stays half applied, and when a migration tool wraps the file in its own transaction, the tool records the migration in a transaction that no longer covers its changes. A BEGIN in a file that a tool sends as one multi-statement query is not flagged: there it turns the implicit transaction into an explicit one, without a warning.',
      instead: 'Keep one transaction per migration: remove the inner BEGIN and COMMIT (or, under a wrapping tool, every BEGIN and COMMIT), and use SAVEPOINT for partial rollback.',
      bad: 'BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nBEGIN;\nUPDATE orders SET note = \'\' WHERE id = 1;\nCOMMIT;\nALTER TABLE orders ALTER COLUMN note SET NOT NULL;\nCOMMIT;',
      good: 'BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nSAVEPOINT backfill;\nUPDATE orders SET note = \'\' WHERE id = 1;\nRELEASE SAVEPOINT backfill;\nALTER TABLE orders ALTER COLUMN note SET NOT NULL;\nCOMMIT;',
      references: [
        'https://www.postgresql.org/docs/current/sql-begin.html',
        'https://www.postgresql.org/docs/current/sql-savepoint.html',
        'https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-MULTI-STATEMENT',
      ],
      pgVersions: 'All versions.',
      prevents: 'a migration committed early and left half applied when it fails',
    },
  },
  create(context) {
    return {
      TransactionStmt(transactionStmt) {
        const { transaction, statement } = context;
        if (!transactionStmt.kind || !BEGIN_KINDS.has(transactionStmt.kind) || !transaction.inTransaction) return;
        if (statement.insideBlock !== undefined) return;
        // Under a wrapping tool the transaction is always the tool's: an earlier BEGIN in the file was ignored too.
        if (wrapsEachFile(context.environment.transactionMode)) {
          context.report({ messageId: 'insideToolTransaction', helpId: 'toolHelp' });
        } else if (transaction.explicit && transaction.openedAt !== undefined) {
          const opener = context.statements[transaction.openedAt];
          context.report({ messageId: 'insideExplicit', helpId: 'help', data: { line: opener ? context.lineOf(opener.range.start) : 1 } });
        }
      },
    };
  },
});
