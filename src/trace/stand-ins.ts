import type { PgError } from './errors.js';
import type { Node } from '@pgsql/types';
import type pg from 'pg';
import { quoteIdentifier } from '../parse/identifiers.js';
import { alterTableCommands, asKind, nodeKind } from '../parse/node-types.js';
import type { Statement } from '../parse/parse.js';

/**
 * lint treats a table it never saw created as existing and possibly large; trace does the
 * same by creating a stand-in for each object a statement needs and the history never
 * created, from PostgreSQL's own "does not exist" errors. Column types are guessed from
 * names (`*_id` bigint, `*_at` timestamptz, ...); a guess that does not fit leaves the
 * statement failing, and it is reported as such.
 */
export interface StandIn {
  /** SQL creating the object, run outside the statement's transaction. */
  sql: string[];
  /** What was created, for the report's notes. */
  description: string;
  /** A table created, to be filled with rows; quoted as SQL writes it. */
  table?: string;
}

const quote = (name: string): string => name.split('.').map(quoteIdentifier).join('.');

function guessType(column: string): string {
  if (/(^id$|_id$|^n$|count$|number$|^position$|capacity|quantity|amount|total|price|^age$|size$|_cents$|version$|points$|score$|nights$)/.test(column)) return 'bigint';
  if (/(_at$|_on$|^date$|_date$|time$|^created|^updated|^deleted)/.test(column)) return 'timestamptz';
  if (/(^is_|^has_|^can_|enabled$|active$|verified$|archived$|^deleted$|^visible$|flag$)/.test(column)) return 'boolean';
  if (/(payload|data|metadata|settings|attributes|properties|json)$/.test(column)) return 'jsonb';
  if (/uuid$/.test(column)) return 'uuid';
  return 'text';
}

/** The first table or view a statement names: the one an unqualified missing column belongs to. */
function firstRelation(node: unknown): string | undefined {
  return findRangeVar(node, () => true);
}

/** Columns a foreign key in the statement references on `table`, for a unique index there. */
function referencedColumns(node: Node, table: string): string[] {
  const found: string[] = [];
  const visit = (value: unknown): void => {
    if (!value || typeof value !== 'object') return;
    if (Array.isArray(value)) return value.forEach(visit);
    const constraint = asKind(value as Node, 'Constraint');
    if (constraint?.contype === 'CONSTR_FOREIGN' && constraint.pktable?.relname === table.split('.').pop()) {
      for (const attr of constraint.pk_attrs ?? []) {
        const name = asKind(attr, 'String')?.sval;
        if (name) found.push(name);
      }
      if (found.length === 0) found.push('id');
      return;
    }
    Object.values(value).forEach(visit);
  };
  visit(node);
  return found;
}

/** The stand-in that would let the statement get past this error, or undefined. */
export async function standInFor(error: PgError, statement: Statement, setup: pg.Client, rows: number): Promise<StandIn | undefined> {
  const message = error.message;
  let match: RegExpExecArray | null;
  const kind = nodeKind(statement.node);

  if (error.code === '3F000' && (match = /^schema "([^"]+)" does not exist/.exec(message))) {
    return { sql: [`CREATE SCHEMA ${quote(match[1]!)}`], description: `schema ${match[1]}` };
  }
  if (error.code === '42P01' && (match = /^relation "([^"]+)" does not exist/.exec(message))) {
    const name = match[1]!;
    if (kind === 'RefreshMatViewStmt') {
      return {
        sql: [`CREATE MATERIALIZED VIEW ${quote(name)} AS SELECT g::bigint AS id FROM generate_series(1, ${rows}) g`, `CREATE UNIQUE INDEX ON ${quote(name)} (id)`],
        description: `materialized view ${name}`,
      };
    }
    if (kind === 'AlterSeqStmt') return { sql: [`CREATE SEQUENCE ${quote(name)}`], description: `sequence ${name}` };
    if (namesIndex(statement.node)) return indexStandIn(name, setup);
    const rename = asKind(statement.node, 'RenameStmt');
    if (rename?.renameType === 'OBJECT_ATTRIBUTE') {
      return { sql: [`CREATE TYPE ${quote(name)} AS (${quoteIdentifier(rename.subname ?? 'id')} text)`], description: `composite type ${name}` };
    }
    return tableStandIn(name, statement.node);
  }
  // DROP names the kind it expected, and only the object's own name, without its schema.
  if (error.code === '42P01' && kind === 'DropStmt' && (match = /^(table|view|materialized view) "([^"]+)" does not exist/.exec(message))) {
    const name = droppedName(statement.node, match[2]!);
    if (!name) return undefined;
    if (match[1] === 'table') return tableStandIn(name, statement.node);
    const view = match[1] === 'view' ? 'VIEW' : 'MATERIALIZED VIEW';
    return { sql: [`CREATE ${view} ${quote(name)} AS SELECT 1::bigint AS id`], description: `${match[1]} ${name}` };
  }
  if (
    error.code === '42703' &&
    (match = /^column "([^"]+)"(?: of relation "([^"]+)")? does not exist|^column "([^"]+)" (?:referenced in foreign key constraint|named in key) does not exist/.exec(message))
  ) {
    const column = match[1] ?? match[3]!;
    // The message names the relation without its schema.
    const table = match[2] === undefined ? firstRelation(statement.node) : namedRelation(statement.node, match[2]);
    if (!table || column.includes('.')) return undefined;
    return columnStandIn(table, column);
  }
  // A column of an aliased table: `column i.email does not exist`.
  if (error.code === '42703' && (match = /^column ([^\s."]+)\.([^\s."]+) does not exist/.exec(message))) {
    const table = aliasedRelation(statement.node, match[1]!);
    return table ? columnStandIn(table, match[2]!) : undefined;
  }
  if (error.code === '42704' && (match = /^index "([^"]+)" does not exist/.exec(message))) return indexStandIn(match[1]!, setup, addsConstraintUsingIndex(statement.node));
  // CLUSTER ... USING and ALTER TABLE ... CLUSTER ON name an index of the table.
  if (error.code === '42704' && (match = /^index "([^"]+)" for table "([^"]+)" does not exist/.exec(message))) {
    const table = namedRelation(statement.node, match[2]!);
    if (!table) return undefined;
    return { sql: [`CREATE INDEX ${quoteIdentifier(match[1]!)} ON ${quote(table)} (id)`], description: `index ${match[1]} on ${table}` };
  }
  if (error.code === '42704' && (match = /^constraint "([^"]+)" for table "([^"]+)" does not exist/.exec(message))) {
    const table = namedRelation(statement.node, match[2]!);
    if (!table) return undefined;
    return { sql: [`ALTER TABLE ${quote(table)} ADD CONSTRAINT ${quoteIdentifier(match[1]!)} CHECK (true) NOT VALID`], description: `constraint ${match[1]} on ${table}` };
  }
  if (error.code === '42704' && (match = /^constraint "([^"]+)" of relation "([^"]+)" does not exist/.exec(message))) {
    return { sql: [`ALTER TABLE ${quote(match[2]!)} ADD CONSTRAINT ${quoteIdentifier(match[1]!)} CHECK (true) NOT VALID`], description: `constraint ${match[1]} on ${match[2]}` };
  }
  if (error.code === '42704' && (match = /^type "([^"]+)" does not exist/.exec(message))) {
    // A domain whose new CHECK compares VALUE with a number holds numbers.
    const domainType = comparesWithNumber(statement.node) ? 'numeric' : 'text';
    const sql = kind === 'AlterDomainStmt' ? `CREATE DOMAIN ${quote(match[1]!)} AS ${domainType}` : `CREATE TYPE ${quote(match[1]!)} AS ENUM ('a')`;
    return { sql: [sql], description: `type ${match[1]}` };
  }
  if (error.code === '22023' && kind === 'AlterEnumStmt' && (match = /^"([^"]+)" is not an existing enum label/.exec(message))) {
    const alter = asKind(statement.node, 'AlterEnumStmt');
    const typeName = (alter?.typeName ?? []).map((part) => asKind(part, 'String')?.sval ?? '').join('.');
    return { sql: [`ALTER TYPE ${quote(typeName)} ADD VALUE ${`'${match[1]!.replace(/'/g, "''")}'`}`], description: `enum value ${match[1]}` };
  }
  if (error.code === '42830' && (match = /referenced table "([^"]+)"/.exec(message))) {
    const columns = referencedColumns(statement.node, match[1]!);
    return { sql: [`CREATE UNIQUE INDEX ON ${quote(match[1]!)} (${columns.map(quoteIdentifier).join(', ')})`], description: `unique index on ${match[1]} (${columns.join(', ')})` };
  }
  return undefined;
}

/** A table with one bigint column: `id`, unless the statement adds a column of that name. */
function tableStandIn(name: string, node: Node): StandIn {
  const adds = new Set(alterTableCommands(node).filter((cmd) => cmd.subtype === 'AT_AddColumn').map((cmd) => asKind(cmd.def, 'ColumnDef')?.colname));
  const column = adds.has('id') ? 'stand_in_id' : 'id';
  return { sql: [`CREATE TABLE ${quote(name)} (${column} bigint)`], description: `table ${name}`, table: quote(name) };
}

/** The statement's table or view of this name, with its schema when the statement gives one. */
function namedRelation(node: unknown, name: string): string | undefined {
  return findRangeVar(node, (rangeVar) => rangeVar.relname === name);
}

function columnStandIn(table: string, column: string): StandIn {
  return { sql: [`ALTER TABLE ${quote(table)} ADD COLUMN ${quoteIdentifier(column)} ${guessType(column)}`], description: `column ${table}.${column}` };
}

/** The dropped object whose own name is `name`, with its schema when the statement gives one. */
function droppedName(node: Node, name: string): string | undefined {
  for (const object of asKind(node, 'DropStmt')?.objects ?? []) {
    const parts = (asKind(object, 'List')?.items ?? []).map((part) => asKind(part, 'String')?.sval ?? '');
    if (parts.at(-1) === name) return parts.join('.');
  }
  return undefined;
}

/** The table or view an alias in the statement stands for. */
function aliasedRelation(node: unknown, alias: string): string | undefined {
  return findRangeVar(node, (rangeVar) => rangeVar.alias?.aliasname === alias);
}

interface NamedRangeVar {
  relname?: string;
  schemaname?: string;
  alias?: { aliasname?: string };
}

/** The qualified name of the first table or view in the statement that `wanted` accepts. */
function findRangeVar(node: unknown, wanted: (rangeVar: NamedRangeVar) => boolean): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  // A RangeVar is wrapped where a field holds any node, and bare where it holds one (AlterTableStmt.relation).
  const rangeVar = (node as { RangeVar?: NamedRangeVar }).RangeVar ?? (node as NamedRangeVar);
  if (rangeVar.relname && wanted(rangeVar)) return rangeVar.schemaname ? `${rangeVar.schemaname}.${rangeVar.relname}` : rangeVar.relname;
  for (const value of Object.values(node)) {
    const found = findRangeVar(value, wanted);
    if (found) return found;
  }
  return undefined;
}

/** ADD CONSTRAINT ... UNIQUE or PRIMARY KEY USING INDEX: the index must be unique. */
function addsConstraintUsingIndex(node: Node): boolean {
  return alterTableCommands(node).some((cmd) => asKind(cmd.def, 'Constraint')?.indexname !== undefined);
}

function comparesWithNumber(node: unknown): boolean {
  if (!node || typeof node !== 'object') return false;
  const constant = (node as { A_Const?: { ival?: unknown; fval?: unknown } }).A_Const;
  if (constant && ('ival' in constant || 'fval' in constant)) return true;
  return Object.values(node).some(comparesWithNumber);
}

/** ALTER INDEX, REINDEX INDEX and DROP INDEX name an index; a missing one is reported as a missing relation. */
function namesIndex(node: Node): boolean {
  const alter = asKind(node, 'AlterTableStmt');
  if (alter) return alter.objtype === 'OBJECT_INDEX';
  const rename = asKind(node, 'RenameStmt');
  if (rename) return rename.renameType === 'OBJECT_INDEX';
  const reindex = asKind(node, 'ReindexStmt');
  if (reindex) return reindex.kind === 'REINDEX_OBJECT_INDEX';
  return asKind(node, 'DropStmt')?.removeType === 'OBJECT_INDEX';
}

async function indexStandIn(index: string, setup: pg.Client, unique = false): Promise<StandIn> {
  const table = await tableForIndex(setup, index);
  const sql = table.exists ? [] : [`CREATE TABLE ${quote(table.name)} (id bigint)`];
  sql.push(`CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${quoteIdentifier(index.split('.').pop()!)} ON ${quote(table.name)} (${quoteIdentifier(table.column)})`);
  return { sql, description: `index ${index} on ${table.name}`, ...(table.exists ? {} : { table: quote(table.name) }) };
}

/** The table a missing index is most likely on: the longest existing table its name starts with, else a new one. */
async function tableForIndex(setup: pg.Client, index: string): Promise<{ name: string; column: string; exists: boolean }> {
  const bare = index.split('.').pop()!;
  const schema = index.includes('.') ? index.slice(0, index.lastIndexOf('.')) : undefined;
  const { rows } = await setup.query<{ name: string; column: string }>(
    `SELECT c.relname AS name, (SELECT attname FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum LIMIT 1) AS column
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'm') AND n.nspname = coalesce($2, 'public') AND starts_with($1, c.relname || '_')
     ORDER BY length(c.relname) DESC LIMIT 1`,
    [bare, schema ?? null],
  );
  const found = rows[0];
  if (found?.column) return { name: schema ? `${schema}.${found.name}` : found.name, column: found.column, exists: true };
  const prefix = bare.split('_')[0]!;
  const table = prefix === bare ? `${bare}_table` : prefix;
  return { name: schema ? `${schema}.${table}` : table, column: 'id', exists: false };
}
