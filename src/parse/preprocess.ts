import type { ByteRange } from '../source/source-file.js';
import { scanTokens } from './scan.js';

export interface SkippedText {
  range: ByteRange;
  /**
   * `branch not taken`: a statement of a DO block's IF branch that the schema the migrations built says does not run, so it is neither
   * checked nor replayed. `function lockwise cannot read`: a SELECT or CALL of a function neither PostgreSQL nor the migrations made.
   */
  kind: 'psql meta-command' | 'psql variable' | 'template placeholder' | 'dynamic SQL' | 'branch not taken' | 'function lockwise cannot read';
  text: string;
  /** For a placeholder or variable: the length of the run of underscores that stands for it in the parsed SQL. */
  identifierLength?: number;
  /** For a function lockwise cannot read: its name as written (`partman.create_parent`). */
  function?: string;
}

export interface PreprocessedSql {
  /** The SQL to parse: same UTF-8 byte length and line breaks as the input, so every position stays exact. */
  sqlText: string;
  skipped: SkippedText[];
}

/** `{{ name }}` (Jinja, Mustache, Go templates) and `${name}` (Flyway, shell-style). */
// `${}` with nothing inside is no tool's placeholder (a JavaScript string in a function body, Sirimbo's).
const TEMPLATE_PLACEHOLDER = /\{\{[\s\S]*?\}\}|\$\{[^}\n]+\}/g;
/** A backslash command at the start of a line, as psql reads it: `\set`, `\echo`, `\i file`, `\connect db`. */
const META_COMMAND_LINE = /^[ \t]*\\[^\r\n]*/gm;
/**
 * The commands that send the query buffer to the server as a `;` would: `\g`, `\gx`, `\gset`, `\gexec`, `\gdesc`,
 * `\crosstabview`, `\watch`. `SELECT ... \gset` with no `;` is a whole statement in psql, so the backslash becomes a `;`.
 */
const QUERY_SENDING_COMMAND = String.raw`\\(?:g|gx|gset|gexec|gdesc|crosstabview|watch)(?![A-Za-z])`;
/** A meta-command line that is one of them. */
const SENDS_QUERY = new RegExp(`^[ \\t]*${QUERY_SENDING_COMMAND}`);
/** Cheap test before scanning: a colon that is not part of `::` or `:=` and starts a psql variable. */
const MAYBE_PSQL_VARIABLE = /(?<!:):(?![:=])['"A-Za-z_]/;

/**
 * Real migrations hold text PostgreSQL's parser rejects: psql meta-commands, psql
 * variable interpolation (`:var`, `:'var'`, `:"var"`) and template placeholders.
 * Meta-command lines become blank, or a `;` where they send the query; variables and placeholders become an identifier
 * of underscores of the same byte length, which parses wherever a name or literal may (a placeholder that stands alone,
 * one as long as its text without the spaces inside its braces, padded with spaces).
 */
export function preprocessSql(text: string): PreprocessedSql {
  const skipped: SkippedText[] = [];
  const replacements: Replacement[] = [];
  const collect = (pattern: RegExp, kind: SkippedText['kind'], blank: boolean): void => {
    for (const match of text.matchAll(pattern)) {
      replacements.push({ start: match.index, end: match.index + match[0].length, kind, blank });
    }
  };
  if (text.includes('\\')) {
    collect(META_COMMAND_LINE, 'psql meta-command', true);
    replacements.push(...sendingCommandsAfterSql(text));
  }
  if (text.includes('{{') || text.includes('${')) collect(TEMPLATE_PLACEHOLDER, 'template placeholder', false);
  if (MAYBE_PSQL_VARIABLE.test(text)) replacements.push(...psqlVariables(text));
  if (replacements.length === 0) return { sqlText: text, skipped };

  replacements.sort((a, b) => a.start - b.start);
  let sqlText = '';
  let cursor = 0;
  let byteCursor = 0;
  for (const replacement of replacements) {
    if (replacement.start < cursor) continue;
    const original = text.slice(replacement.start, replacement.end);
    const before = text.slice(cursor, replacement.start);
    sqlText += before;
    byteCursor += Buffer.byteLength(before, 'utf8');
    const length = Buffer.byteLength(original, 'utf8');
    if (replacement.blank) {
      const indent = original.indexOf('\\');
      sqlText += replacement.kind === 'psql meta-command' && SENDS_QUERY.test(original) ? `${original.slice(0, indent)};${' '.repeat(length - indent - 1)}` : ' '.repeat(length);
      skipped.push({ range: { start: byteCursor, end: byteCursor + length }, kind: replacement.kind, text: original });
    } else {
      const alone = standsAlone(text, replacement);
      const identifierLength = alone ? Buffer.byteLength(normalizedPlaceholder(original), 'utf8') : length;
      const padding = ' '.repeat(length - identifierLength);
      skipped.push({ range: { start: byteCursor, end: byteCursor + length }, kind: replacement.kind, text: original, identifierLength });
      const run = '_'.repeat(identifierLength);
      if (alone === 'double-quoted') {
        // "{{ ns }}" is the same name as {{ ns }}: the quotes go, and the padding follows the name.
        sqlText = `${sqlText.slice(0, -1)}${run}${padding}  `;
        cursor = replacement.end + 1;
      } else if (alone === 'single-quoted') {
        sqlText += `${run}'${padding}`;
        cursor = replacement.end + 1;
      } else {
        sqlText += run + padding;
        cursor = replacement.end;
      }
      byteCursor += length + (alone === 'double-quoted' || alone === 'single-quoted' ? 1 : 0);
      continue;
    }
    byteCursor += length;
    cursor = replacement.end;
  }
  sqlText += text.slice(cursor);
  return { sqlText, skipped };
}

/** A command that sends the query (`\gset`, `\g file`), read from its backslash to the end of its line. */
const SENDING_COMMAND = new RegExp(`${QUERY_SENDING_COMMAND}[^\\r\\n\\\\]*`, 'y');

/**
 * `SELECT ... \gset` on one line: a command that sends the query, after SQL and a space on its line, running to the
 * line's end (psql reads a backslash outside quotes as a command). Not inside a quoted string, a dollar-quoted body or
 * a comment begun on the line. A command alone on its line is META_COMMAND_LINE's.
 */
function sendingCommandsAfterSql(text: string): Replacement[] {
  const found: Replacement[] = [];
  for (let at = text.indexOf('\\'); at !== -1; at = text.indexOf('\\', at + 1)) {
    if (at === 0 || (text[at - 1] !== ' ' && text[at - 1] !== '\t')) continue;
    SENDING_COMMAND.lastIndex = at;
    const command = SENDING_COMMAND.exec(text);
    const end = at + (command?.[0].length ?? 0);
    if (!command || (end < text.length && text[end] !== '\n' && text[end] !== '\r')) continue;
    const before = text.slice(text.lastIndexOf('\n', at) + 1, at);
    if (before.trim() === '' || before.trimStart().startsWith('\\') || before.includes('--') || before.includes('$') || (before.split("'").length - 1) % 2 === 1) continue;
    found.push({ start: at, end, kind: 'psql meta-command', blank: true });
  }
  return found;
}

interface Replacement {
  start: number;
  end: number;
  kind: SkippedText['kind'];
  blank: boolean;
}

/**
 * A template placeholder with its spaces inside the braces taken out and runs of spaces made one: Go, Jinja and
 * Mustache render `{{ index .Options "Namespace" }}` and `{{index .Options "Namespace"}}` alike, so both stand for the
 * same name (a run of underscores as long as this text, padded with spaces to the placeholder's length).
 */
function normalizedPlaceholder(placeholder: string): string {
  return placeholder.replace(/^(\{\{-?|\$\{)\s+/, '$1').replace(/\s+(-?\}\}|\})$/, '$1').replace(/\s+/g, ' ');
}

const NAME_CHARACTER = /[\p{L}\p{N}_$]/u;

/**
 * A placeholder that is a whole name or literal, alone or as the whole text of quotes (`{{ns}}.users`, `"{{ns}}"`,
 * `'{{ns}}'`), not part of one (`users_{{suffix}}`): only it takes the shorter run, with the padding outside any quotes.
 */
function standsAlone(text: string, { start, end, kind }: Replacement): 'bare' | 'double-quoted' | 'single-quoted' | undefined {
  if (kind !== 'template placeholder') return undefined;
  const before = text[start - 1] ?? ' ';
  const after = text[end] ?? ' ';
  if (before === '"' && after === '"') return 'double-quoted';
  if (before === "'" && after === "'") return 'single-quoted';
  return NAME_CHARACTER.test(before) || NAME_CHARACTER.test(after) || `'"`.includes(before) || `'"`.includes(after) ? undefined : 'bare';
}

/**
 * psql variables found with the scanner, so that colons inside strings, comments,
 * dollar quotes and `::` casts are left alone: a `:` token directly followed by a
 * name or a quoted name or string.
 */
function psqlVariables(text: string): Replacement[] {
  const tokens = scanTokens(text);
  if (!tokens) return [];
  const found: Replacement[] = [];
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i + 1 < tokens.length; i++) {
    const colon = tokens[i]!;
    const name = tokens[i + 1]!;
    if (colon.text !== ':' || name.start !== colon.end) continue;
    if (name.tokenName !== 'IDENT' && name.tokenName !== 'SCONST' && name.keywordKind === 0) continue;
    const start = bytes.toString('utf8', 0, colon.start).length;
    const end = start + bytes.toString('utf8', colon.start, name.end).length;
    found.push({ start, end, kind: 'psql variable', blank: false });
  }
  return found;
}
