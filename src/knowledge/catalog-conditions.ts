import type { A_Expr, Node, SelectStmt } from '@pgsql/types';
import { asKind, forEachRecord, stringConstant, stringValues } from '../parse/node-types.js';
import type { Statement } from '../parse/parse.js';
import { expressionNode, type BranchTest } from '../parse/plpgsql.js';
import type { RelationName } from '../model/names.js';
import type { SchemaModel } from '../model/schema-model.js';
import { relationFromRegclassText } from '../model/schema-objects.js';

/**
 * Whether the statements under the IFs of DO blocks run, as far as the schema the migrations built can tell: an IF
 * that asks the catalogs whether a column, table, index, constraint or type exists (`IF EXISTS (SELECT 1 FROM
 * information_schema.columns WHERE ...)`) is decided on the model as it stands when the IF is reached. Each test is
 * decided once per file, at the first statement under it, as PostgreSQL evaluates it once before its branch runs.
 */
export class BranchOutcomes {
  private readonly outcomes = new Map<BranchTest, boolean | undefined>();
  /**
   * Names a statement that may or may not have run touched (under an IF the model could not decide, in a loop or an
   * exception handler): the model applied it, so a later test of those names in the file is not decided on it.
   */
  private readonly uncertainNames = new Set<string>();

  constructor(private readonly schema: SchemaModel) {}

  /**
   * For a statement of a DO block: `not taken` when an IF it stands under certainly takes another branch; `runs` when
   * its IFs certainly take its branch and nothing else (a loop, a CASE, a handler) may leave it out; else `may run`.
   */
  decide(statement: Statement): BranchDecision {
    let certain = statement.guards !== undefined && !statement.inLoop && !statement.conditionalBeyondGuards;
    for (const { test, holds } of statement.guards ?? []) {
      if (!this.outcomes.has(test)) {
        // In a loop the statements before the IF may change the catalogs between one test and the next.
        const undecidable = statement.inLoop === true || [...literalNames(conditionOf(test))].some((name) => this.uncertainNames.has(name));
        this.outcomes.set(test, undecidable ? undefined : catalogTestOutcome(conditionOf(test), this.schema));
      }
      const outcome = this.outcomes.get(test);
      if (outcome !== undefined && outcome !== holds) return 'not taken';
      if (outcome === undefined) certain = false;
    }
    // A statement a handler may roll back leaves what it touched uncertain too.
    const touchesSurely = certain && statement.caught === undefined;
    if (statement.conditional && !touchesSurely && !ROW_STATEMENTS.has(statement.kind)) for (const name of namesIn(statement.node)) this.uncertainNames.add(name);
    return certain ? 'runs' : 'may run';
  }
}

export type BranchDecision = 'not taken' | 'runs' | 'may run';

/** The names a statement's tree holds: relations, columns, constraints, indexes, and every other identifier or string. */
function namesIn(node: Node): Set<string> {
  const names = new Set<string>();
  forEachRecord(node, (record) => {
    for (const key of ['relname', 'sval', 'colname', 'conname', 'idxname', 'newname', 'subname', 'name']) {
      const value = record[key];
      if (typeof value === 'string') names.add(value);
    }
  });
  return names;
}

/** Statements that change rows, not the catalogs. */
const ROW_STATEMENTS = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'SelectStmt']);

/** The catalogs' columns that hold a schema's name: a schema is no object a statement under an IF makes uncertain. */
const SCHEMA_COLUMNS = new Set(['table_schema', 'constraint_schema', 'schemaname']);

/** The names a test compares with, besides schemas: its string literals, and the last name of each as a regclass. */
function literalNames(condition: Node | undefined): Set<string> {
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (!value || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    const comparison = record.A_Expr as A_Expr | undefined;
    const sides = comparison ? [comparison.lexpr, comparison.rexpr] : [];
    if (sides.some((side) => SCHEMA_COLUMNS.has(stringValues(asKind(side, 'ColumnRef')?.fields).at(-1) ?? ''))) return;
    const text = (record.A_Const as { sval?: { sval?: string } } | undefined)?.sval?.sval;
    if (text !== undefined) {
      names.add(text);
      const relation = relationFromRegclassText(text);
      if (relation) names.add(relation.name);
    }
    for (const child of Object.values(record)) visit(child);
  };
  visit(condition);
  return names;
}

const parsedConditions = new WeakMap<BranchTest, Node | null>();

/** The IF's condition as an SQL expression, parsed the first time it is asked for. */
function conditionOf(test: BranchTest): Node | undefined {
  let condition = parsedConditions.get(test);
  if (condition === undefined) {
    // PL/pgSQL expressions may name the block's variables, or be what SELECT alone refuses: then undecided.
    condition = expressionNode(test.text) ?? null;
    parsedConditions.set(test, condition);
  }
  return condition ?? undefined;
}

/**
 * The value of a condition over the catalogs, in the schema the migrations built: true, false, or undefined when the
 * model cannot tell (an object it never saw made may exist, a condition it does not read).
 */
export function catalogTestOutcome(condition: Node | undefined, schema: SchemaModel): boolean | undefined {
  if (!condition) return undefined;
  const bool = asKind(condition, 'BoolExpr');
  if (bool) {
    const values = (bool.args ?? []).map((argument) => catalogTestOutcome(argument, schema));
    if (bool.boolop === 'NOT_EXPR') return values[0] === undefined ? undefined : !values[0];
    const decisive = bool.boolop === 'OR_EXPR';
    if (values.includes(decisive)) return decisive;
    return values.every((value) => value === !decisive) ? !decisive : undefined;
  }
  const subLink = asKind(condition, 'SubLink');
  if (subLink?.subLinkType === 'EXISTS_SUBLINK') {
    const rows = rowsOf(asKind(subLink.subselect, 'SelectStmt'), schema);
    return rows === undefined ? undefined : rows.min > 0 ? true : rows.max === 0 ? false : undefined;
  }
  if (subLink?.subLinkType === 'EXPR_SUBLINK') {
    // (SELECT count(*) = 2 FROM pg_indexes WHERE ...)
    const select = asKind(subLink.subselect, 'SelectStmt');
    const comparison = select?.targetList?.length === 1 ? asKind(asKind(select.targetList[0], 'ResTarget')?.val, 'A_Expr') : undefined;
    return comparison ? countComparison(comparison, (side) => (isCountStar(side) ? rowsOf(select, schema) : undefined)) : undefined;
  }
  const comparison = asKind(condition, 'A_Expr');
  if (comparison) {
    // (SELECT count(*) FROM pg_indexes WHERE ...) = 2
    return countComparison(comparison, (side) => {
      const scalar = asKind(side, 'SubLink');
      const select = scalar?.subLinkType === 'EXPR_SUBLINK' ? asKind(scalar.subselect, 'SelectStmt') : undefined;
      return select?.targetList?.length === 1 && isCountStar(asKind(select.targetList[0], 'ResTarget')?.val) ? rowsOf(select, schema) : undefined;
    });
  }
  const nullTest = asKind(condition, 'NullTest');
  if (nullTest) {
    // to_regclass('name') IS NULL
    const call = asKind(nullTest.arg, 'FuncCall');
    const argument = call && stringValues(call.funcname).at(-1)?.toLowerCase() === 'to_regclass' ? stringConstant(call.args?.[0]) : undefined;
    const relation = argument === undefined ? undefined : relationFromRegclassText(argument);
    const presence = relation ? relationPresence(relation, schema) : undefined;
    if (presence === undefined) return undefined;
    return (presence === 'present') === (nullTest.nulltesttype === 'IS_NOT_NULL');
  }
  const constant = asKind(condition, 'A_Const');
  return constant?.boolval ? constant.boolval.boolval === true : undefined;
}

/** How many rows a query can return: at least `min`, at most `max`. */
interface RowCount {
  min: number;
  max: number;
}

type Presence = 'present' | 'absent' | undefined;

/** What a catalog's column says of the object a row stands for. */
type Role = 'schema' | 'table' | 'column' | 'name' | 'nullable' | 'constraint type';

interface Catalog {
  /** What a row stands for. */
  object: 'column' | 'relation of a table' | 'base table' | 'index' | 'relation' | 'type' | 'constraint' | 'constraint usage' | 'schema' | 'extension';
  /** The columns whose tests can be decided on the model, by the role they play. */
  columns: Readonly<Record<string, Role>>;
  /** The catalog has a row per column of the object (constraint_column_usage), so the number of rows is not the number of objects. */
  rowsPerColumn?: boolean;
}

const CATALOGS: Readonly<Record<string, Catalog>> = {
  'information_schema.columns': { object: 'column', columns: { table_schema: 'schema', table_name: 'table', column_name: 'column', is_nullable: 'nullable' } },
  'information_schema.tables': { object: 'relation of a table', columns: { table_schema: 'schema', table_name: 'table' } },
  'information_schema.table_constraints': {
    object: 'constraint',
    columns: { table_schema: 'schema', table_name: 'table', constraint_name: 'name', constraint_type: 'constraint type' },
  },
  'information_schema.constraint_column_usage': {
    object: 'constraint usage',
    columns: { table_schema: 'schema', table_name: 'table', constraint_name: 'name' },
    rowsPerColumn: true,
  },
  'pg_catalog.pg_tables': { object: 'base table', columns: { schemaname: 'schema', tablename: 'table' } },
  'pg_catalog.pg_indexes': { object: 'index', columns: { schemaname: 'schema', tablename: 'table', indexname: 'name' } },
  'pg_catalog.pg_class': { object: 'relation', columns: { relname: 'name' } },
  'pg_catalog.pg_type': { object: 'type', columns: { typname: 'name' } },
  'pg_catalog.pg_constraint': { object: 'constraint', columns: { conname: 'name', conrelid: 'table' } },
  'pg_catalog.pg_attribute': { object: 'column', columns: { attrelid: 'table', attname: 'column' } },
  'pg_catalog.pg_namespace': { object: 'schema', columns: { nspname: 'name' } },
  'pg_catalog.pg_extension': { object: 'extension', columns: { extname: 'name' } },
};

/** Columns every table has, which pg_attribute lists and the model does not. */
const SYSTEM_COLUMNS = new Set(['ctid', 'xmin', 'xmax', 'cmin', 'cmax', 'tableoid', 'oid']);

/** A value a catalog column is compared with: a name, or a relation (`'public.users'::regclass`). */
type Value = string | RelationName;

/**
 * The rows a query over one catalog returns, from what its WHERE says of the names and the model knows of them;
 * undefined for any other query.
 */
function rowsOf(select: SelectStmt | undefined, schema: SchemaModel): RowCount | undefined {
  if (!select || (select.op !== undefined && select.op !== 'SETOP_NONE') || select.withClause || select.groupClause || select.havingClause) return undefined;
  if (select.fromClause?.length !== 1) return undefined;
  const from = asKind(select.fromClause[0], 'RangeVar');
  if (!from?.relname) return undefined;
  const catalog = CATALOGS[`${from.schemaname ?? 'pg_catalog'}.${from.relname}`];
  if (!catalog) return undefined;
  const names = new Set([from.relname, from.alias?.aliasname].filter((name) => name !== undefined));

  const tested = new Map<Role, Value[]>();
  // A condition the model cannot decide may leave out any row.
  let narrowed = false;
  for (const condition of conjuncts(select.whereClause)) {
    const test = roleTest(condition, catalog, names, schema);
    if (test === 'neutral') continue;
    if (!test || tested.has(test.role)) narrowed = true;
    else tested.set(test.role, test.values);
  }

  const candidates = objectsTested(catalog, tested);
  if (!candidates) return undefined;
  let present = 0;
  let unknown = 0;
  let unbounded = false;
  for (const candidate of candidates) {
    const found = presence(catalog, candidate, schema);
    if (found.presence === 'present') present += found.count;
    else if (found.presence === undefined) unknown++;
    if (found.presence !== 'absent' && (found.more || catalog.rowsPerColumn)) unbounded = true;
  }
  return { min: narrowed ? 0 : present, max: unbounded ? Number.POSITIVE_INFINITY : present + unknown };
}

/** One object a query's WHERE asks for: the values it compares each role with. */
type Candidate = Partial<Record<Role, Value>>;

/** Every object the tests name, one per combination of the values listed (`indexname IN ('a', 'b')`); undefined when they do not name one. */
function objectsTested(catalog: Catalog, tested: Map<Role, Value[]>): Candidate[] | undefined {
  const needed: Role[] =
    catalog.object === 'column' ? ['table', 'column'] : catalog.object === 'relation of a table' || catalog.object === 'base table' ? ['table'] : ['name'];
  if (needed.some((role) => !tested.has(role))) return undefined;
  let candidates: Candidate[] = [{}];
  for (const [role, values] of tested) candidates = candidates.flatMap((candidate) => values.map((value) => ({ ...candidate, [role]: value })));
  return candidates;
}

/** Whether the model holds the object, and how many rows it gives (constraints of one name on many tables); `more` when others may exist besides. */
function presence(catalog: Catalog, candidate: Candidate, schema: SchemaModel): { presence: Presence; count: number; more?: boolean } {
  const schemaName = typeof candidate.schema === 'string' ? candidate.schema : undefined;
  const named = (value: Value | undefined): RelationName | undefined => {
    if (value === undefined) return undefined;
    const relation = typeof value === 'string' ? { name: value } : value;
    if (schemaName === undefined) return relation;
    // A schema named twice, by the regclass and by the schema's column, must agree.
    return relation.schema === undefined || relation.schema === schemaName ? { schema: schemaName, name: relation.name } : undefined;
  };
  const one = (found: Presence): { presence: Presence; count: number } => ({ presence: found, count: found === 'present' ? 1 : 0 });
  // A test that names no schema counts the objects of every schema: those of schemas the migrations never touched too.
  const inEverySchema = (count: number): { presence: Presence; count: number; more: boolean } => ({ presence: 'present', count, more: true });
  const table = named(candidate.table);
  const name = typeof candidate.name === 'string' ? candidate.name : undefined;
  if (candidate.table !== undefined && !table) return one('absent');
  switch (catalog.object) {
    case 'column': {
      const column = typeof candidate.column === 'string' ? candidate.column : undefined;
      if (!table || column === undefined || SYSTEM_COLUMNS.has(column)) return one(undefined);
      // Without a schema, the catalog lists the tables of that name in every schema (one moved by SET SCHEMA too).
      const tables = table.schema === undefined ? schemasHolding(schema, table.name, TABLE_KINDS) : [];
      if (tables.length > 0) {
        const presences = tables.map((other) => columnPresence({ schema: other, name: table.name }, column, candidate.nullable, schema));
        const found = anyPresent(presences);
        return found === 'present' ? inEverySchema(presences.filter((presence) => presence === 'present').length) : one(found);
      }
      return one(columnPresence(table, column, candidate.nullable, schema));
    }
    case 'relation of a table':
    case 'base table': {
      const kinds = catalog.object === 'base table' ? BASE_TABLE_KINDS : TABLE_KINDS;
      const schemas = table?.schema === undefined ? schemasHolding(schema, table!.name, kinds) : [];
      if (schemas.length > 0) return inEverySchema(schemas.length);
      const info = table && schema.table(table);
      if (info) return one(kinds.includes(info.kind) ? 'present' : 'absent');
      return one(table && schema.isGone(table, 'table') ? 'absent' : undefined);
    }
    case 'index': {
      const index = named(candidate.name);
      if (!index) return one('absent');
      const schemas = index.schema === undefined && !table ? schemasHolding(schema, index.name, ['index']) : [];
      if (schemas.length > 0) return inEverySchema(schemas.length);
      const info = schema.index(index);
      if (info) return one(!table || schema.sameTable(info.table, table) ? 'present' : 'absent');
      return one(schema.isGone(index, 'index') ? 'absent' : undefined);
    }
    case 'relation': {
      const found = name === undefined ? [] : schema.relationsNamed(name);
      if (found.length > 0) return inEverySchema(found.length);
      return one(relationPresence(name === undefined ? undefined : { name }, schema));
    }
    case 'type':
      return one(name !== undefined && (schema.hasType({ name }) || schema.table({ name })) ? 'present' : undefined);
    case 'schema':
      return one(name !== undefined && schema.hasSchema(name) ? 'present' : undefined);
    case 'extension':
      return one(name !== undefined && schema.hasExtension(name) ? 'present' : undefined);
    case 'constraint':
    case 'constraint usage':
      return constraintPresence(catalog, name!, table, schemaName, candidate['constraint type'], schema);
  }
}

/** The schemas holding a relation of the name and of one of the kinds, as the model knows them. */
function schemasHolding(schema: SchemaModel, name: string, kinds: readonly string[]): string[] {
  return schema
    .relationsNamed(name)
    .filter(({ kind }) => kinds.includes(kind))
    .map((relation) => relation.schema);
}

/** What information_schema.tables lists (not materialized views); pg_tables lists base tables only. */
const TABLE_KINDS: readonly string[] = ['table', 'partitioned table', 'view'];
const BASE_TABLE_KINDS: readonly string[] = ['table', 'partitioned table'];

/** Present if any is, absent if all are, undecided otherwise. */
function anyPresent(presences: Presence[]): Presence {
  if (presences.includes('present')) return 'present';
  return presences.every((presence) => presence === 'absent') ? 'absent' : undefined;
}

/**
 * Whether the model knows every column and constraint of the table: a table (not a view, which it does not follow) a
 * migration made, unless with IF NOT EXISTS, which may have kept an older one made outside the migrations.
 */
function knowsWholeTable(schema: SchemaModel, table: RelationName): boolean {
  const info = schema.table(table);
  return info !== undefined && BASE_TABLE_KINDS.includes(info.kind) && !info.mayPredate;
}

function columnPresence(table: RelationName, column: string, nullable: Value | undefined, schema: SchemaModel): Presence {
  const found = schema.column(table, column);
  if (found) return nullable === undefined || (nullable === 'YES') === !found.notNull ? 'present' : 'absent';
  return knowsWholeTable(schema, table) || schema.isColumnGone(table, column) ? 'absent' : undefined;
}

/** A table, view, index or sequence of the name (pg_class), made by the migrations, or dropped by them with none made since. */
function relationPresence(relation: RelationName | undefined, schema: SchemaModel): Presence {
  if (!relation) return undefined;
  if (schema.table(relation) || schema.index(relation) || schema.hasSequence(relation)) return 'present';
  return schema.isGone(relation, 'table') && schema.isGone(relation, 'index') && schema.isGone(relation, 'sequence') ? 'absent' : undefined;
}

function constraintPresence(
  catalog: Catalog,
  name: string,
  table: RelationName | undefined,
  schemaName: string | undefined,
  type: Value | undefined,
  schema: SchemaModel,
): { presence: Presence; count: number; more?: boolean } {
  const ofType = (kind: string): boolean => type === undefined || (typeof type === 'string' && type === kind.toUpperCase());
  if (table) {
    const constraint = schema.constraint(table, name);
    if (constraint && catalog.object === 'constraint usage') {
      // constraint_column_usage lists the columns a key uses: a foreign key's are those of the table it references.
      const usedTable = constraint.kind === 'foreign key' ? constraint.references : table;
      return { presence: usedTable?.name === table.name ? 'present' : undefined, count: 1 };
    }
    if (constraint) return { presence: ofType(constraint.kind) ? 'present' : 'absent', count: 1 };
    const known = catalog.object === 'constraint' && (knowsWholeTable(schema, table) || schema.isConstraintGone(table, name));
    return { presence: known ? 'absent' : undefined, count: 0 };
  }
  const found = schema
    .constraintsNamed(name)
    .filter(({ table: owner, constraint }) => (schemaName === undefined || owner.schema === schemaName) && ofType(constraint.kind));
  // A table the migrations never made may hold a constraint of the name too.
  return found.length > 0 ? { presence: 'present', count: found.length, more: true } : { presence: undefined, count: 0 };
}

/** `column = 'value'`, `column IN ('a', 'b')` and the conditions that exclude no row; undefined for a condition the model cannot decide. */
function roleTest(condition: Node, catalog: Catalog, names: ReadonlySet<string>, schema: SchemaModel): { role: Role; values: Value[] } | 'neutral' | undefined {
  const roleOf = (side: Node | undefined): Role | undefined => {
    const fields = stringValues(asKind(side, 'ColumnRef')?.fields);
    if (fields.length === 0 || fields.length > 2 || (fields.length === 2 && !names.has(fields[0]!))) return undefined;
    return Object.hasOwn(catalog.columns, fields.at(-1)!) ? catalog.columns[fields.at(-1)!] : undefined;
  };
  if (catalog.object === 'column' && isLiveAttribute(condition)) return 'neutral';
  const expression = asKind(condition, 'A_Expr');
  if (!expression) return undefined;
  const operator = stringValues(expression.name).join('');
  if (expression.kind === 'AEXPR_IN' && operator === '=') {
    const role = roleOf(expression.lexpr);
    const items = asKind(expression.rexpr, 'List')?.items ?? [];
    const values = items.map((item) => valueOf(item, role, schema));
    return role && values.every((value) => value !== undefined) ? { role, values: values as Value[] } : undefined;
  }
  if (expression.kind !== 'AEXPR_OP' || operator !== '=') return undefined;
  for (const [side, other] of [
    [expression.lexpr, expression.rexpr],
    [expression.rexpr, expression.lexpr],
  ] as const) {
    const role = roleOf(side);
    const value = role ? valueOf(other, role, schema) : undefined;
    if (role && value !== undefined) return { role, values: [value] };
  }
  return undefined;
}

/** pg_attribute's `NOT attisdropped` and `attnum > 0`: the model's columns are all live user columns. */
function isLiveAttribute(condition: Node): boolean {
  const not = asKind(condition, 'BoolExpr');
  if (not?.boolop === 'NOT_EXPR') return stringValues(asKind(not.args?.[0], 'ColumnRef')?.fields).at(-1) === 'attisdropped';
  const comparison = asKind(condition, 'A_Expr');
  const bound = asKind(comparison?.rexpr, 'A_Const')?.ival;
  return (
    comparison?.kind === 'AEXPR_OP' &&
    stringValues(comparison.name).join('') === '>' &&
    stringValues(asKind(comparison.lexpr, 'ColumnRef')?.fields).at(-1) === 'attnum' &&
    bound !== undefined &&
    (bound.ival ?? 0) === 0
  );
}

/** The name or relation a catalog column is compared with; a regclass literal is read for the table's role only. */
function valueOf(node: Node | undefined, role: Role | undefined, schema: SchemaModel): Value | undefined {
  const cast = asKind(node, 'TypeCast');
  const castTo = stringValues(cast?.typeName?.names).at(-1)?.toLowerCase();
  if (castTo === 'regclass') {
    const text = stringConstant(cast!.arg);
    return role === 'table' && text !== undefined ? relationFromRegclassText(text) : undefined;
  }
  if (role === 'schema') {
    const current = asKind(node, 'SQLValueFunction')?.op === 'SVFOP_CURRENT_SCHEMA' || stringValues(asKind(node, 'FuncCall')?.funcname).join('.') === 'current_schema';
    if (current) return schema.currentSchema();
  }
  return stringConstant(node);
}

function conjuncts(where: Node | undefined): Node[] {
  if (!where) return [];
  const bool = asKind(where, 'BoolExpr');
  return bool?.boolop === 'AND_EXPR' ? (bool.args ?? []).flatMap(conjuncts) : [where];
}

function isCountStar(node: Node | undefined): boolean {
  const call = asKind(node, 'FuncCall');
  return call?.agg_star === true && stringValues(call.funcname).at(-1)?.toLowerCase() === 'count';
}

/** `count(*) <op> N` over a number of rows known to lie within a range: decided when every count in the range agrees. */
function countComparison(comparison: A_Expr, rowsOfSide: (side: Node | undefined) => RowCount | undefined): boolean | undefined {
  if (comparison.kind !== 'AEXPR_OP') return undefined;
  let operator = stringValues(comparison.name).join('');
  let rows = rowsOfSide(comparison.lexpr);
  let number = asKind(comparison.rexpr, 'A_Const')?.ival;
  if (!rows) {
    rows = rowsOfSide(comparison.rexpr);
    number = asKind(comparison.lexpr, 'A_Const')?.ival;
    operator = ({ '<': '>', '>': '<', '<=': '>=', '>=': '<=' } as Record<string, string>)[operator] ?? operator;
  }
  if (!rows || !number) return undefined;
  const n = number.ival ?? 0;
  if (operator === '=' || operator === '<>' || operator === '!=') {
    const equal = rows.min === n && rows.max === n ? true : n < rows.min || n > rows.max ? false : undefined;
    return equal === undefined ? undefined : equal === (operator === '=');
  }
  const holds = (count: number): boolean | undefined => ({ '>': count > n, '>=': count >= n, '<': count < n, '<=': count <= n })[operator];
  // These comparisons are monotonic in the count: decided when both ends of the range agree.
  const atMin = holds(rows.min);
  return atMin !== undefined && atMin === holds(rows.max) ? atMin : undefined;
}
