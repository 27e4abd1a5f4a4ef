import type { AlterTableCmd, Constraint, Node } from '@pgsql/types';
import { relationFromNameList, relationFromRangeVar, type RelationName } from '../model/names.js';
import type { SchemaModel } from '../model/schema-model.js';
import { alterTableCommands, asKind, stringValues } from '../parse/node-types.js';
import type { Statement } from '../parse/parse.js';
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
        if (cmd && !addsNothing(context, cmd, relation, alter.cmds ?? [])) visit(cmd, relation);
      }
    },
  };
}

/** The sub-commands of those of `statements` that alter `relation`. */
export function commandsAltering(statements: readonly Statement[], relation: RelationName, schema: SchemaModel): AlterTableCmd[] {
  return statements.flatMap((statement) => {
    const alter = asKind(statement.node, 'AlterTableStmt');
    return alter?.relation && schema.sameTable(relationFromRangeVar(alter.relation), relation) ? alterTableCommands(statement.node) : [];
  });
}

/** Whether one of `statements` drops the table (DROP TABLE, under any name the model resolves to it). */
export function dropsTable(statements: readonly Statement[], relation: RelationName, schema: SchemaModel): boolean {
  return statements.some((statement) => {
    const drop = asKind(statement.node, 'DropStmt');
    return drop?.removeType === 'OBJECT_TABLE' && (drop.objects ?? []).some((object) => {
      const dropped = relationFromNameList(object);
      return dropped !== undefined && schema.sameTable(dropped, relation);
    });
  });
}

/** A foreign key as a partition's equivalent would have it: its columns, and the table and columns it references. */
export interface ForeignKeyShape {
  columns: string[];
  references: RelationName;
  /** Empty for the referenced table's primary key. */
  referencedColumns: string[];
}

export function foreignKeyShape(constraint: Constraint | undefined): ForeignKeyShape | undefined {
  if (constraint?.contype !== 'CONSTR_FOREIGN' || !constraint.pktable) return undefined;
  return { columns: stringValues(constraint.fk_attrs), references: relationFromRangeVar(constraint.pktable), referencedColumns: stringValues(constraint.pk_attrs) };
}

/** ADD COLUMN IF NOT EXISTS of a column the table has: PostgreSQL skips it with a notice, rewriting and checking nothing (it still takes the lock). */
function addsNothing(context: RuleContext<string>, cmd: AlterTableCmd, relation: RelationName, siblings: readonly Node[]): boolean {
  const column = cmd.subtype === 'AT_AddColumn' && cmd.missing_ok ? asKind(cmd.def, 'ColumnDef')?.colname : undefined;
  if (column === undefined || context.schema.column(relation, column) === undefined) return false;
  // Dropped earlier in the same statement, it is added again.
  return !siblings.some((sibling) => asKind(sibling, 'AlterTableCmd')?.subtype === 'AT_DropColumn' && asKind(sibling, 'AlterTableCmd')?.name === column);
}
