import { BUILTIN_CHECKS } from '../engine/builtin-checks.js';
import { DEFAULT_CONFIG } from '../engine/config.js';
import { RULES } from '../engine/registry.js';

/** Every rule with its severity, whether the default configuration turns it on (else the presets that do), and its summary. */
export function runRules(): string {
  const byDefault = (presets: readonly string[]): string => {
    if (presets.some((preset) => DEFAULT_CONFIG.presets.includes(preset as never))) return 'on';
    const others = presets.filter((preset) => preset !== 'strict');
    return `off (on in ${[...others, 'strict'].join(', ')})`;
  };
  const rows = [
    ['rule', 'severity', 'by default', 'summary'],
    ...RULES.map((rule) => [rule.id, rule.meta.severity, byDefault(rule.meta.presets), rule.meta.docs.summary]),
    ...BUILTIN_CHECKS.map((check) => [check.id, check.meta.severity, 'always', check.meta.docs.summary]),
  ];
  const width = (column: number): number => Math.max(...rows.map((row) => row[column]!.length));
  const widths = [width(0), width(1), width(2)];
  return `${rows.map((row) => `${row.slice(0, 3).map((cell, i) => cell!.padEnd(widths[i]!)).join('  ')}  ${row[3]}`).join('\n')}\n`;
}
