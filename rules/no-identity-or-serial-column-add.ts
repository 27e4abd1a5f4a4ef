import type { ColumnDef } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { commandsOnExistingTable } from '../src/engine/alter-table-commands.js';
import { displayName, type RelationName } from '../src/model/names.js';
import { asKind, stringValues } from '../src/parse/node-types.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

/** Shorthands for `integer NOT NULL DEFAULT nextval('<table>_<column>_seq')`, which exist only unqualified. */
const SERIAL_TYPES = new Set(['smallserial', 'serial', 'bigserial', 'serial2', 'serial4', 'serial8']);

export default defineRule({
  id: 'no-identity-or-serial-column-add',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      serialColumn:
        'ADD COLUMN {{column}} {{type}} gives every existing row of {{table}} its own number from a new sequence (serial is a nextval() default, which is volatile): PostgreSQL rewrites the whole table and its indexes under an ACCESS EXCLUSIVE lock, so no reads or writes until every row has been rewritten.',
      identityColumn:
        'ADD COLUMN {{column}} GENERATED {{when}} AS IDENTITY gives every existing row of {{table}} its own number from the identity sequence: PostgreSQL rewrites the whole table and its indexes under an ACCESS EXCLUSIVE lock, so no reads or writes until every row has been rewritten.',
      help:
        "Add the column empty, number new rows with a default, and backfill the old ones in batches:\n  CREATE SEQUENCE {{sequence}};\n  ALTER TABLE {{table}} ADD COLUMN {{column}} bigint;\n  ALTER TABLE {{table}} ALTER COLUMN {{column}} SET DEFAULT nextval('{{sequence}}');\n  UPDATE {{table}} SET {{column}} = nextval('{{sequence}}') WHERE <key range> AND {{column}} IS NULL;  -- batch by batch\nThen make it NOT NULL without a long scan: ADD CONSTRAINT ... CHECK ({{column}} IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT, then SET NOT NULL (PostgreSQL 12+).",
      identityHelp:
        "Add the column empty, number new rows with a default, and backfill the old ones in batches:\n  CREATE SEQUENCE {{sequence}};\n  ALTER TABLE {{table}} ADD COLUMN {{column}} bigint;\n  ALTER TABLE {{table}} ALTER COLUMN {{column}} SET DEFAULT nextval('{{sequence}}');\n  UPDATE {{table}} SET {{column}} = nextval('{{sequence}}') WHERE <key range> AND {{column}} IS NULL;  -- batch by batch\nMake it NOT NULL without a long scan (CHECK ({{column}} IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT, SET NOT NULL on PostgreSQL 12+), then turn it into an identity column, which only changes the catalog:\n  ALTER TABLE {{table}} ALTER COLUMN {{column}} DROP DEFAULT, ALTER COLUMN {{column}} ADD GENERATED {{when}} AS IDENTITY (START WITH <max + 1>);",
    },
    docs: {
      summary: 'Disallows adding a serial or identity column to an existing table.',
      why: 'A serial column (smallserial, serial, bigserial) is a column with DEFAULT nextval(...), and nextval() is volatile; an identity column also takes its values from a sequence. Added to a table that has rows, either one must give every existing row its own value, so PostgreSQL rewrites the whole table and all its indexes while holding an ACCESS EXCLUSIVE lock: nothing can read or write the table until the rewrite finishes. The PostgreSQL 11 fast default does not help: it only applies to non-volatile defaults.',
      instead: 'Add a plain nullable column, set a nextval() default for new rows, backfill existing rows in batches, make it NOT NULL through a validated CHECK constraint, and, for an identity column, finish with ALTER COLUMN ... ADD GENERATED ... AS IDENTITY, which does not rewrite the table.',
      bad: 'ALTER TABLE events ADD COLUMN id bigserial;',
      good: "CREATE SEQUENCE events_id_seq;\nALTER TABLE events ADD COLUMN id bigint;\nALTER TABLE events ALTER COLUMN id SET DEFAULT nextval('events_id_seq');",
      references: [
        'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES',
        'https://www.postgresql.org/docs/current/datatype-numeric.html#DATATYPE-SERIAL',
        'https://www.postgresql.org/docs/current/ddl-identity-columns.html',
      ],
      pgVersions: 'Every version: serial columns always rewrite, identity columns (PostgreSQL 10+) too. ALTER COLUMN ... ADD GENERATED ... AS IDENTITY on an existing NOT NULL column changes only the catalog.',
      prevents: 'table rewrite under ACCESS EXCLUSIVE',
    },
  },
  create(context) {
    return {
      ...commandsOnExistingTable(context, (cmd, relation) => {
        const column = asKind(cmd.def, 'ColumnDef');
        if (cmd.subtype !== 'AT_AddColumn' || !column?.colname) return;
        const colname = column.colname;
        // Built only for a finding: quoting names asks the scanner whether each is a keyword.
        const data = () => ({ table: displayName(relation), column: quoteIdentifier(colname), sequence: sequenceName(relation, colname) });
        const serialType = serialTypeOf(column);
        if (serialType) context.report({ messageId: 'serialColumn', helpId: 'help', at: column.typeName?.location, data: { ...data(), type: serialType } });
        for (const node of column.constraints ?? []) {
          const identity = asKind(node, 'Constraint');
          if (identity?.contype !== 'CONSTR_IDENTITY') continue;
          const when = identity.generated_when === 'd' ? 'BY DEFAULT' : 'ALWAYS';
          context.report({ messageId: 'identityColumn', helpId: 'identityHelp', at: identity.location, data: { ...data(), when } });
        }
      }),
    };
  },
});

function serialTypeOf(column: ColumnDef): string | undefined {
  const names = stringValues(column.typeName?.names);
  const name = names.length === 1 ? names[0]!.toLowerCase() : undefined;
  return name && SERIAL_TYPES.has(name) ? name : undefined;
}

/** The name PostgreSQL would give the sequence, `<table>_<column>_seq`, in the table's schema. */
function sequenceName(relation: RelationName, column: string): string {
  return displayName({ ...relation, name: `${relation.name}_${column}_seq` });
}
