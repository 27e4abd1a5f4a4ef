import { defineRule } from '../src/engine/rule.js';
import { commandsOnExistingTable } from '../src/engine/alter-table-commands.js';
import { displayName } from '../src/model/names.js';
import { asKind } from '../src/parse/node-types.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

/** PostgreSQL 18 added VIRTUAL generated columns, computed when read, and made them the default kind. */
const VIRTUAL_GENERATED_SINCE = 18;
/** ALTER COLUMN ... SET EXPRESSION exists from PostgreSQL 17. */
const SET_EXPRESSION_SINCE = 17;

export default defineRule({
  id: 'no-stored-generated-column',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      storedGenerated:
        'ADD COLUMN {{column}} GENERATED ALWAYS AS (...) STORED computes and writes the expression for every existing row: PostgreSQL rewrites the whole of {{table}} and its indexes under an ACCESS EXCLUSIVE lock, so no reads or writes until every row has been rewritten.',
      help:
        'If the value need not be stored or indexed, and the expression calls no function of your own, make it VIRTUAL (PostgreSQL 18+): ALTER TABLE {{table}} ADD COLUMN {{column}} <type> GENERATED ALWAYS AS (...) VIRTUAL; adds it without touching the rows. Otherwise add a plain column, fill new rows with a BEFORE INSERT OR UPDATE trigger, and backfill existing rows in batches.',
      helpBefore18:
        'Add a plain column instead, fill new rows with a BEFORE INSERT OR UPDATE trigger that computes the expression, and backfill existing rows in batches. (VIRTUAL generated columns, which do not rewrite, need PostgreSQL 18, and cannot be indexed or call user-defined functions.)',
      setExpressionStored:
        'ALTER COLUMN {{column}} SET EXPRESSION recomputes the STORED generated column for every row: PostgreSQL rewrites the whole of {{table}} and its indexes under an ACCESS EXCLUSIVE lock, so no reads or writes until every row has been rewritten.',
      setExpressionMaybeStored:
        'ALTER COLUMN {{column}} SET EXPRESSION rewrites the whole of {{table}} and its indexes under an ACCESS EXCLUSIVE lock if {{column}} is a STORED generated column, which the migrations lockwise read do not tell; a VIRTUAL one changes without a rewrite.',
      setExpressionHelp:
        'Change it expand-and-contract: add a new column with the new expression (VIRTUAL on PostgreSQL 18+, or a plain column kept filled by a trigger and backfilled in batches), move reads to it, and drop {{column}} in a later deploy.',
      dropExpressionVirtual:
        'PostgreSQL refuses DROP EXPRESSION on {{column}}, a VIRTUAL generated column ("ALTER TABLE / DROP EXPRESSION is not supported for virtual generated columns"): the migration fails here.',
      dropExpressionVirtualHelp:
        'A virtual column stores no values to keep: add a plain column, backfill it in batches from the expression, move reads to it, and drop {{column}} in a later deploy.',
    },
    docs: {
      summary: 'Disallows adding a STORED generated column to an existing table, or changing the expression of one.',
      why: 'A STORED generated column holds the value of its expression in every row, so adding one to a table that has rows makes PostgreSQL compute it for each of them and rewrite the whole table and its indexes while holding an ACCESS EXCLUSIVE lock: nothing can read or write the table until the rewrite finishes. A VIRTUAL generated column (PostgreSQL 18+) is computed when read and never requires a rewrite; in PostgreSQL 18, GENERATED ALWAYS AS (...) without STORED or VIRTUAL is VIRTUAL, so it is not reported. (A NOT NULL or CHECK constraint on a virtual column still makes PostgreSQL scan the table to check it.) ALTER COLUMN ... SET EXPRESSION (PostgreSQL 17) on a STORED generated column recomputes it for every row, with the same rewrite; on a VIRTUAL one it does not, and when the migrations do not show which kind the column is, lockwise reports it on PostgreSQL 18 as a possible rewrite. DROP EXPRESSION keeps a stored column\'s values without a rewrite, and PostgreSQL refuses it on a virtual column, which is reported as the failure it is (all checked on PostgreSQL 18 with lockwise trace).',
      instead: 'On PostgreSQL 18+, use a VIRTUAL generated column when the value need not be stored or indexed and the expression calls only built-in functions (PostgreSQL refuses an index on a virtual column, and a user-defined function in its expression). Otherwise add a plain column, keep it filled with a trigger, and backfill existing rows in batches.',
      bad: 'ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (quantity * unit_price_cents) STORED;',
      good: '-- PostgreSQL 18+\nALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (quantity * unit_price_cents) VIRTUAL;',
      references: [
        'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES',
        'https://www.postgresql.org/docs/current/ddl-generated-columns.html',
      ],
      pgVersions: 'Generated columns exist from PostgreSQL 12, STORED only (the keyword is required). SET EXPRESSION exists from 17, so a history that uses it is judged as running on 17 or later, whatever pgVersion says. PostgreSQL 18 adds VIRTUAL generated columns, the default kind, which are added and changed without a rewrite.',
      prevents: 'table rewrite under ACCESS EXCLUSIVE',
    },
  },
  create(context) {
    return {
      ...commandsOnExistingTable(context, (cmd, relation) => {
        const table = displayName(relation);
        if ((cmd.subtype === 'AT_SetExpression' || cmd.subtype === 'AT_DropExpression') && cmd.name) {
          // SET EXPRESSION is new in PostgreSQL 17: a history that uses it runs on 17 or later, whatever pgVersion says (Sirimbo's 000078).
          const version = cmd.subtype === 'AT_SetExpression' ? Math.max(context.pgVersion, SET_EXPRESSION_SINCE) : context.pgVersion;
          const kind = context.schema.column(relation, cmd.name)?.generated ?? (version < VIRTUAL_GENERATED_SINCE ? 'stored' : undefined);
          const data = { table, column: quoteIdentifier(cmd.name) };
          if (cmd.subtype === 'AT_DropExpression') {
            if (kind === 'virtual') context.report({ messageId: 'dropExpressionVirtual', helpId: 'dropExpressionVirtualHelp', data });
          } else if (kind !== 'virtual') {
            context.report({ messageId: kind === 'stored' ? 'setExpressionStored' : 'setExpressionMaybeStored', helpId: 'setExpressionHelp', data });
          }
          return;
        }
        const column = asKind(cmd.def, 'ColumnDef');
        if (cmd.subtype !== 'AT_AddColumn' || !column?.colname) return;
        for (const node of column.constraints ?? []) {
          const generated = asKind(node, 'Constraint');
          if (generated?.contype !== 'CONSTR_GENERATED' || generated.generated_kind !== 's') continue;
          context.report({
            messageId: 'storedGenerated',
            helpId: context.pgVersion < VIRTUAL_GENERATED_SINCE ? 'helpBefore18' : 'help',
            at: generated.location,
            data: { table, column: quoteIdentifier(column.colname) },
          });
        }
      }),
    };
  },
});
