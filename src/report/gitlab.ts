import { createHash } from 'node:crypto';
import type { LintResults } from '../engine/lint-sources.js';
import type { Severity } from '../engine/rule.js';
import { allDiagnostics } from './results.js';

/** GitLab's code quality severities: https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format */
const GITLAB_SEVERITY: Record<Severity, string> = { error: 'critical', warning: 'major', info: 'info' };

/** A GitLab Code Quality report: a JSON array of issues with a fingerprint each. */
export function formatGitlab(results: LintResults): string {
  const seen = new Map<string, number>();
  const issues = allDiagnostics(results).map((d) => {
    const base = createHash('sha256').update(`${d.rule}\0${d.file}\0${d.message}`).digest('hex');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return {
      description: d.message,
      check_name: d.rule,
      fingerprint: createHash('sha256').update(`${base}\0${count}`).digest('hex').slice(0, 32),
      severity: GITLAB_SEVERITY[d.severity],
      location: { path: d.file, lines: { begin: d.span.start.line, end: d.span.end.line } },
    };
  });
  return `${JSON.stringify(issues, null, 2)}\n`;
}
