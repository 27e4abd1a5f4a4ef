import type { ByteRange } from '../source/source-file.js';
import { scanTokens } from './scan.js';

export interface SkippedText {
  range: ByteRange;
  kind: 'psql meta-command' | 'psql variable' | 'template placeholder' | 'dynamic SQL';
  text: string;
}

export interface PreprocessedSql {
  /** The SQL to parse: same UTF-8 byte length and line breaks as the input, so every position stays exact. */
  sqlText: string;
  skipped: SkippedText[];
}

/** `{{ name }}` (Jinja, Mustache, Go templates) and `${name}` (Flyway, shell-style). */
const TEMPLATE_PLACEHOLDER = /\{\{[\s\S]*?\}\}|\$\{[^}\n]*\}/g;
/** A backslash command at the start of a line, as psql reads it: `\set`, `\echo`, `\i file`, `\connect db`. */
const META_COMMAND_LINE = /^[ \t]*\\[^\r\n]*/gm;
/** Cheap test before scanning: a colon that is not part of `::` or `:=` and starts a psql variable. */
const MAYBE_PSQL_VARIABLE = /(?<!:):(?![:=])['"A-Za-z_]/;

/**
 * Real migrations hold text PostgreSQL's parser rejects: psql meta-commands, psql
 * variable interpolation (`:var`, `:'var'`, `:"var"`) and template placeholders.
 * Meta-command lines become blank; variables and placeholders become an identifier
 * of underscores of the same byte length, which parses wherever a name or literal may.
 */
export function preprocessSql(text: string): PreprocessedSql {
  const skipped: SkippedText[] = [];
  const replacements: Array<{ start: number; end: number; kind: SkippedText['kind']; blank: boolean }> = [];
  const collect = (pattern: RegExp, kind: SkippedText['kind'], blank: boolean): void => {
    for (const match of text.matchAll(pattern)) {
      replacements.push({ start: match.index, end: match.index + match[0].length, kind, blank });
    }
  };
  if (text.includes('\\')) collect(META_COMMAND_LINE, 'psql meta-command', true);
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
    sqlText += (replacement.blank ? ' ' : '_').repeat(length);
    skipped.push({ range: { start: byteCursor, end: byteCursor + length }, kind: replacement.kind, text: original });
    byteCursor += length;
    cursor = replacement.end;
  }
  sqlText += text.slice(cursor);
  return { sqlText, skipped };
}

/**
 * psql variables found with the scanner, so that colons inside strings, comments,
 * dollar quotes and `::` casts are left alone: a `:` token directly followed by a
 * name or a quoted name or string.
 */
function psqlVariables(text: string): Array<{ start: number; end: number; kind: SkippedText['kind']; blank: boolean }> {
  const tokens = scanTokens(text);
  if (!tokens) return [];
  const found: Array<{ start: number; end: number; kind: SkippedText['kind']; blank: boolean }> = [];
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
