import type { Node } from '@pgsql/types';
import type { RuleContext } from './context.js';
import { columnValues } from './column-declarations.js';
import { isBoundedBatch, matchesNoRow, type LimitedSources } from '../knowledge/key-range.js';
import type { RelationName } from '../model/names.js';
import { describeType } from '../knowledge/type-changes.js';
import { quoteIdentifier } from '../parse/identifiers.js';

/** Without a declared primary key, `id` is the key column most tables have. */
export const CONVENTIONAL_KEY = 'id';

/** The key a batch of the table is bounded by: its primary key, or `id` when the model knows none. */
export function batchKey(context: RuleContext<string>, relation: RelationName): readonly string[] {
  const declaredKey = context.schema.primaryKey(relation);
  return declaredKey && declaredKey.length > 0 ? declaredKey : [CONVENTIONAL_KEY];
}

/**
 * Whether conditions on a table's rows limit the work to a bounded batch: a key range, an equality on any unique key
 * (one row), or a test no row passes (`handle IS NULL` on a column no row leaves NULL; `kind = ''` on one that holds only 'LINK').
 */
export function isBoundedWork(context: RuleContext<string>, relation: RelationName, bounds: ReadonlyArray<Node | undefined>, sources: LimitedSources): boolean {
  const boundedBy = (key: readonly string[]): boolean => bounds.some((bound) => bound && isBoundedBatch(bound, key, sources));
  if (bounds.some((bound) => matchesNoRow(bound, columnValues(context, relation)))) return true;
  // The unique keys are looked up only when the primary key does not bound it.
  return boundedBy(batchKey(context, relation)) || context.schema.uniqueKeys(relation).some(boundedBy);
}

/** What the help of a column's replacement can say of it: its type and the table's batch key, as the model knows them. */
export function knownColumn(context: RuleContext<string>, relation: RelationName, column: string): { type?: string; batchKey: string } {
  const type = context.schema.column(relation, column)?.type;
  return { ...(type ? { type: describeType(type) } : {}), batchKey: quoteIdentifier(batchKey(context, relation)[0]!) };
}
