import { BUILTIN_CHECKS } from '../engine/builtin-checks.js';
import { RULES } from '../engine/registry.js';

export function runRules(): string {
  const rows = [
    ...RULES.map((rule) => [rule.id, rule.meta.severity, rule.meta.docs.summary]),
    ...BUILTIN_CHECKS.map((check) => [check.id, check.meta.severity, check.meta.docs.summary]),
  ];
  const idWidth = Math.max(...rows.map(([id]) => id!.length));
  const severityWidth = Math.max(...rows.map(([, severity]) => severity!.length));
  return `${rows.map(([id, severity, summary]) => `${id!.padEnd(idWidth)}  ${severity!.padEnd(severityWidth)}  ${summary}`).join('\n')}\n`;
}
