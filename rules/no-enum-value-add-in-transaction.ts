import type { A_Const, A_Expr, AlterTableCmd, Node, RangeVar, ResTarget, TypeCast } from '@pgsql/types';
import { defineRule, type NodeFrame } from '../src/engine/rule.js';
import { walkTree } from '../src/engine/walk.js';
import { displayName, relationFromNames, relationFromRangeVar, relationKey, type RelationName } from '../src/model/names.js';
import { asKind, stringValues } from '../src/parse/node-types.js';
import { wrappedUnit } from '../src/engine/transaction-block.js';

/** From PostgreSQL 12, ADD VALUE runs in a transaction block, but the value is unusable until commit. */
const ADD_VALUE_IN_TRANSACTION_SINCE = 12;

interface AddedValue {
  type: RelationName;
  label: string;
  transaction: number;
  offset: number;
}

export default defineRule({
  id: 'no-enum-value-add-in-transaction',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      addValueInTransaction:
        'Before PostgreSQL 12, ALTER TYPE ... ADD VALUE cannot run inside a transaction block, and this statement runs inside {{transaction}}: PostgreSQL rejects it ("ALTER TYPE ... ADD cannot run inside a transaction block") and the migration fails.',
      addValueInBlock:
        'Before PostgreSQL 12, ALTER TYPE ... ADD VALUE cannot run inside a DO block or function: PostgreSQL rejects it ("ALTER TYPE ... ADD cannot be executed from a function") and the migration fails.',
      useOfNewValue:
        'This statement uses \'{{label}}\', which line {{line}} added to enum {{type}} in the same transaction: PostgreSQL rejects a new enum value until the transaction that added it commits ("unsafe use of new value"), so the migration fails here.',
      help:
        'Run ALTER TYPE {{type}} ADD VALUE \'{{label}}\' in a migration of its own that runs outside a transaction block (most tools have a per-file switch to turn the wrapping transaction off).',
      blockHelp:
        'Move it out of the block, to a migration of its own that runs outside a transaction block: ALTER TYPE {{type}} ADD VALUE IF NOT EXISTS \'{{label}}\'; (IF NOT EXISTS does what an exception handler around it would).',
      useHelp:
        'Commit the ADD VALUE first: put it in an earlier migration (or end the transaction after it), and use \'{{label}}\' only after that commit.',
    },
    docs: {
      summary: 'Disallows ALTER TYPE ... ADD VALUE inside a transaction block before PostgreSQL 12, and using the new value in the transaction that added it.',
      why: 'Before PostgreSQL 12, ALTER TYPE ... ADD VALUE fails with "cannot run inside a transaction block", which includes the transaction many migration tools wrap around each file (unless the enum type was created in that same transaction). From PostgreSQL 12 it runs inside a transaction, but the new value cannot be used until the transaction commits: an INSERT, UPDATE, comparison, cast or DEFAULT that uses it in the same transaction fails with "unsafe use of new value", which aborts the migration. A value added to a type created in the same transaction can be used at once.',
      instead: 'Add enum values in a migration of their own, outside a transaction block before PostgreSQL 12, and use them (backfills, defaults, constraints) in a later migration.',
      bad: "BEGIN;\nALTER TYPE order_status ADD VALUE 'refunded';\nUPDATE orders SET status = 'refunded' WHERE id = 42;\nCOMMIT;",
      good: "ALTER TYPE order_status ADD VALUE 'refunded';",
      references: [
        'https://www.postgresql.org/docs/current/sql-altertype.html',
        'https://www.postgresql.org/docs/11/sql-altertype.html',
      ],
      pgVersions: 'Before PostgreSQL 12: ADD VALUE fails inside any transaction block. PostgreSQL 12 and later: it runs, but the new value cannot be used before the transaction commits (checked on PostgreSQL 18).',
      prevents: 'a migration that fails on ADD VALUE or on the first use of the new value',
    },
  },
  create(context) {
    /** Enum types this file creates, with the transaction that created them (0: none). */
    const createdIn = new Map<string, number>();
    let pending: AddedValue[] = [];

    const currentTransaction = (): number => (context.transaction.inTransaction ? context.transaction.id : 0);

    return {
      onStatement(statement) {
        const transaction = currentTransaction();
        pending = pending.filter((added) => added.transaction === transaction);
        if (pending.length > 0) reportUses(statement.node);
      },
      CreateEnumStmt(create) {
        createdIn.set(relationKey(relationFromNames(stringValues(create.typeName))), currentTransaction());
      },
      AlterEnumStmt(alter) {
        if (!alter.newVal || alter.oldVal || !context.transaction.inTransaction) return;
        const type = relationFromNames(stringValues(alter.typeName));
        if (createdIn.get(relationKey(type)) === currentTransaction()) return;
        const data = { type: displayName(type), label: alter.newVal.replace(/'/g, "''") };
        if (context.pgVersion < ADD_VALUE_IN_TRANSACTION_SINCE && context.statement.insideBlock !== undefined) {
          context.report({ messageId: 'addValueInBlock', helpId: 'blockHelp', data });
        } else if (context.pgVersion < ADD_VALUE_IN_TRANSACTION_SINCE) {
          context.report({ messageId: 'addValueInTransaction', helpId: 'help', data: { ...data, transaction: describeTransaction() } });
        } else {
          pending.push({ type, label: alter.newVal, transaction: currentTransaction(), offset: context.statement.range.start });
        }
      },
    };

    function describeTransaction(): string {
      const { transaction, environment } = context;
      const opener = transaction.explicit && transaction.openedAt !== undefined ? context.statements[transaction.openedAt] : undefined;
      if (opener) return `the transaction opened on line ${context.lineOf(opener.range.start)}`;
      if (environment.transactionMode === 'implicit') return 'the implicit transaction PostgreSQL runs a multi-statement query in (the migration tool sends this file as one query)';
      return `the transaction the migration tool wraps around each ${wrappedUnit(context)}`;
    }

    /**
     * A string constant equal to a pending label counts as a use when it is cast to the enum type, or assigned to or
     * compared with a column of that type, or, when nothing says which column it goes to, written next to such a column.
     * A table the model does not know may have one.
     */
    function reportUses(root: Node): void {
      const constants: Array<{ value: string; location: number; castTo?: string; column?: string }> = [];
      const relations: RelationName[] = [];
      walkTree(root, (kind, payload, ancestors) => {
        // FROM lists hold wrapped RangeVars; INSERT, UPDATE, DELETE and ALTER TABLE name their target in a bare `relation`.
        const target = kind === 'RangeVar' ? (payload as RangeVar) : (payload as { relation?: RangeVar }).relation;
        if (target?.relname !== undefined) relations.push(relationFromRangeVar(target));
        const value = kind === 'A_Const' ? (payload as A_Const).sval?.sval : undefined;
        if (value === undefined) return;
        const parent = ancestors.at(-1);
        const castTo = parent?.kind === 'TypeCast' ? stringValues((parent.node as TypeCast).typeName?.names).at(-1) : undefined;
        const column = columnOf(ancestors);
        constants.push({ value, location: (payload as A_Const).location ?? 0, ...(castTo ? { castTo } : {}), ...(column ? { column } : {}) });
      });
      for (const added of [...pending]) {
        const typeName = added.type.name;
        const hasEnumColumn = (column?: string): boolean =>
          relations.some((relation) => {
            const table = context.schema.table(relation);
            if (!table) return true;
            const columns = column === undefined ? [...table.columns.values()] : [table.columns.get(column)];
            return columns.some((info) => info?.type?.name === typeName);
          });
        const use = constants.find(
          (constant) => constant.value === added.label && (constant.castTo === undefined ? hasEnumColumn(constant.column) : constant.castTo === typeName),
        );
        if (!use) continue;
        // The first use aborts the transaction: later statements in it never run.
        pending = pending.filter((other) => other !== added);
        context.report({
          messageId: 'useOfNewValue',
          helpId: 'useHelp',
          at: use.location,
          data: { label: added.label.replace(/'/g, "''"), type: displayName(added.type), line: context.lineOf(added.offset) },
        });
      }
    }
  },
});

/** The column a constant is assigned to (UPDATE ... SET, ALTER COLUMN ... SET DEFAULT) or compared with (`column = 'x'`, `column IN (...)`). */
function columnOf(ancestors: readonly NodeFrame[]): string | undefined {
  const frames = ancestors.filter((frame) => frame.kind !== 'List' && frame.kind !== 'TypeCast');
  const parent = frames.at(-1);
  if (parent?.kind === 'ResTarget') return (parent.node as ResTarget).name;
  if (parent?.kind === 'AlterTableCmd') return (parent.node as AlterTableCmd).name;
  if (parent?.kind !== 'A_Expr') return undefined;
  const expression = parent.node as A_Expr;
  const reference = asKind(expression.lexpr, 'ColumnRef') ?? asKind(expression.rexpr, 'ColumnRef');
  return reference ? stringValues(reference.fields).at(-1) : undefined;
}
