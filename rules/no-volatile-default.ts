import type { Node } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { functionCallsIn } from '../src/knowledge/expression-volatility.js';
import { commandsOnExistingTable } from '../src/engine/alter-table-commands.js';
import { displayName } from '../src/model/names.js';
import { asKind } from '../src/parse/node-types.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';
import { columnType } from '../src/model/schema-objects.js';
import { domainOfColumn, FAST_DEFAULT_SINCE, fillingDefault } from '../src/engine/column-declarations.js';
import { describeType } from '../src/knowledge/type-changes.js';

export default defineRule({
  id: 'no-volatile-default',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      volatileDefault:
        'ADD COLUMN {{column}} {{withDefault}} calls the volatile function {{function}}(), so it rewrites all of {{table}} under an ACCESS EXCLUSIVE lock: no reads or writes until every row has been rewritten.',
      unknownVolatility:
        'ADD COLUMN {{column}} {{withDefault}} calls {{function}}(), a function lockwise does not know: if it is volatile, all of {{table}} is rewritten under an ACCESS EXCLUSIVE lock.',
      anyDefaultBefore11:
        'Before PostgreSQL 11, ADD COLUMN {{column}} {{withNonNullDefault}} rewrites all of {{table}} under an ACCESS EXCLUSIVE lock: no reads or writes until every row has been rewritten.',
      help:
        'Add the column without a default, then set the default for new rows, then backfill existing rows in batches:\n  ALTER TABLE {{table}} ADD COLUMN {{column}} <type>;\n  ALTER TABLE {{table}} ALTER COLUMN {{column}} SET DEFAULT <expression>;\n  UPDATE {{table}} SET {{column}} = <expression> WHERE <key range> AND {{column}} IS NULL;  -- batch by batch',
      domainHelp:
        'Add the column with DEFAULT NULL, which overrides the domain\'s default for the rows already there (nothing is written), then let new rows take the domain\'s default again and backfill the existing rows in batches:\n  ALTER TABLE {{table}} ADD COLUMN {{column}} {{type}} DEFAULT NULL;\n  ALTER TABLE {{table}} ALTER COLUMN {{column}} DROP DEFAULT;\n  UPDATE {{table}} SET {{column}} = <expression> WHERE <key range> AND {{column}} IS NULL;  -- batch by batch',
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
      // Identity and generated columns compute their values otherwise; they take no domain default.
      const domain = (column.constraints ?? []).some(isValueConstraint) ? undefined : domainOfColumn(column, context.schema);
      const filling = fillingDefault(column, domain);
      if (!filling) return;
      const type = columnType(column.typeName);
      const worded = { ...data, ...(filling.fromDomain ? domainWording(describeType(type!)) : EXPLICIT_WORDING), type: type ? describeType(type) : '' };
      const help = filling.fromDomain ? ('domainHelp' as const) : ('help' as const);
      if (context.pgVersion < FAST_DEFAULT_SINCE) {
        context.report({ messageId: 'anyDefaultBefore11', helpId: help, at: filling.location, data: worded });
        return;
      }
      const calls = functionCallsIn(filling.expression, context.schema);
      const volatileCall = calls.find((call) => call.volatility === 'volatile');
      const unknownCall = calls.find((call) => call.volatility === undefined);
      // A call in the domain's definition has no place in this statement: the finding stays on the type's name.
      const at = (call: { location?: number }) => (filling.fromDomain ? filling.location : call.location);
      if (volatileCall) {
        context.report({ messageId: 'volatileDefault', helpId: help, at: at(volatileCall), data: { ...worded, function: volatileCall.name } });
      } else if (unknownCall) {
        context.report({ messageId: 'unknownVolatility', helpId: 'unknownHelp', at: at(unknownCall), data: { ...worded, function: unknownCall.name } });
      }
    });
  },
});

const EXPLICIT_WORDING = { withDefault: 'with a default that', withNonNullDefault: 'with a non-null default' };

function domainWording(domain: string): { withDefault: string; withNonNullDefault: string } {
  return { withDefault: `of type ${domain}, whose default`, withNonNullDefault: `of type ${domain}, which has a non-null default` };
}

/** Identity and generated columns compute their values otherwise than by a default. */
function isValueConstraint(node: Node): boolean {
  const kind = asKind(node, 'Constraint')?.contype;
  return kind === 'CONSTR_IDENTITY' || kind === 'CONSTR_GENERATED';
}
