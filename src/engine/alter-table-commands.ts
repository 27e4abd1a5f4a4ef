import type { AlterTableCmd } from '@pgsql/types';
import { relationFromRangeVar, type RelationName } from '../model/names.js';
import { asKind } from '../parse/node-types.js';
import type { RuleContext } from './context.js';
import type { NodeVisitors } from './rule.js';

/**
 * Visitors for rules about ALTER TABLE sub-commands on a table that holds production
 * data: a table created by a migration not yet deployed, or a view, is skipped.
 */
export function commandsOnExistingTable(context: RuleContext, visit: (cmd: AlterTableCmd, relation: RelationName) => void): NodeVisitors {
  return {
    AlterTableStmt(alter) {
      if (!alter.relation || alter.objtype !== 'OBJECT_TABLE') return;
      const relation = relationFromRangeVar(alter.relation);
      if (!context.isExistingTable(relation)) return;
      for (const command of alter.cmds ?? []) {
        const cmd = asKind(command, 'AlterTableCmd');
        if (cmd) visit(cmd, relation);
      }
    },
  };
}
