import type { Node, VariableSetStmt } from '@pgsql/types';
import type { Statement } from '../parse/parse.js';
import { asKind } from '../parse/node-types.js';

/** How the migration tool runs one file. */
export type TransactionMode =
  /** Inside BEGIN ... COMMIT of its own. */
  | 'wrapped'
  /** As one multi-statement query, which PostgreSQL runs as one implicit transaction block when it holds more than one statement. */
  | 'implicit'
  /** Statement by statement, each committing on its own unless the file says BEGIN, as psql does. */
  | 'none'
  /**
   * Inside the tool's transaction, except the statements the tool runs on their own: it commits
   * what came before, runs the statement outside any transaction, and opens a new one for the
   * rest (the Supabase CLI since 2.109).
   */
  | 'batched';

/** What a migration tool's runner does that lockwise cannot read from the file. */
export interface RunnerTraits {
  /**
   * After a COMMIT or ROLLBACK in the file, the tool's connection runs the statements that follow each on its own, as PostgreSQL
   * does when no BEGIN comes (drizzle on node-postgres); otherwise the tool begins a new transaction with the next statement.
   */
  autocommitsAfterCommit?: true;
  /**
   * The runner, named for help ("drizzle's migrator"), runs every migration pending in a deploy inside one transaction: a later
   * migration of the same deploy is no separate transaction.
   */
  pendingInOneTransaction?: string;
  /**
   * The tool sends the up part as queries of its own, each ending at one of these byte offsets (goose and sql-migrate end one
   * after each line whose last word ends with a semicolon, outside StatementBegin and StatementEnd; tern under disable-tx,
   * after each semicolon outside quotes and comments, dollar quotes unknown to it): a statement that spans one reaches
   * PostgreSQL in pieces.
   */
  cutsQueries?: { tool: QueryCuttingTool; at: number[] };
  /**
   * The tool commits at each of these byte offsets and goes on from there in a transaction of its own (`wrapped`), or
   * statement by statement: Liquibase runs each changeset of a file in a transaction of its own, or without one under
   * runInTransaction:false. The file's transaction mode is the first one's.
   */
  transactionsFrom?: ToolTransaction[];
  /** What the tool wraps in a transaction, for messages and help, when it is not each file: Liquibase's changesets. */
  wrapsEach?: 'changeset';
  /**
   * Where a statement goes to run outside a transaction with this tool, when it is not the tool's usual switch: a Liquibase
   * plain SQL file or sqlFile has no `--changeset` line to put runInTransaction:false on.
   */
  optOut?: string;
}

/** Where the tool begins anew in a file, and how (see RunnerTraits.transactionsFrom). */
export interface ToolTransaction {
  at: number;
  wrapped: boolean;
}

/** The tools that cut a file into queries themselves, rather than sending it whole or as PostgreSQL's parser reads it. */
export type QueryCuttingTool = 'goose' | 'sql-migrate' | 'tern' | 'liquibase';

/**
 * Where the tool's queries end, for the statements that share one query: goose's, sql-migrate's and tern's. Liquibase's pieces
 * go through the JDBC driver, which splits them again as PostgreSQL reads them, so its cuts matter only inside a statement.
 */
export function sharedQueryEnds(runner: RunnerTraits | undefined): number[] | undefined {
  return runner?.cutsQueries?.tool === 'liquibase' ? undefined : runner?.cutsQueries?.at;
}

/** Whether the tool runs the file inside a transaction of its own (all of it, or all but the statements it runs alone). */
export function wrapsEachFile(mode: TransactionMode): boolean {
  return mode === 'wrapped' || mode === 'batched';
}

// supabase/cli, pkg/migration/file.go isPipelineIncompatible (2.109 and later; DROP INDEX CONCURRENTLY since supabase/cli#6276),
// matched as the CLI matches them: on the statement's text, upper-cased, from its first token. So `REINDEX (CONCURRENTLY) ...`
// stays in the transaction, and fails there.
const RUN_ALONE_IN_BATCHED_MODE = [
  /^CREATE\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY(\s|$)/,
  /^DROP\s+INDEX\s+CONCURRENTLY(\s|$)/,
  /^REINDEX(\s|\().*\sCONCURRENTLY(\s|$)/s,
  /^VACUUM(\s|\(|$)/,
  /^ALTER\s+SYSTEM(\s|$)/,
  /^CLUSTER(\s|$)/,
];

/** Whether a tool in `batched` mode runs this statement (its text from the first token) on its own, outside its transaction. */
export function runsAloneInBatchedMode(statementText: string): boolean {
  const upper = statementText.toUpperCase();
  return RUN_ALONE_IN_BATCHED_MODE.some((pattern) => pattern.test(upper));
}

export interface TransactionState {
  /** The statement runs inside a transaction block, explicit or from the migration tool. */
  inTransaction: boolean;
  /** Opened by BEGIN / START TRANSACTION in this file, not by the tool. */
  explicit: boolean;
  /** Index of the statement that opened the explicit transaction. */
  openedAt?: number;
  /** Identifies the transaction: two statements with the same id run in the same transaction. */
  id: number;
  /**
   * The implicit transaction block of one query of several statements, which a tool that runs no transaction of its own
   * sends together (goose's or sql-migrate's StatementBegin block): the indexes of its first and last statements.
   */
  oneQuery?: QuerySpan;
}

/** The top-level statements a tool sends as one query, by their indexes. */
export interface QuerySpan {
  first: number;
  last: number;
}

export interface SettingValue {
  value: string;
  /** Set with SET LOCAL (or set_config(..., true)): it ends with the transaction. */
  local: boolean;
  statementIndex: number;
}

/** A setting's value, or null where it was RESET to the server default. */
type Assignments = Map<string, SettingValue | null>;

interface SettingsSnapshot {
  /** SET (session level) made in the transaction; kept at COMMIT. */
  session: Assignments;
  /** SET LOCAL made in the transaction; gone at COMMIT or ROLLBACK. */
  local: Assignments;
}

interface OpenTransaction extends SettingsSnapshot {
  explicit: boolean;
  openedAt?: number;
  id: number;
  oneQuery?: QuerySpan;
  savepoints: Array<{ name: string } & SettingsSnapshot>;
}

/**
 * Transaction and session-setting state as it evolves through a file, as PostgreSQL
 * keeps it: SET inside a transaction that rolls back is undone, SET LOCAL ends with
 * its transaction and then the session value shows again, ROLLBACK TO SAVEPOINT undoes
 * what followed the savepoint. When the migration tool wraps the file in a
 * transaction, a COMMIT or ROLLBACK in the file ends it; a tool whose connection does not
 * autocommit (JDBC's) starts the next one with the following statement, and with
 * `reopensAfterCommit` false the statements that follow run on their own.
 */
export class SessionState {
  private committed = new Map<string, SettingValue>();
  private transaction: OpenTransaction | undefined;
  private nextTransactionId = 1;

  /** The tool's transaction was committed for a statement it runs alone, and opens again after it. */
  private reopensAfterStatement = false;

  constructor(
    private wrappedByTool: boolean,
    /** In `batched` mode: whether the tool runs a top-level statement on its own. */
    private readonly runsAlone: (statement: Statement) => boolean = () => false,
    private readonly reopensAfterCommit = true,
    /** For a tool that sends statements outside a transaction of its own: the query a top-level statement shares with others. */
    private readonly sharedQuery: (statement: Statement) => QuerySpan | undefined = () => undefined,
  ) {
    if (wrappedByTool) this.transaction = this.open(false);
  }

  /**
   * Call before a statement is judged: a statement the tool runs alone ends the tool's transaction before it runs; a query of
   * several statements runs as one implicit transaction block, from its first statement to its last.
   */
  beforeStatement(statement: Statement): void {
    if (statement.insideBlock !== undefined) return;
    const transaction = this.transaction;
    if (!this.wrappedByTool) {
      if (transaction?.oneQuery && !transaction.explicit && statement.index > transaction.oneQuery.last) {
        this.commit(transaction);
        this.transaction = undefined;
      }
      const span = this.transaction ? undefined : this.sharedQuery(statement);
      if (span && statement.index === span.first) this.transaction = { ...this.open(false), oneQuery: span };
      return;
    }
    if (!transaction || transaction.explicit || !this.runsAlone(statement)) return;
    this.commit(transaction);
    this.transaction = undefined;
    this.reopensAfterStatement = true;
  }

  /** The tool commits what is open and goes on in a transaction of its own, or statement by statement (Liquibase's next changeset). */
  toolBeginsAnew(wrapped: boolean): void {
    if (this.transaction) this.commit(this.transaction);
    this.transaction = wrapped ? this.open(false) : undefined;
    this.wrappedByTool = wrapped;
  }

  get current(): TransactionState {
    const transaction = this.transaction;
    if (!transaction) return { inTransaction: false, explicit: false, id: 0 };
    return {
      inTransaction: true,
      explicit: transaction.explicit,
      ...(transaction.openedAt !== undefined ? { openedAt: transaction.openedAt } : {}),
      id: transaction.id,
      ...(transaction.oneQuery ? { oneQuery: transaction.oneQuery } : {}),
    };
  }

  setting(name: string): SettingValue | undefined {
    const transaction = this.transaction;
    if (transaction) {
      for (const assignments of [transaction.local, transaction.session]) {
        if (assignments.has(name)) return assignments.get(name) ?? undefined;
      }
    }
    return this.committed.get(name);
  }

  apply(statement: Statement): void {
    this.applyStatement(statement);
    if (this.reopensAfterStatement) {
      this.reopensAfterStatement = false;
      this.transaction ??= this.open(false);
    }
  }

  private applyStatement(statement: Statement): void {
    const transactionStmt = asKind(statement.node, 'TransactionStmt');
    if (transactionStmt) {
      this.applyTransaction(transactionStmt, statement.index);
      return;
    }
    const variableSet = asKind(statement.node, 'VariableSetStmt');
    if (variableSet) {
      this.applySet(variableSet, statement.index);
      return;
    }
    for (const [name, value, local] of setConfigCalls(statement.node)) {
      this.assign(name, { value, local, statementIndex: statement.index });
    }
  }

  private open(explicit: boolean, openedAt?: number): OpenTransaction {
    return {
      explicit,
      ...(openedAt !== undefined ? { openedAt } : {}),
      id: this.nextTransactionId++,
      session: new Map(),
      local: new Map(),
      savepoints: [],
    };
  }

  private applyTransaction(stmt: NonNullable<ReturnType<typeof asKind<'TransactionStmt'>>>, index: number): void {
    const transaction = this.transaction;
    switch (stmt.kind) {
      case 'TRANS_STMT_BEGIN':
      case 'TRANS_STMT_START':
        if (!transaction) this.transaction = this.open(true, index);
        else if (!transaction.explicit && transaction.savepoints.length === 0) {
          // BEGIN inside the tool's transaction is ignored by PostgreSQL (with a warning); it stays one transaction.
          transaction.explicit = true;
          transaction.openedAt = index;
        }
        return;
      case 'TRANS_STMT_SAVEPOINT':
        transaction?.savepoints.push({ name: stmt.savepoint_name ?? '', session: new Map(transaction.session), local: new Map(transaction.local) });
        return;
      case 'TRANS_STMT_RELEASE':
        if (transaction) transaction.savepoints.splice(this.savepointIndex(stmt.savepoint_name));
        return;
      case 'TRANS_STMT_ROLLBACK_TO': {
        if (!transaction) return;
        const at = this.savepointIndex(stmt.savepoint_name);
        const savepoint = transaction.savepoints[at];
        if (!savepoint) return;
        transaction.savepoints.splice(at + 1);
        transaction.session = new Map(savepoint.session);
        transaction.local = new Map(savepoint.local);
        return;
      }
      case 'TRANS_STMT_COMMIT':
        if (transaction) this.commit(transaction);
        this.endTransaction(stmt.chain === true, index);
        return;
      case 'TRANS_STMT_ROLLBACK':
      case 'TRANS_STMT_PREPARE':
        this.endTransaction(stmt.chain === true, index);
        return;
      default:
        return;
    }
  }

  /** Session-level settings made in the transaction outlive it. */
  private commit(transaction: OpenTransaction): void {
    for (const [name, value] of transaction.session) {
      if (value) this.committed.set(name, value);
      else this.committed.delete(name);
    }
  }

  private endTransaction(chain: boolean, index: number): void {
    const wasExplicit = this.transaction?.explicit ?? false;
    this.transaction = undefined;
    if (chain) this.transaction = this.open(wasExplicit, index);
    else if (this.wrappedByTool && this.reopensAfterCommit) this.transaction = this.open(false);
  }

  private savepointIndex(name: string | undefined): number {
    const savepoints = this.transaction?.savepoints ?? [];
    for (let i = savepoints.length - 1; i >= 0; i--) if (savepoints[i]!.name === name) return i;
    return savepoints.length;
  }

  private applySet(stmt: VariableSetStmt, index: number): void {
    if (stmt.kind === 'VAR_RESET_ALL') {
      for (const name of new Set([...this.committed.keys(), ...(this.transaction?.session.keys() ?? [])])) this.reset(name, false);
      return;
    }
    const name = stmt.name?.toLowerCase();
    if (!name) return;
    if (stmt.kind === 'VAR_RESET' || stmt.kind === 'VAR_SET_DEFAULT') {
      this.reset(name, stmt.is_local === true);
      return;
    }
    if (stmt.kind !== 'VAR_SET_VALUE') return;
    const value = (stmt.args ?? []).map(constantText).join(', ');
    this.assign(name, { value, local: stmt.is_local === true, statementIndex: index });
  }

  private reset(name: string, local: boolean): void {
    const transaction = this.transaction;
    if (!transaction) {
      if (!local) this.committed.delete(name);
      return;
    }
    if (local) transaction.local.set(name, null);
    else {
      transaction.session.set(name, null);
      transaction.local.delete(name);
    }
  }

  /** SET LOCAL outside a transaction block has no effect (PostgreSQL only warns). */
  private assign(name: string, setting: SettingValue): void {
    const transaction = this.transaction;
    if (!transaction) {
      if (!setting.local) this.committed.set(name, setting);
      return;
    }
    if (setting.local) transaction.local.set(name, setting);
    else {
      transaction.session.set(name, setting);
      transaction.local.delete(name);
    }
  }
}

function constantText(node: Node): string {
  const constant = asKind(node, 'A_Const');
  if (!constant) return '';
  if (constant.sval) return constant.sval.sval ?? '';
  if (constant.ival) return String(constant.ival.ival ?? 0);
  if (constant.fval) return constant.fval.fval ?? '';
  if (constant.boolval) return String(constant.boolval.boolval ?? false);
  return '';
}

/** `SELECT set_config('lock_timeout', '2s', false)`, the form some migration tools emit. */
function setConfigCalls(node: Node): Array<[string, string, boolean]> {
  const select = asKind(node, 'SelectStmt');
  const calls: Array<[string, string, boolean]> = [];
  for (const target of select?.targetList ?? []) {
    const call = asKind(asKind(target, 'ResTarget')?.val, 'FuncCall');
    const functionName = call?.funcname?.map((part) => asKind(part, 'String')?.sval).join('.');
    if (!call || (functionName !== 'set_config' && functionName !== 'pg_catalog.set_config')) continue;
    const [name, value, isLocal] = (call.args ?? []).map(constantText);
    if (name && value !== undefined) calls.push([name.toLowerCase(), value, isLocal === 'true']);
  }
  return calls;
}

/**
 * The query each top-level statement shares with others, where the tool ends its queries at `cuts` (goose's and
 * sql-migrate's, outside a transaction of their own): a statement belongs to the query that ends at the first cut after it.
 */
export function sharedQueries(statements: readonly Statement[], cuts: readonly number[] | undefined): ((statement: Statement) => QuerySpan | undefined) | undefined {
  if (!cuts) return undefined;
  const queries: Statement[][] = [];
  let query = 0;
  for (const statement of statements) {
    if (statement.insideBlock !== undefined) continue;
    while (query < cuts.length && cuts[query]! < statement.range.end) query++;
    (queries[query] ??= []).push(statement);
  }
  const spans = new Map<Statement, QuerySpan>();
  for (const together of queries) {
    if (!together || together.length < 2) continue;
    const span = { first: together[0]!.index, last: together.at(-1)!.index };
    for (const statement of together) spans.set(statement, span);
  }
  return (statement) => spans.get(statement);
}
