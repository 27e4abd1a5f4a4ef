import type { Node, RangeVar } from '@pgsql/types';
import { stringValues } from '../parse/node-types.js';
import { quoteIdentifier } from '../parse/identifiers.js';

/** A relation name as PostgreSQL resolves it with the default search_path. */
export interface RelationName {
  schema: string;
  name: string;
}

export const DEFAULT_SCHEMA = 'public';

export function relationFromRangeVar(rangeVar: RangeVar): RelationName {
  return { schema: rangeVar.schemaname ?? DEFAULT_SCHEMA, name: rangeVar.relname ?? '' };
}

/** `[schema, name]` or `[name]` as in `DROP TABLE` and `DROP INDEX` object lists. */
export function relationFromNames(names: string[]): RelationName {
  const name = names[names.length - 1] ?? '';
  const schema = names.length > 1 ? names[names.length - 2]! : DEFAULT_SCHEMA;
  return { schema, name };
}

export function relationFromNameList(node: Node | undefined): RelationName | undefined {
  const items = node && 'List' in node ? node.List.items : undefined;
  const names = stringValues(items);
  return names.length > 0 ? relationFromNames(names) : undefined;
}

export function relationKey(relation: RelationName): string {
  return `${relation.schema}.${relation.name}`;
}

/** As SQL would name it, quoted where needed; the schema shown only when it is not the default one. */
export function displayName(relation: RelationName): string {
  const name = quoteIdentifier(relation.name);
  return relation.schema === DEFAULT_SCHEMA ? name : `${quoteIdentifier(relation.schema)}.${name}`;
}
