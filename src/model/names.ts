import type { Node, RangeVar } from '@pgsql/types';
import { stringValues } from '../parse/node-types.js';
import { quoteIdentifier } from '../parse/identifiers.js';

/**
 * A relation as a statement names it. Without a schema the name is resolved
 * through the search_path in force, which the schema model follows.
 */
export interface RelationName {
  schema?: string;
  name: string;
}

export function relationFromRangeVar(rangeVar: RangeVar): RelationName {
  const name = rangeVar.relname ?? '';
  return rangeVar.schemaname ? { schema: rangeVar.schemaname, name } : { name };
}

/** `[schema, name]` or `[name]`, as in `DROP TABLE` and `DROP INDEX` object lists. */
export function relationFromNames(names: string[]): RelationName {
  const name = names[names.length - 1] ?? '';
  return names.length > 1 ? { schema: names[names.length - 2]!, name } : { name };
}

export function relationFromNameList(node: Node | undefined): RelationName | undefined {
  const items = node && 'List' in node ? node.List.items : undefined;
  const names = stringValues(items);
  return names.length > 0 ? relationFromNames(names) : undefined;
}

/** The objects of a table that DROP TRIGGER, DROP POLICY and DROP RULE (and ALTER ... RENAME of them) name `ON` it. */
export type AttachedObjectKind = 'trigger' | 'policy' | 'rule';

/** Those objects by their object type in DROP and RENAME statements. */
export const ATTACHED_OBJECT_KINDS: Partial<Record<string, AttachedObjectKind>> = { OBJECT_TRIGGER: 'trigger', OBJECT_POLICY: 'policy', OBJECT_RULE: 'rule' };

/** `DROP TRIGGER t ON schema.table` lists the table's names, then the object's: both, when the list holds them. */
export function attachedObjectOf(object: Node | undefined): { table: RelationName; name: string } | undefined {
  const names = stringValues(object && 'List' in object ? object.List.items : undefined);
  return names.length >= 2 ? { table: relationFromNames(names.slice(0, -1)), name: names.at(-1)! } : undefined;
}

/** A key for maps within one file, where the same spelling means the same relation. */
export function relationKey(relation: RelationName): string {
  return relation.schema === undefined ? relation.name : `${relation.schema}.${relation.name}`;
}

/** A name the schema model resolved (schema always set), as messages show it: without the default schema `public`. */
export function displayResolvedName(relation: RelationName): string {
  return displayName(relation.schema === 'public' ? { name: relation.name } : relation);
}

/** As SQL would name it, quoted where needed, and schema-qualified when the statement was. */
export function displayName(relation: RelationName): string {
  const name = quoteIdentifier(relation.name);
  return relation.schema === undefined ? name : `${quoteIdentifier(relation.schema)}.${name}`;
}
