import type { Constraint, CreateStmt } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { commandsAltering, commandsOnExistingTable } from '../src/engine/alter-table-commands.js';
import { displayName, relationFromNameList, type RelationName } from '../src/model/names.js';
import { columnsLeftOut, statementCreatingAgain } from '../src/engine/transaction-block.js';
import { asKind, stringValues } from '../src/parse/node-types.js';
import type { Statement } from '../src/parse/parse.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';
import { domainOfColumn, FAST_DEFAULT_SINCE, fillingDefault, fillsItself, requiringConstraint } from '../src/engine/column-declarations.js';
import { columnType } from '../src/model/schema-objects.js';
import { describeType } from '../src/knowledge/type-changes.js';

export default defineRule({
  id: 'no-add-required-column',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      requiredColumn:
        'ADD COLUMN {{column}} {{constraint}} without a DEFAULT fails with "column contains null values" as soon as {{table}} has a row; if it is empty, the column is added, but the running release\'s INSERTs, which do not name {{column}}, then fail with a not-null violation.',
      requiredColumnReplacingDropped:
        'ADD COLUMN {{column}} {{constraint}} without a DEFAULT fails with "column contains null values" as soon as {{table}} has a row: the values of the {{column}} dropped {{droppedWhere}} are gone by then, and nothing fills the new one.',
      requiredColumnAfterTruncate:
        'ADD COLUMN {{column}} {{constraint}} without a DEFAULT: {{table}} is empty, emptied by TRUNCATE on line {{line}} of this transaction, so the column is added, but the running release\'s INSERTs, which do not name {{column}}, then fail with a not-null violation.',
      requiredColumnAfterDeletingEveryRow:
        'ADD COLUMN {{column}} {{constraint}} without a DEFAULT: the DELETE on line {{line}} of this transaction removed the rows of {{table}} committed before it, but a DELETE does not keep other sessions from adding rows: one committed before this statement takes its lock makes it fail with "column contains null values". If none is, the column is added, and the running release\'s INSERTs, which do not name {{column}}, then fail with a not-null violation.',
      requiredColumnInRebuiltTable:
        '{{table}} is dropped and created again in this transaction with a new column {{column}} {{constraint}} and no DEFAULT: from the moment the migration commits, the running release\'s INSERTs, which do not name {{column}}, fail with a not-null violation.',
      rebuiltHelp:
        'Give {{column}} a constant DEFAULT in the CREATE TABLE, so that the running release\'s INSERTs get it, or create it nullable and make it NOT NULL in a later migration, once every running release writes it.',
      newColumnMadeNotNull:
        'SET NOT NULL on {{column}}, which this release adds to {{table}} without a DEFAULT: from the moment the migration commits, the running release\'s INSERTs, which do not name {{column}}, fail with a not-null violation, as if the column had been added NOT NULL.',
      requiredDomainColumn:
        'ADD COLUMN {{column}} of type {{domain}}, a NOT NULL domain, without a DEFAULT (of the column or of the domain) fails with "domain {{domain}} does not allow null values" as soon as {{table}} has a row; if it is empty, the column is added, but the running release\'s INSERTs, which do not name {{column}}, then fail the same way.',
      help:
        'Give the column a constant default, which PostgreSQL 11+ records in the catalog without rewriting or scanning {{table}}:\n  ALTER TABLE {{table}} ADD COLUMN {{column}} {{type}} NOT NULL DEFAULT <constant>;\nor add it nullable, backfill it in batches, and make it NOT NULL later through a validated CHECK ({{column}} IS NOT NULL) constraint.',
      helpBefore11:
        'Before PostgreSQL 11 a default rewrites the whole table under an ACCESS EXCLUSIVE lock, so add the column nullable, set its default for new rows, backfill it in batches, and enforce it with CHECK ({{column}} IS NOT NULL) NOT VALID, then VALIDATE CONSTRAINT (SET NOT NULL scans the whole table under ACCESS EXCLUSIVE before PostgreSQL 12).',
    },
    docs: {
      summary: 'Disallows adding a NOT NULL column without a default to an existing table.',
      why: 'A new column holds NULL in every existing row unless it has a default (its own, or its domain\'s). ADD COLUMN ... NOT NULL (or PRIMARY KEY) without a DEFAULT, or with DEFAULT NULL, therefore fails on any table that has a row ("column ... contains null values"), and the migration breaks in production although it passed on an empty development database. Where the table happens to be empty, the column is added, but the release still running during the deploy inserts rows without it, and every such INSERT fails with a not-null violation. Serial, identity and generated columns compute their own values and are left to no-identity-or-serial-column-add and no-stored-generated-column. A table dropped and created again in one transaction with a new NOT NULL column and no default is reported the same way: the running release goes on inserting into it as it did into the old one (unless the new table also leaves out a column of the old one, whose INSERTs then fail on that column first, which require-deprecation-before-drop reports). So is SET NOT NULL on a column this release adds without a default (added nullable, filled, then made NOT NULL): the running release does not know the column either.',
      instead: 'From PostgreSQL 11, ADD COLUMN ... NOT NULL DEFAULT <constant> only records the default in the catalog: no rewrite, no scan, and old INSERTs get the default. Otherwise add the column nullable, backfill in batches, and add NOT NULL through a validated CHECK constraint.',
      bad: 'ALTER TABLE users ADD COLUMN plan text NOT NULL;',
      good: "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';",
      references: [
        'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-COLUMN',
        'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES',
        'https://www.postgresql.org/docs/current/ddl-alter.html#DDL-ALTER-ADDING-A-COLUMN',
      ],
      pgVersions: 'Every version. From PostgreSQL 11 a non-volatile default is free (catalog only); before 11 any default rewrites the table, so the help differs.',
      prevents: 'failed migration and errors in the running release',
    },
  },
  create(context) {
    return {
      DropStmt(drop) {
        if (drop.removeType !== 'OBJECT_TABLE') return;
        for (const object of drop.objects ?? []) {
          const relation = relationFromNameList(object);
          const old = relation && context.isExistingTable(relation) ? context.schema.table(relation) : undefined;
          const rebuild = old && statementCreatingAgain(context, context.statement, relation!);
          const create = rebuild ? asKind(rebuild.node, 'CreateStmt') : undefined;
          if (!create) continue;
          // A rebuild without some of the old columns fails the running release's INSERTs on those first ("column ... does
          // not exist"): require-deprecation-before-drop says so.
          if ((columnsLeftOut(context, rebuild!.node, relation!)?.length ?? 0) > 0) continue;
          // The running release queries the new table as it did the old: a column it never heard of must fill itself.
          const keyColumns = new Set(tablePrimaryKeyColumns(create));
          for (const element of create.tableElts ?? []) {
            const column = asKind(element, 'ColumnDef');
            if (!column?.colname || old!.columns.has(column.colname) || fillsItself(column) || fillingDefault(column, domainOfColumn(column, context.schema))) continue;
            const required = requiringConstraint(column);
            if (!required && !keyColumns.has(column.colname)) continue;
            const data = { table: displayName(relation!), column: quoteIdentifier(column.colname), constraint: required ? describe(required) : 'PRIMARY KEY' };
            context.report({ statement: rebuild, messageId: 'requiredColumnInRebuiltTable', helpId: 'rebuiltHelp', at: required?.location ?? column.location, data });
          }
        }
      },
      ...commandsOnExistingTable(context, (cmd, relation) => {
        if (cmd.subtype === 'AT_SetNotNull' && cmd.name) {
          checkNewColumnMadeNotNull(relation, cmd.name);
          return;
        }
        const column = asKind(cmd.def, 'ColumnDef');
        if (cmd.subtype !== 'AT_AddColumn' || !column?.colname || fillsItself(column)) return;
        const domain = domainOfColumn(column, context.schema);
        // A default of the column's own, or of its domain, fills the rows.
        if (fillingDefault(column, domain)) return;
        const required = requiringConstraint(column);
        const helpId = context.pgVersion < FAST_DEFAULT_SINCE ? 'helpBefore11' : 'help';
        const type = columnType(column.typeName);
        const data = { table: displayName(relation), column: quoteIdentifier(column.colname), type: type ? describeType(type) : '<type>' };
        // A TRUNCATE earlier in the transaction holds the table ACCESS EXCLUSIVE: it stays empty until this runs.
        const truncated = context.heldLocks().find((held) => held.statement.kind === 'TruncateStmt' && !held.claim.takenOnlyIf && context.schema.sameTable(held.table, relation));
        // A DELETE of every row empties the table of what was committed before it, and lets other sessions insert meanwhile.
        const deletedAll = context.heldLocks().find((held) => {
          const remove = asKind(held.statement.node, 'DeleteStmt');
          return remove && !remove.whereClause && !remove.usingClause && !held.claim.takenOnlyIf && context.schema.sameTable(held.table, relation);
        });
        const dropped = required && !(truncated ?? deletedAll) ? droppedBefore(relation, column.colname) : undefined;
        if (required && dropped) {
          const droppedWhere = dropped === context.statement ? 'in the same statement' : `on line ${context.lineOf(dropped.range.start)}`;
          context.report({ messageId: 'requiredColumnReplacingDropped', helpId, at: required.location, data: { ...data, constraint: describe(required), droppedWhere } });
        } else if (required && (truncated ?? deletedAll)) {
          const line = context.lineOfLock((truncated ?? deletedAll)!);
          const messageId = truncated ? 'requiredColumnAfterTruncate' : 'requiredColumnAfterDeletingEveryRow';
          context.report({ messageId, helpId, at: required.location, data: { ...data, constraint: describe(required), line } });
        } else if (required) context.report({ messageId: 'requiredColumn', helpId, at: required.location, data: { ...data, constraint: describe(required) } });
        else if (domain?.notNull) {
          context.report({ messageId: 'requiredDomainColumn', helpId, at: column.typeName?.location, data: { ...data, domain: describeType(columnType(column.typeName)!) } });
        }
      }),
    };

    /**
     * The statement of this migration, the current one or an earlier one, that dropped a column of the name before it is
     * added again: the running release still names it in its INSERTs, so the new column is no column it leaves out.
     */
    function droppedBefore(relation: RelationName, name: string): Statement | undefined {
      return context.statements
        .slice(0, context.statement.index + 1)
        .findLast((statement) => commandsAltering([statement], relation, context.schema).some((cmd) => cmd.subtype === 'AT_DropColumn' && cmd.name === name));
    }

    /**
     * A column this release adds nullable, fills, then makes NOT NULL: the running release does not know it, so its
     * INSERTs leave it out. Not when the column has a default, or the file gives it one later.
     */
    function checkNewColumnMadeNotNull(relation: RelationName, name: string): void {
      const column = context.schema.column(relation, name);
      if (!column || column.hasDefault || column.generated || !context.schema.isNewColumn(relation, name)) return;
      // It took the name of a column this migration dropped: the running release's INSERTs name it (require-deprecation-before-drop reports the swap).
      if (droppedBefore(relation, name)) return;
      // Its default may come in the same ALTER TABLE (SET NOT NULL, SET DEFAULT 'live'), or in a later statement.
      const later = commandsAltering(context.statements.slice(context.statement.index), relation, context.schema);
      if (later.some((other) => other.name === name && ((other.subtype === 'AT_ColumnDefault' && other.def !== undefined) || other.subtype === 'AT_DropNotNull'))) return;
      const data = { table: displayName(relation), column: quoteIdentifier(name), type: column.type ? describeType(column.type) : '<type>' };
      context.report({ messageId: 'newColumnMadeNotNull', helpId: context.pgVersion < FAST_DEFAULT_SINCE ? 'helpBefore11' : 'help', data });
    }
  },
});

function describe(constraint: Constraint): string {
  return constraint.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'NOT NULL';
}

/** The columns of a CREATE TABLE's table-level PRIMARY KEY, which makes them NOT NULL. */
function tablePrimaryKeyColumns(create: CreateStmt): string[] {
  return (create.tableElts ?? []).flatMap((element) => {
    const constraint = asKind(element, 'Constraint');
    return constraint?.contype === 'CONSTR_PRIMARY' ? stringValues(constraint.keys) : [];
  });
}
