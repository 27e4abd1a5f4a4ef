import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile as readFileAsync, stat } from 'node:fs/promises';
import path from 'node:path';
import { naturalCompare, toPosix } from '../source/paths.js';
import { glob } from 'tinyglobby';
import { compareFlywayVersions, parseFlywayFileName } from './flyway.js';
import type { FrameworkName } from './frameworks.js';
import { DBMATE_UP, GOOSE_UP, graphileMigrateHeaders, NODE_PG_MIGRATE_DOWN, NODE_PG_MIGRATE_UP, SQL_MIGRATE_SECTION, TERN_DISABLE_TX, TERN_SEPARATOR } from './prepare.js';
import { plannedChanges } from './sqitch-plan.js';
import { changelogsIn, FORMATTED_SQL_HEAD_BYTES, isFormattedSql, listChangelog, masterChangelog, type LiquibaseChangeSet } from './liquibase.js';

export interface FoundMigration {
  absolutePath: string;
  version: string;
  /** Liquibase: the changeset of a changelog that runs the file through sqlFile. */
  changeSet?: LiquibaseChangeSet;
}

export interface Listing {
  /** In the order the framework applies them. */
  migrations: FoundMigration[];
  /** In natural path order. */
  ignored: Array<{ absolutePath: string; reason: string }>;
  /** Why the tool refuses the folder as a whole, when it does: two migrations with one version. */
  problems?: string[];
}

const FLYWAY_VERSIONED_NAME = /^V\d+(?:[._]\d+)*__/;

/**
 * The migration tool a file's own markers name: goose's `-- +goose Up`, sql-migrate's `-- +migrate Up`, dbmate's `-- migrate:up`
 * tern's `---- create above / drop below ----`, graphile-migrate's `--! Previous:` header, or node-pg-migrate's `-- Up Migration`
 * with its `-- Down Migration`.
 */
export type FrameworkMarker = 'goose' | 'sql-migrate' | 'dbmate' | 'tern' | 'graphile-migrate' | 'node-pg-migrate' | 'liquibase';

/** Finds the marker a migration file holds; undefined when it holds none or cannot be read. */
export type MarkerLookup = (absolutePath: string) => FrameworkMarker | undefined;

const MARKERS_ON_DISK: MarkerLookup = (absolutePath) => {
  try {
    return frameworkMarker(readFileSync(absolutePath));
  } catch {
    return undefined;
  }
};

/** Most specific first: a marker file, then a folder layout, then file names, then file contents. */
export async function detectFramework(root: string, { files, directories }: DirectoryEntries, markerOf: MarkerLookup = MARKERS_ON_DISK): Promise<FrameworkName> {
  if (files.includes('sqitch.plan')) return 'sqitch';
  if (directories.includes('meta') && (await isFile(path.join(root, 'meta', '_journal.json')))) return 'drizzle';
  if (files.includes('atlas.sum')) return 'atlas';
  if (changelogsIn(root, files).length > 0) return 'liquibase';
  if (files.includes('migration_lock.toml') || (await someDirectoryHolds(root, directories, 'migration.sql'))) return 'prisma';
  if (await someDirectoryHolds(root, directories, 'up.sql')) return 'diesel';
  const sqlFiles = files.filter(isSql);
  if (isSqlxFolder(root, sqlFiles)) return 'sqlx';
  // pop's names carry a dialect it knows (`.postgres.up.sql`, `.mysql.up.sql`; not `_v6.0.up.sql`), or the migration is written in fizz.
  if (files.some(isPopName)) return 'pop';
  // Only a name golang-migrate runs: `V0001.init.up.sql` is no golang-migrate migration, and the folder would seem empty.
  if (sqlFiles.some((name) => name.endsWith('.up.sql') && GOLANG_MIGRATE_NAME.test(name)) && !versionedBesideUpFiles(sqlFiles)) return 'golang-migrate';
  const flywayNamed = (files: string[]): boolean => files.some((file) => FLYWAY_VERSIONED_NAME.test(path.basename(file)));
  if (flywayNamed(sqlFiles) || (directories.length > 0 && flywayNamed(await sqlFilesBelow(root)))) return 'flyway';
  const marked = frameworkMarkedInside(root, sqlFiles, markerOf);
  if (marked) return marked;
  // `tern init` writes its configuration into the migrations folder; a history of up-only files has no other sign of tern.
  if (files.includes('tern.conf')) return 'tern';
  if (toPosix(root).endsWith('/supabase/migrations')) return 'supabase';
  return 'plain';
}

/**
 * A folder of `.up.sql` files beside versioned `.sql` files that golang-migrate would skip, and no `.down.sql` file: a
 * runner of its own that takes both (Fider's), not golang-migrate, which would leave half the history out.
 */
function versionedBesideUpFiles(sqlFiles: string[]): boolean {
  return !sqlFiles.some((name) => name.endsWith('.down.sql')) && sqlFiles.some((name) => /^\d+_/.test(name) && !GOLANG_MIGRATE_NAME.test(name));
}

/**
 * sqlx's folder: in a Rust crate (a Cargo.toml in it or up to three folders above), its SQL files named
 * `<version>_<description>.sql` (or `.up.sql` and `.down.sql`). Without the crate, `.up.sql` files are golang-migrate's.
 */
function isSqlxFolder(root: string, sqlFiles: string[]): boolean {
  // sqlx skips a file of another name (`22-change-pkey.up.sql`), and says so on stderr: it does not make the folder another tool's.
  if (!sqlFiles.some((name) => SQLX_NAME.test(name))) return false;
  for (let dir = root, depth = 0; depth <= 3; depth++, dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'Cargo.toml'))) return true;
    if (path.dirname(dir) === dir) break;
  }
  return false;
}

/** The markers in the order they win when a folder's files hold several: goose's first. */
const MARKER_PRECEDENCE: readonly FrameworkMarker[] = ['goose', 'sql-migrate', 'dbmate', 'tern', 'graphile-migrate', 'node-pg-migrate', 'liquibase'];

/** The tool whose marker some file holds, the first of MARKER_PRECEDENCE when several do; stops at the first goose marker. */
function frameworkMarkedInside(root: string, names: string[], markerOf: MarkerLookup): FrameworkMarker | undefined {
  const found = new Set<FrameworkMarker>();
  for (const name of names) {
    const marker = markerOf(childPath(root, name));
    if (marker === 'goose') return 'goose';
    if (marker) found.add(marker);
  }
  return MARKER_PRECEDENCE.find((marker) => found.has(marker));
}

/**
 * goose's marker wins over sql-migrate's, that over dbmate's, and that over tern's. Only a file holding one of the markers'
 * byte strings is decoded and searched with their expressions: most SQL files hold none.
 */
export function frameworkMarker(content: Buffer | string): FrameworkMarker | undefined {
  const mayBeGoose = GOOSE_HINTS.some((hint) => content.includes(hint));
  const mayBeSqlMigrate = content.includes(SQL_MIGRATE_HINT);
  const mayBeDbmate = DBMATE_HINTS.some((hint) => content.includes(hint));
  // tern looks for its lines byte for byte, so finding the bytes is finding the marker; both start with the same dashes.
  const isTern = content.includes(TERN_HINT) && (content.includes(TERN_SEPARATOR) || content.includes(TERN_DISABLE_TX));
  const mayBeGraphileMigrate = content.includes(GRAPHILE_MIGRATE_HINT);
  const mayBeNodePgMigrate = NODE_PG_MIGRATE_HINTS.some((hint) => content.includes(hint));
  if (!mayBeGoose && !mayBeSqlMigrate && !mayBeDbmate && !mayBeGraphileMigrate && !mayBeNodePgMigrate) return isTern ? 'tern' : liquibaseFormatted(content) ? 'liquibase' : undefined;
  const text = typeof content === 'string' ? content : content.toString('utf8');
  if (mayBeGoose && GOOSE_UP.test(text)) return 'goose';
  if (mayBeSqlMigrate && SQL_MIGRATE_SECTION.test(text)) return 'sql-migrate';
  if (mayBeDbmate && DBMATE_UP.test(text)) return 'dbmate';
  if (isTern) return 'tern';
  if (mayBeGraphileMigrate && graphileMigrateHeaders(text).headers.has('Previous')) return 'graphile-migrate';
  // node-pg-migrate reads the up comment alone, but its template writes both: both, so that a lone comment of another runner is no marker.
  if (mayBeNodePgMigrate && NODE_PG_MIGRATE_UP.test(text) && NODE_PG_MIGRATE_DOWN.test(text)) return 'node-pg-migrate';
  return liquibaseFormatted(content) ? 'liquibase' : undefined;
}

/** A formatted SQL changelog of Liquibase says so on its first line that is not blank: only the file's start is looked at. */
function liquibaseFormatted(content: Buffer | string): boolean {
  const head = content.slice(0, FORMATTED_SQL_HEAD_BYTES);
  if (!LIQUIBASE_HINTS.some((hint) => head.includes(hint))) return false;
  return isFormattedSql(typeof head === 'string' ? head : head.toString('utf8'));
}

/** Byte strings every file with a marker holds (goose's and dbmate's markers match in any case, sql-migrate's only as written). */
const GOOSE_HINTS = ['+g', '+G'];
const SQL_MIGRATE_HINT = '-- +migrate ';
const DBMATE_HINTS = [':up', ':Up', ':uP', ':UP'];
const GRAPHILE_MIGRATE_HINT = '--! Previous:';
const TERN_HINT = '---- ';
// node-pg-migrate's template writes `-- Up Migration`; most SQL files hold the word "migration" somewhere, so the hint is more of it.
const NODE_PG_MIGRATE_HINTS = ['p Migration', 'p migration', 'P MIGRATION'];
const LIQUIBASE_HINTS = ['iquibase', 'IQUIBASE'];

export async function listMigrations(framework: FrameworkName, root: string, entries: DirectoryEntries): Promise<Listing> {
  const listing = await LISTERS[framework](root, entries);
  listing.ignored.sort((a, b) => naturalCompare(a.absolutePath, b.absolutePath));
  return listing;
}

const LISTERS: Record<FrameworkName, (root: string, entries: DirectoryEntries) => Promise<Listing> | Listing> = {
  plain: listPlain,
  'golang-migrate': listGolangMigrate,
  goose: listGoose,
  'sql-migrate': listSqlMigrate,
  tern: listTern,
  'graphile-migrate': listGraphileMigrate,
  'node-pg-migrate': listNodePgMigrate,
  // dbmate: pkg/dbmate/migrations.go skips names without a leading version; files run in directory (name) order.
  dbmate: (root, entries) => listVersionPrefixed(root, entries, /^(\d+).*\.sql$/, 'no version number at the start of the name: dbmate skips it'),
  flyway: listFlyway,
  prisma: listPrisma,
  diesel: listDiesel,
  drizzle: listDrizzle,
  sqitch: listSqitch,
  atlas: listAtlas,
  liquibase: listLiquibase,
  // supabase: the CLI skips files not named <timestamp>_<name>.sql and applies the rest in name order.
  sqlx: listSqlx,
  pop: listPop,
  supabase: (root, entries) => listVersionPrefixed(root, entries, /^(\d+)_.*\.sql$/, 'not named <timestamp>_<name>.sql: the Supabase CLI skips it'),
};

/** A plain folder's history: files named with a version first, `001_users.sql` or `V0001.users.sql`. */
const PLAIN_VERSIONED_NAME = /^[Vv]?(\d+)/;

/** A folder per release, `1.10.0/` or `v3.17/`, whose SQL files run release after release (OpenReplay's upgrade scripts, Bytebase's own migrations). */
export const RELEASE_FOLDER_NAME = /^[Vv]?\d+(?:\.\d+)*$/;

async function listPlain(root: string, entries: DirectoryEntries): Promise<Listing> {
  const migrations: Listing['migrations'] = [];
  const ignored: Listing['ignored'] = [];
  for (const name of entries.files.filter(isSql).sort(naturalCompare)) {
    const version = PLAIN_VERSIONED_NAME.exec(name)?.[1];
    if (version === undefined) ignored.push({ absolutePath: childPath(root, name), reason: 'its name does not start with a version number, so it is linted on its own' });
    // No runner applies a down migration on the way up: replayed, it would undo what its up migration did.
    else if (isDownMigration(name)) ignored.push({ absolutePath: childPath(root, name), reason: 'down migration' });
    else migrations.push({ absolutePath: childPath(root, name), version });
  }
  if (migrations.length > 0) return { migrations, ignored };
  // No versioned file of its own: a folder per release holds the history, each release's files in name order.
  for (const release of entries.directories.filter((name) => RELEASE_FOLDER_NAME.test(name)).sort(naturalCompare)) {
    const folder = childPath(root, release);
    for (const name of (await directoryEntries(folder)).files.filter(isSql).sort(naturalCompare)) {
      if (isDownMigration(name)) ignored.push({ absolutePath: childPath(folder, name), reason: 'down migration' });
      else migrations.push({ absolutePath: childPath(folder, name), version: `${release}/${name}` });
    }
  }
  return { migrations, ignored };
}

function isDownMigration(name: string): boolean {
  return /\.down\.sql$/i.test(name);
}

// golang-migrate: source/parse.go, `^([0-9]+)_(.*)\.(down|up)\.(.*)$`; the file source skips other names.
const GOLANG_MIGRATE_NAME = /^(\d+)_.*\.(up|down)\.sql$/;

function listGolangMigrate(root: string, entries: DirectoryEntries): Listing {
  return listUpFiles(root, entries, GOLANG_MIGRATE_NAME, 'not named <version>_<title>.up.sql: golang-migrate skips it');
}

/** Files named by `name` (its first group the numeric version) in version order; `.down.sql` files are down migrations. */
function listUpFiles(root: string, entries: DirectoryEntries, name: RegExp, skippedReason: string): Listing {
  const listing: Listing = { migrations: [], ignored: [] };
  for (const fileName of entries.files.filter(isSql)) {
    const absolutePath = childPath(root, fileName);
    const match = name.exec(fileName);
    if (!match) listing.ignored.push({ absolutePath, reason: skippedReason });
    else if (fileName.endsWith('.down.sql')) listing.ignored.push({ absolutePath, reason: 'down migration' });
    else listing.migrations.push({ absolutePath, version: match[1]! });
  }
  listing.migrations.sort(byVersion(compareNumbers));
  return listing;
}

/**
 * pop (gobuffalo/pop) and Ory's popx: `^(\d+)_([^.]+)(\.[a-z0-9]+)?(|\.autocommit)\.(up|down)\.(sql|fizz)$` (popx/match.go). As in
 * Go, the optional dialect takes `.autocommit` when no dialect comes before it, and pop then skips the file for an unknown dialect.
 */
const POP_NAME = /^(\d+)_([^.]+)(\.[a-z0-9]+)?(\.autocommit)?\.(up|down)\.(sql|fizz)$/;
/** pop.CanonicalDialect: each name pop accepts for a dialect. */
const POP_DIALECTS: Partial<Record<string, string>> = {
  postgres: 'postgres',
  postgresql: 'postgres',
  pg: 'postgres',
  pgx: 'postgres',
  cockroach: 'cockroach',
  cockroachdb: 'cockroach',
  crdb: 'cockroach',
  mysql: 'mysql',
  sqlite: 'sqlite3',
  sqlite3: 'sqlite3',
};

function isPopName(name: string): boolean {
  const match = POP_NAME.exec(name);
  if (!match) return false;
  return match[6] === 'fizz' || (match[3] !== undefined && POP_DIALECTS[match[3].slice(1)] !== undefined);
}

/**
 * popx/migration_info.go, SortAndFilter: the files for every dialect and those for PostgreSQL, a PostgreSQL file replacing the
 * file for every dialect of the same version; versions compared as strings.
 */
function listPop(root: string, entries: DirectoryEntries): Listing {
  const listing: Listing = { migrations: [], ignored: [] };
  const candidates: Array<FoundMigration & { dialect: string }> = [];
  for (const fileName of entries.files) {
    const absolutePath = childPath(root, fileName);
    const match = POP_NAME.exec(fileName);
    if (!match) {
      if (isSql(fileName)) listing.ignored.push({ absolutePath, reason: 'not named <version>_<name>[.<dialect>].up.sql: pop skips it' });
      continue;
    }
    const [, version, , dialectPart, , direction, type] = match;
    const dialect = dialectPart === undefined ? 'all' : POP_DIALECTS[dialectPart.slice(1)];
    if (direction === 'down') listing.ignored.push({ absolutePath, reason: 'down migration' });
    else if (!dialect) listing.ignored.push({ absolutePath, reason: `pop skips it: ${dialectPart!.slice(1)} is no dialect it knows` });
    else if (dialect !== 'all' && dialect !== 'postgres') listing.ignored.push({ absolutePath, reason: `for ${dialect}: pop runs it on that database only` });
    else if (type === 'fizz') listing.ignored.push({ absolutePath, reason: 'fizz migration: lockwise lints SQL files only' });
    else candidates.push({ absolutePath, version: version!, dialect });
  }
  const forPostgres = new Set(candidates.filter((candidate) => candidate.dialect === 'postgres').map((candidate) => candidate.version));
  for (const { absolutePath, version, dialect } of candidates) {
    if (dialect === 'all' && forPostgres.has(version)) listing.ignored.push({ absolutePath, reason: `replaced on PostgreSQL by the .postgres file of version ${version}` });
    else listing.migrations.push({ absolutePath, version });
  }
  listing.migrations.sort(byVersion(compareText));
  return listing;
}

// sqlx: sqlx-core/src/migrate/source.rs, `<version>_<description>.sql`, `.up.sql` and `.down.sql`; versions are integers.
const SQLX_NAME = /^(\d+)_.*\.sql$/;

function listSqlx(root: string, entries: DirectoryEntries): Listing {
  return listUpFiles(root, entries, SQLX_NAME, 'not named <version>_<description>.sql: sqlx skips or refuses it');
}

// goose: https://pressly.github.io/goose/documentation/annotations (a .sql file starts with a timestamp or a sequential number).
const GOOSE_NAME = /^(\d+)_.*\.sql$/;
const GOOSE_GO_MIGRATION = /^\d+_.*(?<!_test)\.go$/;

function listGoose(root: string, entries: DirectoryEntries): Listing {
  const listing: Listing = { migrations: [], ignored: [] };
  for (const name of entries.files) {
    const absolutePath = childPath(root, name);
    const match = GOOSE_NAME.exec(name);
    if (match) listing.migrations.push({ absolutePath, version: match[1]! });
    else if (isSql(name)) listing.ignored.push({ absolutePath, reason: 'no version number at the start of the name: goose refuses it' });
    else if (GOOSE_GO_MIGRATION.test(name)) listing.ignored.push({ absolutePath, reason: 'Go migration: lockwise lints SQL files only' });
  }
  listing.migrations.sort(byVersion(compareNumbers));
  return listing;
}

/**
 * sql-migrate: migrate.go, findMigrations takes every `.sql` file of the folder, not of its subfolders, and sorts them with
 * Migration.Less: names that start with a number by that number, then by name; the others after them, by name.
 */
function listSqlMigrate(root: string, entries: DirectoryEntries): Listing {
  const migrations = entries.files.filter(isSql).map((name) => ({ absolutePath: childPath(root, name), name, number: /^\d+/.exec(name)?.[0] }));
  migrations.sort((a, b) => {
    if (a.number !== undefined && b.number !== undefined) return compareNumbers(a.number, b.number) || compareText(a.name, b.name);
    if (a.number !== undefined || b.number !== undefined) return a.number === undefined ? 1 : -1;
    return compareText(a.name, b.name);
  });
  return { migrations: migrations.map(({ absolutePath, name, number }) => ({ absolutePath, version: number ?? name.replace(/\.sql$/, '') })), ignored: [] };
}

// tern: migrate/migrate.go, migrationPattern and FindMigrations: the folder's own files (a subfolder's are shared templates),
// numbered from 1 with no gap, each number once, parsed as a 32-bit integer.
const TERN_NAME = /^(\d+)_.+\.sql$/;
const INT32_MAX = 2 ** 31 - 1;

async function listTern(root: string, entries: DirectoryEntries): Promise<Listing> {
  const listing: Listing = { migrations: [], ignored: [] };
  const problems: string[] = [];
  const byNumber = new Map<number, string>();
  for (const name of entries.files.filter(isSql).sort(compareText)) {
    const absolutePath = childPath(root, name);
    const digits = TERN_NAME.exec(name)?.[1];
    if (digits === undefined) {
      listing.ignored.push({ absolutePath, reason: 'not named <number>_<name>.sql: tern skips it' });
      continue;
    }
    const number = Number(digits);
    if (number > INT32_MAX) problems.push(`tern refuses to migrate: ${name} is numbered ${digits}, above the largest number it reads (${INT32_MAX}); tern numbers migrations 1, 2, 3 and so on`);
    else if (number === 0) problems.push(`tern refuses to migrate: ${name} is numbered 0, and tern numbers migrations from 1`);
    else if (byNumber.has(number)) problems.push(`tern refuses to migrate: ${byNumber.get(number)} and ${name} have the same number ("Duplicate migration ${number}")`);
    else byNumber.set(number, name);
    listing.migrations.push({ absolutePath, version: digits });
  }
  // migrate.go, LoadMigrations: every .sql file below the folder's own is a template a migration may include.
  for (const absolutePath of await sqlFilesBelow(root)) {
    if (path.dirname(absolutePath) === root) continue;
    const name = toPosix(path.relative(root, absolutePath));
    listing.ignored.push({ absolutePath, reason: `tern template: tern runs it only where a migration says {{ template "${name}" . }}, and never on its own` });
  }
  const numbers = [...byNumber.keys()].sort((a, b) => a - b);
  const gap = numbers.findIndex((number, index) => number !== index + 1);
  if (gap !== -1 && problems.length === 0) problems.push(`tern refuses to migrate: no migration is numbered ${gap + 1} ("Missing migration ${gap + 1}")`);
  listing.migrations.sort(byVersion(compareNumbers));
  if (problems.length > 0) problems[problems.length - 1] += '; lockwise lints the files in number order';
  return { ...listing, ...(problems.length > 0 ? { problems } : {}) };
}

// graphile-migrate: src/current.ts VALID_FILE_REGEX and src/migration.ts getAllMigrations, which sorts the numbers as text and
// stores each migration as `<number>.sql`: two files of one number break its chain of hashes.
const GRAPHILE_MIGRATE_NAME = /^([0-9]+)(-[-_a-zA-Z0-9]*)?\.sql$/;

function listGraphileMigrate(root: string, entries: DirectoryEntries): Listing {
  const listing: Listing = { migrations: [], ignored: [] };
  for (const name of entries.files.filter(isSql)) {
    const absolutePath = childPath(root, name);
    const number = GRAPHILE_MIGRATE_NAME.exec(name)?.[1];
    if (number === undefined) listing.ignored.push({ absolutePath, reason: 'not named <number>[-<message>].sql: graphile-migrate skips it' });
    else listing.migrations.push({ absolutePath, version: number });
  }
  listing.migrations.sort(byVersion(compareText));
  const problems = listing.migrations
    .filter((migration, index) => index > 0 && listing.migrations[index - 1]!.version === migration.version)
    .map(({ version }) => `graphile-migrate refuses to migrate: two files are numbered ${version}, and it chains each migration to the one before by number; lockwise lints them in name order`);
  return { ...listing, ...(problems.length > 0 ? { problems } : {}) };
}

/**
 * node-pg-migrate: src/migration.ts, getMigrationFilePaths takes every file of the folder not starting with a dot, ordered by
 * getNumericPrefix (the digits before the first `_`: 13 are milliseconds, 17 a UTC date and time read as milliseconds, any other
 * number itself) and then by name; `.sql` files are SQL migrations (src/sqlMigration.ts), the others JavaScript or TypeScript.
 */
function listNodePgMigrate(root: string, entries: DirectoryEntries): Listing {
  const listing: Listing = { migrations: [], ignored: [] };
  const keyed: Array<FoundMigration & { key: number; name: string }> = [];
  for (const name of entries.files.filter((file) => !file.startsWith('.'))) {
    const absolutePath = childPath(root, name);
    if (isSql(name)) {
      const prefix = name.split('_')[0]!;
      keyed.push({ absolutePath, version: prefix, key: nodePgMigrateTimestamp(prefix), name });
    } else if (/\.[cm]?[jt]s$/.test(name)) {
      listing.ignored.push({ absolutePath, reason: 'JavaScript or TypeScript migration: lockwise lints SQL files only' });
    }
  }
  keyed.sort((a, b) => a.key - b.key || naturalCompare(a.name, b.name));
  listing.migrations = keyed.map(({ absolutePath, version }) => ({ absolutePath, version }));
  return listing;
}

function nodePgMigrateTimestamp(prefix: string): number {
  if (/^\d{17}$/.test(prefix)) {
    const [year, month, day, hours, minutes, seconds, ms] = [0, 4, 6, 8, 10, 12, 14].map((at, index, starts) => prefix.slice(at, starts[index + 1] ?? 17));
    return Date.parse(`${year}-${month}-${day}T${hours}:${minutes}:${seconds}.${ms}Z`);
  }
  return Number(prefix) || 0;
}

function listVersionPrefixed(root: string, entries: DirectoryEntries, name: RegExp, skippedReason: string): Listing {
  const listing: Listing = { migrations: [], ignored: [] };
  for (const fileName of entries.files.filter(isSql)) {
    const absolutePath = childPath(root, fileName);
    const match = name.exec(fileName);
    if (match) listing.migrations.push({ absolutePath, version: match[1]! });
    else listing.ignored.push({ absolutePath, reason: skippedReason });
  }
  return listing;
}

/** Flyway scans its locations recursively; versioned migrations come first, then repeatables by description. */
async function listFlyway(root: string): Promise<Listing> {
  const versioned: Array<FoundMigration & { flywayVersion: string }> = [];
  const repeatable: Array<FoundMigration & { description: string }> = [];
  const ignored: Listing['ignored'] = [];
  for (const absolutePath of await sqlFilesBelow(root)) {
    const name = parseFlywayFileName(path.basename(absolutePath));
    if (name.kind === 'versioned') versioned.push({ absolutePath, version: `V${name.version}`, flywayVersion: name.version });
    else if (name.kind === 'repeatable') repeatable.push({ absolutePath, version: `R__${name.description}`, description: name.description });
    else if (name.kind === 'undo') ignored.push({ absolutePath, reason: 'undo migration' });
    else if (name.kind === 'baseline') ignored.push({ absolutePath, reason: 'baseline migration: Flyway runs it only on an empty database, instead of the versions it covers' });
    else ignored.push({ absolutePath, reason: name.reason });
  }
  versioned.sort((a, b) => compareFlywayVersions(a.flywayVersion, b.flywayVersion) || compareText(a.absolutePath, b.absolutePath));
  repeatable.sort((a, b) => compareText(a.description, b.description) || compareText(a.absolutePath, b.absolutePath));
  // Flyway's validation stops before any migration runs: "Found more than one migration with version 1.6".
  const problems: string[] = [];
  for (let index = 1; index < versioned.length; index++) {
    const [before, after] = [versioned[index - 1]!, versioned[index]!];
    if (compareFlywayVersions(before.flywayVersion, after.flywayVersion) !== 0) continue;
    const version = after.flywayVersion.replaceAll('_', '.');
    problems.push(`Flyway refuses to migrate: ${path.basename(before.absolutePath)} and ${path.basename(after.absolutePath)} have the same version, ${version} ("Found more than one migration with version ${version}"); lockwise lints them in name order`);
  }
  return { migrations: [...versioned, ...repeatable], ignored, ...(problems.length > 0 ? { problems } : {}) };
}

// prisma: https://www.prisma.io/docs/orm/prisma-migrate/understanding-prisma-migrate/migration-histories (folders applied in name order).
async function listPrisma(root: string, entries: DirectoryEntries): Promise<Listing> {
  const migrations: FoundMigration[] = [];
  for (const directory of entries.directories) {
    const absolutePath = path.join(root, directory, 'migration.sql');
    if (await isFile(absolutePath)) migrations.push({ absolutePath, version: directory });
  }
  return { migrations, ignored: [] };
}

// diesel: https://docs.rs/diesel_migrations (up.sql and down.sql per folder); the version is the folder name before `_`, dashes dropped.
async function listDiesel(root: string, entries: DirectoryEntries): Promise<Listing> {
  const listing: Listing = { migrations: [], ignored: [] };
  for (const directory of entries.directories) {
    const up = path.join(root, directory, 'up.sql');
    const down = path.join(root, directory, 'down.sql');
    if (await isFile(up)) listing.migrations.push({ absolutePath: up, version: directory.split('_')[0]!.replaceAll('-', '') });
    if (await isFile(down)) listing.ignored.push({ absolutePath: down, reason: 'down migration' });
  }
  listing.migrations.sort(byVersion(compareText));
  return listing;
}

// drizzle: drizzle-orm/src/migrator.ts, readMigrationFiles: the journal's entries in order, each `<tag>.sql` in the folder; a listed
// file that is missing stops the migration before it starts. The dialect is drizzle-kit's (`postgresql`; `pg` before drizzle-kit 0.21).
const DRIZZLE_JOURNAL = 'meta/_journal.json';
const DRIZZLE_POSTGRES_DIALECTS: ReadonlySet<string> = new Set(['postgresql', 'pg']);

interface DrizzleJournalEntry {
  tag: string;
  when?: number;
}

async function listDrizzle(root: string, entries: DirectoryEntries): Promise<Listing> {
  const sqlFiles = entries.files.filter(isSql);
  const journal = await readDrizzleJournal(path.join(root, 'meta', '_journal.json'));
  if ('problem' in journal) {
    // drizzle cannot run the folder; its files are still linted, in name order, rather than left out.
    const migrations = sqlFiles.sort(naturalCompare).map((name) => ({ absolutePath: childPath(root, name), version: name.replace(/\.sql$/, '') }));
    return { migrations, ignored: [], problems: [`${journal.problem}, so drizzle cannot migrate; lockwise lints the folder's .sql files in name order`] };
  }
  const listing: Listing = { migrations: [], ignored: [] };
  if (!DRIZZLE_POSTGRES_DIALECTS.has(journal.dialect)) {
    for (const name of sqlFiles) listing.ignored.push({ absolutePath: childPath(root, name), reason: `for ${journal.dialect}: ${DRIZZLE_JOURNAL} names that dialect` });
    listing.problems = [`${DRIZZLE_JOURNAL} says these migrations are for ${journal.dialect}, and lockwise lints PostgreSQL's only, so none is linted`];
    return listing;
  }
  const present = new Set(sqlFiles);
  const listed = new Set<string>();
  const problems: string[] = [];
  let newest: DrizzleJournalEntry | undefined;
  for (const entry of journal.entries) {
    const name = `${entry.tag}.sql`;
    listed.add(name);
    if (!present.has(name)) {
      problems.push(`drizzle refuses to migrate: ${DRIZZLE_JOURNAL} lists ${entry.tag}, but ${name} does not exist`);
      continue;
    }
    listing.migrations.push({ absolutePath: childPath(root, name), version: entry.tag });
    // The migrator runs an entry only when its `when` is later than the newest one the database recorded.
    if (newest?.when !== undefined && entry.when !== undefined && entry.when <= newest.when) {
      problems.push(
        `${entry.tag} comes after ${newest.tag} in ${DRIZZLE_JOURNAL} but its "when" is not later, so drizzle never runs it on a database that applied ${newest.tag} first (it skips an entry no later than the newest it recorded)`,
      );
    }
    if (entry.when !== undefined && (newest?.when === undefined || entry.when > newest.when)) newest = entry;
  }
  for (const name of sqlFiles) if (!listed.has(name)) listing.ignored.push({ absolutePath: childPath(root, name), reason: `not in ${DRIZZLE_JOURNAL}: drizzle skips it` });
  return problems.length > 0 ? { ...listing, problems } : listing;
}

async function readDrizzleJournal(file: string): Promise<{ dialect: string; entries: DrizzleJournalEntry[] } | { problem: string }> {
  let journal: unknown;
  try {
    journal = JSON.parse(await readFileAsync(file, 'utf8'));
  } catch (error) {
    return { problem: `${DRIZZLE_JOURNAL} cannot be read (${error instanceof Error ? error.message : String(error)})` };
  }
  const { dialect, entries } = (journal ?? {}) as { dialect?: unknown; entries?: unknown };
  if (!Array.isArray(entries) || !entries.every((entry) => typeof entry?.tag === 'string')) {
    return { problem: `${DRIZZLE_JOURNAL} has no "entries" list of migrations with a "tag" each` };
  }
  return {
    dialect: typeof dialect === 'string' ? dialect : 'postgresql',
    entries: entries.map((entry: { tag: string; when?: unknown }) => ({ tag: entry.tag, ...(typeof entry.when === 'number' ? { when: entry.when } : {}) })),
  };
}

async function listSqitch(root: string): Promise<Listing> {
  const listing: Listing = { migrations: [], ignored: [] };
  const deployScript = (scriptName: string): string => path.join(root, 'deploy', `${scriptName}.sql`);
  const planned = new Set<string>();
  const plan = await readFileAsync(path.join(root, 'sqitch.plan'), 'utf8').catch(() => {
    throw new Error(`no sqitch.plan in ${root}: Sqitch takes the order of the changes from it`);
  });
  for (const change of plannedChanges(plan)) {
    const candidates = change.scriptNames.map(deployScript);
    const existing = await firstExistingFile(candidates);
    if (existing) {
      planned.add(existing);
      listing.migrations.push({ absolutePath: existing, version: change.scriptNames[candidates.indexOf(existing)]! });
    } else if (candidates.length === 0) {
      listing.ignored.push({ absolutePath: deployScript(change.name), reason: `sqitch.plan reworks "${change.name}" with no tag in between, which Sqitch rejects` });
    } else {
      listing.ignored.push({ absolutePath: candidates[0]!, reason: 'listed in sqitch.plan, but the file does not exist' });
    }
  }
  const scripts = await glob(['deploy/**/*.sql', 'revert/**/*.sql', 'verify/**/*.sql'], { cwd: root, absolute: true });
  for (const script of scripts.map(path.normalize)) {
    const folder = toPosix(path.relative(root, script)).split('/')[0];
    if (folder === 'revert') listing.ignored.push({ absolutePath: script, reason: 'revert script' });
    else if (folder === 'verify') listing.ignored.push({ absolutePath: script, reason: 'verify script' });
    else if (!planned.has(script)) listing.ignored.push({ absolutePath: script, reason: 'not in sqitch.plan' });
  }
  return listing;
}

/**
 * The SQL files the folder's master changelog runs, through its includes, in Liquibase's order; without one, the folder's SQL
 * files as an includeAll of it takes them (by path, subfolders too).
 */
async function listLiquibase(root: string, entries: DirectoryEntries): Promise<Listing> {
  const sqlFiles = (await glob('**/*.sql', { cwd: root, absolute: true, ignore: ['**/node_modules/**', '**/.git/**'] })).map(path.normalize).sort(compareText);
  const version = (file: string): string => toPosix(path.relative(root, file)).replace(/\.sql$/i, '');
  const master = await masterChangelog(root, changelogsIn(root, entries.files));
  if (!master) return { migrations: sqlFiles.map((absolutePath) => ({ absolutePath, version: version(absolutePath) })), ignored: [] };
  const listed = await listChangelog(master);
  const run = new Set(listed.migrations.map((migration) => migration.absolutePath));
  const masterName = path.basename(master);
  return {
    migrations: listed.migrations.map(({ absolutePath, changeSet }) => ({ absolutePath, version: version(absolutePath), ...(changeSet ? { changeSet } : {}) })),
    ignored: [...listed.ignored, ...sqlFiles.filter((file) => !run.has(file)).map((absolutePath) => ({ absolutePath, reason: `${masterName} does not include it` }))],
    ...(listed.problems.length > 0 ? { problems: listed.problems } : {}),
  };
}

// atlas: https://atlasgo.io/blog/2022/09/05/announcing-migration-execution, "lexicographically sorted by filename".
function listAtlas(root: string, entries: DirectoryEntries): Listing {
  const migrations = entries.files
    .filter(isSql)
    .map((name) => ({ absolutePath: childPath(root, name), version: name.replace(/(_.*)?\.sql$/, '') }));
  return { migrations, ignored: [] };
}


function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareNumbers(a: string, b: string): number {
  const difference = BigInt(a) - BigInt(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

function byVersion(compare: (a: string, b: string) => number): (a: FoundMigration, b: FoundMigration) => number {
  return (a, b) => compare(a.version, b.version) || compareText(a.absolutePath, b.absolutePath);
}

/**
 * An entry of a folder: `path.join` without its normalizing, which costs more than the rest of
 * listing a folder of thousands. `folder` is absolute and normalized, and `name` came from readdir.
 */
function childPath(folder: string, name: string): string {
  return folder.endsWith(path.sep) ? folder + name : folder + path.sep + name;
}

function isSql(name: string): boolean {
  return name.endsWith('.sql');
}

/** Names of the files and folders directly in a folder, in code point order. */
export interface DirectoryEntries {
  files: string[];
  directories: string[];
}

/** A symbolic link counts as what it points to. */
export async function directoryEntries(dir: string): Promise<DirectoryEntries> {
  const files: string[] = [];
  const directories: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const target = entry.isSymbolicLink() ? await stat(path.join(dir, entry.name)).catch(() => undefined) : entry;
    if (target?.isFile()) files.push(entry.name);
    else if (target?.isDirectory()) directories.push(entry.name);
  }
  return { files: files.sort(compareText), directories: directories.sort(compareText) };
}

async function sqlFilesBelow(root: string): Promise<string[]> {
  const found = await glob('**/*.sql', { cwd: root, absolute: true, ignore: ['**/node_modules/**', '**/.git/**'] });
  return found.map(path.normalize).sort(compareText);
}

async function isFile(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined))?.isFile() ?? false;
}

async function firstExistingFile(files: string[]): Promise<string | undefined> {
  for (const file of files) if (await isFile(file)) return file;
  return undefined;
}

async function someDirectoryHolds(root: string, directories: string[], fileName: string): Promise<boolean> {
  for (const directory of directories) if (await isFile(path.join(root, directory, fileName))) return true;
  return false;
}

