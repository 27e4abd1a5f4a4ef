import type { Statement } from '../parse/parse.js';
import { alterTableCommands, asKind } from '../parse/node-types.js';
import type { SchemaModel } from '../model/schema-model.js';
import { displayName, relationFromNameList, relationFromRangeVar, type RelationName } from '../model/names.js';
import { quoteIdentifier } from '../parse/identifiers.js';
import type { ByteRange } from '../source/source-file.js';

/** A table or column a statement changes that no migration lockwise read made: what it says of it rests on assumptions. */
export interface UnmadeObject {
  range: ByteRange;
  kind: 'table' | 'column';
  /** `events` or `events.profile_id`, as SQL writes it. */
  name: string;
  /**
   * For a table named without its schema: the schemas, outside the search path, in which the migrations made a table of
   * that name (Guix Data Service's guix_data_service.builds, found through "$user" by the role that runs the migrations).
   */
  madeInSchemas?: string[];
}

/** Sub-commands that change a column in place, and fail when the table has no such column. */
const COLUMN_CHANGES: ReadonlySet<string> = new Set(['AT_AlterColumnType', 'AT_DropColumn', 'AT_SetNotNull', 'AT_DropNotNull', 'AT_ColumnDefault', 'AT_SetStatistics', 'AT_SetStorage']);

/**
 * The tables, and the columns of known tables, that the statement alters, renames, drops or indexes without IF EXISTS,
 * which the model neither has nor saw dropped. The caller leaves out a statement a DO block may not run: its block asks first.
 */
export function unmadeObjectsIn(statement: Statement, schema: SchemaModel): UnmadeObject[] {
  const found: UnmadeObject[] = [];
  const unknownTable = (relation: RelationName): boolean =>
    relation.schema !== 'pg_catalog' && relation.schema !== 'information_schema' && relation.schema !== 'pg_temp' && !schema.table(relation) && !schema.isGone(relation, 'table');
  const note = (relation: RelationName, column?: string): void => {
    const table = displayName(relation);
    const elsewhere = column === undefined && relation.schema === undefined ? schema.schemasWithTable(relation.name) : [];
    found.push({
      range: statement.range,
      kind: column === undefined ? 'table' : 'column',
      name: column === undefined ? table : `${table}.${quoteIdentifier(column)}`,
      ...(elsewhere.length > 0 ? { madeInSchemas: elsewhere } : {}),
    });
  };
  const { node } = statement;
  const alter = asKind(node, 'AlterTableStmt');
  if (alter?.relation && alter.objtype === 'OBJECT_TABLE' && !alter.missing_ok) {
    const relation = relationFromRangeVar(alter.relation);
    if (unknownTable(relation)) note(relation);
    else if (schema.table(relation)) {
      // A column an earlier sub-command of the statement adds (ADD COLUMN IF NOT EXISTS c, ALTER COLUMN c SET DEFAULT ...).
      const added = new Set<string>();
      for (const cmd of alterTableCommands(node)) {
        const addedName = cmd.subtype === 'AT_AddColumn' ? asKind(cmd.def, 'ColumnDef')?.colname : undefined;
        if (addedName) added.add(addedName);
        if (!cmd.name || !COLUMN_CHANGES.has(cmd.subtype ?? '') || cmd.missing_ok || added.has(cmd.name)) continue;
        if (!schema.column(relation, cmd.name) && !schema.isColumnGone(relation, cmd.name)) note(relation, cmd.name);
      }
    }
    return found;
  }
  const rename = asKind(node, 'RenameStmt');
  if (rename?.relation && !rename.missing_ok && (rename.renameType === 'OBJECT_TABLE' || rename.renameType === 'OBJECT_COLUMN')) {
    const relation = relationFromRangeVar(rename.relation);
    if (unknownTable(relation)) note(relation);
    else if (rename.renameType === 'OBJECT_COLUMN' && rename.subname && schema.table(relation) && !schema.column(relation, rename.subname) && !schema.isColumnGone(relation, rename.subname)) {
      note(relation, rename.subname);
    }
    return found;
  }
  const index = asKind(node, 'IndexStmt');
  if (index?.relation) {
    const relation = relationFromRangeVar(index.relation);
    if (unknownTable(relation)) note(relation);
    return found;
  }
  const drop = asKind(node, 'DropStmt');
  if (drop?.removeType === 'OBJECT_TABLE' && !drop.missing_ok) {
    for (const object of drop.objects ?? []) {
      const relation = relationFromNameList(object);
      if (relation && unknownTable(relation)) note(relation);
    }
  }
  return found;
}
