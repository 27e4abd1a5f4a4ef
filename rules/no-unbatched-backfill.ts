import type { Node, RangeVar } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { isBoundedBatch } from '../src/knowledge/key-range.js';
import { displayName, relationFromRangeVar } from '../src/model/names.js';

/** Without a declared primary key, `id` is the key column most tables have. */
const CONVENTIONAL_KEY = 'id';

export default defineRule({
  id: 'no-unbatched-backfill',
  meta: {
    severity: 'warning',
    presets: ['recommended', 'strict'],
    messages: {
      noWhere:
        '{{command}} without WHERE changes every row of {{table}} in one transaction: it locks every row it touches until commit, blocking the application\'s writes to them, and writes a burst of WAL that makes replicas lag.',
      unbounded:
        '{{command}} on {{table}} has no bounded key range in its WHERE, so it can touch every row in one transaction: row locks held until commit block the application\'s writes, and a burst of WAL makes replicas lag.',
      help:
        'Backfill in batches of 1,000 to 10,000 rows, each in its own short transaction, outside the schema migration, pausing briefly between batches:\n  {{example}}\nrepeated with the next key range until no rows are left.',
    },
    docs: {
      summary: 'Disallows UPDATE and DELETE on an existing table that are not limited to a bounded batch of rows.',
      why: 'A data migration that updates or deletes a whole table in one statement holds a row lock on every row it touches until it commits, so the application\'s writes to those rows wait for the entire backfill; it keeps a long transaction open (holding back vacuum), and writes one burst of WAL that replicas must replay, so they lag. Inside the schema migration\'s transaction it also holds every DDL lock taken before it for as long.',
      instead: 'Backfill in batches of 1,000 to 10,000 rows, each in its own transaction, outside the schema migration, with a short pause between batches: bound each batch by a key range (`WHERE id >= $1 AND id < $2`), a list of keys, or a subquery with LIMIT.',
      bad: "UPDATE users SET handle = username WHERE handle IS NULL;",
      good: 'UPDATE users SET handle = username WHERE id >= 1 AND id < 10001 AND handle IS NULL;',
      references: ['https://www.postgresql.org/docs/current/sql-update.html', 'https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-ROWS', 'https://www.postgresql.org/docs/current/wal-intro.html'],
      pgVersions: 'All versions.',
    },
  },
  create(context) {
    const check = (command: 'UPDATE' | 'DELETE', rangeVar: RangeVar | undefined, where: Node | undefined): void => {
      if (!rangeVar || rangeVar.relpersistence === 't') return;
      const relation = relationFromRangeVar(rangeVar);
      if (!context.isExistingTable(relation)) return;
      const keys = context.schema.primaryKey(relation) ?? [CONVENTIONAL_KEY];
      if (where && isBoundedBatch(where, keys)) return;
      const table = displayName(relation);
      const key = keys[0] ?? CONVENTIONAL_KEY;
      const batch = `${key} >= $1 AND ${key} < $2`;
      const example = command === 'UPDATE' ? `UPDATE ${table} SET ... WHERE ${batch} AND ...;` : `DELETE FROM ${table} WHERE ${batch} AND ...;`;
      context.report({ messageId: where ? 'unbounded' : 'noWhere', helpId: 'help', data: { command, table, example } });
    };
    return {
      onStatement(statement) {
        const node = statement.node;
        if ('UpdateStmt' in node) check('UPDATE', node.UpdateStmt.relation, node.UpdateStmt.whereClause);
        if ('DeleteStmt' in node) check('DELETE', node.DeleteStmt.relation, node.DeleteStmt.whereClause);
      },
    };
  },
});
