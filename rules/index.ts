import type { AnyRule } from '../src/engine/rule.js';
import noConcurrentlyInTransaction from './no-concurrently-in-transaction.js';
import noRenameColumn from './no-rename-column.js';
import noRenameTable from './no-rename-table.js';
import noVolatileDefault from './no-volatile-default.js';
import requireConcurrentIndex from './require-concurrent-index.js';
import requireDeprecationBeforeDrop from './require-deprecation-before-drop.js';
import requireLockTimeout from './require-lock-timeout.js';
import requireNotValid from './require-not-valid.js';

/** Every rule lockwise ships, in id order. A test checks this list against the files in rules/. */
export const RULES: readonly AnyRule[] = [
  noConcurrentlyInTransaction,
  noRenameColumn,
  noRenameTable,
  noVolatileDefault,
  requireConcurrentIndex,
  requireDeprecationBeforeDrop,
  requireLockTimeout,
  requireNotValid,
];
