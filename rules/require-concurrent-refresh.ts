import { defineRule } from '../src/engine/rule.js';
import { displayName, relationFromRangeVar } from '../src/model/names.js';
import type { IndexInfo } from '../src/model/schema-model.js';
import { indexName } from '../src/model/schema-objects.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

export default defineRule({
  id: 'require-concurrent-refresh',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      refresh:
        'REFRESH MATERIALIZED VIEW {{view}} holds an ACCESS EXCLUSIVE lock on {{view}} while it runs the whole query again: every read of {{view}} waits until the refresh finishes.',
      refreshWithNoData:
        'REFRESH MATERIALIZED VIEW {{view}} WITH NO DATA empties {{view}} and leaves it unpopulated: from then on every query that reads it fails with "materialized view ... has not been populated", until a full REFRESH runs.',
      helpWithIndex:
        '{{view}} has the unique index {{index}} (line {{line}}), so it can be refreshed without blocking reads: REFRESH MATERIALIZED VIEW CONCURRENTLY {{view}}; it holds only an EXCLUSIVE lock, which lets SELECTs continue.',
      helpWithEarlierIndex:
        '{{view}} has the unique index {{index}} (created in {{migration}}), so it can be refreshed without blocking reads: REFRESH MATERIALIZED VIEW CONCURRENTLY {{view}}; it holds only an EXCLUSIVE lock, which lets SELECTs continue.',
      helpNeedsIndex:
        'Refresh it with REFRESH MATERIALIZED VIEW CONCURRENTLY {{view}};, which holds only an EXCLUSIVE lock and lets SELECTs continue. CONCURRENTLY needs a UNIQUE index on {{view}} over plain columns, with no WHERE clause and no expressions; {{indexKnowledge}}, so create one first: CREATE UNIQUE INDEX CONCURRENTLY <name> ON {{view}} (<key columns>);',
      concurrentWithoutUniqueIndex:
        'REFRESH MATERIALIZED VIEW CONCURRENTLY {{view}} fails ("cannot refresh materialized view ... concurrently"): CONCURRENTLY needs a UNIQUE index on {{view}} over plain columns, with no WHERE clause and no expressions, and none of the indexes its migrations created is one.',
      concurrentUnpopulated:
        'REFRESH MATERIALIZED VIEW CONCURRENTLY {{view}} fails ("CONCURRENTLY cannot be used when the materialized view is not populated"): {{view}} was left without data by {{emptiedBy}}.',
      createIndexHelp: 'Create the index first, in this migration or an earlier one: CREATE UNIQUE INDEX CONCURRENTLY <name> ON {{view}} (<key columns>);',
      populateHelp: 'Fill it once with a plain REFRESH MATERIALIZED VIEW {{view}}; (while nothing reads it yet, or accepting that readers wait); refreshes after that can be CONCURRENTLY.',
      noDataHelp:
        'To keep {{view}} readable, refresh it with data (REFRESH MATERIALIZED VIEW CONCURRENTLY {{view}}; CONCURRENTLY cannot be combined with WITH NO DATA). To retire the view, release code that no longer reads it first, then DROP MATERIALIZED VIEW {{view}};',
    },
    docs: {
      summary: 'Requires REFRESH MATERIALIZED VIEW on an existing view to use CONCURRENTLY, disallows WITH NO DATA on it, and flags a CONCURRENTLY refresh that would fail.',
      why: 'A plain REFRESH MATERIALIZED VIEW takes an ACCESS EXCLUSIVE lock on the view and holds it while the view\'s whole query runs again, so every SELECT from the view waits, for as long as the query takes. REFRESH ... CONCURRENTLY computes the new contents beside the old ones and applies the difference under an EXCLUSIVE lock, which lets SELECTs continue. It needs at least one UNIQUE index on the view that uses only column names and has no WHERE clause, and a view that is already populated. REFRESH ... WITH NO DATA is quick, but it leaves the view unpopulated: every query that reads it then fails until it is refreshed again. When the migrations created the view, lockwise also knows its indexes and whether it holds data, and flags a REFRESH ... CONCURRENTLY that PostgreSQL would refuse: on a view with no usable unique index, or one created or last refreshed WITH NO DATA.',
      instead: 'Create a UNIQUE index on plain columns of the view (CREATE UNIQUE INDEX CONCURRENTLY ... ON view (key)) once, then refresh with REFRESH MATERIALIZED VIEW CONCURRENTLY. A concurrent refresh is slower when most rows change; it still never blocks readers.',
      bad: 'REFRESH MATERIALIZED VIEW daily_revenue;',
      good: 'REFRESH MATERIALIZED VIEW CONCURRENTLY daily_revenue;',
      references: [
        'https://www.postgresql.org/docs/current/sql-refreshmaterializedview.html',
        'https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES',
      ],
      pgVersions: 'CONCURRENTLY exists from PostgreSQL 9.4, in every version lockwise supports.',
      prevents: 'reads of the materialized view blocked for the whole refresh; queries failing on an unpopulated view',
    },
  },
  create(context) {
    /** Where this file creates indexes, for the help to point at. */
    const createdHere = new Map<string, number>();

    return {
      IndexStmt(index) {
        if (index.relation) createdHere.set(indexName(index), context.statement.range.start);
      },
      RefreshMatViewStmt(refresh) {
        if (!refresh.relation) return;
        const relation = relationFromRangeVar(refresh.relation);
        const view = displayName(relation);
        const known = context.schema.table(relation);
        const indexes = context.schema.indexesOn(relation);
        const usable = indexes.find(isUsableForConcurrentRefresh);
        // A view the migrations created has no index they did not create.
        const allIndexesKnown = known?.kind === 'materialized view';
        if (refresh.concurrent) {
          if (!known || known.kind !== 'materialized view') return;
          if (known.populated === false) {
            const emptiedBy = known.createdIn === context.filePath ? 'its CREATE MATERIALIZED VIEW ... WITH NO DATA or a REFRESH ... WITH NO DATA in this migration' : `CREATE MATERIALIZED VIEW ... WITH NO DATA or REFRESH ... WITH NO DATA (last in ${known.createdIn} or later)`;
            context.report({ messageId: 'concurrentUnpopulated', helpId: 'populateHelp', at: refresh.relation.location, data: { view, emptiedBy } });
          } else if (!usable && allIndexesKnown) {
            context.report({ messageId: 'concurrentWithoutUniqueIndex', helpId: 'createIndexHelp', at: refresh.relation.location, data: { view } });
          }
          return;
        }
        if (!context.isExistingTable(relation)) return;
        if (refresh.skipData) {
          context.report({ messageId: 'refreshWithNoData', helpId: 'noDataHelp', at: refresh.relation.location, data: { view } });
          return;
        }
        const at = refresh.relation.location;
        if (usable) {
          const index = quoteIdentifier(usable.name.name);
          const offset = usable.createdIn === context.filePath ? createdHere.get(usable.name.name) : undefined;
          if (offset !== undefined) context.report({ messageId: 'refresh', helpId: 'helpWithIndex', at, data: { view, index, line: context.lineOf(offset) } });
          else context.report({ messageId: 'refresh', helpId: 'helpWithEarlierIndex', at, data: { view, index, migration: usable.createdIn } });
          return;
        }
        const indexKnowledge = allIndexesKnown ? `none of the indexes its migrations created on ${view} is one` : `lockwise has not seen ${view} created, so it cannot tell whether it has one`;
        context.report({ messageId: 'refresh', helpId: 'helpNeedsIndex', at, data: { view, indexKnowledge } });
      },
    };
  },
});

/** "At least one UNIQUE index on the materialized view which uses only column names and includes all rows." */
function isUsableForConcurrentRefresh(index: IndexInfo): boolean {
  return index.unique && !index.partial && index.keyColumns !== undefined && index.keyColumns.length > 0;
}
