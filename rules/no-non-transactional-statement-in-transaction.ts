import type { Node, RangeVar } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { REFUSED_IN_TRANSACTION_MESSAGES, reportIfInTransaction, wrappedUnit } from '../src/engine/transaction-block.js';
import { displayName, relationFromRangeVar, type RelationName } from '../src/model/names.js';
import { asKind, isOptionEnabled } from '../src/parse/node-types.js';

/** From these versions PostgreSQL can REINDEX and CLUSTER a partitioned table, one partition per transaction. */
const REINDEX_PARTITIONED_SINCE = 14;
const CLUSTER_PARTITIONED_SINCE = 15;

const REINDEX_KINDS_REFUSED = { REINDEX_OBJECT_SCHEMA: 'REINDEX SCHEMA', REINDEX_OBJECT_DATABASE: 'REINDEX DATABASE', REINDEX_OBJECT_SYSTEM: 'REINDEX SYSTEM' } as const;

export default defineRule({
  id: 'no-non-transactional-statement-in-transaction',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      ...REFUSED_IN_TRANSACTION_MESSAGES,
      blockTransactionControl:
        'This DO block runs {{command}}, which PostgreSQL allows only in a block that runs outside a transaction block ("invalid transaction termination"); it runs inside {{transaction}}, so the migration fails.',
      blockTransactionControlHelp:
        'Run the block in a migration of its own that runs outside a transaction block, so that each {{command}} ends one batch; or drop the {{command}} and let the migration\'s transaction cover the whole block.',
    },
    docs: {
      summary: 'Disallows VACUUM, REINDEX SCHEMA/DATABASE/SYSTEM, CREATE/DROP DATABASE, ALTER SYSTEM, a DO block that commits, and the other statements PostgreSQL refuses inside a transaction block.',
      why: 'Some statements commit transactions of their own or change things a transaction cannot undo (files, other databases, the server configuration), so PostgreSQL refuses them inside a transaction block with "cannot run inside a transaction block": VACUUM; REINDEX SCHEMA, DATABASE and SYSTEM; REINDEX and CLUSTER of a partitioned table (PostgreSQL 14 and 15 onwards), CLUSTER without a table; CREATE and DROP DATABASE, ALTER DATABASE ... SET TABLESPACE; CREATE and DROP TABLESPACE; ALTER SYSTEM; CREATE SUBSCRIPTION when it creates a replication slot; DISCARD ALL. A DO block may COMMIT or ROLLBACK (to backfill in batches, each committed) only when it runs outside a transaction block, else it fails with "invalid transaction termination". That includes the transaction a migration tool wraps around each file, and a multi-statement file sent as one query. The migration fails at deploy time, after the earlier migrations of the same deploy have run. CONCURRENTLY operations are covered by no-concurrently-in-transaction.',
      instead: 'Put the statement in a migration of its own that the tool runs outside a transaction, or run it outside the migrations (maintenance such as VACUUM usually belongs to a scheduled job, not a deploy).',
      bad: 'BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nVACUUM ANALYZE orders;\nCOMMIT;',
      good: "BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;\nVACUUM ANALYZE orders;",
      references: [
        'https://www.postgresql.org/docs/current/sql-vacuum.html',
        'https://www.postgresql.org/docs/current/sql-reindex.html',
        'https://www.postgresql.org/docs/current/sql-cluster.html',
        'https://www.postgresql.org/docs/current/sql-createdatabase.html',
        'https://www.postgresql.org/docs/current/sql-altersystem.html',
        'https://www.postgresql.org/docs/current/sql-do.html',
        'https://www.postgresql.org/docs/current/sql-createsubscription.html',
      ],
      pgVersions: 'All versions. REINDEX of a partitioned table exists from PostgreSQL 14, CLUSTER of one from 15; both refuse a transaction block.',
      prevents: 'a migration that fails: PostgreSQL rejects the statement in a transaction',
    },
  },
  create(context) {
    const check = (command: string): void => reportIfInTransaction(context, command);
    const isPartitioned = (relation: RelationName | undefined): boolean =>
      relation !== undefined && context.schema.table(relation)?.kind === 'partitioned table';
    const partitioned = (rangeVar: RangeVar | undefined): string | undefined =>
      rangeVar && isPartitioned(relationFromRangeVar(rangeVar)) ? displayName(relationFromRangeVar(rangeVar)) : undefined;

    return {
      VacuumStmt(vacuum) {
        if (vacuum.is_vacuumcmd) check('VACUUM');
      },
      ReindexStmt(reindex) {
        // REINDEX ... CONCURRENTLY is no-concurrently-in-transaction's.
        if (isOptionEnabled(reindex.params, 'concurrently') || !reindex.kind) return;
        if (reindex.kind in REINDEX_KINDS_REFUSED) {
          check(REINDEX_KINDS_REFUSED[reindex.kind as keyof typeof REINDEX_KINDS_REFUSED]);
        } else if (context.pgVersion >= REINDEX_PARTITIONED_SINCE && reindex.relation) {
          const relation = relationFromRangeVar(reindex.relation);
          const onIndex = reindex.kind === 'REINDEX_OBJECT_INDEX';
          const table = onIndex ? context.schema.indexTable(relation) : relation;
          if (isPartitioned(table)) check(`REINDEX ${onIndex ? 'INDEX' : 'TABLE'} of the partitioned ${onIndex ? 'index' : 'table'} ${displayName(relation)}`);
        }
      },
      ClusterStmt(cluster) {
        if (!cluster.relation) check('CLUSTER without a table');
        else if (context.pgVersion >= CLUSTER_PARTITIONED_SINCE && partitioned(cluster.relation)) check(`CLUSTER of the partitioned table ${partitioned(cluster.relation)}`);
      },
      CreatedbStmt: () => check('CREATE DATABASE'),
      DropdbStmt: () => check('DROP DATABASE'),
      AlterDatabaseStmt(alter) {
        if (alter.options?.some((node) => asKind(node, 'DefElem')?.defname === 'tablespace')) check('ALTER DATABASE ... SET TABLESPACE');
      },
      CreateTableSpaceStmt: () => check('CREATE TABLESPACE'),
      DropTableSpaceStmt: () => check('DROP TABLESPACE'),
      AlterSystemStmt: () => check('ALTER SYSTEM'),
      CreateSubscriptionStmt(subscription) {
        if (!isTurnedOff(subscription.options, 'connect') && !isTurnedOff(subscription.options, 'create_slot')) check('CREATE SUBSCRIPTION that creates a replication slot');
      },
      DiscardStmt(discard) {
        if (discard.target === 'DISCARD_ALL') check('DISCARD ALL');
      },
      DoStmt() {
        const command = context.statement.transactionControl;
        const { transaction } = context;
        if (!command || !transaction.inTransaction || context.statement.insideBlock !== undefined) return;
        const opener = transaction.explicit && transaction.openedAt !== undefined ? context.statements[transaction.openedAt] : undefined;
        const where = opener
          ? `the transaction opened on line ${context.lineOf(opener.range.start)}`
          : context.environment.transactionMode === 'implicit'
            ? 'the implicit transaction PostgreSQL runs a multi-statement query in'
            : `the transaction its migration tool wraps around each ${wrappedUnit(context)}`;
        context.report({ messageId: 'blockTransactionControl', helpId: 'blockTransactionControlHelp', data: { command, transaction: where } });
      },
    };
  },
});

/** An option given and set to false; options left out keep PostgreSQL's default of true. */
function isTurnedOff(options: Node[] | undefined, name: string): boolean {
  return (options ?? []).some((node) => asKind(node, 'DefElem')?.defname === name) && !isOptionEnabled(options, name);
}
