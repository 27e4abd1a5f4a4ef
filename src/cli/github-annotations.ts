import * as core from '@actions/core';
import type { LintResults } from '../engine/lint-sources.js';
import { allDiagnostics, counted, totals } from '../report/results.js';

/**
 * GitHub workflow annotations for every finding, written through @actions/core so
 * that newlines, `%` and `::` in a message are escaped and cannot break or inject a
 * workflow command; and a job summary table when the runner provides one.
 */
export async function writeGithubAnnotations(results: LintResults): Promise<void> {
  for (const diagnostic of allDiagnostics(results)) {
    const { start, end } = diagnostic.span;
    const properties: core.AnnotationProperties = {
      title: `lockwise: ${diagnostic.rule}`,
      file: diagnostic.file,
      startLine: start.line,
      endLine: end.line,
      // GitHub accepts columns only for an annotation on a single line.
      ...(start.line === end.line ? { startColumn: start.column, endColumn: Math.max(end.column, start.column + 1) } : {}),
    };
    const message = diagnostic.help ? `${diagnostic.message}\n\n${diagnostic.help}` : diagnostic.message;
    if (diagnostic.severity === 'error') core.error(message, properties);
    else if (diagnostic.severity === 'warning') core.warning(message, properties);
    else core.notice(message, properties);
  }
  if (process.env.GITHUB_STEP_SUMMARY) await writeJobSummary(results);
}

async function writeJobSummary(results: LintResults): Promise<void> {
  const counts = new Map<string, { file: string; rule: string; errors: number; warnings: number; infos: number }>();
  for (const diagnostic of allDiagnostics(results)) {
    const key = `${diagnostic.file}\0${diagnostic.rule}`;
    const row = counts.get(key) ?? { file: diagnostic.file, rule: diagnostic.rule, errors: 0, warnings: 0, infos: 0 };
    if (diagnostic.severity === 'error') row.errors++;
    else if (diagnostic.severity === 'warning') row.warnings++;
    else row.infos++;
    counts.set(key, row);
  }
  const { files, errors, warnings } = totals(results);
  const summary = core.summary
    .addHeading('lockwise', 2)
    .addRaw(`${counted(files, 'migration file')} linted: ${counted(errors, 'error')}, ${counted(warnings, 'warning')}.`, true);
  if (counts.size > 0) {
    summary.addTable([
      [
        { data: 'File', header: true },
        { data: 'Rule', header: true },
        { data: 'Errors', header: true },
        { data: 'Warnings', header: true },
        { data: 'Notes', header: true },
      ],
      ...[...counts.values()].map((row) => [escapeHtml(row.file), row.rule, String(row.errors), String(row.warnings), String(row.infos)]),
    ]);
  }
  await summary.write();
}

/** The summary is HTML, and file names may hold `<` or `&`. */
function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
