import type { Statement } from '../parse/parse.js';
import { asKind } from '../parse/node-types.js';
import type { TransactionState } from '../model/session-state.js';
import type { LockedKind, SchemaModel } from '../model/schema-model.js';
import { relationFromRangeVar, type RelationName } from '../model/names.js';
import type { LockClaim } from '../knowledge/statement-locks.js';

/** A lock the current transaction took before the statement under review, and holds until it ends. */
export interface HeldLock {
  claim: LockClaim;
  /** The table whose traffic the lock stops, as named when it was taken: for an index, its table when the model knew it. */
  table: RelationName;
  /** The statement that took it. */
  statement: Statement;
  /** It fell on a table that holds production data when it was taken (see RuleContext.locksExistingTable). */
  onExistingTable: boolean;
  /** What the relation was when the lock was taken, when the model knew it: a view the transaction then drops is still called a view. */
  relationKind?: LockedKind;
  /**
   * Where the statement that took it stands, for a lock held since a migration before this one: a runner that runs every
   * migration pending in a deploy in one transaction (drizzle's) keeps it through this one.
   */
  earlier?: { migration: string; line: number };
}

const NONE: readonly HeldLock[] = [];

/**
 * The locks a file's transaction holds, statement by statement: what each statement took stays held
 * until COMMIT or ROLLBACK, ROLLBACK TO a savepoint releases what was taken after it, and a table
 * renamed or moved is held under its new name too (a later statement names it so).
 */
export class TransactionLocks {
  private transactionId: number | undefined;
  private held: HeldLock[] = [];
  private savepoints: Array<{ name: string; heldBefore: number }> = [];
  /** Locks an earlier migration left held in the tool's transaction, which the file's first transaction continues. */
  private carried: readonly HeldLock[] | undefined;

  /** Locks the migrations before this one took in the tool's transaction, which this file runs on in. */
  carryIn(locks: readonly HeldLock[]): void {
    this.carried = locks.length > 0 ? locks : undefined;
  }

  /** The locks held when a statement of `transaction` starts: none outside a transaction block. */
  heldIn(transaction: TransactionState): readonly HeldLock[] {
    if (transaction.inTransaction && transaction.id === this.transactionId) return this.held;
    return this.carried && this.continuesCarried(transaction) ? this.carried : NONE;
  }

  /** The locks still held at the end of the file in the tool's transaction, which a runner may carry into the next migration. */
  heldAtEnd(transaction: TransactionState): readonly HeldLock[] {
    return transaction.inTransaction && !transaction.explicit ? this.heldIn(transaction) : NONE;
  }

  /** The file's first transaction, opened by the tool (a BEGIN of the file's own is another), continues the carried one. */
  private continuesCarried(transaction: TransactionState): boolean {
    return transaction.inTransaction && !transaction.explicit && this.transactionId === undefined;
  }

  /** After a statement of `transaction` ran: keeps what it took, or releases what it released. */
  record(statement: Statement, transaction: TransactionState, taken: () => HeldLock[], schema: SchemaModel): void {
    if (!transaction.inTransaction) {
      this.transactionId = undefined;
      this.carried = undefined;
      return;
    }
    if (transaction.id !== this.transactionId) {
      this.held = this.carried && this.continuesCarried(transaction) ? [...this.carried] : [];
      this.carried = undefined;
      this.transactionId = transaction.id;
      this.savepoints = [];
    }
    const control = asKind(statement.node, 'TransactionStmt');
    if (control) {
      this.applyTransactionControl(control.kind, control.savepoint_name ?? '');
      return;
    }
    this.held.push(...taken());
    const renamed = renamedTable(statement);
    if (!renamed) return;
    for (const lock of this.held.slice()) {
      if (schema.sameTable(lock.table, renamed.from)) this.held.push({ ...lock, table: renamed.to });
    }
  }

  private applyTransactionControl(kind: string | undefined, savepoint: string): void {
    if (kind === 'TRANS_STMT_SAVEPOINT') {
      this.savepoints.push({ name: savepoint, heldBefore: this.held.length });
      return;
    }
    if (kind !== 'TRANS_STMT_ROLLBACK_TO' && kind !== 'TRANS_STMT_RELEASE') return;
    const at = this.savepoints.map(({ name }) => name).lastIndexOf(savepoint);
    if (at === -1) return;
    // ROLLBACK TO keeps the savepoint and releases the locks taken since; RELEASE removes it and keeps them.
    if (kind === 'TRANS_STMT_ROLLBACK_TO') this.held.length = this.savepoints[at]!.heldBefore;
    this.savepoints.length = kind === 'TRANS_STMT_ROLLBACK_TO' ? at + 1 : at;
  }
}

/** ALTER TABLE ... RENAME TO and ALTER TABLE ... SET SCHEMA: the table's name before and after. */
function renamedTable(statement: Statement): { from: RelationName; to: RelationName } | undefined {
  const rename = asKind(statement.node, 'RenameStmt');
  if (rename?.renameType === 'OBJECT_TABLE' && rename.relation && rename.newname) {
    const from = relationFromRangeVar(rename.relation);
    return { from, to: { ...from, name: rename.newname } };
  }
  const move = asKind(statement.node, 'AlterObjectSchemaStmt');
  if (move?.objectType === 'OBJECT_TABLE' && move.relation && move.newschema) {
    const from = relationFromRangeVar(move.relation);
    return { from, to: { ...from, schema: move.newschema } };
  }
  return undefined;
}
