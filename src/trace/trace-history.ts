import { SYNTAX_ERROR, TRACE_LOCK_MISMATCH, TRACE_LOCK_QUEUE, TRACE_STATEMENT_FAILED, UNREADABLE_FILE } from '../engine/builtin-checks.js';
import type { Diagnostic } from '../engine/diagnostic.js';
import type { FileResult, LintResults, PlannedHistory, PlannedMigration } from '../engine/lint-sources.js';
import type { Severity } from '../engine/rule.js';
import { loadParser, parseSource, type Statement } from '../parse/parse.js';
import { quoteIdentifier } from '../parse/identifiers.js';
import { SourceFile, type ByteRange } from '../source/source-file.js';
import { runsAloneInBatchedMode, sharedQueries, sharedQueryEnds, type QuerySpan, type TransactionMode } from '../model/session-state.js';
import type { StatementObservation } from './compare.js';
import { runContention, type ContentionOutcome } from './contention.js';
import { connect, type TraceDatabase } from './database.js';
import { takeSnapshot } from './observe.js';
import { fillTable } from './rows.js';
import { claimsOf, runStatement, type RunContext, type TraceConnections } from './statement-runner.js';

export interface TraceOptions {
  /** The version whose lock table the observations are compared with. */
  pgVersion: number;
  /** Rows generated into each table the history creates. */
  rows: number;
  contention: boolean;
  /** The configuration's search_path, set at the start of each migration when it is not PostgreSQL's default. */
  searchPath?: readonly string[];
  /** Called after each statement, for a progress indicator. */
  onProgress?: (done: number, total: number) => void;
}

/** One statement of a migration under review, as it ran on the server. */
export interface StatementTrace {
  file: string;
  line: number;
  range: ByteRange;
  /** The statement on one line, shortened. */
  text: string;
  /** `not-run`: lockwise does not run it (it reaches beyond the scratch database). */
  status: 'observed' | 'failed' | 'not-run';
  reason?: string;
  durationMs?: number;
  lockTimeout?: string;
  statementTimeout?: string;
  watched?: boolean;
  observation?: StatementObservation;
  contention?: ContentionOutcome;
}

export interface TraceResults extends LintResults {
  statements: StatementTrace[];
  notes: string[];
}

/** Statements that reach beyond the scratch database: other databases, the server's files or configuration, other servers. */
const NEVER_RUN: Partial<Record<string, string>> = {
  CreatedbStmt: 'creates a database beside the scratch one',
  DropdbStmt: 'drops a database',
  AlterDatabaseStmt: 'changes a whole database',
  AlterDatabaseSetStmt: 'changes a whole database',
  AlterDatabaseRefreshCollStmt: 'changes a whole database',
  CreateTableSpaceStmt: 'tablespaces are folders on the server',
  DropTableSpaceStmt: 'tablespaces are folders on the server',
  AlterTableSpaceOptionsStmt: 'tablespaces are folders on the server',
  AlterSystemStmt: 'changes the server configuration',
  CreateSubscriptionStmt: 'a subscription connects to another server',
  AlterSubscriptionStmt: 'a subscription connects to another server',
  DropSubscriptionStmt: 'a subscription connects to another server',
  LoadStmt: 'loads a library into the server',
  CheckPointStmt: 'acts on the whole server',
};
/** Roles belong to the whole server: on a server lockwise did not start, it leaves them alone. */
const ROLE_STATEMENTS = new Set(['CreateRoleStmt', 'AlterRoleStmt', 'AlterRoleSetStmt', 'DropRoleStmt', 'GrantRoleStmt']);

function shorten(text: string, max = 60): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

function effectiveMode(mode: TransactionMode, statementCount: number): 'wrapped' | 'none' {
  if (mode === 'implicit') return statementCount > 1 ? 'wrapped' : 'none';
  if (mode === 'batched') return 'wrapped';
  return mode;
}

export interface TraceEnvironment {
  database: TraceDatabase;
  /** lockwise started the server, so roles may be created (and are dropped between histories). */
  ownsServer: boolean;
}

/**
 * Replays every history on the server, as lint does in its model: earlier migrations run
 * for real, each in its tool's transaction mode; the migrations under review are observed
 * statement by statement and compared with the lock table.
 */
export async function traceHistories(histories: readonly PlannedHistory[], environment: TraceEnvironment, options: TraceOptions): Promise<TraceResults> {
  await loadParser();
  const { database } = environment;
  const main = await connect(database.connection);
  const helper = await connect(database.connection);
  const reader = options.contention ? await connect(database.connection) : undefined;
  try {
    const pidOf = async (client: typeof main): Promise<number> => (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    // The helper must never wait long behind the migration's own transaction; where it would, the work moves into that transaction.
    await helper.query("SET lock_timeout = '100ms'");
    const connections: TraceConnections = {
      main,
      mainPid: await pidOf(main),
      helper,
      ...(reader ? { reader, readerPid: await pidOf(reader) } : {}),
    };
    const rolesAtStart = new Set((await helper.query<{ rolname: string }>('SELECT rolname FROM pg_roles')).rows.map((row) => row.rolname));
    const files: FileResult[] = [];
    const statements: StatementTrace[] = [];
    const notes: string[] = [];
    const total = histories.reduce((sum, history) => sum + history.migrations.length, 0);
    let done = 0;
    for (const history of histories) {
      // Each history starts from an empty database, also when the database was used before.
      await resetDatabase(connections, environment.ownsServer ? rolesAtStart : undefined);
      for (const migration of history.migrations) {
        const result = await traceMigration(migration, connections, environment, options, notes);
        if (migration.review) {
          files.push(result.file);
          statements.push(...result.statements);
        }
        options.onProgress?.(++done, total);
      }
    }
    if (environment.ownsServer) await dropNewRoles(helper, rolesAtStart);
    return { files, statements, notes };
  } finally {
    await Promise.all([main.end(), helper.end(), reader?.end()].map((closing) => closing?.catch(() => undefined)));
  }
}

/**
 * Each migration starts as a fresh session of the role that runs them would: no settings, temporary tables, cursors
 * or prepared statements left over, and the search_path the configuration gives.
 */
async function resetSession(client: TraceConnections['main'], searchPath: readonly string[] | undefined): Promise<void> {
  await client.query('DISCARD ALL');
  if (searchPath && searchPath.join(',') !== 'public') {
    await client.query(`SET search_path TO ${searchPath.map(quoteIdentifier).join(', ')}`);
  }
}

async function resetDatabase(connections: TraceConnections, rolesAtStart: Set<string> | undefined): Promise<void> {
  const { main, helper } = connections;
  if (main.getTransactionStatus() !== 'I') await main.query('ROLLBACK').catch(() => undefined);
  await resetSession(main, undefined);
  await helper.query(`DO $$ DECLARE s text; BEGIN
    FOR s IN SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname !~ '^pg_' LOOP
      EXECUTE format('DROP SCHEMA %I CASCADE', s);
    END LOOP;
    FOR s IN SELECT evtname FROM pg_event_trigger LOOP EXECUTE format('DROP EVENT TRIGGER %I', s); END LOOP;
    FOR s IN SELECT pubname FROM pg_publication LOOP EXECUTE format('DROP PUBLICATION %I', s); END LOOP;
  END $$`);
  await helper.query('CREATE SCHEMA public');
  if (rolesAtStart) await dropNewRoles(helper, rolesAtStart);
}

async function dropNewRoles(helper: TraceConnections['helper'], rolesAtStart: Set<string>): Promise<void> {
  const { rows } = await helper.query<{ rolname: string }>('SELECT rolname FROM pg_roles');
  for (const { rolname } of rows) {
    if (rolesAtStart.has(rolname)) continue;
    const role = `"${rolname.replace(/"/g, '""')}"`;
    await helper.query(`DROP OWNED BY ${role}`).catch(() => undefined);
    await helper.query(`DROP ROLE ${role}`).catch(() => undefined);
  }
}

function diagnostic(source: SourceFile, range: ByteRange, rule: string, severity: Severity, message: string, statementIndex?: number): Diagnostic {
  return { file: source.path, rule, severity, message, range, span: source.spanOf(range), ...(statementIndex !== undefined ? { statementIndex, statementStart: range.start } : {}) };
}

function refused(source: SourceFile, statement: Statement, message: string): Diagnostic {
  return diagnostic(source, statement.range, TRACE_STATEMENT_FAILED.id, 'warning', `PostgreSQL refused the statement: ${message}`, statement.index);
}

async function traceMigration(
  migration: PlannedMigration,
  connections: TraceConnections,
  environment: TraceEnvironment,
  options: TraceOptions,
  notes: string[],
): Promise<{ file: FileResult; statements: StatementTrace[] }> {
  const { input } = migration;
  if ('unreadable' in input) {
    const range = { start: 0, end: 0 };
    const span = { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
    return { file: { path: input.path, diagnostics: [{ file: input.path, rule: UNREADABLE_FILE.id, severity: 'error', message: input.unreadable, range, span }], skipped: [] }, statements: [] };
  }
  const source = new SourceFile(input.path, input.text);
  const parsed = parseSource(source, migration.upText);
  const diagnostics: Diagnostic[] = [];
  const traces: StatementTrace[] = [];
  const file: FileResult = { path: input.path, source, diagnostics, skipped: parsed.skipped };
  if (parsed.syntaxError) {
    const range = { start: parsed.syntaxError.offset, end: parsed.syntaxError.offset };
    diagnostics.push(diagnostic(source, range, SYNTAX_ERROR.id, 'error', `${parsed.syntaxError.message}; the file was not run`));
    return { file, statements: traces };
  }

  const { main, helper } = connections;
  if (main.getTransactionStatus() !== 'I') await main.query('ROLLBACK');
  await resetSession(main, options.searchPath);
  const topLevel = parsed.statements.filter((statement) => statement.insideBlock === undefined);
  const mode = effectiveMode(migration.transactionMode, topLevel.length);
  const atStart = await takeSnapshot(helper);
  const context: RunContext = { connections, pgVersion: options.pgVersion, rows: options.rows, createdInTransaction: new Set(), notes: [] };
  if (mode === 'wrapped') await main.query('BEGIN');

  // A tool that sends several statements as one query outside a transaction of its own (goose's StatementBegin block under
  // NO TRANSACTION): PostgreSQL runs them as one implicit transaction block, which a BEGIN and COMMIT around them reproduce.
  const sharedQuery = mode === 'none' ? sharedQueries(parsed.statements, sharedQueryEnds(migration.runner)) : undefined;
  let openQuery: QuerySpan | undefined;
  const endQuery = async (): Promise<void> => {
    const status = main.getTransactionStatus();
    if (status === 'T') await main.query('COMMIT');
    else if (status === 'E') await main.query('ROLLBACK');
    openQuery = undefined;
    context.createdInTransaction.clear();
  };
  // Liquibase commits each changeset, and runs the next in a transaction of its own or statement by statement.
  const anew = migration.runner?.transactionsFrom ?? [];
  let nextAnew = 0;
  let wrappedNow = mode === 'wrapped';
  for (const statement of topLevel) {
    while (nextAnew < anew.length && statement.range.start >= anew[nextAnew]!.at) {
      wrappedNow = anew[nextAnew++]!.wrapped;
      await endQuery();
      if (wrappedNow) await main.query('BEGIN');
    }
    if (openQuery && statement.index > openQuery.last) await endQuery();
    const span = sharedQuery?.(statement);
    if (span && statement.index === span.first && main.getTransactionStatus() === 'I') {
      await main.query('BEGIN');
      openQuery = span;
    }
    const inner = parsed.statements.filter((candidate) => candidate.insideBlock === statement.index);
    const sql = parsed.sqlText(statement.range);
    const line = source.positionAt(statement.range.start).line;
    const trace: StatementTrace = { file: input.path, line, range: statement.range, text: shorten(source.slice(statement.range)), status: 'observed' };
    const skipReason = NEVER_RUN[statement.kind] ?? (ROLE_STATEMENTS.has(statement.kind) && !environment.ownsServer ? 'roles belong to the whole server, not the scratch database' : undefined);
    if (skipReason) {
      if (migration.review) traces.push({ ...trace, status: 'not-run', reason: skipReason });
      continue;
    }
    if (statement.kind === 'TransactionStmt') {
      // BEGIN, COMMIT, SAVEPOINT ...: run as they are; they lock no table.
      const started = performance.now();
      try {
        await main.query(sql);
      } catch (error) {
        trace.status = 'failed';
        trace.reason = (error as Error).message;
        if (migration.review) diagnostics.push(refused(source, statement, trace.reason));
      }
      trace.durationMs = performance.now() - started;
      if (main.getTransactionStatus() === 'I') context.createdInTransaction.clear();
      if (migration.review) traces.push(trace);
      continue;
    }
    // A batched tool commits what came before a statement it runs alone, and begins again after it.
    const runsAlone = migration.transactionMode === 'batched' && main.getTransactionStatus() === 'T' && runsAloneInBatchedMode(sql);
    if (runsAlone) {
      await main.query('COMMIT');
      context.createdInTransaction.clear();
    }
    const claims = claimsOf(statement, inner, options.pgVersion);
    if (migration.review && options.contention) {
      const outcome = await runContention(sql, statement, claims, context);
      if (outcome) {
        trace.contention = outcome;
        if (outcome.kind === 'queued') diagnostics.push(diagnostic(source, statement.range, TRACE_LOCK_QUEUE.id, 'error', outcome.summary, statement.index));
      }
    }
    const run = await runStatement(sql, statement, claims, context);
    Object.assign(trace, {
      durationMs: run.durationMs,
      lockTimeout: run.settings.lockTimeout,
      statementTimeout: run.settings.statementTimeout,
      watched: run.watched,
      ...(run.observation ? { observation: run.observation } : {}),
    });
    if (run.status === 'failed') {
      trace.status = 'failed';
      trace.reason = run.error!.message;
      if (migration.review) diagnostics.push(refused(source, statement, run.error!.message));
    } else if (run.observation && run.observation.mismatches.length > 0 && migration.review) {
      const message = `the lock table is wrong about this statement on PostgreSQL ${options.pgVersion}: ${run.observation.mismatches.join('; ')}`;
      diagnostics.push(diagnostic(source, statement.range, TRACE_LOCK_MISMATCH.id, 'error', message, statement.index));
    }
    if (migration.review) traces.push(trace);
    if (runsAlone) await main.query('BEGIN');
  }

  if (openQuery) await endQuery();
  // The tool commits its transaction; one the file opened and never closed ends with the session, rolled back.
  const status = main.getTransactionStatus();
  if (status === 'T' && wrappedNow) await main.query('COMMIT').catch(() => main.query('ROLLBACK'));
  else if (status !== 'I') await main.query('ROLLBACK');
  await fillNewTables(helper, atStart, options.rows, context.notes);
  notes.push(...[...new Set(context.notes)].map((note) => `${input.path}: ${note}`));
  diagnostics.sort((a, b) => a.range.start - b.range.start || a.rule.localeCompare(b.rule));
  return { file, statements: traces };
}

/** Tables the migration created get rows, so that the migrations after it scan and rewrite real data. */
async function fillNewTables(helper: TraceConnections['helper'], atStart: Map<number, unknown>, rows: number, notes: string[]): Promise<void> {
  if (rows === 0) return;
  const now = await takeSnapshot(helper);
  for (const relation of now.values()) {
    if (atStart.has(relation.oid)) continue;
    const isPartition = relation.parentOid !== undefined && now.get(relation.parentOid)?.kind === 'p';
    if ((relation.kind !== 'r' && relation.kind !== 'p') || isPartition) continue;
    const note = await fillTable(helper, relation.oid, relation.name, rows);
    if (note) notes.push(note);
  }
}
