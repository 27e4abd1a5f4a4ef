import type { CollateClause, ColumnDef, Constraint, IndexStmt, Node, TypeName } from '@pgsql/types';
import { asKind, stringValues } from '../parse/node-types.js';
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
  /** The collation its COLLATE clause names; absent for its type's default. */
  collation?: string;
  /** The migration that added the column. */
  addedIn: string;
  /** The migration that last renamed the column to its name, if one did. */
  namedIn?: string;
}

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

export function columnInfo(column: ColumnDef, addedIn: string): ColumnInfo {
  const constraints = (column.constraints ?? []).map((node) => asKind(node, 'Constraint')?.contype);
  const type = columnType(column.typeName);
  const collation = collationName(column.collClause);
  const generated = (column.constraints ?? []).map((node) => asKind(node, 'Constraint')).find((constraint) => constraint?.contype === 'CONSTR_GENERATED');
  return {
    name: column.colname ?? '',
    ...(type ? { type } : {}),
    ...(generated ? { generated: generated.generated_kind === 's' ? ('stored' as const) : ('virtual' as const) } : {}),
    ...(collation ? { collation } : {}),
    // serial is an integer NOT NULL DEFAULT nextval(...) of a sequence it owns.
    notNull: constraints.includes('CONSTR_NOTNULL') || constraints.includes('CONSTR_PRIMARY') || isSerial(column),
    hasDefault: constraints.includes('CONSTR_DEFAULT') || constraints.includes('CONSTR_IDENTITY') || isSerial(column),
    addedIn,
  };
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
  return {
    name,
    kind,
    validated: constraint.skip_validation !== true,
    columns,
    ...(kind === 'check' ? { condition: conditionOf(constraint.raw_expr) } : {}),
    ...(constraint.pktable ? { referencedColumns: stringValues(constraint.pk_attrs) } : {}),
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
 * (ChooseIndexName: table, key columns or "expr", then "idx"; the number PostgreSQL appends to a
 * name already taken, and its shortening to 63 bytes, are left out).
 */
export function indexName(index: IndexStmt): string {
  if (index.idxname) return index.idxname;
  const columns = (index.indexParams ?? []).map((param) => asKind(param, 'IndexElem')?.name ?? 'expr');
  return [index.relation?.relname ?? '', ...columns, 'idx'].join('_');
}
