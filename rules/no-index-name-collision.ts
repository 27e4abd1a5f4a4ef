import { defineRule } from '../src/engine/rule.js';
import { displayName, displayResolvedName, relationFromRangeVar } from '../src/model/names.js';
import type { IndexInfo } from '../src/model/schema-model.js';
import { indexName, indexStmtColumns, sameColumnSet, type IndexColumns } from '../src/model/schema-objects.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

export default defineRule({
  id: 'no-index-name-collision',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      nameTaken:
        'CREATE INDEX {{index}} fails: {{existing}} already has that name in the schema of {{table}} (ERROR: relation "{{rawName}}" already exists), since indexes share one namespace with tables, views and sequences.',
      nameTakenIfNotExists:
        'CREATE INDEX IF NOT EXISTS {{index}} builds nothing: {{existing}} already has that name, so PostgreSQL skips the statement with a notice, and the {{requested}} this migration asks for is never built.',
      help: 'Give the new index a name of its own, such as {{suggested}}{{replace}}',
    },
    docs: {
      summary: 'Disallows CREATE INDEX under a name that a table, view, sequence or different index in the same schema already has.',
      why: 'An index always goes in the schema of its table, where it shares one namespace with tables, views, sequences and the other indexes. CREATE INDEX under a name that is taken fails the migration at deploy time. With IF NOT EXISTS it is worse: PostgreSQL skips the statement with a notice when any relation has the name, without comparing definitions, so an index whose definition a later migration changed (other columns, another table, now UNIQUE) is silently never built, and the queries or the uniqueness it was meant for are not served. Only names the migrations gave are checked: a relation made outside them is not known. IF NOT EXISTS of an index the migrations built with the same table, key columns and uniqueness is not reported: building nothing is what it asks for.',
      instead: 'Give each index a name of its own. To change an index, build the new one concurrently under a new name, then drop the old one concurrently.',
      bad: "CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint, created_at timestamptz);\nCREATE INDEX orders_account_idx ON orders (account_id);\nCREATE INDEX IF NOT EXISTS orders_account_idx ON orders (account_id, created_at);",
      good: "CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint, created_at timestamptz);\nCREATE INDEX orders_account_idx ON orders (account_id);\nCREATE INDEX IF NOT EXISTS orders_account_created_idx ON orders (account_id, created_at);",
      references: ['https://www.postgresql.org/docs/current/sql-createindex.html'],
      pgVersions: 'Every version (IF NOT EXISTS from PostgreSQL 9.5). Checked on PostgreSQL 18: IF NOT EXISTS skips the statement when a table or an index of another definition has the name.',
      prevents: 'a failed migration, or an index that is never built',
    },
  },
  create(context) {
    return {
      IndexStmt(index) {
        if (!index.relation || !index.idxname) return;
        const table = relationFromRangeVar(index.relation);
        const taken = context.schema.relationBesideTable(table, index.idxname);
        if (!taken) return;
        const requested = indexStmtColumns(index);
        const data = {
          index: quoteIdentifier(index.idxname),
          table: displayName(table),
          rawName: index.idxname,
          existing: 'index' in taken ? `${describeExisting(taken.index)}${context.schema.table(taken.index.table) ? '' : ` (if ${displayResolvedName(taken.index.table)} exists: no migration lockwise read created it, and without it that index was never built)`}` : `a ${taken.kind}`,
          replace: 'index' in taken ? `; to replace the index there, drop it first, in a migration of its own: DROP INDEX CONCURRENTLY ${quoteIdentifier(index.idxname)};` : '.',
          requested: `${index.unique ? 'unique ' : ''}index on ${displayName(table)}${requested ? ` (${keyList(requested)})` : ''}`,
          // The name PostgreSQL would choose for the index with no name given.
          suggested: quoteIdentifier(context.schema.freeNameBesideTable(table, indexName({ ...index, idxname: undefined }))),
        };
        if (!index.if_not_exists) {
          context.report({ messageId: 'nameTaken', helpId: 'help', data });
          return;
        }
        if ('index' in taken && !differs(context.schema.sameTable(taken.index.table, table), taken.index, requested, index.unique === true, index.whereClause !== undefined)) return;
        context.report({ messageId: 'nameTakenIfNotExists', helpId: 'help', data });
      },
    };
  },
});

/** Whether the index there is surely not the one asked for; an index the model cannot compare is taken to be it. */
function differs(sameTable: boolean, existing: IndexInfo, requested: IndexColumns | undefined, unique: boolean, partial: boolean): boolean {
  if (!sameTable) return true;
  if (!existing.columns || !requested) return false;
  const sameKeys = existing.columns.keys.length === requested.keys.length && existing.columns.keys.every((key, i) => sameColumnSet(key, requested.keys[i]!));
  return !sameKeys || existing.unique !== unique || existing.partial !== partial;
}

function keyList(columns: IndexColumns): string {
  return columns.keys.map((key) => key.map(quoteIdentifier).join(' and ')).join(', ');
}

function describeExisting(index: IndexInfo): string {
  return `${index.unique ? 'a unique index' : 'an index'} on ${displayResolvedName(index.table)}${index.columns ? ` (${keyList(index.columns)})` : ''}${index.partial ? ' with a WHERE clause' : ''}`;
}
