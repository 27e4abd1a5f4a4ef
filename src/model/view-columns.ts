import type { Node, RangeVar, SelectStmt } from '@pgsql/types';
import { relationFromRangeVar, type RelationName } from './names.js';
import { asKind, fromListItems, relationsNamedIn } from '../parse/node-types.js';
import { walkTree } from '../engine/walk.js';

/** A column of a table or view that a view's query uses: PostgreSQL records the dependency when it creates the view. */
export interface ColumnUse {
  relation: RelationName;
  column: string;
}

/**
 * The columns of the relations it reads that a view's query uses, as far as they can be told apart: a column named with its
 * table or alias; an unqualified one that only one relation read has (by the model's `columnsOf`), or any when the query reads
 * one relation; for `t.*`, every column the relation has when the view is made (PostgreSQL expands the star then), and for a
 * bare `*`, those of the relations in its own SELECT's FROM list.
 * A name lockwise cannot place is left out, so that no column is claimed used that is not.
 */
export function columnsUsedByQuery(query: Node | undefined, columnsOf: (relation: RelationName) => readonly string[] | undefined): ColumnUse[] {
  const read = relationsNamedIn(query);
  const byAlias = new Map<string, RelationName>();
  for (const rangeVar of read) byAlias.set(aliasOf(rangeVar), relationFromRangeVar(rangeVar));
  const relations = [...new Map(read.map((rangeVar) => [`${rangeVar.schemaname ?? ''}.${rangeVar.relname ?? ''}`, relationFromRangeVar(rangeVar)])).values()];
  const uses: ColumnUse[] = [];
  const use = (relation: RelationName | undefined, column: string): void => {
    if (relation && !uses.some((other) => other.column === column && other.relation.name === relation.name && other.relation.schema === relation.schema)) uses.push({ relation, column });
  };
  const every = (relation: RelationName | undefined): void => {
    for (const column of (relation && columnsOf(relation)) ?? []) use(relation, column);
  };
  const readHere = new Set(read);
  for (const { fields, from } of columnRefs(query)) {
    const names = fields.map((field) => asKind(field, 'String')?.sval);
    const star = asKind(fields.at(-1), 'A_Star') !== undefined;
    // A bare `*` stands for the columns of its own SELECT's FROM list, not of the tables its subqueries read.
    if (fields.length === 1 && star) {
      for (const item of fromListItems(from)) {
        const rangeVar = asKind(item, 'RangeVar');
        if (rangeVar && readHere.has(rangeVar)) every(relationFromRangeVar(rangeVar));
      }
    } else if (star && names.length === 2) every(byAlias.get(names[0]!));
    else if (names.length === 1 && names[0]) use(owner(names[0], relations, columnsOf), names[0]);
    else if (names.length >= 2 && names.at(-1) && names.at(-2)) use(byAlias.get(names.at(-2)!), names.at(-1)!);
  }
  return uses;
}

/** The one relation read that has the column, or the only relation read when the model knows none of their columns. */
function owner(column: string, relations: readonly RelationName[], columnsOf: (relation: RelationName) => readonly string[] | undefined): RelationName | undefined {
  const having = relations.filter((relation) => columnsOf(relation)?.includes(column));
  if (having.length === 1) return having[0];
  return relations.length === 1 && columnsOf(relations[0]!) === undefined ? relations[0] : undefined;
}

function aliasOf(rangeVar: RangeVar): string {
  return rangeVar.alias?.aliasname ?? rangeVar.relname ?? '';
}

/** The fields of every column reference in the query, with the FROM list of the SELECT it is in. */
function columnRefs(query: Node | undefined): Array<{ fields: Node[]; from: Node[] | undefined }> {
  const found: Array<{ fields: Node[]; from: Node[] | undefined }> = [];
  if (!query) return found;
  walkTree(query, (kind, payload, ancestors) => {
    const fields = kind === 'ColumnRef' ? (payload as { fields?: Node[] }).fields : undefined;
    if (!fields) return;
    const select = ancestors.findLast((frame) => frame.kind === 'SelectStmt')?.node as SelectStmt | undefined;
    found.push({ fields, from: select?.fromClause });
  });
  return found;
}

/**
 * The columns a query names that it places in a relation: `alias.column` by the alias the query gives (`qualified`), and an
 * unqualified column of a SELECT whose FROM list is one table, which may also be a correlated reference to a relation of an
 * outer SELECT: the caller rules that out. Each with where it stands.
 */
export function columnsPlacedByQuery(query: Node | undefined): Array<ColumnUse & { location: number | undefined; qualified: boolean }> {
  const byAlias = new Map<string, RelationName>();
  for (const rangeVar of relationsNamedIn(query)) byAlias.set(aliasOf(rangeVar), relationFromRangeVar(rangeVar));
  const placed: Array<ColumnUse & { location: number | undefined; qualified: boolean }> = [];
  if (!query) return placed;
  walkTree(query, (kind, payload, ancestors) => {
    if (kind !== 'ColumnRef') return;
    const { fields, location } = payload as { fields?: Node[]; location?: number };
    const names = (fields ?? []).map((field) => asKind(field, 'String')?.sval);
    if (names.some((name) => name === undefined) || names.length === 0) return;
    if (names.length >= 2) {
      const relation = byAlias.get(names.at(-2)!);
      if (relation) placed.push({ relation, column: names.at(-1)!, location, qualified: true });
      return;
    }
    const select = ancestors.findLast((frame) => frame.kind === 'SelectStmt')?.node as SelectStmt | undefined;
    const from = fromListItems(select?.fromClause);
    const only = from.length === 1 ? asKind(from[0], 'RangeVar') : undefined;
    if (only) placed.push({ relation: relationFromRangeVar(only), column: names[0]!, location, qualified: false });
  });
  return placed;
}
