/**
 * A deterministic, realistic migration history: tables created, columns added,
 * indexes built concurrently, constraints added NOT VALID and validated later,
 * columns retired and dropped releases later, functions, DO blocks and comments.
 * The same count always yields the same files.
 */
export interface GeneratedMigration {
  name: string;
  text: string;
}

class Random {
  constructor(private state: number) {}
  next(): number {
    this.state = (this.state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return this.state / 2_147_483_648;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

const TYPES = ['text', 'bigint', 'integer', 'boolean', 'timestamptz', 'jsonb', 'numeric(12,2)', 'uuid', 'varchar(255)', 'date'];
const LOCK = "SET lock_timeout = '2s';\n";

export function generateHistory(count: number, seed = 42): GeneratedMigration[] {
  const random = new Random(seed);
  const migrations: GeneratedMigration[] = [];
  const tables: Array<{ name: string; columns: string[]; retired: string[] }> = [];
  let columnCounter = 0;
  for (let index = 1; index <= count; index++) {
    const prefix = String(index).padStart(5, '0');
    let text = `-- migration ${index}: generated for the lockwise benchmark\n`;
    const kind = tables.length < 3 ? 'create' : random.pick(['create', 'add', 'add', 'index', 'constraint', 'retire', 'drop', 'function', 'backfill', 'big']);
    if (kind === 'create' || kind === 'big') {
      const name = `table_${tables.length + 1}`;
      const columnCount = kind === 'big' ? 40 + Math.floor(random.next() * 60) : 3 + Math.floor(random.next() * 12);
      const columns = Array.from({ length: columnCount }, () => `col_${++columnCounter}`);
      const definitions = columns.map((column) => `    ${column} ${random.pick(TYPES)}${random.next() < 0.3 ? ' NOT NULL DEFAULT 0' : ''}`.replace(/(text|jsonb|uuid|boolean|timestamptz|date|varchar\(255\)) NOT NULL DEFAULT 0/, '$1'));
      text += `CREATE TABLE ${name} (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n${definitions.join(',\n')}\n);\n`;
      text += `COMMENT ON TABLE ${name} IS 'generated table number ${tables.length + 1}';\n`;
      if (kind === 'big') {
        for (let i = 0; i < 30; i++) text += `INSERT INTO ${name} (${columns[0]}) VALUES (NULL); -- seed row ${i}\n`;
      }
      tables.push({ name, columns, retired: [] });
    } else {
      const table = random.pick(tables);
      const column = random.pick(table.columns);
      switch (kind) {
        case 'add': {
          const added = `col_${++columnCounter}`;
          table.columns.push(added);
          text += `${LOCK}ALTER TABLE ${table.name} ADD COLUMN ${added} ${random.pick(TYPES)};\n`;
          break;
        }
        case 'index':
          text += `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${table.name}_${column}_idx ON ${table.name} (${column});\n`;
          break;
        case 'constraint':
          text += `${LOCK}ALTER TABLE ${table.name} ADD CONSTRAINT ${table.name}_${column}_present CHECK (${column} IS NOT NULL) NOT VALID;\nCOMMIT;\n`;
          text = text.replace('COMMIT;\n', '');
          text += `ALTER TABLE ${table.name} VALIDATE CONSTRAINT ${table.name}_${column}_present;\n`;
          break;
        case 'retire':
          table.retired.push(column);
          text += `COMMENT ON COLUMN ${table.name}.${column} IS 'deprecated: no longer read since release ${index}';\n`;
          break;
        case 'drop': {
          const retired = table.retired.shift();
          if (retired) {
            table.columns = table.columns.filter((name) => name !== retired);
            text += `${LOCK}ALTER TABLE ${table.name} DROP COLUMN ${retired};\n`;
          } else {
            text += `SELECT count(*) FROM ${table.name};\n`;
          }
          break;
        }
        case 'function':
          text += `CREATE OR REPLACE FUNCTION ${table.name}_touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.${column} := NEW.${column};\n  RETURN NEW;\nEND;\n$$;\n`;
          text += `DO $$\nBEGIN\n  RAISE NOTICE 'migration ${index}';\nEND\n$$;\n`;
          break;
        default:
          text += `UPDATE ${table.name} SET ${column} = ${column} WHERE id >= ${index * 1000} AND id < ${index * 1000 + 1000};\n`;
      }
    }
    migrations.push({ name: `${prefix}_${kind}.sql`, text });
  }
  return migrations;
}
