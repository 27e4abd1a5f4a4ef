import type { Statement } from '../parse/parse.js';
import { alterTableCommands, asKind } from '../parse/node-types.js';
import { relationFromRangeVar, type RelationName } from '../model/names.js';
import { trafficLock } from '../knowledge/statement-locks.js';
import type { RuleContext } from './context.js';
import { refusesExistingRows } from './column-declarations.js';

/**
 * The earlier statement of the transaction that proves an existing table empty until the transaction ends: a TRUNCATE,
 * or an ADD COLUMN that fails on any row (NOT NULL without a default). Its ACCESS EXCLUSIVE lock, held until commit,
 * keeps every other session from adding a row, so a scan, an index build or a validation of the table is over at once.
 */
export function emptiedBy(context: RuleContext<string>, relation: RelationName): Statement | undefined {
  for (const held of context.heldLocks()) {
    if (held.claim.takenOnlyIf || trafficLock(held.claim) !== 'ACCESS EXCLUSIVE' || !context.schema.sameTable(held.table, relation)) continue;
    if (held.statement.kind === 'TruncateStmt') return held.statement;
    const altered = asKind(held.statement.node, 'AlterTableStmt')?.relation;
    if (!altered || !context.schema.sameTable(relationFromRangeVar(altered), relation)) continue;
    const addsRequired = alterTableCommands(held.statement.node).some((cmd) => cmd.subtype === 'AT_AddColumn' && refusesExistingRows(asKind(cmd.def, 'ColumnDef'), context.schema));
    if (addsRequired) return held.statement;
  }
  return undefined;
}
