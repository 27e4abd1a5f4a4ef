import { defineRule } from '../src/engine/rule.js';
import { shortWordList } from '../src/engine/messages.js';
import { displayName, displayResolvedName, relationFromRangeVar } from '../src/model/names.js';
import { deletesFromExistingTable } from '../src/engine/alter-table-commands.js';
import { asKind } from '../src/parse/node-types.js';

/** Referencing tables a message names before the rest are counted. */
const NAMED_TABLES = 4;

export default defineRule({
  id: 'no-delete-and-reinsert-referenced-rows',
  meta: {
    severity: 'warning',
    presets: ['recommended', 'strict'],
    messages: {
      deleteAndReinsert:
        'This DELETE removes rows of {{table}} that the INSERT on line {{line}} puts back, but the foreign keys of other tables act on every row it removes: {{actions}}. The INSERT brings back the rows of {{table}}, not what referred to them: {{lost}} for good.',
      help:
        'Delete only the rows that are not to come back, so that the rows that stay keep what refers to them: DELETE FROM {{table}} WHERE <key> NOT IN (SELECT <key> FROM <the rows kept>); or point the references at the kept rows before the DELETE.',
    },
    docs: {
      summary: 'Warns about deleting rows of a table and inserting them again in the same migration, when foreign keys of other tables set their references to NULL, or delete their rows, on each delete.',
      why: 'A migration that rebuilds a table\'s rows, to remove duplicates or fix them, often copies the rows to keep aside, deletes the table\'s rows, and inserts the kept ones back with the same keys. The rows look unchanged, but every foreign key of another table to them acted on the DELETE: ON DELETE SET NULL (or SET DEFAULT) cleared each reference, and ON DELETE CASCADE deleted each referencing row. The INSERT does not bring those back, so the links are lost for good (seen on PostgreSQL 18: LobeHub\'s migration left 0 of 100 references to the embeddings it kept). A foreign key with NO ACTION or RESTRICT makes the DELETE fail instead, and is not reported; nor is an INSERT that names its columns without the ones a foreign key references, as its rows take new keys and are not the deleted ones coming back. Reported at the DELETE, when a later statement of the same migration inserts into the same table and the history knows a foreign key with such an action on an existing table.',
      instead: 'Delete only the rows that are not kept (DELETE ... WHERE key NOT IN (the kept keys)), or move the references to the kept rows first.',
      bad: "CREATE TABLE embeddings (id uuid PRIMARY KEY, chunk_id uuid NOT NULL);\nCREATE TABLE message_queries (id uuid PRIMARY KEY, embeddings_id uuid REFERENCES embeddings (id) ON DELETE SET NULL);\n-- a later migration:\nCREATE TEMP TABLE kept AS SELECT DISTINCT ON (chunk_id) * FROM embeddings ORDER BY chunk_id, id;\nDELETE FROM embeddings;\nINSERT INTO embeddings SELECT * FROM kept;",
      good: "CREATE TABLE embeddings (id uuid PRIMARY KEY, chunk_id uuid NOT NULL);\nCREATE TABLE message_queries (id uuid PRIMARY KEY, embeddings_id uuid REFERENCES embeddings (id) ON DELETE SET NULL);\n-- a later migration:\nDELETE FROM embeddings e USING embeddings other\n  WHERE e.chunk_id = other.chunk_id AND e.id > other.id;",
      references: ['https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-FK', 'https://www.postgresql.org/docs/current/sql-delete.html'],
      pgVersions: 'All versions. Checked on PostgreSQL 18.',
      prevents: 'references cleared, or referencing rows deleted, by a delete whose rows come back',
    },
  },
  create(context) {
    return deletesFromExistingTable(context, (deletion, relation) => {
      const reinsert = context.statements.slice(context.statement.index + 1).find((later) => {
        const target = asKind(later.node, 'InsertStmt')?.relation;
        return target !== undefined && context.schema.sameTable(relationFromRangeVar(target), relation);
      });
      if (!reinsert) return;
      // Rows inserted without the key a foreign key references get new keys from the default: they are not the deleted
      // rows coming back, and nothing could have referred to them.
      const insertedColumns = asKind(reinsert.node, 'InsertStmt')?.cols?.map((target) => asKind(target, 'ResTarget')?.name ?? '');
      const acting = context.schema.tablesReachedByDelete(relation, insertedColumns && new Set(insertedColumns)).filter(({ table, action }) => action !== 'NO ACTION' && context.isExistingTable(table));
      if (acting.length === 0) return;
      const cleared = acting.filter(({ action }) => action !== 'CASCADE').map(({ table }) => displayResolvedName(table));
      const deleted = acting.filter(({ action }) => action === 'CASCADE').map(({ table }) => displayResolvedName(table));
      const actions = [
        ...(cleared.length > 0 ? [`ON DELETE SET NULL or SET DEFAULT clears the references of ${shortWordList(cleared, NAMED_TABLES)}`] : []),
        ...(deleted.length > 0 ? [`ON DELETE CASCADE deletes the referencing rows of ${shortWordList(deleted, NAMED_TABLES)}`] : []),
      ];
      const lost = [...(cleared.length > 0 ? ['those references are gone'] : []), ...(deleted.length > 0 ? ['those rows are gone'] : [])];
      context.report({
        messageId: 'deleteAndReinsert',
        helpId: 'help',
        at: deletion.relation.location,
        data: { table: displayName(relation), line: context.lineOf(reinsert.range.start), actions: actions.join(', and '), lost: lost.join(', and ') },
      });
    });
  },
});
