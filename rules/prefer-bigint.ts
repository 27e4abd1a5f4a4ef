import type { ColumnDef, Constraint, TypeName } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { displayName, relationFromRangeVar, type RelationName } from '../src/model/names.js';
import { asKind, stringValues } from '../src/parse/node-types.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

/** Integer types that run out, by the name the parser gives them, with their largest value. */
interface SmallInteger {
  type: string;
  max: string;
  serial: boolean;
}
const SMALL_INTEGERS = new Map<string, SmallInteger>([
  ['int2', { type: 'smallint', max: '32,767', serial: false }],
  ['int4', { type: 'integer', max: '2,147,483,647', serial: false }],
  ['smallserial', { type: 'smallserial', max: '32,767', serial: true }],
  ['serial2', { type: 'smallserial', max: '32,767', serial: true }],
  ['serial', { type: 'serial', max: '2,147,483,647', serial: true }],
  ['serial4', { type: 'serial', max: '2,147,483,647', serial: true }],
]);

export default defineRule({
  id: 'prefer-bigint',
  meta: {
    severity: 'warning',
    presets: ['recommended-style', 'strict'],
    messages: {
      smallKey:
        '{{column}} of {{table}} is {{type}} and {{role}}: its values stop at {{max}}, after which every insert fails, and widening it to bigint later rewrites the table and its indexes under an ACCESS EXCLUSIVE lock.',
      help: 'Declare it bigint from the start: {{column}} bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY (bigserial if you keep serial columns). The 4 extra bytes per row are cheaper than migrating a full table.',
    },
    docs: {
      summary: 'Prefers bigint for primary keys and for identity and serial columns.',
      why: 'integer (int, int4, serial) ends at 2,147,483,647 and smallint (smallserial) at 32,767. A key that counts rows, events or retries reaches that sooner than expected, and then every insert fails with "integer out of range" or "nextval: reached maximum value of sequence". The way out is ALTER COLUMN ... TYPE bigint, which rewrites the whole table and every index on the column under an ACCESS EXCLUSIVE lock, and must be repeated on every column that references the key. Flagged: single-column primary keys, identity columns and serial columns declared smallint or integer, in CREATE TABLE, ADD COLUMN, ADD PRIMARY KEY and ADD GENERATED ... AS IDENTITY. A composite primary key is not flagged: its columns usually reference other tables\' keys, which this rule flags where they are declared.',
      instead: 'Declare keys as bigint GENERATED ALWAYS AS IDENTITY (or bigserial, or a uuid).',
      bad: 'CREATE TABLE orders (id serial PRIMARY KEY, total numeric NOT NULL);',
      good: 'CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, total numeric NOT NULL);',
      references: [
        'https://www.postgresql.org/docs/current/datatype-numeric.html#DATATYPE-INT',
        'https://www.postgresql.org/docs/current/datatype-numeric.html#DATATYPE-SERIAL',
        'https://www.postgresql.org/docs/current/sql-createtable.html',
      ],
      pgVersions: 'All versions. Identity columns exist from PostgreSQL 10; their sequence takes the column\'s type, so an integer identity column stops at 2,147,483,647 too.',
      prevents: 'inserts failing when an integer key runs out, and the table rewrite that widens it',
    },
  },
  create(context) {
    const report = (table: RelationName, column: string, small: SmallInteger | undefined, role: string, at: number | undefined): void => {
      if (!small) return;
      context.report({
        messageId: 'smallKey',
        helpId: 'help',
        at,
        data: { table: displayName(table), column: quoteIdentifier(column), type: small.type, max: small.max, role },
      });
    };
    const checkColumn = (table: RelationName, column: ColumnDef, primaryKey: boolean): void => {
      const contypes = constraintsOf(column).map((constraint) => constraint.contype);
      const small = smallInteger(column.typeName);
      const role = small?.serial
        ? 'numbered by its sequence'
        : contypes.includes('CONSTR_IDENTITY')
          ? 'an identity column'
          : primaryKey || contypes.includes('CONSTR_PRIMARY')
            ? 'the primary key'
            : undefined;
      if (role) report(table, column.colname ?? '', small, role, column.typeName?.location);
    };

    return {
      CreateStmt(create) {
        if (!create.relation) return;
        const table = relationFromRangeVar(create.relation);
        const tableKeys = (create.tableElts ?? []).map((element) => asKind(element, 'Constraint')).filter((constraint) => constraint?.contype === 'CONSTR_PRIMARY');
        const keyColumns = tableKeys.map((constraint) => stringValues(constraint?.keys)).filter((keys) => keys.length === 1).flat();
        for (const element of create.tableElts ?? []) {
          const column = asKind(element, 'ColumnDef');
          if (column) checkColumn(table, column, keyColumns.includes(column.colname ?? ''));
        }
      },
      AlterTableStmt(alter) {
        if (!alter.relation || alter.objtype !== 'OBJECT_TABLE') return;
        const table = relationFromRangeVar(alter.relation);
        for (const command of alter.cmds ?? []) {
          const cmd = asKind(command, 'AlterTableCmd');
          const column = asKind(cmd?.def, 'ColumnDef');
          if (cmd?.subtype === 'AT_AddColumn' && column) checkColumn(table, column, false);
          const constraint = asKind(cmd?.def, 'Constraint');
          const keys = stringValues(constraint?.keys);
          if (cmd?.subtype === 'AT_AddConstraint' && constraint?.contype === 'CONSTR_PRIMARY' && keys.length === 1) {
            report(table, keys[0]!, modelledSmallInteger(table, keys[0]!), 'the primary key', constraint.location);
          }
          if (cmd?.subtype === 'AT_AddIdentity' && cmd.name) report(table, cmd.name, modelledSmallInteger(table, cmd.name), 'an identity column', constraint?.location);
        }
      },
    };

    /** A column declared by an earlier statement, as the schema model recorded its type. */
    function modelledSmallInteger(table: RelationName, column: string): SmallInteger | undefined {
      const type = context.schema.column(table, column)?.type;
      return type && type.arrayDimensions === 0 ? SMALL_INTEGERS.get(type.name) : undefined;
    }
  },
});

function constraintsOf(column: ColumnDef): Constraint[] {
  return (column.constraints ?? []).map((node) => asKind(node, 'Constraint')).filter((constraint) => constraint !== undefined);
}

/** A built-in smallint or integer type, written unqualified or as pg_catalog.<name>. */
function smallInteger(typeName: TypeName | undefined): SmallInteger | undefined {
  const names = stringValues(typeName?.names);
  if (names.length === 0 || names.length > 2 || (names.length === 2 && names[0] !== 'pg_catalog')) return undefined;
  if ((typeName?.arrayBounds?.length ?? 0) > 0) return undefined;
  return SMALL_INTEGERS.get(names.at(-1)!);
}
