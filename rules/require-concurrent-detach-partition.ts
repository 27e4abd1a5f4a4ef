import { defineRule } from '../src/engine/rule.js';
import { displayName, relationFromRangeVar } from '../src/model/names.js';
import { asKind } from '../src/parse/node-types.js';

/** DETACH PARTITION ... CONCURRENTLY exists from PostgreSQL 14. */
const CONCURRENT_DETACH_SINCE = 14;

export default defineRule({
  id: 'require-concurrent-detach-partition',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      detachPartition:
        'DETACH PARTITION {{partition}} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on {{table}} and on {{partition}} (and on the DEFAULT partition, if there is one): every query that goes through {{table}} waits, and while the statement itself waits for the running ones to finish, every query on {{table}} that arrives after it queues behind it.',
      help:
        'Detach it without blocking queries on {{table}}, outside a transaction block: ALTER TABLE {{table}} DETACH PARTITION {{partition}} CONCURRENTLY; it holds only SHARE UPDATE EXCLUSIVE on {{table}}. PostgreSQL refuses CONCURRENTLY while {{table}} has a DEFAULT partition: then there is no non-blocking form, so keep lock_timeout short and retry. If the statement is interrupted, finish it with ALTER TABLE {{table}} DETACH PARTITION {{partition}} FINALIZE;',
    },
    docs: {
      summary: 'Requires ALTER TABLE ... DETACH PARTITION on an existing partitioned table to use CONCURRENTLY (PostgreSQL 14+).',
      why: 'A plain DETACH PARTITION takes an ACCESS EXCLUSIVE lock on the partitioned table and on the partition (and on the DEFAULT partition, if any). Every query through the partitioned table (and every INSERT into one of its partitions) locks the partitioned table, so the statement waits for all of them to finish, and every such query that arrives meanwhile queues behind it: reads and writes of the whole partitioned table stop. DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14) takes only SHARE UPDATE EXCLUSIVE on the partitioned table, waits for the queries that use it in a second transaction, and then takes ACCESS EXCLUSIVE on the partition alone.',
      instead: 'ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY, in a migration that runs outside a transaction block. It is not allowed when the partitioned table has a DEFAULT partition. If it is interrupted, the partition stays marked as being detached: complete it with DETACH PARTITION ... FINALIZE.',
      bad: 'ALTER TABLE measurements DETACH PARTITION measurements_2023;',
      good: 'ALTER TABLE measurements DETACH PARTITION measurements_2023 CONCURRENTLY;',
      references: [
        'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DETACH-PARTITION',
        'https://www.postgresql.org/docs/current/ddl-partitioning.html#DDL-PARTITIONING-DECLARATIVE-MAINTENANCE',
      ],
      pgVersions: 'PostgreSQL 14 and later. Before 14 there is no concurrent form, so the rule stays silent: the statement itself is quick (no scan), and waiting for the ACCESS EXCLUSIVE lock is what require-lock-timeout guards against.',
      prevents: 'ACCESS EXCLUSIVE on the whole partitioned table',
    },
  },
  create(context) {
    return {
      AlterTableStmt(alter) {
        if (context.pgVersion < CONCURRENT_DETACH_SINCE || !alter.relation || alter.objtype !== 'OBJECT_TABLE') return;
        const relation = relationFromRangeVar(alter.relation);
        if (!context.isExistingTable(relation)) return;
        for (const command of alter.cmds ?? []) {
          const cmd = asKind(command, 'AlterTableCmd');
          const partition = asKind(cmd?.def, 'PartitionCmd');
          if (cmd?.subtype !== 'AT_DetachPartition' || !partition?.name || partition.concurrent) continue;
          context.report({
            messageId: 'detachPartition',
            helpId: 'help',
            at: partition.name.location,
            data: { table: displayName(relation), partition: displayName(relationFromRangeVar(partition.name)) },
          });
        }
      },
    };
  },
});
