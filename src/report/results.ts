import type { Diagnostic } from '../engine/diagnostic.js';
import type { LintResults } from '../engine/lint-sources.js';

export interface Totals {
  files: number;
  errors: number;
  warnings: number;
  infos: number;
}

export function allDiagnostics(results: LintResults): Diagnostic[] {
  return results.files.flatMap((file) => file.diagnostics);
}

export function totals(results: LintResults): Totals {
  const counts: Totals = { files: results.files.length, errors: 0, warnings: 0, infos: 0 };
  for (const diagnostic of allDiagnostics(results)) {
    if (diagnostic.severity === 'error') counts.errors++;
    else if (diagnostic.severity === 'warning') counts.warnings++;
    else counts.infos++;
  }
  return counts;
}

/** "1 error", "2 errors". */
export function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
