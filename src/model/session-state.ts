import type { Node } from '@pgsql/types';
import type { Statement } from '../parse/parse.js';
import { asKind } from '../parse/node-types.js';

export interface TransactionState {
  /** The statement runs inside a transaction block, explicit or from the migration tool. */
  inTransaction: boolean;
  /** Opened by BEGIN / START TRANSACTION in this file, not by the tool. */
  explicit: boolean;
  /** Index of the statement that opened the explicit transaction. */
  openedAt?: number;
}

export interface SettingValue {
  value: string;
  /** Set with SET LOCAL (or set_config(..., true)): it ends with the transaction. */
  local: boolean;
  statementIndex: number;
}

interface Frame {
  settings: Map<string, SettingValue>;
}

/**
 * Transaction and session-setting state as it evolves through a file. SET inside a
 * transaction that rolls back is undone; SET LOCAL ends at COMMIT or ROLLBACK.
 */
export class SessionState {
  private sessionSettings = new Map<string, SettingValue>();
  private transaction: (Frame & { openedAt: number }) | undefined;

  constructor(private readonly wrappedByTool: boolean) {}

  get current(): TransactionState {
    if (this.transaction) return { inTransaction: true, explicit: true, openedAt: this.transaction.openedAt };
    return { inTransaction: this.wrappedByTool, explicit: false };
  }

  setting(name: string): SettingValue | undefined {
    return this.transaction?.settings.get(name) ?? this.sessionSettings.get(name);
  }

  apply(statement: Statement): void {
    const transactionStmt = asKind(statement.node, 'TransactionStmt');
    if (transactionStmt) {
      this.applyTransaction(transactionStmt.kind, statement.index);
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

  private applyTransaction(kind: string | undefined, index: number): void {
    switch (kind) {
      case 'TRANS_STMT_BEGIN':
      case 'TRANS_STMT_START':
        this.transaction ??= { settings: new Map(this.sessionSettings), openedAt: index };
        break;
      case 'TRANS_STMT_COMMIT':
      case 'TRANS_STMT_COMMIT_PREPARED':
        if (this.transaction) {
          this.sessionSettings = new Map([...this.transaction.settings].filter(([, setting]) => !setting.local));
        }
        this.transaction = undefined;
        break;
      case 'TRANS_STMT_ROLLBACK':
      case 'TRANS_STMT_ROLLBACK_PREPARED':
      case 'TRANS_STMT_PREPARE':
        this.transaction = undefined;
        break;
      default:
        break;
    }
  }

  private applySet(stmt: NonNullable<ReturnType<typeof asKind<'VariableSetStmt'>>>, index: number): void {
    const name = stmt.name?.toLowerCase();
    if (stmt.kind === 'VAR_RESET_ALL') {
      this.activeSettings().clear();
      return;
    }
    if (!name) return;
    if (stmt.kind === 'VAR_RESET' || stmt.kind === 'VAR_SET_DEFAULT') {
      this.activeSettings().delete(name);
      return;
    }
    if (stmt.kind !== 'VAR_SET_VALUE') return;
    const value = (stmt.args ?? []).map(constantText).join(', ');
    this.assign(name, { value, local: stmt.is_local === true, statementIndex: index });
  }

  /** SET LOCAL outside a transaction block has no effect (PostgreSQL only warns). */
  private assign(name: string, setting: SettingValue): void {
    if (setting.local && !this.current.inTransaction) return;
    this.activeSettings().set(name, setting);
  }

  private activeSettings(): Map<string, SettingValue> {
    return this.transaction?.settings ?? this.sessionSettings;
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
