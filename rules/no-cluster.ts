import { defineRule } from '../src/engine/rule.js';
import { displayName, relationFromRangeVar } from '../src/model/names.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

export default defineRule({
  id: 'no-cluster',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      cluster:
        'CLUSTER {{table}}{{using}} rewrites the whole table in index order and rebuilds all its indexes while holding an ACCESS EXCLUSIVE lock: no reads or writes of {{table}} until it finishes, and it needs disk space for a second copy of the table and its indexes.',
      clusterAll:
        'CLUSTER without a table name rewrites every table of the database that was clustered before, one after another, each under an ACCESS EXCLUSIVE lock for the whole rewrite: each table in turn accepts no reads or writes.',
      help:
        'Do not cluster from a migration. To reorder a table online, run pg_repack (with --order-by, or it follows the index marked with ALTER TABLE ... CLUSTER ON) outside the migration; the order decays again as rows are updated.',
    },
    docs: {
      summary: 'Disallows CLUSTER on existing tables.',
      why: 'CLUSTER writes a new copy of the table sorted by an index, then rebuilds every index, holding an ACCESS EXCLUSIVE lock for the whole operation: nothing can read or write the table until it finishes, which for a large table means minutes to hours. It needs free disk space for the copy and its indexes. Without a table name it does this to every table clustered before. ALTER TABLE ... CLUSTER ON only marks the index to use and rewrites nothing; this rule does not flag it.',
      instead: 'Use pg_repack, which rebuilds a table in index order online and locks it only briefly, run by an operator rather than by a migration. Often an index that matches the queries is enough, without any physical reordering.',
      bad: 'CLUSTER events USING events_created_at_idx;',
      good: 'ALTER TABLE events CLUSTER ON events_created_at_idx;',
      references: [
        'https://www.postgresql.org/docs/current/sql-cluster.html',
        'https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES',
      ],
      pgVersions: 'All versions.',
      prevents: 'table rewrite under ACCESS EXCLUSIVE',
    },
  },
  create(context) {
    return {
      ClusterStmt(cluster) {
        if (!cluster.relation) {
          context.report({ messageId: 'clusterAll', helpId: 'help' });
          return;
        }
        const relation = relationFromRangeVar(cluster.relation);
        if (!context.isExistingTable(relation)) return;
        const using = cluster.indexname ? ` USING ${quoteIdentifier(cluster.indexname)}` : '';
        context.report({ messageId: 'cluster', helpId: 'help', at: cluster.relation.location, data: { table: displayName(relation), using } });
      },
    };
  },
});
