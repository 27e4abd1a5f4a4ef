import { defineRule } from '../src/engine/rule.js';
import { displayName, relationFromNameList, relationFromRangeVar, type RelationName } from '../src/model/names.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

export default defineRule({
  id: 'no-concurrent-index-if-not-exists',
  meta: {
    severity: 'warning',
    presets: ['recommended', 'strict'],
    messages: {
      invalidIndexKept:
        'CREATE {{unique}}INDEX CONCURRENTLY IF NOT EXISTS {{index}} also skips an index of that name that a failed earlier attempt left INVALID (on lock_timeout, a deadlock, a cancel{{duplicate}}): the retry succeeds and the migration is recorded as done, while {{table}} keeps an index no query uses{{uniqueness}}.',
      help: 'Drop what a failed attempt may have left just before building the index, and build it without IF NOT EXISTS, so that a name another index holds fails loudly:\n  DROP INDEX CONCURRENTLY IF EXISTS {{index}};\n  CREATE {{unique}}INDEX CONCURRENTLY {{index}} ON {{table}} (...);',
      oneQueryHelp:
        'Build the index without IF NOT EXISTS, alone in its file as now: a retry after a failed build then fails on the INVALID index the build left ("relation already exists") instead of keeping it. Drop that index before the retry, by hand or alone in a migration file of its own, since the tool sends a file as one query and two statements in one make a transaction block, which CONCURRENTLY refuses:\n  DROP INDEX CONCURRENTLY IF EXISTS {{index}};\n  CREATE {{unique}}INDEX CONCURRENTLY {{index}} ON {{table}} (...);',
    },
    docs: {
      summary: 'Warns about CREATE INDEX CONCURRENTLY IF NOT EXISTS, whose retry keeps the INVALID index a failed build left behind.',
      why: 'A concurrent index build that fails (lock_timeout while it waits for older transactions, a deadlock, a statement cancelled, a duplicate key for a unique index) does not remove its index: PostgreSQL leaves it behind marked INVALID, ignored by every query but still updated on every write. The migration tool records the migration as failed and runs it again on the next deploy; IF NOT EXISTS then finds the name taken and skips the statement with a notice, without looking at the index. The migration is recorded as done, and the table keeps an index that serves no query and, for a unique index, enforces nothing. Seen on PostgreSQL 18: with lock_timeout at 500ms and another session\'s transaction open, CREATE INDEX CONCURRENTLY failed ("canceling statement due to lock timeout", as it waits for older transactions) and left its index invalid; the retry with IF NOT EXISTS succeeded and the index stayed invalid. After a failed CREATE UNIQUE INDEX CONCURRENTLY, the same retry succeeded and a duplicate was then inserted. So the lock_timeout require-lock-timeout asks for makes such failures more likely, and a retry is safe only when the leftover is dropped first. Not reported: a DROP INDEX of the same name earlier in the migration; tables the migrations created and did not deploy yet.',
      instead: 'Drop the index first if it exists (DROP INDEX CONCURRENTLY IF EXISTS), then CREATE INDEX CONCURRENTLY without IF NOT EXISTS.',
      bad: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_idx ON orders (customer_id);',
      good: 'DROP INDEX CONCURRENTLY IF EXISTS orders_customer_idx;\nCREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);',
      references: [
        'https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY',
        'https://www.postgresql.org/docs/current/sql-dropindex.html',
      ],
      pgVersions: 'PostgreSQL 9.5 and later (IF NOT EXISTS for CREATE INDEX). Checked on PostgreSQL 18.',
      prevents: 'a retried migration that leaves an invalid index, and no uniqueness where it asked for it',
    },
  },
  create(context) {
    /** Index names a DROP INDEX of the migration dropped so far, and those reported: a later build of the name adds nothing. */
    const dropped: RelationName[] = [];
    const seen = new Set<string>();
    return {
      DropStmt(drop) {
        if (drop.removeType !== 'OBJECT_INDEX') return;
        for (const object of drop.objects ?? []) {
          const index = relationFromNameList(object);
          if (index) dropped.push(index);
        }
      },
      IndexStmt(index) {
        if (!index.concurrent || !index.if_not_exists || !index.idxname || !index.relation) return;
        const table = relationFromRangeVar(index.relation);
        const name = index.idxname;
        // Once per name: a second build of it in the migration finds the first one's index, or never runs.
        const droppedFirst = dropped.some((drop) => drop.name === name && (drop.schema === undefined || table.schema === undefined || drop.schema === table.schema));
        if (droppedFirst || seen.has(name) || !context.isExistingTable(table)) return;
        seen.add(name);
        const unique = index.unique === true;
        context.report({
          messageId: 'invalidIndexKept',
          helpId: context.environment.transactionMode === 'implicit' ? 'oneQueryHelp' : 'help',
          data: {
            unique: unique ? 'UNIQUE ' : '',
            index: quoteIdentifier(name),
            table: displayName(table),
            duplicate: unique ? ', a duplicate key' : '',
            uniqueness: unique ? ' and enforces no uniqueness' : '',
          },
        });
      },
    };
  },
});
