import { relationFromRangeVar, type RelationName } from '../model/names.js';
import type { SchemaModel } from '../model/schema-model.js';
import { alterTableCommands, asKind } from '../parse/node-types.js';
import type { Statement } from '../parse/parse.js';

/** Handler conditions that catch the error of a constraint added under a name its table has (SQLSTATE 42710). */
const CATCHING_DUPLICATE_OBJECT = ['duplicate_object', 'others'];

/**
 * The table of an ALTER TABLE that PostgreSQL refuses on the schema before it, standing alone in a BEGIN ... EXCEPTION block of a
 * DO block whose handler catches the error: drizzle-kit's `DO $$ BEGIN ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY ...; EXCEPTION
 * WHEN duplicate_object THEN null; END $$;`, written again for a key the table has. The statement waits for its lock on the table,
 * finds the name taken before it reads a row or opens another table, and its subtransaction rolls back, releasing the lock: it
 * scans nothing and changes nothing. Only foreign keys and CHECKs: a UNIQUE or PRIMARY KEY under a taken name fails on its
 * index's name instead (42P07), which such a handler does not catch.
 */
export function tableOfStatementRolledBack(statement: Statement, schema: SchemaModel): RelationName | undefined {
  const { caught } = statement;
  if (!caught?.alone || !caught.conditions.some((condition) => CATCHING_DUPLICATE_OBJECT.includes(condition))) return undefined;
  const alter = asKind(statement.node, 'AlterTableStmt');
  if (!alter?.relation) return undefined;
  const relation = relationFromRangeVar(alter.relation);
  const refused = alterTableCommands(statement.node).some((cmd) => {
    const constraint = cmd.subtype === 'AT_AddConstraint' ? asKind(cmd.def, 'Constraint') : undefined;
    const named = constraint?.conname;
    return (constraint?.contype === 'CONSTR_FOREIGN' || constraint?.contype === 'CONSTR_CHECK') && named !== undefined && schema.constraint(relation, named) !== undefined;
  });
  return refused ? relation : undefined;
}
