import type { Constraint } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { needsMigrationOfItsOwn, outsideTransactionBlock } from '../src/engine/transaction-block.js';
import { commandsOnExistingTable } from '../src/engine/alter-table-commands.js';
import { emptiedBy } from '../src/engine/empty-tables.js';
import { displayName, type RelationName } from '../src/model/names.js';
import { alterTableCommands, asKind, stringValues } from '../src/parse/node-types.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

export default defineRule({
  id: 'require-unique-using-index',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      addConstraint:
        'ADD {{constraint}}{{kind}} on {{table}} builds a unique index over every row while holding an ACCESS EXCLUSIVE lock (the index build\'s SHARE lock comes on top): no reads or writes of {{table}} until the index is built.',
      addColumnConstraint:
        'ADD COLUMN {{column}} ... {{kind}} builds a unique index over every row of {{table}} while holding an ACCESS EXCLUSIVE lock: no reads or writes of {{table}} until the index is built.',
      help:
        'Build the index first, without blocking writes, {{outside}}:\n  CREATE UNIQUE INDEX CONCURRENTLY {{index}} ON {{table}} ({{columns}}){{nullsNotDistinct}};\n{{thenAttach}} as the constraint, which only changes the catalog:\n  ALTER TABLE {{table}} {{dropFirst}}ADD CONSTRAINT {{name}} UNIQUE USING INDEX {{index}}{{deferrable}};',
      primaryKeyHelp:
        'Build the index first, without blocking writes, {{outside}}:\n  CREATE UNIQUE INDEX CONCURRENTLY {{index}} ON {{table}} ({{columns}}){{nullsNotDistinct}};\n{{thenAttach}}, after making its columns NOT NULL without a long scan:\n  -- for each column that allows NULL, in its own transactions (PostgreSQL 12+):\n  ALTER TABLE {{table}} ADD CONSTRAINT <column>_not_null CHECK (<column> IS NOT NULL) NOT VALID;\n  ALTER TABLE {{table}} VALIDATE CONSTRAINT <column>_not_null;\n  ALTER TABLE {{table}} {{dropFirst}}ADD CONSTRAINT {{name}} PRIMARY KEY USING INDEX {{index}}{{deferrable}};\nPRIMARY KEY makes its columns NOT NULL: without a validated CHECK (or NOT NULL already), it scans the whole table under ACCESS EXCLUSIVE to check them (always, before PostgreSQL 12).',
      columnHelp:
        'Add the column without the constraint, then build the index CONCURRENTLY, {{outside}}: CREATE UNIQUE INDEX CONCURRENTLY {{index}} ON {{table}} ({{columns}}){{nullsNotDistinct}}; {{thenAttach}}: ALTER TABLE {{table}} {{dropFirst}}ADD CONSTRAINT {{name}} {{kind}} USING INDEX {{index}}{{deferrable}};{{primaryKeyNote}}',
      partitionedHelp:
        '{{table}} is partitioned: PostgreSQL supports neither CREATE INDEX CONCURRENTLY nor ADD CONSTRAINT ... USING INDEX on it. To enforce uniqueness without the long lock, build a unique index instead of the constraint: CREATE UNIQUE INDEX {{index}} ON ONLY {{table}} ({{columns}}) (the partition key must be among the columns); CREATE UNIQUE INDEX CONCURRENTLY on each partition; ALTER INDEX {{index}} ATTACH PARTITION each of them. The parent index becomes valid when every partition\'s index is attached.',
    },
    docs: {
      summary: 'Requires UNIQUE and PRIMARY KEY constraints on existing tables to be added USING INDEX, from an index built CONCURRENTLY.',
      why: 'ALTER TABLE ... ADD UNIQUE or ADD PRIMARY KEY builds the constraint\'s index in the same statement. ALTER TABLE holds an ACCESS EXCLUSIVE lock on the table (the index build adds a SHARE lock), so nothing can read or write the table until the whole index is built, which on a large table takes minutes. UNIQUE and PRIMARY KEY constraints cannot be added NOT VALID. CREATE UNIQUE INDEX CONCURRENTLY builds the index under a SHARE UPDATE EXCLUSIVE lock that lets reads and writes continue, and ADD CONSTRAINT ... USING INDEX then only records the constraint. PRIMARY KEY also sets NOT NULL on its columns; if one allows NULL, even USING INDEX scans the whole table under ACCESS EXCLUSIVE, unless (PostgreSQL 12+) a validated CHECK (column IS NOT NULL) proves it. A column added with UNIQUE or PRIMARY KEY builds the index the same way. Partitioned tables support neither CONCURRENTLY nor USING INDEX.',
      instead: 'CREATE UNIQUE INDEX CONCURRENTLY idx ON t (cols); outside a transaction block (in a migration of its own when the tool wraps each file in a transaction), then ALTER TABLE t ADD CONSTRAINT idx UNIQUE USING INDEX idx; (or PRIMARY KEY USING INDEX, after proving the columns NOT NULL with validated CHECK constraints).',
      bad: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);',
      good: 'CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;',
      references: [
        'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT-USING-INDEX',
        'https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY',
      ],
      pgVersions: 'ADD CONSTRAINT ... USING INDEX exists from PostgreSQL 9.1. From 12, a validated CHECK (col IS NOT NULL) spares PRIMARY KEY USING INDEX its NOT NULL scan.',
      prevents: 'index build under ACCESS EXCLUSIVE',
    },
  },
  create(context) {
    /** CONCURRENTLY cannot run in a transaction block: where the build goes, and where the ALTER TABLE that attaches it then goes. */
    const steps = (): Record<string, string> => {
      const thenAttach = needsMigrationOfItsOwn(context) ? 'then, in the next migration, attach it' : 'then attach it';
      return { outside: outsideTransactionBlock(context), thenAttach };
    };
    /** The same ALTER TABLE drops a constraint of this one's name first. */
    const replacedInStatement = (constraint: Constraint): boolean =>
      constraint.conname !== undefined && alterTableCommands(context.statement.node).some((other) => other.subtype === 'AT_DropConstraint' && other.name === constraint.conname);
    return commandsOnExistingTable(context, (cmd, relation) => {
      const table = displayName(relation);
      const partitioned = context.schema.table(relation)?.kind === 'partitioned table';
      const column = asKind(cmd.def, 'ColumnDef');
      if (cmd.subtype === 'AT_AddConstraint') {
        const constraint = asKind(cmd.def, 'Constraint');
        // The index of an empty table is built at once.
        if (!constraint || !isUniqueIndexConstraint(constraint) || constraint.indexname || emptiedBy(context, relation)) return;
        const data = dataFor(relation, constraint, stringValues(constraint.keys), replacedInStatement(constraint));
        const helpId = partitioned ? 'partitionedHelp' : constraint.contype === 'CONSTR_PRIMARY' ? 'primaryKeyHelp' : 'help';
        context.report({ messageId: 'addConstraint', helpId, at: constraint.location, data: { ...data, ...steps(), table } });
      } else if (cmd.subtype === 'AT_AddColumn' && column?.colname) {
        for (const node of column.constraints ?? []) {
          const constraint = asKind(node, 'Constraint');
          if (!constraint || !isUniqueIndexConstraint(constraint)) continue;
          const name = quoteIdentifier(column.colname);
          const primaryKeyNote =
            constraint.contype === 'CONSTR_PRIMARY'
              ? ` (a PRIMARY KEY also needs the column proven NOT NULL first, by a validated CHECK (${name} IS NOT NULL) constraint, or it scans the table under ACCESS EXCLUSIVE)`
              : '';
          const data = { ...dataFor(relation, constraint, [column.colname]), ...steps(), table, column: name, primaryKeyNote };
          context.report({ messageId: 'addColumnConstraint', helpId: partitioned ? 'partitionedHelp' : 'columnHelp', at: constraint.location, data });
        }
      }
    });
  },
});

function isUniqueIndexConstraint(constraint: Constraint): boolean {
  return constraint.contype === 'CONSTR_UNIQUE' || constraint.contype === 'CONSTR_PRIMARY';
}

/** The constraint's name, or the one PostgreSQL would choose: `<table>_pkey`, `<table>_<columns>_key`. */
function dataFor(relation: RelationName, constraint: Constraint, columns: string[], replaced = false): Record<string, string> {
  const primary = constraint.contype === 'CONSTR_PRIMARY';
  const name = constraint.conname ?? (primary ? `${relation.name}_pkey` : [relation.name, ...columns, 'key'].join('_'));
  // A constraint dropped and added again under its name (Prisma's primary key change): the old one's index holds the
  // name until the swap, which attaches the new index and renames it to the constraint's name.
  const index = replaced ? `${name}_new` : name;
  return {
    kind: primary ? 'PRIMARY KEY' : 'UNIQUE',
    constraint: constraint.conname ? `CONSTRAINT ${quoteIdentifier(constraint.conname)} ` : '',
    name: quoteIdentifier(name),
    index: quoteIdentifier(index),
    dropFirst: replaced ? `DROP CONSTRAINT ${quoteIdentifier(name)}, ` : '',
    columns: columns.map(quoteIdentifier).join(', '),
    // The index must treat NULLs as the constraint did, or duplicates with a NULL go in (Sirimbo's tenant accounts).
    nullsNotDistinct: constraint.nulls_not_distinct ? ' NULLS NOT DISTINCT' : '',
    // USING INDEX takes the constraint's deferrability: without it the constraint is checked at once, row by row.
    deferrable: constraint.deferrable ? ` DEFERRABLE${constraint.initdeferred ? ' INITIALLY DEFERRED' : ''}` : '',
  };
}
