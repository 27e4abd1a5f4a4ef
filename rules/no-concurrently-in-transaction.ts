import { defineRule } from '../src/engine/rule.js';
import { isOptionEnabled } from '../src/parse/node-types.js';
import { REFUSED_IN_TRANSACTION_MESSAGES, reportIfInTransaction } from '../src/engine/transaction-block.js';

export default defineRule({
  id: 'no-concurrently-in-transaction',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: REFUSED_IN_TRANSACTION_MESSAGES,
    docs: {
      summary: 'Disallows CONCURRENTLY operations inside a transaction block, where PostgreSQL rejects them.',
      why: 'CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY and DETACH PARTITION CONCURRENTLY commit several transactions of their own, so PostgreSQL refuses to run them inside a transaction block: the migration fails with "cannot run inside a transaction block". That includes the transaction a migration tool wraps around each file; the Supabase CLI (2.109 and later) is the exception, since it takes CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY and REINDEX ... CONCURRENTLY out of its transaction and runs them alone, and lockwise follows it. The other statements PostgreSQL refuses in a transaction block (VACUUM, REINDEX SCHEMA, CREATE DATABASE and more) are covered by no-non-transactional-statement-in-transaction.',
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
    const check = (command: string): void => reportIfInTransaction(context, command);
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
