import { defineRule } from '../src/engine/rule.js';
import { columnReplacementSteps } from '../src/knowledge/expand-contract.js';
import { knownColumn } from '../src/engine/batches.js';
import { displayName, relationFromRangeVar } from '../src/model/names.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

export default defineRule({
  id: 'no-rename-column',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      renameColumn:
        'Renaming {{table}}.{{column}} to {{newName}} breaks the application version still running during the deploy: its queries that use {{column}} fail until every instance runs the new code. It also takes an ACCESS EXCLUSIVE lock on {{table}}.',
      help: '{{steps}}',
    },
    docs: {
      summary: 'Disallows renaming a column of an existing table.',
      why: 'During a rolling deploy the old and the new application version run against the same database for minutes. The moment the rename commits, every query of the old version that names the column fails with "column does not exist", and inserts through an ORM that lists all columns fail too. The rename itself is quick, but it needs an ACCESS EXCLUSIVE lock, which waits behind any long query and blocks every read and write queued behind it.',
      instead: 'Add the new column, write to both, backfill it in batches, switch reads to the new column, stop writing the old one, and drop the old column in a later migration, each step in its own deploy. If only the name matters to you, keep the old name in the database.',
      bad: 'ALTER TABLE users RENAME COLUMN username TO handle;',
      good: "ALTER TABLE users ADD COLUMN handle text;\n-- later migrations: backfill in batches, switch reads, then\nCOMMENT ON COLUMN users.username IS 'deprecated: use handle';",
      references: [
        'https://www.postgresql.org/docs/current/sql-altertable.html',
        'https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES',
      ],
      pgVersions: 'All versions.',
      prevents: 'errors in the release still running; ACCESS EXCLUSIVE lock',
    },
  },
  create(context) {
    return {
      RenameStmt(rename) {
        if (rename.renameType !== 'OBJECT_COLUMN' || rename.relationType !== 'OBJECT_TABLE' || !rename.relation) return;
        const relation = relationFromRangeVar(rename.relation);
        if (!context.isExistingTable(relation) || context.schema.isNewColumn(relation, rename.subname ?? '')) return;
        const table = displayName(relation);
        const column = quoteIdentifier(rename.subname ?? '');
        const newName = quoteIdentifier(rename.newname ?? '');
        context.report({
          messageId: 'renameColumn',
          helpId: 'help',
          data: { table, column, newName, steps: columnReplacementSteps(table, column, newName, knownColumn(context, relation, rename.subname ?? '')) },
        });
      },
    };
  },
});
