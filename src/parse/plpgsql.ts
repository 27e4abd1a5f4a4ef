import { libpgQuery } from './libpg.js';
import type { Node } from '@pgsql/types';
import type { ByteRange } from '../source/source-file.js';
import { asKind, forEachRecord, nodeKind, stringConstant, stringValues } from './node-types.js';
import { quoteIdentifier } from './identifiers.js';
import { scanTokens } from './scan.js';
import { formatInstances } from './format-call.js';

import type { SkippedText } from './preprocess.js';
import { callsOutsideCatalog } from '../knowledge/volatility.js';

export interface EmbeddedStatement {
  node: Node;
  /** Where the statement's text stands in the file. */
  range: ByteRange;
  /** It stands in a LOOP, WHILE or FOR of the block: it may run many times. */
  inLoop?: boolean;
  /** It stands in an IF, a CASE, a loop or an exception handler of the block: it may not run at all. */
  conditional?: boolean;
  /** It stands in a CASE, a loop or an exception handler: whether it runs is more than its IFs' tests can say. */
  conditionalBeyondGuards?: boolean;
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

/** The SQL an EXECUTE runs, and where each byte offset of it stands in the EXECUTE's argument (bytes of the argument's text). */
interface ExecutedSql {
  sql: string;
  offsetInQuery: (offset: number) => number;
  /** Built by format(): SQL that does not parse may be only what lockwise cannot follow. */
  built?: boolean;
}

/** `format(` and the template literal, its first argument. */
const FORMAT_CALL = /^(format\s*\(\s*)('(?:[^']|'')*'|(\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$)[\s\S]*?\3)\s*[,)]/i;

/**
 * The SQL texts an EXECUTE argument runs: a constant, or what `format()` builds from a constant template, once for each
 * value of the loop variable it uses (see formatInstances); undefined for SQL lockwise cannot know.
 */
function executedSql(argument: string, loopValues: ReadonlyMap<string, readonly string[]>): ExecutedSql[] | undefined {
  const constant = constantSql(argument);
  if (constant) return [{ sql: constant.sql, offsetInQuery: (offset) => textOffset(constant, offset) }];
  const call = FORMAT_CALL.exec(argument);
  const template = call ? constantSql(call[2]!) : undefined;
  const formatCall = asKind(expressionNode(argument), 'FuncCall');
  if (!call || !template || stringValues(formatCall?.funcname).join('.').toLowerCase() !== 'format') return undefined;
  const instances = formatInstances(template.sql, (formatCall!.args ?? []).slice(1), loopValues);
  const prefix = Buffer.byteLength(call[1]!, 'utf8');
  return instances?.map(({ sql, templateOffset }) => ({ sql, built: true, offsetInQuery: (offset) => prefix + textOffset(template, templateOffset(offset)) }));
}

/** Where a byte offset of a constant's SQL stands in the text of the literal it came from. */
function textOffset(constant: ConstantSql, offset: number): number {
  return constant.quoteLength + (constant.offsetInText ? constant.offsetInText(offset) : offset);
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
  /** PERFORMs and CALLs of functions PostgreSQL's catalog does not hold, whose locks lockwise cannot know (kind `function lockwise cannot read`). */
  unreadCalls: SkippedText[];
}

export type TransactionControl = 'COMMIT' | 'ROLLBACK';

/** A PERFORM's query (`SELECT f(...)`, PL/pgSQL writes the SELECT) or a CALL, with the line of the block it stands on. */
interface EmbeddedCall {
  query: string;
  lineno: number;
}

const NOTHING_SEEN: DoBlockContents = { statements: [], dynamic: [], unreadCalls: [] };

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
  const { queries, calls, transactionControl } = embeddedQueries(functionTree);
  for (const { query, lineno, literal, inLoop, conditional, beyondGuards, caught, guards, loopValues } of queries) {
    const searchFrom = lineStarts[Math.max(0, lineno - 1)] ?? 0;
    const at = body.text.indexOf(query, searchFrom);
    if (at === -1) continue;
    const texts: ExecutedSql[] | undefined = literal ? executedSql(query, loopValues) : [{ sql: query, offsetInQuery: (offset) => offset }];
    const unknown = (): void => {
      dynamic.push({ range: { start: fileOffset(at), end: fileOffset(at + query.length) }, kind: 'dynamic SQL', text: query });
    };
    if (texts === undefined) {
      unknown();
      continue;
    }
    for (const { sql, offsetInQuery, built } of texts) {
      const inFile = (offset: number): number => fileOffset(at) + offsetInQuery(offset);
      let parsed;
      try {
        parsed = libpgQuery().parseSync(sql).stmts ?? [];
      } catch {
        // A constant PostgreSQL refuses fails when the block runs; what format() builds may be only what lockwise cannot follow.
        if (built) unknown();
        break;
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
          ...(beyondGuards ? { conditionalBeyondGuards: true } : {}),
          ...(caught ? { caught: parsed.length === 1 ? caught : { ...caught, alone: false } } : {}),
          ...(guards.length > 0 ? { guards } : {}),
        });
      }
    }
  }
  const unreadCalls: SkippedText[] = [];
  for (const { query, lineno } of calls) {
    let names: string[];
    try {
      names = (libpgQuery().parseSync(query).stmts ?? []).flatMap((raw) => callsOutsideCatalog(raw.stmt));
    } catch {
      continue;
    }
    if (names.length === 0) continue;
    // PL/pgSQL writes `SELECT` before a PERFORM's expression: the file holds the expression.
    const written = query.replace(/^SELECT\s+/i, '');
    const at = body.text.indexOf(written, lineStarts[Math.max(0, lineno - 1)] ?? 0);
    if (at === -1) continue;
    unreadCalls.push({ range: { start: fileOffset(at), end: fileOffset(at + written.length) }, kind: 'function lockwise cannot read', text: `${names[0]}()`, function: names[0] });
  }
  return { statements: found.filter((statement) => nodeKind(statement.node) !== 'DoStmt'), dynamic, unreadCalls, ...(transactionControl ? { transactionControl } : {}) };
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
    ...calls.map((call) => call.query),
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

interface EmbeddedQuery extends Scope {
  query: string;
  lineno: number;
  /** The query is a string literal passed to EXECUTE. */
  literal: boolean;
}

/** Where a statement of a block stands: in a loop, a branch, a protected block; and the values the loops around it give their variables, when known. */
interface Scope {
  inLoop: boolean;
  conditional: boolean;
  /** In a CASE, a loop or an exception handler, which IF tests do not decide. */
  beyondGuards: boolean;
  caught?: CaughtErrors;
  guards: BranchGuard[];
  /** `FOREACH t IN ARRAY ARRAY['users', 'orders']`: each loop variable whose values are constants, by name. */
  loopValues: ReadonlyMap<string, readonly string[]>;
}

/**
 * The SQL a block's tree runs, in order, and its first COMMIT or ROLLBACK; apart, the queries of its PERFORM and CALL
 * statements (`SELECT f()`, `CALL p()`), which only say what functions it calls.
 */
function embeddedQueries(tree: unknown): { queries: EmbeddedQuery[]; calls: EmbeddedCall[]; transactionControl?: TransactionControl } {
  const queries: EmbeddedQuery[] = [];
  const calls: EmbeddedCall[] = [];
  const datums = (tree as { plpgsql_funcs?: Array<{ PLpgSQL_function?: { datums?: unknown[] } }> }).plpgsql_funcs?.[0]?.PLpgSQL_function?.datums ?? [];
  const assigned = assignedVariables(tree, datums);
  let transactionControl: TransactionControl | undefined;
  const visit = (value: unknown, scope: Scope): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, scope);
      return;
    }
    if (!value || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    const execSql = record.PLpgSQL_stmt_execsql as { lineno?: number; sqlstmt?: PlpgsqlExpression } | undefined;
    const dynamic = record.PLpgSQL_stmt_dynexecute as { lineno?: number; query?: PlpgsqlExpression } | undefined;
    if (execSql?.sqlstmt?.PLpgSQL_expr?.query) queries.push({ query: execSql.sqlstmt.PLpgSQL_expr.query, lineno: execSql.lineno ?? 1, literal: false, ...scope });
    if (dynamic?.query?.PLpgSQL_expr?.query) queries.push({ query: dynamic.query.PLpgSQL_expr.query, lineno: dynamic.lineno ?? 1, literal: true, ...scope });
    for (const kind of ['PLpgSQL_stmt_perform', 'PLpgSQL_stmt_call']) {
      const call = record[kind] as { expr?: PlpgsqlExpression; lineno?: number } | undefined;
      if (call?.expr?.PLpgSQL_expr?.query) calls.push({ query: call.expr.PLpgSQL_expr.query, lineno: call.lineno ?? 1 });
    }
    if ('PLpgSQL_stmt_commit' in record) transactionControl ??= 'COMMIT';
    if ('PLpgSQL_stmt_rollback' in record) transactionControl ??= 'ROLLBACK';
    const block = record.PLpgSQL_stmt_block as { body?: unknown[]; exceptions?: unknown } | undefined;
    if (block?.exceptions) {
      // The handlers' own statements are not protected by them; the body is, as one subtransaction.
      const conditions = caughtConditions(block.exceptions);
      visit(block.body, { ...scope, caught: { conditions, alone: (block.body ?? []).length === 1 } });
      visit(block.exceptions, { ...scope, conditional: true, beyondGuards: true });
      return;
    }
    const ifStatement = record.PLpgSQL_stmt_if as PlpgsqlIf | undefined;
    if (ifStatement) {
      // Each branch runs when its own test holds and every test before it failed; ELSE when all failed.
      const failed: BranchGuard[] = [];
      const arms = [{ cond: ifStatement.cond, body: ifStatement.then_body }, ...(ifStatement.elsif_list ?? []).map(({ PLpgSQL_if_elsif: arm }) => ({ cond: arm?.cond, body: arm?.stmts }))];
      for (const { cond, body } of arms) {
        const test: BranchTest = { text: cond?.PLpgSQL_expr?.query ?? '' };
        visit(body, { ...scope, conditional: true, guards: [...scope.guards, ...failed, { test, holds: true }] });
        failed.push({ test, holds: false });
      }
      visit(ifStatement.else_body, { ...scope, conditional: true, guards: [...scope.guards, ...failed] });
      return;
    }
    const foreach = record.PLpgSQL_stmt_foreach_a as { varno?: number; expr?: PlpgsqlExpression; body?: unknown[] } | undefined;
    if (foreach) {
      const variable = variableName(datums[foreach.varno ?? -1]);
      const values = arrayValues(foreach.expr?.PLpgSQL_expr?.query, datums, assigned);
      const loopValues = new Map(scope.loopValues);
      if (variable !== undefined) {
        if (values) loopValues.set(variable, values);
        else loopValues.delete(variable);
      }
      visit(foreach.body, { ...scope, inLoop: true, conditional: true, beyondGuards: true, loopValues });
      return;
    }
    const loop = !scope.inLoop && LOOP_KINDS.some((kind) => kind in record);
    const branch = !scope.beyondGuards && CONDITIONAL_KINDS.some((kind) => kind in record);
    const inner = loop || branch ? { ...scope, inLoop: scope.inLoop || loop, conditional: true, beyondGuards: true } : scope;
    for (const child of Object.values(record)) visit(child, inner);
  };
  visit(tree, { inLoop: false, conditional: false, beyondGuards: false, guards: [], loopValues: new Map() });
  return transactionControl ? { queries, calls, transactionControl } : { queries, calls };
}

/** The variables the block assigns (`:=`, `SELECT ... INTO`), by name. */
function assignedVariables(tree: unknown, datums: readonly unknown[]): Set<string> {
  const names = new Set<string>();
  forEachRecord(tree, (record) => {
    const varno = (record.PLpgSQL_stmt_assign as { varno?: number } | undefined)?.varno;
    const name = varno === undefined ? undefined : variableName(datums[varno]);
    if (name !== undefined) names.add(name);
    for (const field of (record.PLpgSQL_row as { fields?: Array<{ name?: string }> } | undefined)?.fields ?? []) if (field.name) names.add(field.name);
  });
  return names;
}

/** An expression of the block, parsed as SQL; undefined for one SELECT alone refuses. */
export function expressionNode(expression: string): Node | undefined {
  try {
    const select = asKind(libpgQuery().parseSync(`SELECT ${expression}`).stmts?.[0]?.stmt as Node | undefined, 'SelectStmt');
    return select?.targetList?.length === 1 ? asKind(select.targetList[0], 'ResTarget')?.val : undefined;
  } catch {
    return undefined;
  }
}

/** The name of a PL/pgSQL variable of the block's datums. */
function variableName(datum: unknown): string | undefined {
  return (datum as { PLpgSQL_var?: { refname?: string } } | undefined)?.PLpgSQL_var?.refname;
}

/**
 * The strings an array expression holds when they are constants: `ARRAY['users', 'orders']`, or a variable of the block
 * declared with such a default and, as far as lockwise can tell, not assigned again.
 */
function arrayValues(expression: string | undefined, datums: readonly unknown[], assigned: ReadonlySet<string>): string[] | undefined {
  if (expression === undefined) return undefined;
  const value = expressionNode(expression);
  const name = stringValues(asKind(value, 'ColumnRef')?.fields);
  if (name.length === 1) {
    if (assigned.has(name[0]!)) return undefined;
    const declared = datums.find((datum) => variableName(datum) === name[0]) as { PLpgSQL_var?: { default_val?: PlpgsqlExpression } } | undefined;
    const initial = declared?.PLpgSQL_var?.default_val?.PLpgSQL_expr?.query;
    return initial === undefined ? undefined : arrayValues(initial, [], assigned);
  }
  const array = asKind(asKind(value, 'TypeCast')?.arg ?? value, 'A_ArrayExpr');
  const elements = (array?.elements ?? []).map(stringConstant);
  return array && elements.every((element) => element !== undefined) ? (elements as string[]) : undefined;
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
