/**
 * A deterministic, realistic migration history, as a team writes it over years:
 * tables with many columns, indexes built concurrently (some partial, unique or
 * covering), columns added, altered, retired and dropped releases later, foreign
 * keys and checks added NOT VALID and validated, enums, views, functions and
 * triggers, DO blocks, comments, batched backfills and seed data. File sizes run
 * from a few lines to a few thousand. The same count and seed always yield the
 * same files, and a longer history starts with the files of a shorter one.
 *
 * Migrations whose name ends in `_hazard.sql` hold one mistake on purpose (an index
 * built without CONCURRENTLY, a renamed column, a rewriting type change); every
 * other migration is written by the book and must lint clean.
 */
export interface GeneratedMigration {
  name: string;
  text: string;
}

/** mulberry32: small, fast, and the same sequence on every platform. */
class Random {
  constructor(private state: number) {}
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
}

interface Column {
  name: string;
  type: string;
  /** NOT NULL: its default, if it has one, stays (dropping it would fail the running release's INSERTs). */
  notNull?: boolean;
}

interface Table {
  name: string;
  columns: Column[];
  retired: string[];
  indexes: string[];
  /** Columns with a validated CHECK (column IS NOT NULL), ready for SET NOT NULL. */
  checkedNotNull: string[];
  retiredTable: boolean;
}

const NOUNS = ['account', 'order', 'invoice', 'customer', 'shipment', 'product', 'payment', 'session', 'event', 'audit_log', 'subscription', 'warehouse', 'ticket', 'message', 'report'];
const ATTRIBUTES = ['status', 'amount', 'email', 'created_at', 'updated_at', 'external_id', 'notes', 'region', 'score', 'flags', 'owner_id', 'due_on', 'payload', 'version', 'label'];
const COLUMN_TYPES = ['text', 'bigint', 'integer', 'boolean', 'timestamptz', 'jsonb', 'numeric(12,2)', 'uuid', 'varchar(255)', 'date', 'smallint', 'inet', 'text[]'];
/** Defaults PostgreSQL 11+ adds without rewriting the table (constants, or stable functions). */
const CONSTANT_DEFAULT: Record<string, string> = {
  text: "''",
  bigint: '0',
  integer: '0',
  boolean: 'false',
  timestamptz: 'now()',
  jsonb: "'{}'::jsonb",
  'numeric(12,2)': '0',
  'varchar(255)': "'unknown'",
  date: 'CURRENT_DATE',
  smallint: '0',
  'text[]': "'{}'",
};
const LOCK_TIMEOUT = "SET lock_timeout = '3s';\n";

const KINDS = [
  ['create_table', 10],
  ['add_columns', 14],
  ['add_index', 9],
  ['drop_index', 2],
  ['foreign_key', 4],
  ['check_constraint', 4],
  ['set_not_null', 3],
  ['unique_constraint', 2],
  ['retire_column', 6],
  ['drop_column', 5],
  ['retire_table', 1],
  ['drop_table', 1],
  ['alter_column', 7],
  ['function', 5],
  ['trigger', 2],
  ['do_block', 4],
  ['enum', 3],
  ['view', 3],
  ['backfill', 6],
  ['seed_data', 1],
  ['report_function', 0.25],
  ['hazard', 2],
] as const;
type Kind = (typeof KINDS)[number][0];
const TOTAL_WEIGHT = KINDS.reduce((sum, [, weight]) => sum + weight, 0);

export function generateHistory(count: number, seed = 42): GeneratedMigration[] {
  const random = new Random(seed);
  const tables: Table[] = [];
  const enums: Array<{ name: string; values: string[] }> = [];
  const migrations: GeneratedMigration[] = [];
  let serial = 0;
  const unique = (base: string): string => `${base}_${++serial}`;

  const pickKind = (): Kind => {
    let roll = random.next() * TOTAL_WEIGHT;
    for (const [kind, weight] of KINDS) {
      roll -= weight;
      if (roll < 0) return kind;
    }
    return 'add_columns';
  };
  const liveTables = (): Table[] => tables.filter((table) => !table.retiredTable);
  const columnList = (table: Table, max: number): Column[] => {
    const start = random.int(0, Math.max(0, table.columns.length - 1));
    return table.columns.slice(start, start + random.int(1, max));
  };
  const header = (index: number, summary: string): string => {
    let text = `-- Migration ${index}: ${summary}\n`;
    if (random.chance(0.5)) text += `--\n-- Ticket: OPS-${random.int(100, 9999)}. Reviewed by the database team.\n-- Rolled out with the usual expand/contract steps; see the runbook.\n`;
    return `${text}\n`;
  };

  const createTable = (withTransaction: boolean): string => {
    const name = unique(random.pick(NOUNS));
    const columnCount = random.chance(0.15) ? random.int(30, 80) : random.int(3, 15);
    const columns: Column[] = [];
    const lines = ['    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY'];
    for (let i = 0; i < columnCount; i++) {
      const column: Column = { name: unique(random.pick(ATTRIBUTES)), type: random.pick(COLUMN_TYPES) };
      columns.push(column);
      const fallback = CONSTANT_DEFAULT[column.type];
      const required = fallback !== undefined && random.chance(0.3) ? ` NOT NULL DEFAULT ${fallback}` : '';
      if (required) column.notNull = true;
      lines.push(`    ${column.name} ${column.type}${required}`);
    }
    const parent = liveTables().length > 0 && random.chance(0.4) ? random.pick(liveTables()) : undefined;
    if (parent) {
      const reference = { name: `${parent.name}_id`, type: 'bigint' };
      columns.push(reference);
      lines.push(`    ${reference.name} bigint REFERENCES ${parent.name} (id)`);
    }
    if (random.chance(0.2)) lines.push(`    CONSTRAINT ${name}_id_positive CHECK (id > 0)`);
    const table: Table = { name, columns, retired: [], indexes: [], checkedNotNull: [], retiredTable: false };
    // The foreign key locks the referenced table against writes while the table is created.
    let text = parent ? LOCK_TIMEOUT : '';
    if (withTransaction) text += 'BEGIN;\n\n';
    text += `CREATE TABLE IF NOT EXISTS ${name} (\n${lines.join(',\n')}\n);\n\n`;
    text += `COMMENT ON TABLE ${name} IS 'Holds one row per ${name.replace(/_\d+$/, '')}; written by the ${random.pick(['billing', 'shipping', 'auth', 'reporting'])} service.';\n`;
    for (const column of columns.slice(0, random.int(0, 4))) {
      text += `COMMENT ON COLUMN ${name}.${column.name} IS 'The ${column.name.replace(/_\d+$/, '').replace(/_/g, ' ')} as the application last saw it.';\n`;
    }
    // A new table may be indexed without CONCURRENTLY: nothing reads it yet.
    for (const column of columns.slice(0, random.int(0, 3))) {
      const index = `${name}_${column.name}_idx`;
      table.indexes.push(index);
      text += `CREATE INDEX ${index} ON ${name} (${column.name});\n`;
    }
    if (withTransaction) text += '\nCOMMIT;\n';
    tables.push(table);
    return text;
  };

  const hazard = (table: Table): string => {
    const column = random.pick(table.columns);
    const choice = random.int(0, 2);
    switch (column.type === 'varchar(20)' ? 0 : choice) {
      case 0:
        return `${LOCK_TIMEOUT}CREATE INDEX ${unique(`${table.name}_hot`)} ON ${table.name} (${column.name});\n`;
      case 1: {
        const renamed = unique(`${column.name.replace(/_\d+$/, '')}_renamed`);
        const text = `${LOCK_TIMEOUT}ALTER TABLE ${table.name} RENAME COLUMN ${column.name} TO ${renamed};\n`;
        column.name = renamed;
        return text;
      }
      default: {
        const text = `${LOCK_TIMEOUT}ALTER TABLE ${table.name} ALTER COLUMN ${column.name} TYPE varchar(20) USING ${column.name}::varchar(20);\n`;
        column.type = 'varchar(20)';
        return text;
      }
    }
  };

  const body = (index: number, kind: Kind): { kind: Kind; text: string } => {
    const live = liveTables();
    if (kind === 'create_table' || live.length < 5) {
      return { kind: 'create_table', text: createTable(random.chance(0.3)) };
    }
    const table = random.pick(live);
    const column = random.pick(table.columns);
    switch (kind) {
      case 'add_columns': {
        let text = LOCK_TIMEOUT;
        for (let i = random.int(1, 4); i > 0; i--) {
          const added: Column = { name: unique(random.pick(ATTRIBUTES)), type: random.pick(COLUMN_TYPES) };
          const fallback = CONSTANT_DEFAULT[added.type];
          const withDefault = fallback !== undefined && random.chance(0.4) ? ` NOT NULL DEFAULT ${fallback}` : '';
          if (withDefault) added.notNull = true;
          text += `ALTER TABLE ${table.name} ADD COLUMN IF NOT EXISTS ${added.name} ${added.type}${withDefault};\n`;
          table.columns.push(added);
        }
        return { kind, text };
      }
      case 'add_index': {
        const columns = columnList(table, 3);
        const name = unique(`${table.name}_${columns[0]!.name}`);
        table.indexes.push(name);
        const method = columns.length === 1 && column.type === 'jsonb' && columns[0] === column ? ' USING gin' : '';
        const partial = random.chance(0.2) ? ` WHERE ${columns[0]!.name} IS NOT NULL` : '';
        const include = random.chance(0.1) ? ' INCLUDE (id)' : '';
        // Dropped first: a build that failed on an earlier attempt leaves an INVALID index of the name.
        const text = `-- Speeds up the lookups of the ${random.pick(NOUNS)} screen.\nDROP INDEX CONCURRENTLY IF EXISTS ${name};\nCREATE INDEX CONCURRENTLY ${name} ON ${table.name}${method} (${columns.map((c) => c.name).join(', ')})${include}${partial};\n`;
        return { kind, text };
      }
      case 'drop_index': {
        const name = table.indexes.shift();
        if (!name) return body(index, 'add_index');
        return { kind, text: `DROP INDEX CONCURRENTLY IF EXISTS ${name};\n` };
      }
      case 'foreign_key': {
        const parent = random.pick(live);
        const reference = { name: unique(`${parent.name}_ref`), type: 'bigint' };
        const constraint = `${table.name}_${reference.name}_fkey`;
        table.columns.push(reference);
        let text = `${LOCK_TIMEOUT}ALTER TABLE ${table.name} ADD COLUMN ${reference.name} bigint;\n`;
        text += `ALTER TABLE ${table.name} ADD CONSTRAINT ${constraint} FOREIGN KEY (${reference.name}) REFERENCES ${parent.name} (id) ON DELETE ${random.pick(['CASCADE', 'SET NULL', 'RESTRICT'])} NOT VALID;\n`;
        text += `ALTER TABLE ${table.name} VALIDATE CONSTRAINT ${constraint};\n`;
        return { kind, text };
      }
      case 'check_constraint': {
        const constraint = unique(`${table.name}_${column.name}_present`);
        table.checkedNotNull.push(column.name);
        const text = `${LOCK_TIMEOUT}ALTER TABLE ${table.name} ADD CONSTRAINT ${constraint} CHECK (${column.name} IS NOT NULL) NOT VALID;\nALTER TABLE ${table.name} VALIDATE CONSTRAINT ${constraint};\n`;
        return { kind, text };
      }
      case 'set_not_null': {
        const checked = table.checkedNotNull.shift();
        const column = table.columns.find((c) => c.name === checked);
        if (!checked || !column) return body(index, 'check_constraint');
        column.notNull = true;
        return { kind, text: `${LOCK_TIMEOUT}-- The validated CHECK lets PostgreSQL skip the scan.\nALTER TABLE ${table.name} ALTER COLUMN ${checked} SET NOT NULL;\n` };
      }
      case 'unique_constraint': {
        const name = unique(`${table.name}_${column.name}_key`);
        let text = `DROP INDEX CONCURRENTLY IF EXISTS ${name};\nCREATE UNIQUE INDEX CONCURRENTLY ${name} ON ${table.name} (${column.name});\n`;
        text += `${LOCK_TIMEOUT}ALTER TABLE ${table.name} ADD CONSTRAINT ${name} UNIQUE USING INDEX ${name};\n`;
        return { kind, text };
      }
      case 'retire_column': {
        if (table.columns.length < 2) return body(index, 'add_columns');
        const candidate = table.columns.find((c) => !table.retired.includes(c.name) && !c.name.endsWith('_id') && !c.name.includes('_ref_'));
        if (!candidate) return body(index, 'add_columns');
        table.retired.push(candidate.name);
        return { kind, text: `COMMENT ON COLUMN ${table.name}.${candidate.name} IS 'deprecated: no longer read since release ${index}; dropped in a later release';\n` };
      }
      case 'drop_column': {
        const retired = table.retired.shift();
        if (!retired) return body(index, 'retire_column');
        table.columns = table.columns.filter((c) => c.name !== retired);
        table.checkedNotNull = table.checkedNotNull.filter((name) => name !== retired);
        return { kind, text: `${LOCK_TIMEOUT}ALTER TABLE ${table.name} DROP COLUMN IF EXISTS ${retired};\n` };
      }
      case 'retire_table': {
        if (live.length < 20) return body(index, 'add_columns');
        const victim = live.find((t) => !tables.some((other) => other.columns.some((c) => c.name.startsWith(`${t.name}_`))));
        if (!victim) return body(index, 'add_columns');
        victim.retiredTable = true;
        return { kind, text: `COMMENT ON TABLE ${victim.name} IS 'deprecated: replaced in release ${index}';\n` };
      }
      case 'drop_table': {
        const victim = tables.find((t) => t.retiredTable);
        if (!victim) return body(index, 'retire_table');
        tables.splice(tables.indexOf(victim), 1);
        return { kind, text: `${LOCK_TIMEOUT}DROP TABLE IF EXISTS ${victim.name};\n` };
      }
      case 'alter_column': {
        const lines: string[] = [];
        for (let i = random.int(1, 3); i > 0; i--) {
          const target = random.pick(table.columns);
          const fallback = CONSTANT_DEFAULT[target.type];
          const choices: string[] = [`ALTER COLUMN ${target.name} SET STATISTICS ${random.pick([100, 500, 1000])}`, `SET (fillfactor = ${random.int(70, 100)})`];
          if (fallback !== undefined) choices.push(`ALTER COLUMN ${target.name} SET DEFAULT ${fallback}`);
          if (fallback !== undefined && !target.notNull) choices.push(`ALTER COLUMN ${target.name} DROP DEFAULT`);
          if (target.type === 'varchar(255)') choices.push(`ALTER COLUMN ${target.name} TYPE text`);
          const choice = random.pick(choices);
          if (choice.endsWith(' TYPE text')) target.type = 'text';
          lines.push(`ALTER TABLE ${table.name} ${choice};`);
        }
        return { kind, text: `${LOCK_TIMEOUT}${lines.join('\n')}\n` };
      }
      case 'function':
      case 'report_function': {
        const name = unique(`${table.name}_summary`);
        const statements = kind === 'report_function' ? random.int(400, 1200) : random.int(2, 20);
        let text = `CREATE OR REPLACE FUNCTION ${name}(since timestamptz DEFAULT now() - interval '1 day')\nRETURNS bigint\nLANGUAGE plpgsql\nSTABLE\nAS $$\nDECLARE\n  total bigint := 0;\n  batch bigint;\nBEGIN\n`;
        for (let i = 0; i < statements; i++) {
          const target = random.pick(live);
          text += `  -- step ${i + 1}: rows of ${target.name}\n  SELECT count(*) INTO batch FROM ${target.name} WHERE id > ${i * 1000};\n  total := total + coalesce(batch, 0);\n`;
        }
        text += `  RETURN total;\nEND;\n$$;\n\nCOMMENT ON FUNCTION ${name}(timestamptz) IS 'Counts recent rows for the dashboard.';\n`;
        return { kind, text };
      }
      case 'trigger': {
        const target = table.columns.find((c) => c.type === 'timestamptz');
        if (!target) return body(index, 'function');
        const name = unique(`${table.name}_touch`);
        let text = `CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.${target.name} := now();\n  RETURN NEW;\nEND;\n$$;\n\n`;
        text += `${LOCK_TIMEOUT}CREATE TRIGGER ${name} BEFORE UPDATE ON ${table.name} FOR EACH ROW EXECUTE FUNCTION ${name}();\n`;
        return { kind, text };
      }
      case 'do_block': {
        const added = { name: unique('legacy_flag'), type: 'boolean' };
        table.columns.push(added);
        const text =
          `${LOCK_TIMEOUT}DO $$\nBEGIN\n  IF NOT EXISTS (\n    SELECT 1 FROM information_schema.columns\n    WHERE table_name = '${table.name}' AND column_name = '${added.name}'\n  ) THEN\n` +
          `    ALTER TABLE ${table.name} ADD COLUMN ${added.name} boolean;\n  END IF;\n  RAISE NOTICE 'migration ${index} done';\nEND\n$$;\n`;
        return { kind, text };
      }
      case 'enum': {
        const existing = enums.length > 0 && random.chance(0.5) ? random.pick(enums) : undefined;
        if (existing) {
          const value = unique('state');
          existing.values.push(value);
          return { kind, text: `ALTER TYPE ${existing.name} ADD VALUE IF NOT EXISTS '${value}';\n` };
        }
        const created = { name: unique(`${random.pick(NOUNS)}_state`), values: ['pending', 'active', 'closed'] };
        enums.push(created);
        return { kind, text: `CREATE TYPE ${created.name} AS ENUM (${created.values.map((v) => `'${v}'`).join(', ')});\n` };
      }
      case 'view': {
        const columns = columnList(table, 6);
        const text = `CREATE OR REPLACE VIEW ${unique(`${table.name}_recent`)} AS\n  SELECT id, ${columns.map((c) => c.name).join(', ')}\n  FROM ${table.name}\n  WHERE id > 1000\n  ORDER BY id DESC;\n`;
        return { kind, text };
      }
      case 'backfill': {
        const target = table.columns.find((c) => c.type === 'integer' || c.type === 'bigint' || c.type === 'smallint');
        if (!target) return body(index, 'add_columns');
        let text = `-- Backfill in batches of 10,000 rows so no batch holds its row locks for long.\n`;
        for (let batch = random.int(1, 60); batch > 0; batch--) {
          const from = batch * 10_000;
          text += `UPDATE ${table.name} SET ${target.name} = 0 WHERE id >= ${from} AND id < ${from + 10_000} AND ${target.name} IS NULL;\n`;
        }
        return { kind, text };
      }
      case 'seed_data': {
        const name = unique(`${random.pick(NOUNS)}_code`);
        let text = `CREATE TABLE ${name} (\n    code text PRIMARY KEY,\n    label text NOT NULL,\n    weight integer NOT NULL DEFAULT 0\n);\n\nINSERT INTO ${name} (code, label, weight) VALUES\n`;
        const rows = random.int(100, 1400);
        const values: string[] = [];
        for (let i = 0; i < rows; i++) values.push(`    ('${name}_${i}', 'Label number ${i} for ${name}', ${random.int(0, 1000)})`);
        text += `${values.join(',\n')};\n`;
        return { kind, text };
      }
      case 'hazard':
        return { kind, text: hazard(table) };
      default:
        return { kind: 'create_table', text: createTable(false) };
    }
  };

  for (let index = 1; index <= count; index++) {
    const { kind, text } = body(index, pickKind());
    const name = `${String(index).padStart(6, '0')}_${kind}.sql`;
    migrations.push({ name, text: header(index, kind.replace(/_/g, ' ')) + text });
  }
  return migrations;
}

/** A migration of the size a developer saves in an editor or stages for a commit. */
export function smallMigration(): GeneratedMigration {
  const text =
    "-- Orders get a tracking number, looked up by the support screen.\nSET lock_timeout = '3s';\n" +
    'ALTER TABLE orders ADD COLUMN IF NOT EXISTS tracking_number text;\n' +
    'DROP INDEX CONCURRENTLY IF EXISTS orders_tracking_number_idx;\n' +
    'CREATE INDEX CONCURRENTLY orders_tracking_number_idx ON orders (tracking_number);\n';
  return { name: '20260105093000_add_tracking_number.sql', text };
}

/** One large file, as a schema dump or a squashed history is: consecutive migrations of a history, to at least `bytes`. */
export function largeFile(bytes: number, seed = 7): string {
  const parts: string[] = [];
  let size = 0;
  for (const migration of generateHistory(Math.ceil(bytes / 1000), seed)) {
    if (size >= bytes) break;
    parts.push(migration.text);
    size += Buffer.byteLength(migration.text) + 1;
  }
  return parts.join('\n');
}
