import { defineRule } from '../src/engine/rule.js';
import { tableReplacementSteps } from '../src/knowledge/expand-contract.js';
import { displayName, relationFromRangeVar } from '../src/model/names.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

export default defineRule({
  id: 'no-rename-table',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      renameTable:
        'Renaming table {{table}} to {{newName}} breaks the application version still running during the deploy: its queries that use {{table}} fail until every instance runs the new code. It also takes an ACCESS EXCLUSIVE lock on {{table}}.',
      help: '{{steps}}',
    },
    docs: {
      summary: 'Disallows renaming an existing table.',
      why: 'During a rolling deploy the old application version keeps running for minutes after the migration commits. Every one of its queries that names the old table fails with "relation does not exist". The rename needs an ACCESS EXCLUSIVE lock, which waits behind any long query and blocks every read and write queued behind it.',
      instead: 'Create the new table (or, when only the name must change, a view with the new name over the old table), move the application over in its own deploy, and drop or rename the old table only when no running code uses it.',
      bad: 'ALTER TABLE accounts RENAME TO customers;',
      good: 'CREATE VIEW customers AS SELECT * FROM accounts;',
      references: [
        'https://www.postgresql.org/docs/current/sql-altertable.html',
        'https://www.postgresql.org/docs/current/sql-createview.html',
      ],
      pgVersions: 'All versions. A simple view over one table is automatically updatable from PostgreSQL 9.3.',
      prevents: 'errors in the release still running; ACCESS EXCLUSIVE lock',
    },
  },
  create(context) {
    return {
      RenameStmt(rename) {
        if (rename.renameType !== 'OBJECT_TABLE' || !rename.relation) return;
        const relation = relationFromRangeVar(rename.relation);
        if (!context.isExistingTable(relation)) return;
        const table = displayName(relation);
        const newName = quoteIdentifier(rename.newname ?? '');
        context.report({
          messageId: 'renameTable',
          helpId: 'help',
          data: { table, newName, steps: tableReplacementSteps(table, newName) },
        });
      },
    };
  },
});
