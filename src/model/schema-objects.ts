import type { CollateClause, ColumnDef, Constraint, FuncCall, IndexStmt, Node, TypeName } from '@pgsql/types';
import { walkTree } from '../engine/walk.js';
import { asKind, stringConstant, stringValues } from '../parse/node-types.js';
import { conditionOf, mentionedColumns, type Condition } from '../knowledge/check-implication.js';

export interface ColumnType {
  /** The type's name as PostgreSQL resolves built-ins: `int4`, `varchar`, `numeric`, or a user type's last name part. */
  name: string;
  /** Type modifiers: `varchar(20)` → [20], `numeric(10,2)` → [10, 2]; empty when unconstrained. */
  modifiers: number[];
  /** Array dimensions written, `text[]` → 1. */
  arrayDimensions: number;
  /** The schema written before a user type's name (`billing.amount`); absent for built-ins and unqualified names. */
  schema?: string;
}

/** A domain the migrations created. */
export interface DomainInfo {
  /** The type it is over, as written: a built-in, or another domain. */
  baseType: ColumnType;
  /**
   * Its CHECK and NOT NULL constraints, by name. PostgreSQL checks stored values against any of
   * them, validated or not, when a column takes the domain's type (seen on PostgreSQL 18).
   */
  constraints: Map<string, 'check' | 'not null'>;
  /** Its DEFAULT, which a column of the type takes when it declares none. */
  defaultExpression?: Node;
}

export interface ColumnInfo {
  name: string;
  type?: ColumnType;
  notNull: boolean;
  hasDefault: boolean;
  /** For a generated column: whether its values are stored in the rows or computed when read (PostgreSQL 18). */
  generated?: 'stored' | 'virtual';
  /** For a generated column that copies another (`GENERATED ALWAYS AS (u_id)`): that column, which holds its values. */
  generatedFrom?: string;
  /** The collation its COLLATE clause names; absent for its type's default. */
  collation?: string;
  /** The functions its DEFAULT calls, lower-case and without schema, when it calls any: DROP EXTENSION ... CASCADE drops the default with them. */
  defaultCalls?: string[];
  /** The sequence (`schema.name`) its DEFAULT draws from with nextval(), serial's own included: DROP SEQUENCE ... CASCADE drops the default. */
  defaultSequence?: string;
  /** The sequence (`schema.name`) a serial or identity column owns, which goes with the column and its table. */
  ownedSequence?: string;
  /** The migration that added the column. */
  addedIn: string;
  /** The migration that last renamed the column to its name, if one did. */
  namedIn?: string;
}

/** ON DELETE actions that delete or update the referencing rows, in the same statement as the DELETE of the referenced one. */
export type ForeignKeyDeleteAction = 'CASCADE' | 'SET NULL' | 'SET DEFAULT';

const DELETE_ACTIONS: Partial<Record<string, ForeignKeyDeleteAction>> = { c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

export type ConstraintKind = 'check' | 'foreign key' | 'unique' | 'primary key' | 'exclusion' | 'not null';

export interface ConstraintInfo {
  name: string;
  kind: ConstraintKind;
  /** False for a constraint added NOT VALID and not validated since. */
  validated: boolean;
  columns: string[];
  /** For a CHECK: its condition, as far as PostgreSQL's implication prover reads it. */
  condition?: Condition;
  /** For a foreign key: the table it references, as written. */
  references?: { schema?: string; name: string };
  /** For a foreign key: the columns it references; empty for the referenced table's primary key. */
  referencedColumns?: string[];
  /** For a foreign key whose ON DELETE changes the rows referencing a deleted row: how. */
  onDelete?: ForeignKeyDeleteAction;
  /** For a CHECK: the functions its condition calls, lower-case and without schema, when it calls any. */
  calls?: string[];
}

const CONSTRAINT_KINDS: Partial<Record<NonNullable<Constraint['contype']>, ConstraintKind>> = {
  CONSTR_CHECK: 'check',
  CONSTR_FOREIGN: 'foreign key',
  CONSTR_UNIQUE: 'unique',
  CONSTR_PRIMARY: 'primary key',
  CONSTR_EXCLUSION: 'exclusion',
  CONSTR_NOTNULL: 'not null',
};

/** PostgreSQL's suffixes for generated constraint names (ChooseConstraintName). */
const NAME_SUFFIXES: Record<ConstraintKind, string> = {
  check: 'check',
  'foreign key': 'fkey',
  unique: 'key',
  'primary key': 'pkey',
  exclusion: 'excl',
  'not null': 'not_null',
};

export function columnType(typeName: TypeName | undefined): ColumnType | undefined {
  const names = stringValues(typeName?.names);
  const name = names.at(-1);
  if (!name) return undefined;
  const modifiers = (typeName?.typmods ?? []).map((node) => asKind(node, 'A_Const')?.ival?.ival ?? 0);
  const schema = names.length > 1 && names[0] !== 'pg_catalog' ? names.at(-2) : undefined;
  return { name, modifiers, arrayDimensions: typeName?.arrayBounds?.length ?? 0, ...(schema ? { schema } : {}) };
}

/** The collation a COLLATE clause names; undefined without one, or for "default", the type's own. */
export function collationName(clause: CollateClause | undefined): string | undefined {
  const name = stringValues(clause?.collname).at(-1);
  return name === 'default' ? undefined : name;
}

export function formatColumnType(type: ColumnType): string {
  const modifiers = type.modifiers.length > 0 ? `(${type.modifiers.join(',')})` : '';
  return `${type.name}${modifiers}${'[]'.repeat(type.arrayDimensions)}`;
}

/** `NULL` or `NULL::type`: PostgreSQL stores no default for either, so nothing is written to the rows. */
export function isNullConstant(expression: Node): boolean {
  const cast = asKind(expression, 'TypeCast');
  return asKind(cast?.arg ?? expression, 'A_Const')?.isnull === true;
}

/** The column a generated column copies as it is (`GENERATED ALWAYS AS (u_id)`), if its expression is one column. */
export function generatedCopyOf(column: ColumnDef | undefined): string | undefined {
  const generated = (column?.constraints ?? []).map((node) => asKind(node, 'Constraint')).find((constraint) => constraint?.contype === 'CONSTR_GENERATED');
  const fields = stringValues(asKind(generated?.raw_expr, 'ColumnRef')?.fields);
  return fields.length === 1 ? fields[0] : undefined;
}

export function columnInfo(column: ColumnDef, addedIn: string): ColumnInfo {
  const constraints = (column.constraints ?? []).map((node) => asKind(node, 'Constraint')?.contype);
  const type = columnType(column.typeName);
  const collation = collationName(column.collClause);
  const generated = (column.constraints ?? []).map((node) => asKind(node, 'Constraint')).find((constraint) => constraint?.contype === 'CONSTR_GENERATED');
  const defaultCalls = functionsCalledIn(defaultExpressionOf(column));
  const generatedFrom = generatedCopyOf(column);
  return {
    name: column.colname ?? '',
    ...(type ? { type } : {}),
    ...(generated ? { generated: generated.generated_kind === 's' ? ('stored' as const) : ('virtual' as const) } : {}),
    ...(generatedFrom ? { generatedFrom } : {}),
    ...(collation ? { collation } : {}),
    // serial is an integer NOT NULL DEFAULT nextval(...) of a sequence it owns.
    notNull: constraints.includes('CONSTR_NOTNULL') || constraints.includes('CONSTR_PRIMARY') || isSerial(column),
    hasDefault: constraints.includes('CONSTR_DEFAULT') || constraints.includes('CONSTR_IDENTITY') || isSerial(column),
    ...(defaultCalls.length > 0 ? { defaultCalls } : {}),
    addedIn,
  };
}

/** The expression of a column's DEFAULT clause. */
export function defaultExpressionOf(column: ColumnDef): Node | undefined {
  return (column.constraints ?? []).map((node) => asKind(node, 'Constraint')).find((constraint) => constraint?.contype === 'CONSTR_DEFAULT')?.raw_expr;
}

/** A column declared GENERATED ... AS IDENTITY. */
export function isIdentity(column: ColumnDef): boolean {
  return (column.constraints ?? []).some((node) => asKind(node, 'Constraint')?.contype === 'CONSTR_IDENTITY');
}

/** The functions an expression calls, lower-case and without schema, each once. */
export function functionsCalledIn(expression: Node | undefined): string[] {
  if (!expression) return [];
  const names = new Set<string>();
  walkTree(expression, (kind, payload) => {
    const name = kind === 'FuncCall' ? stringValues((payload as FuncCall).funcname).at(-1) : undefined;
    if (name) names.add(name.toLowerCase());
  });
  return [...names];
}

/** The sequence `nextval('name')` in an expression names, as written in the text (`public."Users_id_seq"`). */
export function sequenceCalledIn(expression: Node | undefined): { schema?: string; name: string } | undefined {
  if (!expression) return undefined;
  let text: string | undefined;
  walkTree(expression, (kind, payload) => {
    const call = kind === 'FuncCall' ? (payload as FuncCall) : undefined;
    if (text !== undefined || !call || stringValues(call.funcname).at(-1)?.toLowerCase() !== 'nextval') return;
    const argument = call.args?.[0];
    text = stringConstant(argument);
  });
  return text === undefined ? undefined : relationFromRegclassText(text);
}

/** The relation a regclass literal names (`'public."Users_id_seq"'`): dot-separated names, each folded to lower case unless double-quoted. */
export function relationFromRegclassText(text: string): { schema?: string; name: string } | undefined {
  const parts = [...text.matchAll(/"((?:[^"]|"")*)"|([^."]+)/g)].map(([, quoted, plain]) => (quoted !== undefined ? quoted.replaceAll('""', '"') : plain!.trim().toLowerCase()));
  const name = parts.at(-1);
  return name === undefined ? undefined : { ...(parts.length > 1 ? { schema: parts.at(-2)! } : {}), name };
}

/** The operator classes an index's keys name, without schema, after its access method: `gin:gin_trgm_ops`. */
export function operatorClassesOf(index: IndexStmt): string[] {
  const accessMethod = index.accessMethod ?? 'btree';
  return (index.indexParams ?? []).flatMap((element) => stringValues(asKind(element, 'IndexElem')?.opclass).slice(-1).map((name) => `${accessMethod}:${name}`));
}

const SERIAL_TYPES = new Set(['smallserial', 'serial', 'bigserial', 'serial2', 'serial4', 'serial8']);

/** A column declared serial, smallserial or bigserial (unqualified, as PostgreSQL accepts them). */
export function isSerial(column: ColumnDef): boolean {
  const names = stringValues(column.typeName?.names);
  return names.length === 1 && SERIAL_TYPES.has(names[0]!.toLowerCase());
}

/** A table or column constraint as the model records it; `column` is set for column constraints. */
export function constraintInfo(constraint: Constraint, table: string, column?: string): ConstraintInfo | undefined {
  const kind = constraint.contype ? CONSTRAINT_KINDS[constraint.contype] : undefined;
  if (!kind) return undefined;
  const keys = stringValues(constraint.keys ?? constraint.fk_attrs);
  const columns = column ? [column] : keys.length > 0 ? keys : mentionedColumns(constraint.raw_expr);
  // With USING INDEX and no name of its own, the constraint takes the index's.
  const name = constraint.conname ?? constraint.indexname ?? generatedName(table, columns, kind);
  const calls = kind === 'check' ? functionsCalledIn(constraint.raw_expr) : [];
  return {
    name,
    kind,
    validated: constraint.skip_validation !== true,
    columns,
    ...(kind === 'check' ? { condition: conditionOf(constraint.raw_expr) } : {}),
    ...(calls.length > 0 ? { calls } : {}),
    ...(constraint.pktable ? { referencedColumns: stringValues(constraint.pk_attrs) } : {}),
    ...(kind === 'foreign key' && DELETE_ACTIONS[constraint.fk_del_action ?? ''] ? { onDelete: DELETE_ACTIONS[constraint.fk_del_action!] } : {}),
    ...(constraint.pktable
      ? { references: constraint.pktable.schemaname ? { schema: constraint.pktable.schemaname, name: constraint.pktable.relname ?? '' } : { name: constraint.pktable.relname ?? '' } }
      : {}),
  };
}

/** A CHECK constraint's condition for the implication prover; one without a recorded condition is opaque. */
export function conditionOfCheck(check: ConstraintInfo): Condition {
  return check.condition ?? { opaque: check.columns };
}

function generatedName(table: string, columns: string[], kind: ConstraintKind): string {
  if (kind === 'primary key') return `${table}_pkey`;
  const columnPart = kind === 'check' ? columns.slice(0, 1) : columns;
  return [table, ...columnPart, NAME_SUFFIXES[kind]].join('_');
}

/** The columns an index reads: those of each key element in order, and every one it depends on (keys, INCLUDE, WHERE). */
export interface IndexColumns {
  keys: string[][];
  /** Dropping any of these drops the index (PostgreSQL records a dependency on each). */
  columns: string[];
}

/**
 * The columns of an index from its key elements (IndexElem nodes), the columns it INCLUDEs and its WHERE clause;
 * undefined when an element reads no column the model can name, such as a whole-row reference.
 */
export function indexColumns(elements: readonly Node[], included: readonly string[], where: Node | undefined): IndexColumns | undefined {
  const keys: string[][] = [];
  for (const element of elements) {
    const indexElem = asKind(element, 'IndexElem');
    const columns = indexElem?.name !== undefined ? [indexElem.name] : mentionedColumns(indexElem?.expr);
    if (columns.length === 0 || JSON.stringify(indexElem?.expr ?? null).includes('"A_Star"')) return undefined;
    keys.push(columns);
  }
  const columns = [...new Set([...keys.flat(), ...included, ...mentionedColumns(where)])];
  return { keys, columns };
}

/** Whether two key elements (or two lists of columns) read the same columns, in any order. */
export function sameColumnSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name) => b.includes(name));
}

/** The key columns of the index CREATE INDEX builds, when every key is a plain column rather than an expression. */
export function plainKeyColumns(index: IndexStmt): string[] | undefined {
  const elements = (index.indexParams ?? []).map((param) => asKind(param, 'IndexElem'));
  return elements.every((element) => element?.name !== undefined && element.expr === undefined) ? elements.map((element) => element!.name!) : undefined;
}

/** The columns of the index CREATE INDEX builds. */
export function indexStmtColumns(index: IndexStmt): IndexColumns | undefined {
  const included = (index.indexIncludingParams ?? []).map((param) => asKind(param, 'IndexElem')?.name);
  return included.every((name) => name !== undefined) ? indexColumns(index.indexParams ?? [], included as string[], index.whereClause) : undefined;
}

/** The columns of the index a PRIMARY KEY, UNIQUE or EXCLUDE constraint builds; undefined for one USING INDEX. */
export function constraintIndexColumns(constraint: Constraint, keyColumns: readonly string[]): IndexColumns | undefined {
  if (constraint.indexname) return undefined;
  const included = stringValues(constraint.including);
  if (constraint.contype === 'CONSTR_EXCLUSION') {
    const elements = (constraint.exclusions ?? []).map((pair) => asKind(pair, 'List')?.items?.[0]).filter((element): element is Node => element !== undefined);
    return indexColumns(elements, included, constraint.where_clause);
  }
  return keyColumns.length === 0 ? undefined : { keys: keyColumns.map((key) => [key]), columns: [...new Set([...keyColumns, ...included])] };
}

/**
 * An index's name: the one written, or the one PostgreSQL chooses for CREATE INDEX without a name
 * (ChooseIndexName: table, key columns or the names of expressions, else "expr", then "idx"; the number
 * PostgreSQL appends to a name already taken, and its shortening to 63 bytes, are left out).
 */
export function indexName(index: IndexStmt): string {
  if (index.idxname) return index.idxname;
  return [index.relation?.relname ?? '', ...indexKeyNames(index.indexParams ?? []), 'idx'].join('_');
}

/** The names PostgreSQL gives an index's key elements (IndexElem), from which it names the index: a column's, or an expression's. */
export function indexKeyNames(elements: readonly Node[]): string[] {
  return elements.map((param) => {
    const element = asKind(param, 'IndexElem');
    return element?.name ?? element?.indexcolname ?? figureColumnName(element?.expr)?.name ?? 'expr';
  });
}

/**
 * The name PostgreSQL gives an expression where it needs one (FigureColname): a column's, a function's, a cast's
 * column or type, `case`, `coalesce` and the like; none for an operator. A name from a column or function is strong,
 * and wins over a cast's type name.
 */
function figureColumnName(expression: Node | undefined): { name: string; strong: boolean } | undefined {
  const strong = (name: string | undefined): { name: string; strong: boolean } | undefined => (name ? { name, strong: true } : undefined);
  const weak = (name: string): { name: string; strong: boolean } => ({ name, strong: false });
  const columnRef = asKind(expression, 'ColumnRef');
  if (columnRef) return strong(stringValues(columnRef.fields).at(-1));
  const indirection = asKind(expression, 'A_Indirection');
  if (indirection) return strong(stringValues(indirection.indirection).at(-1)) ?? figureColumnName(indirection.arg);
  const call = asKind(expression, 'FuncCall');
  if (call) return strong(stringValues(call.funcname).at(-1));
  const cast = asKind(expression, 'TypeCast');
  if (cast) {
    const inner = figureColumnName(cast.arg);
    const typeName = stringValues(cast.typeName?.names).at(-1);
    return inner?.strong || !typeName ? inner : weak(typeName);
  }
  const collate = asKind(expression, 'CollateClause');
  if (collate) return figureColumnName(collate.arg);
  if (asKind(expression, 'A_Expr')?.kind === 'AEXPR_NULLIF') return strong('nullif');
  if (asKind(expression, 'CoalesceExpr')) return strong('coalesce');
  const minMax = asKind(expression, 'MinMaxExpr');
  if (minMax) return strong(minMax.op === 'IS_GREATEST' ? 'greatest' : 'least');
  if (asKind(expression, 'CaseExpr')) return weak('case');
  if (asKind(expression, 'A_ArrayExpr')) return weak('array');
  if (asKind(expression, 'RowExpr')) return weak('row');
  return undefined;
}
