import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { toPosix } from '../source/paths.js';
import type { ToolTransaction } from '../model/session-state.js';
import { blank } from './up-text.js';
import { ternStatementEnds } from './prepare.js';

// Liquibase, from its source (liquibase-standard): AbstractFormattedChangeLogParser and FormattedSqlChangeLogParser read a
// formatted SQL changelog; SqlChangeLogParser takes any other .sql file as one changeset, run in a transaction; the XML,
// YAML and JSON parsers read `include`, `includeAll` and `changeSet` entries in the order written.

/** The start of a formatted SQL changelog, where its first line that is not blank should be. */
export const FORMATTED_SQL_HEAD_BYTES = 512;
/** FIRST_LINE_REGEX: a formatted SQL changelog's first line that is not blank. */
const FORMATTED_FIRST_LINE = /^\s*--\s*liquibase\s*formatted.*/i;
/** CHANGE_SET_REGEX, matched against the whole line. */
const CHANGE_SET = /^\s*--[\s]*changeset\s+("[^"]+"|[^:]+):\s*("[^"]+"|\S+).*$/i;
/** IGNORE_LINES_REGEX: `--ignoreLines:start` ... `--ignoreLines:end`, or `--ignoreLines:<count>` for the lines after it. */
const IGNORE_LINES = /^--[\s]*ignoreLines:(\w+)$/i;
const RUN_IN_TRANSACTION = /^.*runInTransaction:(\w+).*$/i;
const DBMS = /^.*dbms:([^,][\w!,]+).*$/i;
const END_DELIMITER = /^.*\bendDelimiter:(\S*).*$/i;
const CONTEXT = /^.*\b(?:context|contextFilter|labels):(".*?"|\S*).*$/i;
const SPLIT_STATEMENTS = /^.*splitStatements:(\w+).*$/i;

/** The extensions of the changelogs Liquibase reads besides SQL. */
const CHANGELOG_EXTENSIONS = /\.(xml|ya?ml|json)$/i;

export function isFormattedSql(text: string): boolean {
  const firstLine = text.split(/\r?\n/).find((line) => line.trim() !== '');
  return firstLine !== undefined && FORMATTED_FIRST_LINE.test(firstLine);
}

/** The changeset of a changelog that runs an SQL file through `sqlFile`, as far as it changes how the file runs. */
export interface LiquibaseChangeSet {
  id: string;
  runInTransaction: boolean;
  /** The sqlFile change leaves splitStatements at true and names no endDelimiter: Liquibase's splitter cuts the file. */
  splits: boolean;
}

export interface PreparedChangelog {
  upText: string;
  /** The tool begins anew at each changeset after the first; the first one's mode is the file's. */
  transactions: ToolTransaction[];
  /** Where Liquibase's splitter ends a statement (liquibaseStatementEnds), in the changesets it splits. */
  statementEnds: number[];
  notes: string[];
}

/**
 * A formatted SQL changelog as Liquibase runs it on PostgreSQL: each changeset in a transaction of its own (without one under
 * runInTransaction:false); what comes before the first changeset, lines under --ignoreLines, and changesets whose dbms leaves
 * PostgreSQL out are blanked. --rollback, --preconditions and --comment lines are SQL comments as they stand.
 */
export function prepareFormattedSql(text: string): PreparedChangelog {
  const out: string[] = [];
  const transactions: ToolTransaction[] = [];
  const notes: string[] = [];
  let offset = 0;
  let inChangeSet = false;
  let skipping = false;
  let ignoreUntilEnd = false;
  let ignoreCount = 0;
  let endDelimiter: string | undefined;
  /** The changesets Liquibase splits at semicolons: where each starts, in bytes. */
  const split: number[] = [];
  /** The changesets outside a transaction sent whole (splitStatements:false), by their index in transactions. */
  const sentWhole: number[] = [];
  for (const [line, ending] of linesWithEndings(text)) {
    const start = offset;
    offset += Buffer.byteLength(line + ending, 'utf8');
    const bare = line.replace(/\r$/, '');
    if (ignoreUntilEnd) {
      if (IGNORE_LINES.exec(bare.trim())?.[1] === 'end') ignoreUntilEnd = false;
      out.push(blank(line) + ending);
      continue;
    }
    if (ignoreCount > 0) {
      ignoreCount--;
      out.push(blank(line) + ending);
      continue;
    }
    const ignore = IGNORE_LINES.exec(bare.trim())?.[1];
    if (ignore !== undefined) {
      if (ignore === 'start') ignoreUntilEnd = true;
      else if (/^\d+$/.test(ignore)) ignoreCount = Number(ignore);
      out.push(blank(line) + ending);
      continue;
    }
    const changeSet = CHANGE_SET.exec(bare);
    if (changeSet) {
      inChangeSet = true;
      const runInTransaction = RUN_IN_TRANSACTION.exec(bare)?.[1]?.toLowerCase() !== 'false';
      skipping = !runsOnPostgres(DBMS.exec(bare)?.[1]);
      endDelimiter = END_DELIMITER.exec(bare)?.[1] || undefined;
      const id = `${stripQuotes(changeSet[1]!.trim())}:${stripQuotes(changeSet[2]!)}`;
      if (skipping) notes.push(`liquibase: changeset ${id} is not for PostgreSQL (dbms), not run`);
      else {
        const splits = SPLIT_STATEMENTS.exec(bare)?.[1]?.toLowerCase() !== 'false';
        transactions.push({ at: start, wrapped: runInTransaction });
        if (!runInTransaction && !splits) sentWhole.push(transactions.length - 1);
        if (splits && !endDelimiter) split.push(start);
        if (!runInTransaction && splits) notes.push(`liquibase: changeset ${id} has runInTransaction:false, so each of its statements commits on its own`);
        if (!runInTransaction && !splits) notes.push(`liquibase: changeset ${id} has runInTransaction:false and splitStatements:false: the JDBC driver sends it as one query, which PostgreSQL runs as one implicit transaction when it holds several statements`);
        const context = CONTEXT.exec(bare)?.[1];
        if (context) notes.push(`liquibase: changeset ${id} runs only in some contexts or labels (${stripQuotes(context)}); linted as if it runs`);
        if (endDelimiter && endDelimiter !== ';') notes.push(`liquibase: changeset ${id} ends its statements with ${endDelimiter}, read as a semicolon on a line of its own`);
      }
      out.push(line + ending);
      continue;
    }
    if (!inChangeSet || skipping) {
      // Liquibase drops what precedes the first changeset, and a changeset it does not run.
      out.push(blank(line) + ending);
      continue;
    }
    if (endDelimiter && endDelimiter !== ';' && bare.trim() === endDelimiter) {
      out.push(`;${blank(line).slice(1)}${ending}`);
      continue;
    }
    out.push(line + ending);
  }
  if (transactions.length === 0) notes.push('liquibase: a formatted SQL changelog with no changeset for PostgreSQL runs nothing');
  const upText = out.join('');
  const upBytes = Buffer.from(upText, 'utf8');
  // Each split changeset runs to the next changeset's line.
  const starts = transactions.map(({ at }) => at);
  const statementEnds = split.flatMap((start) => {
    const end = starts.find((at) => at > start) ?? upBytes.length;
    return liquibaseStatementEnds(upBytes.subarray(start, end).toString('utf8'), start);
  });
  // A changeset sent whole outside a transaction: several statements in one query run as one implicit transaction block.
  for (const index of sentWhole) {
    const start = starts[index]!;
    const body = upBytes.subarray(start, starts[index + 1] ?? upBytes.length).toString('utf8');
    if (statementCount(body) > 1) transactions[index] = { at: start, wrapped: true };
  }
  return { upText, transactions, statementEnds, notes };
}

/** Liquibase's DbmsTargetedChange: `all`, `none`, a list, or negations (`!h2`). */
function runsOnPostgres(dbms: string | undefined): boolean {
  if (!dbms) return true;
  const names = dbms.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
  if (names.includes('none')) return false;
  if (names.includes('all')) return true;
  if (names.includes('!postgresql')) return false;
  const wanted = names.filter((name) => !name.startsWith('!'));
  return wanted.length === 0 || wanted.includes('postgresql');
}

/** PostgreSQL's statements in a changeset's text, as its splitting reads them (tern's splitter knows dollar quotes too). */
function statementCount(body: string): number {
  const ends = ternStatementEnds(body);
  const bytes = Buffer.from(body, 'utf8');
  const tail = bytes.subarray(ends.at(-1) ?? 0).toString('utf8').replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
  return ends.length + (tail.trim() === '' ? 0 : 1);
}

function stripQuotes(value: string): string {
  return value.replace(/^"(.*)"$/, '$1');
}

function* linesWithEndings(text: string): Generator<[string, string]> {
  let start = 0;
  while (start <= text.length) {
    const end = text.indexOf('\n', start);
    if (end === -1) {
      if (start < text.length) yield [text.slice(start), ''];
      return;
    }
    yield [text.slice(start, end), '\n'];
    start = end + 1;
  }
}

/** One entry of a changelog, in the order written. */
type ChangelogEntry =
  | { kind: 'include'; file: string; relative: boolean }
  | { kind: 'includeAll'; path: string; relative: boolean }
  | { kind: 'changeSet'; id: string; runInTransaction: boolean; dbms: string | undefined; sqlFiles: Array<{ path: string; relative: boolean; splits: boolean }>; otherChanges: number };

/** A file the changelogs name, in the order Liquibase runs it. */
export interface ChangelogMigration {
  absolutePath: string;
  changeSet?: LiquibaseChangeSet;
}

export interface ChangelogListing {
  migrations: ChangelogMigration[];
  ignored: Array<{ absolutePath: string; reason: string }>;
  /** Said on stderr: what lockwise cannot read, or Liquibase refuses. */
  problems: string[];
}

/**
 * The changelogs directly in a folder (XML, YAML or JSON files with a databaseChangeLog), by name; with namedAsChangelog, only
 * those whose name says so (`db.changelog-master.yaml`, `changelog.xml`), as for a folder above the ones linted.
 */
export function changelogsIn(dir: string, files?: readonly string[], { namedAsChangelog = false } = {}): string[] {
  let names = files;
  if (!names) {
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
  }
  return names.filter((name) => CHANGELOG_EXTENSIONS.test(name) && (!namedAsChangelog || /changelog|liquibase/i.test(name)) && holdsChangeLog(path.join(dir, name))).sort();
}

function holdsChangeLog(file: string): boolean {
  try {
    const stats = statSync(file);
    return stats.isFile() && stats.size < 4_000_000 && readFileSync(file, 'utf8').includes('databaseChangeLog');
  } catch {
    return false;
  }
}

/**
 * The master changelog of a folder: the one no other changelog of the folder includes, preferring a name with "master" in it
 * (Spring Boot's db.changelog-master.yaml) when several are.
 */
export async function masterChangelog(dir: string, changelogs: readonly string[]): Promise<string | undefined> {
  if (changelogs.length <= 1) return changelogs[0] && path.join(dir, changelogs[0]);
  const included = new Set<string>();
  for (const name of changelogs) {
    const file = path.join(dir, name);
    for (const entry of (await readChangelog(file)).entries) {
      if (entry.kind === 'include') for (const resolved of resolveResource(entry.file, entry.relative, file, file)) included.add(resolved);
    }
  }
  const roots = changelogs.filter((name) => !included.has(path.join(dir, name)));
  const candidates = roots.length > 0 ? roots : changelogs;
  const chosen = candidates.find((name) => /master/i.test(name)) ?? candidates[0]!;
  return path.join(dir, chosen);
}

/** Every SQL file the master changelog runs, through its includes, in Liquibase's order. */
export async function listChangelog(master: string): Promise<ChangelogListing> {
  const listing: ChangelogListing = { migrations: [], ignored: [], problems: [] };
  // Said under the folder the master changelog is in.
  const shown = (file: string): string => toPosix(path.relative(path.dirname(master), file)) || '.';
  const seen = new Set<string>();
  const visited = new Set<string>();
  let changesInChangelogs = 0;
  const addSql = (absolutePath: string, includedBy: string, changeSet?: LiquibaseChangeSet): void => {
    if (!existsSync(absolutePath)) {
      listing.problems.push(`${shown(includedBy)} includes ${shown(absolutePath)}, which does not exist: Liquibase fails on it before it runs any changeset`);
      return;
    }
    if (seen.has(absolutePath) && !changeSet) {
      listing.ignored.push({ absolutePath, reason: `included again by ${shown(includedBy)}; Liquibase runs its changesets once` });
      return;
    }
    seen.add(absolutePath);
    listing.migrations.push({ absolutePath, ...(changeSet ? { changeSet } : {}) });
  };
  const visit = async (changelog: string, depth: number): Promise<void> => {
    if (visited.has(changelog) || depth > 20) return;
    visited.add(changelog);
    const { entries, problem } = await readChangelog(changelog);
    if (problem) listing.problems.push(`${shown(changelog)}: ${problem}`);
    for (const entry of entries) {
      if (entry.kind === 'include') {
        const [file] = resolveResource(entry.file, entry.relative, changelog, master);
        if (!file) {
          listing.problems.push(`${shown(changelog)} includes ${entry.file}, which is in neither the master changelog's folder nor a folder above it: the files after it are linted without its changes`);
        } else if (CHANGELOG_EXTENSIONS.test(file)) await visit(file, depth + 1);
        else if (file.toLowerCase().endsWith('.sql')) addSql(file, changelog);
      } else if (entry.kind === 'includeAll') {
        const [folder] = resolveResource(entry.path, entry.relative, changelog, master, true);
        if (!folder) {
          listing.problems.push(`${shown(changelog)} includes all of ${entry.path}, which is in neither the master changelog's folder nor a folder above it`);
          continue;
        }
        // includeAll takes the folder's changelogs, in its subfolders too, in the order of their paths as strings.
        const found = await glob(['**/*.sql', '**/*.xml', '**/*.yaml', '**/*.yml', '**/*.json'], { cwd: folder, absolute: true });
        const files = found.map(path.normalize).sort((a, b) => compareCodeUnits(toPosix(a), toPosix(b)));
        for (const file of files) {
          if (file.toLowerCase().endsWith('.sql')) addSql(file, changelog);
          else if (holdsChangeLog(file)) await visit(file, depth + 1);
        }
      } else {
        if (!runsOnPostgres(entry.dbms)) continue;
        for (const sqlFile of entry.sqlFiles) {
          const [file] = resolveResource(sqlFile.path, sqlFile.relative, changelog, master);
          if (file) addSql(file, changelog, { id: entry.id, runInTransaction: entry.runInTransaction, splits: sqlFile.splits });
          else listing.problems.push(`${shown(changelog)}: changeset ${entry.id} runs ${sqlFile.path}, which is in neither the master changelog's folder nor a folder above it`);
        }
        changesInChangelogs += entry.otherChanges;
      }
    }
  };
  await visit(master, 0);
  if (changesInChangelogs > 0) {
    listing.problems.push(
      `${shown(master)}: ${changesInChangelogs} ${changesInChangelogs === 1 ? 'change is' : 'changes are'} written in the changelogs themselves (XML, YAML or JSON, not an SQL file): lockwise neither lints nor replays ${changesInChangelogs === 1 ? 'it' : 'them'}`,
    );
  }
  return listing;
}

/** Java's String.compareTo: UTF-16 code units, as JavaScript compares strings. */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Where a changelog's path points: next to the changelog with relativeToChangelogFile, otherwise on Liquibase's search path
 * (the classpath, `src/main/resources` in a Spring project), which lockwise takes to be the master changelog's folder or one
 * above it, the nearest where the path exists.
 */
function resolveResource(reference: string, relative: boolean, changelog: string, master: string, folder = false): string[] {
  const name = reference.replace(/^classpath\*?:/, '').replace(/^\/+/, '');
  const exists = (candidate: string): boolean => {
    try {
      const stats = statSync(candidate);
      return folder ? stats.isDirectory() : stats.isFile();
    } catch {
      return false;
    }
  };
  if (relative) {
    const candidate = path.resolve(path.dirname(changelog), name);
    return [candidate];
  }
  if (path.isAbsolute(reference) && exists(reference)) return [reference];
  const found: string[] = [];
  for (let dir = path.dirname(master), depth = 0; depth < 8; depth++) {
    const candidate = path.join(dir, name);
    if (exists(candidate)) found.push(candidate);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const besideChangelog = path.resolve(path.dirname(changelog), name);
  if (found.length === 0 && exists(besideChangelog)) found.push(besideChangelog);
  return found;
}

async function readChangelog(file: string): Promise<{ entries: ChangelogEntry[]; problem?: string }> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { entries: [], problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  try {
    if (/\.xml$/i.test(file)) return { entries: await xmlEntries(text) };
    // JSON is YAML too.
    return { entries: yamlEntries(defaultExport(await import('yaml')).parse(text) as unknown) };
  } catch (error) {
    return { entries: [], problem: `not a changelog lockwise can read (${(error as Error).message.split('\n')[0]})` };
  }
}

/** A CommonJS package imported from the bundle comes as its default export. */
function defaultExport<Module extends object>(module: Module): Module {
  return 'default' in module && module.default && typeof module.default === 'object' ? (module.default as Module) : module;
}

function flag(value: unknown, otherwise: boolean): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.trim().toLowerCase() === 'true' ? true : value.trim().toLowerCase() === 'false' ? false : otherwise;
  return otherwise;
}

function yamlEntries(document: unknown): ChangelogEntry[] {
  const list = (document as { databaseChangeLog?: unknown } | null)?.databaseChangeLog;
  if (!Array.isArray(list)) return [];
  const entries: ChangelogEntry[] = [];
  for (const item of list as Array<Record<string, Record<string, unknown> | undefined>>) {
    if (!item || typeof item !== 'object') continue;
    const include = item.include;
    if (include && typeof include.file === 'string') entries.push({ kind: 'include', file: include.file, relative: flag(include.relativeToChangelogFile, false) });
    const includeAll = item.includeAll;
    if (includeAll && typeof includeAll.path === 'string') entries.push({ kind: 'includeAll', path: includeAll.path, relative: flag(includeAll.relativeToChangelogFile, false) });
    const changeSet = item.changeSet;
    if (changeSet) {
      const changes = Array.isArray(changeSet.changes) ? (changeSet.changes as Array<Record<string, Record<string, unknown>>>) : [];
      const sqlFiles = changes.flatMap((change) =>
        change?.sqlFile && typeof change.sqlFile.path === 'string'
          ? [{ path: change.sqlFile.path, relative: flag(change.sqlFile.relativeToChangelogFile, false), splits: flag(change.sqlFile.splitStatements, true) && !change.sqlFile.endDelimiter }]
          : [],
      );
      entries.push({
        kind: 'changeSet',
        id: String(changeSet.id ?? '?'),
        runInTransaction: flag(changeSet.runInTransaction, true),
        dbms: typeof changeSet.dbms === 'string' ? changeSet.dbms : undefined,
        sqlFiles,
        otherChanges: changes.length - sqlFiles.length,
      });
    }
  }
  return entries;
}

type XmlNode = Record<string, unknown> & { ':@'?: Record<string, string> };

async function xmlEntries(text: string): Promise<ChangelogEntry[]> {
  const { XMLParser } = defaultExport(await import('fast-xml-parser'));
  const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', removeNSPrefix: true, parseAttributeValue: false });
  const document = parser.parse(text) as XmlNode[];
  const tagOf = (node: XmlNode): string | undefined => Object.keys(node).find((key) => key !== ':@' && key !== '#text');
  const root = document.find((node) => tagOf(node) === 'databaseChangeLog');
  if (!root) return [];
  const entries: ChangelogEntry[] = [];
  for (const node of (root.databaseChangeLog as XmlNode[]) ?? []) {
    const tag = tagOf(node);
    const attributes = node[':@'] ?? {};
    if (tag === 'include' && attributes.file) entries.push({ kind: 'include', file: attributes.file, relative: flag(attributes.relativeToChangelogFile, false) });
    else if (tag === 'includeAll' && attributes.path) entries.push({ kind: 'includeAll', path: attributes.path, relative: flag(attributes.relativeToChangelogFile, false) });
    else if (tag === 'changeSet') {
      const changes = ((node.changeSet as XmlNode[]) ?? []).filter((child) => {
        const childTag = tagOf(child);
        return childTag !== undefined && !['comment', 'preConditions', 'rollback', 'validCheckSum', 'tagDatabase'].includes(childTag);
      });
      const sqlFiles = changes
        .filter((child) => tagOf(child) === 'sqlFile' && child[':@']?.path)
        .map((child) => {
          const sqlFile = child[':@']!;
          return { path: sqlFile.path!, relative: flag(sqlFile.relativeToChangelogFile, false), splits: flag(sqlFile.splitStatements, true) && !sqlFile.endDelimiter };
        });
      entries.push({ kind: 'changeSet', id: attributes.id ?? '?', runInTransaction: flag(attributes.runInTransaction, true), dbms: attributes.dbms, sqlFiles, otherChanges: changes.length - sqlFiles.length });
    }
  }
  return entries;
}

// SimpleSqlGrammar's tokens, as far as the splitter tells them apart: comments (stripped before splitting), quoted strings
// (a backslash escapes a quote, as in MySQL), words, in which `$` is a letter (so a dollar quote is a word, and its body is
// read as SQL), and single symbols.
const LIQUIBASE_TOKEN =
  /([ \t\n\r\u0085\u00a0\u1680\u180e\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff]+)|(--[^\r\n]*|\/\*[\s\S]*?\*\/)|((?:[UENRB]|RB|_utf8)?'(?:''|\\.|[^\\'])*'|"(?:""|\\.|[^\\"])*")|([A-Za-z_$\u00c0-\uffff][A-Za-z0-9_$#@\u00c0-\uffff]*(?:[\r\n ]*\.[\r\n ]*(?:[A-Za-z_$\u00c0-\uffff][A-Za-z0-9_$#@\u00c0-\uffff]*|"[^"\r\n]+"))*)|([\s\S])/gy;
/** A BEGIN followed by these starts no block; an END followed by the first three ends none. */
const NOT_A_BLOCK_AFTER_BEGIN = new Set(['transaction', 'trans', 'tran', 'dialog', 'conversation', 'distributed']);
const NOT_A_BLOCK_AFTER_END = new Set(['transaction', 'trans', 'tran']);

/**
 * Where Liquibase's splitter (StringUtil.processMultiLineSQL) ends each statement of a changeset with splitStatements left at
 * true and no endDelimiter: after every `;` outside comments and quotes while no BEGIN it counted is open (an END closes one,
 * `END IF` and `END LOOP` too), and at `GO` or `/` opening a line. It knows no dollar quotes: a function body's `;` outside a
 * BEGIN ... END (a DECLARE section, a LANGUAGE sql body, after an `END IF`) ends a statement. Byte offsets just after each.
 */
export function liquibaseStatementEnds(text: string, from = 0): number[] {
  const tokens: Array<{ kind: 'space' | 'comment' | 'string' | 'word' | 'symbol'; text: string; index: number }> = [];
  LIQUIBASE_TOKEN.lastIndex = 0;
  for (let match = LIQUIBASE_TOKEN.exec(text); match; match = LIQUIBASE_TOKEN.exec(text)) {
    const kind = match[1] ? 'space' : match[2] ? 'comment' : match[3] ? 'string' : match[4] ? 'word' : 'symbol';
    // Comments are stripped first (stripComments defaults to true): what is left of a line joins the next.
    if (kind !== 'comment') tokens.push({ kind, text: match[0], index: match.index });
  }
  // The next token that is not whitespace, for each token: BEGIN TRANSACTION opens no block.
  const nextWord: Array<string | undefined> = new Array(tokens.length);
  for (let position = tokens.length - 1, following: string | undefined; position >= 0; position--) {
    nextWord[position] = following;
    if (tokens[position]!.kind !== 'space') following = tokens[position]!.text.toLowerCase();
  }
  const ends: number[] = [];
  let bytes = from;
  let counted = 0;
  const byteAfter = (index: number): number => {
    bytes += Buffer.byteLength(text.slice(counted, index + 1), 'utf8');
    counted = index + 1;
    return bytes;
  };
  let blocks = 0;
  let previous: string | undefined;
  tokens.forEach((token, position) => {
    const next = nextWord[position];
    const word = token.kind === 'word' ? token.text.toLowerCase() : undefined;
    if (word === 'begin' && !NOT_A_BLOCK_AFTER_BEGIN.has(next ?? '')) blocks++;
    if (word === 'end' && blocks > 0 && !NOT_A_BLOCK_AFTER_END.has(next ?? '')) blocks--;
    const lineStart = previous === undefined || previous.endsWith('\n');
    const delimiter = token.text === ';' || (lineStart && (token.text === '/' || word === 'go'));
    if (blocks === 0 && delimiter) ends.push(byteAfter(token.index));
    previous = token.text;
  });
  return ends;
}
