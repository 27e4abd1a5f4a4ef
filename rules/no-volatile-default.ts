import type { Node } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { functionCallsIn } from '../src/knowledge/expression-volatility.js';
import { commandsOnExistingTable } from '../src/engine/alter-table-commands.js';
import { displayName } from '../src/model/names.js';
import { asKind } from '../src/parse/node-types.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

/** PostgreSQL 11 stores a non-volatile default in the catalog instead of writing it into every row. */
const FAST_DEFAULT_SINCE = 11;

export default defineRule({
  id: 'no-volatile-default',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      volatileDefault:
        'ADD COLUMN {{column}} with a default that calls the volatile function {{function}}() rewrites all of {{table}} under an ACCESS EXCLUSIVE lock: no reads or writes until every row has been rewritten.',
      unknownVolatility:
        'ADD COLUMN {{column}} with a default that calls {{function}}(), a function lockwise does not know: if it is volatile, all of {{table}} is rewritten under an ACCESS EXCLUSIVE lock.',
      anyDefaultBefore11:
        'Before PostgreSQL 11, ADD COLUMN {{column}} with a non-null default rewrites all of {{table}} under an ACCESS EXCLUSIVE lock: no reads or writes until every row has been rewritten.',
      help:
        'Add the column without a default, then set the default for new rows, then backfill existing rows in batches:\n  ALTER TABLE {{table}} ADD COLUMN {{column}} <type>;\n  ALTER TABLE {{table}} ALTER COLUMN {{column}} SET DEFAULT <expression>;\n  UPDATE {{table}} SET {{column}} = <expression> WHERE <key range> AND {{column}} IS NULL;  -- batch by batch',
      unknownHelp:
        'If {{function}}() is declared IMMUTABLE or STABLE the default is safe: suppress this finding with a lockwise-ignore comment that says so. Otherwise add the column without a default, set the default, and backfill in batches.',
    },
    docs: {
      summary: 'Disallows adding a column whose default must be computed row by row.',
      why: 'From PostgreSQL 11, ADD COLUMN with a non-volatile default (a constant, now(), a cast of a constant) only records the default in the catalog. A volatile default (random(), clock_timestamp(), gen_random_uuid(), nextval(), timeofday(), or any function declared VOLATILE, which is the default for CREATE FUNCTION) must be evaluated for every existing row. PostgreSQL then rewrites the whole table and its indexes while holding an ACCESS EXCLUSIVE lock: nothing can read or write the table until the rewrite finishes. Before PostgreSQL 11 every non-null default rewrites the table. Volatility comes from PostgreSQL\'s own catalog (pg_proc.provolatile). Serial and identity columns, which also fill every row from a sequence, are reported by no-identity-or-serial-column-add.',
      instead: 'Add the column without a default (instant), set the default with ALTER COLUMN ... SET DEFAULT (affects only new rows, instant), then backfill existing rows in batches outside the migration\'s transaction.',
      bad: 'ALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid();',
      good: 'ALTER TABLE orders ADD COLUMN public_id uuid;\nALTER TABLE orders ALTER COLUMN public_id SET DEFAULT gen_random_uuid();',
      references: [
        'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES',
        'https://www.postgresql.org/docs/current/xfunc-volatility.html',
        'https://www.postgresql.org/docs/current/catalog-pg-proc.html',
      ],
      pgVersions: 'PostgreSQL 11 and later: only volatile defaults rewrite. Before 11: every non-null default rewrites the table.',
      prevents: 'table rewrite under ACCESS EXCLUSIVE',
    },
  },
  create(context) {
    return commandsOnExistingTable(context, (cmd, relation) => {
      const column = asKind(cmd.def, 'ColumnDef');
      if (cmd.subtype !== 'AT_AddColumn' || !column) return;
      const data = { table: displayName(relation), column: quoteIdentifier(column.colname ?? '') };
      for (const constraintNode of column.constraints ?? []) {
        const constraint = asKind(constraintNode, 'Constraint');
        if (constraint?.contype !== 'CONSTR_DEFAULT' || !constraint.raw_expr) continue;
        if (context.pgVersion < FAST_DEFAULT_SINCE) {
          if (!isNullConstant(constraint.raw_expr)) {
            context.report({ messageId: 'anyDefaultBefore11', helpId: 'help', at: constraint.location, data });
          }
          continue;
        }
        const calls = functionCallsIn(constraint.raw_expr, context.schema);
        const volatileCall = calls.find((call) => call.volatility === 'volatile');
        const unknownCall = calls.find((call) => call.volatility === undefined);
        if (volatileCall) {
          context.report({ messageId: 'volatileDefault', helpId: 'help', at: volatileCall.location, data: { ...data, function: volatileCall.name } });
        } else if (unknownCall) {
          context.report({ messageId: 'unknownVolatility', helpId: 'unknownHelp', at: unknownCall.location, data: { ...data, function: unknownCall.name } });
        }
      }
    });
  },
});

/** `NULL` or `NULL::type`: PostgreSQL stores no default for either, so nothing is written to the rows. */
function isNullConstant(expression: Node): boolean {
  const cast = asKind(expression, 'TypeCast');
  return asKind(cast?.arg ?? expression, 'A_Const')?.isnull === true;
}
