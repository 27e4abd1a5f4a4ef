import { defineRule } from '../src/engine/rule.js';
import { displayName, relationFromNameList, relationFromRangeVar } from '../src/model/names.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

export default defineRule({
  id: 'require-concurrent-index',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      createIndex:
        'CREATE INDEX without CONCURRENTLY holds a SHARE lock on {{table}} for the whole index build: every INSERT, UPDATE and DELETE on {{table}} waits until the build finishes.',
      createIndexHelp:
        'Build it without blocking writes, outside a transaction block: CREATE {{unique}}INDEX CONCURRENTLY {{ifNotExists}}{{index}} ON {{table}} ...; if the build fails it leaves an INVALID index: drop it with DROP INDEX CONCURRENTLY and retry.',
      dropIndex:
        'DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table of {{index}}: it waits behind every running query on that table and blocks all reads and writes queued behind it.',
      dropIndexHelp:
        'Drop it without blocking, outside a transaction block and one index per statement: DROP INDEX CONCURRENTLY {{ifExists}}{{index}};',
    },
    docs: {
      summary: 'Requires CREATE INDEX and DROP INDEX on existing tables to use CONCURRENTLY.',
      why: 'A plain CREATE INDEX takes a SHARE lock on the table for the whole build, which on a large table means minutes to hours in which every INSERT, UPDATE and DELETE waits. A plain DROP INDEX takes an ACCESS EXCLUSIVE lock on the table: short, but it waits behind any long-running query and everything queued behind it waits too.',
      instead: 'Use CREATE INDEX CONCURRENTLY and DROP INDEX CONCURRENTLY, each in its own migration that does not run inside a transaction block. A failed concurrent build leaves an INVALID index behind: drop it concurrently and retry.',
      bad: 'CREATE INDEX users_email_idx ON users (email);',
      good: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
      references: [
        'https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY',
        'https://www.postgresql.org/docs/current/sql-dropindex.html',
      ],
      pgVersions: 'All supported versions. Partitioned tables cannot be indexed concurrently in one statement: create the index ON ONLY the parent, build each partition\'s index concurrently, and ATTACH them.',
      prevents: 'SHARE lock (writes blocked) for the whole index build; ACCESS EXCLUSIVE for DROP INDEX',
    },
  },
  create(context) {
    return {
      IndexStmt(index) {
        // ON ONLY builds nothing on a partitioned parent (an empty, invalid index that partitions' indexes attach to),
        // and PostgreSQL rejects CONCURRENTLY there: it is the first step of the safe procedure, not a hazard.
        if (index.concurrent || !index.relation || !index.relation.inh) return;
        const relation = relationFromRangeVar(index.relation);
        if (!context.isExistingTable(relation)) return;
        context.report({
          messageId: 'createIndex',
          helpId: 'createIndexHelp',
          data: {
            table: displayName(relation),
            index: index.idxname ? quoteIdentifier(index.idxname) : '<name>',
            unique: index.unique ? 'UNIQUE ' : '',
            ifNotExists: index.if_not_exists ? 'IF NOT EXISTS ' : '',
          },
        });
      },
      DropStmt(drop) {
        if (drop.removeType !== 'OBJECT_INDEX' || drop.concurrent) return;
        for (const object of drop.objects ?? []) {
          const index = relationFromNameList(object);
          if (!index) continue;
          const table = context.schema.indexTable(index);
          if (table && !context.isExistingTable(table)) continue;
          context.report({
            messageId: 'dropIndex',
            helpId: 'dropIndexHelp',
            data: { index: displayName(index), ifExists: drop.missing_ok ? 'IF EXISTS ' : '' },
          });
        }
      },
    };
  },
});
