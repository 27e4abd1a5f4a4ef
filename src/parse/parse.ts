import { loadModule, parseSync } from 'libpg-query';
import { isCommentToken, scanTokens } from './scan.js';
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
  statements: Statement[];
  /** Comments outside statements, in file order: the places directives may stand. */
  comments: SqlComment[];
  syntaxError?: SyntaxProblem;
}

let parserReady: Promise<void> | undefined;

/** Loads the WASM parser once per process; every parse waits for it. */
export function loadParser(): Promise<void> {
  parserReady ??= loadModule();
  return parserReady;
}

interface ParserError {
  message: string;
  sqlDetails?: { cursorPosition?: number };
}

export function parseSource(source: SourceFile): ParsedFile {
  if (source.text.trim() === '') {
    return { source, statements: [], comments: commentsIn(source, [{ start: 0, end: source.bytes.length }]) };
  }
  let rawStatements;
  try {
    rawStatements = parseSync(source.text).stmts ?? [];
  } catch (error) {
    const problem = error as ParserError;
    const cursor = problem.sqlDetails?.cursorPosition;
    const offset = cursor === undefined ? 0 : source.byteOffsetOfCodePoint(cursor);
    return { source, statements: [], comments: [], syntaxError: { message: problem.message, offset } };
  }

  const statements: Statement[] = rawStatements.map((raw, index) => {
    const start = raw.stmt_location ?? 0;
    const end = raw.stmt_len ? start + raw.stmt_len : endOfLastToken(source, start);
    const node = raw.stmt as Node;
    return { index, node, kind: nodeKind(node), range: trimTrailingSpace(source, { start, end }) };
  });

  const gaps: ByteRange[] = [];
  let previousEnd = 0;
  for (const statement of statements) {
    gaps.push({ start: previousEnd, end: statement.range.start });
    previousEnd = statement.range.end;
  }
  gaps.push({ start: previousEnd, end: source.bytes.length });
  return { source, statements, comments: commentsIn(source, gaps) };
}

/**
 * The parser gives the last statement no length when no semicolon ends it, so its
 * range would swallow trailing comments; the scanner finds where its tokens end.
 */
function endOfLastToken(source: SourceFile, start: number): number {
  const tail = source.bytes.toString('utf8', start);
  const last = scanTokens(tail)?.filter((token) => !isCommentToken(token)).at(-1);
  return start + (last ? last.end : Buffer.byteLength(tail, 'utf8'));
}

function trimTrailingSpace(source: SourceFile, range: ByteRange): ByteRange {
  let end = range.end;
  while (end > range.start && isSpaceByte(source.bytes[end - 1]!)) end--;
  return { start: range.start, end };
}

function isSpaceByte(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0x0c;
}

function commentsIn(source: SourceFile, gaps: ByteRange[]): SqlComment[] {
  const comments: SqlComment[] = [];
  for (const gap of gaps) {
    if (gap.end <= gap.start) continue;
    const text = source.bytes.toString('utf8', gap.start, gap.end);
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
