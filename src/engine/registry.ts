import { RULES } from '../../rules/index.js';
import { BUILTIN_CHECKS, type BuiltinCheck } from './builtin-checks.js';
import type { AnyRule } from './rule.js';

export { RULES };

const rulesById = new Map(RULES.map((rule) => [rule.id, rule]));
const builtinsById = new Map(BUILTIN_CHECKS.map((check) => [check.id, check]));

export function findRule(id: string): AnyRule | undefined {
  return rulesById.get(id);
}

export function findBuiltinCheck(id: string): BuiltinCheck | undefined {
  return builtinsById.get(id);
}

/** Every id a user may name: in suppressions, config and `lockwise explain`. */
export const ALL_RULE_IDS: ReadonlySet<string> = new Set([...rulesById.keys(), ...builtinsById.keys()]);
