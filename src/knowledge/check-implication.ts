import type { A_Const, Node } from '@pgsql/types';
import { asKind, stringValues } from '../parse/node-types.js';

/**
 * Whether a table's validated CHECK constraints imply a partition's bound, decided as PostgreSQL's
 * prover (predtest.c) decides it before ATTACH PARTITION, and before adding a partition next to a
 * DEFAULT partition, skips its scan. The prover compares a column with constants: it takes
 * `logged_on >= '2025-03-01'` to imply `logged_on >= '2025-01-01'`, but not `id > 9` to imply
 * `id >= 10` (it knows nothing of integers), nor anything from an expression such as `logged_on::date`.
 */

export type ComparisonOperator = '<' | '<=' | '=' | '>=' | '>' | '<>';

/** A constant as written: a number, or a quoted string (whatever it is cast to). */
export type Constant = { number: string } | { text: string };

/** `column operator constant`, the only atom the prover compares. */
export interface Comparison {
  column: string;
  operator: ComparisonOperator;
  value: Constant;
}

/**
 * A CHECK condition in the shapes the prover reasons about: comparisons and null tests joined by AND and OR
 * (IN lists, BETWEEN and NOT are written out as PostgreSQL rewrites them); anything else is
 * opaque, known only by the columns it mentions.
 */
export type Condition =
  | { comparison: Comparison }
  | { nullTest: { column: string; isNull: boolean } }
  | { all: Condition[] }
  | { any: Condition[] }
  | { opaque: string[] };

/** What the prover makes of an implication: it proves it, it cannot, or lockwise cannot tell. */
export type Proof = 'proven' | 'not proven' | 'undecided';

/** PostgreSQL expands an IN list or `= ANY (ARRAY[...])` for the prover only up to this many items (MAX_SAOP_ARRAY_SIZE). */
const MAX_EXPANDED_LIST = 100;

const OPERATORS: ReadonlySet<string> = new Set<ComparisonOperator>(['<', '<=', '=', '>=', '>', '<>']);
const MIRRORED: Record<ComparisonOperator, ComparisonOperator> = { '<': '>', '<=': '>=', '=': '=', '>=': '<=', '>': '<', '<>': '<>' };
const NEGATED: Record<ComparisonOperator, ComparisonOperator> = { '<': '>=', '<=': '>', '=': '<>', '>=': '<', '>': '<=', '<>': '=' };

export function comparison(column: string, operator: ComparisonOperator, value: Constant): Condition {
  return { comparison: { column, operator, value } };
}

/** A CHECK expression as a condition, with NOT pushed down as PostgreSQL's eval_const_expressions does. */
export function conditionOf(expression: Node | undefined): Condition {
  const bool = asKind(expression, 'BoolExpr');
  if (bool) {
    const args = (bool.args ?? []).map(conditionOf);
    if (bool.boolop === 'AND_EXPR') return { all: args };
    if (bool.boolop === 'OR_EXPR') return { any: args };
    if (bool.boolop === 'NOT_EXPR' && args.length === 1) return negated(args[0]!);
  }
  const nullTest = asKind(expression, 'NullTest');
  const tested = columnOf(nullTest?.arg);
  if (nullTest && tested !== undefined && !nullTest.argisrow) return { nullTest: { column: tested, isNull: nullTest.nulltesttype === 'IS_NULL' } };
  const expr = asKind(expression, 'A_Expr');
  const operator = expr ? operatorOf(expr.name) : undefined;
  const column = columnOf(expr?.lexpr);
  if (expr && column !== undefined) {
    const items = listItems(expr.rexpr);
    const compared = (op: ComparisonOperator, node: Node | undefined): Condition | undefined => {
      const value = constantOf(node);
      return value ? comparison(column, op, value) : undefined;
    };
    const all = (conditions: Array<Condition | undefined>): conditions is Condition[] => conditions.every((condition) => condition !== undefined);
    if (expr.kind === 'AEXPR_OP' && operator) {
      const single = compared(operator, expr.rexpr);
      if (single) return single;
    }
    if ((expr.kind === 'AEXPR_BETWEEN' || expr.kind === 'AEXPR_NOT_BETWEEN') && items?.length === 2) {
      const inside = [compared('>=', items[0]), compared('<=', items[1])];
      if (all(inside)) return expr.kind === 'AEXPR_BETWEEN' ? { all: inside } : negated({ all: inside });
    }
    // `IN (...)` and `= ANY (ARRAY[...])` are ORs of equalities; `NOT IN` and `<> ALL` ANDs of inequalities.
    const listed = expr.kind === 'AEXPR_IN' ? items : expr.kind === 'AEXPR_OP_ANY' || expr.kind === 'AEXPR_OP_ALL' ? arrayItems(expr.rexpr) : undefined;
    if (listed && listed.length <= MAX_EXPANDED_LIST && (operator === '=' || operator === '<>')) {
      const each = listed.map((item) => compared(operator, item));
      const anyOf = expr.kind === 'AEXPR_OP_ANY' || (expr.kind === 'AEXPR_IN' && operator === '=');
      const allOf = expr.kind === 'AEXPR_OP_ALL' || (expr.kind === 'AEXPR_IN' && operator === '<>');
      if (all(each) && (anyOf || allOf)) return each.length === 1 ? each[0]! : anyOf ? { any: each } : { all: each };
    }
  }
  // A constant on the left: `0 <= id`.
  const mirroredColumn = columnOf(expr?.rexpr);
  const leftValue = constantOf(expr?.lexpr);
  if (expr?.kind === 'AEXPR_OP' && operator && mirroredColumn !== undefined && leftValue) return comparison(mirroredColumn, MIRRORED[operator], leftValue);
  return { opaque: mentionedColumns(expression) };
}

/** NOT condition, pushed down as PostgreSQL does (De Morgan, and each comparison's negator). */
export function negated(condition: Condition): Condition {
  if ('comparison' in condition) return comparison(condition.comparison.column, NEGATED[condition.comparison.operator], condition.comparison.value);
  if ('nullTest' in condition) return { nullTest: { ...condition.nullTest, isNull: !condition.nullTest.isNull } };
  if ('all' in condition) return { any: condition.all.map(negated) };
  if ('any' in condition) return { all: condition.any.map(negated) };
  return condition;
}

/** The condition with a column renamed, as PostgreSQL's stored expression follows RENAME COLUMN. */
export function renameColumnInCondition(condition: Condition, oldName: string, newName: string): Condition {
  const rename = (name: string): string => (name === oldName ? newName : name);
  if ('comparison' in condition) return { comparison: { ...condition.comparison, column: rename(condition.comparison.column) } };
  if ('nullTest' in condition) return { nullTest: { ...condition.nullTest, column: rename(condition.nullTest.column) } };
  if ('all' in condition) return { all: condition.all.map((item) => renameColumnInCondition(item, oldName, newName)) };
  if ('any' in condition) return { any: condition.any.map((item) => renameColumnInCondition(item, oldName, newName)) };
  return { opaque: condition.opaque.map(rename) };
}

/**
 * Whether the known conditions (all hold: a table's validated CHECK constraints) imply the predicate,
 * following predtest.c's recursion over AND and OR: a predicate AND needs every item implied, a
 * predicate OR one item (or every item of a clause OR to imply it), and a clause AND one of its
 * items to imply the predicate. "undecided" when an opaque condition on the predicate's columns,
 * or constants lockwise cannot order, might let PostgreSQL prove what lockwise cannot.
 */
export function implies(known: readonly Condition[], predicate: Condition): Proof {
  return impliedBy({ all: [...known] }, predicate);
}

function impliedBy(clause: Condition, predicate: Condition): Proof {
  if ('all' in predicate) return every(predicate.all.map((item) => impliedBy(clause, item)));
  if ('any' in predicate) {
    if ('any' in clause) return every(clause.any.map((item) => impliedBy(item, predicate)));
    if ('all' in clause) return some([...predicate.any.map((item) => impliedBy(clause, item)), ...clause.all.map((item) => impliedBy(item, predicate))]);
    return some(predicate.any.map((item) => impliedBy(clause, item)));
  }
  if ('opaque' in predicate) return 'undecided';
  if ('all' in clause) return some(clause.all.map((item) => impliedBy(item, predicate)));
  if ('any' in clause) return every(clause.any.map((item) => impliedBy(item, predicate)));
  const column = 'comparison' in predicate ? predicate.comparison.column : predicate.nullTest.column;
  if ('opaque' in clause) return clause.opaque.includes(column) ? 'undecided' : 'not proven';
  const clauseColumn = 'comparison' in clause ? clause.comparison.column : clause.nullTest.column;
  if (clauseColumn !== column) return 'not proven';
  if ('nullTest' in predicate) {
    // A CHECK holds when its condition is NULL, so `column > 0` lets NULL in: only a null test proves one.
    return 'nullTest' in clause && clause.nullTest.isNull === predicate.nullTest.isNull ? 'proven' : 'not proven';
  }
  // `column IS NULL` makes every comparison NULL, which a CHECK lets pass.
  if ('nullTest' in clause) return clause.nullTest.isNull ? 'undecided' : 'not proven';
  return comparisonImplies(clause.comparison, predicate.comparison);
}

/** Kleene's OR over proofs. */
function some(proofs: Proof[]): Proof {
  return proofs.includes('proven') ? 'proven' : proofs.includes('undecided') ? 'undecided' : 'not proven';
}

/** Kleene's AND over proofs. */
function every(proofs: Proof[]): Proof {
  return proofs.includes('not proven') ? 'not proven' : proofs.includes('undecided') ? 'undecided' : 'proven';
}

/**
 * For `column clauseOp c1` to imply `column predicateOp c2`, how c1 must compare with c2, on an
 * ordered type with no gaps (predtest.c's BT_implic_table); undefined when it never does.
 */
const REQUIRED: Record<ComparisonOperator, Partial<Record<ComparisonOperator, ComparisonOperator>>> = {
  '>=': { '>=': '>=', '>': '>=', '=': '>=' },
  '>': { '>=': '>', '>': '>=', '=': '>' },
  '<=': { '<=': '<=', '<': '<=', '=': '<=' },
  '<': { '<': '<=', '<=': '<', '=': '<' },
  '=': { '=': '=' },
  '<>': { '=': '<>', '<': '<=', '<=': '<', '>': '>=', '>=': '>', '<>': '=' },
};

function comparisonImplies(clause: Comparison, predicate: Comparison): Proof {
  const required = REQUIRED[predicate.operator][clause.operator];
  if (!required) return 'not proven';
  let holds: boolean | undefined;
  if (required === '=' || required === '<>') {
    const equal = constantsEqual(clause.value, predicate.value);
    holds = equal === undefined ? undefined : equal === (required === '=');
  } else {
    const order = compareConstants(clause.value, predicate.value);
    holds = order === undefined ? undefined : { '<': order < 0, '<=': order <= 0, '>': order > 0, '>=': order >= 0 }[required];
  }
  return holds === undefined ? 'undecided' : holds ? 'proven' : 'not proven';
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
/** Dates and timestamps without a time zone, whose text orders as they do when of the same shape. */
const DATE_OR_TIMESTAMP = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/;

/** How two constants order, when lockwise can tell without knowing the column's type and collation. */
export function compareConstants(a: Constant, b: Constant): number | undefined {
  if ('number' in a && 'number' in b) {
    if (a.number === b.number) return 0;
    const [x, y] = [Number(a.number), Number(b.number)];
    // Beyond 15 significant digits a double may round two different numbers to one.
    const exact = (text: string): boolean => text.replace(/[^0-9]/g, '').replace(/^0+/, '').length <= 15;
    return NUMBER.test(a.number) && NUMBER.test(b.number) && exact(a.number) && exact(b.number) ? Math.sign(x - y) : undefined;
  }
  if ('text' in a && 'text' in b) {
    if (a.text === b.text) return 0;
    const sameShape = a.text.replace(/\d/g, '0') === b.text.replace(/\d/g, '0');
    if (sameShape && DATE_OR_TIMESTAMP.test(a.text)) return a.text < b.text ? -1 : 1;
  }
  return undefined;
}

/** Whether two constants are equal, when lockwise can tell: distinct words ('us', 'ca') are distinct values. */
function constantsEqual(a: Constant, b: Constant): boolean | undefined {
  const order = compareConstants(a, b);
  if (order !== undefined) return order === 0;
  // Text that may be a number, a date or a time can be written two ways ('01' and '1'); and case may not matter (citext).
  const word = (constant: Constant): constant is { text: string } => 'text' in constant && /^[A-Za-z_]/.test(constant.text);
  if (word(a) && word(b)) return a.text.toLowerCase() === b.text.toLowerCase() ? undefined : false;
  return undefined;
}

/** A constant as the prover would see it: a literal, possibly cast (`DATE '2025-01-01'`, `'2025-01-01'::date`, `10::bigint`). */
export function constantOf(node: Node | undefined): Constant | undefined {
  const constant: A_Const | undefined = asKind(node, 'A_Const') ?? asKind(asKind(node, 'TypeCast')?.arg, 'A_Const');
  if (!constant || constant.isnull) return undefined;
  if (constant.sval) return { text: constant.sval.sval ?? '' };
  if (constant.ival) return { number: String(constant.ival.ival ?? 0) };
  if (constant.fval?.fval !== undefined) return { number: constant.fval.fval };
  return undefined;
}

/** A plain column reference's name (`logged_on`, or `logs.logged_on`). */
function columnOf(node: Node | undefined): string | undefined {
  const fields = asKind(node, 'ColumnRef')?.fields;
  if (!fields) return undefined;
  const names = stringValues(fields);
  return names.length === fields.length ? names.at(-1) : undefined;
}

function operatorOf(name: Node[] | undefined): ComparisonOperator | undefined {
  const names = stringValues(name);
  return names.length === 1 && OPERATORS.has(names[0]!) ? (names[0] as ComparisonOperator) : undefined;
}

function listItems(node: Node | undefined): Node[] | undefined {
  return asKind(node, 'List')?.items;
}

function arrayItems(node: Node | undefined): Node[] | undefined {
  return asKind(node, 'A_ArrayExpr')?.elements;
}

/** Every column an expression mentions. */
export function mentionedColumns(expression: Node | undefined): string[] {
  const columns: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const reference = (value as { ColumnRef?: { fields?: Node[] } }).ColumnRef;
      const name = reference ? stringValues(reference.fields).at(-1) : undefined;
      if (name && !columns.includes(name)) columns.push(name);
      Object.values(value).forEach(visit);
    }
  };
  visit(expression);
  return columns;
}
