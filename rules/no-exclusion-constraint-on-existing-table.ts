import { defineRule } from '../src/engine/rule.js';
import { commandsOnExistingTable } from '../src/engine/alter-table-commands.js';
import { displayName } from '../src/model/names.js';
import { asKind } from '../src/parse/node-types.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

export default defineRule({
  id: 'no-exclusion-constraint-on-existing-table',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      addExclusion:
        'ADD {{constraint}}EXCLUDE on {{table}} builds the constraint\'s index and checks every existing row against it while holding an ACCESS EXCLUSIVE lock: no reads or writes of {{table}} until the build finishes. PostgreSQL accepts neither NOT VALID nor USING INDEX for an exclusion constraint, so there is no way to split the work.',
      help:
        'Plan it as downtime for {{table}}: run it in a maintenance window, alone in its transaction, with a lock_timeout so it gives up rather than queueing traffic behind it. Where that is not acceptable, create a new table that has the constraint, copy the rows in batches while the application writes both, and switch to it.',
    },
    docs: {
      summary: 'Disallows adding an EXCLUDE constraint to an existing table.',
      why: 'ALTER TABLE ... ADD EXCLUDE builds the index that enforces the constraint and checks every existing row against it in the same statement, while ALTER TABLE holds an ACCESS EXCLUSIVE lock (the index build adds a SHARE lock): nothing can read or write the table until the build finishes. Unlike CHECK and FOREIGN KEY constraints, an exclusion constraint cannot be added NOT VALID, and unlike UNIQUE it cannot be attached USING INDEX to an index built CONCURRENTLY, so PostgreSQL offers no online way to add one to a populated table.',
      instead: 'Add exclusion constraints when the table is created. On an existing table, schedule the ALTER as downtime with a lock_timeout, or move the data to a new table that has the constraint.',
      bad: 'ALTER TABLE reservations ADD CONSTRAINT reservations_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&);',
      good: 'CREATE TABLE reservations (\n  room_id bigint NOT NULL,\n  during tstzrange NOT NULL,\n  CONSTRAINT reservations_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&)\n);',
      references: [
        'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT',
        'https://www.postgresql.org/docs/current/sql-createtable.html#SQL-CREATETABLE-EXCLUDE',
      ],
      pgVersions: 'Every version with exclusion constraints (9.0+): none allows NOT VALID or USING INDEX for them.',
      prevents: 'index build under ACCESS EXCLUSIVE',
    },
  },
  create(context) {
    return {
      ...commandsOnExistingTable(context, (cmd, relation) => {
        const constraint = cmd.subtype === 'AT_AddConstraint' ? asKind(cmd.def, 'Constraint') : undefined;
        if (constraint?.contype !== 'CONSTR_EXCLUSION') return;
        context.report({
          messageId: 'addExclusion',
          helpId: 'help',
          at: constraint.location,
          data: { table: displayName(relation), constraint: constraint.conname ? `CONSTRAINT ${quoteIdentifier(constraint.conname)} ` : '' },
        });
      }),
    };
  },
});
