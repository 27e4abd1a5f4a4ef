import type { Statement } from '../parse/parse.js';
import { alterTableCommands, asKind } from '../parse/node-types.js';
import { relationFromRangeVar, type RelationName } from '../model/names.js';
import { trafficLock } from '../knowledge/statement-locks.js';
import type { RuleContext } from './context.js';
import { refusesExistingRows } from './column-declarations.js';

/**
 * The statement that proves an existing table empty until the transaction ends: an earlier TRUNCATE, or an ADD COLUMN
 * that fails on any row (NOT NULL without a default), earlier or in the statement itself. Its ACCESS EXCLUSIVE lock,
 * held until commit, keeps every other session from adding a row, so a scan, an index build or a validation of the
 * table is over at once; in the statement itself, the other commands either find the table empty or fail with it.
 */
export function emptiedBy(context: RuleContext<string>, relation: RelationName): Statement | undefined {
  for (const held of context.heldLocks()) {
    if (held.claim.takenOnlyIf || trafficLock(held.claim) !== 'ACCESS EXCLUSIVE' || !context.schema.sameTable(held.table, relation)) continue;
    if (held.statement.kind === 'TruncateStmt') return held.statement;
    if (addsColumnRefusingRows(context, held.statement, relation)) return held.statement;
  }
  return addsColumnRefusingRows(context, context.statement, relation) ? context.statement : undefined;
}

function addsColumnRefusingRows(context: RuleContext<string>, statement: Statement, relation: RelationName): boolean {
  const altered = asKind(statement.node, 'AlterTableStmt')?.relation;
  if (!altered || !context.schema.sameTable(relationFromRangeVar(altered), relation)) return false;
  return alterTableCommands(statement.node).some((cmd) => cmd.subtype === 'AT_AddColumn' && refusesExistingRows(asKind(cmd.def, 'ColumnDef'), context.schema));
}
