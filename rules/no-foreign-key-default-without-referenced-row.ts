import type { ColumnDef, Constraint, Node } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import type { RuleContext } from '../src/engine/context.js';
import { emptiedBy } from '../src/engine/empty-tables.js';
import { displayName, relationFromRangeVar, type RelationName } from '../src/model/names.js';
import { alterTableCommands, asKind, stringValues } from '../src/parse/node-types.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

type MessageId = 'noReferencedRow' | 'noReferencedRowNotValid' | 'help';

export default defineRule({
  id: 'no-foreign-key-default-without-referenced-row',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      noReferencedRow:
        'This foreign key fails on the first row of {{table}} (ERROR: insert or update on table violates foreign key constraint): the migration gives every row {{assignment}} by default, and {{referenced}}, which it creates, holds no row yet.',
      noReferencedRowNotValid:
        'NOT VALID skips the rows {{table}} has, but every row the running release inserts into {{table}} takes the default {{assignment}}, which no row of {{referenced}} (created by this migration, and empty) matches: each such INSERT fails (ERROR: insert or update on table violates foreign key constraint).',
      help: 'Insert the row the default refers to before the foreign key, in the same migration: INSERT INTO {{referenced}} ({{referencedColumns}}, ...) VALUES ({{values}}, ...); or add the column without a default and fill it once the rows it refers to exist.',
    },
    docs: {
      summary: 'Disallows a foreign key on a column the migration fills with a default that no row of the referenced table, new and still empty, matches.',
      why: "ADD COLUMN with a DEFAULT gives every existing row that value. When a foreign key on the column references a table the same migration creates, and nothing inserts into that table first, no row matches the default: validating the key fails on the first row of a table that has any, and the migration stops (seen on PostgreSQL 18). NOT VALID does not save it: the check is skipped for the rows there, but every INSERT the running release makes without the column takes the default and fails. Not reported: a column with no default or a NULL one (a NULL key is not checked), a default lockwise cannot evaluate as a constant, a referenced table that existed before or that a statement of the migration fills (INSERT, COPY, MERGE, a DO block or CALL) before the key is added, and a table with no rows (new, or emptied in the transaction).",
      instead: 'Insert the rows the default refers to, right after creating the referenced table and before adding the foreign key; or add the column without a default and backfill it once the referenced rows exist.',
      bad: 'CREATE TABLE users (id bigint PRIMARY KEY);\n-- a later migration:\nCREATE TABLE tiers (id bigint PRIMARY KEY, name text NOT NULL);\nALTER TABLE users ADD COLUMN tier_id bigint NOT NULL DEFAULT 1 REFERENCES tiers (id);',
      good: "CREATE TABLE users (id bigint PRIMARY KEY);\n-- a later migration:\nCREATE TABLE tiers (id bigint PRIMARY KEY, name text NOT NULL);\nINSERT INTO tiers (id, name) VALUES (1, 'free');\nALTER TABLE users ADD COLUMN tier_id bigint NOT NULL DEFAULT 1 REFERENCES tiers (id);",
      references: ['https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-FK', 'https://www.postgresql.org/docs/current/sql-altertable.html'],
      pgVersions: 'Every version. Checked on PostgreSQL 18.',
      prevents: 'a migration that fails on a table with rows, or inserts that fail after it',
    },
  },
  create(context) {
    return {
      AlterTableStmt(alter) {
        if (!alter.relation) return;
        const table = relationFromRangeVar(alter.relation);
        if (!context.isExistingTable(table)) return;
        for (const node of alter.cmds ?? []) {
          const cmd = asKind(node, 'AlterTableCmd');
          if (!cmd) continue;
          const column = cmd.subtype === 'AT_AddColumn' ? asKind(cmd.def, 'ColumnDef') : undefined;
          const inline = (column?.constraints ?? []).map((node) => asKind(node, 'Constraint')).find((constraint) => constraint?.contype === 'CONSTR_FOREIGN');
          const added = cmd.subtype === 'AT_AddConstraint' ? asKind(cmd.def, 'Constraint') : undefined;
          const key = inline ?? (added?.contype === 'CONSTR_FOREIGN' ? added : undefined);
          if (!key?.pktable) continue;
          const columns = inline ? [column!.colname ?? ''] : stringValues(key.fk_attrs);
          reportIfNoReferencedRow(context, table, key, columns);
        }
      },
    };
  },
});

function reportIfNoReferencedRow(context: RuleContext<MessageId>, table: RelationName, key: Constraint, columns: string[]): void {
  const referenced = relationFromRangeVar(key.pktable!);
  if (!createdEmptyBefore(context, referenced) || emptiedBy(context, table)) return;
  const values: string[] = [];
  for (const column of columns) {
    const value = constantDefault(addedHere(context, table, column));
    if (value === undefined) return;
    values.push(value);
  }
  const names = columns.map(quoteIdentifier);
  const data = {
    table: displayName(table),
    assignment: names.length === 1 ? `${names[0]} = ${values[0]}` : `(${names.join(', ')}) = (${values.join(', ')})`,
    values: values.join(', '),
    referenced: displayName(referenced),
    referencedColumns: stringValues(key.pk_attrs).map(quoteIdentifier).join(', ') || '<its key>',
  };
  context.report({ messageId: key.skip_validation ? 'noReferencedRowNotValid' : 'noReferencedRow', helpId: 'help', data });
}

/** The column as the statements of this migration up to the current one add it to the table, if they do. */
function addedHere(context: RuleContext<MessageId>, table: RelationName, column: string): ColumnDef | undefined {
  let found: ColumnDef | undefined;
  for (const statement of context.statements.slice(0, context.statement.index + 1)) {
    const alter = asKind(statement.node, 'AlterTableStmt');
    if (!alter?.relation || !context.schema.sameTable(relationFromRangeVar(alter.relation), table)) continue;
    for (const cmd of alterTableCommands(statement.node)) {
      const def = cmd.subtype === 'AT_AddColumn' ? asKind(cmd.def, 'ColumnDef') : undefined;
      if (def?.colname === column) found = def;
    }
  }
  return found;
}

/** The column's DEFAULT as SQL, when it is a constant other than NULL (`1`, `'free'`, `'1'::bigint`). */
function constantDefault(column: ColumnDef | undefined): string | undefined {
  const expression = (column?.constraints ?? []).map((node) => asKind(node, 'Constraint')).find((constraint) => constraint?.contype === 'CONSTR_DEFAULT')?.raw_expr;
  return constantText(expression);
}

function constantText(node: Node | undefined): string | undefined {
  const cast = asKind(node, 'TypeCast');
  if (cast) return constantText(cast.arg);
  const constant = asKind(node, 'A_Const');
  if (!constant || constant.isnull) return undefined;
  if (constant.ival) return String(constant.ival.ival ?? 0);
  if (constant.sval) return `'${(constant.sval.sval ?? '').replaceAll("'", "''")}'`;
  if (constant.fval) return constant.fval.fval;
  if (constant.boolval) return String(constant.boolval.boolval ?? false);
  return undefined;
}

/**
 * Whether this migration created the table before the current statement, with CREATE TABLE (not AS), and no statement
 * since may have put a row in it: INSERT, COPY or MERGE into it, or a DO block or CALL, which lockwise cannot follow.
 */
function createdEmptyBefore(context: RuleContext<MessageId>, relation: RelationName): boolean {
  const before = context.statements.slice(0, context.statement.index);
  const createdAt = before.findIndex((statement) => {
    const created = asKind(statement.node, 'CreateStmt')?.relation;
    return created !== undefined && context.schema.sameTable(relationFromRangeVar(created), relation);
  });
  if (createdAt === -1) return false;
  return !before.slice(createdAt + 1).some((statement) => {
    if (statement.kind === 'DoStmt' || statement.kind === 'CallStmt') return true;
    const target = asKind(statement.node, 'InsertStmt')?.relation ?? asKind(statement.node, 'MergeStmt')?.relation ?? asKind(statement.node, 'CopyStmt')?.relation;
    return target !== undefined && context.schema.sameTable(relationFromRangeVar(target), relation);
  });
}
