import type { AnyRule } from '../src/engine/rule.js';
import noAddRequiredColumn from './no-add-required-column.js';
import noAlteringColumnUsedByView from './no-altering-column-used-by-view.js';
import noBackfillInExpandMigration from './no-backfill-in-expand-migration.js';
import noCharColumn from './no-char-column.js';
import noCluster from './no-cluster.js';
import noConcurrentIndexIfNotExists from './no-concurrent-index-if-not-exists.js';
import noConcurrentlyInTransaction from './no-concurrently-in-transaction.js';
import noCreateExistingObject from './no-create-existing-object.js';
import noDomainConstraint from './no-domain-constraint.js';
import noDisableTriggerAll from './no-disable-trigger-all.js';
import noDropCascade from './no-drop-cascade.js';
import noDroppedColumnInQuery from './no-dropped-column-in-query.js';
import noDropDatabase from './no-drop-database.js';
import noDropNotNull from './no-drop-not-null.js';
import noDropUniqueIndex from './no-drop-unique-index.js';
import noDropRequiredColumnDefault from './no-drop-required-column-default.js';
import noDropSchemaCascade from './no-drop-schema-cascade.js';
import noDuplicateColumnAssignment from './no-duplicate-column-assignment.js';
import noForeignKeyDefaultWithoutReferencedRow from './no-foreign-key-default-without-referenced-row.js';
import noEnumValueAddInTransaction from './no-enum-value-add-in-transaction.js';
import noEnumValueRename from './no-enum-value-rename.js';
import noExclusionConstraintOnExistingTable from './no-exclusion-constraint-on-existing-table.js';
import noExpandContractSameMigration from './no-expand-contract-same-migration.js';
import noIdentifierTooLong from './no-identifier-too-long.js';
import noIdentityOrSerialColumnAdd from './no-identity-or-serial-column-add.js';
import noIdentityAlwaysOnExistingColumn from './no-identity-always-on-existing-column.js';
import noIndexNameCollision from './no-index-name-collision.js';
import noJsonColumn from './no-json-column.js';
import noDeleteAndReinsertReferencedRows from './no-delete-and-reinsert-referenced-rows.js';
import noNestedTransaction from './no-nested-transaction.js';
import noNonTransactionalStatementInTransaction from './no-non-transactional-statement-in-transaction.js';
import noRefreshInTrigger from './no-refresh-in-trigger.js';
import noRenameColumn from './no-rename-column.js';
import noRenameTable from './no-rename-table.js';
import noRenameType from './no-rename-type.js';
import noRewritingStorageChange from './no-rewriting-storage-change.js';
import noRewritingTypeChange from './no-rewriting-type-change.js';
import noSilentIndexDrop from './no-silent-index-drop.js';
import noSlowStatementsAfterWriteLock from './no-slow-statements-after-write-lock.js';
import noStatementSplitByTool from './no-statement-split-by-tool.js';
import noStatementsAfterAccessExclusive from './no-statements-after-access-exclusive.js';
import noStoredGeneratedColumn from './no-stored-generated-column.js';
import noTruncateCascade from './no-truncate-cascade.js';
import noUnbatchedBackfill from './no-unbatched-backfill.js';
import noUncommittedTransaction from './no-uncommitted-transaction.js';
import noUnlockedDedupeBeforeUniqueKey from './no-unlocked-dedupe-before-unique-key.js';
import noVacuumFull from './no-vacuum-full.js';
import noVolatileDefault from './no-volatile-default.js';
import preferBigint from './prefer-bigint.js';
import preferIdentity from './prefer-identity.js';
import preferIfExists from './prefer-if-exists.js';
import preferText from './prefer-text.js';
import preferTimestamptz from './prefer-timestamptz.js';
import requireCheckBeforeAttachPartition from './require-check-before-attach-partition.js';
import requireCheckBeforeSetNotNull from './require-check-before-set-not-null.js';
import requireConcurrentDetachPartition from './require-concurrent-detach-partition.js';
import requireConcurrentIndex from './require-concurrent-index.js';
import requireConcurrentRefresh from './require-concurrent-refresh.js';
import requireConcurrentReindex from './require-concurrent-reindex.js';
import requireDeprecationBeforeDrop from './require-deprecation-before-drop.js';
import requireIndexOnReferencingColumns from './require-index-on-referencing-columns.js';
import requireLockTimeout from './require-lock-timeout.js';
import requireNotValid from './require-not-valid.js';
import requireSchemaQualifiedTable from './require-schema-qualified-table.js';
import requireStatementTimeout from './require-statement-timeout.js';
import requireUniqueUsingIndex from './require-unique-using-index.js';

/** Every rule lockwise ships, in id order. A test checks this list against the files in rules/. */
export const RULES: readonly AnyRule[] = [
  noAddRequiredColumn,
  noAlteringColumnUsedByView,
  noBackfillInExpandMigration,
  noCharColumn,
  noCluster,
  noConcurrentIndexIfNotExists,
  noConcurrentlyInTransaction,
  noCreateExistingObject,
  noDisableTriggerAll,
  noDomainConstraint,
  noDropCascade,
  noDropDatabase,
  noDropNotNull,
  noDropUniqueIndex,
  noDropRequiredColumnDefault,
  noDropSchemaCascade,
  noDroppedColumnInQuery,
  noDuplicateColumnAssignment,
  noForeignKeyDefaultWithoutReferencedRow,
  noEnumValueAddInTransaction,
  noEnumValueRename,
  noExclusionConstraintOnExistingTable,
  noExpandContractSameMigration,
  noIdentifierTooLong,
  noIdentityAlwaysOnExistingColumn,
  noIdentityOrSerialColumnAdd,
  noIndexNameCollision,
  noJsonColumn,
  noDeleteAndReinsertReferencedRows,
  noNestedTransaction,
  noNonTransactionalStatementInTransaction,
  noRefreshInTrigger,
  noRenameColumn,
  noRenameTable,
  noRenameType,
  noRewritingStorageChange,
  noRewritingTypeChange,
  noSilentIndexDrop,
  noSlowStatementsAfterWriteLock,
  noStatementSplitByTool,
  noStatementsAfterAccessExclusive,
  noStoredGeneratedColumn,
  noTruncateCascade,
  noUnbatchedBackfill,
  noUncommittedTransaction,
  noUnlockedDedupeBeforeUniqueKey,
  noVacuumFull,
  noVolatileDefault,
  preferBigint,
  preferIdentity,
  preferIfExists,
  preferText,
  preferTimestamptz,
  requireCheckBeforeAttachPartition,
  requireCheckBeforeSetNotNull,
  requireConcurrentDetachPartition,
  requireConcurrentIndex,
  requireConcurrentRefresh,
  requireConcurrentReindex,
  requireDeprecationBeforeDrop,
  requireIndexOnReferencingColumns,
  requireLockTimeout,
  requireNotValid,
  requireSchemaQualifiedTable,
  requireStatementTimeout,
  requireUniqueUsingIndex,
];
