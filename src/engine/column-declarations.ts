import type { ColumnDef, Constraint, Node } from '@pgsql/types';
import { displayName, relationFromRangeVar, type RelationName } from '../model/names.js';
import type { ResolvedDomain, SchemaModel } from '../model/schema-model.js';
import { columnType, isNullConstant, isSerial } from '../model/schema-objects.js';
import { asKind } from '../parse/node-types.js';
import type { Statement } from '../parse/parse.js';
import { literalText, type ColumnValues } from '../knowledge/key-range.js';
import { commandsAltering } from './alter-table-commands.js';
import type { RuleContext } from './context.js';
import type { NodeVisitors } from './rule.js';

/** Called for every column a statement declares a type for: in CREATE TABLE, ADD COLUMN and ALTER COLUMN ... TYPE. */
export type ColumnDeclarationCheck = (table: string, name: string | undefined, column: ColumnDef | undefined) => void;

/** Visitors for rules about declared column types, which look at the same three places. */
export function columnDeclarationVisitors(check: ColumnDeclarationCheck): NodeVisitors {
  return {
    CreateStmt(create) {
      if (!create.relation) return;
      const table = displayName(relationFromRangeVar(create.relation));
      for (const element of create.tableElts ?? []) check(table, asKind(element, 'ColumnDef')?.colname, asKind(element, 'ColumnDef'));
    },
    AlterTableStmt(alter) {
      if (!alter.relation || alter.objtype !== 'OBJECT_TABLE') return;
      const table = displayName(relationFromRangeVar(alter.relation));
      for (const command of alter.cmds ?? []) {
        const cmd = asKind(command, 'AlterTableCmd');
        const column = asKind(cmd?.def, 'ColumnDef');
        if (cmd?.subtype === 'AT_AddColumn') check(table, column?.colname, column);
        if (cmd?.subtype === 'AT_AlterColumnType') check(table, cmd.name, column);
      }
    },
  };
}

/** The domain a column's type names, when the migrations created it; an array of a domain is another type, which has no constraints. */
export function domainOfColumn(column: ColumnDef | undefined, schema: Pick<SchemaModel, 'domain'>): ResolvedDomain | undefined {
  const type = columnType(column?.typeName);
  return type && type.arrayDimensions === 0 ? schema.domain(type) : undefined;
}

/** PostgreSQL 11 stores a non-volatile default in the catalog instead of writing it into every row. */
export const FAST_DEFAULT_SINCE = 11;

/**
 * What fills the existing rows of a column ADD COLUMN adds: its own DEFAULT or, without one, its
 * domain's. Undefined when that is nothing or NULL.
 */
export function fillingDefault(column: ColumnDef, domain: ResolvedDomain | undefined): { expression: Node; location: number | undefined; fromDomain: boolean } | undefined {
  const own = (column.constraints ?? []).map((node) => asKind(node, 'Constraint')).find((constraint) => constraint?.contype === 'CONSTR_DEFAULT');
  const filling = own
    ? own.raw_expr && { expression: own.raw_expr, location: own.location, fromDomain: false }
    : domain?.defaultExpression && { expression: domain.defaultExpression, location: column.typeName?.location, fromDomain: true };
  return filling && !isNullConstant(filling.expression) ? filling : undefined;
}

/**
 * Whether a column holds no NULL where the current statement runs: it is NOT NULL, or an earlier statement of the
 * migration added it with a default (not NULL), which filled every existing row, and the running release, which
 * does not know the column, gets that default too.
 */
export function holdsNoNull(context: RuleContext<string>, relation: RelationName, column: string): boolean {
  if (context.schema.column(relation, column)?.notNull) return true;
  return commandsAltering(statementsBefore(context), relation, context.schema).some((cmd) => {
    const added = cmd.subtype === 'AT_AddColumn' ? asKind(cmd.def, 'ColumnDef') : undefined;
    return added?.colname === column && fillingDefault(added, undefined) !== undefined;
  });
}

/**
 * The one value every row holds in a column where the current statement runs (as `literalText` writes it): an earlier
 * statement of the migration added it with a literal default, which filled every existing row and fills those the
 * running release inserts, and no statement since wrote rows of the table or changed the column.
 */
export function onlyValue(context: RuleContext<string>, relation: RelationName, column: string): string | undefined {
  // Most columns compared in a WHERE are older than the migration: no statement of it need be read for them.
  if (context.schema.columnAddedIn(relation, column) !== context.filePath) return undefined;
  const earlier = statementsBefore(context);
  const writesTableOrColumn = (statement: Statement): boolean => {
    const written = asKind(statement.node, 'UpdateStmt')?.relation ?? asKind(statement.node, 'InsertStmt')?.relation ?? asKind(statement.node, 'MergeStmt')?.relation ?? asKind(statement.node, 'CopyStmt')?.relation;
    if (written && context.schema.sameTable(relationFromRangeVar(written), relation)) return true;
    return commandsAltering([statement], relation, context.schema).some((cmd) => cmd.name === column);
  };
  for (let at = earlier.length - 1; at >= 0; at--) {
    const added = commandsAltering([earlier[at]!], relation, context.schema)
      .map((cmd) => (cmd.subtype === 'AT_AddColumn' ? asKind(cmd.def, 'ColumnDef') : undefined))
      .find((definition) => definition?.colname === column);
    if (!added) continue;
    const value = literalText(fillingDefault(added, undefined)?.expression);
    return value !== undefined && !earlier.slice(at + 1).some(writesTableOrColumn) ? value : undefined;
  }
  return undefined;
}

/** What a WHERE clause on the table can rely on its columns holding, where the current statement runs. */
export function columnValues(context: RuleContext<string>, relation: RelationName): ColumnValues {
  return { table: relation.name, holdsNoNull: (column) => holdsNoNull(context, relation, column), onlyValue: (column) => onlyValue(context, relation, column) };
}

/** The statements of the migration before the current one; for a statement inside a DO block, before the block. */
function statementsBefore(context: RuleContext<string>): readonly Statement[] {
  return context.statements.slice(0, context.statement.insideBlock ?? context.statement.index);
}

/** Serial, identity and generated columns compute a value for every row themselves. */
export function fillsItself(column: ColumnDef): boolean {
  if (isSerial(column)) return true;
  return (column.constraints ?? []).some((node) => {
    const type = asKind(node, 'Constraint')?.contype;
    return type === 'CONSTR_IDENTITY' || type === 'CONSTR_GENERATED';
  });
}

/** The column's NOT NULL or PRIMARY KEY constraint, which makes it refuse NULL. */
export function requiringConstraint(column: ColumnDef): Constraint | undefined {
  return (column.constraints ?? []).map((node) => asKind(node, 'Constraint')).find((c) => c?.contype === 'CONSTR_NOTNULL' || c?.contype === 'CONSTR_PRIMARY');
}

/**
 * A column ADD COLUMN cannot give any existing row a value for, though it refuses NULL: NOT NULL or PRIMARY KEY (or a
 * NOT NULL domain) with no default of its own or its domain's, and not computing its own. The statement fails on a
 * table that has a row, so where it succeeds the table was empty.
 */
export function refusesExistingRows(column: ColumnDef | undefined, schema: Pick<SchemaModel, 'domain'>): boolean {
  if (!column || fillsItself(column)) return false;
  const domain = domainOfColumn(column, schema);
  return !fillingDefault(column, domain) && (requiringConstraint(column) !== undefined || domain?.notNull === true);
}
