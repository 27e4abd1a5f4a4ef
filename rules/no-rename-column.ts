import { defineRule } from '../src/engine/rule.js';
import type { ColumnDef } from '@pgsql/types';
import type { RuleContext } from '../src/engine/context.js';
import type { Statement } from '../src/parse/parse.js';
import { columnReplacementSteps } from '../src/knowledge/expand-contract.js';
import { knownColumn } from '../src/engine/batches.js';
import { commandsAltering } from '../src/engine/alter-table-commands.js';
import { restOfTransaction } from '../src/engine/transaction-block.js';
import { displayName, relationFromRangeVar, type RelationName } from '../src/model/names.js';
import { asKind, stringValues } from '../src/parse/node-types.js';
import { generatedCopyOf } from '../src/model/schema-objects.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

export default defineRule({
  id: 'no-rename-column',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      renameColumn:
        'Renaming {{table}}.{{column}} to {{newName}} breaks the application version still running during the deploy: its queries that use {{column}} fail until every instance runs the new code. It also takes an ACCESS EXCLUSIVE lock on {{table}}.',
      renameColumnKeptAsGenerated:
        'Renaming {{table}}.{{column}} to {{newName}}, with a new column {{column}} generated from it on line {{line}}: the application version still running during the deploy reads the same values under {{column}}, but its writes of {{column}} fail, as PostgreSQL refuses any value but DEFAULT for a generated column ("cannot insert a non-DEFAULT value into column"), until every instance runs the new code. It also takes an ACCESS EXCLUSIVE lock on {{table}}.',
      renameColumnNameTaken:
        'Renaming {{table}}.{{column}} to {{newName}}, with a new column {{column}} added on line {{line}}, changes what {{column}} is under the application version still running during the deploy: its reads get the new column\'s values, not the ones moved to {{newName}}, and its writes go to the new column, until every instance runs the new code. It also takes an ACCESS EXCLUSIVE lock on {{table}}.',
      renameAttribute:
        'Renaming attribute {{column}} of type {{type}} to {{newName}} breaks the application version still running during the deploy: its queries that read the attribute, `(value).{{column}}`, fail ("column ... not found in data type {{type}}"), and JSON made from the type (to_json, row_to_json) has the new key, until every instance runs the new code.',
      attributeHelp:
        'Add the new attribute instead (ALTER TYPE {{type}} ADD ATTRIBUTE {{newName}} ...), fill it wherever the application or a function makes a {{type}} value, move the readers to it, and drop {{column}} in a later migration.',
      help: '{{steps}}',
    },
    docs: {
      summary: 'Disallows renaming a column of an existing table, or an attribute of an existing composite type.',
      why: 'During a rolling deploy the old and the new application version run against the same database for minutes. The moment the rename commits, every query of the old version that names the column fails with "column does not exist", and inserts through an ORM that lists all columns fail too. The rename itself is quick, but it needs an ACCESS EXCLUSIVE lock, which waits behind any long query and blocks every read and write queued behind it. A new column added under the old name in the same migration keeps the old queries running, on other data: the message says so. Not reported: a column of a table renamed earlier in the file, when before COMMIT a view takes the table\'s old name and shows the column under its old name (`CREATE VIEW akce AS SELECT id AS a_id ... FROM event`): a simple view over one table is updatable, so the running release reads and writes through it. ALTER TYPE ... RENAME ATTRIBUTE does the same to a composite type: the running release\'s `(value).attribute` fails ("column ... not found in data type", seen on PostgreSQL 18), and to_json of the type has the new key; an attribute of a type this migration made is not reported.',
      instead: 'Add the new column, write to both, backfill it in batches, switch reads to the new column, stop writing the old one, and drop the old column in a later migration, each step in its own deploy. If only the name matters to you, keep the old name in the database.',
      bad: 'ALTER TABLE users RENAME COLUMN username TO handle;',
      good: "ALTER TABLE users ADD COLUMN handle text;\n-- later migrations: backfill in batches, switch reads, then\nCOMMENT ON COLUMN users.username IS 'deprecated: use handle';",
      references: [
        'https://www.postgresql.org/docs/current/sql-altertable.html',
        'https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES',
        'https://www.postgresql.org/docs/current/sql-createview.html#SQL-CREATEVIEW-UPDATABLE-VIEWS',
      ],
      pgVersions: 'All versions.',
      prevents: 'errors in the release still running; ACCESS EXCLUSIVE lock',
    },
  },
  create(context) {
    return {
      RenameStmt(rename) {
        // ALTER TYPE ... RENAME ATTRIBUTE: the column rename of a composite type (EPAM's DDM registry, seen on PostgreSQL 18).
        if (rename.renameType === 'OBJECT_ATTRIBUTE' && rename.relation && rename.subname && rename.newname) {
          const type = relationFromRangeVar(rename.relation);
          if (context.schema.isNewCompositeType(type)) return;
          context.report({ messageId: 'renameAttribute', helpId: 'attributeHelp', data: { type: displayName(type), column: quoteIdentifier(rename.subname), newName: quoteIdentifier(rename.newname) } });
          return;
        }
        if (rename.renameType !== 'OBJECT_COLUMN' || rename.relationType !== 'OBJECT_TABLE' || !rename.relation) return;
        const relation = relationFromRangeVar(rename.relation);
        if (!context.isExistingTable(relation) || context.schema.isNewColumn(relation, rename.subname ?? '')) return;
        const oldName = rename.subname ?? '';
        if (keptByViewUnderFormerName(context, relation, oldName, rename.newname ?? '')) return;
        const table = displayName(relation);
        const column = quoteIdentifier(oldName);
        const newName = quoteIdentifier(rename.newname ?? '');
        const steps = columnReplacementSteps(table, column, newName, {
          ...knownColumn(context, relation, oldName),
          ...(context.schema.primaryKey(relation)?.includes(oldName) ? { primaryKey: true } : {}),
        });
        // Artifact Hub's snapshot.created_at, renamed to ts and added again: the running release's queries still run, on other data.
        const addedAgain = columnAddedLater(context, relation, oldName);
        if (addedAgain) {
          // Sirimbo's up_timestamp_add, renamed to created_at and added again GENERATED ALWAYS AS (created_at): same values, no writes.
          const messageId = generatedCopyOf(addedAgain.column) === rename.newname ? 'renameColumnKeptAsGenerated' : 'renameColumnNameTaken';
          context.report({ messageId, helpId: 'help', data: { table, column, newName, line: context.lineOf(addedAgain.statement.range.start), steps } });
          return;
        }
        context.report({ messageId: 'renameColumn', helpId: 'help', data: { table, column, newName, steps } });
      },
    };
  },
});

/**
 * Whether the running release keeps the old column: the table was renamed to its new name earlier in the file, and before
 * COMMIT a view takes its old name, the renamed column under its old name (`CREATE VIEW akce AS SELECT id AS a_id ... FROM
 * event`). A simple view over one table is updatable: reads and writes of the old name go through it (Sirimbo's 000006).
 */
function keptByViewUnderFormerName(context: RuleContext<string>, relation: RelationName, oldColumn: string, newColumn: string): boolean {
  if (!context.transaction.inTransaction) return false;
  const former = formerName(context, relation);
  if (!former) return false;
  return restOfTransaction(context, context.statement).some((later) => {
    const view = asKind(later.node, 'ViewStmt');
    const named = view?.view && relationFromRangeVar(view.view);
    if (!named || named.name !== former.name || (named.schema ?? former.schema) !== (former.schema ?? named.schema)) return false;
    return (asKind(view.query, 'SelectStmt')?.targetList ?? []).some((item) => {
      const target = asKind(item, 'ResTarget');
      return target?.name === oldColumn && stringValues(asKind(target.val, 'ColumnRef')?.fields).at(-1) === newColumn;
    });
  });
}

/** The name the table had before an earlier statement of the file renamed it to its present one (`ALTER TABLE akce RENAME TO event`). */
function formerName(context: RuleContext<string>, relation: RelationName): RelationName | undefined {
  for (const earlier of context.statements.slice(0, context.statement.index).reverse()) {
    const rename = asKind(earlier.node, 'RenameStmt');
    if (rename?.renameType !== 'OBJECT_TABLE' || !rename.relation || !rename.newname) continue;
    const old = relationFromRangeVar(rename.relation);
    if (context.schema.sameTable({ ...(old.schema ? { schema: old.schema } : {}), name: rename.newname }, relation)) return old;
  }
  return undefined;
}

/** The later statement of the file that adds a column of this name to the table, with the column's definition. */
function columnAddedLater(context: RuleContext<string>, relation: RelationName, name: string): { statement: Statement; column: ColumnDef } | undefined {
  for (const statement of context.statements.slice(context.statement.index + 1)) {
    for (const cmd of commandsAltering([statement], relation, context.schema)) {
      const column = cmd.subtype === 'AT_AddColumn' ? asKind(cmd.def, 'ColumnDef') : undefined;
      if (column?.colname === name) return { statement, column };
    }
  }
  return undefined;
}
