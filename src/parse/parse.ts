import { libpgQuery } from './libpg.js';
import { isCommentToken, scanTokens } from './scan.js';
import { preprocessSql, type SkippedText } from './preprocess.js';
import { statementsInDoBlock, type BranchGuard, type CaughtErrors, type TransactionControl } from './plpgsql.js';
import type { Node } from '@pgsql/types';
import type { ByteRange, SourceFile } from '../source/source-file.js';
import { nodeKind, type NodeKind } from './node-types.js';

export interface Statement {
  /** 0-based position of the statement in its file. */
  index: number;
  node: Node;
  kind: NodeKind;
  /** From the first token to the end of the last, without the terminating semicolon. */
  range: ByteRange;
  /** For a statement a DO block runs: the index of that DO statement. */
  insideBlock?: number;
  /** For a DO block: the first COMMIT or ROLLBACK it runs itself. */
  transactionControl?: TransactionControl;
  /** For a DO block: it runs SQL built at run time (EXECUTE format(...)), which lockwise cannot see. */
  runsDynamicSql?: boolean;
  /** For a DO block: the first function it PERFORMs or CALLs that PostgreSQL's catalog does not hold (`partman.create_parent()`). */
  callsUnread?: string;
  /** For a statement a DO block runs: it stands in a loop of the block, and may run many times. */
  inLoop?: boolean;
  /** For a statement a DO block runs: it stands in an IF, CASE, loop or exception handler, and may not run at all. */
  conditional?: boolean;
  /** For such a statement: it stands in a CASE, loop or exception handler, so no IF's test decides that it runs. */
  conditionalBeyondGuards?: boolean;
  /** For a statement a DO block runs: it stands in a BEGIN ... EXCEPTION block, whose handler catches these errors. */
  caught?: CaughtErrors;
  /** For a statement a DO block runs: the IF conditions that decide whether it runs (it is `conditional` too). */
  guards?: BranchGuard[];
}

export interface SqlComment {
  range: ByteRange;
  /** The comment's text without its `--` or `/* *\/` markers. */
  body: string;
}

export interface SyntaxProblem {
  message: string;
  /** Byte offset PostgreSQL's error cursor points at. */
  offset: number;
}

export interface ParsedFile {
  source: SourceFile;
  /** The text PostgreSQL's parser saw for a range: the up part only, psql commands and placeholders neutralised. */
  sqlText(range: ByteRange): string;
  /** What was blanked or replaced before parsing, for --verbose. */
  skipped: SkippedText[];
  statements: Statement[];
  /** Comments outside statements, in file order: the places directives may stand. */
  comments: SqlComment[];
  syntaxError?: SyntaxProblem;
}

export { loadParser } from './libpg.js';

interface ParserError {
  message: string;
  sqlDetails?: { cursorPosition?: number };
}

/**
 * Parses a file with PostgreSQL's parser. `upText` is the part of the file that runs
 * (a framework's up section, the rest blanked to spaces); it must have the file's byte length.
 */
export function parseSource(source: SourceFile, upText: string = source.text): ParsedFile {
  const { sqlText, skipped } = preprocessSql(upText);
  const sqlBytes = Buffer.from(sqlText, 'utf8');
  if (sqlBytes.length !== source.bytes.length) throw new Error(`${source.path}: the up part must keep the file's byte length`);
  const base = { source, skipped, sqlText: (range: ByteRange) => sqlBytes.toString('utf8', range.start, range.end) };
  if (sqlText.trim() === '') {
    return { ...base, statements: [], comments: commentsIn(source, sqlBytes, [{ start: 0, end: sqlBytes.length }]) };
  }
  let rawStatements;
  try {
    rawStatements = libpgQuery().parseSync(sqlText).stmts ?? [];
  } catch (error) {
    const problem = error as ParserError;
    const cursor = problem.sqlDetails?.cursorPosition;
    const offset = cursor === undefined ? 0 : byteOffsetOfCodePoint(sqlText, cursor);
    return { ...base, statements: [], comments: [], syntaxError: { message: problem.message, offset } };
  }

  const statements: Statement[] = rawStatements.map((raw, index) => {
    const start = raw.stmt_location ?? 0;
    const end = raw.stmt_len ? start + raw.stmt_len : endOfLastToken(sqlBytes, start);
    const node = raw.stmt as Node;
    return { index, node, kind: nodeKind(node), range: trimTrailingSpace(sqlBytes, { start, end }) };
  });

  const gaps: ByteRange[] = [];
  let previousEnd = 0;
  for (const statement of statements) {
    gaps.push({ start: previousEnd, end: statement.range.start });
    previousEnd = statement.range.end;
  }
  gaps.push({ start: previousEnd, end: sqlBytes.length });
  const dynamic: SkippedText[] = [];
  const all = withBlockStatements(statements, sqlBytes, dynamic, skipped);
  return { ...base, skipped: dynamic.length > 0 ? [...skipped, ...dynamic].sort((a, b) => a.range.start - b.range.start) : skipped, statements: all, comments: commentsIn(source, sqlBytes, gaps) };
}

/** Each DO block followed by the statements it runs, so that rules see DDL hidden in a block; what it builds at run time goes to `dynamic`. */
function withBlockStatements(statements: Statement[], sqlBytes: Buffer, dynamic: SkippedText[], skipped: readonly SkippedText[]): Statement[] {
  if (!statements.some((statement) => statement.kind === 'DoStmt')) return statements;
  const all: Statement[] = [];
  for (const statement of statements) {
    const blockIndex = all.length;
    all.push({ ...statement, index: blockIndex });
    if (statement.kind !== 'DoStmt') continue;
    const text = sqlBytes.toString('utf8', statement.range.start, statement.range.end);
    const contents = statementsInDoBlock(statement.node, text, statement.range.start);
    if (contents.transactionControl) all[blockIndex]!.transactionControl = contents.transactionControl;
    if (contents.dynamic.length > 0) all[blockIndex]!.runsDynamicSql = true;
    if (contents.unreadCalls.length > 0) all[blockIndex]!.callsUnread = contents.unreadCalls[0]!.text;
    // A placeholder stands for text lockwise does not know, and its stand-in may differ between a name and a string: a test that holds one is not decided.
    const { start, end } = statement.range;
    const placeholderInBlock = skipped.some(({ kind, range }) => (kind === 'template placeholder' || kind === 'psql variable') && range.start < end && range.end > start);
    for (const embedded of contents.statements) {
      all.push({
        index: all.length,
        node: embedded.node,
        kind: nodeKind(embedded.node),
        range: embedded.range,
        insideBlock: blockIndex,
        ...(embedded.inLoop ? { inLoop: true } : {}),
        ...(embedded.conditional ? { conditional: true } : {}),
        ...(embedded.conditionalBeyondGuards ? { conditionalBeyondGuards: true } : {}),
        ...(embedded.caught ? { caught: embedded.caught } : {}),
        ...(embedded.guards && !placeholderInBlock ? { guards: embedded.guards } : {}),
      });
    }
    dynamic.push(...contents.dynamic, ...contents.unreadCalls);
  }
  return all;
}

/**
 * The `--` comments of a gap between statements that holds nothing but them, white space
 * and semicolons, as the scanner would find them: from `--` to the end of the line. Most
 * gaps are like that, and this spares a call into the scanner per gap. Undefined for any
 * other gap (a block comment, a stray token), which the scanner reads.
 */
function lineCommentRanges(bytes: Buffer, gap: ByteRange): ByteRange[] | undefined {
  const ranges: ByteRange[] = [];
  let at = gap.start;
  while (at < gap.end) {
    const byte = bytes[at]!;
    if (byte === SEMICOLON || byte <= 0x20 || byte === 0x7f) {
      // White space, and the control characters scanTokens turns into spaces.
      at++;
    } else if (byte === HYPHEN && bytes[at + 1] === HYPHEN && at + 1 < gap.end) {
      let end = at + 2;
      while (end < gap.end && bytes[end] !== 0x0a && bytes[end] !== 0x0d) end++;
      ranges.push({ start: at, end });
      at = end;
    } else {
      return undefined;
    }
  }
  return ranges;
}

const SEMICOLON = 0x3b;
const HYPHEN = 0x2d;

/** Byte offset of a 0-based offset counted in Unicode code points, as PostgreSQL's error cursor is. */
function byteOffsetOfCodePoint(text: string, codePointOffset: number): number {
  let bytes = 0;
  let seen = 0;
  for (const char of text) {
    if (seen === codePointOffset) break;
    bytes += Buffer.byteLength(char, 'utf8');
    seen++;
  }
  return bytes;
}

/**
 * The parser gives the last statement no length when no semicolon ends it, so its
 * range would swallow trailing comments; the scanner finds where its tokens end.
 */
function endOfLastToken(sqlBytes: Buffer, start: number): number {
  const tail = sqlBytes.toString('utf8', start);
  const last = scanTokens(tail)?.filter((token) => !isCommentToken(token)).at(-1);
  return start + (last ? last.end : Buffer.byteLength(tail, 'utf8'));
}

function trimTrailingSpace(sqlBytes: Buffer, range: ByteRange): ByteRange {
  let end = range.end;
  while (end > range.start && isSpaceByte(sqlBytes[end - 1]!)) end--;
  return { start: range.start, end };
}

function isSpaceByte(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0x0c;
}

function commentsIn(source: SourceFile, sqlBytes: Buffer, gaps: ByteRange[]): SqlComment[] {
  const comments: SqlComment[] = [];
  for (const gap of gaps) {
    if (gap.end <= gap.start) continue;
    const simple = lineCommentRanges(sqlBytes, gap);
    if (simple) {
      for (const range of simple) comments.push({ range, body: source.slice(range).slice(2) });
      continue;
    }
    const text = sqlBytes.toString('utf8', gap.start, gap.end);
    if (!text.includes('--') && !text.includes('/*')) continue;
    for (const token of scanTokens(text) ?? []) {
      if (!isCommentToken(token)) continue;
      const range = { start: gap.start + token.start, end: gap.start + token.end };
      const raw = source.slice(range);
      const body = token.tokenName === 'SQL_COMMENT' ? raw.slice(2) : raw.slice(2, -2);
      comments.push({ range, body });
    }
  }
  return comments;
}
