import type { ColumnDef, Node } from '@pgsql/types';
import type { Statement } from '../parse/parse.js';
import { asKind, stringValues } from '../parse/node-types.js';
import type { Volatility } from '../knowledge/volatility.js';
import {
  relationFromNameList,
  relationFromNames,
  relationFromRangeVar,
  relationKey,
  type RelationName,
} from './names.js';

export interface ColumnInfo {
  name: string;
  /** The type as written, e.g. `pg_catalog.varchar(20)`; undefined when unknown. */
  type?: string;
  notNull: boolean;
  hasDefault: boolean;
}

export interface TableInfo {
  name: RelationName;
  /** The migration (file path) that created the table. */
  createdIn: string;
  columns: Map<string, ColumnInfo>;
}

export interface Retirement {
  /** The migration that marked the table or column deprecated. */
  migration: string;
  /** That migration has run in production, so the application had a release to stop using the object. */
  deployed: boolean;
}

export interface IndexInfo {
  name: RelationName;
  table: RelationName;
  createdIn: string;
}

/**
 * The schema as replayed from the migrations seen so far. It only claims what it
 * was shown: a table it never saw created is unknown, which rules treat as an
 * existing, possibly large table.
 */
export class SchemaModel {
  private readonly tables = new Map<string, TableInfo>();
  private readonly indexes = new Map<string, IndexInfo>();
  private readonly functionVolatilities = new Map<string, Volatility>();
  /** `schema.table` or `schema.table.column` → the migration that deprecated it. */
  private readonly retirements = new Map<string, string>();
  /** Migrations that have not run in production yet: what they create is new. */
  private readonly undeployedMigrations = new Set<string>();
  private currentMigration = '';

  beginMigration(path: string, options: { deployed: boolean }): void {
    this.currentMigration = path;
    if (!options.deployed) this.undeployedMigrations.add(path);
  }

  table(relation: RelationName): TableInfo | undefined {
    return this.tables.get(relationKey(relation));
  }

  /** Created by a migration that has not been deployed, so nothing in production uses it or fills it yet. */
  isNewTable(relation: RelationName): boolean {
    const table = this.table(relation);
    return table !== undefined && this.undeployedMigrations.has(table.createdIn);
  }

  /** The table an index belongs to, when the model saw the index created. */
  indexTable(index: RelationName): RelationName | undefined {
    return this.indexes.get(relationKey(index))?.table;
  }

  /**
   * How a table (or one of its columns) was retired before being dropped: a
   * `COMMENT ... IS 'deprecated...'` in an earlier migration. Undefined when it never was.
   */
  retirement(relation: RelationName, column?: string): Retirement | undefined {
    const migration = this.retirements.get(retirementKey(relation, column));
    if (migration === undefined) return undefined;
    return { migration, deployed: !this.undeployedMigrations.has(migration) };
  }

  /** Volatility of a function created by a migration; undefined when the model never saw it. */
  userFunctionVolatility(name: string): Volatility | undefined {
    return this.functionVolatilities.get(name.toLowerCase());
  }

  apply(statement: Statement): void {
    const { node } = statement;
    const create = asKind(node, 'CreateStmt');
    if (create?.relation) {
      this.createTable(relationFromRangeVar(create.relation), create.tableElts ?? [], create.if_not_exists === true);
      return;
    }
    const createAs = asKind(node, 'CreateTableAsStmt');
    if (createAs?.into?.rel) {
      this.createTable(relationFromRangeVar(createAs.into.rel), [], createAs.if_not_exists === true);
      return;
    }
    const index = asKind(node, 'IndexStmt');
    if (index?.relation && index.idxname) {
      const table = relationFromRangeVar(index.relation);
      const name = { schema: table.schema, name: index.idxname };
      this.indexes.set(relationKey(name), { name, table, createdIn: this.currentMigration });
      return;
    }
    const drop = asKind(node, 'DropStmt');
    if (drop) {
      this.applyDrop(drop.removeType, drop.objects ?? []);
      return;
    }
    const rename = asKind(node, 'RenameStmt');
    if (rename) {
      this.applyRename(rename);
      return;
    }
    const alter = asKind(node, 'AlterTableStmt');
    if (alter?.relation) {
      this.applyAlterTable(relationFromRangeVar(alter.relation), alter.cmds ?? []);
      return;
    }
    const createFunction = asKind(node, 'CreateFunctionStmt');
    if (createFunction) {
      this.recordFunction(createFunction.funcname ?? [], createFunction.options ?? []);
      return;
    }
    const comment = asKind(node, 'CommentStmt');
    if (comment) this.applyComment(comment.objtype, stringValues(asKind(comment.object, 'List')?.items), comment.comment);
  }

  private applyComment(objectType: string | undefined, names: string[], text: string | undefined): void {
    const isColumn = objectType === 'OBJECT_COLUMN';
    if (!isColumn && objectType !== 'OBJECT_TABLE') return;
    const column = isColumn ? names.at(-1) : undefined;
    const relation = relationFromNames(isColumn ? names.slice(0, -1) : names);
    const key = retirementKey(relation, column);
    if (text !== undefined && /^\s*deprecated/i.test(text)) this.retirements.set(key, this.currentMigration);
    else this.retirements.delete(key);
  }

  private createTable(relation: RelationName, elements: Node[], ifNotExists: boolean): void {
    if (ifNotExists && this.table(relation)) return;
    const columns = new Map<string, ColumnInfo>();
    for (const element of elements) {
      const column = asKind(element, 'ColumnDef');
      if (column?.colname) columns.set(column.colname, columnInfo(column));
    }
    this.tables.set(relationKey(relation), { name: relation, createdIn: this.currentMigration, columns });
  }

  private applyDrop(removeType: string | undefined, objects: Node[]): void {
    for (const object of objects) {
      const relation = relationFromNameList(object);
      if (!relation) continue;
      if (removeType === 'OBJECT_TABLE') this.dropTable(relation);
      if (removeType === 'OBJECT_INDEX') this.indexes.delete(relationKey(relation));
    }
  }

  private dropTable(relation: RelationName): void {
    this.tables.delete(relationKey(relation));
    this.retirements.delete(retirementKey(relation, undefined));
    for (const [key, index] of this.indexes) {
      if (relationKey(index.table) === relationKey(relation)) this.indexes.delete(key);
    }
  }

  private applyRename(rename: NonNullable<ReturnType<typeof asKind<'RenameStmt'>>>): void {
    if (!rename.relation || !rename.newname) return;
    const relation = relationFromRangeVar(rename.relation);
    if (rename.renameType === 'OBJECT_TABLE') {
      const table = this.table(relation);
      if (!table) return;
      this.tables.delete(relationKey(relation));
      table.name = { schema: relation.schema, name: rename.newname };
      this.tables.set(relationKey(table.name), table);
      for (const index of this.indexes.values()) {
        if (relationKey(index.table) === relationKey(relation)) index.table = table.name;
      }
    } else if (rename.renameType === 'OBJECT_COLUMN' && rename.subname) {
      const columns = this.table(relation)?.columns;
      const column = columns?.get(rename.subname);
      if (!columns || !column) return;
      columns.delete(rename.subname);
      columns.set(rename.newname, { ...column, name: rename.newname });
    } else if (rename.renameType === 'OBJECT_INDEX') {
      const index = this.indexes.get(relationKey(relation));
      if (!index) return;
      this.indexes.delete(relationKey(relation));
      index.name = { schema: relation.schema, name: rename.newname };
      this.indexes.set(relationKey(index.name), index);
    }
  }

  private applyAlterTable(relation: RelationName, commands: Node[]): void {
    const columns = this.table(relation)?.columns;
    for (const command of commands) {
      const cmd = asKind(command, 'AlterTableCmd');
      const columnDef = asKind(cmd?.def, 'ColumnDef');
      if (cmd?.subtype === 'AT_AddColumn' && columnDef?.colname) columns?.set(columnDef.colname, columnInfo(columnDef));
      if (cmd?.subtype === 'AT_DropColumn' && cmd.name) {
        columns?.delete(cmd.name);
        this.retirements.delete(retirementKey(relation, cmd.name));
      }
    }
  }

  private recordFunction(nameParts: Node[], options: Node[]): void {
    const name = stringValues(nameParts).at(-1);
    if (!name) return;
    let volatility: Volatility = 'volatile';
    for (const option of options) {
      const element = asKind(option, 'DefElem');
      const value = asKind(element?.arg, 'String')?.sval;
      if (element?.defname === 'volatility' && (value === 'immutable' || value === 'stable' || value === 'volatile')) {
        volatility = value;
      }
    }
    this.functionVolatilities.set(name.toLowerCase(), volatility);
  }
}

function retirementKey(relation: RelationName, column: string | undefined): string {
  return column === undefined ? relationKey(relation) : `${relationKey(relation)}.${column}`;
}

function columnInfo(column: ColumnDef): ColumnInfo {
  const constraints = (column.constraints ?? []).map((node) => asKind(node, 'Constraint')?.contype);
  const typeName = stringValues(column.typeName?.names).join('.');
  return {
    name: column.colname ?? '',
    ...(typeName ? { type: typeName } : {}),
    notNull: constraints.includes('CONSTR_NOTNULL') || constraints.includes('CONSTR_PRIMARY'),
    hasDefault: constraints.includes('CONSTR_DEFAULT'),
  };
}

