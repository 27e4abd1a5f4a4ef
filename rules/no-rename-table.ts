import { defineRule } from '../src/engine/rule.js';
import { createdAgainLater, renamedIntoPlaceLater, servesLikeTheOld } from '../src/engine/transaction-block.js';
import { RELATION_OBJECT_WORDS, tableReplacementSteps, type RelationWord } from '../src/knowledge/expand-contract.js';
import { displayName, relationFromRangeVar, type RelationName } from '../src/model/names.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

export default defineRule({
  id: 'no-rename-table',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      renameTable:
        '{{ifItExists}}{{renaming}} {{kind}} {{table}} to {{newName}} breaks the application version still running during the deploy: its queries that use {{table}} fail until every instance runs the new code. It also takes an ACCESS EXCLUSIVE lock on {{table}}.',
      moveTable:
        '{{ifItExists}}{{moving}} {{kind}} {{table}} to schema {{schema}} breaks the application version still running during the deploy: its queries that use {{table}} fail until every instance runs the new code, unless {{schema}} is on their search_path. It also takes an ACCESS EXCLUSIVE lock on {{table}}.',
      help: '{{steps}}',
      viewHelp:
        'Keep {{table}} for the release still running: create the {{kind}} under its new name as well ({{createView}}), move the application to {{newName}} in its own deploy, and drop {{table}} in a later migration, once no running release uses it.',
    },
    docs: {
      summary: 'Disallows renaming an existing table or view, or moving it to another schema.',
      why: 'During a rolling deploy the old application version keeps running for minutes after the migration commits. Every one of its queries that names the old table fails with "relation does not exist". The rename needs an ACCESS EXCLUSIVE lock, which waits behind any long query and blocks every read and write queued behind it. Views and materialized views are the same, and so is ALTER ... SET SCHEMA, which moves the relation out of reach of queries that name its old schema or find it through the search_path. Not reported: a table renamed away and created again under its name in the same transaction with every column it had, or replaced by another table with every column it had, renamed into its name in the same transaction (a rebuild or a swap: the running release\'s queries wait on the lock, then find the new table), and a rename or move of a name this release gave.',
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
    /**
     * Whether the running release uses the relation: it existed before this release, is still there for IF EXISTS
     * to find, and is not rebuilt under its name.
     */
    const breaksRunningRelease = (relation: RelationName, ifExists: boolean | undefined): boolean => {
      if (!context.isExistingTable(relation) || context.schema.isNewTableName(relation)) return false;
      if (ifExists && context.schema.isGone(relation, 'table')) return false;
      // Rebuilt under the old name in the same transaction (RENAME TO _bkp_t, CREATE TABLE t ..., copy): the running
      // release's queries wait on the lock, then find the new table.
      // Or another table, with every column, renamed into its name (the swap): the same.
      const { inTransaction } = context.transaction;
      return !(inTransaction && (servesLikeTheOld(context, createdAgainLater(context, context.statement, relation), relation) || renamedIntoPlaceLater(context, context.statement, relation)));
    };
    const report = (messageId: 'renameTable' | 'moveTable', kind: RelationWord, relation: RelationName, newName: string, ifExists: boolean | undefined, schema = ''): void => {
      const table = displayName(relation);
      const createView = kind === 'materialized view' ? `CREATE MATERIALIZED VIEW ${newName} AS ...` : `CREATE VIEW ${newName} AS SELECT * FROM ${table}`;
      // IF EXISTS of a relation no migration made may do nothing (Sirimbo's misspelt platby_group_category): said so.
      const ifItExists = ifExists && !context.schema.table(relation) ? `Where ${table} exists (no migration lockwise read created it), ` : '';
      context.report({
        messageId,
        helpId: kind === 'table' ? 'help' : 'viewHelp',
        data: { kind, table, newName, schema, createView, steps: tableReplacementSteps(table, newName), ifItExists, renaming: ifItExists ? 'renaming' : 'Renaming', moving: ifItExists ? 'moving' : 'Moving' },
      });
    };
    return {
      RenameStmt(rename) {
        const kind = RELATION_OBJECT_WORDS[rename.renameType ?? ''];
        if (!kind || !rename.relation) return;
        const relation = relationFromRangeVar(rename.relation);
        if (breaksRunningRelease(relation, rename.missing_ok)) report('renameTable', kind, relation, quoteIdentifier(rename.newname ?? ''), rename.missing_ok);
      },
      AlterObjectSchemaStmt(move) {
        const kind = RELATION_OBJECT_WORDS[move.objectType ?? ''];
        if (!kind || !move.relation?.relname || !move.newschema) return;
        const relation = relationFromRangeVar(move.relation);
        if (!breaksRunningRelease(relation, move.missing_ok)) return;
        const schema = quoteIdentifier(move.newschema);
        report('moveTable', kind, relation, `${schema}.${quoteIdentifier(move.relation.relname)}`, move.missing_ok, schema);
      },
    };
  },
});
