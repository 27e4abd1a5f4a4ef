import { libpgQuery } from './libpg.js';
import type { Node } from '@pgsql/types';
import type { ByteRange } from '../source/source-file.js';
import { asKind, forEachRecord, nodeKind } from './node-types.js';
import { quoteIdentifier } from './identifiers.js';
import { scanTokens } from './scan.js';

import type { SkippedText } from './preprocess.js';

export interface EmbeddedStatement {
  node: Node;
  /** Where the statement's text stands in the file. */
  range: ByteRange;
  /** It stands in a LOOP, WHILE or FOR of the block: it may run many times. */
  inLoop?: boolean;
  /** It stands in an IF, a CASE, a loop or an exception handler of the block: it may not run at all. */
  conditional?: boolean;
  /** It stands in a BEGIN ... EXCEPTION block of the DO block: the errors its innermost handler catches. */
  caught?: CaughtErrors;
  /** The IF and ELSIF conditions that decide whether it runs, outermost first. */
  guards?: BranchGuard[];
}

/** The condition of an IF or ELSIF of a DO block, as written; one object for every statement under that IF. */
export interface BranchTest {
  text: string;
}

/** An IF a statement stands under: the statement runs only if the test comes out as `holds` (ELSE and later ELSIF branches need it false). */
export interface BranchGuard {
  test: BranchTest;
  holds: boolean;
}

/** The handler of the innermost BEGIN ... EXCEPTION block around a statement: an error it catches rolls back the block's work. */
export interface CaughtErrors {
  /** The conditions the handler names, lower case (`duplicate_object`, `others`). */
  conditions: string[];
  /** The statement is the only statement of the protected block, so the rollback undoes it alone. */
  alone: boolean;
}

/** PL/pgSQL statements that repeat their body. */
const LOOP_KINDS = ['PLpgSQL_stmt_loop', 'PLpgSQL_stmt_while', 'PLpgSQL_stmt_fori', 'PLpgSQL_stmt_fors', 'PLpgSQL_stmt_forc', 'PLpgSQL_stmt_foreach_a', 'PLpgSQL_stmt_dynfors'];
/** PL/pgSQL statements whose body runs only on a condition (a loop's, too, may run no time, or stop before a statement). */
const CONDITIONAL_KINDS = ['PLpgSQL_stmt_if', 'PLpgSQL_stmt_case', 'PLpgSQL_exception', ...LOOP_KINDS];

const WRAPPER_TAG = '$lockwise_do_body$';
/** A PL/pgSQL string literal without doubled quotes, whose text maps one to one onto the file. */
const PLAIN_STRING_LITERAL = /^'([^']*)'$/;
/** A PL/pgSQL string literal with doubled quotes, each of which stands for one. */
const STRING_LITERAL = /^'((?:[^']|'')*)'$/;
/** A dollar-quoted string, `$tag$...$tag$`, whose text maps one to one onto the file too. */
const DOLLAR_QUOTED_STRING = /^(\$(?:[A-Za-z_\x80-\uffff][A-Za-z_0-9\x80-\uffff]*)?\$)([\s\S]*)\1$/;

interface ConstantSql {
  sql: string;
  /** Where the SQL starts in the argument: after its opening quote. */
  quoteLength: number;
  /** For a literal with doubled quotes: the byte offset in the argument's text of a byte offset in `sql`. */
  offsetInText?: (offset: number) => number;
}

/** The SQL of a constant EXECUTE argument, and where it starts in the argument; undefined for SQL built at run time. */
function constantSql(argument: string): ConstantSql | undefined {
  const quoted = PLAIN_STRING_LITERAL.exec(argument);
  if (quoted) return { sql: quoted[1]!, quoteLength: 1 };
  const dollar = DOLLAR_QUOTED_STRING.exec(argument);
  if (dollar) return { sql: dollar[2]!, quoteLength: dollar[1]!.length };
  const escaped = STRING_LITERAL.exec(argument)?.[1];
  if (escaped === undefined) return undefined;
  const sql = escaped.replaceAll("''", "'");
  // Where in `sql` each quote of a pair was dropped, in bytes: an offset past one lies that much further on in the text.
  const dropped: number[] = [];
  for (let at = escaped.indexOf("''"); at !== -1; at = escaped.indexOf("''", at + 2)) dropped.push(Buffer.byteLength(sql.slice(0, at - dropped.length + 1), 'utf8'));
  return {
    sql,
    quoteLength: 1,
    offsetInText: (offset) => {
      let before = 0;
      while (before < dropped.length && dropped[before]! <= offset) before++;
      return offset + before;
    },
  };
}

/** What a DO block runs: the statements lockwise can see, and the EXECUTEs of strings built at run time, which it cannot. */
export interface DoBlockContents {
  statements: EmbeddedStatement[];
  /** `EXECUTE format(...)` and the like: said with --verbose, as not checked. */
  dynamic: SkippedText[];
  /** The first COMMIT or ROLLBACK the block runs itself, if any: allowed only when the block runs outside a transaction block. */
  transactionControl?: TransactionControl;
}

export type TransactionControl = 'COMMIT' | 'ROLLBACK';

const NOTHING_SEEN: DoBlockContents = { statements: [], dynamic: [] };

/**
 * The SQL a `DO $$ ... $$` block runs: its static statements, and `EXECUTE 'literal'`
 * (or `EXECUTE $tag$...$tag$`) statements, found with PostgreSQL's own PL/pgSQL parser and placed at their exact
 * positions in the file. Dynamic SQL built at run time cannot be seen: where it stands is kept.
 */
export function statementsInDoBlock(doStatement: Node, statementText: string, statementStart: number): DoBlockContents {
  const options = asKind(doStatement, 'DoStmt')?.args ?? [];
  let language = 'plpgsql';
  for (const option of options) {
    const element = asKind(option, 'DefElem');
    if (element?.defname === 'language') language = asKind(element.arg, 'String')?.sval?.toLowerCase() ?? language;
  }
  if (language !== 'plpgsql') return NOTHING_SEEN;
  const body = bodyOf(statementText);
  if (!body || body.text.includes(WRAPPER_TAG)) return NOTHING_SEEN;

  let functionTree: unknown;
  try {
    functionTree = libpgQuery().parsePlPgSQLSync(`CREATE FUNCTION lockwise_do_block() RETURNS void LANGUAGE plpgsql AS ${WRAPPER_TAG}${body.text}${WRAPPER_TAG}`);
  } catch {
    // PostgreSQL reports a broken block when the migration runs; the SQL parser already accepted the DO statement.
    return NOTHING_SEEN;
  }
  const lineStarts = [0];
  for (let i = 0; i < body.text.length; i++) if (body.text[i] === '\n') lineStarts.push(i + 1);

  const found: EmbeddedStatement[] = [];
  const dynamic: SkippedText[] = [];
  const fileOffset = (at: number): number => statementStart + body.byteOffset + Buffer.byteLength(body.text.slice(0, at), 'utf8');
  const { queries, transactionControl } = embeddedQueries(functionTree);
  for (const { query, lineno, literal, inLoop, conditional, caught, guards } of queries) {
    const constant = literal ? constantSql(query) : { sql: query, quoteLength: 0 };
    const searchFrom = lineStarts[Math.max(0, lineno - 1)] ?? 0;
    const at = body.text.indexOf(literal ? query : constant!.sql, searchFrom);
    if (at === -1) continue;
    if (constant === undefined) {
      dynamic.push({ range: { start: fileOffset(at), end: fileOffset(at + query.length) }, kind: 'dynamic SQL', text: query });
      continue;
    }
    const { sql } = constant;
    const sqlStart = fileOffset(at) + constant.quoteLength;
    const inFile = (offset: number): number => sqlStart + (constant.offsetInText ? constant.offsetInText(offset) : offset);
    let parsed;
    try {
      parsed = libpgQuery().parseSync(sql).stmts ?? [];
    } catch {
      continue;
    }
    const sqlBytes = Buffer.from(sql, 'utf8');
    for (const raw of parsed) {
      const start = raw.stmt_location ?? 0;
      let end = raw.stmt_len ? start + raw.stmt_len : sqlBytes.length;
      while (end > start && /\s/.test(String.fromCharCode(sqlBytes[end - 1]!))) end--;
      const node = raw.stmt as Node;
      placeLocations(node, inFile);
      found.push({
        node,
        range: { start: inFile(start), end: inFile(end) },
        ...(inLoop ? { inLoop } : {}),
        ...(conditional ? { conditional } : {}),
        ...(caught ? { caught: parsed.length === 1 ? caught : { ...caught, alone: false } } : {}),
        ...(guards.length > 0 ? { guards } : {}),
      });
    }
  }
  return { statements: found.filter((statement) => nodeKind(statement.node) !== 'DoStmt'), dynamic, ...(transactionControl ? { transactionControl } : {}) };
}

/** The body of the DO statement's string: its text and byte offset within the statement. */
function bodyOf(statementText: string): { text: string; byteOffset: number } | undefined {
  const literal = scanTokens(statementText)?.find((token) => token.tokenName === 'SCONST');
  if (!literal) return undefined;
  const dollar = /^\$[^$]*\$/.exec(literal.text);
  if (dollar) return { text: literal.text.slice(dollar[0].length, -dollar[0].length), byteOffset: literal.start + dollar[0].length };
  const quoted = PLAIN_STRING_LITERAL.exec(literal.text);
  return quoted ? { text: quoted[1]!, byteOffset: literal.start + 1 } : undefined;
}

/**
 * The SQL statements a PL/pgSQL function runs, from its body (the text between its quotes), for rules that ask what a
 * trigger does: its static SQL, EXECUTE of a constant string, and the queries of PERFORM and CALL (so that the functions
 * it calls can be followed). The parameters' names are declared for it, as the parser refuses an assignment to an
 * unknown name; without any, it is parsed as a trigger function, with NEW, OLD and TG_OP. None for a body PostgreSQL's
 * PL/pgSQL parser refuses.
 */
export function statementsInFunction(body: string, parameterNames: readonly string[] = []): Node[] {
  let tag = '$lockwise_function_body$';
  while (body.includes(tag)) tag = `${tag.slice(0, -1)}_$`;
  const signature =
    parameterNames.length === 0 ? '() RETURNS trigger' : `(${parameterNames.map((name) => `${quoteIdentifier(name)} text`).join(', ')}) RETURNS void`;
  let functionTree: unknown;
  try {
    functionTree = libpgQuery().parsePlPgSQLSync(`CREATE FUNCTION lockwise_function${signature} LANGUAGE plpgsql AS ${tag}${body}${tag}`);
  } catch {
    return [];
  }
  const { queries, calls } = embeddedQueries(functionTree);
  const texts = [
    ...queries.flatMap(({ query, literal }) => (literal ? (constantSql(query)?.sql ?? []) : [query])),
    ...calls,
  ];
  const nodes: Node[] = [];
  for (const text of texts) {
    try {
      for (const raw of libpgQuery().parseSync(text).stmts ?? []) nodes.push(raw.stmt as Node);
    } catch {
      // A statement PostgreSQL refuses fails when the function runs, not when it is created.
    }
  }
  return nodes;
}

interface EmbeddedQuery {
  query: string;
  lineno: number;
  /** The query is a string literal passed to EXECUTE. */
  literal: boolean;
  inLoop: boolean;
  conditional: boolean;
  caught?: CaughtErrors;
  guards: BranchGuard[];
}

/**
 * The SQL a block's tree runs, in order, and its first COMMIT or ROLLBACK; apart, the queries of its PERFORM and CALL
 * statements (`SELECT f()`, `CALL p()`), which only say what functions it calls.
 */
function embeddedQueries(tree: unknown): { queries: EmbeddedQuery[]; calls: string[]; transactionControl?: TransactionControl } {
  const queries: EmbeddedQuery[] = [];
  const calls: string[] = [];
  let transactionControl: TransactionControl | undefined;
  const visit = (value: unknown, inLoop: boolean, conditional: boolean, caught: CaughtErrors | undefined, guards: BranchGuard[]): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, inLoop, conditional, caught, guards);
      return;
    }
    if (!value || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    const execSql = record.PLpgSQL_stmt_execsql as { lineno?: number; sqlstmt?: { PLpgSQL_expr?: { query?: string } } } | undefined;
    const dynamic = record.PLpgSQL_stmt_dynexecute as { lineno?: number; query?: { PLpgSQL_expr?: { query?: string } } } | undefined;
    const where = { inLoop, conditional, guards, ...(caught ? { caught } : {}) };
    if (execSql?.sqlstmt?.PLpgSQL_expr?.query) queries.push({ query: execSql.sqlstmt.PLpgSQL_expr.query, lineno: execSql.lineno ?? 1, literal: false, ...where });
    if (dynamic?.query?.PLpgSQL_expr?.query) queries.push({ query: dynamic.query.PLpgSQL_expr.query, lineno: dynamic.lineno ?? 1, literal: true, ...where });
    for (const kind of ['PLpgSQL_stmt_perform', 'PLpgSQL_stmt_call']) {
      const call = (record[kind] as { expr?: { PLpgSQL_expr?: { query?: string } } } | undefined)?.expr?.PLpgSQL_expr?.query;
      if (call) calls.push(call);
    }
    if ('PLpgSQL_stmt_commit' in record) transactionControl ??= 'COMMIT';
    if ('PLpgSQL_stmt_rollback' in record) transactionControl ??= 'ROLLBACK';
    const block = record.PLpgSQL_stmt_block as { body?: unknown[]; exceptions?: unknown } | undefined;
    if (block?.exceptions) {
      // The handlers' own statements are not protected by them; the body is, as one subtransaction.
      const conditions = caughtConditions(block.exceptions);
      visit(block.body, inLoop, conditional, { conditions, alone: (block.body ?? []).length === 1 }, guards);
      visit(block.exceptions, inLoop, true, caught, guards);
      return;
    }
    const ifStatement = record.PLpgSQL_stmt_if as PlpgsqlIf | undefined;
    if (ifStatement) {
      // Each branch runs when its own test holds and every test before it failed; ELSE when all failed.
      const failed: BranchGuard[] = [];
      const arms = [{ cond: ifStatement.cond, body: ifStatement.then_body }, ...(ifStatement.elsif_list ?? []).map(({ PLpgSQL_if_elsif: arm }) => ({ cond: arm?.cond, body: arm?.stmts }))];
      for (const { cond, body } of arms) {
        const test: BranchTest = { text: cond?.PLpgSQL_expr?.query ?? '' };
        visit(body, inLoop, true, caught, [...guards, ...failed, { test, holds: true }]);
        failed.push({ test, holds: false });
      }
      visit(ifStatement.else_body, inLoop, true, caught, [...guards, ...failed]);
      return;
    }
    const loop = LOOP_KINDS.some((kind) => kind in record);
    const branch = CONDITIONAL_KINDS.some((kind) => kind in record);
    for (const child of Object.values(record)) visit(child, inLoop || loop, conditional || branch, caught, guards);
  };
  visit(tree, false, false, undefined, []);
  return transactionControl ? { queries, calls, transactionControl } : { queries, calls };
}

interface PlpgsqlExpression {
  PLpgSQL_expr?: { query?: string };
}

/** An IF statement of PostgreSQL's PL/pgSQL parse tree. */
interface PlpgsqlIf {
  cond?: PlpgsqlExpression;
  then_body?: unknown[];
  elsif_list?: Array<{ PLpgSQL_if_elsif?: { cond?: PlpgsqlExpression; stmts?: unknown[] } }>;
  else_body?: unknown[];
}

/** The condition names of a block's exception handlers, lower case. */
function caughtConditions(exceptions: unknown): string[] {
  const handlers = (exceptions as { PLpgSQL_exception_block?: { exc_list?: unknown[] } }).PLpgSQL_exception_block?.exc_list ?? [];
  return handlers.flatMap((handler) =>
    ((handler as { PLpgSQL_exception?: { conditions?: unknown[] } }).PLpgSQL_exception?.conditions ?? []).flatMap((condition) => {
      const name = (condition as { PLpgSQL_condition?: { condname?: string } }).PLpgSQL_condition?.condname;
      return name ? [name.toLowerCase()] : [];
    }),
  );
}

/** Node locations count from the start of the embedded SQL; rules need them to count from the start of the file. */
function placeLocations(tree: unknown, inFile: (offset: number) => number): void {
  forEachRecord(tree, (record) => {
    if (typeof record.location === 'number' && record.location >= 0) record.location = inFile(record.location);
  });
}
