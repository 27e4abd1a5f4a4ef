import type { IndexStmt } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { displayName, relationFromRangeVar, relationKey } from '../src/model/names.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';
import { asKind } from '../src/parse/node-types.js';

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
      helpNeedsIndex:
        'Refresh it with REFRESH MATERIALIZED VIEW CONCURRENTLY {{view}};, which holds only an EXCLUSIVE lock and lets SELECTs continue. CONCURRENTLY needs a UNIQUE index on {{view}} over plain columns, with no WHERE clause and no expressions; lockwise cannot yet tell whether a view created before this migration has one, so if {{view}} has none, create one first: CREATE UNIQUE INDEX CONCURRENTLY <name> ON {{view}} (<key columns>);',
      noDataHelp:
        'To keep {{view}} readable, refresh it with data (REFRESH MATERIALIZED VIEW CONCURRENTLY {{view}}; CONCURRENTLY cannot be combined with WITH NO DATA). To retire the view, release code that no longer reads it first, then DROP MATERIALIZED VIEW {{view}};',
    },
    docs: {
      summary: 'Requires REFRESH MATERIALIZED VIEW on an existing view to use CONCURRENTLY, and disallows WITH NO DATA on it.',
      why: 'A plain REFRESH MATERIALIZED VIEW takes an ACCESS EXCLUSIVE lock on the view and holds it while the view\'s whole query runs again, so every SELECT from the view waits, for as long as the query takes. REFRESH ... CONCURRENTLY computes the new contents beside the old ones and applies the difference under an EXCLUSIVE lock, which lets SELECTs continue. It needs at least one UNIQUE index on the view that uses only column names and has no WHERE clause, and a view that is already populated. REFRESH ... WITH NO DATA is quick, but it leaves the view unpopulated: every query that reads it then fails until it is refreshed again.',
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
    /** Unique indexes this file creates that REFRESH ... CONCURRENTLY can use, by the view they index. */
    const usableIndexes = new Map<string, { name: string; offset: number }>();

    return {
      IndexStmt(index) {
        if (!index.relation || !index.idxname || !isUsableForConcurrentRefresh(index)) return;
        const key = relationKey(relationFromRangeVar(index.relation));
        if (!usableIndexes.has(key)) usableIndexes.set(key, { name: index.idxname, offset: context.statement.range.start });
      },
      RefreshMatViewStmt(refresh) {
        if (refresh.concurrent || !refresh.relation) return;
        const relation = relationFromRangeVar(refresh.relation);
        if (!context.isExistingTable(relation)) return;
        const view = displayName(relation);
        if (refresh.skipData) {
          context.report({ messageId: 'refreshWithNoData', helpId: 'noDataHelp', at: refresh.relation.location, data: { view } });
          return;
        }
        const index = usableIndexes.get(relationKey(relation));
        context.report({
          messageId: 'refresh',
          helpId: index ? 'helpWithIndex' : 'helpNeedsIndex',
          at: refresh.relation.location,
          data: index ? { view, index: quoteIdentifier(index.name), line: context.lineOf(index.offset) } : { view },
        });
      },
    };
  },
});

/** "At least one UNIQUE index on the materialized view which uses only column names and includes all rows." */
function isUsableForConcurrentRefresh(index: IndexStmt): boolean {
  if (!index.unique || index.whereClause) return false;
  const columns = (index.indexParams ?? []).map((param) => asKind(param, 'IndexElem'));
  return columns.length > 0 && columns.every((column) => column?.name !== undefined && column.expr === undefined);
}
