import { defineRule } from '../src/engine/rule.js';
import { wordList } from '../src/engine/messages.js';
import { matchesOneRow } from '../src/knowledge/key-range.js';
import { displayName, displayResolvedName } from '../src/model/names.js';
import { deletesFromExistingTable } from '../src/engine/alter-table-commands.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

/** PostgreSQL 18's skip scan can use an index whose leading column has few values: where the key columns come later, lockwise cannot tell. */
const SKIP_SCAN_SINCE = 18;

export default defineRule({
  id: 'require-index-on-referencing-columns',
  meta: {
    severity: 'warning',
    presets: ['recommended', 'strict'],
    messages: {
      unindexedReferences:
        'Each row this DELETE removes from {{table}} makes PostgreSQL look for the rows that reference it through {{keys}}, and no index starts with {{those}} columns: every deleted row scans all of {{referencing}}, so the DELETE runs as many full scans as it deletes rows, holding the rows it deleted locked all along.',
      help: 'Index the referencing columns first, in a migration of its own, outside a transaction (the index also serves every later delete and key update of {{table}}, and the joins from it): {{indexes}}',
    },
    docs: {
      summary: 'Warns about a DELETE from a table that foreign keys of existing tables reference on columns no index of theirs starts with.',
      why: 'PostgreSQL checks each foreign key row by row: for every row a DELETE removes from the referenced table, it looks for the rows that reference it (to refuse the delete, to cascade it or to set them NULL). PostgreSQL indexes the referenced key, but not the referencing columns; without an index that starts with them, each of those lookups reads the whole referencing table. A migration that deletes many rows, to remove duplicates or old data, then takes the number of rows deleted times a scan of the other table, holding its row locks all along, and its lock on the table when one is held: seen on PostgreSQL 18, deleting 2,000 rows from a table referenced by a 100,000-row table took 8.9 s, and 26 ms once the referencing column was indexed (Guix Data Service\'s migrations that remove duplicate builds and revisions). Not reported: a DELETE of one row by a unique key; a table the migration created, or a referencing table it created (they hold no rows others wrote); a referencing table no migration lockwise read made, whose indexes it cannot know; and, on PostgreSQL 18 and later, an index that holds the referencing columns after others, which skip scan may use when those lead with few values.',
      instead: 'CREATE INDEX CONCURRENTLY on the referencing columns, in a migration before the one that deletes.',
      bad: 'CREATE TABLE builds (id bigint PRIMARY KEY, derivation text);\nCREATE TABLE build_status (id bigint PRIMARY KEY, build_id bigint REFERENCES builds (id) ON DELETE CASCADE, status text);\n-- a later migration:\nDELETE FROM builds WHERE derivation IS NULL;',
      good: 'CREATE TABLE builds (id bigint PRIMARY KEY, derivation text);\nCREATE TABLE build_status (id bigint PRIMARY KEY, build_id bigint REFERENCES builds (id) ON DELETE CASCADE, status text);\nCREATE INDEX build_status_build_id_idx ON build_status (build_id);\n-- a later migration:\nDELETE FROM builds WHERE derivation IS NULL;',
      references: ['https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-FK', 'https://www.postgresql.org/docs/current/indexes-multicolumn.html'],
      pgVersions: 'All versions; from PostgreSQL 18, an index with the referencing columns after others is given the benefit of the doubt (skip scan). Checked on PostgreSQL 18.',
      prevents: 'a delete that scans a whole referencing table for every row it removes',
    },
  },
  create(context) {
    return deletesFromExistingTable(context, (deletion, relation) => {
      // A tree's parent key references its own table, which foreignKeysReferencing leaves out.
      const selfReferences = context.schema
        .foreignKeys(relation)
        .filter((key) => key.references !== undefined && context.schema.sameTable(key.references, relation))
        .map(({ name }) => ({ table: relation, name }));
      const unindexed = [...context.schema.foreignKeysReferencing(relation, { all: true }), ...selfReferences].flatMap(({ table, name }) => {
        const key = context.schema.constraint(table, name);
        if (!key || key.columns.length === 0 || !context.schema.table(table) || !context.isExistingTable(table)) return [];
        const served = context.schema.indexesOn(table).some(({ partial, keyColumns }) => {
          if (partial || !keyColumns) return false;
          const leading = keyColumns.slice(0, key.columns.length);
          if (key.columns.every((column) => leading.includes(column))) return true;
          return context.pgVersion >= SKIP_SCAN_SINCE && key.columns.every((column) => keyColumns.includes(column));
        });
        return served ? [] : [{ table, name, columns: key.columns }];
      });
      // The unique keys are looked up only then: finding them reads every index of the schema.
      if (unindexed.length === 0 || (deletion.whereClause && matchesOneRow(deletion.whereClause, context.schema.uniqueKeys(relation)))) return;
      const columnsOf = (columns: string[]): string => columns.map(quoteIdentifier).join(', ');
      const referencing = [...new Set(unindexed.map(({ table }) => displayResolvedName(table)))];
      context.report({
        messageId: 'unindexedReferences',
        helpId: 'help',
        at: deletion.relation.location,
        data: {
          table: displayName(relation),
          keys: wordList(unindexed.map(({ table, name, columns }) => `${quoteIdentifier(name)} of ${displayResolvedName(table)} (${columnsOf(columns)})`)),
          those: unindexed.length === 1 ? 'its' : 'their',
          referencing: wordList(referencing),
          indexes: unindexed.map(({ table, columns }) => `CREATE INDEX CONCURRENTLY ON ${displayResolvedName(table)} (${columnsOf(columns)});`).join(' '),
        },
      });
    });
  },
});
