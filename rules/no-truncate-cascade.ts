import { defineRule } from '../src/engine/rule.js';
import { displayName, relationFromRangeVar } from '../src/model/names.js';
import { asKind } from '../src/parse/node-types.js';

export default defineRule({
  id: 'no-truncate-cascade',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      truncateCascade:
        'TRUNCATE {{tables}} CASCADE also empties, without naming them, every table that has a foreign key to {{tables}}, and every table with a foreign key to those, recursively, each under an ACCESS EXCLUSIVE lock: rows of tables this migration never mentions are deleted, and no ON DELETE trigger runs for them.',
      help:
        'Name every table you mean to empty and drop CASCADE: TRUNCATE {{tables}}, <referencing tables>; without CASCADE PostgreSQL refuses when a table outside the list still references one of them, and its error names that table. To remove only some rows, use DELETE (in batches).',
    },
    docs: {
      summary: 'Disallows TRUNCATE ... CASCADE on existing tables.',
      why: 'TRUNCATE ... CASCADE truncates every table that has a foreign key to one of the named tables, then every table that references those, and so on. Which tables that is depends on every foreign key in the production schema when the migration runs, not on what the migration says: a reference added by another team, or by a migration merged just before this one, silently widens what it deletes. Each table is locked ACCESS EXCLUSIVE and emptied at once; ON DELETE triggers do not fire and the data is gone once the transaction commits.',
      instead: 'List every table to truncate explicitly, without CASCADE: PostgreSQL then refuses to truncate a table that another, unlisted table still references, and names it. Or delete the rows you mean to delete with DELETE.',
      bad: 'TRUNCATE countries CASCADE;',
      good: 'TRUNCATE countries, country_aliases;',
      references: ['https://www.postgresql.org/docs/current/sql-truncate.html'],
      pgVersions: 'All versions.',
      prevents: 'silent deletion of every row of every table that references the truncated one',
    },
  },
  create(context) {
    return {
      TruncateStmt(truncate) {
        if (truncate.behavior !== 'DROP_CASCADE') return;
        const relations = (truncate.relations ?? []).map((node) => asKind(node, 'RangeVar')).filter((rangeVar) => rangeVar !== undefined);
        // A table created by this (undeployed) migration can only be referenced by foreign keys this migration added.
        if (!relations.some((rangeVar) => context.isExistingTable(relationFromRangeVar(rangeVar)))) return;
        const tables = relations.map((rangeVar) => displayName(relationFromRangeVar(rangeVar))).join(', ');
        context.report({ messageId: 'truncateCascade', helpId: 'help', data: { tables } });
      },
    };
  },
});
