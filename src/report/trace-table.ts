import { Chalk } from 'chalk';
import type { StatementTrace } from '../trace/trace-history.js';
import { neutralizeControlCharacters } from './terminal-text.js';

export interface TraceSummary {
  /** "embedded PostgreSQL 18.4". */
  server: string;
  /** The version whose lock table the observations were compared with. */
  comparedWith: number;
  notes: string[];
}

function lockCell(trace: StatementTrace): string {
  if (trace.status === 'not-run') return `not run: ${trace.reason}`;
  if (trace.status === 'failed') return `failed: ${trace.reason}`;
  const observed = trace.observation?.observed ?? [];
  return observed.length === 0 ? '-' : observed.join(', ');
}

function rewriteCell(trace: StatementTrace): string {
  const rewritten = trace.observation?.rewritten ?? [];
  return rewritten.length === 0 ? 'no' : rewritten.join(', ');
}

function verdictCell(trace: StatementTrace, chalk: InstanceType<typeof Chalk>): string {
  const observation = trace.observation;
  if (!observation) return '';
  if (observation.mismatches.length > 0) return chalk.red(`MISMATCH: predicted ${observation.predicted.join(', ') || 'no lock'}`);
  const predicted = observation.predicted.length === 0 ? 'no lock' : observation.predicted.join(', ');
  return chalk.green(`as predicted (${predicted}${observation.predictedRewrite === 'never' ? '' : `; rewrite: ${observation.predictedRewrite}`})`);
}

/** The per-statement table of `lockwise trace`'s pretty report: what ran, what it locked and rewrote, how long it took. */
export function formatTraceTable(statements: readonly StatementTrace[], summary: TraceSummary, color: boolean): string {
  const chalk = new Chalk({ level: color ? 1 : 0 });
  const out: string[] = [chalk.bold(`Traced on ${summary.server}, compared with the lock table for PostgreSQL ${summary.comparedWith}`)];
  let file: string | undefined;
  for (const trace of statements) {
    if (trace.file !== file) {
      file = trace.file;
      out.push('', chalk.underline(neutralizeControlCharacters(file)));
    }
    const duration = trace.durationMs === undefined ? '' : `${trace.durationMs.toFixed(1)} ms`;
    const timeouts = trace.lockTimeout === undefined ? '' : `lock_timeout ${trace.lockTimeout}, statement_timeout ${trace.statementTimeout}`;
    out.push(`  ${chalk.dim(String(trace.line).padStart(4))}  ${neutralizeControlCharacters(trace.text)}`);
    out.push(`        locks: ${neutralizeControlCharacters(lockCell(trace))}`);
    if (trace.status === 'observed') {
      const scanned = trace.observation?.scanned;
      out.push(`        rewrite: ${rewriteCell(trace)}   scanned: ${scanned === undefined ? 'not counted (outside a transaction)' : scanned.length === 0 ? 'no' : scanned.join(', ')}   ${duration}   ${chalk.dim(timeouts)}`);
      out.push(`        ${verdictCell(trace, chalk)}${trace.watched ? chalk.dim('  (outside a transaction: locks watched from a second connection)') : ''}`);
      for (const claim of trace.observation?.unresolved ?? []) out.push(chalk.dim(`        not compared: ${claim}`));
    }
    if (trace.contention) out.push(`        contention: ${trace.contention.kind}: ${trace.contention.summary}`);
  }
  const observed = statements.filter((trace) => trace.status === 'observed').length;
  out.push('', `${observed} of ${statements.length} statements observed`);
  for (const note of summary.notes) out.push(chalk.dim(`note: ${neutralizeControlCharacters(note)}`));
  return `${out.join('\n')}\n`;
}
