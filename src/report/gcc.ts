import type { LintResults } from '../engine/lint-sources.js';
import { allDiagnostics } from './results.js';

/** `file:line:col: severity: message [rule]`, one line per finding, as editors' compile-error parsers read it. */
export function formatGcc(results: LintResults): string {
  const lines = allDiagnostics(results).map((d) => {
    const severity = d.severity === 'info' ? 'note' : d.severity;
    return `${d.file}:${d.span.start.line}:${d.span.start.column}: ${severity}: ${d.message.replace(/\s*\n\s*/g, ' ')} [${d.rule}]`;
  });
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
