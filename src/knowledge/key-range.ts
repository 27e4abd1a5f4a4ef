import type { Node } from '@pgsql/types';
import { asKind, stringValues } from '../parse/node-types.js';

type Bound = 'lower' | 'upper';

const LOWER_BOUND_OPERATORS: Record<string, Bound> = { '>': 'lower', '>=': 'lower', '<': 'upper', '<=': 'upper' };
const MIRRORED: Record<Bound, Bound> = { lower: 'upper', upper: 'lower' };

/**
 * Whether a WHERE clause limits an UPDATE or DELETE to a bounded batch of rows:
 * a key range (`id BETWEEN a AND b`, or `id >= a AND id < b`), a list of keys
 * (`id IN (...)`, `id = ANY($1)`), a single key (`id = 42` on a key column), or a
 * subquery with LIMIT. A predicate such as `handle IS NULL` or `status = 'old'` can
 * match every row of the table, so it does not bound the batch.
 */
export function isBoundedBatch(where: Node | undefined, keyColumns: readonly string[]): boolean {
  if (!where) return false;
  const bool = asKind(where, 'BoolExpr');
  if (bool?.boolop === 'AND_EXPR') {
    const args = bool.args ?? [];
    if (args.some((arg) => isBoundedBatch(arg, keyColumns))) return true;
    const bounds = new Map<string, Set<Bound>>();
    for (const arg of args) {
      const bound = comparisonBound(arg);
      if (bound) bounds.set(bound.column, new Set([...(bounds.get(bound.column) ?? []), bound.bound]));
    }
    return [...bounds.values()].some((found) => found.size === 2);
  }
  if (bool?.boolop === 'OR_EXPR') return (bool.args ?? []).every((arg) => isBoundedBatch(arg, keyColumns));

  const expression = asKind(where, 'A_Expr');
  if (expression) {
    const column = columnName(expression.lexpr);
    if (expression.kind === 'AEXPR_BETWEEN' || expression.kind === 'AEXPR_BETWEEN_SYM') return column !== undefined;
    if (expression.kind === 'AEXPR_IN') return column !== undefined && (asKind(expression.rexpr, 'List')?.items ?? []).every(isConstant);
    const operator = stringValues(expression.name).join('');
    if (expression.kind === 'AEXPR_OP_ANY' && operator === '=') return column !== undefined && isConstant(expression.rexpr);
    if (expression.kind === 'AEXPR_OP' && operator === '=') {
      const keyColumn = column ?? columnName(expression.rexpr);
      const other = column ? expression.rexpr : expression.lexpr;
      return keyColumn !== undefined && keyColumns.includes(keyColumn) && isConstant(other);
    }
  }

  const subLink = asKind(where, 'SubLink');
  if (subLink?.subLinkType === 'ANY_SUBLINK') return asKind(subLink.subselect, 'SelectStmt')?.limitCount !== undefined;
  return false;
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

function columnName(node: Node | undefined): string | undefined {
  return stringValues(asKind(node, 'ColumnRef')?.fields).at(-1);
}

/** A value that does not depend on the row: a literal, a parameter, or an expression of those. */
function isConstant(node: Node | undefined): boolean {
  if (!node) return false;
  const tree = JSON.stringify(node);
  return !tree.includes('"ColumnRef"') && !tree.includes('"SubLink"');
}
