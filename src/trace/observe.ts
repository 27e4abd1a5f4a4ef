import type pg from 'pg';
import { LOCK_MODES, type LockMode } from '../knowledge/lock-modes.js';

/** A relation of the scratch database as pg_class shows it at one moment. */
export interface RelationState {
  oid: number;
  /** Schema-qualified, as SQL would name it. */
  name: string;
  /** pg_class.relkind: r table, p partitioned table, m materialized view, i index, S sequence, v view, ... */
  kind: string;
  filenode: number;
  /** For an index: its table. */
  tableOid?: number;
  /** For a partition or inheriting table: its parent. */
  parentOid?: number;
  /** For a partitioned table: its DEFAULT partition. */
  defaultPartitionOid?: number;
  /** Sequential and index scans started on it in the current transaction. */
  scans: number;
  /** Its foreign keys: name, the columns they are on, the table and columns they reference. */
  foreignKeys: ForeignKeyState[];
  /**
   * The names of the functions it uses: that its triggers execute, its defaults, CHECK constraints and index expressions
   * call, or (for a view) its query calls. DROP FUNCTION ... CASCADE drops those.
   */
  functionsUsed: string[];
  /** For a view: the relations its query reads. */
  viewReads: number[];
  /**
   * The types of its columns, with the element type of an array and the type a domain is over; for a view, also those
   * of the columns its query uses, which DROP TYPE ... CASCADE drops it with.
   */
  columnTypes: string[];
  /**
   * The extensions whose types, operator classes or functions its columns, defaults, indexes, triggers or (for a view)
   * query use: DROP EXTENSION ... CASCADE drops those.
   */
  extensionsUsed: string[];
  /** The sequences its column defaults call nextval() on, by name: DROP SEQUENCE ... CASCADE drops those defaults. */
  defaultSequences: string[];
}

export interface ForeignKeyState {
  name: string;
  columns: string[];
  references: number;
  referencedColumns: string[];
  /** The primary key or unique constraint of the referenced table whose index the key uses, if a constraint owns that index. */
  referencedKey?: string | null;
  /** Its ON DELETE action, as pg_constraint.confdeltype has it: a (NO ACTION), r (RESTRICT), c (CASCADE), n (SET NULL), d (SET DEFAULT). */
  onDelete: string;
  /** Its ON UPDATE action, as pg_constraint.confupdtype has it, in the same letters. */
  onUpdate: string;
}

export type Snapshot = Map<number, RelationState>;

/** User relations only: catalogs and TOAST tables are PostgreSQL's own business. */
/**
 * Whether the dependency row d is of relation c itself (its columns' types) or of what belongs to it: its indexes,
 * column defaults, constraints, triggers (not a foreign key's internal ones) and, for a view, its query. DROP ...
 * CASCADE of what such a row depends on changes c, under ACCESS EXCLUSIVE.
 */
const BELONGS_TO_RELATION = `c.relkind IN ('r', 'p', 'm', 'v')
               AND ((d.classid = 'pg_class'::regclass AND (d.objid = c.oid OR d.objid IN (SELECT indexrelid FROM pg_index WHERE indrelid = c.oid)))
                 OR (d.classid = 'pg_attrdef'::regclass AND d.objid IN (SELECT oid FROM pg_attrdef WHERE adrelid = c.oid))
                 OR (d.classid = 'pg_constraint'::regclass AND d.objid IN (SELECT oid FROM pg_constraint WHERE conrelid = c.oid))
                 OR (d.classid = 'pg_trigger'::regclass AND d.objid IN (SELECT oid FROM pg_trigger WHERE tgrelid = c.oid AND NOT tgisinternal))
                 OR (d.classid = 'pg_rewrite'::regclass AND d.objid IN (SELECT oid FROM pg_rewrite WHERE ev_class = c.oid)))`;

const SNAPSHOT_SQL = `
SELECT c.oid::int AS oid, format('%I.%I', n.nspname, c.relname) AS name, c.relkind::text AS kind, c.relfilenode::int AS filenode,
       i.indrelid::int AS table_oid, (SELECT min(inhparent::int) FROM pg_inherits WHERE inhrelid = c.oid) AS parent_oid,
       (SELECT nullif(partdefid, 0)::int FROM pg_partitioned_table WHERE partrelid = c.oid) AS default_partition_oid,
       CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_stat_get_xact_numscans(c.oid)::int ELSE 0 END AS scans,
       (SELECT coalesce(json_agg(json_build_object('name', k.conname, 'references', k.confrelid::int, 'onDelete', k.confdeltype::text, 'onUpdate', k.confupdtype::text,
                 'columns', ARRAY(SELECT a.attname FROM pg_attribute a WHERE a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)),
                 'referencedColumns', ARRAY(SELECT a.attname FROM pg_attribute a WHERE a.attrelid = k.confrelid AND a.attnum = ANY (k.confkey)),
                 'referencedKey', (SELECT u.conname FROM pg_constraint u WHERE u.conrelid = k.confrelid AND u.conindid = k.conindid AND u.contype IN ('p', 'u')))), '[]')
          FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'f') AS foreign_keys,
       ARRAY(SELECT DISTINCT p.proname::text FROM pg_depend d JOIN pg_proc p ON d.refclassid = 'pg_proc'::regclass AND p.oid = d.refobjid
             WHERE ${BELONGS_TO_RELATION}) AS functions_used,
       ARRAY(SELECT DISTINCT d.refobjid::int FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
             WHERE c.relkind = 'v' AND r.ev_class = c.oid AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> c.oid) AS view_reads,
       ARRAY(SELECT DISTINCT type_name::text
               FROM (SELECT atttypid FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped
                     UNION
                     SELECT ua.atttypid FROM pg_rewrite r
                       JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0
                       JOIN pg_attribute ua ON ua.attrelid = d.refobjid AND ua.attnum = d.refobjsubid
                     WHERE r.ev_class = c.oid AND d.refobjid <> c.oid) a
               JOIN pg_type t ON t.oid = a.atttypid
               LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
               LEFT JOIN pg_type b ON b.oid = t.typbasetype AND t.typtype = 'd'
               LEFT JOIN pg_type be ON be.oid = b.typelem AND b.typcategory = 'A',
               unnest(ARRAY[t.typname, e.typname, b.typname, be.typname]) AS type_name
             WHERE type_name IS NOT NULL) AS column_types,
       ARRAY(SELECT DISTINCT x.extname::text FROM pg_depend d
               JOIN pg_depend m ON m.classid = d.refclassid AND m.objid = d.refobjid AND m.deptype = 'e'
               JOIN pg_extension x ON x.oid = m.refobjid
             WHERE ${BELONGS_TO_RELATION}) AS extensions_used,
       ARRAY(SELECT DISTINCT s.relname::text FROM pg_attrdef ad
               JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid AND d.refclassid = 'pg_class'::regclass
               JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
             WHERE ad.adrelid = c.oid) AS default_sequences
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_index i ON i.indexrelid = c.oid
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'`;

interface SnapshotRow {
  oid: number;
  name: string;
  kind: string;
  filenode: number;
  table_oid: number | null;
  parent_oid: number | null;
  default_partition_oid: number | null;
  scans: number;
  foreign_keys: ForeignKeyState[];
  functions_used: string[];
  view_reads: number[];
  column_types: string[];
  extensions_used: string[];
  default_sequences: string[];
}

export async function takeSnapshot(client: pg.Client): Promise<Snapshot> {
  return snapshotFromRows((await client.query<SnapshotRow>(SNAPSHOT_SQL)).rows);
}

function snapshotFromRows(rows: SnapshotRow[]): Snapshot {
  const snapshot: Snapshot = new Map();
  for (const row of rows) {
    snapshot.set(row.oid, {
      oid: row.oid,
      name: row.name,
      kind: row.kind,
      filenode: row.filenode,
      ...(row.table_oid !== null ? { tableOid: row.table_oid } : {}),
      ...(row.parent_oid !== null ? { parentOid: row.parent_oid } : {}),
      ...(row.default_partition_oid !== null ? { defaultPartitionOid: row.default_partition_oid } : {}),
      scans: row.scans,
      foreignKeys: row.foreign_keys,
      functionsUsed: row.functions_used,
      viewReads: row.view_reads,
      columnTypes: row.column_types,
      extensionsUsed: row.extensions_used,
      defaultSequences: row.default_sequences,
    });
  }
  return snapshot;
}

/** A table-level lock held (or waited for) by a backend: relation oid and mode. */
export interface HeldLock {
  oid: number;
  mode: LockMode;
  granted: boolean;
}

const LOCKS_SQL = `
SELECT relation::int AS oid, mode, granted FROM pg_locks
WHERE locktype = 'relation' AND pid = coalesce($1::int, pg_backend_pid()) AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;

/** "AccessExclusiveLock" → "ACCESS EXCLUSIVE". */
export function lockModeFromPgLocks(mode: string): LockMode | undefined {
  const words = mode.replace(/Lock$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
  return (LOCK_MODES as readonly string[]).includes(words) ? (words as LockMode) : undefined;
}

/** Relation locks of a backend; `pid` defaults to the client's own. */
export async function locksOf(client: pg.Client, pid?: number): Promise<HeldLock[]> {
  return locksFromRows((await client.query<LockRow>(LOCKS_SQL, [pid ?? null])).rows);
}

interface LockRow {
  oid: number;
  mode: string;
  granted: boolean;
}

function locksFromRows(rows: LockRow[]): HeldLock[] {
  const locks: HeldLock[] = [];
  for (const row of rows) {
    const mode = lockModeFromPgLocks(row.mode);
    if (mode) locks.push({ oid: row.oid, mode, granted: row.granted });
  }
  return locks;
}

export interface Settings {
  lockTimeout: string;
  statementTimeout: string;
}

export interface ServerState {
  settings: Settings;
  snapshot: Snapshot;
  /** The session's own relation locks. */
  locks: HeldLock[];
  /** `names` resolved through the search_path. */
  oids: Array<number | undefined>;
}

const STATE_SQL = `
SELECT current_setting('lock_timeout') AS lock_timeout, current_setting('statement_timeout') AS statement_timeout,
       (SELECT coalesce(json_agg(s), '[]') FROM (${SNAPSHOT_SQL}) s) AS snapshot,
       (SELECT coalesce(json_agg(l), '[]') FROM (${LOCKS_SQL.replace('$1::int', 'NULL::int')}) l) AS locks,
       ARRAY(SELECT to_regclass(name)::oid::int FROM unnest($1::text[]) WITH ORDINALITY AS t(name, position) ORDER BY position) AS oids`;

/** Settings, relations, the session's locks and `names` resolved, in one round trip: it runs around every statement. */
export async function observeState(client: pg.Client, names: string[] = []): Promise<ServerState> {
  const { rows } = await client.query<{ lock_timeout: string; statement_timeout: string; snapshot: SnapshotRow[]; locks: LockRow[]; oids: Array<number | null> }>(STATE_SQL, [names]);
  const row = rows[0]!;
  return {
    settings: { lockTimeout: row.lock_timeout, statementTimeout: row.statement_timeout },
    snapshot: snapshotFromRows(row.snapshot),
    locks: locksFromRows(row.locks),
    oids: row.oids.map((oid) => oid ?? undefined),
  };
}
