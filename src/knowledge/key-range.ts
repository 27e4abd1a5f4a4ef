import type { Node, RangeVar, WithClause } from '@pgsql/types';
import { asKind, stringValues } from '../parse/node-types.js';

type Bound = 'lower' | 'upper';

const LOWER_BOUND_OPERATORS: Record<string, Bound> = { '>': 'lower', '>=': 'lower', '<': 'upper', '<=': 'upper' };
const MIRRORED: Record<Bound, Bound> = { lower: 'upper', upper: 'lower' };

/** Every row has one, and no two rows share it: batching by it is as good as by the key. */
const ROW_ADDRESS = 'ctid';

/** What a statement's WITH clause and FROM (or USING) list hold that yields a limited number of rows. */
export interface LimitedSources {
  /** Names of common table expressions whose query has a LIMIT. */
  ctes: ReadonlySet<string>;
  /** Names by which the FROM or USING list refers to such a CTE, or to a subquery with a LIMIT. */
  relations: ReadonlySet<string>;
  /**
   * Every name the statement gives a row source (its target, FROM or USING items, CTEs), when known:
   * a column reference qualified by another name is a PL/pgSQL variable (`WHERE id = rec.id` in a loop
   * of a DO block), one value for the statement, since PostgreSQL rejects the statement anywhere else.
   */
  scope?: ReadonlySet<string>;
}

const NO_SOURCES: LimitedSources = { ctes: new Set(), relations: new Set() };

/** The batches a statement prepares, as in `WITH batch AS (SELECT id ... LIMIT 1000) UPDATE t ... FROM batch WHERE t.id = batch.id`. */
export function limitedSources(withClause: WithClause | undefined, fromItems: readonly Node[] | undefined, enclosing?: WithClause, target?: RangeVar): LimitedSources {
  const ctes = new Set<string>();
  const scope = new Set<string>(rowSourceNames([...(target ? [{ RangeVar: target }] : []), ...(fromItems ?? [])]));
  // A data-modifying CTE sees the other CTEs of the WITH it stands in (`WITH batch AS (... LIMIT n), done AS (UPDATE ... FROM batch ...)`).
  for (const node of [...(withClause?.ctes ?? []), ...(enclosing?.ctes ?? [])]) {
    const cte = asKind(node, 'CommonTableExpr');
    if (cte?.ctename) scope.add(cte.ctename);
    if (cte?.ctename && isLimitedSubquery(cte.ctequery, NO_SOURCES)) ctes.add(cte.ctename);
  }
  const relations = new Set<string>();
  for (const item of fromItems ?? []) {
    const rangeVar = asKind(item, 'RangeVar');
    if (rangeVar?.relname && !rangeVar.schemaname && ctes.has(rangeVar.relname)) relations.add(rangeVar.alias?.aliasname ?? rangeVar.relname);
    const subselect = asKind(item, 'RangeSubselect');
    if (subselect?.alias?.aliasname && isLimitedSubquery(subselect.subquery, NO_SOURCES)) relations.add(subselect.alias.aliasname);
  }
  return { ctes, relations, ...(target ? { scope } : {}) };
}

/** The names row sources go by in a FROM list: table names and aliases, through joins. */
function rowSourceNames(items: readonly Node[]): string[] {
  const names: string[] = [];
  const visit = (item: Node | undefined): void => {
    const rangeVar = asKind(item, 'RangeVar');
    if (rangeVar?.relname) names.push(rangeVar.relname, ...(rangeVar.alias?.aliasname ? [rangeVar.alias.aliasname] : []));
    const aliased = asKind(item, 'RangeSubselect')?.alias ?? asKind(item, 'RangeFunction')?.alias;
    if (aliased?.aliasname) names.push(aliased.aliasname);
    const join = asKind(item, 'JoinExpr');
    if (join) {
      visit(join.larg);
      visit(join.rarg);
      if (join.alias?.aliasname) names.push(join.alias.aliasname);
    }
  };
  items.forEach(visit);
  return names;
}

/**
 * Whether a WHERE clause limits an UPDATE or DELETE to a bounded batch of rows:
 * a range (`id BETWEEN a AND b`, or `id >= a AND id < b`, on any column), a single
 * key (`id = 42`, or an equality on every column of a composite key), a list of keys
 * (`id IN (...)`, `id = ANY($1)`), or keys taken from a subquery, CTE or joined
 * relation with a LIMIT (`sources`). Only key columns (and `ctid`) identify single
 * rows: `status = 'old'` or `status IN ('a', 'b')` can match every row of the table,
 * and so can `handle IS NULL`.
 */
export function isBoundedBatch(where: Node | undefined, keyColumns: readonly string[], sources: LimitedSources = NO_SOURCES): boolean {
  if (!where) return false;
  const bool = asKind(where, 'BoolExpr');
  if (bool?.boolop === 'AND_EXPR') {
    const args = bool.args ?? [];
    if (args.some((arg) => isBoundedBatch(arg, keyColumns, sources))) return true;
    const bounds = new Map<string, Set<Bound>>();
    const equalities = new Set<string>();
    for (const arg of args) {
      const bound = comparisonBound(arg);
      if (bound) bounds.set(bound.column, new Set([...(bounds.get(bound.column) ?? []), bound.bound]));
      const equal = equalityColumn(arg, sources);
      if (equal) equalities.add(equal);
    }
    if (keyColumns.length > 0 && keyColumns.every((column) => equalities.has(column))) return true;
    return [...bounds.values()].some((found) => found.size === 2);
  }
  if (bool?.boolop === 'OR_EXPR') return (bool.args ?? []).every((arg) => isBoundedBatch(arg, keyColumns, sources));

  const isKey = (column: string | undefined): boolean =>
    column === ROW_ADDRESS || (column !== undefined && keyColumns.length === 1 && keyColumns[0] === column);

  const expression = asKind(where, 'A_Expr');
  if (expression) {
    const column = columnName(expression.lexpr);
    const operator = stringValues(expression.name).join('');
    if (expression.kind === 'AEXPR_BETWEEN' || expression.kind === 'AEXPR_BETWEEN_SYM') {
      return column !== undefined && (asKind(expression.rexpr, 'List')?.items ?? []).every(isConstant);
    }
    if (expression.kind === 'AEXPR_IN') return operator === '=' && isKey(column) && (asKind(expression.rexpr, 'List')?.items ?? []).every(isConstant);
    if (expression.kind === 'AEXPR_OP_ANY' && operator === '=') {
      return isKey(column) && (isConstant(expression.rexpr) || isLimitedSubquery(asKind(expression.rexpr, 'SubLink')?.subselect, sources));
    }
    if (expression.kind === 'AEXPR_OP') return isKey(equalityColumn(where, sources));
  }

  const subLink = asKind(where, 'SubLink');
  if (subLink?.subLinkType === 'ANY_SUBLINK') {
    const operator = stringValues(subLink.operName).join('');
    const row = (asKind(subLink.testexpr, 'RowExpr')?.args ?? []).map(columnName);
    const keyed = isKey(columnName(subLink.testexpr)) || row.includes(ROW_ADDRESS) || (keyColumns.length > 0 && keyColumns.every((column) => row.includes(column)));
    return (operator === '' || operator === '=') && keyed && isLimitedSubquery(subLink.subselect, sources);
  }
  return false;
}

/**
 * Whether a WHERE clause pins one row: an equality with a constant on every column of one of `keys`
 * (the primary key, a unique constraint), alone or within an AND.
 */
export function matchesOneRow(where: Node | undefined, keys: ReadonlyArray<readonly string[]>): boolean {
  const pinned = pinnedColumns(where);
  return keys.some((key) => key.length > 0 && key.every((column) => pinned.has(column)));
}

/** The columns a WHERE clause holds to one constant each (`type = 'asset'`), alone or within an AND. */
export function pinnedColumns(where: Node | undefined): ReadonlySet<string> {
  return new Set(conjuncts(where).map((node) => equalityColumn(node, NO_SOURCES)).filter((column) => column !== undefined));
}

/** What is known of the values a table's columns hold where a statement runs. */
export interface ColumnValues {
  /** The table's name: a column reference qualified by another (a joined table's `other.kind`) is not one of its columns. */
  table: string;
  /** The column holds no NULL. */
  holdsNoNull(column: string): boolean;
  /** The one value every row holds in the column, as `literalText` writes it, when it is known. */
  onlyValue(column: string): string | undefined;
}

/**
 * Whether a WHERE clause matches no row: within an AND, a condition no row passes, or an OR of them only. No row passes
 * `column IS NULL` on a column that holds no NULL (a NOT NULL column, or one this migration added with a default that
 * filled every row), nor `column = constant` on a column whose one value is another constant (added with that default).
 */
export function matchesNoRow(where: Node | undefined, values: ColumnValues): boolean {
  const columnName = (node: Node | undefined): string | undefined => {
    const fields = stringValues(asKind(node, 'ColumnRef')?.fields);
    return fields.length === 1 || fields.at(-2) === values.table ? fields.at(-1) : undefined;
  };
  const passesNone = (node: Node): boolean => {
    const bool = asKind(node, 'BoolExpr');
    if (bool?.boolop === 'OR_EXPR') return (bool.args ?? []).every(passesNone);
    if (bool?.boolop === 'AND_EXPR') return (bool.args ?? []).some(passesNone);
    const test = asKind(node, 'NullTest');
    if (test) {
      const column = columnName(test.arg);
      return test.nulltesttype === 'IS_NULL' && column !== undefined && values.holdsNoNull(column);
    }
    const comparison = asKind(node, 'A_Expr');
    if (comparison?.kind !== 'AEXPR_OP' || stringValues(comparison.name).join('') !== '=') return false;
    const differs = (side: Node | undefined, other: Node | undefined): boolean => {
      const column = columnName(side);
      const value = literalText(other);
      const only = column === undefined || value === undefined ? undefined : values.onlyValue(column);
      return only !== undefined && only !== value;
    };
    return differs(comparison.lexpr, comparison.rexpr) || differs(comparison.rexpr, comparison.lexpr);
  };
  return where !== undefined && passesNone(where);
}

/** A literal as text that tells it from any other literal of its kind (`'LINK'`, `'LINK'::text`, `42`), or undefined for anything else. */
export function literalText(node: Node | undefined): string | undefined {
  const cast = asKind(node, 'TypeCast');
  const literal = asKind(cast ? cast.arg : node, 'A_Const');
  if (!literal || literal.isnull) return undefined;
  if (literal.sval) return `string ${literal.sval.sval ?? ''}`;
  if (literal.ival) return `number ${literal.ival.ival ?? 0}`;
  if (literal.fval) return `number ${Number(literal.fval.fval)}`;
  if (literal.boolval) return `boolean ${literal.boolval.boolval === true}`;
  return undefined;
}

/** The conditions a WHERE clause requires all of: the arguments of a top-level AND, or the clause itself. */
function conjuncts(where: Node | undefined): readonly Node[] {
  if (!where) return [];
  const bool = asKind(where, 'BoolExpr');
  return bool?.boolop === 'AND_EXPR' ? (bool.args ?? []) : [where];
}

/** The column of `column = constant`, or of `column = batch.column` with `batch` a limited source. */
function equalityColumn(node: Node, sources: LimitedSources): string | undefined {
  const expression = asKind(node, 'A_Expr');
  if (expression?.kind !== 'AEXPR_OP' || stringValues(expression.name).join('') !== '=') return undefined;
  const fromSource = (side: Node | undefined): boolean => {
    const fields = stringValues(asKind(side, 'ColumnRef')?.fields);
    return fields.length === 2 && sources.relations.has(fields[0]!);
  };
  const sideColumn = (side: Node | undefined, other: Node | undefined): string | undefined => {
    const column = columnName(side);
    if (column === undefined || fromSource(side) || isVariable(side, sources)) return undefined;
    return isConstant(other) || fromSource(other) || isVariable(other, sources) || isUncorrelatedScalarSubquery(other) ? column : undefined;
  };
  return sideColumn(expression.lexpr, expression.rexpr) ?? sideColumn(expression.rexpr, expression.lexpr);
}

/**
 * A subquery with `LIMIT n` or `FETCH FIRST n ROWS` (`LIMIT ALL` and `LIMIT NULL` limit nothing),
 * or one that reads a single limited CTE.
 */
function isLimitedSubquery(node: Node | undefined, sources: LimitedSources): boolean {
  const select = asKind(node, 'SelectStmt');
  if (!select) return false;
  if (select.limitCount !== undefined) return asKind(select.limitCount, 'A_Const')?.isnull !== true;
  const [only, ...others] = select.fromClause ?? [];
  const rangeVar = asKind(only, 'RangeVar');
  return others.length === 0 && rangeVar?.relname !== undefined && !rangeVar.schemaname && sources.ctes.has(rangeVar.relname);
}

function comparisonBound(node: Node): { column: string; bound: Bound } | undefined {
  const expression = asKind(node, 'A_Expr');
  if (expression?.kind !== 'AEXPR_OP') return undefined;
  const bound = LOWER_BOUND_OPERATORS[stringValues(expression.name).join('')];
  if (!bound) return undefined;
  const left = columnName(expression.lexpr);
  if (left && isConstant(expression.rexpr)) return { column: left, bound };
  const right = columnName(expression.rexpr);
  if (right && isConstant(expression.lexpr)) return { column: right, bound: MIRRORED[bound] };
  return undefined;
}

/** `rec.id` where the statement has no row source named `rec`: a PL/pgSQL variable (see LimitedSources.scope). */
function isVariable(node: Node | undefined, sources: LimitedSources): boolean {
  const fields = stringValues(asKind(node, 'ColumnRef')?.fields);
  return sources.scope !== undefined && fields.length === 2 && !sources.scope.has(fields[0]!);
}

/**
 * `(SELECT id FROM users ORDER BY created_at LIMIT 1)`: at most one value (PostgreSQL fails the statement
 * on more), the same for every row as long as it names no row source of its own outside it.
 */
function isUncorrelatedScalarSubquery(node: Node | undefined): boolean {
  const subLink = asKind(node, 'SubLink');
  if (subLink?.subLinkType !== 'EXPR_SUBLINK') return false;
  const inner = new Set<string>();
  const qualifiers: string[] = [];
  const visit = (value: unknown): void => {
    if (!value || typeof value !== 'object') return;
    if (Array.isArray(value)) return value.forEach(visit);
    const select = asKind(value as Node, 'SelectStmt');
    if (select) for (const name of rowSourceNames(select.fromClause ?? [])) inner.add(name);
    const fields = stringValues(asKind(value as Node, 'ColumnRef')?.fields);
    if (fields.length > 1) qualifiers.push(fields.at(-2)!);
    Object.values(value).forEach(visit);
  };
  visit(subLink.subselect);
  return qualifiers.every((qualifier) => inner.has(qualifier));
}

function columnName(node: Node | undefined): string | undefined {
  return stringValues(asKind(node, 'ColumnRef')?.fields).at(-1);
}

/** A value that does not depend on the row: a literal, a parameter, or an expression of those. */
function isConstant(node: Node | undefined): boolean {
  if (!node) return false;
  const tree = JSON.stringify(node);
  return !tree.includes('"ColumnRef"') && !tree.includes('"SubLink"');
}
