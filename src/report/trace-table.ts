import { Chalk, type ChalkInstance } from 'chalk';
import type { StatementTrace } from '../trace/trace-history.js';
import { neutralizeControlCharacters } from './terminal-text.js';

export interface TraceSummary {
  /** "embedded PostgreSQL 18.4". */
  server: string;
  /** The version whose lock table the observations were compared with. */
  comparedWith: number;
  notes: string[];
}

const HEADERS = ['line', 'statement', 'locks taken', 'rewrite', 'scanned', 'ms', 'lock/statement timeout', 'predicted vs observed'] as const;
const STATEMENT_WIDTH = 44;

function locksCell(trace: StatementTrace): string {
  if (trace.status === 'not-run') return 'not run';
  if (trace.status === 'failed') return 'failed';
  const observed = trace.observation?.observed ?? [];
  return observed.length === 0 ? '-' : observed.join(', ');
}

function verdictCell(trace: StatementTrace): { text: string; good: boolean } {
  const observation = trace.observation;
  if (!observation) return { text: '', good: true };
  if (observation.mismatches.length > 0) return { text: `MISMATCH: ${observation.mismatches.join('; ')}`, good: false };
  const predicted = observation.predicted.length === 0 ? 'no lock' : observation.predicted.join(', ');
  const rewrite = observation.predictedRewrite === 'never' ? '' : `; rewrite ${observation.predictedRewrite}`;
  return { text: `as predicted: ${predicted}${rewrite}`, good: true };
}

function row(trace: StatementTrace): string[] {
  const observation = trace.observation;
  const scanned = observation?.scanned;
  return [
    String(trace.line),
    trace.text.length > STATEMENT_WIDTH ? `${trace.text.slice(0, STATEMENT_WIDTH - 1)}…` : trace.text,
    locksCell(trace),
    observation ? (observation.rewritten.length === 0 ? 'no' : observation.rewritten.join(', ')) : '',
    observation ? (scanned === undefined ? 'n/a' : scanned.length === 0 ? 'no' : scanned.join(', ')) : '',
    trace.durationMs === undefined ? '' : trace.durationMs.toFixed(1),
    trace.lockTimeout === undefined ? '' : `${trace.lockTimeout} / ${trace.statementTimeout}`,
    verdictCell(trace).text,
  ].map(neutralizeControlCharacters);
}

/** Lines under a statement's row: why it failed or did not run, what was not compared, the contention outcome. */
function details(trace: StatementTrace, chalk: ChalkInstance): string[] {
  const lines: string[] = [];
  if (trace.reason) lines.push(`${trace.status === 'failed' ? 'failed' : 'not run'}: ${trace.reason}`);
  if (trace.watched) lines.push(chalk.dim('outside a transaction block: locks watched from a second connection'));
  for (const claim of trace.observation?.unresolved ?? []) lines.push(chalk.dim(`not compared: ${claim}`));
  if (trace.contention) lines.push(`contention (${trace.contention.kind}): ${trace.contention.summary}`);
  return lines.map((line) => neutralizeControlCharacters(line));
}

/**
 * The per-statement table of `lockwise trace`'s pretty report, a table per file: the statement,
 * the locks it took, what it rewrote and scanned, how long it took, and whether the lock table
 * predicted it; details (failures, timeouts in force, contention) under each row.
 */
export function formatTraceTable(statements: readonly StatementTrace[], summary: TraceSummary, color: boolean): string {
  const chalk = new Chalk({ level: color ? 1 : 0 });
  const out: string[] = [chalk.bold(`Traced on ${summary.server}; compared with the lock table for PostgreSQL ${summary.comparedWith}`)];
  const files = [...new Set(statements.map((trace) => trace.file))];
  for (const file of files) {
    const traces = statements.filter((trace) => trace.file === file);
    const rows = traces.map(row);
    const widths = HEADERS.map((header, column) => Math.max(header.length, ...rows.map((cells) => (column === HEADERS.length - 1 ? 0 : cells[column]!.length))));
    const line = (cells: readonly string[]): string => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ');
    out.push('', chalk.underline(neutralizeControlCharacters(file)), `  ${chalk.dim(line(HEADERS))}`);
    traces.forEach((trace, index) => {
      const cells = rows[index]!;
      const verdict = verdictCell(trace);
      const colored = [...cells.slice(0, -1), verdict.good ? chalk.green(cells.at(-1)!) : chalk.red(cells.at(-1)!)];
      out.push(`  ${line(colored)}`.trimEnd());
      const indent = ' '.repeat(widths[0]! + 4);
      for (const detail of details(trace, chalk)) out.push(`${indent}${detail}`);
    });
  }
  const run = statements.filter((trace) => trace.status !== 'not-run').length;
  const observed = statements.filter((trace) => trace.status === 'observed').length;
  out.push('', `${observed} of ${run} statements run were observed${run < statements.length ? `; ${statements.length - run} not run` : ''}`);
  for (const note of summary.notes) out.push(chalk.dim(`note: ${neutralizeControlCharacters(note)}`));
  return `${out.join('\n')}\n`;
}
