import type { AlterTableCmd, ColumnDef, Constraint, DeleteStmt, Node, RenameStmt } from '@pgsql/types';
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

/** Visits each DELETE from a table that existed before the migration, unless a DO block's handler rolls it back. */
export function deletesFromExistingTable(context: RuleContext, visit: (deletion: DeleteStmt & { relation: NonNullable<DeleteStmt['relation']> }, relation: RelationName) => void): NodeVisitors {
  return {
    DeleteStmt(deletion) {
      if (!deletion.relation || context.statement.caught) return;
      const relation = relationFromRangeVar(deletion.relation);
      if (context.isExistingTable(relation)) visit({ ...deletion, relation: deletion.relation }, relation);
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

const TABLE_ONLY: ReadonlySet<string> = new Set(['OBJECT_TABLE']);

/** Whether one of `statements` drops the table (DROP TABLE, under any name the model resolves to it). */
export function dropsTable(statements: readonly Statement[], relation: RelationName, schema: SchemaModel): boolean {
  return statements.some((statement) => dropsRelation(statement, relation, schema, TABLE_ONLY));
}

/** Whether the statement is a DROP of one of these kinds (OBJECT_TABLE, OBJECT_VIEW, ...) that names the relation, under any name the model resolves to it. */
export function dropsRelation(statement: Statement, relation: RelationName, schema: SchemaModel, kinds: ReadonlySet<string>): boolean {
  const drop = asKind(statement.node, 'DropStmt');
  return kinds.has(drop?.removeType ?? '') && (drop!.objects ?? []).some((object) => {
    const dropped = relationFromNameList(object);
    return dropped !== undefined && schema.sameTable(dropped, relation);
  });
}

/** What takes a dropped column's name after the drop: a column added under it, or one renamed to it. */
export type ColumnTakingName = { added: ColumnDef } | { renamed: RenameStmt };

/**
 * The column that takes the name of the column `drop` drops from `relation`, after the drop: one ADDed later in the same
 * ALTER TABLE or in a later statement of `statements`, or one a later statement RENAMEs to it (a type change by drop
 * and add, or by a new column renamed into the old one's place).
 */
export function columnTakingName(statements: readonly Statement[], dropStatement: Statement, drop: AlterTableCmd, relation: RelationName, schema: SchemaModel): ColumnTakingName | undefined {
  const name = drop.name;
  const sameStatement = alterTableCommands(dropStatement.node);
  const later = statements.slice(dropStatement.index + 1);
  const laterCommands = [...sameStatement.slice(sameStatement.indexOf(drop) + 1), ...commandsAltering(later, relation, schema)];
  const added = laterCommands.map((cmd) => (cmd.subtype === 'AT_AddColumn' ? asKind(cmd.def, 'ColumnDef') : undefined)).find((column) => column?.colname === name);
  if (added) return { added };
  for (const statement of later) {
    const rename = asKind(statement.node, 'RenameStmt');
    if (rename?.renameType !== 'OBJECT_COLUMN' || rename.newname !== name || !rename.relation || !rename.subname) continue;
    if (schema.sameTable(relationFromRangeVar(rename.relation), relation)) return { renamed: rename };
  }
  return undefined;
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
