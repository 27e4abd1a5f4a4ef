import { createHash } from 'node:crypto';
import type { LintResults } from '../engine/lint-sources.js';
import type { Severity } from '../engine/rule.js';
import { fingerprintedFindings } from './fingerprints.js';

/** GitLab's code quality severities: https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format */
const GITLAB_SEVERITY: Record<Severity, string> = { error: 'critical', warning: 'major', info: 'info' };

/** A GitLab Code Quality report: a JSON array of issues with a fingerprint each. */
export function formatGitlab(results: LintResults): string {
  const issues = fingerprintedFindings(results).map(({ diagnostic: d, fingerprint }) => ({
    description: d.message,
    check_name: d.rule,
    // GitLab takes any string unique in the report; hashed, it keeps the shape it always had.
    fingerprint: createHash('sha256').update(fingerprint).digest('hex').slice(0, 32),
    severity: GITLAB_SEVERITY[d.severity],
    location: { path: d.file, lines: { begin: d.span.start.line, end: d.span.end.line } },
  }));
  return `${JSON.stringify(issues, null, 2)}\n`;
}
