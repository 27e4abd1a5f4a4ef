import type { Node, PartitionBoundSpec } from '@pgsql/types';
import { asKind, stringValues } from '../parse/node-types.js';
import { comparison, compareConstants, constantOf, type Condition, type Constant } from './check-implication.js';

/** PostgreSQL expands a list bound for the prover only up to this many values (MAX_SAOP_ARRAY_SIZE). */
const MAX_EXPANDED_LIST = 100;

type RangeDatum = Constant | 'minvalue' | 'maxvalue';

/**
 * A partition's constraint as PostgreSQL writes it for its prover, without the `IS NOT NULL` of each
 * key column (get_qual_for_list, get_qual_for_range in partbounds.c). For a range over (a, b) from
 * (al, bl) to (au, bu):
 *
 *   (a > al OR (a = al AND b >= bl)) AND (a < au OR (a = au AND b < bu))
 *
 * with a leading `a = al` when al and au are equal, and MINVALUE and MAXVALUE simplified away
 * (`a >= al` when bl is MINVALUE). Undefined for a DEFAULT or hash partition, a key with an
 * expression, or a bound that is not made of constants lockwise can compare.
 */
export function partitionConstraint(columns: readonly string[], bound: PartitionBoundSpec): Condition | undefined {
  if (bound.is_default || columns.length === 0) return undefined;
  if (bound.strategy === 'l') {
    const values = (bound.listdatums ?? []).map(constantOf);
    if (columns.length !== 1 || values.length === 0 || values.length > MAX_EXPANDED_LIST || values.some((value) => value === undefined)) return undefined;
    return { any: values.map((value) => comparison(columns[0]!, '=', value!)) };
  }
  if (bound.strategy !== 'r') return undefined;
  const lower = (bound.lowerdatums ?? []).map(rangeDatum);
  const upper = (bound.upperdatums ?? []).map(rangeDatum);
  if (lower.length !== columns.length || upper.length !== columns.length || [...lower, ...upper].some((datum) => datum === undefined)) return undefined;
  const items: Condition[] = [];
  // Columns whose lower and upper values are equal: the partition holds that value only.
  let first = 0;
  for (; first < columns.length; first++) {
    const [low, high] = [lower[first]!, upper[first]!];
    if (typeof low === 'string' || typeof high === 'string') break;
    const order = compareConstants(low, high);
    if (order === undefined) return undefined;
    if (order !== 0) break;
    items.push(comparison(columns[first]!, '=', low));
  }
  const lowerArms = boundArms(columns, lower as RangeDatum[], first, 'lower');
  const upperArms = boundArms(columns, upper as RangeDatum[], first, 'upper');
  for (const arms of [lowerArms, upperArms]) if (arms.length > 0) items.push(arms.length === 1 ? arms[0]! : { any: arms });
  return items.length > 0 ? { all: items } : undefined;
}

/**
 * One side of a range bound from column `first` on: an arm per column, each the columns before it
 * equal to their bound values and this one beyond its value. The last column's comparison takes the
 * bound itself on the lower side (>=) and not on the upper (<); so does a column followed by MINVALUE
 * below or MAXVALUE above, which ends the arms. An empty list puts no limit on that side.
 */
function boundArms(columns: readonly string[], datums: readonly RangeDatum[], first: number, side: 'lower' | 'upper'): Condition[] {
  const arms: Condition[] = [];
  const equalities: Condition[] = [];
  const unlimited = side === 'lower' ? 'minvalue' : 'maxvalue';
  for (let index = first; index < columns.length; index++) {
    const datum = datums[index]!;
    // Every value is beyond MINVALUE below (and within MAXVALUE above): an arm of the equalities alone would hold
    // whatever follows; and nothing is beyond the other end, MAXVALUE below or MINVALUE above.
    if (typeof datum === 'string') {
      if (datum === unlimited && equalities.length > 0) arms.push({ all: [...equalities] });
      break;
    }
    const next = datums[index + 1];
    const last = index === columns.length - 1;
    const inclusive = side === 'lower' ? last || next === 'minvalue' : next === 'maxvalue';
    const operator = side === 'lower' ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<';
    arms.push(equalities.length > 0 ? { all: [...equalities, comparison(columns[index]!, operator, datum)] } : comparison(columns[index]!, operator, datum));
    if (inclusive) break;
    equalities.push(comparison(columns[index]!, '=', datum));
  }
  return arms;
}

function rangeDatum(node: Node): RangeDatum | undefined {
  return unboundedEnd(node) ?? constantOf(node);
}

/** MINVALUE or MAXVALUE in a range bound, which the parser gives as a column reference. */
export function unboundedEnd(node: Node): 'minvalue' | 'maxvalue' | undefined {
  const word = stringValues(asKind(node, 'ColumnRef')?.fields)[0];
  return word === 'minvalue' || word === 'maxvalue' ? word : undefined;
}
