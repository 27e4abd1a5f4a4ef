import type pg from 'pg';
import { quoteIdentifier } from '../parse/identifiers.js';

interface ColumnRow {
  name: string;
  type: string;
  base: string;
  typtype: string;
  enum_label: string | null;
  filled_by_server: boolean;
  not_null: boolean;
}

const COLUMNS_SQL = `
SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
       format_type(coalesce(nullif(t.typbasetype, 0), a.atttypid), NULL) AS base, t.typtype::text AS typtype,
       (SELECT enumlabel FROM pg_enum WHERE enumtypid = a.atttypid ORDER BY enumsortorder LIMIT 1) AS enum_label,
       (a.attidentity <> '' OR a.attgenerated <> '' OR a.atthasdef) AS filled_by_server, a.attnotnull AS not_null
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`;

/** A value for row `g` of a column of this type, or undefined when lockwise cannot make one. */
function valueFor(column: ColumnRow): string | undefined {
  const cast = `::${column.type}`;
  if (column.enum_label !== null) return `${quoteLiteral(column.enum_label)}${cast}`;
  const base = column.base.replace(/\(.*\)/, '').replace(/\[\]$/, '[]');
  if (base.endsWith('[]')) return `'{}'${cast}`;
  switch (base) {
    case 'smallint':
      return `(g % 32000)${cast}`;
    case 'integer':
    case 'bigint':
    case 'numeric':
    case 'real':
    case 'double precision':
      return `g${cast}`;
    case 'text':
    case 'character varying':
    case 'character':
    case 'citext':
      return `('v' || g)${cast}`;
    case 'boolean':
      return `(g % 2 = 0)${cast}`;
    case 'timestamp with time zone':
    case 'timestamp without time zone':
    case 'date':
      return `(timestamp '2024-01-01' + g * interval '1 minute')${cast}`;
    case 'time without time zone':
    case 'time with time zone':
      return `(time '00:00' + g * interval '1 second')${cast}`;
    case 'interval':
      return `(g * interval '1 second')${cast}`;
    case 'uuid':
      return `md5(g::text)::uuid${cast}`;
    case 'json':
    case 'jsonb':
      return `json_build_object('n', g)${cast}`;
    case 'bytea':
      return `decode(md5(g::text), 'hex')${cast}`;
    case 'inet':
    case 'cidr':
      return `('10.0.0.0'::inet + g)${cast}`;
    default:
      return undefined;
  }
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * Inserts `rows` generated rows into a table, so that scans and rewrites on it are real.
 * Columns with a default, identity or generation expression are left to the server;
 * nullable columns of types lockwise cannot make up stay NULL. Returns a note when the
 * table could not be filled (a NOT NULL column of such a type, a CHECK or foreign key
 * the generated values break); the table is then left empty.
 */
export async function fillTable(client: pg.Client, oid: number, name: string, rows: number): Promise<string | undefined> {
  if (rows === 0) return undefined;
  const { rows: columns } = await client.query<ColumnRow>(COLUMNS_SQL, [oid]);
  const names: string[] = [];
  const values: string[] = [];
  const unfilled: string[] = [];
  for (const column of columns) {
    if (column.filled_by_server) continue;
    const value = valueFor(column);
    if (value === undefined) {
      if (column.not_null) return `${name} left empty: no value can be made up for column ${column.name} (${column.type})`;
      unfilled.push(column.name);
      continue;
    }
    names.push(quoteIdentifier(column.name));
    values.push(value);
  }
  // `name` comes quoted from format('%I.%I').
  const sql = names.length === 0
    ? `INSERT INTO ${name} SELECT FROM generate_series(1, ${rows}) g`
    : `INSERT INTO ${name} (${names.join(', ')}) SELECT ${values.join(', ')} FROM generate_series(1, ${rows}) g`;
  // Inside the migration's transaction (a stand-in made there), a failed insert must not abort it.
  const inTransaction = client.getTransactionStatus() === 'T';
  try {
    if (inTransaction) await client.query('SAVEPOINT lockwise_fill');
    await client.query(sql);
    if (inTransaction) await client.query('RELEASE SAVEPOINT lockwise_fill');
  } catch (error) {
    if (inTransaction) await client.query('ROLLBACK TO SAVEPOINT lockwise_fill; RELEASE SAVEPOINT lockwise_fill');
    return `${name} left empty: ${(error as Error).message}`;
  }
  return unfilled.length > 0 ? `${name}: ${rows} rows, with ${unfilled.join(', ')} left NULL` : undefined;
}

