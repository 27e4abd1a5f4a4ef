import type { ReindexStmt } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { displayName, relationFromRangeVar } from '../src/model/names.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';
import { isOptionEnabled } from '../src/parse/node-types.js';

/** REINDEX CONCURRENTLY exists from PostgreSQL 12. */
const CONCURRENT_REINDEX_SINCE = 12;

const KIND_KEYWORDS: Partial<Record<NonNullable<ReindexStmt['kind']>, string>> = {
  REINDEX_OBJECT_INDEX: 'INDEX',
  REINDEX_OBJECT_TABLE: 'TABLE',
  REINDEX_OBJECT_SCHEMA: 'SCHEMA',
  REINDEX_OBJECT_DATABASE: 'DATABASE',
};

export default defineRule({
  id: 'require-concurrent-reindex',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      reindexIndex:
        'REINDEX INDEX {{name}} holds an ACCESS EXCLUSIVE lock on the index and a SHARE lock on its table for the whole rebuild: the planner opens every index of a table for every query, so reads as well as writes of the table wait until the rebuild finishes.',
      reindexTable:
        'REINDEX TABLE {{name}} holds a SHARE lock on {{name}} and an ACCESS EXCLUSIVE lock on each of its indexes as it is rebuilt, until the last one is done: the planner opens every index of a table for every query, so reads as well as writes of {{name}} wait.',
      reindexMany:
        'REINDEX {{keyword}}{{target}} rebuilds every index of every table in it, one table at a time, each under a SHARE lock on the table and ACCESS EXCLUSIVE locks on its indexes: reads and writes of each table wait while its indexes are rebuilt.',
      reindexSystem:
        'REINDEX SYSTEM rebuilds every index of the system catalogs under ACCESS EXCLUSIVE locks, and has no concurrent form: PostgreSQL cannot reindex system catalogs concurrently. While the indexes of a catalog are rebuilt, every session that must look something up in that catalog waits (new connections, queries whose plan is not cached) and so does all DDL.',
      help:
        'Rebuild without blocking, outside a transaction block: REINDEX {{keyword}} CONCURRENTLY{{target}}; it builds each new index beside the old one under SHARE UPDATE EXCLUSIVE locks, then swaps them. A failed run leaves an INVALID index: one ending in _ccnew is the unfinished copy (drop it and retry), one ending in _ccold is the old index (drop it: the rebuild succeeded).',
      helpBefore12:
        'REINDEX has no CONCURRENTLY before PostgreSQL 12. Rebuild each index under a new name and swap: CREATE INDEX CONCURRENTLY <new_name> ON <table> (<same definition>); DROP INDEX CONCURRENTLY <old_name>; ALTER INDEX <new_name> RENAME TO <old_name>; (for the index of a PRIMARY KEY or UNIQUE constraint, build a UNIQUE index and switch the constraint to it with ALTER TABLE ... ADD CONSTRAINT ... USING INDEX).',
      systemHelp:
        'Do not reindex the system catalogs from a migration. If a catalog index is really corrupt, run REINDEX for that one index in a maintenance window.',
    },
    docs: {
      summary: 'Requires REINDEX to use CONCURRENTLY (PostgreSQL 12+) on existing tables.',
      why: 'A plain REINDEX locks out writes of the table (SHARE lock) and takes an ACCESS EXCLUSIVE lock on each index it rebuilds. Because the planner opens every index of a table for every query it plans, that index lock blocks reads of the table too, not only queries that would use the index, for the whole rebuild. REINDEX SCHEMA and REINDEX DATABASE do this to every table in turn. REINDEX CONCURRENTLY builds a new copy of each index beside the old one and swaps them, holding only SHARE UPDATE EXCLUSIVE locks, which let reads and writes continue. REINDEX SYSTEM has no concurrent form at all, and the indexes of exclusion constraints cannot be rebuilt concurrently either.',
      instead: 'On PostgreSQL 12 and later, REINDEX ... CONCURRENTLY, in a migration that runs outside a transaction block. Before 12, build a replacement with CREATE INDEX CONCURRENTLY, drop the old index with DROP INDEX CONCURRENTLY and rename the new one.',
      bad: 'REINDEX INDEX orders_created_at_idx;',
      good: 'REINDEX INDEX CONCURRENTLY orders_created_at_idx;',
      references: [
        'https://www.postgresql.org/docs/current/sql-reindex.html',
        'https://www.postgresql.org/docs/current/sql-reindex.html#SQL-REINDEX-CONCURRENTLY',
        'https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES',
      ],
      pgVersions: 'REINDEX CONCURRENTLY exists from PostgreSQL 12 (not for system catalogs); before 12 the help shows the CREATE INDEX CONCURRENTLY swap.',
      prevents: 'reads and writes blocked for the whole index rebuild',
    },
  },
  create(context) {
    return {
      ReindexStmt(reindex) {
        if (isOptionEnabled(reindex.params, 'concurrently')) return;
        if (reindex.kind === 'REINDEX_OBJECT_SYSTEM') {
          context.report({ messageId: 'reindexSystem', helpId: 'systemHelp' });
          return;
        }
        const keyword = reindex.kind ? KIND_KEYWORDS[reindex.kind] : undefined;
        if (!keyword) return;
        const helpId = context.pgVersion < CONCURRENT_REINDEX_SINCE ? 'helpBefore12' : 'help';
        if (!reindex.relation) {
          const target = reindex.name ? ` ${quoteIdentifier(reindex.name)}` : '';
          context.report({ messageId: 'reindexMany', helpId, data: { keyword, target } });
          return;
        }
        const relation = relationFromRangeVar(reindex.relation);
        const table = keyword === 'INDEX' ? context.schema.indexTable(relation) : relation;
        if (table && !context.isExistingTable(table)) return;
        context.report({
          messageId: keyword === 'INDEX' ? 'reindexIndex' : 'reindexTable',
          helpId,
          at: reindex.relation.location,
          data: { keyword, name: displayName(relation), target: ` ${displayName(relation)}` },
        });
      },
    };
  },
});
