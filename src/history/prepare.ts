import path from 'node:path';
import { flywayStatementKinds, scriptConfigExecuteInTransaction, type FlywayProjectConfig } from './flyway.js';
import type { FrameworkName, MigrationEntry, PreparedMigration, SiblingFiles } from './frameworks.js';
import { blank, blankFrom, findSections } from './up-text.js';
import { isFormattedSql, liquibaseStatementEnds, prepareFormattedSql } from './liquibase.js';
import type { RunnerTraits } from '../model/session-state.js';
import { counted } from '../report/results.js';

type Preparer = (entry: MigrationEntry, text: string, siblings: SiblingFiles, flywayProject?: FlywayProjectConfig) => PreparedMigration;

// goose: https://pressly.github.io/goose/documentation/annotations; internal/sqlparser/parser.go reads annotations case-insensitively
// from lines starting with `--`, and NO TRANSACTION anywhere in the file turns the transaction off.
export const GOOSE_UP = /^--[ \t]*\+goose[ \t]+up[ \t]*$/im;
const GOOSE_DOWN = /^--[ \t]*\+goose[ \t]+down[ \t]*$/im;
const GOOSE_NO_TRANSACTION = /^--[ \t]*\+goose[ \t]+no[ \t]+transaction[ \t]*$/im;
// dbmate: pkg/dbmate/migration.go upRegExp, downRegExp and parseMigrationOptions (options on the up marker line).
export const DBMATE_UP = /^--[ \t]*migrate:up(?:[ \t].*)?$/im;
const DBMATE_DOWN = /^--[ \t]*migrate:down(?:[ \t].*)?$/im;
// sql-migrate: sqlparse/sqlparse.go, ParseMigration. A command line starts with exactly `-- +migrate `, its first word the command
// (case-sensitive), the rest options; bufio's line scanner has already dropped a CR before the line feed.
export const SQL_MIGRATE_SECTION = /^-- \+migrate [ \t]*(?:Up|Down)(?:[ \t\r]|$)/m;
const SQL_MIGRATE_COMMAND = /^-- \+migrate [ \t]*(\S+)(.*?)\r?$/;
const UNTERMINATED = `"The last statement must be ended by a semicolon or '-- +migrate StatementEnd' marker"`;
const SQL_MIGRATE_STATEMENT_BEGIN = /^-- \+migrate [ \t]*StatementBegin(?:\s|$)/;
const SQL_MIGRATE_STATEMENT_END = /^-- \+migrate [ \t]*StatementEnd(?:\s|$)/;
// tern: migrate/migrate.go, LoadMigrations splits the file at the first separator, wherever it is, and renders the up part as a
// Go template; MigrateTo runs it in a transaction, as one query, unless a line of it is exactly the disable-tx line.
export const TERN_SEPARATOR = '---- create above / drop below ----';
export const TERN_DISABLE_TX = '---- tern: disable-tx ----';
const GO_TEMPLATE_ACTION = /\{\{[\s\S]*?\}\}/g;
// graphile-migrate: src/migration.ts parseMigrationText (headers start with a capital letter, and an empty line must follow them)
// and src/header.ts isNoTransactionDefined (the body's first line); placeholders such as :DATABASE_OWNER are replaced by values
// from .gmrc before the body runs.
const GRAPHILE_MIGRATE_HEADER = /^--! ([A-Z][a-zA-Z0-9_]*)(?::(.*))?$/;
const GRAPHILE_MIGRATE_NO_TRANSACTION = /^--!\s*no-transaction\b/;
const GRAPHILE_MIGRATE_PLACEHOLDER = /(?<![\w:]):(?=[A-Z][A-Z0-9_]*\b)/g;
// node-pg-migrate: src/sqlMigration.ts, createMigrationCommentRegex; the up part runs from its comment to the down comment.
export const NODE_PG_MIGRATE_UP = /^\s*--[\s-]*up\s+migration/im;
export const NODE_PG_MIGRATE_DOWN = /^\s*--[\s-]*down\s+migration/im;
// goose: the annotation is the whole line after `--`, spaces around it trimmed.
const GOOSE_STATEMENT_BEGIN = /^--\s*\+goose[ \t]+StatementBegin\s*$/i;
const GOOSE_STATEMENT_END = /^--\s*\+goose[ \t]+StatementEnd\s*$/i;

export const PREPARERS: Record<FrameworkName, Preparer> = {
  plain: (_entry, text) => ({
    upText: text,
    transaction: 'none',
    notes: ['plain: no migration tool assumed, so each statement runs on its own, as with psql -f'],
  }),
  // golang-migrate: database/postgres/README.md, x-multi-statement "Enable multi-statement execution (default: false)";
  // without it the driver runs the file with one Exec.
  'golang-migrate': (_entry, text) => ({
    upText: text,
    transaction: 'implicit',
    notes: ['golang-migrate: the postgres driver sends the whole file as one query (x-multi-statement=true would send statements one by one)'],
  }),
  goose: prepareGoose,
  liquibase: prepareLiquibase,
  dbmate: prepareDbmate,
  'sql-migrate': prepareSqlMigrate,
  tern: prepareTern,
  'graphile-migrate': prepareGraphileMigrate,
  'node-pg-migrate': prepareNodePgMigrate,
  flyway: prepareFlyway,
  // prisma: prisma/orm#22922 (a multi-statement file runs atomically, one simple query); prisma-engines#5767 and #5847
  // (newer engines split the file and send statements one by one).
  prisma: (_entry, text) => ({
    upText: text,
    transaction: 'implicit',
    notes: ['prisma: sends the whole file as one query; Prisma releases with prisma-engines#5767 (2026) send statements one by one instead'],
  }),
  diesel: prepareDiesel,
  drizzle: prepareDrizzle,
  // sqitch: App::Sqitch::Engine::pg runs each script with psql; Sqitch's script templates hold their own BEGIN and COMMIT.
  sqitch: (_entry, text) => ({
    upText: text,
    transaction: 'none',
    notes: ['sqitch: psql runs the script, so only its own BEGIN and COMMIT make a transaction'],
  }),
  atlas: prepareAtlas,
  // pop: Migrator.Up runs each migration in a transaction; popx runs a file named `.autocommit.` without one (RunnerNoTx).
  pop: (entry, text) => {
    const autocommit = /\.autocommit\.up\.sql$/.test(entry.absolutePath);
    return { upText: text, transaction: autocommit ? 'none' : 'wrapped', notes: [autocommit ? 'pop: .autocommit in the name' : 'pop: runs each migration in a transaction'] };
  },
  // sqlx: sqlx-core/src/migrate/source.rs and migration.rs, `no_tx = sql.starts_with("-- no-transaction")`; the rest runs in a transaction.
  // Either way sqlx-postgres's execute_migration sends the file as one simple query: several statements are one implicit transaction.
  sqlx: (_entry, text) => {
    const noTransaction = text.startsWith('-- no-transaction');
    return noTransaction
      ? { upText: text, transaction: 'implicit', notes: ['sqlx: -- no-transaction; the file still goes as one query'] }
      : { upText: text, transaction: 'wrapped', notes: ['sqlx: runs each migration in a transaction'] };
  },
  // supabase: supabase/cli#2898, "We are running each migration file in its own transaction"; since 2.109 (supabase/cli#5671) the CLI
  // commits the statements so far before one PostgreSQL refuses in a transaction block, runs that one alone, and goes on in a new
  // transaction (runsAloneInBatchedMode); DROP INDEX CONCURRENTLY joined the list with supabase/cli#6276.
  supabase: (_entry, text) => ({
    upText: text,
    transaction: 'batched',
    notes: [
      'supabase: db push and migration up run each file in one transaction, except CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX ... CONCURRENTLY, VACUUM, ALTER SYSTEM and CLUSTER, which CLI 2.109 and later run on their own between two transactions (older releases fail on them)',
    ],
  }),
};

/** Comments before the Up annotation stay: goose accepts nothing else there, and file-wide directives live there. */
function prepareGoose(_entry: MigrationEntry, text: string): PreparedMigration {
  const { upLine, downAt } = findSections(text, GOOSE_UP, GOOSE_DOWN);
  const noTransaction = GOOSE_NO_TRANSACTION.test(text);
  const notes = [noTransaction ? 'goose: -- +goose NO TRANSACTION' : 'goose: runs each migration in a transaction'];
  if (upLine === undefined) notes.push('goose: no -- +goose Up annotation, so goose refuses this file; linting all of it');
  const upText = downAt === undefined ? text : blankFrom(text, downAt);
  const upAt = upLine === undefined ? 0 : text.indexOf(upLine);
  return { upText, transaction: noTransaction ? 'none' : 'wrapped', notes, ...goRunner('goose', upText, Buffer.byteLength(text.slice(0, upAt), 'utf8'), GOOSE_STATEMENT_BEGIN, GOOSE_STATEMENT_END) };
}

/** Comments before the up block stay: dbmate accepts nothing else there, and file-wide directives live there. */
function prepareDbmate(_entry: MigrationEntry, text: string): PreparedMigration {
  const { upLine, downAt } = findSections(text, DBMATE_UP, DBMATE_DOWN);
  const noTransaction = upLine?.split(/\s+/).includes('transaction:false') ?? false;
  const notes = [noTransaction ? 'dbmate: -- migrate:up transaction:false' : 'dbmate: runs each migration in a transaction'];
  if (upLine === undefined) notes.push('dbmate: no -- migrate:up block, so dbmate refuses this file; linting all of it');
  // pkg/dbmate/migration.go, ErrParseMissingDown: the down marker must start a line, as the up marker must.
  else if (downAt === undefined) notes.push('dbmate: no -- migrate:down line, which dbmate requires, so it refuses this file; linting all of its up block');
  return { upText: downAt === undefined ? text : blankFrom(text, downAt), transaction: noTransaction ? 'none' : 'wrapped', notes };
}

/**
 * sql-migrate runs the lines of its Up sections and nothing else: a Down section lasts until the next Up command, and lines
 * before the first command are read by no one (comments among them stay, for lockwise's own directives). Each statement goes
 * on its own, in one transaction per migration unless an Up command says `notransaction`.
 */
function prepareSqlMigrate(_entry: MigrationEntry, text: string): PreparedMigration {
  let direction: 'none' | 'up' | 'down' = 'none';
  let noTransaction = false;
  let sawUp = false;
  const kept: string[] = [];
  // sqlparse's own reading, for the files it refuses: the text of the statement it has not ended yet, and its StatementBegin.
  let pending = '';
  let inStatementBlock = false;
  let blockEnded = false;
  let refusal: string | undefined;
  let lineNumber = 0;
  let offset = 0;
  let firstSection: number | undefined;
  for (const line of text.split(/(?<=\n)/)) {
    lineNumber++;
    const content = line.replace(/\r?\n$/, '');
    const command = SQL_MIGRATE_COMMAND.exec(content);
    const name = command?.[1];
    const lineAt = offset;
    offset += Buffer.byteLength(line, 'utf8');
    if ((name === 'Up' || name === 'Down') && firstSection === undefined) firstSection = lineAt;
    if (name === 'Up' || name === 'Down') {
      if (pending.trim() !== '') refusal ??= `line ${lineNumber}: the statement before this ${name} line has no line that ends with a semicolon (${UNTERMINATED})`;
      direction = name === 'Up' ? 'up' : 'down';
      sawUp ||= name === 'Up';
      if (name === 'Up') noTransaction ||= command![2]!.split(/[ \t]+/).includes('notransaction');
    } else if (name === 'StatementBegin' && direction !== 'none') {
      inStatementBlock = true;
    } else if (name === 'StatementEnd' && direction !== 'none') {
      blockEnded = inStatementBlock;
      inStatementBlock = false;
    }
    kept.push(direction === 'up' ? line : direction === 'none' ? commentLinesOnly(line) : blank(line));
    // sqlparse skips a comment line only when it starts with `-- `; any other line after a command joins the statement.
    if (direction === 'none' || (content.startsWith('-- ') && !content.startsWith('-- +'))) continue;
    if (!content.startsWith('-- +')) pending += `${content}\n`;
    if ((!inStatementBlock && endsWithSemicolon(content)) || blockEnded) {
      blockEnded = false;
      pending = '';
    }
  }
  const notes = [noTransaction ? 'sql-migrate: -- +migrate Up notransaction' : 'sql-migrate: runs each migration in a transaction'];
  if (direction === 'none') {
    notes.push('sql-migrate: no -- +migrate Up or Down line, so sql-migrate refuses to run any migration of the folder; linting all of it');
    return { upText: text, transaction: 'wrapped', notes };
  }
  if (inStatementBlock) refusal ??= `a StatementBegin line has no StatementEnd line after it ("saw '-- +migrate StatementBegin' with no matching '-- +migrate StatementEnd'")`;
  else if (pending.trim() !== '') refusal ??= `its last statement has no line that ends with a semicolon (${UNTERMINATED})`;
  if (refusal) notes.push(`sql-migrate: ${refusal}, so sql-migrate refuses to run any migration of the folder; linting the Up sections as if mended`);
  if (!sawUp) notes.push('sql-migrate: no -- +migrate Up section, so nothing of it runs on the way up');
  const upText = kept.join('');
  return { upText, transaction: noTransaction ? 'none' : 'wrapped', notes, ...goRunner('sql-migrate', upText, firstSection ?? 0, SQL_MIGRATE_STATEMENT_BEGIN, SQL_MIGRATE_STATEMENT_END) };
}

/**
 * How goose and sql-migrate run a file, both on Go's database/sql. Each statement goes in an Exec of its own on the
 * migration's transaction, so after a COMMIT in the file the statements that follow run on their own, outside any
 * transaction, until a BEGIN of the file's. And each ends a query (their endsWithSemicolon) after each line whose last
 * word, before any word that starts with `--`, ends with a semicolon, and at a StatementEnd line, which ends the query
 * that its StatementBegin line began, semicolons or not; annotations before the first section (`from`, a byte offset)
 * are read by neither. Byte offsets in `upText`, whose lines that do not run are blank.
 */
function goRunner(tool: 'goose' | 'sql-migrate', upText: string, from: number, statementBegin: RegExp, statementEnd: RegExp): Pick<PreparedMigration, 'runner'> {
  const at: number[] = [];
  let offset = 0;
  let inStatementBlock = false;
  for (const line of upText.split(/(?<=\n)/)) {
    const content = line.replace(/\r?\n$/, '');
    if (offset < from) {
      offset += Buffer.byteLength(line, 'utf8');
      continue;
    }
    if (statementBegin.test(content)) {
      inStatementBlock = true;
    } else if (statementEnd.test(content)) {
      if (inStatementBlock) at.push(offset);
      inStatementBlock = false;
    } else if (!inStatementBlock && endsWithSemicolon(content)) {
      at.push(offset + Buffer.byteLength(content, 'utf8'));
    }
    offset += Buffer.byteLength(line, 'utf8');
  }
  return { runner: { autocommitsAfterCommit: true, ...(at.length > 0 ? { cutsQueries: { tool, at } } : {}) } };
}

/**
 * tern: the up part is what comes before the separator. Its Go template actions (`{{ template "shared/x.sql" . }}`) are
 * rendered by tern, which lockwise does not do: they are blanked, and said. Under disable-tx, tern cuts the up part into
 * statements itself (sqlsplit) and sends each on its own.
 */
function prepareTern(_entry: MigrationEntry, text: string): PreparedMigration {
  const separatorAt = text.indexOf(TERN_SEPARATOR);
  const upPart = separatorAt === -1 ? text : text.slice(0, separatorAt);
  const actions = upPart.match(GO_TEMPLATE_ACTION) ?? [];
  const rendered = upPart.replace(GO_TEMPLATE_ACTION, blank);
  const upText = separatorAt === -1 ? rendered : rendered + blank(text.slice(separatorAt));
  const noTransaction = rendered.split('\n').includes(TERN_DISABLE_TX);
  const notes = [noTransaction ? `tern: ${TERN_DISABLE_TX}` : 'tern: runs each migration in a transaction, its up part sent as one query'];
  if (rendered.includes('{{')) {
    notes.push('tern: a {{ opens a template action that no }} closes, so tern refuses to run any migration of the folder; linting the up part as it stands');
  } else if (actions.length > 0) {
    const shown = actions[0]!.replace(/\s+/g, ' ');
    notes.push(`tern: renders ${counted(actions.length, 'Go template action')} here (${shown}${actions.length > 1 ? ', ...' : ''}), ${TEMPLATE_NOT_RENDERED}`);
  } else if (!upPart.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('--'))) {
    notes.push('tern: its up part holds no line of SQL, only comments and blank lines ("no sql in forward migration step"), so tern refuses to run any migration of the folder');
  }
  if (!noTransaction) return { upText, transaction: 'wrapped', notes };
  const at = ternStatementEnds(upText);
  return { upText, transaction: 'none', notes, runner: { autocommitsAfterCommit: true, ...(at.length > 0 ? { cutsQueries: { tool: 'tern', at } } : {}) } };
}

/** graphile-migrate's headers, `--! Key: value` lines at the top of a file, and how many lines they take. */
export function graphileMigrateHeaders(text: string): { headers: Map<string, string | undefined>; lineCount: number } {
  const headers = new Map<string, string | undefined>();
  let lineCount = 0;
  for (const line of text.split('\n')) {
    const match = GRAPHILE_MIGRATE_HEADER.exec(line);
    if (!match) break;
    headers.set(match[1]!, match[2]?.trim());
    lineCount++;
  }
  return { headers, lineCount };
}

/**
 * graphile-migrate runs a committed migration's body, after its headers, inside BEGIN and COMMIT as one query, unless the
 * body's first line is `--! no-transaction`: then as one query alone, which PostgreSQL runs as one implicit transaction when it
 * holds several statements. Placeholders (`:DATABASE_OWNER`) lose their colon, so that they read as the names they stand for.
 */
function prepareGraphileMigrate(_entry: MigrationEntry, text: string): PreparedMigration {
  const { headers, lineCount } = graphileMigrateHeaders(text);
  const lines = text.split('\n');
  const firstBodyLine = lines.slice(lineCount).find((line) => line.trim() !== '') ?? '';
  const noTransaction = GRAPHILE_MIGRATE_NO_TRANSACTION.test(firstBodyLine.trimStart());
  const notes = [noTransaction ? 'graphile-migrate: --! no-transaction; the body still goes as one query' : 'graphile-migrate: runs each migration in a transaction, its body sent as one query'];
  if (!headers.has('Previous') || !headers.has('Hash')) {
    notes.push(`graphile-migrate: no --! ${headers.has('Previous') ? 'Hash' : 'Previous'} header, so graphile-migrate refuses to run any migration of the folder`);
  } else if (lines[lineCount] !== '') {
    notes.push('graphile-migrate: no empty line after the headers ("there should be two newlines after the headers section"), so graphile-migrate refuses to run any migration of the folder');
  }
  return { upText: text.replace(GRAPHILE_MIGRATE_PLACEHOLDER, ' '), transaction: noTransaction ? 'implicit' : 'wrapped', notes };
}

/**
 * node-pg-migrate runs the text from the up comment to the down comment (to the end when the down comment comes first or not
 * at all; the whole file when there is no up comment) as one query, and by default every pending migration inside one
 * transaction (runner option singleTransaction), on node-postgres, which commits each statement after a COMMIT of the file's.
 */
function prepareNodePgMigrate(_entry: MigrationEntry, text: string): PreparedMigration {
  const upAt = text.search(NODE_PG_MIGRATE_UP);
  const downAt = text.search(NODE_PG_MIGRATE_DOWN);
  const notes = ["node-pg-migrate: the runner applies every pending migration inside one transaction (unless run with --no-single-transaction), each file's up part as one query"];
  let upText = text;
  if (upAt < 0) {
    if (downAt >= 0) notes.push(`node-pg-migrate: no -- Up Migration comment, so node-pg-migrate runs the whole file on the way up, ${RUNS_DOWN_PART}; linting all of it`);
  } else if (downAt < 0 || downAt > upAt) {
    upText = commentLinesOnly(text.slice(0, upAt)) + (downAt < 0 ? text.slice(upAt) : text.slice(upAt, downAt) + blank(text.slice(downAt)));
  } else {
    upText = commentLinesOnly(text.slice(0, downAt)) + blank(text.slice(downAt, upAt)) + text.slice(upAt);
  }
  return { upText, transaction: 'wrapped', notes, runner: { autocommitsAfterCommit: true, pendingInOneTransaction: "node-pg-migrate's runner" } };
}

/** Text no tool runs, before a migration's first section: its comment lines stay, for lockwise's own directives; the rest is blanked. */
function commentLinesOnly(text: string): string {
  return text
    .split(/(?<=\n)/)
    .map((line) => (/^[ \t]*(?:--.*)?\r?\n?$/.test(line) ? line : blank(line)))
    .join('');
}

/** Said of a tern migration whose template actions lockwise blanks: what they render is neither linted nor replayed. */
const TEMPLATE_NOT_RENDERED = 'which lockwise does not render: what they put there is neither linted nor replayed';
/** Said of a node-pg-migrate migration that runs its down part on the way up. */
const RUNS_DOWN_PART = 'its down part too';

/**
 * The preparers' notes said on stderr without --verbose: a file the tool refuses to run (", so goose refuses this file"),
 * which stops it; SQL a template puts in a file, which lockwise neither sees nor replays; a down part that runs on the way up.
 */
export function saidWithoutVerbose(note: string): boolean {
  return /, so (?:[\w-]+|it) refuses /.test(note) || note.includes(TEMPLATE_NOT_RENDERED) || note.includes(RUNS_DOWN_PART);
}

/**
 * tern's migrate/internal/sqlsplit (2.2.1 and later, which read dollar quotes): a statement ends after each semicolon outside
 * quotes (`'...'`, `"..."`, `$tag$...$tag$`, and `E'...'`, where a backslash escapes, as it does after any e or E before a quote)
 * and comments (`--` to the line's end, a backslash carrying it over the line break; nested `/* *\/`). Byte offsets just after
 * each such semicolon; the bytes it tests are ASCII but for a dollar quote's tag, whose letters it decodes.
 */
export function ternStatementEnds(upText: string): number[] {
  const bytes = Buffer.from(upText, 'utf8');
  const ends: number[] = [];
  const at = (index: number): number => (index < bytes.length ? bytes[index]! : -1);
  let index = 0;
  /** From after an opening quote to after its closing one; a doubled quote stays inside. */
  const skipQuoted = (quote: number, backslashEscapes: boolean): void => {
    while (index < bytes.length) {
      const byte = bytes[index++]!;
      if (backslashEscapes && byte === BACKSLASH) index++;
      else if (byte === quote) {
        if (at(index) !== quote) return;
        index++;
      }
    }
  };
  while (index < bytes.length) {
    const byte = bytes[index++]!;
    if ((byte === 0x65 || byte === 0x45) && at(index) === QUOTE) {
      index++;
      skipQuoted(QUOTE, true);
    } else if (byte === QUOTE || byte === DOUBLE_QUOTE) {
      skipQuoted(byte, false);
    } else if (byte === DOLLAR) {
      const tag = dollarTag(bytes, index);
      if (tag === undefined) continue;
      index += tag.length + 1;
      // sqlsplit's dollarQuoteState: a `$` that does not close the quote takes the byte after it along.
      while (index < bytes.length) {
        if (bytes[index++] !== DOLLAR) continue;
        const closing = dollarTag(bytes, index);
        if (closing !== undefined && closing.equals(tag)) {
          index += tag.length + 1;
          break;
        }
        index++;
      }
    } else if (byte === SEMICOLON) {
      ends.push(index);
    } else if (byte === DASH && at(index) === DASH) {
      index++;
      while (index < bytes.length) {
        const inComment = bytes[index++]!;
        if (inComment === BACKSLASH) index++;
        else if (inComment === 0x0a || inComment === 0x0d) break;
      }
    } else if (byte === SLASH && at(index) === STAR) {
      index++;
      let nested = 0;
      while (index < bytes.length) {
        const inComment = bytes[index++]!;
        if (inComment === SLASH && at(index) === STAR) {
          index++;
          nested++;
        } else if (inComment === STAR && at(index) === SLASH) {
          index++;
          if (nested === 0) break;
          nested--;
        }
      }
    }
  }
  return ends;
}

const SEMICOLON = 0x3b;
const QUOTE = 0x27;
const DOUBLE_QUOTE = 0x22;
const BACKSLASH = 0x5c;
const DASH = 0x2d;
const SLASH = 0x2f;
const STAR = 0x2a;
const DOLLAR = 0x24;

/**
 * sqlsplit's readDollarTag, from just after a `$`: the tag's bytes when a tag and its closing `$` follow (empty for `$$`),
 * undefined otherwise (`$1`). A tag is a letter or `_`, then letters, digits and `_`.
 */
function dollarTag(bytes: Buffer, from: number): Buffer | undefined {
  if (bytes[from] === DOLLAR) return bytes.subarray(from, from);
  const rest = bytes.subarray(from, Math.min(bytes.length, from + 256)).toString('utf8');
  const match = /^[\p{L}_][\p{L}_0-9]*\$/u.exec(rest);
  return match ? bytes.subarray(from, from + Buffer.byteLength(match[0], 'utf8') - 1) : undefined;
}

function endsWithSemicolon(line: string): boolean {
  let last = '';
  for (const word of line.split(/\s+/)) {
    if (word.startsWith('--')) break;
    if (word !== '') last = word;
  }
  return last.endsWith(';');
}

/** A script configuration file overrides the project's settings and Flyway's own detection, either way. */
function prepareFlyway(entry: MigrationEntry, text: string, siblings: SiblingFiles, project?: FlywayProjectConfig): PreparedMigration {
  const configPath = `${entry.absolutePath}.conf`;
  const configured = scriptConfigExecuteInTransaction(siblings.readFile(configPath) ?? '');
  if (configured !== undefined) {
    return {
      upText: text,
      transaction: configured ? 'wrapped' : 'none',
      notes: [`flyway: ${path.basename(configPath)} sets executeInTransaction=${configured}`],
    };
  }
  const projectFile = project && path.relative(path.dirname(entry.absolutePath), project.file).split(path.sep).join('/');
  if (project?.executeInTransaction === false) {
    return { upText: text, transaction: 'none', notes: [`flyway: ${projectFile} sets executeInTransaction=false for every migration`] };
  }
  const { nonTransactional, onlyNonTransactional } = flywayStatementKinds(text);
  if (nonTransactional && project?.mixed === true) {
    return {
      upText: text,
      transaction: 'none',
      notes: [`flyway: ${projectFile} sets mixed=true, so this file, which holds ${nonTransactional}, runs wholly outside a transaction`],
    };
  }
  if (onlyNonTransactional) {
    return { upText: text, transaction: 'none', notes: ['flyway: runs this file outside a transaction, statement by statement: it holds only statements that cannot run in one'] };
  }
  if (nonTransactional) {
    // Flyway refuses the file before running any of it; the rest of it is linted as the wrapped migration it
    // becomes once the statement moves to a file of its own.
    return {
      upText: text,
      transaction: 'wrapped',
      refusedBecause: `Flyway refuses this migration before running any of it: it mixes ${nonTransactional}, which cannot run in a transaction, with statements that run in one, and mixed is not true`,
      notes: [`flyway: refuses this file, which mixes ${nonTransactional} with statements that run in a transaction (mixed is not true)`],
    };
  }
  return { upText: text, transaction: 'wrapped', notes: ['flyway: runs each migration in a transaction'] };
}

// diesel: https://docs.diesel.rs/main/diesel/migration/trait.MigrationMetadata.html, run_in_transaction defaults to true.
// Without the transaction, diesel_migrations still sends up.sql in one batch_execute, one simple query: PostgreSQL runs a
// query of several statements as one implicit transaction block ("Multiple Statements in a Simple Query").
const DIESEL_NO_TRANSACTION = /^[ \t]*run_in_transaction[ \t]*=[ \t]*false[ \t]*(?:#.*)?$/m;

function prepareDiesel(entry: MigrationEntry, text: string, siblings: SiblingFiles): PreparedMigration {
  const metadata = siblings.readFile(path.join(path.dirname(entry.absolutePath), 'metadata.toml')) ?? '';
  return DIESEL_NO_TRANSACTION.test(metadata)
    ? { upText: text, transaction: 'implicit', notes: ['diesel: metadata.toml sets run_in_transaction = false; the file still goes as one query'] }
    : { upText: text, transaction: 'wrapped', notes: ['diesel: runs each migration in a transaction'] };
}

// drizzle: drizzle-orm/src/migrator.ts splits each file at every `--> statement-breakpoint` and PgDialect.migrate sends the pieces
// one by one, inside the one transaction it opens for all pending migrations. A breakpoint ends a statement even without a `;`.
const DRIZZLE_BREAKPOINT = '--> statement-breakpoint';
const DRIZZLE_BREAKPOINT_AS_END = ';'.padEnd(DRIZZLE_BREAKPOINT.length);

function prepareDrizzle(_entry: MigrationEntry, text: string): PreparedMigration {
  return {
    upText: text.replaceAll(DRIZZLE_BREAKPOINT, DRIZZLE_BREAKPOINT_AS_END),
    transaction: 'wrapped',
    runner: { autocommitsAfterCommit: true, pendingInOneTransaction: "drizzle's migrator" },
    notes: ["drizzle: the migrator runs every pending migration inside one transaction, and has no switch to leave a file out of it"],
  };
}

// liquibase: each changeset runs in a transaction of its own unless runInTransaction:false (AbstractFormattedChangeLogParser,
// ChangeSet.execute); SqlChangeLogParser makes a plain .sql file one changeset, in a transaction, sent whole.
const LIQUIBASE_RUNNER: RunnerTraits = { wrapsEach: 'changeset' };
const LIQUIBASE_SQL_FILE_OPT_OUT = 'a file of its own, run by a sqlFile change of a changeSet with `runInTransaction="false"`';
// A plain SQL file has no --changeset line: a --changeset comment without the formatted header is only a comment.
const LIQUIBASE_PLAIN_FILE_OPT_OUT =
  'a file of its own that Liquibase runs outside a transaction: a formatted SQL changelog (`--liquibase formatted sql` as its first line, then `--changeset <author>:<id> runInTransaction:false`), or a file run by a sqlFile change of a changeSet with `runInTransaction="false"`';

/** Where Liquibase's splitter ends statements, for no-statement-split-by-tool to find one it cuts in two. */
function withCuts(runner: RunnerTraits, at: number[]): RunnerTraits {
  return at.length > 0 ? { ...runner, cutsQueries: { tool: 'liquibase', at } } : runner;
}

function prepareLiquibase(entry: MigrationEntry, text: string): PreparedMigration {
  if (entry.changeSet) {
    const { id, runInTransaction, splits } = entry.changeSet;
    const runner = withCuts({ ...LIQUIBASE_RUNNER, optOut: LIQUIBASE_SQL_FILE_OPT_OUT }, splits ? liquibaseStatementEnds(text) : []);
    if (runInTransaction) return { upText: text, transaction: 'wrapped', runner, notes: [`liquibase: changeset ${id} runs the file in a transaction`] };
    // Sent whole, the file goes to the JDBC driver as one string, whose statements PostgreSQL runs as one implicit transaction.
    return splits
      ? { upText: text, transaction: 'none', runner, notes: [`liquibase: changeset ${id} has runInTransaction="false", so each statement of the file commits on its own`] }
      : { upText: text, transaction: 'implicit', runner, notes: [`liquibase: changeset ${id} has runInTransaction="false" and sends the file whole, as one query`] };
  }
  if (!isFormattedSql(text)) {
    return { upText: text, transaction: 'wrapped', runner: { ...LIQUIBASE_RUNNER, optOut: LIQUIBASE_PLAIN_FILE_OPT_OUT }, notes: ['liquibase: a plain SQL file is one changeset, run in a transaction'] };
  }
  const { upText, transactions, statementEnds, notes } = prepareFormattedSql(text);
  const [first, ...later] = transactions;
  return {
    upText,
    transaction: first?.wrapped === false ? 'none' : 'wrapped',
    runner: withCuts(later.length > 0 ? { ...LIQUIBASE_RUNNER, transactionsFrom: later } : LIQUIBASE_RUNNER, statementEnds),
    notes: [
      ...(transactions.length > 1 ? [`liquibase: ${transactions.length} changesets, each committed before the next`] : first?.wrapped ? ['liquibase: runs its changeset in a transaction'] : []),
      ...notes,
    ],
  };
}

// atlas: https://atlasgo.io/versioned/apply ("--tx-mode file (default)"); sql/migrate/dir.go LocalFile.comments (file directives).
const ATLAS_TXMODE_NONE = /^--[ \t]*atlas:txmode[ \t]+none[ \t\r]*$/m;

function prepareAtlas(_entry: MigrationEntry, text: string): PreparedMigration {
  const { upText, notes: delimiterNotes } = withAtlasDelimiter(text);
  if (atlasFileDirective(text, 'txmode') === 'none') {
    return { upText, transaction: 'none', notes: ['atlas: -- atlas:txmode none', ...delimiterNotes] };
  }
  const notes = ['atlas: runs each file in a transaction (--tx-mode file)', ...delimiterNotes];
  if (ATLAS_TXMODE_NONE.test(text)) {
    notes.push(
      text.includes('\r\n')
        ? 'atlas: ignores this -- atlas:txmode none: Atlas reads no file directive from a file with CRLF line ends'
        : 'atlas: ignores this -- atlas:txmode none: file directives must open the file and be followed by an empty line',
    );
  }
  return { upText, transaction: 'wrapped', notes };
}

/**
 * `-- atlas:delimiter <text>` (https://atlasgo.io/versioned/new, "Custom statements delimiter"): Atlas ends each statement at
 * that text instead of a semicolon. Where it opens a line, it becomes a semicolon (and spaces), so that PostgreSQL's parser
 * ends the statement there too; a delimiter of whitespace alone (`\n\n`), or holding a line break, cannot be, and is said.
 */
function withAtlasDelimiter(text: string): { upText: string; notes: string[] } {
  const written = atlasFileDirective(text, 'delimiter');
  if (!written) return { upText: text, notes: [] };
  const delimiter = written.replace(/\\n/g, '\n').replace(/\\t/g, '\t');
  if (delimiter.trim() === '' || /[\r\n]/.test(delimiter)) return { upText: text, notes: [`atlas: statements end at ${JSON.stringify(delimiter)}, which lockwise cannot read: the file is read as PostgreSQL splits it`] };
  // The directive's own line is a comment: only the occurrences after it count.
  const from = text.indexOf('\n', text.indexOf(written)) + 1;
  const lineStart = new RegExp(`(^|\\n)([ \\t]*)${delimiter.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'g');
  const body = text.slice(from).replace(lineStart, (_match, newline: string, indent: string) => `${newline}${indent};${blank(delimiter).slice(1)}`);
  return { upText: text.slice(0, from) + body, notes: [`atlas: statements end at ${JSON.stringify(delimiter)} (-- atlas:delimiter)`] };
}

const ATLAS_DIRECTIVE = /^[ -~]*atlas:(\w+)(?: +([ -~]*))?/;

/**
 * Atlas reads file directives only from the comment lines that open the file, and only when an empty line follows them:
 * LocalFile.comments cuts each line at its \n, and wants the rest to start with spaces or tabs and a \n. So a file with
 * CRLF line ends has none (the rest starts with \r), nor has a file of comments alone.
 */
function atlasFileDirective(text: string, name: string): string | undefined {
  const comments: string[] = [];
  let content = text;
  while (content.startsWith('#') || content.startsWith('--')) {
    const end = content.indexOf('\n');
    if (end === -1) return undefined;
    comments.push(content.slice(0, end).trim());
    content = content.slice(end + 1);
  }
  if (!/^[ \t]*\n/.test(content)) return undefined;
  for (const comment of comments) {
    const match = ATLAS_DIRECTIVE.exec(comment);
    if (match?.[1] === name) return (match[2] ?? '').trim();
  }
  return undefined;
}
