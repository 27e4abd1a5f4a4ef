import { findBuiltinCheck, findRule } from '../engine/registry.js';
import { ruleDocsMarkdown } from '../report/rule-docs.js';
import { UsageError } from './user-errors.js';

export function runExplain(id: string): string {
  const check = findRule(id) ?? findBuiltinCheck(id);
  if (!check) throw new UsageError(`explain ${id}: unknown rule (run "lockwise rules" to list them)`);
  return ruleDocsMarkdown(check);
}
