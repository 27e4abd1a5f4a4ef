import type { ColumnDef } from '@pgsql/types';
import { displayName, relationFromRangeVar } from '../model/names.js';
import { asKind } from '../parse/node-types.js';
import type { NodeVisitors } from './rule.js';

/** Called for every column a statement declares a type for: in CREATE TABLE, ADD COLUMN and ALTER COLUMN ... TYPE. */
export type ColumnDeclarationCheck = (table: string, name: string | undefined, column: ColumnDef | undefined) => void;

/** Visitors for rules about declared column types, which look at the same three places. */
export function columnDeclarationVisitors(check: ColumnDeclarationCheck): NodeVisitors {
  return {
    CreateStmt(create) {
      if (!create.relation) return;
      const table = displayName(relationFromRangeVar(create.relation));
      for (const element of create.tableElts ?? []) check(table, asKind(element, 'ColumnDef')?.colname, asKind(element, 'ColumnDef'));
    },
    AlterTableStmt(alter) {
      if (!alter.relation || alter.objtype !== 'OBJECT_TABLE') return;
      const table = displayName(relationFromRangeVar(alter.relation));
      for (const command of alter.cmds ?? []) {
        const cmd = asKind(command, 'AlterTableCmd');
        const column = asKind(cmd?.def, 'ColumnDef');
        if (cmd?.subtype === 'AT_AddColumn') check(table, column?.colname, column);
        if (cmd?.subtype === 'AT_AlterColumnType') check(table, cmd.name, column);
      }
    },
  };
}
