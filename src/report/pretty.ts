import { Chalk, type ChalkInstance } from 'chalk';
import type { Diagnostic } from '../engine/diagnostic.js';
import type { LintResults } from '../engine/lint-sources.js';
import type { SourceFile } from '../source/source-file.js';
import { counted, totals } from './results.js';
import type { ReportOptions } from './reporters.js';
import { neutralizeControlCharacters } from './terminal-text.js';

/** Longer statements show their first and last lines around an elision. */
const MAX_FRAME_LINES = 6;

export function formatPretty(results: LintResults, options: ReportOptions): string {
  const chalk = new Chalk({ level: options.color ? 1 : 0 });
  const out: string[] = [];
  for (const file of results.files) {
    if (file.diagnostics.length === 0) continue;
    out.push(chalk.underline(neutralizeControlCharacters(file.path)));
    for (const diagnostic of file.diagnostics) out.push(...formatDiagnostic(diagnostic, file.source, chalk), '');
  }
  out.push(summaryLine(results, chalk, options.pathsNamingNothing ?? 0));
  return `${out.join('\n')}\n`;
}

function formatDiagnostic(diagnostic: Diagnostic, source: SourceFile | undefined, chalk: ChalkInstance): string[] {
  const { start } = diagnostic.span;
  const severity = { error: chalk.red('error'), warning: chalk.yellow('warning'), info: chalk.blue('info') }[diagnostic.severity];
  const lines = [
    `  ${chalk.dim(`${start.line}:${start.column}`)}  ${severity}  ${neutralizeControlCharacters(diagnostic.message)}  ${chalk.dim(diagnostic.rule)}`,
  ];
  if (source) lines.push(...codeFrame(diagnostic, source, chalk));
  if (diagnostic.help) {
    const [first, ...rest] = diagnostic.help.split('\n').map(neutralizeControlCharacters);
    lines.push(`    ${chalk.cyan('help:')} ${first}`, ...rest.map((line) => `          ${line}`));
  }
  return lines;
}

function codeFrame(diagnostic: Diagnostic, source: SourceFile, chalk: ChalkInstance): string[] {
  const { start, end } = diagnostic.span;
  const lastLine = end.column === 1 && end.line > start.line ? end.line - 1 : end.line;
  let shown = range(start.line, lastLine);
  if (shown.length > MAX_FRAME_LINES) {
    shown = [...shown.slice(0, MAX_FRAME_LINES - 2), -1, ...shown.slice(-1)];
  }
  const width = String(lastLine).length;
  const frame: string[] = [];
  for (const line of shown) {
    if (line === -1) {
      frame.push(`    ${' '.repeat(width)} ${chalk.dim('┆')}`);
      continue;
    }
    const text = neutralizeControlCharacters(source.lineText(line));
    frame.push(`    ${chalk.dim(`${String(line).padStart(width)} │`)} ${text}`);
    const from = line === start.line ? start.column - 1 : leadingWhitespace(text);
    const to = line === end.line ? end.column - 1 : text.length;
    if (to > from) {
      const padding = text.slice(0, from).replace(/[^\t]/g, ' ');
      frame.push(`    ${' '.repeat(width)} ${chalk.dim('│')} ${padding}${chalk.red('^'.repeat(to - from))}`);
    }
  }
  return frame;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

function leadingWhitespace(text: string): number {
  return text.length - text.trimStart().length;
}

function summaryLine(results: LintResults, chalk: ChalkInstance, pathsNamingNothing: number): string {
  const { files, errors, warnings, infos } = totals(results);
  const fileCount = counted(files, 'file');
  const problems = errors + warnings + infos;
  const missing = pathsNamingNothing > 0 ? `; ${counted(pathsNamingNothing, 'path')} named no file` : '';
  if (problems === 0 && missing) return chalk.red(`✖ no problems in ${fileCount}${missing}`);
  if (problems === 0) return chalk.green(`✔ no problems in ${fileCount}`);
  const parts = [counted(errors, 'error'), counted(warnings, 'warning')];
  if (infos > 0) parts.push(`${infos} info`);
  const colour = errors > 0 ? chalk.red : chalk.yellow;
  return colour(`✖ ${counted(problems, 'problem')} (${parts.join(', ')}) in ${fileCount}${missing}`);
}
