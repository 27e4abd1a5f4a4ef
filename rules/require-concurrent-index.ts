import { defineRule } from '../src/engine/rule.js';
import { emptiedBy } from '../src/engine/empty-tables.js';
import { outsideTransactionBlock, restOfTransaction } from '../src/engine/transaction-block.js';
import type { HeldLock } from '../src/engine/held-locks.js';
import { trafficLock } from '../src/knowledge/statement-locks.js';
import { dropsTable } from '../src/engine/alter-table-commands.js';
import { displayName, displayResolvedName, relationFromNameList, relationFromRangeVar, type RelationName } from '../src/model/names.js';
import type { TableInfo } from '../src/model/schema-model.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';
import { asKind } from '../src/parse/node-types.js';

/** Statements that do no work worth waiting for: transaction control, settings, comments. */
const QUICK_KINDS = new Set(['TransactionStmt', 'VariableSetStmt', 'VariableShowStmt', 'CommentStmt']);

export default defineRule({
  id: 'require-concurrent-index',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      createIndex:
        'CREATE INDEX without CONCURRENTLY holds a SHARE lock on {{table}} for the whole index build: every INSERT, UPDATE and DELETE on {{table}} waits until {{until}}.',
      createIndexUnderAccessExclusive:
        'CREATE INDEX without CONCURRENTLY builds the index while the transaction holds an ACCESS EXCLUSIVE lock on {{table}} (taken on line {{line}}, and held until it commits): no reads or writes of {{table}} until the build finishes and the transaction commits.',
      createIndexHelp:
        '{{outOfBlock}}Build it without blocking writes, {{outside}}: CREATE {{unique}}INDEX CONCURRENTLY {{index}} ON {{table}} ...; if the build fails it leaves an INVALID index: drop it with DROP INDEX CONCURRENTLY and retry.',
      dropIndex:
        '{{ifItExists}}DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on {{lockedTable}}: it waits behind every running query on that table and blocks all reads and writes queued behind it.',
      dropIndexHelp:
        '{{outOfBlock}}Drop it without blocking, {{outside}}, one index per statement: DROP INDEX CONCURRENTLY {{ifExists}}{{index}};',
      dropIndexCascadeHelp:
        'CASCADE also drops what depends on the index, such as a foreign key of another table that uses it, and DROP INDEX CONCURRENTLY refuses CASCADE: drop those first (ALTER TABLE ... DROP CONSTRAINT, with a short lock_timeout), then, {{outOfBlockLower}}{{outside}}: DROP INDEX CONCURRENTLY {{ifExists}}{{index}};',
      concurrentCascade:
        'PostgreSQL refuses DROP INDEX CONCURRENTLY with CASCADE ("DROP INDEX CONCURRENTLY does not support CASCADE"): the migration fails here.',
      concurrentCascadeHelp:
        'Drop what depends on {{index}} first (a foreign key that uses it: ALTER TABLE ... DROP CONSTRAINT), then drop the index without CASCADE: DROP INDEX CONCURRENTLY {{ifExists}}{{index}};',
      createIndexOnPartitioned:
        'CREATE INDEX on partitioned table {{table}} holds a SHARE lock on {{table}} and on each of its partitions for the whole build: every INSERT, UPDATE and DELETE on any of them waits until the indexes of all partitions are built.',
      concurrentOnPartitioned:
        'PostgreSQL refuses CREATE INDEX CONCURRENTLY on partitioned table {{table}} ("cannot create index on partitioned table concurrently"): the migration fails here.',
      partitionedHelp:
        'Build it one partition at a time, without blocking writes:\n  CREATE {{unique}}INDEX {{ifNotExists}}{{index}} ON ONLY {{table}} (...);  -- instant; invalid until every partition has its index\n  -- then, outside a transaction block, for each partition ({{partitions}}):\n  CREATE {{unique}}INDEX CONCURRENTLY <partition>_idx ON <partition> (...);\n  ALTER INDEX {{index}} ATTACH PARTITION <partition>_idx;',
      dropPartitionedIndex:
        'DROP INDEX {{index}} drops the index of partitioned table {{table}} and of each partition, holding an ACCESS EXCLUSIVE lock on {{table}} and on every partition: it waits behind every running query on any of them and blocks all reads and writes queued behind it.',
      dropConcurrentlyPartitioned:
        'PostgreSQL refuses DROP INDEX CONCURRENTLY on {{index}}, the index of partitioned table {{table}} ("cannot drop partitioned index concurrently"): the migration fails here.',
      dropConstraintIndex:
        'PostgreSQL refuses to drop {{index}}: it enforces constraint {{constraint}} of {{table}} ("cannot drop index because constraint requires it"), so the migration fails here.',
      dropConstraintIndexHelp:
        'Drop the constraint, which drops its index with it, in a migration of its own with a short lock_timeout (it takes an ACCESS EXCLUSIVE lock on {{table}} for a moment): ALTER TABLE {{table}} DROP CONSTRAINT {{constraint}};',
      dropPartitionedHelp:
        'There is no non-blocking way to drop the index of a partitioned table: drop it in a migration of its own, with a short lock_timeout (and retries), at a quiet time: SET lock_timeout = \'2s\'; DROP INDEX {{ifExists}}{{index}};',
    },
    docs: {
      summary: 'Requires CREATE INDEX and DROP INDEX on existing tables to use CONCURRENTLY.',
      why: 'A plain CREATE INDEX takes a SHARE lock on the table for the whole build, which on a large table means minutes to hours in which every INSERT, UPDATE and DELETE waits. A plain DROP INDEX takes an ACCESS EXCLUSIVE lock on the table: short, but it waits behind any long-running query and everything queued behind it waits too. Not flagged: DROP INDEX of a table the transaction already holds ACCESS EXCLUSIVE (nothing new waits), or locks ACCESS EXCLUSIVE right after, with only quick statements or other DROP INDEXes between (as Prisma drops a unique index, then its column), or of a table the file drops later (CONCURRENTLY would gain nothing). DROP INDEX CONCURRENTLY with CASCADE is flagged as the failure it is. CREATE INDEX IF NOT EXISTS of an index the migrations built already builds nothing, and is not flagged (require-lock-timeout still sees its lock).',
      instead: 'Use CREATE INDEX CONCURRENTLY and DROP INDEX CONCURRENTLY, each in its own migration that does not run inside a transaction block. A failed concurrent build leaves an INVALID index behind: drop it concurrently and retry.',
      bad: 'CREATE INDEX users_email_idx ON users (email);',
      good: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
      references: [
        'https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY',
        'https://www.postgresql.org/docs/current/sql-dropindex.html',
      ],
      pgVersions: 'All supported versions. Partitioned tables cannot be indexed concurrently in one statement: create the index ON ONLY the parent, build each partition\'s index concurrently, and ATTACH them. When the migrations created the partitioned table, lockwise says so, flags CONCURRENTLY there as the failure it is, and names the partitions it knows; the index of a partitioned table cannot be dropped concurrently at all (checked on PostgreSQL 18).',
      prevents: 'SHARE lock (writes blocked) for the whole index build; ACCESS EXCLUSIVE for DROP INDEX',
    },
  },
  create(context) {
    // PostgreSQL refuses CONCURRENTLY in a DO block or function, which always runs in a transaction.
    const outOfBlock = (): string =>
      context.statement.insideBlock === undefined ? '' : 'Move it out of the DO block first, into a migration of its own (PostgreSQL refuses CONCURRENTLY inside a block). ';
    const isPartitioned = (relation: RelationName): boolean => context.schema.table(relation)?.kind === 'partitioned table';
    /** A lock on the table that the transaction holds for sure: under its own name, or under the one a RENAME gave it. */
    const accessExclusiveHeld = (table: RelationName): HeldLock | undefined =>
      context.heldLocks().find((held) => !held.claim.takenOnlyIf && trafficLock(held.claim) === 'ACCESS EXCLUSIVE' && context.schema.sameTable(held.table, table));
    /** Statements after this one in its transaction that do work: the build's lock stays held while they run. */
    const workFollows = (): boolean =>
      context.transaction.inTransaction && restOfTransaction(context, context.statement).some((later) => !QUICK_KINDS.has(later.kind) && later.insideBlock === undefined);
    const droppedLater = (table: RelationName): boolean => dropsTable(context.statements.slice(context.statement.index + 1), table, context.schema);
    /**
     * The transaction locks the table ACCESS EXCLUSIVE anyway, right after: only quick statements and other DROP INDEXes
     * come between (Prisma drops a column's unique index, then the column). Dropping concurrently would not spare a reader.
     */
    const accessExclusiveNext = (table: RelationName): boolean => {
      if (!context.transaction.inTransaction) return false;
      for (const later of restOfTransaction(context, context.statement)) {
        if (later.insideBlock !== undefined) return false;
        const takesAccessExclusive = context
          .locksOf(later)
          .some((claim) => claim.target === 'table' && !claim.takenOnlyIf && trafficLock(claim) === 'ACCESS EXCLUSIVE' && context.schema.sameTable(claim.relation, table));
        if (takesAccessExclusive) return true;
        if (!QUICK_KINDS.has(later.kind) && asKind(later.node, 'DropStmt')?.removeType !== 'OBJECT_INDEX') return false;
      }
      return false;
    };
    return {
      IndexStmt(index) {
        // ON ONLY builds nothing on a partitioned parent (an empty, invalid index that partitions' indexes attach to),
        // and PostgreSQL rejects CONCURRENTLY there: it is the first step of the safe procedure, not a hazard.
        if (!index.relation || !index.relation.inh) return;
        const relation = relationFromRangeVar(index.relation);
        const partitioned = isPartitioned(relation);
        if ((index.concurrent && !partitioned) || (!index.concurrent && !context.isExistingTable(relation))) return;
        // The index of a table the transaction proved empty is built at once.
        if (!index.concurrent && emptiedBy(context, relation)) return;
        // IF NOT EXISTS of a name the migrations gave already: PostgreSQL takes the lock, finds the name and builds nothing
        // (no-index-name-collision reports a name that another relation or index definition has).
        if (index.if_not_exists && index.idxname && context.schema.relationBesideTable(relation, index.idxname)) return;
        const data = {
          outOfBlock: outOfBlock(),
          outside: outsideTransactionBlock(context),
          table: displayName(relation),
          index: index.idxname ? quoteIdentifier(index.idxname) : '<name>',
          unique: index.unique ? 'UNIQUE ' : '',
          ifNotExists: index.if_not_exists ? 'IF NOT EXISTS ' : '',
          partitions: partitioned ? partitionList(context.schema.partitions(relation)) : '',
        };
        if (index.concurrent) context.report({ messageId: 'concurrentOnPartitioned', helpId: 'partitionedHelp', data });
        else if (partitioned) context.report({ messageId: 'createIndexOnPartitioned', helpId: 'partitionedHelp', data });
        else {
          // Reads wait too when an earlier statement locked the table ACCESS EXCLUSIVE: the build runs under that lock.
          const held = accessExclusiveHeld(relation);
          if (held) context.report({ messageId: 'createIndexUnderAccessExclusive', helpId: 'createIndexHelp', data: { ...data, line: context.lineOfLock(held) } });
          else context.report({ messageId: 'createIndex', helpId: 'createIndexHelp', data: { ...data, until: workFollows() ? 'the transaction commits, as the lock stays held through the statements after the build' : 'the build finishes' } });
        }
      },
      DropStmt(drop) {
        if (drop.removeType !== 'OBJECT_INDEX') return;
        const cascade = drop.behavior === 'DROP_CASCADE';
        if (drop.concurrent && cascade) {
          const index = relationFromNameList(drop.objects?.[0]);
          context.report({ messageId: 'concurrentCascade', helpId: 'concurrentCascadeHelp', data: { index: index ? displayName(index) : '<index>', ifExists: drop.missing_ok ? 'IF EXISTS ' : '' } });
          return;
        }
        for (const object of drop.objects ?? []) {
          const index = relationFromNameList(object);
          // IF EXISTS of an index the migrations dropped already does nothing.
          if (!index || (drop.missing_ok && context.schema.isGone(index, 'index'))) continue;
          const table = context.schema.indexTable(index);
          const constraint = context.schema.indexConstraint(index);
          if (table && constraint) {
            const data = { index: displayName(index), table: displayResolvedName(table), constraint: quoteIdentifier(constraint) };
            context.report({ messageId: 'dropConstraintIndex', helpId: 'dropConstraintIndexHelp', data });
            continue;
          }
          const partitioned = table !== undefined && isPartitioned(table);
          if (drop.concurrent && !partitioned) continue;
          if (!drop.concurrent && table && !context.isExistingTable(table)) continue;
          // Nothing new waits: the transaction holds the table ACCESS EXCLUSIVE already, takes it next, or drops the table.
          if (!drop.concurrent && table && (accessExclusiveHeld(table) !== undefined || accessExclusiveNext(table) || droppedLater(table))) continue;
          const data = {
            outOfBlock: outOfBlock(),
            outside: outsideTransactionBlock(context),
            index: displayName(index),
            ifExists: drop.missing_ok ? 'IF EXISTS ' : '',
            table: table ? displayName(table) : '',
            lockedTable: table ? `${displayName(table)}, the table of ${displayName(index)}` : `the table of ${displayName(index)}`,
            // IF EXISTS of an index no migration created: it may exist in databases older than the history.
            ifItExists: drop.missing_ok && !table ? `Where ${displayName(index)} exists (no migration lockwise read created it), ` : '',
          };
          if (drop.concurrent) context.report({ messageId: 'dropConcurrentlyPartitioned', helpId: 'dropPartitionedHelp', data });
          else if (partitioned) context.report({ messageId: 'dropPartitionedIndex', helpId: 'dropPartitionedHelp', data });
          else context.report({ messageId: 'dropIndex', helpId: cascade ? 'dropIndexCascadeHelp' : 'dropIndexHelp', data: { ...data, outOfBlockLower: outOfBlock() === '' ? '' : 'out of the DO block, ' } });
        }
      },
    };
  },
});

/** The partitions the migrations created or attached, for the help; a partitioned table may have more. */
function partitionList(partitions: TableInfo[]): string {
  if (partitions.length === 0) return 'none known yet';
  const names = partitions.map(({ name }) => displayResolvedName(name));
  return names.length > 6 ? `${names.slice(0, 6).join(', ')} and ${names.length - 6} more` : names.join(', ');
}
