/**
 * The expand-contract sequence for replacing a column, written for the very column
 * a finding is about, with its type and the table's key where the model knows them. Each step ships in its own
 * deploy, so old and new application versions can run side by side during a rolling deploy.
 */
/**
 * `castTo`: the new column's type when it is not the old one's, as text has no assignment cast to uuid; `primaryKey`: the old
 * column is the table's key, which its drop takes along.
 */
export function columnReplacementSteps(
  table: string,
  oldColumn: string,
  newColumn: string,
  known: { type?: string; batchKey?: string; castTo?: string; primaryKey?: boolean } = {},
): string {
  const key = known.batchKey ?? 'id';
  const value = known.castTo ? `${oldColumn}::${known.castTo}` : oldColumn;
  const steps = [
    `expand: ALTER TABLE ${table} ADD COLUMN ${newColumn} ${known.type ?? '<type>'};`,
    `dual write: the application writes both ${oldColumn} and ${newColumn}`,
    `backfill in batches: UPDATE ${table} SET ${newColumn} = ${value} WHERE ${key} BETWEEN ... AND ... AND ${newColumn} IS NULL;`,
    ...(known.primaryKey
      ? [`make ${newColumn} the key: prove it NOT NULL (ADD CONSTRAINT ... CHECK (${newColumn} IS NOT NULL) NOT VALID, then VALIDATE CONSTRAINT), CREATE UNIQUE INDEX CONCURRENTLY on it, then in one ALTER TABLE drop the old primary key and ADD PRIMARY KEY USING INDEX that index`]
      : []),
    `switch reads to ${newColumn}`,
    `stop writing ${oldColumn}; retire it: COMMENT ON COLUMN ${table}.${oldColumn} IS 'deprecated: use ${newColumn}';`,
    `contract, in a later migration: ALTER TABLE ${table} DROP COLUMN ${oldColumn};`,
  ];
  return [`Replace ${table}.${oldColumn} in separate deploys instead:`, ...steps.map((step, index) => `  ${index + 1}. ${step}`)].join('\n');
}

export function tableReplacementSteps(oldTable: string, newTable: string): string {
  return [
    `Replace ${oldTable} in separate deploys instead:`,
    `  1. expand: CREATE TABLE ${newTable} (...); or, when only the name must change, CREATE VIEW ${newTable} AS SELECT * FROM ${oldTable};`,
    `  2. dual write to ${oldTable} and ${newTable} (not needed with the view)`,
    `  3. backfill ${newTable} in batches`,
    `  4. switch reads to ${newTable}`,
    `  5. stop writing ${oldTable}; retire it: COMMENT ON TABLE ${oldTable} IS 'deprecated: use ${newTable}';`,
    `  6. contract, in a later migration: DROP TABLE ${oldTable};`,
  ].join('\n');
}

export function columnDropSteps(table: string, column: string): string {
  return [
    `Drop ${table}.${column} in two deploys:`,
    `  1. ship application code that no longer reads or writes ${column}, and retire it in a migration:`,
    `     COMMENT ON COLUMN ${table}.${column} IS 'deprecated: <why>';`,
    `  2. once that release runs everywhere, drop it in a later migration: ALTER TABLE ${table} DROP COLUMN ${column};`,
  ].join('\n');
}

/** What a table-like relation is, in words. */
export type RelationWord = 'table' | 'view' | 'materialized view';

/** The relations a DROP or RENAME may name that the running release queries, by their object type. */
export const RELATION_OBJECT_WORDS: Partial<Record<string, RelationWord>> = { OBJECT_TABLE: 'table', OBJECT_VIEW: 'view', OBJECT_MATVIEW: 'materialized view' };

export function tableDropSteps(table: string, kind: RelationWord = 'table'): string {
  const keyword = kind.toUpperCase();
  return [
    `Drop ${table} in two deploys:`,
    `  1. ship application code that no longer uses ${table}, and retire it in a migration:`,
    `     COMMENT ON ${keyword} ${table} IS 'deprecated: <why>';`,
    `  2. once that release runs everywhere, drop it in a later migration: DROP ${keyword} ${table};`,
  ].join('\n');
}
