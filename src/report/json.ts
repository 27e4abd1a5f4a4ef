import type { LintResults } from '../engine/lint-sources.js';
import { allDiagnostics, totals } from './results.js';
import type { ReportOptions } from './reporters.js';

/** The format documented in the README under "JSON output"; `version` changes when a field changes meaning. */
export function formatJson(results: LintResults, options: ReportOptions): string {
  const diagnostics = allDiagnostics(results).map((diagnostic) => ({
    file: diagnostic.file,
    rule: diagnostic.rule,
    severity: diagnostic.severity,
    message: diagnostic.message,
    help: diagnostic.help ?? null,
    line: diagnostic.span.start.line,
    column: diagnostic.span.start.column,
    endLine: diagnostic.span.end.line,
    endColumn: diagnostic.span.end.column,
  }));
  const output = {
    version: 1,
    tool: { name: 'lockwise', version: options.toolVersion },
    files: results.files.map((file) => file.path),
    diagnostics,
    summary: totals(results),
  };
  return `${JSON.stringify(output, null, 2)}\n`;
}
