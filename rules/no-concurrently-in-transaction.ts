import { defineRule } from '../src/engine/rule.js';
import { isOptionEnabled } from '../src/parse/node-types.js';

export default defineRule({
  id: 'no-concurrently-in-transaction',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      explicitTransaction:
        'PostgreSQL rejects {{command}} inside a transaction block ("cannot run inside a transaction block"): this statement runs inside the transaction opened on line {{line}}, so the migration fails.',
      wrappedByTool:
        'PostgreSQL rejects {{command}} inside a transaction block ("cannot run inside a transaction block"), and this file runs inside the transaction its migration tool wraps around each file, so the migration fails.',
      implicitTransaction:
        'PostgreSQL rejects {{command}} inside a transaction block ("cannot run inside a transaction block"), and the migration tool sends this whole file as one query, which PostgreSQL runs as one implicit transaction because the file holds more than one statement.',
      insideBlock:
        'PostgreSQL rejects {{command}} inside a DO block or function ("cannot be executed from a function"), since a block always runs inside a transaction, so the migration fails.',
      help: 'Move {{command}} to a migration of its own that runs outside a transaction block (most tools have a per-file switch to turn the wrapping transaction off).',
    },
    docs: {
      summary: 'Disallows CONCURRENTLY operations inside a transaction block, where PostgreSQL rejects them.',
      why: 'CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY and DETACH PARTITION CONCURRENTLY commit several transactions of their own, so PostgreSQL refuses to run them inside a transaction block: the migration fails with "cannot run inside a transaction block". That includes the transaction a migration tool wraps around each file.',
      instead: 'Put the concurrent statement in a migration of its own that the tool runs outside a transaction, and keep no BEGIN/COMMIT around it.',
      bad: 'BEGIN;\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nCOMMIT;',
      good: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
      references: [
        'https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY',
        'https://www.postgresql.org/docs/current/sql-dropindex.html',
        'https://www.postgresql.org/docs/current/sql-reindex.html',
      ],
      pgVersions: 'All versions. REINDEX CONCURRENTLY exists from PostgreSQL 12, DETACH PARTITION CONCURRENTLY from 14.',
      prevents: 'a migration that fails: PostgreSQL rejects CONCURRENTLY in a transaction',
    },
  },
  create(context) {
    const check = (command: string): void => {
      const { transaction } = context;
      if (!transaction.inTransaction) return;
      if (context.statement.insideBlock !== undefined) {
        context.report({ messageId: 'insideBlock', helpId: 'help', data: { command } });
        return;
      }
      if (transaction.explicit && transaction.openedAt !== undefined) {
        const opener = context.statements[transaction.openedAt];
        const line = opener ? context.lineOf(opener.range.start) : 1;
        context.report({ messageId: 'explicitTransaction', helpId: 'help', data: { command, line } });
      } else if (context.environment.transactionMode === 'implicit') {
        context.report({ messageId: 'implicitTransaction', helpId: 'help', data: { command } });
      } else {
        context.report({ messageId: 'wrappedByTool', helpId: 'help', data: { command } });
      }
    };
    return {
      IndexStmt(index) {
        if (index.concurrent) check('CREATE INDEX CONCURRENTLY');
      },
      DropStmt(drop) {
        if (drop.concurrent && drop.removeType === 'OBJECT_INDEX') check('DROP INDEX CONCURRENTLY');
      },
      ReindexStmt(reindex) {
        if (isOptionEnabled(reindex.params, 'concurrently')) check('REINDEX CONCURRENTLY');
      },
      PartitionCmd(partition, path) {
        const command = path.ancestors.at(-1);
        if (partition.concurrent && command?.kind === 'AlterTableCmd') check('DETACH PARTITION CONCURRENTLY');
      },
    };
  },
});
