import { relationFromRangeVar, type RelationName } from '../model/names.js';
import { constraintIndexColumns, indexStmtColumns, plainKeyColumns, type IndexColumns } from '../model/schema-objects.js';
import { asKind, stringValues } from '../parse/node-types.js';
import { commandsAltering } from './alter-table-commands.js';
import type { RuleContext } from './context.js';
import type { Statement } from '../parse/parse.js';

/** An index a migration builds on a table: by CREATE INDEX, or by ADD of a PRIMARY KEY or UNIQUE constraint. */
export interface BuiltIndex {
  columns: IndexColumns;
  /** Its key columns, when every key is a plain column rather than an expression. */
  keyColumns?: string[];
  unique: boolean;
  partial: boolean;
  primaryKey: boolean;
}

/** The last index the migration builds on the table under `name`, with its columns. */
function builtUnderName(context: RuleContext<string>, relation: RelationName, name: string): { columns?: IndexColumns; keyColumns?: string[] } | undefined {
  const index = context.statements
    .map((statement) => asKind(statement.node, 'IndexStmt'))
    .findLast((candidate) => candidate?.idxname === name && candidate.relation !== undefined && context.schema.sameTable(relationFromRangeVar(candidate.relation), relation));
  if (!index) return undefined;
  const columns = indexStmtColumns(index);
  const keyColumns = plainKeyColumns(index);
  return { ...(columns ? { columns } : {}), ...(keyColumns ? { keyColumns } : {}) };
}

/** The indexes, unique constraints and primary keys the migration builds on the table, anywhere in it or in `statements` of it. */
export function indexesBuiltByMigration(context: RuleContext<string>, relation: RelationName, statements: readonly Statement[] = context.statements): BuiltIndex[] {
  const built: BuiltIndex[] = [];
  for (const statement of statements) {
    const index = asKind(statement.node, 'IndexStmt');
    if (index?.relation && context.schema.sameTable(relationFromRangeVar(index.relation), relation)) {
      const columns = indexStmtColumns(index);
      const keyColumns = plainKeyColumns(index);
      if (columns) built.push({ columns, ...(keyColumns ? { keyColumns } : {}), unique: index.unique === true, partial: index.whereClause !== undefined, primaryKey: index.primary === true });
    }
  }
  for (const cmd of commandsAltering(statements, relation, context.schema)) {
    const constraint = cmd.subtype === 'AT_AddConstraint' ? asKind(cmd.def, 'Constraint') : undefined;
    if (constraint?.contype !== 'CONSTR_PRIMARY' && constraint?.contype !== 'CONSTR_UNIQUE') continue;
    // USING INDEX: the index built before, which the constraint takes over; one this migration builds under the name, rather
    // than an index of the name the model knows, which the migration may drop first (a key widened under its old name).
    const builtHere = constraint.indexname ? builtUnderName(context, relation, constraint.indexname) : undefined;
    const index = builtHere ?? (constraint.indexname ? context.schema.indexesOn(relation).find((candidate) => candidate.name.name === constraint.indexname) : undefined);
    const keys = stringValues(constraint.keys);
    const columns = index?.columns ?? constraintIndexColumns(constraint, keys);
    const keyColumns = index ? index.keyColumns : keys;
    if (columns) built.push({ columns, ...(keyColumns ? { keyColumns } : {}), unique: true, partial: false, primaryKey: constraint.contype === 'CONSTR_PRIMARY' });
  }
  return built;
}
