import type { RuleContext } from './context.js';

/** Messages for a statement PostgreSQL refuses inside a transaction block, by how the block came about. */
export const REFUSED_IN_TRANSACTION_MESSAGES = {
  explicitTransaction:
    'PostgreSQL rejects {{command}} inside a transaction block ("cannot run inside a transaction block"): this statement runs inside the transaction opened on line {{line}}, so the migration fails.',
  wrappedByTool:
    'PostgreSQL rejects {{command}} inside a transaction block ("cannot run inside a transaction block"), and this file runs inside the transaction its migration tool wraps around each file, so the migration fails.',
  implicitTransaction:
    'PostgreSQL rejects {{command}} inside a transaction block ("cannot run inside a transaction block"), and the migration tool sends this whole file as one query, which PostgreSQL runs as one implicit transaction because the file holds more than one statement.',
  insideBlock:
    'PostgreSQL rejects {{command}} inside a DO block or function ("cannot be executed from a function"), since a block always runs inside a transaction, so the migration fails.',
  help: 'Move {{command}} to a migration of its own that runs outside a transaction block (most tools have a per-file switch to turn the wrapping transaction off).',
  implicitHelp:
    'Move {{command}} to a migration file of its own, as its only statement: the tool sends the file as one query, and PostgreSQL runs a query of one statement outside a transaction block.',
  insideBlockHelp: 'Move {{command}} out of the DO block or function, to a migration of its own that runs outside a transaction block.',
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
    context.report({ messageId: 'explicitTransaction', helpId: 'help', data: { command, line } });
  } else if (context.environment.transactionMode === 'implicit') {
    context.report({ messageId: 'implicitTransaction', helpId: 'implicitHelp', data: { command } });
  } else {
    context.report({ messageId: 'wrappedByTool', helpId: 'help', data: { command } });
  }
}
