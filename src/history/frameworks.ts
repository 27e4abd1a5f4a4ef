/**
 * A folder of migrations as the tool that wrote it sees it: which tool, the order it
 * applies the files in, the part of each file that runs on the way up, and whether
 * the tool runs that part inside a transaction.
 */
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { detectFramework, directoryEntries, listMigrations, type MarkerLookup } from './layouts.js';
import { displayPath, displayPathUnder } from '../source/paths.js';
import type { RunnerTraits, TransactionMode } from '../model/session-state.js';
import { findFlywayProjectConfig, type FlywayProjectConfig } from './flyway.js';
import { PREPARERS } from './prepare.js';
import type { LiquibaseChangeSet } from './liquibase.js';

export type FrameworkName =
  | 'plain'
  | 'golang-migrate'
  | 'goose'
  | 'sql-migrate'
  | 'tern'
  | 'graphile-migrate'
  | 'node-pg-migrate'
  | 'dbmate'
  | 'flyway'
  | 'prisma'
  | 'diesel'
  | 'drizzle'
  | 'sqitch'
  | 'atlas'
  | 'liquibase'
  | 'supabase'
  | 'sqlx'
  | 'pop';

export const FRAMEWORK_NAMES: readonly FrameworkName[] = [
  'plain',
  'golang-migrate',
  'goose',
  'sql-migrate',
  'tern',
  'graphile-migrate',
  'node-pg-migrate',
  'dbmate',
  'flyway',
  'prisma',
  'diesel',
  'drizzle',
  'sqitch',
  'atlas',
  'liquibase',
  'supabase',
  'sqlx',
  'pop',
];

export type { RunnerTraits, TransactionMode };

export interface MigrationEntry {
  /** Relative to the working directory, with forward slashes. */
  path: string;
  absolutePath: string;
  /** The framework's version or name, e.g. "20240101120000" or "V4.11". */
  version: string;
  /** Liquibase: the changeset of a changelog that runs the file through sqlFile. */
  changeSet?: LiquibaseChangeSet;
}

export interface MigrationFolder {
  framework: FrameworkName;
  /** Absolute. */
  root: string;
  /** In the order the framework applies them. */
  migrations: MigrationEntry[];
  /** Files found but not part of the forward history, with the reason (e.g. "down migration"), so --verbose can show them. */
  ignored: Array<{ path: string; reason: string }>;
  /** For Flyway: the project configuration file nearest the folder, when there is one. */
  flywayProject?: FlywayProjectConfig;
  /** Why the tool refuses the folder as a whole, when it does (see Listing). */
  problems?: string[];
}

export interface PreparedMigration {
  /**
   * Same UTF-8 byte length and line breaks as the input: everything that is not part
   * of the up migration is replaced by spaces, so every byte offset and line number stays exact.
   */
  upText: string;
  transaction: TransactionMode;
  /** Why the tool refuses to run the file, when it does (Flyway, for a file that mixes statements it cannot run in a transaction with others). */
  refusedBecause?: string;
  /** How the tool's runner differs from one that wraps each file in a transaction of its own, when it does. */
  runner?: RunnerTraits;
  /** Why, for --verbose, e.g. "goose: -- +goose NO TRANSACTION". */
  notes: string[];
}

export interface SiblingFiles {
  /** The text of a file next to the migration (given its absolute path), or undefined when there is none. */
  readFile(absolutePath: string): string | undefined;
}

/** How each tool that wraps files in a transaction runs one without, for help that names the switch. */
export const TRANSACTION_OPT_OUTS: Partial<Record<FrameworkName, string>> = {
  goose: 'with `-- +goose NO TRANSACTION` at the top of that file',
  'sql-migrate': 'with `-- +migrate Up notransaction` as its up marker',
  tern: 'with a `---- tern: disable-tx ----` line in its up part',
  'graphile-migrate': 'with `--! no-transaction` as the first line after its headers, and as its only statement: graphile-migrate still sends the file as one query',
  'node-pg-migrate':
    'which node-pg-migrate cannot do for a SQL migration: write it as a JavaScript migration that calls `pgm.noTransaction()` (node-pg-migrate then commits the migrations before it, runs it alone, and goes on in a new transaction)',
  dbmate: 'with `-- migrate:up transaction:false` as its up marker',
  flyway: 'in a file that holds only statements which cannot run in a transaction, which Flyway then runs outside one, or with executeInTransaction=false in its .sql.conf',
  diesel: 'with `run_in_transaction = false` in its metadata.toml, and as its only statement: Diesel still sends the file as one query',
  atlas: 'with `-- atlas:txmode none` as the first line of that file, followed by an empty line',
  liquibase: 'a changeset of its own with `runInTransaction:false` on its `--changeset` line',
  drizzle:
    "which drizzle's migrator cannot do: it runs every pending migration inside one transaction, with no switch to leave a file out (drizzle-orm#860), so run it from a script of its own after `drizzle-kit migrate`",
  sqlx: "with `-- no-transaction` as that file's first line, and as its only statement: sqlx still sends the file as one query",
  pop: "named `<version>_<name>.postgres.autocommit.up.sql` with Ory's popx; gobuffalo/pop runs every file in a transaction and skips a file so named (its file pattern has no `.autocommit`), so with it run the statement from a script of its own after the migrations",
};

/** For the README: how lockwise reads each framework's folder. */
export const FRAMEWORK_FACTS: Record<FrameworkName, { files: string; order: string; transaction: string }> = {
  plain: {
    files: '`*.sql` files whose names start with a version number (`001_x.sql`, `V0001.x.sql`), or, in a folder with none, every `*.sql` file of its release folders (`1.10.0/`, `v3.17/`); `.down.sql` ignored; the others are linted on their own',
    order: 'natural order of file names (`2_x.sql` before `10_x.sql`); release folders in natural order (`1.9.5/` before `1.10.0/`), each one\'s files in name order',
    transaction: 'none assumed: each statement on its own, as `psql -f` runs a file',
  },
  'golang-migrate': {
    files: '`<version>_<title>.up.sql`; `.down.sql` ignored',
    order: 'numeric version',
    transaction: 'the postgres driver sends the whole file as one query, an implicit transaction; `x-multi-statement=true` sends statements one by one',
  },
  goose: {
    files: '`<version>_<name>.sql`, the `-- +goose Up` section; `.go` migrations ignored',
    order: 'numeric version',
    transaction: 'wrapped; `-- +goose NO TRANSACTION` turns it off',
  },
  'sql-migrate': {
    files: 'every `*.sql` file of the folder, its `-- +migrate Up` sections; `-- +migrate Down` sections ignored',
    order: 'the number the name starts with, then the name; names without one last, by name',
    transaction: 'wrapped, each statement sent on its own; `-- +migrate Up notransaction` turns it off',
  },
  tern: {
    files: '`<number>_<name>.sql`, the part above `---- create above / drop below ----`; `.sql` files of subfolders are shared templates, not migrations',
    order: 'number, which must run from 1 with no gap',
    transaction: 'wrapped, the up part sent as one query; a `---- tern: disable-tx ----` line turns it off, and tern then sends each statement on its own',
  },
  'graphile-migrate': {
    files: '`committed/<number>[-<message>].sql`, the body after the `--! Previous:` and `--! Hash:` headers',
    order: 'number',
    transaction: 'wrapped, the body sent as one query; `--! no-transaction` as the first line of the body turns it off, but the body still goes as one query, an implicit transaction when it holds several statements',
  },
  'node-pg-migrate': {
    files: '`<timestamp>_<name>.sql`, the part from `-- Up Migration` to `-- Down Migration`; JavaScript and TypeScript migrations ignored',
    order: 'the timestamp (13 digits of milliseconds, or 17 of a UTC date and time), then the name',
    transaction: 'wrapped, with no switch for a SQL migration: by default the runner applies every pending migration inside one transaction (`--no-single-transaction` gives each its own)',
  },
  dbmate: {
    files: '`<version>_<name>.sql`, the `-- migrate:up` section',
    order: 'file name (timestamp)',
    transaction: 'wrapped; `-- migrate:up transaction:false` turns it off',
  },
  flyway: {
    files: '`V<version>__<description>.sql` and `R__<description>.sql`, in subfolders too; `U`/`B` files ignored',
    order: 'versions part by part numerically (`V4.11` < `V4.11.0.1` < `V4.12`), then repeatables by description',
    transaction:
      'wrapped; `executeInTransaction=false` in `<file>.sql.conf`, or in the project\'s `flyway.toml`/`flyway.conf` for every file, turns it off; Flyway turns it off itself for a file holding only e.g. `CREATE INDEX CONCURRENTLY`, and with `mixed=true` for any file holding one',
  },
  prisma: {
    files: '`<timestamp>_<name>/migration.sql`',
    order: 'folder name',
    transaction: 'the whole file as one query, an implicit transaction (Prisma with prisma-engines#5767 sends statements one by one)',
  },
  diesel: {
    files: '`<version>_<name>/up.sql`; `down.sql` ignored',
    order: 'version (the folder name before `_`, dashes dropped)',
    transaction: 'wrapped; `run_in_transaction = false` in `metadata.toml` turns it off, but the file still goes as one query, an implicit transaction when it holds several statements',
  },
  drizzle: {
    files: '`<tag>.sql` for each entry of `meta/_journal.json` (drizzle-kit, PostgreSQL dialect); other `.sql` files ignored, as drizzle skips them',
    order: 'the journal',
    transaction: 'wrapped, with no switch to turn it off: the migrator runs every pending migration in one transaction',
  },
  sqitch: {
    files: '`deploy/<change>.sql` for each change in `sqitch.plan` (`deploy/<change>@<tag>.sql` for a reworked one); revert and verify ignored',
    order: '`sqitch.plan`',
    transaction: 'none: psql runs the script, so only its own `BEGIN`/`COMMIT` make a transaction',
  },
  atlas: {
    files: '`*.sql` next to `atlas.sum`',
    order: 'file name',
    transaction: 'wrapped (`--tx-mode file`); a `-- atlas:txmode none` file directive turns it off',
  },
  liquibase: {
    files: 'the `.sql` files a master changelog (XML, YAML or JSON with a `databaseChangeLog`, in the folder or up to three folders above a file) runs through `include`, `includeAll` and `sqlFile`; a formatted SQL changelog (`--liquibase formatted sql`) from its first `--changeset` on, without the changesets whose `dbms` leaves PostgreSQL out; in a folder without a master changelog, its `.sql` files',
    order: 'the master changelog\'s, `includeAll` by path as a string (`10_x.sql` before `2_x.sql`)',
    transaction: 'each changeset in a transaction of its own, and a plain `.sql` file as one changeset; `runInTransaction:false` runs the changeset statement by statement',
  },
  pop: {
    files: '`<version>_<name>[.<dialect>].up.sql` (gobuffalo/pop, Ory\'s popx); files of other dialects, and a dialect-less file a `.postgres.` file of the same version replaces, ignored',
    order: 'version, compared as text',
    transaction: "wrapped; with Ory's popx, `.autocommit` in the name (`<version>_<name>.postgres.autocommit.up.sql`) turns it off (gobuffalo/pop has no such switch, and skips such a file)",
  },
  sqlx: {
    files: '`<version>_<description>.sql`, or `.up.sql` with `.down.sql` ignored, in a folder of a Rust crate (a `Cargo.toml` above it)',
    order: 'numeric version',
    transaction: 'wrapped; `-- no-transaction` on the first line turns it off, but the file still goes as one query, an implicit transaction when it holds several statements',
  },
  supabase: {
    files: '`supabase/migrations/<timestamp>_<name>.sql`',
    order: 'file name (timestamp)',
    transaction: 'wrapped: `db push` and `migration up` run each file in one transaction; CLI 2.109 and later commit before `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`, `REINDEX ... CONCURRENTLY`, `VACUUM`, `ALTER SYSTEM` and `CLUSTER`, run it alone and go on in a new transaction',
  },
};

/** Frameworks detection guesses from names rather than a file of their own (sqitch.plan, atlas.sum, migration_lock.toml). */
const DETECTED_BY_NAMES: ReadonlySet<FrameworkName> = new Set(['golang-migrate', 'supabase']);

export async function findMigrationFolder(
  dir: string,
  options: { framework?: FrameworkName; cwd: string; markerOf?: MarkerLookup },
): Promise<MigrationFolder> {
  const root = path.resolve(options.cwd, dir);
  const info = await stat(root).catch(() => undefined);
  if (!info) throw new Error(`${displayPath(root, options.cwd)}: no such directory`);
  if (!info.isDirectory()) throw new Error(`${displayPath(root, options.cwd)}: not a directory`);

  const entries = await directoryEntries(root);
  let framework = options.framework ?? (await detectFramework(root, entries, options.markerOf));
  let listing = await listMigrations(framework, root, entries);
  if (!options.framework && DETECTED_BY_NAMES.has(framework) && listing.migrations.length === 0) {
    // Guessed from file names or the folder's path, a tool that would run none of the folder's files is not the folder's tool.
    framework = 'plain';
    listing = await listMigrations(framework, root, entries);
  }
  const shown = displayPathUnder(root, options.cwd);
  const flywayProject = framework === 'flyway' ? findFlywayProjectConfig(root, FILES_ON_DISK.readFile) : undefined;
  return {
    framework,
    root,
    ...(flywayProject ? { flywayProject } : {}),
    migrations: listing.migrations.map(({ absolutePath, version, changeSet }) => ({ path: shown(absolutePath), absolutePath, version, ...(changeSet ? { changeSet } : {}) })),
    ignored: listing.ignored.map(({ absolutePath, reason }) => ({ path: shown(absolutePath), reason })),
    ...(listing.problems ? { problems: listing.problems } : {}),
  };
}

export const FILES_ON_DISK: SiblingFiles = {
  readFile(absolutePath) {
    try {
      return readFileSync(absolutePath, 'utf8');
    } catch {
      return undefined;
    }
  },
};

/**
 * `siblings` reads the files next to the migration that change how it runs (Flyway's `.sql.conf`, Diesel's
 * `metadata.toml`); by default from disk. `flywayProject` is the folder's Flyway configuration.
 */
export function prepareMigration(
  framework: FrameworkName,
  entry: MigrationEntry,
  text: string,
  siblings: SiblingFiles = FILES_ON_DISK,
  flywayProject?: FlywayProjectConfig,
): PreparedMigration {
  return PREPARERS[framework](entry, text, siblings, flywayProject);
}

