/**
 * Flyway's file names, version order, script configuration files and the
 * statements its PostgreSQL parser will not run inside a transaction.
 * Sources: Flyway's migration naming docs ("dots or underscores separate as many parts as you like"),
 * flyway/flyway MigrationVersion (version order), Flyway 6.1.0 release notes and
 * https://documentation.red-gate.com/fd/flyway-execute-in-transaction-setting-277578997.html (script config),
 * flyway/flyway PostgreSQLParser.detectCanExecuteInTransaction and Parser (detection).
 */
import path from 'node:path';

export type FlywayFileName =
  | { kind: 'versioned'; version: string; description: string }
  | { kind: 'repeatable'; description: string }
  | { kind: 'undo'; version: string }
  | { kind: 'baseline'; version: string }
  | { kind: 'invalid'; reason: string };

/** `V1.2__name.sql`: the version runs up to the first `__`. */
const FLYWAY_NAME = /^([VRUB])(.*?)__(.+)\.sql$/;
const FLYWAY_VERSION = /^\d+(?:[._]\d+)*$/;

export function parseFlywayFileName(fileName: string): FlywayFileName {
  const match = FLYWAY_NAME.exec(fileName);
  if (!match) return { kind: 'invalid', reason: 'not a Flyway migration name (V<version>__<description>.sql or R__<description>.sql)' };
  const [, prefix, version = '', description = ''] = match;
  if (prefix === 'R') {
    return version === '' ? { kind: 'repeatable', description } : { kind: 'invalid', reason: 'a repeatable migration has no version: R__<description>.sql' };
  }
  if (!FLYWAY_VERSION.test(version)) return { kind: 'invalid', reason: `"${version}" is not a Flyway version (numbers separated by . or _)` };
  if (prefix === 'U') return { kind: 'undo', version };
  if (prefix === 'B') return { kind: 'baseline', version };
  return { kind: 'versioned', version, description };
}

/** Part by part, numerically, a missing part counting as 0: `4.11` < `4.11.0.1` < `4.12`, and `1` equals `1.0`. */
export function compareFlywayVersions(a: string, b: string): number {
  const partsA = a.split(/[._]/).map(BigInt);
  const partsB = b.split(/[._]/).map(BigInt);
  for (let i = 0; i < Math.max(partsA.length, partsB.length); i++) {
    const difference = (partsA[i] ?? 0n) - (partsB[i] ?? 0n);
    if (difference !== 0n) return difference < 0n ? -1 : 1;
  }
  return 0;
}

/** `executeInTransaction` from a script configuration file (`V1__x.sql.conf`), in its properties or TOML form. */
export function scriptConfigExecuteInTransaction(config: string): boolean | undefined {
  const match = /^[ \t]*executeInTransaction[ \t]*=[ \t]*"?(true|false)"?[ \t]*(?:#.*)?$/im.exec(config);
  return match ? match[1]!.toLowerCase() === 'true' : undefined;
}

/** The project-wide settings of Flyway's that decide whether a migration runs in a transaction. */
export interface FlywayProjectConfig {
  /** The configuration file they come from. */
  file: string;
  /** `flyway.executeInTransaction`: false runs every migration outside a transaction. */
  executeInTransaction?: boolean;
  /** `flyway.mixed`: true runs a migration that holds a non-transactional statement wholly outside a transaction. */
  mixed?: boolean;
}

/** Where Flyway looks for its configuration in the folder it runs from: the TOML file first (Flyway 10), then the legacy one. */
const PROJECT_CONFIG_FILES = ['flyway.toml', 'flyway.conf', path.join('conf', 'flyway.conf')];

/**
 * The nearest Flyway configuration file in the migrations' folder or above it, the folder Flyway is
 * most likely run from. Flyway also merges configuration from its installation, the user's home,
 * -configFiles and FLYWAY_* environment variables, which lockwise cannot see.
 */
export function findFlywayProjectConfig(folder: string, readFile: (absolutePath: string) => string | undefined): FlywayProjectConfig | undefined {
  for (let dir = folder; ; dir = path.dirname(dir)) {
    for (const name of PROJECT_CONFIG_FILES) {
      const file = path.join(dir, name);
      const text = readFile(file);
      if (text !== undefined) return { file, ...(name.endsWith('.toml') ? tomlSettings(text) : propertiesSettings(text)) };
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

type TransactionSettings = Omit<FlywayProjectConfig, 'file'>;
const SETTINGS = ['executeInTransaction', 'mixed'] as const;

/** `flyway.executeInTransaction=false` in a Java properties file. */
function propertiesSettings(text: string): TransactionSettings {
  const settings: TransactionSettings = {};
  for (const name of SETTINGS) {
    const match = new RegExp(`^[ \\t]*flyway\\.${name}[ \\t]*[=:][ \\t]*(true|false)[ \\t]*$`, 'im').exec(text);
    if (match) settings[name] = match[1]!.toLowerCase() === 'true';
  }
  return settings;
}

/** `executeInTransaction = false` in the `[flyway]` table of a TOML file; environment tables are left out. */
function tomlSettings(text: string): TransactionSettings {
  const settings: TransactionSettings = {};
  let inFlywayTable = false;
  for (const line of text.split(/\r?\n/)) {
    const header = /^[ \t]*\[([^\]]*)\][ \t]*(?:#.*)?$/.exec(line);
    if (header) {
      inFlywayTable = header[1]!.trim() === 'flyway';
      continue;
    }
    const setting = /^[ \t]*(executeInTransaction|mixed)[ \t]*=[ \t]*(true|false)[ \t]*(?:#.*)?$/.exec(line);
    if (inFlywayTable && setting) settings[setting[1] as (typeof SETTINGS)[number]] = setting[2] === 'true';
  }
  return settings;
}

/**
 * Flyway's PostgreSQL parser matches these against the first keywords of each
 * statement; one match makes Flyway run the whole file outside a transaction.
 * `ALTER TYPE ... ADD VALUE` is left out: Flyway counts it only below PostgreSQL 12.
 */
const NON_TRANSACTIONAL_STARTS = [
  /^(CREATE|DROP) (DATABASE|TABLESPACE|SUBSCRIPTION)$/,
  /^ALTER SYSTEM$/,
  /^(CREATE|DROP)( UNIQUE)? INDEX CONCURRENTLY$/,
  /^REINDEX( VERBOSE)? (SCHEMA|DATABASE|SYSTEM)$/,
  /^VACUUM$/,
  /^DISCARD ALL$/,
];
/** Flyway stops looking for a non-transactional start after this many keywords. */
const DETECTION_CUTOFF = 10;

/** The start of the first statement Flyway will not run in a transaction, e.g. "CREATE INDEX CONCURRENTLY". */
export function flywayNonTransactionalStatement(sql: string): string | undefined {
  return flywayStatementKinds(sql).nonTransactional;
}

/**
 * What Flyway's parser finds in a file: the start of its first statement that cannot run in a transaction, and
 * whether every statement is such (ParserSqlScript: it then runs the file outside a transaction, statement by
 * statement; a file with both kinds it refuses unless mixed=true).
 */
export function flywayStatementKinds(sql: string): { nonTransactional: string | undefined; onlyNonTransactional: boolean } {
  let nonTransactional: string | undefined;
  let transactionalFound = false;
  for (const keywords of statementKeywords(sql)) {
    const start = nonTransactionalStart(keywords);
    nonTransactional ??= start;
    transactionalFound ||= start === undefined;
  }
  return { nonTransactional, onlyNonTransactional: nonTransactional !== undefined && !transactionalFound };
}

function nonTransactionalStart(keywords: readonly string[]): string | undefined {
  for (let count = 1; count <= Math.min(keywords.length, DETECTION_CUTOFF); count++) {
    const start = keywords.slice(0, count).join(' ');
    if (NON_TRANSACTIONAL_STARTS.some((pattern) => pattern.test(start))) return start;
  }
  return undefined;
}

const LINE_COMMENT = /--[^\r\n]*/y;
const BARE_WORD = /[\p{L}_][\p{L}\p{N}_$]*(?:\.(?:"[^"]*"|[\p{L}_][\p{L}\p{N}_$]*))*/uy;
const KEYWORD = /^[A-Za-z_]+$/;
const DOLLAR_QUOTE = /\$(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/y;
const PREFIXED_STRING = /(?:[EeBbXx]|[Uu]&)'/y;

/**
 * The keywords of each statement as Flyway's parser collects them: bare words of
 * letters and underscores outside parentheses, upper-cased; comments, strings,
 * quoted identifiers and dollar-quoted bodies skipped; statements end at `;`.
 */
function statementKeywords(sql: string): string[][] {
  const statements: string[][] = [];
  let keywords: string[] = [];
  let depth = 0;
  let i = 0;
  const skipPast = (terminator: string, from: number): number => {
    const end = sql.indexOf(terminator, from);
    return end === -1 ? sql.length : end + terminator.length;
  };
  const skipQuoted = (quote: string, from: number): number => {
    let end = skipPast(quote, from + 1);
    while (sql[end] === quote) end = skipPast(quote, end + 1);
    return end;
  };
  while (i < sql.length) {
    const character = sql[i]!;
    LINE_COMMENT.lastIndex = i;
    if (LINE_COMMENT.test(sql)) {
      i = LINE_COMMENT.lastIndex;
      continue;
    }
    if (sql.startsWith('/*', i)) {
      i = skipPast('*/', i + 2);
      continue;
    }
    if (character === "'" || character === '"') {
      i = skipQuoted(character, i);
      continue;
    }
    PREFIXED_STRING.lastIndex = i;
    if (PREFIXED_STRING.test(sql)) {
      i = skipQuoted("'", PREFIXED_STRING.lastIndex - 1);
      continue;
    }
    DOLLAR_QUOTE.lastIndex = i;
    const dollarQuote = DOLLAR_QUOTE.exec(sql);
    if (dollarQuote) {
      i = skipPast(dollarQuote[0], DOLLAR_QUOTE.lastIndex);
      continue;
    }
    BARE_WORD.lastIndex = i;
    const word = BARE_WORD.exec(sql);
    if (word) {
      if (depth === 0 && KEYWORD.test(word[0])) keywords.push(word[0].toUpperCase());
      i = BARE_WORD.lastIndex;
      continue;
    }
    if (character === '(') depth++;
    if (character === ')') depth = Math.max(0, depth - 1);
    if (character === ';' && depth === 0) {
      if (keywords.length > 0) statements.push(keywords);
      keywords = [];
    }
    i++;
  }
  if (keywords.length > 0) statements.push(keywords);
  return statements;
}
