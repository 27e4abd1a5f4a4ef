import type { AlterTableCmd, ColumnDef, Node, RangeVar } from '@pgsql/types';
import type { Statement } from '../parse/parse.js';
import { asKind, functionLanguageAndBody, functionNameOf, relationsNamedIn, stringValues } from '../parse/node-types.js';
import type { Volatility } from '../knowledge/volatility.js';
import { extensionMembers, type ExtensionMembers } from '../knowledge/extensions.js';
import type { DroppedKeys } from '../knowledge/statement-locks.js';
import { implies, renameColumnInCondition } from '../knowledge/check-implication.js';
import { InsertionOrder, ReferenceIndex } from './reference-index.js';
import { columnsUsedByQuery, type ColumnUse } from './view-columns.js';
import { ATTACHED_OBJECT_KINDS, attachedObjectOf, relationFromNameList, relationFromNames, relationFromRangeVar, type AttachedObjectKind, type RelationName } from './names.js';
import { collationName, columnInfo, columnType, conditionOfCheck, constraintIndexColumns, constraintInfo, defaultExpressionOf, functionsCalledIn, indexKeyNames, indexName, indexStmtColumns, isIdentity, isNullConstant, isSerial, operatorClassesOf, plainKeyColumns, sequenceCalledIn, type ColumnInfo, type ColumnType, type ConstraintInfo, type DomainInfo, type ForeignKeyDeleteAction, type IndexColumns } from './schema-objects.js';

/** PostgreSQL's own defaults, which a table created without USING or TABLESPACE gets unless the server was configured otherwise. */
export const DEFAULT_ACCESS_METHOD = 'heap';
export const DEFAULT_TABLESPACE = 'pg_default';

export type RelationKind = 'table' | 'partitioned table' | 'view' | 'materialized view';
/** What a lock on a relation can fall on: a composite type has a relation of its own in pg_class. */
export type LockedKind = RelationKind | 'composite type';

export interface TableInfo {
  /** Schema-qualified, as resolved when it was created. */
  name: { schema: string; name: string };
  kind: RelationKind;
  /** The migration (file path) that created it. */
  createdIn: string;
  /** The migration that last renamed it to its name, if one did. */
  namedIn?: string;
  /** Made by CREATE ... IF NOT EXISTS of a name the history never made: a table made outside the migrations may be what stands there. */
  mayPredate?: true;
  columns: Map<string, ColumnInfo>;
  constraints: Map<string, ConstraintInfo>;
  /** For a partition: its partitioned table. */
  partitionOf?: RelationName;
  /** For a partition: it is its partitioned table's DEFAULT partition. */
  defaultPartition?: boolean;
  /** For a partitioned table: the columns of its PARTITION BY, and whether any key is an expression instead. */
  partitionKey?: PartitionKey;
  /** Where its rows are stored, as its CREATE TABLE and later ALTER TABLEs said; absent means the default. */
  storage?: TableStorage;
  /** For a materialized view: false after CREATE ... WITH NO DATA or REFRESH ... WITH NO DATA, until a REFRESH fills it. */
  populated?: boolean;
  /** For a view: the relations its query names. */
  reads?: RelationName[];
  /** For a view or materialized view: the columns of the relations it reads that its query uses (see columnsUsedByQuery). */
  columnsUsed?: ColumnUse[];
  /** For a view or materialized view: the functions its query calls, lower-case and without schema, when it calls any. */
  calls?: string[];
  /**
   * The triggers, policies and rules migrations made on it and did not drop, as `trigger:<name>`, `policy:<name>`,
   * `rule:<name>`; for a trigger, the name of the function it executes, else ''.
   */
  attachedObjects?: Map<string, string>;
}

export interface TableStorage {
  unlogged?: boolean;
  accessMethod?: string;
  tablespace?: string;
}

export interface PartitionKey {
  columns: string[];
  hasExpression: boolean;
}

export interface IndexInfo {
  name: { schema: string; name: string };
  table: RelationName;
  unique: boolean;
  createdIn: string;
  /** Its key columns, when every one is a plain column rather than an expression. */
  keyColumns?: string[];
  /** Otherwise, the names PostgreSQL gives its keys (`lower` for lower(email)), which a copy of it is named after. */
  keyNames?: string[];
  /** It has a WHERE clause. */
  partial: boolean;
  /** The PRIMARY KEY, UNIQUE or EXCLUDE constraint it enforces, which has its name. */
  constraint?: string;
  /** The columns it reads, when the model can name them all. */
  columns?: IndexColumns;
  /** For the index PostgreSQL made on a partition for an index of its partitioned table: that index, which takes it along when dropped. */
  partitionOfIndex?: string;
  /** The functions its key expressions and WHERE clause call, lower-case and without schema, when they call any. */
  calls?: string[];
  /** The operator classes its keys name, after its access method (`gin:gin_trgm_ops`), when they name any. */
  operatorClasses?: string[];
}

/** What holds a name among a schema's relations: an index, or a table, view, sequence or composite type. */
export type NamedRelation = { index: IndexInfo } | { kind: RelationKind | 'sequence' | 'composite type' };

/** A domain followed down to the type it stores. */
export interface ResolvedDomain {
  /** The domain's name as the column's type names it. */
  name: string;
  /** The built-in type under it, with the column's array dimensions added. */
  baseType: ColumnType;
  /** It, or a domain it is over, has a CHECK or NOT NULL constraint. */
  constrained: boolean;
  /** It, or a domain it is over, is NOT NULL. */
  notNull: boolean;
  /** The nearest DEFAULT along the way. */
  defaultExpression?: Node;
}

/** Records a domain's CHECK or NOT NULL constraint under its name, or the one PostgreSQL chooses (ChooseConstraintName: a number is appended when it is taken). */
function addDomainConstraint(domain: DomainInfo, domainName: string, constraint: { contype?: string; conname?: string } | undefined): void {
  if (constraint?.contype === 'CONSTR_CHECK') domain.constraints.set(constraint.conname ?? uniqueName(domain, `${domainName}_check`), 'check');
  else if (constraint?.contype === 'CONSTR_NOTNULL') domain.constraints.set(constraint.conname ?? `${domainName}_not_null`, 'not null');
}

function uniqueName(domain: DomainInfo, name: string): string {
  let candidate = name;
  for (let suffix = 1; domain.constraints.has(candidate); suffix++) candidate = `${name}${suffix}`;
  return candidate;
}

export interface Retirement {
  /** The migration that marked the table or column deprecated. */
  migration: string;
  /** That migration has run in production, so the application had a release to stop using the object. */
  deployed: boolean;
}

const DEFAULT_SEARCH_PATH = ['public'];
/** REFRESH MATERIALIZED VIEW in a function's body, in its code or in a string it executes. */
const MENTIONS_REFRESH = /refresh\s+materialized/i;

/** The bits of a LIKE clause's options (CREATE_TABLE_LIKE_* of PostgreSQL's parsenodes.h); INCLUDING ALL sets them all. */
const LIKE_INCLUDING = { constraints: 1 << 2, defaults: 1 << 3, generated: 1 << 4, identity: 1 << 5, indexes: 1 << 6 } as const;

/** What the model knows between migrations: plain maps and sets, which structuredClone and v8.serialize copy. */
export interface SchemaState {
  tables: Map<string, TableInfo>;
  indexes: Map<string, IndexInfo>;
  sequences: Map<string, string>;
  enums: Map<string, string[]>;
  /** Composite types (CREATE TYPE ... AS (...)), with the migration that made each: each has a name among the relations. */
  compositeTypes: Map<string, string>;
  domains: Map<string, DomainInfo>;
  schemas: Set<string>;
  /** The extensions migrations created and did not drop, with the migration that created each. */
  extensions: Map<string, string>;
  functionVolatilities: Map<string, Volatility>;
  /** The PL/pgSQL functions migrations created, by lower-case name (the last one of a name), for what triggers run. */
  plpgsqlFunctions: Map<string, PlpgsqlFunction>;
  /** Columns migrations added to tables the model never saw created, as it knows them. */
  columnsOfUnknownTables: Map<string, Map<string, ColumnInfo>>;
  constraintsOfUnknownTables: Map<string, Map<string, ConstraintInfo>>;
  attachmentsOfUnknownTables: Map<string, UnknownPartition>;
  retirements: Map<string, string>;
  gone: Set<string>;
}

/** A PL/pgSQL function's body (the text between its quotes) and the names of its parameters. */
export interface PlpgsqlFunction {
  body: string;
  parameterNames: string[];
}

/** What DROP FUNCTION ... CASCADE would drop among what the migrations made. */
export interface FunctionUses {
  triggers: Array<{ table: RelationName; trigger: string }>;
  defaults: Array<{ table: RelationName; column: string }>;
  checks: Array<{ table: RelationName; constraint: string }>;
  /** Indexes whose key expressions or WHERE clause call it; for an extension, those of its operator classes too. */
  indexes: IndexInfo[];
  /** Views and materialized views whose queries call it. */
  views: Array<{ name: RelationName; kind: RelationKind }>;
}

/** What DROP EXTENSION ... CASCADE would drop among what the migrations made. */
export interface ExtensionDependents extends FunctionUses {
  columns: Array<{ table: RelationName; column: string }>;
  domains: Array<{ schema: string; name: string }>;
}

/** A table the model never saw created, attached as a partition: the parent, and whether it is the DEFAULT partition. */
export interface UnknownPartition {
  partitionOf: RelationName;
  defaultPartition: boolean;
}

/**
 * The schema as replayed from the migrations seen so far. It only claims what it
 * was shown: a table it never saw created is unknown, which rules treat as an
 * existing, possibly large table.
 */
export class SchemaModel {
  private readonly tables = new Map<string, TableInfo>();
  private readonly indexes = new Map<string, IndexInfo>();
  private readonly sequences = new Map<string, string>();
  private readonly enums = new Map<string, string[]>();
  private readonly compositeTypes = new Map<string, string>();
  private readonly domains = new Map<string, DomainInfo>();
  private readonly schemas = new Set<string>(['public']);
  private readonly extensions = new Map<string, string>();
  private readonly functionVolatilities = new Map<string, Volatility>();
  private readonly plpgsqlFunctions = new Map<string, PlpgsqlFunction>();
  /** The names in plpgsqlFunctions whose body mentions REFRESH: none, in most histories, and then no body need be parsed. */
  private readonly functionsMentioningRefresh = new Set<string>();
  /** Columns added to tables the model never saw created: `schema.table` → column → migration. */
  private readonly columnsOfUnknownTables = new Map<string, Map<string, ColumnInfo>>();
  private readonly attachmentsOfUnknownTables = new Map<string, UnknownPartition>();
  /** Constraints added to tables the model never saw created: `schema.table` → name → constraint. */
  private readonly constraintsOfUnknownTables = new Map<string, Map<string, ConstraintInfo>>();
  /** `schema.table` or `schema.table.column` → the migration that deprecated it. */
  private readonly retirements = new Map<string, string>();
  /** Tables, views, indexes and sequences the migrations dropped or renamed away, and did not create again since. */
  private readonly gone = new Set<string>();
  private readonly tableOrder = new InsertionOrder();
  private readonly indexOrder = new InsertionOrder();
  /** Tables, views and tables the model never saw created, by the tables their foreign keys reference, the views by what they read, partitions by their parent. */
  private readonly tablesReferringTo = new ReferenceIndex();
  /** Indexes by the table they are on. */
  private readonly indexesByTable = new ReferenceIndex();
  /** The indexes of partitions by the key of the partitioned table's index they belong to. */
  private readonly partitionIndexesByParent = new ReferenceIndex();
  /** The search path SET for the session, and one SET LOCAL for the transaction, which wins until it ends. */
  private sessionSearchPath = DEFAULT_SEARCH_PATH;
  private localSearchPath: string[] | undefined;
  /** The session's search path when the transaction began: a ROLLBACK brings it back. */
  private searchPathBeforeTransaction: string[] | undefined;
  private currentMigration = '';
  /** The state when the open explicit transaction began, restored if it rolls back. */
  private beforeTransaction: SchemaState | undefined;
  /** Whether the file being applied rolls a transaction back; only then is a snapshot worth its cost. */
  private fileRollsBack = false;
  /** Whether the file rolls back to a savepoint: only then is the schema copied at each SAVEPOINT. */
  private fileRollsBackToSavepoint = false;
  /** Each savepoint of the transaction, innermost last: the search path then, and the schema when the file rolls back to one. */
  private savepoints: Array<{ name: string; state: SchemaState | undefined; sessionSearchPath: string[]; localSearchPath: string[] | undefined }> = [];

  /**
   * @param isDeployed whether a migration other than the one under review has run in
   * production; by default every earlier migration has.
   */
  constructor(
    private readonly isDeployed: (migration: string) => boolean = () => true,
    /** The search_path each migration starts with: the configuration's, or PostgreSQL's default. */
    private readonly defaultSearchPath: readonly string[] = DEFAULT_SEARCH_PATH,
  ) {
    this.sessionSearchPath = [...defaultSearchPath];
  }

  beginMigration(path: string): void {
    this.currentMigration = path;
    this.sessionSearchPath = [...this.defaultSearchPath];
    this.localSearchPath = undefined;
    this.searchPathBeforeTransaction = undefined;
    this.beforeTransaction = undefined;
    this.savepoints = [];
  }

  /** Called before a file's statements are applied. */
  beginFile(statements: readonly Statement[]): void {
    this.beforeTransaction = undefined;
    this.savepoints = [];
    const kinds = new Set(statements.map((statement) => asKind(statement.node, 'TransactionStmt')?.kind));
    this.fileRollsBack = kinds.has('TRANS_STMT_ROLLBACK');
    this.fileRollsBackToSavepoint = kinds.has('TRANS_STMT_ROLLBACK_TO');
  }

  get migration(): string {
    return this.currentMigration;
  }

  private deployed(migration: string): boolean {
    return migration !== this.currentMigration && this.isDeployed(migration);
  }

  table(relation: RelationName): TableInfo | undefined {
    return this.tables.get(this.resolve(relation, this.tables));
  }

  /** Created by a migration that has not been deployed: nothing in production uses it or fills it yet. */
  isNewTable(relation: RelationName): boolean {
    const table = this.table(relation);
    return table !== undefined && !this.deployed(table.createdIn);
  }

  /** A composite type a migration not deployed yet made: no running code reads its attributes. */
  isNewCompositeType(type: RelationName): boolean {
    const madeIn = this.compositeTypes.get(this.resolve(type, this.compositeTypes));
    return madeIn !== undefined && !this.deployed(madeIn);
  }

  /**
   * Whether the table's name is new: it was created, or renamed to it, by a migration not deployed yet. No running
   * release can use a name that does not exist in production (`RENAME TO _bkp_users`, then its drop).
   */
  isNewTableName(relation: RelationName): boolean {
    const namedIn = this.table(relation)?.namedIn;
    return this.isNewTable(relation) || (namedIn !== undefined && !this.deployed(namedIn));
  }

  /** Added (with its table or later) by a migration that has not been deployed: no running code uses it. */
  isNewColumn(relation: RelationName, column: string): boolean {
    const addedIn = this.columnAddedIn(relation, column);
    return addedIn !== undefined && !this.deployed(addedIn);
  }

  /**
   * Whether the column's name is new: it was added, or renamed to it, by a migration not deployed yet. No running
   * release can use a name that does not exist in production (`RENAME COLUMN type TO type_old`, then its drop).
   */
  isNewColumnName(relation: RelationName, column: string): boolean {
    const namedIn = this.column(relation, column)?.namedIn;
    return this.isNewColumn(relation, column) || (namedIn !== undefined && !this.deployed(namedIn));
  }

  /** The migration that added a column, also to a table the model never saw created. */
  columnAddedIn(relation: RelationName, column: string): string | undefined {
    return this.column(relation, column)?.addedIn;
  }

  /** A column the model knows: of a table it saw created, or one a migration added to a table it never saw created. */
  column(relation: RelationName, column: string): ColumnInfo | undefined {
    const table = this.table(relation);
    return table ? table.columns.get(column) : this.columnsOfUnknownTables.get(this.resolve(relation, this.tables))?.get(column);
  }

  /** A constraint the model saw added, also to a table it never saw created. */
  constraint(relation: RelationName, name: string): ConstraintInfo | undefined {
    return this.constraintsOf(this.resolve(relation, this.tables))?.get(name);
  }

  /** The tables the model knows a constraint of this name on (PostgreSQL allows one name on many tables), each with it. */
  constraintsNamed(name: string): Array<{ table: RelationName; constraint: ConstraintInfo }> {
    const found: Array<{ table: RelationName; constraint: ConstraintInfo }> = [];
    for (const [key, table] of this.tables) {
      const constraint = table.constraints.get(name);
      if (constraint) found.push({ table: this.qualified(key), constraint });
    }
    for (const [key, constraints] of this.constraintsOfUnknownTables) {
      const constraint = constraints.get(name);
      if (constraint) found.push({ table: this.qualified(key), constraint });
    }
    return found;
  }

  /** Every table, view, index and sequence the model knows of this name, in whatever schema, with what it is. */
  relationsNamed(name: string): Array<{ schema: string; kind: RelationKind | 'index' | 'sequence' }> {
    const found: Array<{ schema: string; kind: RelationKind | 'index' | 'sequence' }> = [];
    const add = (key: string, kind: RelationKind | 'index' | 'sequence'): void => {
      const qualified = this.qualified(key);
      if (qualified.name === name) found.push({ schema: qualified.schema, kind });
    };
    for (const [key, table] of this.tables) add(key, table.kind);
    for (const key of this.indexes.keys()) add(key, 'index');
    for (const key of this.sequences.keys()) add(key, 'sequence');
    return found;
  }

  /** The schema `current_schema()` names: the first of the search path in force. */
  currentSchema(): string {
    return this.searchPath[0] ?? 'public';
  }

  /** The foreign keys of a table, also of a table the model never saw created. */
  foreignKeys(relation: RelationName): ConstraintInfo[] {
    const constraints = this.constraintsOf(this.resolve(relation, this.tables))?.values() ?? [];
    return [...constraints].filter((constraint) => constraint.kind === 'foreign key');
  }

  /** The CHECK constraints of a table that are validated, also of a table the model never saw created. */
  validatedChecks(relation: RelationName): ConstraintInfo[] {
    const constraints = this.constraintsOf(this.resolve(relation, this.tables))?.values() ?? [];
    return [...constraints].filter((constraint) => constraint.kind === 'check' && constraint.validated);
  }

  /** The schemas in which the migrations made a table, view or materialized view of this name. */
  schemasWithTable(name: string): string[] {
    const found: string[] = [];
    for (const table of this.tables.values()) if (table.name.name === name) found.push(table.name.schema);
    return found;
  }

  /** Whether two names find the same table, known or not, through the search path. */
  sameTable(a: RelationName, b: RelationName): boolean {
    return this.resolve(a, this.tables) === this.resolve(b, this.tables);
  }

  /** The partitions of a partitioned table that the model saw created or attached, and not detached since. */
  partitions(relation: RelationName): TableInfo[] {
    const key = this.resolve(relation, this.tables);
    return this.tablesReferringToKey(key).filter((table) => table.partitionOf && this.resolve(table.partitionOf, this.tables) === key);
  }

  /** The DEFAULT partition of a partitioned table, when the model saw it created or attached. */
  defaultPartition(relation: RelationName): RelationName | undefined {
    const known = this.partitions(relation).find((table) => table.defaultPartition)?.name;
    if (known) return known;
    // A table attached as the DEFAULT partition is one even when the model never saw it created.
    const key = this.resolve(relation, this.tables);
    for (const [childKey, attachment] of this.attachmentsOfUnknownTables) {
      if (attachment.defaultPartition && this.resolve(attachment.partitionOf, this.tables) === key) return this.qualified(childKey);
    }
    return undefined;
  }

  /** The primary key's columns, when the model saw it declared. */
  /**
   * The column sets that identify at most one row: the primary key, UNIQUE constraints, and unique
   * indexes on plain columns without a WHERE clause. An equality on each column of one matches one row.
   */
  uniqueKeys(relation: RelationName): string[][] {
    const keys: string[][] = [];
    for (const constraint of this.constraintsOf(this.resolve(relation, this.tables))?.values() ?? []) {
      if ((constraint.kind === 'primary key' || constraint.kind === 'unique') && constraint.columns.length > 0) keys.push(constraint.columns);
    }
    for (const index of this.indexesOn(relation)) if (index.unique && !index.partial && index.keyColumns) keys.push(index.keyColumns);
    return keys;
  }

  /**
   * How many partitions of a partitioned table have a validated foreign key like `key` (same columns,
   * same referenced table and columns): adding it to the partitioned table attaches theirs, and checks
   * rows only in the others. 'none' also when the model knows no partition.
   */
  partitionsWithForeignKey(relation: RelationName, key: { columns: string[]; references: RelationName; referencedColumns: string[] }): 'all' | 'some' | 'none' {
    const partitions = this.partitions(relation);
    const having = partitions.filter((partition) =>
      [...(this.constraintsOf(this.resolve(partition.name, this.tables))?.values() ?? [])].some(
        (constraint) =>
          constraint.kind === 'foreign key' &&
          constraint.validated &&
          constraint.references !== undefined &&
          this.sameTable(constraint.references, key.references) &&
          constraint.columns.join(',') === key.columns.join(',') &&
          (constraint.referencedColumns ?? []).join(',') === key.referencedColumns.join(','),
      ),
    );
    return having.length === 0 ? 'none' : having.length === partitions.length ? 'all' : 'some';
  }

  /**
   * The tables with a foreign key to what `dropped` names of a table (named in their REFERENCES, or its primary key's
   * when they name none), also tables the model never saw created, each once and other than the table itself: to one
   * column; to the columns of one key constraint, as PostgreSQL ties a foreign key to the unique index of exactly those
   * columns; or to the table at all.
   */
  tablesReferencing(relation: RelationName, dropped: DroppedKeys): RelationName[] {
    const owners = new Set(this.foreignKeysTo(relation, dropped).map(({ owner }) => owner));
    return [...owners].map((owner) => this.qualified(owner));
  }

  /**
   * What a DELETE that removes rows of `relation` does to the tables with a foreign key to it: the ON DELETE action of each
   * (NO ACTION for NO ACTION and RESTRICT, which only check), following CASCADE on to the tables referencing those in turn.
   * Each table once, under the action that changes it most; not `relation` itself. With `onlyKeysOf`, only the foreign
   * keys to `relation` whose referenced columns are all among those columns count (CASCADE is followed on from them).
   */
  tablesReachedByDelete(relation: RelationName, onlyKeysOf?: ReadonlySet<string>): Array<{ table: RelationName; action: ForeignKeyDeleteAction | 'NO ACTION' }> {
    const self = this.resolve(relation, this.tables);
    const primaryKey = this.primaryKey(relation) ?? [];
    const found = new Map<string, ForeignKeyDeleteAction | 'NO ACTION'>();
    const visit = (table: RelationName, depth: number): void => {
      for (const { owner, constraints, name } of this.foreignKeysTo(table, { all: true })) {
        const constraint = constraints.get(name);
        if (depth === 0 && onlyKeysOf && !(constraint?.referencedColumns?.length ? constraint.referencedColumns : primaryKey).every((column) => onlyKeysOf.has(column))) continue;
        const action = constraint?.onDelete ?? 'NO ACTION';
        const before = found.get(owner);
        if (owner === self || (before !== undefined && (before !== 'NO ACTION' || action === 'NO ACTION'))) continue;
        found.set(owner, action);
        if (action === 'CASCADE') visit(this.qualified(owner), depth + 1);
      }
    };
    visit(relation, 0);
    return [...found].map(([owner, action]) => ({ table: this.qualified(owner), action }));
  }

  /** The foreign keys of other tables to what `dropped` names of a table (see tablesReferencing): each owner's key, its constraints and the key's name. */
  private foreignKeysTo(relation: RelationName, dropped: DroppedKeys): Array<{ owner: string; constraints: Map<string, ConstraintInfo>; name: string }> {
    const key = this.resolve(relation, this.tables);
    const primaryKey = this.primaryKey(relation) ?? [];
    let usesDropped: (referenced: string[]) => boolean = () => true;
    if ('column' in dropped) usesDropped = (referenced) => referenced.includes(dropped.column);
    if ('constraint' in dropped) {
      const constraint = this.constraintsOf(key)?.get(dropped.constraint);
      if (constraint?.kind !== 'primary key' && constraint?.kind !== 'unique') return [];
      const keyColumns = [...constraint.columns].sort().join(',');
      usesDropped = (referenced) => [...referenced].sort().join(',') === keyColumns;
    }
    const found: Array<{ owner: string; constraints: Map<string, ConstraintInfo>; name: string }> = [];
    // Comparing names first spares resolving every other foreign key of the schema.
    const tableName = this.qualified(key).name;
    const search = (owner: string, constraints: Map<string, ConstraintInfo>): void => {
      if (owner === key) return;
      for (const [name, constraint] of constraints) {
        if (constraint.kind !== 'foreign key' || constraint.references?.name !== tableName || this.resolve(constraint.references, this.tables) !== key) continue;
        if (usesDropped(constraint.referencedColumns?.length ? constraint.referencedColumns : primaryKey)) found.push({ owner, constraints, name });
      }
    };
    const owners = this.tablesReferringTo.keys(tableName);
    for (const owner of this.tableOrder.present(this.tables, owners)) search(owner, this.tables.get(owner)!.constraints);
    if ([...owners].some((owner) => this.constraintsOfUnknownTables.has(owner))) {
      for (const [owner, constraints] of this.constraintsOfUnknownTables) if (owners.has(owner)) search(owner, constraints);
    }
    return found;
  }

  /** DROP ... CASCADE, and DROP TABLE, which succeeds only when nothing references the table or with CASCADE: other tables' keys to it go. */
  private dropForeignKeysTo(relation: RelationName, dropped: DroppedKeys): void {
    for (const { constraints, name } of this.foreignKeysTo(relation, dropped)) constraints.delete(name);
  }

  primaryKey(relation: RelationName): string[] | undefined {
    for (const constraint of this.constraintsOf(this.resolve(relation, this.tables))?.values() ?? []) if (constraint.kind === 'primary key') return constraint.columns;
    return undefined;
  }

  /**
   * Whether validated CHECK constraints prove the column NOT NULL (`CHECK (column IS NOT NULL)`, also
   * within an AND, or `NOT (column IS NULL)`), which lets PostgreSQL 12+ SET NOT NULL without scanning.
   */
  hasValidatedNotNullCheck(relation: RelationName, column: string): boolean {
    const conditions = this.validatedChecks(relation).map(conditionOfCheck);
    return implies(conditions, { nullTest: { column, isNull: false } }) === 'proven';
  }

  /** The indexes the model saw created on a table or materialized view, and not dropped since. */
  indexesOn(relation: RelationName): IndexInfo[] {
    const key = this.resolve(relation, this.tables);
    const name = this.qualified(key).name;
    return this.indexOrder
      .present(this.indexes, this.indexesByTable.keys(name))
      .map((indexKey) => this.indexes.get(indexKey)!)
      .filter((index) => index.table.name === name && this.resolve(index.table, this.tables) === key);
  }

  /**
   * Whether an index may have the column in its key, an expression or its predicate: false only for a table the
   * migrations created, none of whose indexes, as far as the model knows their columns, reads it. (A column an index only stores, by
   * INCLUDE, has no operator class or collation there: ALTER COLUMN TYPE keeps such an index, seen on PostgreSQL 18.)
   */
  mayIndexColumn(relation: RelationName, column: string): boolean {
    if (!this.table(relation)) return true;
    return this.indexesOn(relation).some((index) => {
      if (!index.partial && index.keyColumns) return index.keyColumns.includes(column);
      // An expression or a WHERE clause that reads the column is rebuilt with it; one that does not read it is kept (seen on PostgreSQL 18).
      return index.columns === undefined || index.columns.columns.includes(column);
    });
  }

  /**
   * What the migrations made under a name in the schema of a table, where an index of that name would go (an index
   * always goes in its table's schema, and shares one namespace with tables, views and sequences).
   */
  relationBesideTable(table: RelationName, name: string): NamedRelation | undefined {
    return this.relationAt(`${this.qualified(this.resolve(table, this.tables)).schema}.${name}`);
  }

  /** The name, or failing that the name with the lowest number after it, that nothing takes in the schema of a table: PostgreSQL's ChooseRelationName. */
  freeNameBesideTable(table: RelationName, name: string): string {
    return this.freeRelationName(this.resolve(table, this.tables), name);
  }

  /** The index, table, view, sequence or composite type the migrations made under a schema-qualified key. */
  private relationAt(key: string): NamedRelation | undefined {
    const index = this.indexes.get(key);
    if (index) return { index };
    const relation = this.tables.get(key);
    if (relation) return { kind: relation.kind };
    if (this.sequences.has(key)) return { kind: 'sequence' };
    return this.compositeTypes.has(key) ? { kind: 'composite type' } : undefined;
  }

  /** The foreign keys of other tables that reference the table (or the dropped column or key of it), by table and name. */
  foreignKeysReferencing(relation: RelationName, dropped: DroppedKeys): Array<{ table: RelationName; name: string }> {
    return this.foreignKeysTo(relation, dropped).map(({ owner, name }) => ({ table: this.qualified(owner), name }));
  }

  /** The views and materialized views the migrations made that read the relation, directly or through another view. */
  viewsReading(relation: RelationName): RelationName[] {
    const found: TableInfo[] = [];
    const pending = [relation];
    while (pending.length > 0) {
      const read = pending.shift()!;
      for (const view of this.tablesReferringToName(read.name)) {
        if (found.includes(view) || !(view.reads ?? []).some((source) => this.sameTable(source, read))) continue;
        found.push(view);
        pending.push(view.name);
      }
    }
    return found.map((view) => view.name);
  }

  /**
   * The columns of a type (or of an array of it) in the tables the migrations made or added columns to, and the domains
   * over it, which DROP TYPE ... CASCADE drops with it: `typeName` as the type's last name part, `schema` when written.
   */
  usesOfType(type: RelationName): { columns: Array<{ table: RelationName; column: string }>; domains: Array<{ schema: string; name: string }> } {
    const matches = (columnType: ColumnType | undefined): boolean =>
      columnType !== undefined && columnType.name === type.name && (type.schema === undefined || columnType.schema === undefined || columnType.schema === type.schema);
    const domains = [...this.domains].filter(([, domain]) => matches(domain.baseType)).map(([key]) => this.qualified(key));
    const typeOrDomain = (columnType: ColumnType | undefined): boolean => matches(columnType) || (columnType !== undefined && domains.some((domain) => domain.name === columnType.name));
    const columns = this.everyColumn()
      .filter(({ column }) => typeOrDomain(column.type))
      .map(({ table, column }) => ({ table, column: column.name }));
    return { columns, domains };
  }

  private dropUsesOfType(type: RelationName): void {
    this.dropColumnsAndDomains(this.usesOfType(type));
  }

  private dropColumnsAndDomains({ columns, domains }: Pick<ExtensionDependents, 'columns' | 'domains'>): void {
    for (const { table, column } of columns) this.dropColumn(table, column);
    for (const domain of domains) this.domains.delete(modelKey(domain));
  }

  /** The columns whose DEFAULT draws from the sequence with nextval(), a serial column's own included. */
  columnsUsingSequence(sequence: RelationName): Array<{ table: RelationName; column: string }> {
    const key = this.resolve(sequence, this.sequences);
    return this.everyColumn()
      .filter(({ column }) => column.defaultSequence === key)
      .map(({ table, column }) => ({ table, column: column.name }));
  }

  /** Whether the migrations made the sequence (CREATE SEQUENCE, or a serial or identity column's own), and did not drop it. */
  hasSequence(sequence: RelationName): boolean {
    return this.sequences.has(this.resolve(sequence, this.sequences));
  }

  /** Whether a migration not deployed yet made the sequence. */
  isNewSequence(sequence: RelationName): boolean {
    const createdIn = this.sequences.get(this.resolve(sequence, this.sequences));
    return createdIn !== undefined && !this.deployed(createdIn);
  }

  /** Whether a migration created the extension, and none dropped it since. */
  hasExtension(name: string): boolean {
    return this.extensions.has(name);
  }

  /** Whether a migration not deployed yet created the extension. */
  isNewExtension(name: string): boolean {
    const createdIn = this.extensions.get(name);
    return createdIn !== undefined && !this.deployed(createdIn);
  }

  /**
   * What DROP EXTENSION ... CASCADE drops among what the migrations made (seen on PostgreSQL 18): the columns of its
   * types (and of domains over them), the indexes that use its operator classes, and what uses its functions, as
   * usesOfFunction says; an index or CHECK on a dropped column goes with the column and is not listed.
   */
  dependentsOfExtension(members: ExtensionMembers): ExtensionDependents {
    const usesOfTypes = members.types.map((type) => this.usesOfType({ name: type }));
    const columns = usesOfTypes.flatMap((uses) => uses.columns);
    const domains = usesOfTypes.flatMap((uses) => uses.domains);
    const dropped = (table: RelationName, column: string): boolean => columns.some((other) => other.column === column && this.sameTable(other.table, table));
    const operatorClasses = new Set(members.operatorClasses);
    const uses = this.usesOfFunctions(new Set(members.functions));
    const defaults = uses.defaults.filter(({ table, column }) => !dropped(table, column));
    // An index or CHECK on a dropped column goes with the column.
    const indexes = [...this.indexes.values()].filter(
      (index) => (uses.indexes.includes(index) || index.operatorClasses?.some((name) => operatorClasses.has(name))) && !index.columns?.columns.some((column) => dropped(index.table, column)),
    );
    const checks = uses.checks.filter(({ table, constraint }) => !this.constraint(table, constraint)?.columns.some((column) => dropped(table, column)));
    return { ...uses, columns, domains, defaults, indexes, checks };
  }

  /** The tables DROP EXTENSION ... CASCADE changes, among those the migrations made; none for an extension lockwise does not know. */
  /** The tables, views and materialized views in a schema, which DROP SCHEMA ... CASCADE drops. */
  relationsInSchema(schema: string): RelationName[] {
    return [...this.tables.values()].filter((table) => table.name.schema === schema).map((table) => ({ schema: table.name.schema, name: table.name.name }));
  }

  tablesUsingExtension(extension: string): RelationName[] {
    const members = extensionMembers(extension);
    if (!members) return [];
    const dependents = this.dependentsOfExtension(members);
    return [...dependents.columns.map(({ table }) => table), ...tablesOfUses(dependents)];
  }

  /** DROP FUNCTION or DROP EXTENSION ... CASCADE drops a view whose query calls a function it drops. */
  private recordCalls(view: TableInfo, query: Node | undefined): void {
    const calls = functionsCalledIn(query);
    if (calls.length > 0) view.calls = calls;
    else delete view.calls;
    const columnsUsed = columnsUsedByQuery(query, (relation) => {
      const table = this.table(relation);
      return table ? [...table.columns.keys()] : undefined;
    });
    if (columnsUsed.length > 0) view.columnsUsed = columnsUsed;
    else delete view.columnsUsed;
    this.noteReferences(modelKey(view.name));
  }

  /** The views and materialized views whose own queries use the column: PostgreSQL refuses to drop it or change its type while they exist. */
  viewsUsingColumn(relation: RelationName, column: string): RelationName[] {
    const views = this.tablesReferringToName(relation.name).filter((view) => (view.columnsUsed ?? []).some((use) => use.column === column && this.sameTable(use.relation, relation)));
    return views.map((view) => view.name);
  }

  private dropDependentsOfExtension(extension: string): void {
    const members = extensionMembers(extension);
    if (!members) return;
    const dependents = this.dependentsOfExtension(members);
    this.dropUses(dependents);
    this.dropColumnsAndDomains(dependents);
  }

  private dropUses({ triggers, defaults, checks, indexes, views }: FunctionUses): void {
    for (const { table, constraint } of checks) this.constraintsOf(this.resolve(table, this.tables))?.delete(constraint);
    for (const index of indexes) this.dropIndex(modelKey(index.name));
    for (const { table, trigger } of triggers) this.detach(table, 'trigger', trigger);
    for (const { table, column } of defaults) {
      const info = this.column(table, column);
      if (!info) continue;
      info.hasDefault = false;
      delete info.defaultCalls;
      delete info.defaultSequence;
    }
    for (const view of views) this.dropTable(view.name);
  }

  /** What the migrations made of this type name: an enum, a composite type, a domain; undefined for none of them. */
  typeKind(type: RelationName): 'enum type' | 'composite type' | 'domain' | undefined {
    if (this.enums.has(this.resolve(type, this.enums))) return 'enum type';
    if (this.compositeTypes.has(this.resolve(type, this.compositeTypes))) return 'composite type';
    return this.domains.has(this.resolve(type, this.domains)) ? 'domain' : undefined;
  }

  /** Whether the migrations made a type (an enum) or domain of this name. */
  hasType(type: RelationName): boolean {
    return this.typeKind(type) !== undefined;
  }

  /** Built by a migration that has not been deployed: no running release's queries rely on it. */
  isNewIndex(index: IndexInfo): boolean {
    return !this.deployed(index.createdIn);
  }

  /** An index the model saw created, by its name as a statement writes it. */
  index(name: RelationName): IndexInfo | undefined {
    return this.indexes.get(this.resolve(name, this.indexes));
  }

  /** The table an index belongs to, when the model saw the index created. */
  indexTable(index: RelationName): RelationName | undefined {
    return this.indexes.get(this.resolve(index, this.indexes))?.table;
  }

  /** The constraint an index enforces (a PRIMARY KEY, UNIQUE or EXCLUDE constraint of the same name), when the model saw it added. */
  indexConstraint(index: RelationName): string | undefined {
    return this.indexes.get(this.resolve(index, this.indexes))?.constraint;
  }

  /**
   * A domain the migrations created, followed through the domains it is over: the built-in type it
   * stores (with the column's array dimensions), whether it or a domain under it has constraints,
   * and the nearest DEFAULT. Undefined for any other type.
   */
  domain(type: ColumnType): ResolvedDomain | undefined {
    let found: ResolvedDomain | undefined;
    let current: ColumnType = type;
    // A domain cannot be over itself; the bound only guards against a model gone wrong.
    for (let depth = 0; depth < 32; depth++) {
      const domain = this.domains.get(this.resolve({ ...(current.schema ? { schema: current.schema } : {}), name: current.name }, this.domains));
      if (!domain) break;
      found = {
        name: found?.name ?? current.name,
        baseType: { ...domain.baseType, arrayDimensions: domain.baseType.arrayDimensions + type.arrayDimensions },
        constrained: (found?.constrained ?? false) || domain.constraints.size > 0,
        notNull: (found?.notNull ?? false) || [...domain.constraints.values()].includes('not null'),
        ...((found?.defaultExpression ?? domain.defaultExpression) ? { defaultExpression: found?.defaultExpression ?? domain.defaultExpression } : {}),
      };
      current = domain.baseType;
    }
    return found;
  }

  enumValues(name: RelationName): readonly string[] | undefined {
    return this.enums.get(this.resolve(name, this.enums));
  }

  hasSchema(name: string): boolean {
    return this.schemas.has(name);
  }

  /**
   * How a table (or one of its columns) was retired before being dropped: a
   * `COMMENT ... IS 'deprecated...'` or a `lockwise:deprecate` directive. Undefined when it never was.
   */
  retirement(relation: RelationName, column?: string): Retirement | undefined {
    const migration = this.retirements.get(this.retirementKey(relation, column));
    return migration === undefined ? undefined : { migration, deployed: this.deployed(migration) };
  }

  /** Volatility of a function created by a migration; undefined when the model never saw it. */
  userFunctionVolatility(name: string): Volatility | undefined {
    return this.functionVolatilities.get(name.toLowerCase());
  }

  /** The last PL/pgSQL function of that name (any schema, any arguments) a migration created; undefined for none. */
  /** Whether a migration made the function a call names as written (`partman.create_parent`): lockwise has read its code. */
  madeFunction(name: string): boolean {
    return this.userFunctionVolatility(name.split('.').at(-1)!) !== undefined;
  }

  plpgsqlFunction(name: string): PlpgsqlFunction | undefined {
    return this.plpgsqlFunctions.get(name.toLowerCase());
  }

  /** Whether the body of any PL/pgSQL function the migrations created mentions REFRESH MATERIALIZED VIEW. */
  anyFunctionMentionsRefresh(): boolean {
    return this.functionsMentioningRefresh.size > 0;
  }

  /** `-- lockwise:deprecate t.c` or `-- lockwise:deprecate-table t`, in the current migration. */
  retire(relation: RelationName, column?: string): void {
    this.retirements.set(this.retirementKey(relation, column), this.currentMigration);
  }

  apply(statement: Statement): void {
    const { node } = statement;
    switch (statement.kind) {
      case 'TransactionStmt':
        return this.applyTransaction(asKind(node, 'TransactionStmt')!);
      case 'CreateStmt':
        return this.createTable(asKind(node, 'CreateStmt')!);
      case 'CreateTableAsStmt': {
        const createAs = asKind(node, 'CreateTableAsStmt')!;
        const kind = createAs.objtype === 'OBJECT_MATVIEW' ? 'materialized view' : 'table';
        const created = createAs.into?.rel ? this.addRelation(createAs.into.rel, kind, [], createAs.if_not_exists === true) : undefined;
        if (created?.kind === 'materialized view') created.populated = createAs.into?.skipData !== true;
        // DROP ... CASCADE of what a materialized view reads drops the view too.
        if (created?.kind === 'materialized view') {
          created.reads = relationsNamedIn(createAs.query).map(relationFromRangeVar);
          this.recordCalls(created, createAs.query);
        }
        return;
      }
      case 'RefreshMatViewStmt': {
        const refresh = asKind(node, 'RefreshMatViewStmt')!;
        const view = refresh.relation ? this.table(relationFromRangeVar(refresh.relation)) : undefined;
        if (view?.kind === 'materialized view') view.populated = refresh.skipData !== true;
        return;
      }
      case 'ViewStmt': {
        const view = asKind(node, 'ViewStmt')!;
        if (!view.view) return;
        const info = this.addRelation(view.view, 'view', [], view.replace === true) ?? this.table(relationFromRangeVar(view.view));
        // LOCK TABLE of a view locks what its query reads too (PostgreSQL 11+).
        if (info?.kind === 'view') {
          info.reads = relationsNamedIn(view.query).map(relationFromRangeVar);
          this.recordCalls(info, view.query);
        }
        return;
      }
      case 'IndexStmt':
        return this.createIndex(asKind(node, 'IndexStmt')!);
      case 'DropStmt': {
        const drop = asKind(node, 'DropStmt')!;
        return this.applyDrop(drop.removeType, drop.objects ?? [], drop.behavior === 'DROP_CASCADE');
      }
      case 'CreateTrigStmt': {
        const trigger = asKind(node, 'CreateTrigStmt')!;
        const executes = stringValues(trigger.funcname).at(-1) ?? '';
        if (trigger.relation && trigger.trigname) this.attach(relationFromRangeVar(trigger.relation), 'trigger', trigger.trigname, executes);
        return;
      }
      case 'CreatePolicyStmt': {
        const policy = asKind(node, 'CreatePolicyStmt')!;
        if (policy.table && policy.policy_name) this.attach(relationFromRangeVar(policy.table), 'policy', policy.policy_name);
        return;
      }
      case 'RuleStmt': {
        const rule = asKind(node, 'RuleStmt')!;
        if (rule.relation && rule.rulename) this.attach(relationFromRangeVar(rule.relation), 'rule', rule.rulename);
        return;
      }
      case 'RenameStmt':
        return this.applyRename(asKind(node, 'RenameStmt')!);
      case 'AlterTableStmt': {
        const alter = asKind(node, 'AlterTableStmt')!;
        if (!alter.relation) return;
        for (const command of alter.cmds ?? []) this.applyAlterTable(relationFromRangeVar(alter.relation), asKind(command, 'AlterTableCmd'));
        return;
      }
      case 'CommentStmt': {
        const comment = asKind(node, 'CommentStmt')!;
        return this.applyComment(comment.objtype, stringValues(asKind(comment.object, 'List')?.items), comment.comment);
      }
      case 'CreateFunctionStmt': {
        const createFunction = asKind(node, 'CreateFunctionStmt')!;
        return this.recordFunction(createFunction.funcname ?? [], createFunction.options ?? [], createFunction.parameters ?? []);
      }
      case 'CreateSeqStmt': {
        const sequence = asKind(node, 'CreateSeqStmt')!.sequence;
        if (sequence) this.setRelation(this.sequences, this.creationKey(relationFromRangeVar(sequence)), this.currentMigration);
        return;
      }
      case 'CompositeTypeStmt': {
        const type = asKind(node, 'CompositeTypeStmt')!.typevar;
        if (type) this.compositeTypes.set(this.creationKey(relationFromRangeVar(type)), this.currentMigration);
        return;
      }
      case 'CreateEnumStmt': {
        const createEnum = asKind(node, 'CreateEnumStmt')!;
        this.enums.set(this.creationKey(relationFromNames(stringValues(createEnum.typeName))), stringValues(createEnum.vals));
        return;
      }
      case 'AlterEnumStmt':
        return this.alterEnum(asKind(node, 'AlterEnumStmt')!);
      case 'CreateDomainStmt':
        return this.createDomain(asKind(node, 'CreateDomainStmt')!);
      case 'AlterDomainStmt':
        return this.alterDomain(asKind(node, 'AlterDomainStmt')!);
      case 'AlterObjectSchemaStmt': {
        const move = asKind(node, 'AlterObjectSchemaStmt')!;
        const name = relationFromNames(stringValues(asKind(move.object, 'List')?.items));
        if (!move.newschema) return;
        if (move.objectType === 'OBJECT_DOMAIN' && name.name) this.moveDomain(name, { schema: move.newschema, name: name.name });
        else if (move.objectType === 'OBJECT_TYPE' && name.name) {
          moveKey(this.enums, this.resolve(name, this.enums), `${move.newschema}.${name.name}`);
          moveKey(this.compositeTypes, this.resolve(name, this.compositeTypes), `${move.newschema}.${name.name}`);
        } else if (move.objectType === 'OBJECT_SEQUENCE' && move.relation?.relname) {
          this.moveSequence(this.resolve(relationFromRangeVar(move.relation), this.sequences), `${move.newschema}.${move.relation.relname}`);
        } else if (move.relation?.relname && (move.objectType === 'OBJECT_TABLE' || move.objectType === 'OBJECT_VIEW' || move.objectType === 'OBJECT_MATVIEW')) {
          this.moveTable(this.resolve(relationFromRangeVar(move.relation), this.tables), `${move.newschema}.${move.relation.relname}`);
        }
        return;
      }
      case 'CreateExtensionStmt': {
        const create = asKind(node, 'CreateExtensionStmt')!;
        if (create.extname && !(create.if_not_exists && this.extensions.has(create.extname))) this.extensions.set(create.extname, this.currentMigration);
        return;
      }
      case 'CreateSchemaStmt': {
        const schemaName = asKind(node, 'CreateSchemaStmt')!.schemaname;
        if (schemaName) this.schemas.add(schemaName);
        return;
      }
      case 'VariableSetStmt': {
        const set = asKind(node, 'VariableSetStmt')!;
        if (set.name?.toLowerCase() !== 'search_path') return;
        const path = (set.args ?? []).map((arg) => asKind(arg, 'A_Const')?.sval?.sval ?? '').filter((schema) => schema && schema !== '$user');
        const searchPath = set.kind === 'VAR_SET_VALUE' && path.length > 0 ? path : [...this.defaultSearchPath];
        if (set.is_local === true) this.localSearchPath = searchPath;
        else {
          this.sessionSearchPath = searchPath;
          // A session SET replaces a SET LOCAL of the same transaction too.
          this.localSearchPath = undefined;
        }
        return;
      }
      default:
        return;
    }
  }

  /**
   * A ROLLBACK undoes what the transaction changed, and ROLLBACK TO SAVEPOINT what it changed since the
   * savepoint, which stays; RELEASE forgets a savepoint and those after it. The search path follows them,
   * and a SET LOCAL of it ends with its transaction.
   */
  private applyTransaction(stmt: { kind?: string; savepoint_name?: string }): void {
    const { kind } = stmt;
    if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') {
      if (this.fileRollsBack) this.beforeTransaction ??= this.snapshot();
      this.searchPathBeforeTransaction ??= this.sessionSearchPath;
    } else if (kind === 'TRANS_STMT_SAVEPOINT') {
      this.savepoints.push({
        name: stmt.savepoint_name ?? '',
        state: this.fileRollsBackToSavepoint ? this.snapshot() : undefined,
        sessionSearchPath: this.sessionSearchPath,
        localSearchPath: this.localSearchPath,
      });
    } else if (kind === 'TRANS_STMT_ROLLBACK_TO' || kind === 'TRANS_STMT_RELEASE') {
      // PostgreSQL takes the innermost savepoint of that name.
      const at = this.savepoints.map((savepoint) => savepoint.name).lastIndexOf(stmt.savepoint_name ?? '');
      if (at === -1) return;
      if (kind === 'TRANS_STMT_RELEASE') {
        this.savepoints.length = at;
        return;
      }
      this.savepoints.length = at + 1;
      const savepoint = this.savepoints[at]!;
      // The savepoint stays, for another ROLLBACK TO: the model takes a copy of it.
      if (savepoint.state) this.restore(structuredClone(savepoint.state));
      this.sessionSearchPath = savepoint.sessionSearchPath;
      this.localSearchPath = savepoint.localSearchPath;
    } else if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK' || kind === 'TRANS_STMT_PREPARE') {
      if (kind === 'TRANS_STMT_ROLLBACK') {
        if (this.beforeTransaction) this.restore(this.beforeTransaction);
        this.sessionSearchPath = this.searchPathBeforeTransaction ?? this.sessionSearchPath;
      }
      this.beforeTransaction = undefined;
      this.searchPathBeforeTransaction = undefined;
      this.localSearchPath = undefined;
      this.savepoints = [];
    }
  }

  /** The search path in force: a SET LOCAL's until its transaction ends, else the session's. */
  private get searchPath(): string[] {
    return this.localSearchPath ?? this.sessionSearchPath;
  }

  /** A copy of the schema, for a rollback. */
  snapshot(): SchemaState {
    return structuredClone(this.liveState());
  }

  /**
   * The schema as it is, not a copy: what the model does next changes it. For serializing at once
   * (the cache), which copies it anyway: a snapshot first would copy it twice.
   */
  liveState(): Readonly<SchemaState> {
    return {
      tables: this.tables,
      indexes: this.indexes,
      sequences: this.sequences,
      enums: this.enums,
      compositeTypes: this.compositeTypes,
      domains: this.domains,
      schemas: this.schemas,
      extensions: this.extensions,
      functionVolatilities: this.functionVolatilities,
      plpgsqlFunctions: this.plpgsqlFunctions,
      columnsOfUnknownTables: this.columnsOfUnknownTables,
      constraintsOfUnknownTables: this.constraintsOfUnknownTables,
      attachmentsOfUnknownTables: this.attachmentsOfUnknownTables,
      retirements: this.retirements,
      gone: this.gone,
    };
  }

  /** Takes over a snapshot's objects: the snapshot must not be used again. */
  restore(state: SchemaState): void {
    for (const [target, source] of [
      [this.tables, state.tables],
      [this.indexes, state.indexes],
      [this.sequences, state.sequences],
      [this.enums, state.enums],
      [this.compositeTypes, state.compositeTypes],
      [this.domains, state.domains],
      [this.functionVolatilities, state.functionVolatilities],
      [this.plpgsqlFunctions, state.plpgsqlFunctions],
      [this.extensions, state.extensions],
      [this.columnsOfUnknownTables, state.columnsOfUnknownTables],
      [this.constraintsOfUnknownTables, state.constraintsOfUnknownTables],
      [this.attachmentsOfUnknownTables, state.attachmentsOfUnknownTables],
      [this.retirements, state.retirements],
    ] as Array<[Map<string, unknown>, Map<string, unknown>]>) {
      target.clear();
      for (const [key, value] of source) target.set(key, value);
    }
    for (const [target, source] of [
      [this.schemas, state.schemas],
      [this.gone, state.gone],
    ] as Array<[Set<string>, Set<string>]>) {
      target.clear();
      for (const value of source) target.add(value);
    }
    this.functionsMentioningRefresh.clear();
    for (const [name, plpgsql] of this.plpgsqlFunctions) if (MENTIONS_REFRESH.test(plpgsql.body)) this.functionsMentioningRefresh.add(name);
    this.tableOrder.reset(this.tables);
    this.indexOrder.reset(this.indexes);
    for (const index of [this.tablesReferringTo, this.indexesByTable, this.partitionIndexesByParent]) index.clear();
    for (const key of [...this.tables.keys(), ...this.constraintsOfUnknownTables.keys()]) this.noteReferences(key);
    for (const [key, index] of this.indexes) this.noteIndex(key, index);
  }

  /** Whether the migrations dropped (or renamed away) a constraint of this name on the table, and added none since. */
  isConstraintGone(relation: RelationName, name: string): boolean {
    return this.gone.has(goneConstraintKey(this.resolve(relation, this.tables), name)) && !this.constraint(relation, name);
  }

  /** Whether the migrations dropped this column of a table (and did not add it again): DROP COLUMN of it fails, or does nothing with IF EXISTS. */
  isColumnGone(relation: RelationName, column: string): boolean {
    return this.gone.has(goneColumnKey(this.resolve(relation, this.tables), column));
  }

  /**
   * Whether the migrations dropped a table, view, index or sequence of this name (or renamed it away) and created none
   * since: `DROP ... IF EXISTS` and `ALTER ... IF EXISTS` of it do nothing, and lock nothing.
   */
  isGone(relation: RelationName, kind: 'table' | 'index' | 'sequence'): boolean {
    const map = kind === 'table' ? this.tables : kind === 'index' ? this.indexes : this.sequences;
    const key = this.resolve(relation, map);
    return !map.has(key) && this.gone.has(key);
  }

  private setRelation<T>(map: Map<string, T>, key: string, value: T): void {
    const kept = map as Map<string, unknown>;
    if (kept === this.tables) this.tableOrder.entering(kept, key);
    if (kept === this.indexes) this.indexOrder.entering(kept, key);
    map.set(key, value);
    this.gone.delete(key);
    if (kept === this.tables) this.noteReferences(key);
    if (kept === this.indexes) this.noteIndex(key, value as IndexInfo);
  }

  /** Files a table (or a table the model never saw created) under each table it refers to, for tablesReferringTo. */
  private noteReferences(key: string): void {
    for (const constraint of this.constraintsOf(key)?.values() ?? []) {
      if (constraint.kind === 'foreign key' && constraint.references) this.tablesReferringTo.add(constraint.references.name, key);
    }
    const table = this.tables.get(key);
    if (!table) return;
    for (const relation of table.reads ?? []) this.tablesReferringTo.add(relation.name, key);
    for (const use of table.columnsUsed ?? []) this.tablesReferringTo.add(use.relation.name, key);
    if (table.partitionOf) this.tablesReferringTo.add(table.partitionOf.name, key);
  }

  private noteIndex(key: string, index: IndexInfo): void {
    this.indexesByTable.add(index.table.name, key);
    if (index.partitionOfIndex) this.partitionIndexesByParent.add(index.partitionOfIndex, key);
  }

  /** The tables, views and partitions the model knows that may refer to a table of this name, in the model's order; callers check each. */
  private tablesReferringToName(name: string): TableInfo[] {
    return this.tableOrder.present(this.tables, this.tablesReferringTo.keys(name)).map((key) => this.tables.get(key)!);
  }

  private tablesReferringToKey(key: string): TableInfo[] {
    return this.tablesReferringToName(this.qualified(key).name);
  }

  private deleteRelation(map: Map<string, unknown>, key: string): void {
    map.delete(key);
    this.gone.add(key);
  }

  /** The map key of a relation: a schema-qualified name as is, an unqualified one through the search_path. */
  private resolve(relation: RelationName, existing: Map<string, unknown>): string {
    if (relation.schema !== undefined) return `${relation.schema}.${relation.name}`;
    for (const schema of this.searchPath) {
      const key = `${schema}.${relation.name}`;
      if (existing.has(key)) return key;
    }
    return this.creationKey(relation);
  }

  private creationKey(relation: RelationName): string {
    return `${relation.schema ?? this.searchPath[0] ?? 'public'}.${relation.name}`;
  }

  private qualified(key: string): { schema: string; name: string } {
    const dot = key.indexOf('.');
    return { schema: key.slice(0, dot), name: key.slice(dot + 1) };
  }

  private retirementKey(relation: RelationName, column: string | undefined): string {
    const table = this.resolve(relation, this.tables);
    return column === undefined ? table : `${table}.${column}`;
  }

  private createTable(create: NonNullable<ReturnType<typeof asKind<'CreateStmt'>>>): void {
    if (!create.relation) return;
    const kind: RelationKind = create.partspec ? 'partitioned table' : 'table';
    const table = this.addRelation(create.relation, kind, create.tableElts ?? [], create.if_not_exists === true);
    const parent = create.partbound ? asKind(create.inhRelations?.[0], 'RangeVar') : undefined;
    if (table && parent) {
      this.setPartitionOf(table, relationFromRangeVar(parent), create.partbound?.is_default === true);
      // A partition has its parent's columns, and a copy of each of its indexes.
      const parentInfo = this.table(relationFromRangeVar(parent));
      const key = this.resolve(table.name, this.tables);
      if (parentInfo) {
        // An identity column of a partition draws from its parent's sequence: no sequence of its own.
        this.copyColumns(key, table, parentInfo, LIKE_INCLUDING.defaults | LIKE_INCLUDING.constraints | LIKE_INCLUDING.generated);
        this.copyIndexes(key, table, parentInfo, true);
      }
    }
    if (table) {
      const storage: TableStorage = {
        ...(create.relation.relpersistence === 'u' ? { unlogged: true } : {}),
        ...(create.accessMethod ? { accessMethod: create.accessMethod } : {}),
        ...(create.tablespacename ? { tablespace: create.tablespacename } : {}),
      };
      if (Object.keys(storage).length > 0) table.storage = storage;
    }
    if (table && create.partspec) {
      const elements = (create.partspec.partParams ?? []).map((param) => asKind(param, 'PartitionElem'));
      table.partitionKey = {
        columns: elements.flatMap((element) => (element?.name ? [element.name] : [])),
        hasExpression: elements.some((element) => !element?.name),
      };
    }
  }

  private setPartitionOf(table: TableInfo, parent: RelationName | undefined, isDefault: boolean): void {
    if (parent) {
      table.partitionOf = parent;
      this.tablesReferringTo.add(parent.name, modelKey(table.name));
    } else delete table.partitionOf;
    if (isDefault) table.defaultPartition = true;
    else delete table.defaultPartition;
  }

  private addRelation(rangeVar: RangeVar, kind: RelationKind, elements: Node[], keepExisting: boolean): TableInfo | undefined {
    const relation = relationFromRangeVar(rangeVar);
    if (keepExisting && this.table(relation)) return undefined;
    const key = this.creationKey(relation);
    const table: TableInfo = { name: this.qualified(key), kind, createdIn: this.currentMigration, columns: new Map(), constraints: new Map() };
    // IF NOT EXISTS of a name the history never made: one made outside the migrations may stand there, with other columns.
    if (keepExisting && !this.gone.has(key)) table.mayPredate = true;
    const likes: Array<{ source: TableInfo; options: number }> = [];
    for (const element of elements) {
      const column = asKind(element, 'ColumnDef');
      if (column?.colname) {
        table.columns.set(column.colname, this.withSequences(key, columnInfo(column, this.currentMigration), column));
        for (const constraint of column.constraints ?? []) this.addConstraint(key, table.constraints, table.name.name, asKind(constraint, 'Constraint'), column.colname);
      }
      this.addConstraint(key, table.constraints, table.name.name, asKind(element, 'Constraint'));
      const like = asKind(element, 'TableLikeClause');
      const source = like?.relation ? this.table(relationFromRangeVar(like.relation)) : undefined;
      if (source) {
        this.copyColumns(key, table, source, like!.options ?? 0);
        likes.push({ source, options: like!.options ?? 0 });
      }
    }
    // PostgreSQL builds the copied indexes after the table's own constraints.
    for (const { source, options } of likes) if (options & LIKE_INCLUDING.indexes) this.copyIndexes(key, table, source);
    markPrimaryKeyNotNull(table.columns, table.constraints.values());
    this.setRelation(this.tables, key, table);
    this.columnsOfUnknownTables.delete(key);
    this.constraintsOfUnknownTables.delete(key);
    this.attachmentsOfUnknownTables.delete(key);
    return table;
  }

  /**
   * The columns CREATE TABLE ... (LIKE source ...) copies, with their types, collations and NOT NULL, and what its
   * INCLUDING options add: defaults, generated expressions, identity (with a sequence of the new table's), CHECK constraints.
   */
  private copyColumns(tableKey: string, table: TableInfo, source: TableInfo, options: number): void {
    for (const column of source.columns.values()) {
      // A column the statement declares itself keeps its own definition; a partition's column options have no type.
      const declared = table.columns.get(column.name);
      if (declared) {
        if (!declared.type && column.type) declared.type = column.type;
        continue;
      }
      const identity = isIdentityColumn(column);
      const copy: ColumnInfo = {
        name: column.name,
        ...(column.type ? { type: column.type } : {}),
        ...(column.collation ? { collation: column.collation } : {}),
        ...(column.generated && options & LIKE_INCLUDING.generated ? { generated: column.generated } : {}),
        notNull: column.notNull,
        hasDefault: false,
        addedIn: this.currentMigration,
      };
      if (column.hasDefault && !identity && options & LIKE_INCLUDING.defaults) {
        copy.hasDefault = true;
        if (column.defaultCalls) copy.defaultCalls = column.defaultCalls;
        if (column.defaultSequence) copy.defaultSequence = column.defaultSequence;
      }
      if (identity && options & LIKE_INCLUDING.identity) {
        copy.hasDefault = true;
        copy.ownedSequence = this.newOwnedSequence(tableKey, column.name);
      }
      table.columns.set(column.name, copy);
    }
    if (!(options & LIKE_INCLUDING.constraints)) return;
    for (const constraint of source.constraints.values()) if (constraint.kind === 'check') table.constraints.set(constraint.name, { ...constraint });
  }

  /**
   * The indexes LIKE ... INCLUDING INDEXES copies, with the primary key, unique and exclusion constraints they enforce,
   * under the names PostgreSQL chooses for the new table (seen on PostgreSQL 18).
   */
  private copyIndexes(tableKey: string, table: TableInfo, source: TableInfo, partitionOf = false): void {
    for (const index of this.indexesOn(source.name)) {
      const constraint = index.constraint === undefined ? undefined : source.constraints.get(index.constraint);
      this.copyIndex(tableKey, table, index, constraint, partitionOf);
    }
  }

  /**
   * A copy of an index on another table, under the name PostgreSQL chooses for it there (ChooseIndexName), with the
   * constraint it enforces: what LIKE ... INCLUDING INDEXES makes, and what an index of a partitioned table makes
   * on each partition (then the partition's partitions too), tied to the parent index (seen on PostgreSQL 18).
   */
  private copyIndex(tableKey: string, table: TableInfo, index: IndexInfo, constraint: ConstraintInfo | undefined, partitionOf: boolean): void {
    const { schema } = this.qualified(tableKey);
    const keys = index.keyColumns ?? index.keyNames ?? ['expr'];
    const suffix = constraint?.kind === 'primary key' ? 'pkey' : constraint?.kind === 'unique' ? 'key' : constraint?.kind === 'exclusion' ? 'excl' : 'idx';
    const name = this.freeRelationName(tableKey, [table.name.name, ...(suffix === 'pkey' ? [] : keys), suffix].join('_'));
    const copiedConstraint = constraint ? { ...constraint, name } : undefined;
    if (copiedConstraint) table.constraints.set(name, copiedConstraint);
    const { constraint: _sourceConstraint, partitionOfIndex: _sourceParent, ...copied } = index;
    const copy: IndexInfo = {
      ...copied,
      name: { schema, name },
      table: table.name,
      createdIn: this.currentMigration,
      ...(constraint ? { constraint: name } : {}),
      ...(partitionOf ? { partitionOfIndex: modelKey(index.name) } : {}),
    };
    this.setRelation(this.indexes, `${schema}.${name}`, copy);
    if (table.kind === 'partitioned table') {
      for (const partition of this.partitions(table.name)) this.copyIndex(this.resolve(partition.name, this.tables), partition, copy, copiedConstraint, true);
    }
  }

  private addConstraint(
    tableKey: string,
    constraints: Map<string, ConstraintInfo>,
    tableName: string,
    constraint: ReturnType<typeof asKind<'Constraint'>>,
    column?: string,
  ): void {
    const info = constraint && constraintInfo(constraint, tableName, column);
    if (!info || info.kind === 'not null') return;
    const buildsIndex = info.kind === 'primary key' || info.kind === 'unique' || info.kind === 'exclusion';
    if (buildsIndex && !constraint.conname && !constraint.indexname) info.name = this.freeRelationName(tableKey, info.name);
    constraints.set(info.name, info);
    this.gone.delete(goneConstraintKey(tableKey, info.name));
    if (info.kind === 'foreign key' && info.references) this.tablesReferringTo.add(info.references.name, tableKey);
    if (buildsIndex) this.addConstraintIndex(tableKey, info, constraint);
  }

  /**
   * The name PostgreSQL gives an index it names itself (ChooseRelationName): the one it builds, or, when a relation of
   * the schema has that name, the first free one with a number appended (users_pkey1); shortening to 63 bytes is left out.
   */
  private freeRelationName(tableKey: string, name: string): string {
    const { schema } = this.qualified(tableKey);
    const taken = (candidate: string): boolean => this.relationAt(`${schema}.${candidate}`) !== undefined;
    if (!taken(name)) return name;
    let number = 1;
    while (taken(`${name}${number}`)) number++;
    return `${name}${number}`;
  }

  /**
   * PRIMARY KEY, UNIQUE and EXCLUDE constraints are enforced by an index of the same name: one the constraint
   * builds, or, with USING INDEX, the index named, which PostgreSQL renames to the constraint's name.
   */
  private addConstraintIndex(tableKey: string, info: ConstraintInfo, constraint: NonNullable<ReturnType<typeof asKind<'Constraint'>>>): void {
    const { schema } = this.qualified(tableKey);
    const key = `${schema}.${info.name}`;
    if (constraint.indexname) {
      const existing = this.indexes.get(`${schema}.${constraint.indexname}`);
      if (!existing) return;
      this.deleteRelation(this.indexes, `${schema}.${constraint.indexname}`);
      if (info.columns.length === 0 && existing.keyColumns) info.columns = existing.keyColumns;
      this.setRelation(this.indexes, key, { ...existing, name: { schema, name: info.name }, constraint: info.name });
      return;
    }
    const columns = constraintIndexColumns(constraint, info.kind === 'exclusion' ? [] : info.columns);
    const exclusionElements = (constraint.exclusions ?? []).flatMap((pair) => asKind(pair, 'List')?.items?.slice(0, 1) ?? []);
    this.setRelation(this.indexes, key, {
      name: { schema, name: info.name },
      table: this.qualified(tableKey),
      unique: info.kind !== 'exclusion',
      createdIn: this.currentMigration,
      ...(info.kind !== 'exclusion' && info.columns.length > 0 ? { keyColumns: info.columns } : {}),
      ...(info.kind === 'exclusion' ? { keyNames: indexKeyNames(exclusionElements) } : {}),
      partial: constraint.where_clause !== undefined,
      constraint: info.name,
      ...(columns ? { columns } : {}),
    });
  }

  /** The index that enforces a table's constraint, which has the constraint's name, when the model saw it made. */
  private constraintIndex(tableKey: string, constraint: string): IndexInfo | undefined {
    const index = this.indexes.get(`${this.qualified(tableKey).schema}.${constraint}`);
    return index?.constraint === constraint ? index : undefined;
  }

  /** The constraints of a table, known or not; `create` makes the map for a table the model never saw created. */
  private constraintsOf(tableKey: string, create = false): Map<string, ConstraintInfo> | undefined {
    const table = this.tables.get(tableKey);
    if (table) return table.constraints;
    let constraints = this.constraintsOfUnknownTables.get(tableKey);
    if (!constraints && create) {
      constraints = new Map();
      this.constraintsOfUnknownTables.set(tableKey, constraints);
    }
    return constraints;
  }

  private createIndex(index: NonNullable<ReturnType<typeof asKind<'IndexStmt'>>>): void {
    if (!index.relation) return;
    const table = relationFromRangeVar(index.relation);
    const tableKey = this.resolve(table, this.tables);
    const key = `${this.qualified(tableKey).schema}.${index.idxname ?? this.freeRelationName(tableKey, indexName(index))}`;
    // IF NOT EXISTS of an index the migrations built already builds nothing: the one there stays.
    if (index.if_not_exists && this.relationBesideTable(table, indexName(index))) return;
    const keyColumns = plainKeyColumns(index);
    const columns = indexStmtColumns(index);
    const operatorClasses = operatorClassesOf(index);
    const keyNames = keyColumns ? undefined : indexKeyNames(index.indexParams ?? []);
    const calls = functionsCalledIn({ List: { items: [...(index.indexParams ?? []), ...(index.whereClause ? [index.whereClause] : [])] } });
    const info: IndexInfo = {
      name: this.qualified(key),
      table,
      unique: index.unique === true,
      createdIn: this.currentMigration,
      ...(keyColumns ? { keyColumns } : {}),
      ...(keyNames ? { keyNames } : {}),
      partial: index.whereClause !== undefined,
      ...(columns ? { columns } : {}),
      ...(operatorClasses.length > 0 ? { operatorClasses } : {}),
      ...(calls.length > 0 ? { calls } : {}),
    };
    this.setRelation(this.indexes, key, info);
    // CREATE INDEX ON ONLY a partitioned table makes no index on its partitions.
    const tableInfo = this.tables.get(tableKey);
    if (tableInfo?.kind === 'partitioned table' && index.relation.inh === true) {
      for (const partition of this.partitions(table)) this.copyIndex(this.resolve(partition.name, this.tables), partition, info, undefined, true);
    }
  }

  /**
   * ATTACH PARTITION ties each index of the partitioned table to an index of the partition with the same definition,
   * or makes one; DETACH PARTITION unties them, and the partition keeps its indexes (seen on PostgreSQL 18).
   */
  private tiePartitionIndexes(table: TableInfo, partition: TableInfo, attaching: boolean): void {
    const partitionKey = this.resolve(partition.name, this.tables);
    const parentIndexes = this.indexesOn(table.name);
    const parentKeys = new Set(parentIndexes.map((index) => modelKey(index.name)));
    const own = this.indexesOn(partition.name);
    if (!attaching) {
      for (const index of own) if (index.partitionOfIndex && parentKeys.has(index.partitionOfIndex)) delete index.partitionOfIndex;
      return;
    }
    const sameDefinition = (a: IndexInfo, b: IndexInfo): boolean =>
      a.columns !== undefined && JSON.stringify(a.columns.keys) === JSON.stringify(b.columns?.keys) && a.unique === b.unique && a.partial === b.partial;
    for (const parentIndex of parentIndexes) {
      const match = own.find((index) => index.partitionOfIndex === undefined && sameDefinition(index, parentIndex));
      if (match) {
        match.partitionOfIndex = modelKey(parentIndex.name);
        this.noteIndex(modelKey(match.name), match);
      }
      else this.copyIndex(partitionKey, partition, parentIndex, parentIndex.constraint === undefined ? undefined : table.constraints.get(parentIndex.constraint), true);
    }
  }

  /** Drops an index, and the indexes PostgreSQL made for it on partitions. */
  private dropIndex(key: string): void {
    this.deleteRelation(this.indexes, key);
    for (const childKey of this.indexOrder.present(this.indexes, this.partitionIndexesByParent.keys(key))) {
      if (this.indexes.get(childKey)?.partitionOfIndex === key) this.dropIndex(childKey);
    }
  }

  private applyDrop(removeType: string | undefined, objects: Node[], cascade: boolean): void {
    for (const object of objects) {
      if (removeType === 'OBJECT_FUNCTION' && cascade) {
        // CASCADE drops the triggers that execute the function, and the defaults and views that call it.
        const name = functionNameOf(object);
        if (name) this.dropUses(this.usesOfFunction(name));
        continue;
      }
      if (removeType === 'OBJECT_SCHEMA') {
        const schema = asKind(object, 'String')?.sval;
        if (schema) this.dropSchema(schema);
        continue;
      }
      if (removeType === 'OBJECT_EXTENSION') {
        const extension = asKind(object, 'String')?.sval;
        if (extension && cascade) this.dropDependentsOfExtension(extension);
        if (extension) this.extensions.delete(extension);
        continue;
      }
      const attachedKind = ATTACHED_OBJECT_KINDS[removeType ?? ''];
      if (attachedKind) {
        const attached = attachedObjectOf(object);
        if (attached) this.detach(attached.table, attachedKind, attached.name);
        continue;
      }
      const relation = relationFromNameList(object) ?? relationFromNames(stringValues(asKind(object, 'TypeName')?.names));
      if (!relation.name) continue;
      // CASCADE drops the views that read a relation, and the columns and domains of a type (seen on PostgreSQL 18).
      if (cascade && (removeType === 'OBJECT_TABLE' || removeType === 'OBJECT_VIEW' || removeType === 'OBJECT_MATVIEW')) for (const view of this.viewsReading(relation)) this.dropTable(view);
      if (cascade && (removeType === 'OBJECT_TYPE' || removeType === 'OBJECT_DOMAIN')) this.dropUsesOfType(relation);
      if (removeType === 'OBJECT_TABLE' || removeType === 'OBJECT_VIEW' || removeType === 'OBJECT_MATVIEW') this.dropTable(relation);
      else if (removeType === 'OBJECT_INDEX') this.dropIndex(this.resolve(relation, this.indexes));
      else if (removeType === 'OBJECT_SEQUENCE') this.dropSequence(this.resolve(relation, this.sequences), cascade);
      else if (removeType === 'OBJECT_TYPE') {
        this.enums.delete(this.resolve(relation, this.enums));
        this.compositeTypes.delete(this.resolve(relation, this.compositeTypes));
      }
      else if (removeType === 'OBJECT_DOMAIN') this.domains.delete(this.resolve(relation, this.domains));
    }
  }

  /**
   * Whether a trigger, policy or rule of that name is on the table: undefined when the model did not see the table
   * created, as one from before the history may have any.
   */
  hasAttached(table: RelationName, kind: AttachedObjectKind, name: string): boolean | undefined {
    const info = this.table(table);
    return info === undefined ? undefined : (info.attachedObjects?.has(`${kind}:${name}`) ?? false);
  }

  /**
   * The relations LOCK TABLE of a view locks with it: those its query names, and theirs in turn for a view among
   * them, each once; none for a relation that is no view the migrations created.
   */
  relationsLockedWithView(relation: RelationName): RelationName[] {
    const found: RelationName[] = [];
    // Only a view passes the lock on: a materialized view is locked itself, not what it was made from.
    const readsOfView = (name: RelationName): RelationName[] => {
      const info = this.table(name);
      return info?.kind === 'view' ? (info.reads ?? []) : [];
    };
    const pending = [...readsOfView(relation)];
    while (pending.length > 0) {
      const next = pending.shift()!;
      if (found.some((known) => this.sameTable(known, next))) continue;
      found.push(next);
      pending.push(...readsOfView(next));
    }
    return found;
  }

  /**
   * What the migrations made that uses a function of that name (any schema, any arguments), which DROP FUNCTION ...
   * CASCADE drops with it: the triggers that execute it (trigger functions take no arguments), the column defaults
   * and the views that call it. CHECK constraints and index expressions that call it are not known.
   */
  usesOfFunction(functionName: string): FunctionUses {
    return this.usesOfFunctions(new Set([functionName.toLowerCase()]));
  }

  /** What uses any of these functions (lower-case names), as usesOfFunction says. */
  private usesOfFunctions(names: ReadonlySet<string>): FunctionUses {
    const triggers: FunctionUses['triggers'] = [];
    for (const info of this.tables.values()) {
      for (const [key, executes] of info.attachedObjects ?? []) if (key.startsWith('trigger:') && names.has(executes.toLowerCase())) triggers.push({ table: info.name, trigger: key.slice('trigger:'.length) });
    }
    const defaults = this.everyColumn()
      .filter(({ column }) => column.defaultCalls?.some((name) => names.has(name)))
      .map(({ table, column }) => ({ table, column: column.name }));
    const views = [...this.tables.values()].filter((view) => view.calls?.some((name) => names.has(name))).map((view) => ({ name: view.name, kind: view.kind }));
    const checks: FunctionUses['checks'] = [];
    for (const info of this.tables.values()) for (const check of info.constraints.values()) if (check.calls?.some((name) => names.has(name))) checks.push({ table: info.name, constraint: check.name });
    for (const [key, constraints] of this.constraintsOfUnknownTables) for (const check of constraints.values()) if (check.calls?.some((name) => names.has(name))) checks.push({ table: this.qualified(key), constraint: check.name });
    const indexes = [...this.indexes.values()].filter((index) => index.calls?.some((name) => names.has(name)));
    return { triggers, defaults, checks, indexes, views };
  }

  private attach(table: RelationName, kind: AttachedObjectKind, name: string, executes = ''): void {
    const info = this.table(table);
    if (info) (info.attachedObjects ??= new Map()).set(`${kind}:${name}`, executes);
  }

  /** Forgets the object; what a trigger executes ('' for other kinds), or undefined when the model did not know it. */
  private detach(table: RelationName, kind: AttachedObjectKind, name: string): string | undefined {
    const attached = this.table(table)?.attachedObjects;
    const executes = attached?.get(`${kind}:${name}`);
    attached?.delete(`${kind}:${name}`);
    return executes;
  }

  private dropTable(relation: RelationName): void {
    this.dropForeignKeysTo(relation, { all: true });
    const key = this.resolve(relation, this.tables);
    // Dropping a partitioned table drops its partitions.
    if (this.tables.get(key)?.kind === 'partitioned table') for (const partition of this.partitions(relation)) this.dropTable(partition.name);
    for (const [childKey, attachment] of this.attachmentsOfUnknownTables) {
      if (this.resolve(attachment.partitionOf, this.tables) === key) this.dropTable(this.qualified(childKey));
    }
    for (const column of (this.tables.get(key)?.columns ?? this.columnsOfUnknownTables.get(key))?.values() ?? []) if (column.ownedSequence) this.deleteRelation(this.sequences, column.ownedSequence);
    this.deleteRelation(this.tables, key);
    this.columnsOfUnknownTables.delete(key);
    this.constraintsOfUnknownTables.delete(key);
    this.attachmentsOfUnknownTables.delete(key);
    for (const retired of this.retirements.keys()) if (retired === key || retired.startsWith(`${key}.`)) this.retirements.delete(retired);
    for (const indexKey of this.indexOrder.present(this.indexes, this.indexesByTable.keys(this.qualified(key).name))) {
      const index = this.indexes.get(indexKey);
      if (index && key.endsWith(`.${index.table.name}`) && this.resolve(index.table, this.tables) === key) this.deleteRelation(this.indexes, indexKey);
    }
  }

  private dropSchema(schema: string): void {
    this.schemas.delete(schema);
    for (const map of [this.tables, this.indexes, this.sequences, this.enums, this.compositeTypes, this.domains] as Array<Map<string, unknown>>) {
      for (const key of [...map.keys()]) if (key.startsWith(`${schema}.`)) map.delete(key);
    }
  }

  private applyRename(rename: NonNullable<ReturnType<typeof asKind<'RenameStmt'>>>): void {
    if (!rename.newname) return;
    if (rename.renameType === 'OBJECT_TYPE') {
      const name = relationFromNames(stringValues(asKind(rename.object, 'List')?.items));
      const key = this.resolve(name, this.enums);
      const values = this.enums.get(key);
      if (values) {
        this.enums.delete(key);
        this.enums.set(`${this.qualified(key).schema}.${rename.newname}`, values);
      }
      const compositeKey = this.resolve(name, this.compositeTypes);
      moveKey(this.compositeTypes, compositeKey, `${this.qualified(compositeKey).schema}.${rename.newname}`);
      this.renameColumnTypes(name, rename.newname);
      return;
    }
    if (rename.renameType === 'OBJECT_DOMAIN' || rename.renameType === 'OBJECT_DOMCONSTRAINT') {
      const name = relationFromNames(stringValues(asKind(rename.object, 'List')?.items));
      if (rename.renameType === 'OBJECT_DOMAIN') {
        this.moveDomain(name, { ...(name.schema ? { schema: name.schema } : {}), name: rename.newname });
        this.renameColumnTypes(name, rename.newname);
      } else {
        const constraints = this.domains.get(this.resolve(name, this.domains))?.constraints;
        const kind = rename.subname ? constraints?.get(rename.subname) : undefined;
        if (constraints && kind) {
          constraints.delete(rename.subname!);
          constraints.set(rename.newname, kind);
        }
      }
      return;
    }
    const relation = rename.relation ? relationFromRangeVar(rename.relation) : undefined;
    if (!relation) return;
    const attachedKind = ATTACHED_OBJECT_KINDS[rename.renameType ?? ''];
    const executes = attachedKind && rename.subname ? this.detach(relation, attachedKind, rename.subname) : undefined;
    if (attachedKind && executes !== undefined) this.attach(relation, attachedKind, rename.newname, executes);
    switch (rename.renameType) {
      case 'OBJECT_TABLE':
      case 'OBJECT_VIEW':
      case 'OBJECT_MATVIEW':
        this.renameTable(relation, rename.newname);
        return;
      case 'OBJECT_COLUMN':
        if (rename.subname) this.renameColumn(relation, rename.subname, rename.newname);
        return;
      case 'OBJECT_SEQUENCE': {
        const key = this.resolve(relation, this.sequences);
        this.moveSequence(key, `${this.qualified(key).schema}.${rename.newname}`);
        return;
      }
      case 'OBJECT_INDEX': {
        const key = this.resolve(relation, this.indexes);
        const index = this.indexes.get(key);
        if (!index) return;
        // PostgreSQL renames the constraint an index enforces along with the index (RenameRelationInternal).
        if (index.constraint !== undefined) return this.renameConstraint(this.resolve(index.table, this.tables), index.constraint, rename.newname);
        this.deleteRelation(this.indexes, key);
        index.name = { schema: index.name.schema, name: rename.newname };
        this.setRelation(this.indexes, `${index.name.schema}.${rename.newname}`, index);
        this.followRenamedIndex(key, `${index.name.schema}.${rename.newname}`);
        return;
      }
      case 'OBJECT_TABCONSTRAINT':
        if (rename.subname) this.renameConstraint(this.resolve(relation, this.tables), rename.subname, rename.newname);
        return;
      default:
        return;
    }
  }

  /** A constraint and the index that enforces it have one name: renaming either renames both. */
  private renameConstraint(tableKey: string, oldName: string, newName: string): void {
    const constraints = this.constraintsOf(tableKey);
    const constraint = constraints?.get(oldName);
    if (constraints && constraint) {
      constraints.delete(oldName);
      constraints.set(newName, { ...constraint, name: newName });
      this.gone.add(goneConstraintKey(tableKey, oldName));
      this.gone.delete(goneConstraintKey(tableKey, newName));
    }
    const index = this.constraintIndex(tableKey, oldName);
    if (index) {
      const { schema } = index.name;
      this.deleteRelation(this.indexes, `${schema}.${oldName}`);
      this.setRelation(this.indexes, `${schema}.${newName}`, { ...index, name: { schema, name: newName }, constraint: newName });
      this.followRenamedIndex(`${schema}.${oldName}`, `${schema}.${newName}`);
    }
  }

  /** The indexes of partitions stay tied to their partitioned table's index under its new name. */
  private followRenamedIndex(oldKey: string, newKey: string): void {
    for (const indexKey of this.partitionIndexesByParent.keys(oldKey)) {
      const index = this.indexes.get(indexKey);
      if (index?.partitionOfIndex !== oldKey) continue;
      index.partitionOfIndex = newKey;
      this.noteIndex(indexKey, index);
    }
  }

  private renameTable(relation: RelationName, newName: string): void {
    const oldKey = this.resolve(relation, this.tables);
    this.moveTable(oldKey, `${this.qualified(oldKey).schema}.${newName}`);
  }

  /** RENAME TO or SET SCHEMA of a table, view or materialized view: what the model keeps under its key follows it. */
  private moveTable(oldKey: string, newKey: string): void {
    const oldName = this.qualified(oldKey);
    const newName = this.qualified(newKey);
    const table = this.tables.get(oldKey);
    if (table) {
      this.deleteRelation(this.tables, oldKey);
      table.name = newName;
      table.namedIn = this.currentMigration;
      this.setRelation(this.tables, newKey, table);
    }
    moveKeys(this.retirements, oldKey, newKey);
    moveKeys(this.columnsOfUnknownTables, oldKey, newKey);
    moveKeys(this.constraintsOfUnknownTables, oldKey, newKey);
    this.noteReferences(newKey);
    moveKeys(this.attachmentsOfUnknownTables, oldKey, newKey);
    // The table is already under its new key: a reference to it resolves no more, but still spells the old one.
    const namesMoved = (reference: RelationName): boolean => this.resolve(reference, this.tables) === oldKey || `${reference.schema ?? ''}.${reference.name}` === oldKey;
    // A reference keeps the form it was written in (`ideas` becomes `posts`, not `public.posts`, as messages name it),
    // unless the table left its schema, which the search path may not reach.
    const moved = (reference: RelationName): RelationName => (reference.schema === undefined && newName.schema === oldName.schema ? { name: newName.name } : newName);
    for (const indexKey of this.indexOrder.present(this.indexes, this.indexesByTable.keys(oldName.name))) {
      const index = this.indexes.get(indexKey)!;
      if (!namesMoved(index.table)) continue;
      index.table = moved(index.table);
      this.noteIndex(indexKey, index);
      // An index stays in the schema of its table (seen on PostgreSQL 18).
      if (index.name.schema === newName.schema) continue;
      this.deleteRelation(this.indexes, indexKey);
      index.name = { schema: newName.schema, name: index.name.name };
      this.setRelation(this.indexes, `${newName.schema}.${index.name.name}`, index);
    }
    for (const partition of this.tablesReferringToName(oldName.name)) {
      if (!partition.partitionOf || !namesMoved(partition.partitionOf)) continue;
      partition.partitionOf = moved(partition.partitionOf);
      this.tablesReferringTo.add(partition.partitionOf.name, modelKey(partition.name));
    }
    for (const partition of this.attachmentsOfUnknownTables.values()) {
      if (partition.partitionOf && namesMoved(partition.partitionOf)) partition.partitionOf = moved(partition.partitionOf);
    }
    // Foreign keys and views refer to the table, not its name: theirs, the table's own key to itself too, follow it.
    for (const owner of [...this.tablesReferringTo.keys(oldName.name)]) {
      let followed = false;
      for (const constraint of this.constraintsOf(owner)?.values() ?? []) {
        if (constraint.kind !== 'foreign key' || !constraint.references || !namesMoved(constraint.references)) continue;
        constraint.references = moved(constraint.references);
        followed = true;
      }
      const view = this.tables.get(owner);
      if (view?.reads?.some(namesMoved)) {
        view.reads = view.reads.map((read) => (namesMoved(read) ? moved(read) : read));
        followed = true;
      }
      for (const use of view?.columnsUsed ?? []) {
        if (!namesMoved(use.relation)) continue;
        use.relation = moved(use.relation);
        followed = true;
      }
      if (followed) this.noteReferences(owner);
    }
    // The sequences its columns own go to the new schema with it (seen on PostgreSQL 18).
    if (newName.schema === oldName.schema) return;
    for (const column of (table?.columns ?? this.columnsOfUnknownTables.get(newKey))?.values() ?? []) {
      if (column.ownedSequence) this.moveSequence(column.ownedSequence, `${newName.schema}.${this.qualified(column.ownedSequence).name}`);
    }
  }

  /** RENAME TO or SET SCHEMA of a sequence: the defaults that draw from it and the column that owns it follow it. */
  private moveSequence(oldKey: string, newKey: string): void {
    const createdIn = this.sequences.get(oldKey);
    if (createdIn === undefined) return;
    this.deleteRelation(this.sequences, oldKey);
    this.setRelation(this.sequences, newKey, createdIn);
    for (const { column } of this.everyColumn()) {
      if (column.defaultSequence === oldKey) column.defaultSequence = newKey;
      if (column.ownedSequence === oldKey) column.ownedSequence = newKey;
    }
  }

  /** DROP SEQUENCE; with CASCADE, the defaults that draw from it go too (seen on PostgreSQL 18). */
  private dropSequence(key: string, cascade: boolean): void {
    this.deleteRelation(this.sequences, key);
    if (!cascade) return;
    for (const { column } of this.everyColumn()) {
      if (column.ownedSequence === key) delete column.ownedSequence;
      if (column.defaultSequence !== key) continue;
      column.hasDefault = false;
      delete column.defaultSequence;
      delete column.defaultCalls;
    }
  }

  /** Records the sequence a serial or identity column makes, and the sequence a DEFAULT nextval(...) draws from. */
  private withSequences(tableKey: string, column: ColumnInfo, definition: ColumnDef): ColumnInfo {
    const identity = isIdentity(definition);
    if (identity || isSerial(definition)) {
      column.ownedSequence = this.newOwnedSequence(tableKey, column.name);
      if (!identity) column.defaultSequence = column.ownedSequence;
      return column;
    }
    // Only a default that calls nextval() draws from a sequence: the others need no second walk of their expression.
    const called = column.defaultCalls?.includes('nextval') ? sequenceCalledIn(defaultExpressionOf(definition)) : undefined;
    if (called) column.defaultSequence = this.resolve(called, this.sequences);
    return column;
  }

  /** The sequence a serial or identity column makes, under the name PostgreSQL gives it (`<table>_<column>_seq`, or the first free one with a number appended). */
  private newOwnedSequence(tableKey: string, column: string): string {
    const { schema, name } = this.qualified(tableKey);
    const key = `${schema}.${this.freeRelationName(tableKey, `${name}_${column}_seq`)}`;
    this.setRelation(this.sequences, key, this.currentMigration);
    return key;
  }

  /** Every column of a table the migrations made, and every column they added to a table they did not. */
  private everyColumn(): Array<{ table: RelationName; column: ColumnInfo }> {
    const found: Array<{ table: RelationName; column: ColumnInfo }> = [];
    for (const table of this.tables.values()) for (const column of table.columns.values()) found.push({ table: table.name, column });
    for (const [key, added] of this.columnsOfUnknownTables) for (const column of added.values()) found.push({ table: this.qualified(key), column });
    return found;
  }

  private renameColumn(relation: RelationName, oldName: string, newName: string): void {
    const tableKey = this.resolve(relation, this.tables);
    const table = this.tables.get(tableKey);
    const column = table?.columns.get(oldName);
    if (table && column) {
      table.columns.delete(oldName);
      table.columns.set(newName, { ...column, name: newName, namedIn: this.currentMigration });
    }
    const renamedColumn = (name: string): string => (name === oldName ? newName : name);
    // A view depends on the column, not its name: it follows the rename.
    for (const view of this.tablesReferringToName(relation.name)) {
      for (const use of view.columnsUsed ?? []) if (use.column === oldName && this.sameTable(use.relation, relation)) use.column = newName;
    }
    for (const index of this.indexesOn(relation)) {
      if (index.keyColumns) index.keyColumns = index.keyColumns.map(renamedColumn);
      if (index.columns) index.columns = { keys: index.columns.keys.map((key) => key.map(renamedColumn)), columns: index.columns.columns.map(renamedColumn) };
    }
    // A foreign key references the column, not its name: those of other tables, and the table's own, follow the rename.
    for (const { constraints, name } of this.foreignKeysTo(relation, { column: oldName })) {
      const foreignKey = constraints.get(name)!;
      if (foreignKey.referencedColumns?.length) foreignKey.referencedColumns = foreignKey.referencedColumns.map(renamedColumn);
    }
    for (const constraint of this.constraintsOf(tableKey)?.values() ?? []) {
      constraint.columns = constraint.columns.map(renamedColumn);
      if (constraint.condition) constraint.condition = renameColumnInCondition(constraint.condition, oldName, newName);
      if (constraint.kind === 'foreign key' && constraint.referencedColumns?.length && constraint.references && this.resolve(constraint.references, this.tables) === tableKey) {
        constraint.referencedColumns = constraint.referencedColumns.map(renamedColumn);
      }
    }
    const unknownColumns = this.columnsOfUnknownTables.get(tableKey);
    const unknownColumn = unknownColumns?.get(oldName);
    if (unknownColumns && unknownColumn) {
      unknownColumns.delete(oldName);
      unknownColumns.set(newName, { ...unknownColumn, name: newName, namedIn: this.currentMigration });
    }
    moveKeys(this.retirements, `${tableKey}.${oldName}`, `${tableKey}.${newName}`);
  }

  private applyAlterTable(relation: RelationName, cmd: AlterTableCmd | undefined): void {
    if (!cmd) return;
    const tableKey = this.resolve(relation, this.tables);
    const table = this.tables.get(tableKey);
    const constraints = this.constraintsOf(tableKey);
    const columnDef = asKind(cmd.def, 'ColumnDef');
    // A column of a table the model saw created, or one a migration added to a table it never saw created.
    const known = (name: string | undefined): ColumnInfo | undefined => (name === undefined ? undefined : (table?.columns ?? this.columnsOfUnknownTables.get(tableKey))?.get(name));
    switch (cmd.subtype) {
      case 'AT_AddColumn':
        if (!columnDef?.colname) return;
        this.gone.delete(goneColumnKey(tableKey, columnDef.colname));
        if (table) {
          table.columns.set(columnDef.colname, this.withSequences(tableKey, columnInfo(columnDef, this.currentMigration), columnDef));
          for (const constraint of columnDef.constraints ?? []) this.addConstraint(tableKey, table.constraints, table.name.name, asKind(constraint, 'Constraint'), columnDef.colname);
        } else {
          const added = this.columnsOfUnknownTables.get(tableKey) ?? new Map<string, ColumnInfo>();
          added.set(columnDef.colname, this.withSequences(tableKey, columnInfo(columnDef, this.currentMigration), columnDef));
          this.columnsOfUnknownTables.set(tableKey, added);
          for (const constraint of columnDef.constraints ?? []) this.addConstraint(tableKey, this.constraintsOf(tableKey, true)!, relation.name, asKind(constraint, 'Constraint'), columnDef.colname);
        }
        return;
      case 'AT_DropColumn':
        if (!cmd.name) return;
        if (known(cmd.name)) this.gone.add(goneColumnKey(tableKey, cmd.name));
        if (cmd.behavior === 'DROP_CASCADE') this.dropForeignKeysTo(relation, { column: cmd.name });
        this.dropColumn(relation, cmd.name);
        return;
      case 'AT_AlterColumnType': {
        const column = known(cmd.name);
        const type = columnType(columnDef?.typeName);
        if (column && type) column.type = type;
        // Without a COLLATE clause the column takes the new type's default collation.
        const collation = collationName(columnDef?.collClause);
        if (column && collation) column.collation = collation;
        else if (column) delete column.collation;
        return;
      }
      case 'AT_SetNotNull':
      case 'AT_DropNotNull': {
        const column = known(cmd.name);
        if (column) column.notNull = cmd.subtype === 'AT_SetNotNull';
        return;
      }
      case 'AT_DropExpression': {
        const column = known(cmd.name);
        if (column) delete column.generated;
        return;
      }
      case 'AT_ColumnDefault': {
        const column = known(cmd.name);
        // SET DEFAULT NULL leaves the column without a default, as DROP DEFAULT does.
        if (!column) return;
        column.hasDefault = cmd.def !== undefined && !isNullConstant(cmd.def);
        const defaultCalls = functionsCalledIn(cmd.def);
        if (defaultCalls.length > 0) column.defaultCalls = defaultCalls;
        else delete column.defaultCalls;
        const sequence = defaultCalls.includes('nextval') ? sequenceCalledIn(cmd.def) : undefined;
        if (sequence) column.defaultSequence = this.resolve(sequence, this.sequences);
        else delete column.defaultSequence;
        return;
      }
      case 'AT_AddConstraint': {
        const added = this.constraintsOf(tableKey, true)!;
        this.addConstraint(tableKey, added, table?.name.name ?? relation.name, asKind(cmd.def, 'Constraint'));
        const columns = table?.columns ?? this.columnsOfUnknownTables.get(tableKey);
        if (columns) markPrimaryKeyNotNull(columns, added.values());
        return;
      }
      case 'AT_ValidateConstraint': {
        const constraint = cmd.name ? constraints?.get(cmd.name) : undefined;
        if (constraint) constraint.validated = true;
        return;
      }
      case 'AT_DropConstraint': {
        if (!cmd.name) return;
        if (cmd.behavior === 'DROP_CASCADE') this.dropForeignKeysTo(relation, { constraint: cmd.name });
        constraints?.delete(cmd.name);
        this.gone.add(goneConstraintKey(tableKey, cmd.name));
        const index = this.constraintIndex(tableKey, cmd.name);
        if (index) this.deleteRelation(this.indexes, `${index.name.schema}.${cmd.name}`);
        return;
      }
      case 'AT_SetLogged':
      case 'AT_SetUnLogged':
        if (table) table.storage = { ...table.storage, unlogged: cmd.subtype === 'AT_SetUnLogged' };
        return;
      case 'AT_SetAccessMethod':
        if (table) table.storage = { ...table.storage, accessMethod: cmd.name ?? DEFAULT_ACCESS_METHOD };
        return;
      case 'AT_SetTableSpace':
        if (table && cmd.name) table.storage = { ...table.storage, tablespace: cmd.name };
        return;
      case 'AT_AddIdentity': {
        const column = known(cmd.name);
        if (!column) return;
        // The identity's sequence, named as for CREATE TABLE (seen on PostgreSQL 18).
        column.ownedSequence = this.newOwnedSequence(tableKey, column.name);
        column.hasDefault = true;
        return;
      }
      case 'AT_DropIdentity': {
        const column = known(cmd.name);
        if (!column || !isIdentityColumn(column)) return;
        this.deleteRelation(this.sequences, column.ownedSequence!);
        delete column.ownedSequence;
        column.hasDefault = false;
        return;
      }
      case 'AT_AttachPartition':
      case 'AT_DetachPartition': {
        const partition = asKind(cmd.def, 'PartitionCmd');
        if (!partition?.name) return;
        const attachedName = relationFromRangeVar(partition.name);
        const attached = this.table(attachedName);
        const attaching = cmd.subtype === 'AT_AttachPartition';
        if (attached) {
          this.setPartitionOf(attached, attaching ? (table?.name ?? relation) : undefined, attaching && partition.bound?.is_default === true);
          if (table) this.tiePartitionIndexes(table, attached, attaching);
        } else if (attaching) {
          this.attachmentsOfUnknownTables.set(this.resolve(attachedName, this.tables), { partitionOf: table?.name ?? relation, defaultPartition: partition.bound?.is_default === true });
        } else this.attachmentsOfUnknownTables.delete(this.resolve(attachedName, this.tables));
        return;
      }
      default:
        return;
    }
  }

  /** Drops a column, and every constraint and index that involves it, as PostgreSQL does. */
  private dropColumn(relation: RelationName, column: string): void {
    const tableKey = this.resolve(relation, this.tables);
    const constraints = this.constraintsOf(tableKey);
    const columns = this.tables.get(tableKey)?.columns ?? this.columnsOfUnknownTables.get(tableKey);
    const owned = columns?.get(column)?.ownedSequence;
    if (owned) this.deleteRelation(this.sequences, owned);
    this.tables.get(tableKey)?.columns.delete(column);
    for (const [name, constraint] of constraints ?? []) if (constraint.columns.includes(column)) constraints?.delete(name);
    for (const index of this.indexesOn(relation)) {
      if (index.columns?.columns.includes(column) || (index.constraint !== undefined && constraints !== undefined && !constraints.has(index.constraint))) this.deleteRelation(this.indexes, modelKey(index.name));
    }
    this.columnsOfUnknownTables.get(tableKey)?.delete(column);
    this.retirements.delete(`${tableKey}.${column}`);
  }

  private applyComment(objectType: string | undefined, names: string[], text: string | undefined): void {
    const isColumn = objectType === 'OBJECT_COLUMN';
    if (!isColumn && objectType !== 'OBJECT_TABLE' && objectType !== 'OBJECT_VIEW' && objectType !== 'OBJECT_MATVIEW') return;
    const column = isColumn ? names.at(-1) : undefined;
    const relation = relationFromNames(isColumn ? names.slice(0, -1) : names);
    // Text that starts with "deprecated", or PostGraphile's smart tag `@deprecated` on a line of its own (Sirimbo's).
    if (text !== undefined && (/^\s*deprecated/i.test(text) || /(?:^|\n)\s*@deprecated\b/.test(text))) this.retire(relation, column);
    else this.retirements.delete(this.retirementKey(relation, column));
  }

  private createDomain(create: NonNullable<ReturnType<typeof asKind<'CreateDomainStmt'>>>): void {
    const name = relationFromNames(stringValues(create.domainname));
    const baseType = columnType(create.typeName);
    if (!name.name || !baseType) return;
    const domain: DomainInfo = { baseType, constraints: new Map() };
    for (const node of create.constraints ?? []) {
      const constraint = asKind(node, 'Constraint');
      if (constraint?.contype === 'CONSTR_DEFAULT' && constraint.raw_expr) domain.defaultExpression = constraint.raw_expr;
      else addDomainConstraint(domain, name.name, constraint);
    }
    this.domains.set(this.creationKey(name), domain);
  }

  /** ALTER DOMAIN: 'T' sets or drops the default, 'O' and 'N' set and drop NOT NULL, 'C' and 'X' add and drop a constraint. */
  private alterDomain(alter: NonNullable<ReturnType<typeof asKind<'AlterDomainStmt'>>>): void {
    const name = relationFromNames(stringValues(alter.typeName));
    const domain = this.domains.get(this.resolve(name, this.domains));
    if (!domain) return;
    if (alter.subtype === 'T') {
      if (alter.def) domain.defaultExpression = alter.def;
      else delete domain.defaultExpression;
    } else if (alter.subtype === 'O') addDomainConstraint(domain, name.name, { contype: 'CONSTR_NOTNULL' });
    else if (alter.subtype === 'N') {
      for (const [constraint, kind] of domain.constraints) if (kind === 'not null') domain.constraints.delete(constraint);
    } else if (alter.subtype === 'C') addDomainConstraint(domain, name.name, asKind(alter.def, 'Constraint'));
    else if (alter.subtype === 'X' && alter.name) domain.constraints.delete(alter.name);
  }

  /** Columns (and domains) of a renamed type keep the type, which PostgreSQL knows by oid: they take its new name. */
  private renameColumnTypes(type: RelationName, newName: string): void {
    const renamed = (columnType: ColumnType | undefined): ColumnType | undefined =>
      columnType && columnType.name === type.name && (columnType.schema === undefined || type.schema === undefined || columnType.schema === type.schema)
        ? { ...columnType, name: newName }
        : undefined;
    for (const table of this.tables.values()) {
      for (const column of table.columns.values()) {
        const type = renamed(column.type);
        if (type) column.type = type;
      }
    }
    for (const domain of this.domains.values()) {
      const type = renamed(domain.baseType);
      if (type) domain.baseType = type;
    }
  }

  private moveDomain(from: RelationName, to: RelationName): void {
    const key = this.resolve(from, this.domains);
    const domain = this.domains.get(key);
    if (!domain) return;
    this.domains.delete(key);
    this.domains.set(this.creationKey(to), domain);
  }

  private alterEnum(alterEnum: NonNullable<ReturnType<typeof asKind<'AlterEnumStmt'>>>): void {
    const key = this.resolve(relationFromNames(stringValues(alterEnum.typeName)), this.enums);
    const values = this.enums.get(key);
    if (!values) return;
    if (alterEnum.oldVal && alterEnum.newVal) {
      const at = values.indexOf(alterEnum.oldVal);
      if (at !== -1) values[at] = alterEnum.newVal;
    } else if (alterEnum.newVal && !values.includes(alterEnum.newVal)) {
      const neighbour = alterEnum.newValNeighbor ? values.indexOf(alterEnum.newValNeighbor) : -1;
      if (neighbour === -1) values.push(alterEnum.newVal);
      else values.splice(alterEnum.newValIsAfter ? neighbour + 1 : neighbour, 0, alterEnum.newVal);
    }
  }

  private recordFunction(nameParts: Node[], options: Node[], parameters: Node[]): void {
    const name = stringValues(nameParts).at(-1);
    if (!name) return;
    let volatility: Volatility = 'volatile';
    for (const option of options) {
      const element = asKind(option, 'DefElem');
      const value = asKind(element?.arg, 'String')?.sval;
      if (element?.defname === 'volatility' && (value === 'immutable' || value === 'stable' || value === 'volatile')) volatility = value;
    }
    const { language, body } = functionLanguageAndBody(options);
    this.functionVolatilities.set(name.toLowerCase(), volatility);
    if (language === 'plpgsql' && body !== undefined) {
      const parameterNames = parameters.flatMap((parameter) => asKind(parameter, 'FunctionParameter')?.name ?? []);
      this.plpgsqlFunctions.set(name.toLowerCase(), { body, parameterNames });
      if (MENTIONS_REFRESH.test(body)) this.functionsMentioningRefresh.add(name.toLowerCase());
      else this.functionsMentioningRefresh.delete(name.toLowerCase());
    } else {
      this.plpgsqlFunctions.delete(name.toLowerCase());
      this.functionsMentioningRefresh.delete(name.toLowerCase());
    }
  }
}

/** The tables and views whose triggers, defaults, CHECKs, indexes or queries use a dropped function. */
export function tablesOfUses({ triggers, defaults, checks, indexes, views }: FunctionUses): RelationName[] {
  return [...triggers.map(({ table }) => table), ...defaults.map(({ table }) => table), ...checks.map(({ table }) => table), ...indexes.map((index) => index.table), ...views.map((view) => view.name)];
}

/** A column that owns a sequence without its default drawing from it is an identity column; a serial's default draws from its own. */
/** The key of a resolved name in the model's maps: schema and name, as written after resolution. */
/** A dropped constraint in the set of what the migrations dropped, beside relation and column keys. */
function goneConstraintKey(tableKey: string, constraint: string): string {
  return `${tableKey}\u0000constraint\u0000${constraint}`;
}

/** A dropped column in the set of what the migrations dropped, beside relation keys: a NUL cannot be part of a name. */
function goneColumnKey(tableKey: string, column: string): string {
  return `${tableKey}\u0000${column}`;
}

function modelKey(name: { schema: string; name: string }): string {
  return `${name.schema}.${name.name}`;
}

function isIdentityColumn(column: ColumnInfo): boolean {
  return column.ownedSequence !== undefined && column.defaultSequence === undefined;
}

/** Moves one entry of a map to a new key, when there is one. */
function moveKey<V>(map: Map<string, V>, oldKey: string, newKey: string): void {
  if (!map.has(oldKey)) return;
  const value = map.get(oldKey)!;
  map.delete(oldKey);
  map.set(newKey, value);
}

/** Moves a key and every `key.`-prefixed key of a map to a new prefix, as a rename does. */
function moveKeys<V>(map: Map<string, V>, oldPrefix: string, newPrefix: string): void {
  for (const [key, value] of [...map]) {
    if (key !== oldPrefix && !key.startsWith(`${oldPrefix}.`)) continue;
    map.delete(key);
    map.set(newPrefix + key.slice(oldPrefix.length), value);
  }
}

/** A primary key makes its columns NOT NULL, wherever it is declared (PostgreSQL sets attnotnull on each, with or without USING INDEX). */
function markPrimaryKeyNotNull(columns: Map<string, ColumnInfo>, constraints: Iterable<ConstraintInfo>): void {
  for (const constraint of constraints) {
    if (constraint.kind !== 'primary key') continue;
    for (const name of constraint.columns) {
      const column = columns.get(name);
      if (column) column.notNull = true;
    }
  }
}
