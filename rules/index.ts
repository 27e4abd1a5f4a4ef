import type { AnyRule } from '../src/engine/rule.js';
import noBackfillInExpandMigration from './no-backfill-in-expand-migration.js';
import noConcurrentlyInTransaction from './no-concurrently-in-transaction.js';
import noExpandContractSameMigration from './no-expand-contract-same-migration.js';
import noRenameColumn from './no-rename-column.js';
import noRenameTable from './no-rename-table.js';
import noUnbatchedBackfill from './no-unbatched-backfill.js';
import noVolatileDefault from './no-volatile-default.js';
import requireConcurrentIndex from './require-concurrent-index.js';
import requireDeprecationBeforeDrop from './require-deprecation-before-drop.js';
import requireLockTimeout from './require-lock-timeout.js';
import requireNotValid from './require-not-valid.js';

/** Every rule lockwise ships, in id order. A test checks this list against the files in rules/. */
export const RULES: readonly AnyRule[] = [
  noBackfillInExpandMigration,
  noConcurrentlyInTransaction,
  noExpandContractSameMigration,
  noRenameColumn,
  noRenameTable,
  noUnbatchedBackfill,
  noVolatileDefault,
  requireConcurrentIndex,
  requireDeprecationBeforeDrop,
  requireLockTimeout,
  requireNotValid,
];
