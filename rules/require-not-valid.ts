import type { Constraint } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { displayName, relationFromRangeVar, relationKey, type RelationName } from '../src/model/names.js';
import { asKind } from '../src/parse/node-types.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';
import { foreignKeyShape } from '../src/engine/alter-table-commands.js';
import { emptiedBy } from '../src/engine/empty-tables.js';
import { namesIndex, trafficLock } from '../src/knowledge/statement-locks.js';

/** PostgreSQL 18 accepts NOT VALID foreign keys on partitioned tables; before, ADD ... NOT VALID fails there. */
const NOT_VALID_FOREIGN_KEY_ON_PARTITIONED_SINCE = 18;

export default defineRule({
  id: 'require-not-valid',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      addForeignKey:
        'ADD {{constraint}}FOREIGN KEY on {{table}} scans the whole table to validate it while holding a SHARE ROW EXCLUSIVE lock on {{lockedTables}}: writes to {{writesTo}} wait for the whole scan.',
      addForeignKeyUnderAccessExclusive:
        'ADD {{constraint}}FOREIGN KEY on {{table}} scans the whole table to validate it while the {{holder}} holds an ACCESS EXCLUSIVE lock on {{table}} ({{takenBy}}){{referencedLock}}: no reads or writes of {{table}}{{referencedWrites}} until the scan finishes.',
      addForeignKeyReferencedUnderAccessExclusive:
        'ADD {{constraint}}FOREIGN KEY on {{table}} scans the whole table to validate it while holding a SHARE ROW EXCLUSIVE lock on {{table}}, and while the {{holder}} holds an ACCESS EXCLUSIVE lock on {{referenced}} ({{takenBy}}): writes to {{table}}, and every read and write of {{referenced}}, wait for the whole scan.',
      addCheck:
        'ADD {{constraint}}CHECK on {{table}} scans the whole table to validate it while holding an ACCESS EXCLUSIVE lock: no reads or writes of {{table}} until the scan finishes.',
      addColumnWithConstraint:
        'ADD COLUMN {{column}} with a {{kind}} constraint validates it against every row of {{table}} while holding an ACCESS EXCLUSIVE lock.',
      help:
        'Add the constraint without validating existing rows, then validate it in a separate transaction, where only a SHARE UPDATE EXCLUSIVE lock is held during the scan:\n  ALTER TABLE {{table}} ADD CONSTRAINT {{name}} ... NOT VALID;\n  -- next transaction or migration{{laterDeployNote}}:\n  ALTER TABLE {{table}} VALIDATE CONSTRAINT {{name}};',
      columnHelp:
        'Add the column first, then the constraint NOT VALID, then VALIDATE CONSTRAINT in a separate transaction{{laterDeployNote}}.',
      notValidOnPartitionedBefore18:
        'PostgreSQL before 18 refuses a NOT VALID foreign key on partitioned table {{table}} ("cannot add NOT VALID foreign key on partitioned table"): the migration fails here.',
      partitionedHelp:
        'Before PostgreSQL 18, add it to each partition NOT VALID and validate it there, then add it to {{table}}: PostgreSQL attaches the partitions\' validated constraints without a scan (it takes an ACCESS EXCLUSIVE lock on {{referenced}} for a moment to do so).\n  ALTER TABLE <partition> ADD CONSTRAINT {{name}} FOREIGN KEY (...) REFERENCES {{referenced}} (...) NOT VALID;\n  -- next transaction or migration, for each partition:\n  ALTER TABLE <partition> VALIDATE CONSTRAINT {{name}};\n  ALTER TABLE {{table}} ADD CONSTRAINT {{name}} FOREIGN KEY (...) REFERENCES {{referenced}} (...);',
      validateInSameTransaction:
        'VALIDATE CONSTRAINT {{name}} runs in the same transaction that added it NOT VALID (line {{line}}): the transaction still holds the lock the ADD took, so the validating scan blocks as if NOT VALID had not been used.',
      validateHelp: 'Commit after the NOT VALID add and validate in a separate transaction or migration{{laterDeployNote}}.',
    },
    docs: {
      summary: 'Requires FOREIGN KEY and CHECK constraints on existing tables to be added NOT VALID and validated separately.',
      why: 'Adding a CHECK or FOREIGN KEY constraint makes PostgreSQL scan the whole table to prove every existing row satisfies it, while it holds the lock the ADD took: ACCESS EXCLUSIVE for CHECK (no reads or writes), SHARE ROW EXCLUSIVE for a foreign key (no writes), on the referenced table too. NOT VALID skips the scan; VALIDATE CONSTRAINT then scans with only a SHARE UPDATE EXCLUSIVE lock, which lets reads and writes continue. Validating in the same transaction gains nothing, because the stronger lock of the ADD is held until commit. UNIQUE, PRIMARY KEY and EXCLUDE constraints cannot be added NOT VALID, so this rule does not ask for it.',
      instead: 'ALTER TABLE ... ADD CONSTRAINT ... NOT VALID; then, in a separate transaction, ALTER TABLE ... VALIDATE CONSTRAINT ...;',
      bad: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);',
      good: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
      references: [
        'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT',
        'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-VALIDATE-CONSTRAINT',
      ],
      pgVersions: 'NOT VALID foreign keys from PostgreSQL 9.1, NOT VALID CHECK constraints from 9.2. On a partitioned table, NOT VALID foreign keys from PostgreSQL 18 only; before, add the key to each partition NOT VALID, validate it there, and then add it to the partitioned table, which attaches the partitions\' validated keys without a scan (lockwise recognises that last step and does not report it).',
      prevents: 'validating scan under ACCESS EXCLUSIVE (CHECK) or SHARE ROW EXCLUSIVE on both tables (FOREIGN KEY)',
    },
  },
  create(context) {
    /** `table:constraint` → where it was added NOT VALID, with the transaction that did it. */
    const addedNotValid = new Map<string, { transaction: number; offset: number }>();

    const currentTransaction = (): number | undefined =>
      context.transaction.inTransaction ? context.transaction.id : undefined;

    return {
      AlterTableStmt(alter) {
        if (!alter.relation || alter.objtype !== 'OBJECT_TABLE') return;
        const relation = relationFromRangeVar(alter.relation);
        const table = displayName(relation);
        const existing = context.isExistingTable(relation);
        for (const command of alter.cmds ?? []) {
          const cmd = asKind(command, 'AlterTableCmd');
          if (cmd?.subtype === 'AT_AddConstraint') {
            const constraint = asKind(cmd.def, 'Constraint');
            if (!constraint || !(constraint.contype === 'CONSTR_FOREIGN' || constraint.contype === 'CONSTR_CHECK')) continue;
            const partitioned = context.schema.table(relation)?.kind === 'partitioned table';
            const foreignKey = partitioned ? foreignKeyShape(constraint) : undefined;
            // Every partition has it already, validated: PostgreSQL attaches theirs and checks no row.
            if (foreignKey && context.schema.partitionsWithForeignKey(relation, foreignKey) === 'all') continue;
            if (foreignKey && constraint.skip_validation && context.pgVersion < NOT_VALID_FOREIGN_KEY_ON_PARTITIONED_SINCE) {
              context.report({ messageId: 'notValidOnPartitionedBefore18', helpId: 'partitionedHelp', at: constraint.location, data: dataFor(constraint, table) });
              continue;
            }
            if (constraint.skip_validation) {
              const transaction = currentTransaction();
              if (transaction && constraint.conname && existing) {
                addedNotValid.set(`${relationKey(relation)}:${constraint.conname}`, { transaction, offset: constraint.location ?? 0 });
              }
            } else if (existing) {
              reportUnvalidated(constraint, relation, foreignKey !== undefined && context.pgVersion < NOT_VALID_FOREIGN_KEY_ON_PARTITIONED_SINCE);
            }
          } else if (cmd?.subtype === 'AT_ValidateConstraint' && cmd.name) {
            const added = addedNotValid.get(`${relationKey(relation)}:${cmd.name}`);
            if (added && added.transaction === currentTransaction()) {
              context.report({
                messageId: 'validateInSameTransaction',
                helpId: 'validateHelp',
                data: { name: cmd.name, line: context.lineOf(added.offset) },
              });
            }
          } else if (cmd?.subtype === 'AT_AddColumn' && existing) {
            const column = asKind(cmd.def, 'ColumnDef');
            const constraints = (column?.constraints ?? []).map((node) => asKind(node, 'Constraint'));
            constraints.forEach((constraint, index) => {
              const kind = constraint && validatedColumnConstraint(constraint, constraints);
              // A NOT ENFORCED attribute (PostgreSQL 18) follows the constraint it applies to; nothing is validated.
              if (!kind || constraints[index + 1]?.contype === 'CONSTR_ATTR_NOT_ENFORCED') return;
              context.report({
                messageId: 'addColumnWithConstraint',
                helpId: 'columnHelp',
                at: constraint.location,
                data: { column: quoteIdentifier(column?.colname ?? ''), kind, table },
              });
            });
          }
        }
      },
    };

    function reportUnvalidated(constraint: Constraint, relation: RelationName, partitionedBefore18: boolean): void {
      // A table the transaction proved empty is validated at once.
      if (emptiedBy(context, relation)) return;
      const referencedTable = constraint.pktable ? relationFromRangeVar(constraint.pktable) : undefined;
      const otherInUse = referencedTable !== undefined && !context.schema.sameTable(referencedTable, relation) && context.isExistingTable(referencedTable);
      const data = dataFor(constraint, displayName(relation), otherInUse);
      const helpId = partitionedBefore18 ? 'partitionedHelp' : 'help';
      // The scan runs under the strongest lock held on the table: ADD COLUMN beside the key, or an earlier statement of the transaction, stops reads too.
      const holder = constraint.contype === 'CONSTR_FOREIGN' ? accessExclusiveHolder(relation) : undefined;
      if (constraint.contype !== 'CONSTR_FOREIGN') {
        context.report({ messageId: 'addCheck', helpId, at: constraint.location, data });
      } else if (holder) {
        // Dropping a key to the same table, in the statement or earlier in the transaction, locks it ACCESS EXCLUSIVE too.
        const referencedBlocked = otherInUse && accessExclusiveHolder(referencedTable);
        const referencedLock = !otherInUse ? '' : referencedBlocked ? ` and on ${data.referenced}` : ` and a SHARE ROW EXCLUSIVE lock on ${data.referenced}`;
        const referencedWrites = !otherInUse ? '' : referencedBlocked ? ` and ${data.referenced}` : `, and no writes to ${data.referenced},`;
        context.report({ messageId: 'addForeignKeyUnderAccessExclusive', helpId, at: constraint.location, data: { ...data, ...holder, referencedLock, referencedWrites } });
      } else {
        // The referenced table may be held ACCESS EXCLUSIVE already (Prisma drops its indexes first): its reads wait too.
        const referencedHolder = otherInUse ? accessExclusiveHolder(referencedTable) : undefined;
        if (referencedHolder) context.report({ messageId: 'addForeignKeyReferencedUnderAccessExclusive', helpId, at: constraint.location, data: { ...data, ...referencedHolder } });
        else context.report({ messageId: 'addForeignKey', helpId, at: constraint.location, data });
      }
    }

    /**
     * Who holds ACCESS EXCLUSIVE on the relation during the scan, in words: the statement, by another of its claims (the
     * altered table, or one a dropped key referenced), or the transaction, by an earlier statement's lock.
     */
    function accessExclusiveHolder(relation: RelationName): { holder: string; takenBy: string } | undefined {
      const byStatement = context.locksOf(context.statement).some((claim) => trafficLock(claim) === 'ACCESS EXCLUSIVE' && !namesIndex(claim) && context.schema.sameTable(claim.relation, relation));
      if (byStatement) return { holder: 'statement', takenBy: 'another change in the same ALTER TABLE takes it' };
      const held = context.heldLocks().find((lock) => trafficLock(lock.claim) === 'ACCESS EXCLUSIVE' && context.schema.sameTable(lock.table, relation));
      return held && { holder: 'transaction', takenBy: `taken on line ${context.lineOfLock(held)}, and held until it commits` };
    }
  },
});

/**
 * The words of a message. `otherInUse`: the key references another table that holds data, whose writes the lock stops too; a
 * table this migration creates (marmot's teams) has no traffic yet.
 */
function dataFor(constraint: Constraint, table: string, otherInUse = false): Record<string, string> {
  const referenced = constraint.pktable ? displayName(relationFromRangeVar(constraint.pktable)) : '';
  return {
    table,
    constraint: constraint.conname ? `CONSTRAINT ${quoteIdentifier(constraint.conname)} ` : '',
    name: constraint.conname ? quoteIdentifier(constraint.conname) : '<name>',
    referenced,
    // A foreign key to its own table (a parent row, a previous version) locks that one table.
    lockedTables: otherInUse ? `${table} and on ${referenced}` : table,
    writesTo: otherInUse ? 'both tables' : 'it',
  };
}

/**
 * What a new column's constraint makes PostgreSQL check against every existing row. A new
 * column starts out all NULL, so its foreign key is only validated when it has a DEFAULT.
 */
function validatedColumnConstraint(constraint: Constraint, siblings: Array<Constraint | undefined>): string | undefined {
  if (constraint.contype === 'CONSTR_CHECK') return 'CHECK';
  const hasDefault = siblings.some((sibling) => sibling?.contype === 'CONSTR_DEFAULT');
  return constraint.contype === 'CONSTR_FOREIGN' && hasDefault ? 'FOREIGN KEY' : undefined;
}
