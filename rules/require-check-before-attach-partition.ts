import type { Node, PartitionBoundSpec } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import type { RuleContext } from '../src/engine/context.js';
import { implies, negated, type Condition } from '../src/knowledge/check-implication.js';
import { partitionConstraint, unboundedEnd } from '../src/knowledge/partition-bounds.js';
import { conditionOfCheck, type ConstraintInfo } from '../src/model/schema-objects.js';
import { displayName, displayResolvedName, relationFromRangeVar, type RelationName } from '../src/model/names.js';
import type { PartitionKey } from '../src/model/schema-model.js';
import { asKind } from '../src/parse/node-types.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

export default defineRule({
  id: 'require-check-before-attach-partition',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      attachScans:
        'ATTACH PARTITION {{partition}} scans the whole of {{partition}} to check that every row belongs in the partition, while holding an ACCESS EXCLUSIVE lock on it: no reads or writes of {{partition}} until the scan finishes. No validated CHECK constraint on {{partition}} proves it, with its key columns NOT NULL.',
      attachScansCheckTooWeak:
        'ATTACH PARTITION {{partition}} scans the whole of {{partition}} to check that every row belongs in the partition, while holding an ACCESS EXCLUSIVE lock on it: no reads or writes of {{partition}} until the scan finishes. No validated CHECK constraint on {{partition}} implies the partition bound{{bound}}, not even {{constraints}}: PostgreSQL\'s proof compares the key column with the constants as written, and skips the scan only when that proves the bound.',
      attachScansExpressionKey:
        'ATTACH PARTITION {{partition}} scans the whole of {{partition}} to check that every row belongs in the partition, while holding an ACCESS EXCLUSIVE lock on it: {{table}} is partitioned by an expression, and then no CHECK constraint lets PostgreSQL skip the scan.',
      defaultScanned:
        'Adding partition {{partition}} to {{table}} scans {{table}}\'s DEFAULT partition {{default}} for rows that would belong in the new partition, while holding an ACCESS EXCLUSIVE lock on {{default}}: no reads or writes of {{default}} until the scan finishes. No validated CHECK constraint on {{default}} rules those rows out.',
      defaultScannedCheckTooWeak:
        'Adding partition {{partition}} to {{table}} scans {{table}}\'s DEFAULT partition {{default}} for rows that would belong in the new partition, while holding an ACCESS EXCLUSIVE lock on {{default}}: no reads or writes of {{default}} until the scan finishes. No validated CHECK constraint on {{default}} rules out the new partition\'s rows{{bound}}, not even {{constraints}}: PostgreSQL\'s proof compares the key column with the constants as written, and skips the scan only when that rules them out.',
      help:
        'Prove it first with a scan that lets reads and writes continue; ATTACH PARTITION then skips its own:\n  ALTER TABLE {{partition}} ADD CONSTRAINT {{name}} CHECK ({{check}}) NOT VALID;\n  -- in a later transaction (SHARE UPDATE EXCLUSIVE lock only):\n  ALTER TABLE {{partition}} VALIDATE CONSTRAINT {{name}};\n  ALTER TABLE {{table}} ATTACH PARTITION {{partition}} ...;\n  ALTER TABLE {{partition}} DROP CONSTRAINT {{name}};\nEach partition key column must also be NOT NULL (the bound rejects NULLs, and PostgreSQL does not infer that from the CHECK).',
      helpExpressionKey:
        'Attach {{partition}} while nothing uses it yet (before it holds data, or in a maintenance window), or create the partition empty with CREATE TABLE ... PARTITION OF {{table}} and move the rows into it in batches.',
      helpDefault:
        'Rule the new values out of {{default}} first with a scan that lets reads and writes continue, then add the partition:\n  ALTER TABLE {{default}} ADD CONSTRAINT {{name}} CHECK (NOT ({{check}})) NOT VALID;\n  -- in a later transaction (SHARE UPDATE EXCLUSIVE lock only):\n  ALTER TABLE {{default}} VALIDATE CONSTRAINT {{name}};\nIf {{default}} holds such rows, move them out in batches first. A partitioned table without a DEFAULT partition avoids the scan altogether.',
    },
    docs: {
      summary: 'Requires a validated CHECK constraint that proves the partition bound before ATTACH PARTITION of an existing table, and before adding a partition next to a DEFAULT partition.',
      why: 'ALTER TABLE ... ATTACH PARTITION must prove that every row of the table being attached belongs in the partition. It scans the whole table while holding an ACCESS EXCLUSIVE lock on it, so nothing can read or write that table until the scan finishes: attaching an existing, large table (the usual way to move a table under a partitioned one) stops its traffic for as long as the scan takes. PostgreSQL skips the scan when a validated CHECK constraint on the table implies the partition bound and the key columns are NOT NULL (without NOT NULL it scans even with the CHECK, for range partitions too, as lockwise trace shows on PostgreSQL 18); that CHECK can be added NOT VALID and validated under a SHARE UPDATE EXCLUSIVE lock that lets reads and writes continue. PostgreSQL\'s proof compares the key columns with constants as written, and lockwise follows it, for keys of one column or several (where a range bound from (10, 0) holds sensor = 10 only with seq >= 0): `id > 9` does not prove `id >= 10` (the proof knows nothing of whole numbers), nor `logged_on <= \'2026-01-01\'` the exclusive upper bound `logged_on < \'2026-01-01\'`, and a CHECK joined by OR proves little; where lockwise cannot follow the proof (an expression it cannot read, constants whose order depends on the column\'s type or collation, a list bound on several columns), it takes a validated CHECK on every key column as the proof. With a partition key that is an expression, no CHECK helps. When the partitioned table has a DEFAULT partition, every new partition, attached or created with CREATE TABLE ... PARTITION OF, also makes PostgreSQL scan the DEFAULT partition for rows that would belong in it, under an ACCESS EXCLUSIVE lock on the DEFAULT partition, unless a validated CHECK constraint on the DEFAULT partition rules them out. Attaching a table created in the same migration, or in one not yet deployed, is not reported: it holds no production rows.',
      instead:
        'ADD CONSTRAINT c CHECK (key >= lower AND key < upper) NOT VALID on the table; make the key columns NOT NULL; in a later transaction VALIDATE CONSTRAINT c; then ATTACH PARTITION (no scan) and DROP CONSTRAINT c. Before adding a partition next to a DEFAULT partition, add and validate CHECK (NOT (key IN (...))) on the DEFAULT partition.',
      bad: "ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');",
      good:
        "ALTER TABLE events_2025 ADD CONSTRAINT events_2025_bound CHECK (created_on >= '2025-01-01' AND created_on < '2026-01-01') NOT VALID;\nALTER TABLE events_2025 VALIDATE CONSTRAINT events_2025_bound;\nALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');",
      references: [
        'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-ATTACH-PARTITION',
        'https://www.postgresql.org/docs/current/ddl-partitioning.html#DDL-PARTITIONING-DECLARATIVE-MAINTENANCE',
      ],
      pgVersions: 'PostgreSQL 10 and later. From 11, a validated CHECK constraint on the DEFAULT partition also lets PostgreSQL skip its scan. The lock on the partitioned table itself was lowered to SHARE UPDATE EXCLUSIVE in 12; the ACCESS EXCLUSIVE lock on the table being attached, and on the DEFAULT partition, remains.',
      prevents: 'full-table scan under ACCESS EXCLUSIVE',
    },
  },
  create(context) {
    const keyOf = (table: RelationName): PartitionKey | undefined => context.schema.table(table)?.partitionKey;

    /** A DEFAULT partition with data is scanned when a partition for `bound` joins `table`, unless its CHECKs rule the new rows out. */
    function checkDefaultPartition(table: RelationName, partition: RelationName, bound: PartitionBoundSpec, at: number | undefined): void {
      if (bound.is_default) return;
      const defaultPartition = context.schema.defaultPartition(table);
      if (!defaultPartition || !context.isExistingTable(defaultPartition)) return;
      const key = keyOf(table);
      const checks = context.schema.validatedChecks(defaultPartition);
      const predicate = key && !key.hasExpression ? partitionConstraint(key.columns, bound) : undefined;
      if (provenByChecks(checks, key, predicate && negated(predicate))) return;
      const check = key ? boundCondition(key, bound) : undefined;
      const tooWeak = key ? checksOnKey(checks, key) : '';
      context.report({
        messageId: tooWeak ? 'defaultScannedCheckTooWeak' : 'defaultScanned',
        ...(check ? { helpId: 'helpDefault' } : {}),
        at,
        data: {
          table: displayName(table),
          partition: displayName(partition),
          default: displayResolvedName(defaultPartition),
          name: quoteIdentifier(`${defaultPartition.name}_not_${partition.name}`),
          check: check ?? '',
          constraints: tooWeak,
          bound: check ? ` (${check})` : '',
        },
      });
    }

    return {
      AlterTableStmt(alter) {
        if (!alter.relation || alter.objtype !== 'OBJECT_TABLE') return;
        const table = relationFromRangeVar(alter.relation);
        for (const command of alter.cmds ?? []) {
          const cmd = asKind(command, 'AlterTableCmd');
          const attach = asKind(cmd?.def, 'PartitionCmd');
          if (cmd?.subtype !== 'AT_AttachPartition' || !attach?.name || !attach.bound) continue;
          const partition = relationFromRangeVar(attach.name);
          // A DEFAULT partition holds what no other partition does: with none yet (of a table the history created), there is nothing to check.
          const nothingToCheck = attach.bound.is_default === true && context.schema.table(table) !== undefined && context.schema.partitions(table).length === 0;
          const key = keyOf(table);
          if (context.isExistingTable(partition) && !nothingToCheck && !scanSkipped(context, partition, key, attach.bound)) {
            const data = { table: displayName(table), partition: displayName(partition) };
            if (key?.hasExpression) context.report({ messageId: 'attachScansExpressionKey', helpId: 'helpExpressionKey', at: attach.name.location, data });
            else {
              const check = key ? boundCondition(key, attach.bound) : undefined;
              const tooWeak = key && keyColumnsNotNull(context, partition, key, attach.bound) ? checksOnKey(context.schema.validatedChecks(partition), key) : '';
              context.report({
                messageId: tooWeak ? 'attachScansCheckTooWeak' : 'attachScans',
                helpId: 'help',
                at: attach.name.location,
                data: {
                  ...data,
                  name: quoteIdentifier(`${partition.name}_partition_bound`),
                  check: check ?? 'a condition that implies the partition bound',
                  constraints: tooWeak,
                  bound: check ? ` (${check})` : '',
                },
              });
            }
          }
          checkDefaultPartition(table, partition, attach.bound, attach.name.location);
        }
      },
      CreateStmt(create) {
        const parent = asKind(create.inhRelations?.[0], 'RangeVar');
        if (!create.partbound || !parent || !create.relation) return;
        checkDefaultPartition(relationFromRangeVar(parent), relationFromRangeVar(create.relation), create.partbound, create.relation.location);
      },
    };
  },
});

/**
 * Whether PostgreSQL can skip scanning the table being attached: its validated CHECKs imply the bound,
 * and each key column is NOT NULL unless the bound accepts NULL (checked on PostgreSQL 18 with lockwise trace).
 */
function scanSkipped(context: RuleContext, partition: RelationName, key: PartitionKey | undefined, bound: PartitionBoundSpec): boolean {
  const checks = context.schema.validatedChecks(partition);
  if (key?.hasExpression || (key && !keyColumnsNotNull(context, partition, key, bound))) return false;
  return provenByChecks(checks, key, key && partitionConstraint(key.columns, bound));
}

/**
 * Whether validated CHECKs prove `predicate` as PostgreSQL's prover would. When lockwise cannot follow the
 * proof (no predicate, a CHECK it cannot read, constants it cannot order), a validated CHECK on every key
 * column is taken as the proof; for a key with an expression, or of a partitioned table the model does not
 * know, any validated CHECK.
 */
function provenByChecks(checks: readonly ConstraintInfo[], key: PartitionKey | undefined, predicate: Condition | undefined): boolean {
  const proof = predicate ? implies(checks.map(conditionOfCheck), predicate) : 'undecided';
  if (proof !== 'undecided') return proof === 'proven';
  if (key === undefined || key.hasExpression) return checks.length > 0;
  return key.columns.every((column) => checks.some((check) => check.columns.includes(column)));
}

/** The partition constraint needs the key NOT NULL, which PostgreSQL does not infer from a CHECK that allows NULL. */
function keyColumnsNotNull(context: RuleContext, partition: RelationName, key: PartitionKey, bound: PartitionBoundSpec): boolean {
  const known = context.schema.table(partition) !== undefined;
  const acceptsNull = bound.is_default === true || (bound.listdatums ?? []).some((datum) => asKind(datum, 'A_Const')?.isnull);
  return key.columns.every(
    (column) => acceptsNull || !known || context.schema.column(partition, column)?.notNull === true || context.schema.hasValidatedNotNullCheck(partition, column),
  );
}

/** The names of the checks that mention a key column (the ones meant as the proof), for a message; empty when there are none. */
function checksOnKey(checks: readonly ConstraintInfo[], key: PartitionKey): string {
  const meant = checks.filter((check) => check.columns.some((column) => key.columns.includes(column)));
  return meant.map((check) => quoteIdentifier(check.name)).join(' or ');
}

/** The bound as a condition on a one-column key, for the help; undefined when it cannot be written simply. */
function boundCondition(key: PartitionKey, bound: PartitionBoundSpec): string | undefined {
  const column = key.columns.length === 1 && !key.hasExpression ? quoteIdentifier(key.columns[0]!) : undefined;
  if (!column) return undefined;
  if (bound.strategy === 'l') {
    const values = (bound.listdatums ?? []).map(constantText);
    return values.length > 0 && values.every((value) => value !== undefined && value !== 'NULL') ? `${column} IN (${values.join(', ')})` : undefined;
  }
  if (bound.strategy !== 'r') return undefined;
  const lower = rangeEnd(bound.lowerdatums);
  const upper = rangeEnd(bound.upperdatums);
  if (lower === undefined || upper === undefined) return undefined;
  const terms = [lower === 'unbounded' ? '' : `${column} >= ${lower}`, upper === 'unbounded' ? '' : `${column} < ${upper}`].filter(Boolean);
  return terms.length > 0 ? terms.join(' AND ') : undefined;
}

/** A one-column range end: its constant, 'unbounded' for MINVALUE or MAXVALUE, undefined for anything else. */
function rangeEnd(datums: Node[] | undefined): string | undefined {
  if (datums?.length !== 1) return undefined;
  return unboundedEnd(datums[0]!) ? 'unbounded' : constantText(datums[0]!);
}

function constantText(node: Node): string | undefined {
  const constant = asKind(node, 'A_Const') ?? asKind(asKind(node, 'TypeCast')?.arg, 'A_Const');
  if (!constant) return undefined;
  if (constant.isnull) return 'NULL';
  if (constant.sval) return `'${(constant.sval.sval ?? '').replace(/'/g, "''")}'`;
  if (constant.ival) return String(constant.ival.ival ?? 0);
  if (constant.fval) return constant.fval.fval;
  if (constant.boolval) return String(constant.boolval.boolval ?? false);
  return undefined;
}
