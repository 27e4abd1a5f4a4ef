import type { Node } from '@pgsql/types';
import type { Statement } from '../parse/parse.js';
import { asKind } from '../parse/node-types.js';
import { relationFromRangeVar, type RelationName } from '../model/names.js';
import type { RuleContext } from './context.js';

/**
 * The statement that creates a relation of the dropped one's name again later in the same transaction
 * (`DROP VIEW v; ...; CREATE VIEW v`), if any: the application goes on querying it, waiting on the drop's lock
 * meanwhile. Only called while a transaction is open; it ends at COMMIT, ROLLBACK or the end of the file.
 */
export function createdAgainLater(context: RuleContext<string>, drop: Statement, dropped: RelationName): Node | undefined {
  return statementCreatingAgain(context, drop, dropped)?.node;
}

/** The statement of the rest of the transaction that creates the dropped relation again (CREATE TABLE, CREATE TABLE AS, CREATE VIEW). */
export function statementCreatingAgain(context: RuleContext<string>, drop: Statement, dropped: RelationName): Statement | undefined {
  return restOfTransaction(context, drop).find((later) => createsAgain(context, later, dropped));
}

/** The first statement after the drop, in the rest of the file, that creates the dropped relation again. */
export function statementCreatingAgainInFile(context: RuleContext<string>, drop: Statement, dropped: RelationName): Statement | undefined {
  return context.statements.slice(drop.index + 1).find((later) => later.insideBlock === undefined && createsAgain(context, later, dropped));
}

function createsAgain(context: RuleContext<string>, statement: Statement, dropped: RelationName): boolean {
  const created = relationCreatedBy(statement);
  return created !== undefined && context.schema.sameTable(created, dropped);
}

/** The table or view a CREATE TABLE, CREATE TABLE ... AS or CREATE VIEW makes, as written. */
export function relationCreatedBy(statement: Statement): RelationName | undefined {
  const created = asKind(statement.node, 'CreateStmt')?.relation ?? asKind(statement.node, 'CreateTableAsStmt')?.into?.rel ?? asKind(statement.node, 'ViewStmt')?.view;
  return created && relationFromRangeVar(created);
}

/**
 * Whether a later statement of the transaction runs a procedure (CALL), which may create the dropped relation again
 * where lockwise cannot see it (`DROP MATERIALIZED VIEW v; ... CALL create_v();`).
 */
export function callsLater(context: RuleContext<string>, drop: Statement): boolean {
  return restOfTransaction(context, drop).some((later) => later.kind === 'CallStmt');
}

/**
 * The statements after `statement` up to the end of its transaction: COMMIT, ROLLBACK, PREPARE TRANSACTION, the start of
 * the tool's next transaction (Liquibase's next changeset) or the end of the file.
 */
export function restOfTransaction(context: RuleContext<string>, statement: Statement): readonly Statement[] {
  const later = context.statements.slice(statement.index + 1);
  const toolBeginsAnew = context.environment.runner?.transactionsFrom?.find(({ at }) => at > statement.range.start)?.at ?? Number.POSITIVE_INFINITY;
  const end = later.findIndex((other) => {
    if (other.insideBlock === undefined && other.range.start >= toolBeginsAnew) return true;
    const kind = asKind(other.node, 'TransactionStmt')?.kind;
    return kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK' || kind === 'TRANS_STMT_PREPARE';
  });
  return end === -1 ? later : later.slice(0, end);
}

/**
 * Whether a relation created again in the same transaction serves the running release as the old one did: its
 * queries wait on the lock, then find the new relation. A CREATE TABLE must have every column the model knew of the
 * old one; CREATE TABLE ... AS and CREATE VIEW take their columns from a query lockwise cannot follow, and are given
 * the benefit.
 */
export function servesLikeTheOld(context: RuleContext<string>, created: Node | undefined, old: RelationName): boolean {
  if (asKind(created, 'CreateTableAsStmt') || asKind(created, 'ViewStmt')) return true;
  return columnsLeftOut(context, created, old)?.length === 0;
}

/** The columns the model knew of `old` that a CREATE TABLE making it again leaves out; undefined when either is unknown. */
export function columnsLeftOut(context: RuleContext<string>, created: Node | undefined, old: RelationName): string[] | undefined {
  const elements = asKind(created, 'CreateStmt')?.tableElts;
  const known = context.schema.table(old)?.columns;
  if (!elements || !known) return undefined;
  const names = new Set(elements.map((element) => asKind(element, 'ColumnDef')?.colname));
  return [...known.keys()].filter((column) => !names.has(column));
}

/**
 * Whether a later statement of the transaction renames another table or view into the old one's name (the swap
 * `RENAME TO t_old; ALTER TABLE t_new RENAME TO t`), one with every column the model knew of the old one: the running
 * release's queries wait on the lock, then find it. A view is given the benefit, as in servesLikeTheOld.
 */
export function renamedIntoPlaceLater(context: RuleContext<string>, statement: Statement, old: RelationName): boolean {
  const known = context.schema.table(old)?.columns;
  return restOfTransaction(context, statement).some((later) => {
    const rename = asKind(later.node, 'RenameStmt');
    if (!rename?.relation || !rename.newname || !RENAMED_RELATIONS.has(rename.renameType ?? '')) return false;
    const renamed = relationFromRangeVar(rename.relation);
    if (!context.schema.sameTable({ ...(renamed.schema ? { schema: renamed.schema } : {}), name: rename.newname }, old)) return false;
    const incoming = context.schema.table(renamed);
    if (incoming?.kind === 'view' || incoming?.kind === 'materialized view') return true;
    return known !== undefined && incoming !== undefined && [...known.keys()].every((column) => incoming.columns.has(column));
  });
}

const RENAMED_RELATIONS: ReadonlySet<string> = new Set(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW']);

/** Messages for a statement PostgreSQL refuses inside a transaction block, by how the block came about. */
export const REFUSED_IN_TRANSACTION_MESSAGES = {
  explicitTransaction:
    'PostgreSQL rejects {{command}} inside a transaction block ("cannot run inside a transaction block"): this statement runs inside the transaction opened on line {{line}}, so the migration fails.',
  wrappedByTool:
    'PostgreSQL rejects {{command}} inside a transaction block ("cannot run inside a transaction block"), and this file runs inside the transaction its migration tool wraps around each {{unit}}, so the migration fails.',
  refusedByTool: '{{refusal}}, so the migration fails.',
  implicitTransaction:
    'PostgreSQL rejects {{command}} inside a transaction block ("cannot run inside a transaction block"), and the migration tool sends this whole file as one query, which PostgreSQL runs as one implicit transaction because the file holds more than one statement.',
  sharedQuery:
    'PostgreSQL rejects {{command}} inside a transaction block ("cannot run inside a transaction block"), and {{tool}} sends it in one query with the other statements of {{lines}}, which PostgreSQL runs as one implicit transaction block, so the migration fails.',
  insideBlock:
    'PostgreSQL rejects {{command}} inside a DO block or function ("cannot be executed from a function"), since a block always runs inside a transaction, so the migration fails.',
  help: 'Move {{command}} to {{destination}}.',
  implicitHelp:
    'Move {{command}} to a migration file of its own, as its only statement: the tool sends the file as one query, and PostgreSQL runs a query of one statement outside a transaction block.',
  insideBlockHelp: 'Move {{command}} out of the DO block or function, to a migration of its own that runs outside a transaction block.',
  sharedQueryHelp:
    'Give {{command}} a query of its own: put it between StatementBegin and StatementEnd lines of its own, or outside such lines, on a line of its own that ends with its semicolon.',
  sharedQueryTernHelp:
    'Give {{command}} a migration of its own, with the disable-tx line, or mend what tern misreads before it: tern reads a comment that ends with a backslash as going on over the next line, and a quote after the letter e as opening a string in which a backslash escapes.',
} as const;

type RefusedMessageId = keyof typeof REFUSED_IN_TRANSACTION_MESSAGES;

/** Reports the current statement, named `command`, when it runs inside a transaction block of any kind. */
export function reportIfInTransaction(context: RuleContext<RefusedMessageId>, command: string): void {
  const { transaction } = context;
  if (!transaction.inTransaction) return;
  if (context.statement.insideBlock !== undefined) {
    context.report({ messageId: 'insideBlock', helpId: 'insideBlockHelp', data: { command } });
  } else if (transaction.explicit && transaction.openedAt !== undefined) {
    const opener = context.statements[transaction.openedAt];
    const line = opener ? context.lineOf(opener.range.start) : 1;
    context.report({ messageId: 'explicitTransaction', helpId: 'help', data: { command, line, destination: moveDestination(context) } });
  } else if (transaction.oneQuery) {
    const { first, last } = transaction.oneQuery;
    const line = (index: number): number => context.lineOf(context.statements[index]!.range.start);
    const tool = context.environment.runner?.cutsQueries?.tool ?? 'the migration tool';
    const lines = line(first) === line(last) ? `line ${line(first)}` : `lines ${line(first)} to ${line(last)}`;
    context.report({ messageId: 'sharedQuery', helpId: tool === 'tern' ? 'sharedQueryTernHelp' : 'sharedQueryHelp', data: { command, tool, lines } });
  } else if (context.environment.refusedBecause) {
    context.report({ messageId: 'refusedByTool', helpId: 'help', data: { command, refusal: context.environment.refusedBecause, destination: moveDestination(context) } });
  } else if (context.environment.transactionMode === 'implicit') {
    context.report({ messageId: 'implicitTransaction', helpId: 'implicitHelp', data: { command } });
  } else {
    context.report({ messageId: 'wrappedByTool', helpId: 'help', data: { command, destination: moveDestination(context), unit: wrappedUnit(context) } });
  }
}

/**
 * Where a statement that must run outside a transaction block should go, for help: the way out that the migration tool
 * offers (its per-file switch, or a file of one statement for a tool that sends the file as one query).
 */
export function outsideTransactionBlock(context: RuleContext<string>): string {
  const { transactionMode } = context.environment;
  if (transactionMode === 'implicit' && sentAsOneQuery(context)) {
    return 'as the only statement of a migration file of its own (the tool sends a file as one query, which runs outside a transaction block only when it holds one statement)';
  }
  if (transactionMode === 'wrapped') return `in ${moveDestination(context)}`;
  return 'outside a transaction block';
}

/** Whether a statement that must run outside a transaction block needs a migration file of its own: the tool runs each file in one. */
export function needsMigrationOfItsOwn(context: RuleContext<string>): boolean {
  const { transactionMode } = context.environment;
  return transactionMode === 'wrapped' || (transactionMode === 'implicit' && sentAsOneQuery(context));
}

/** A file of several statements, which a tool that sends the file as one query runs as one implicit transaction. */
function sentAsOneQuery(context: RuleContext<string>): boolean {
  return context.statements.filter((statement) => statement.insideBlock === undefined).length > 1;
}

/** Where to move a statement PostgreSQL refuses in a transaction block, for help. */
function moveDestination(context: RuleContext<string>): string {
  if (wrappedUnit(context) === 'changeset') return optOutOf(context);
  return `a migration of its own that runs outside a transaction block (${optOutOf(context)})`;
}

/** What the migration tool wraps in a transaction of its own: each file, or each of Liquibase's changesets. */
export function wrappedUnit(context: RuleContext<string>): 'file' | 'changeset' {
  return context.environment.runner?.wrapsEach ?? 'file';
}

/** The migration tool's switch for running a file outside a transaction, when lockwise knows it. */
export function optOutOf(context: RuleContext<string>): string {
  return context.environment.runner?.optOut ?? context.environment.transactionOptOut ?? 'most tools have a per-file switch to turn the wrapping transaction off';
}
