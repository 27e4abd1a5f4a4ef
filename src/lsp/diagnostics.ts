import { DiagnosticSeverity, DiagnosticTag, type Diagnostic as LspDiagnostic, type Range } from 'vscode-languageserver';
import { UNUSED_SUPPRESSION } from '../engine/builtin-checks.js';
import type { Diagnostic } from '../engine/diagnostic.js';
import type { Severity } from '../engine/rule.js';
import { ruleDocsUrl } from '../report/rule-docs.js';
import type { SourceSpan } from '../source/source-file.js';

export const DIAGNOSTIC_SOURCE = 'lockwise';

const SEVERITIES: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** LSP positions are 0-based; lockwise's are 1-based, with columns already in UTF-16 code units as LSP counts them. */
export function lspRange(span: SourceSpan): Range {
  return {
    start: { line: span.start.line - 1, character: span.start.column - 1 },
    end: { line: span.end.line - 1, character: span.end.column - 1 },
  };
}

/** A finding as an editor shows it: the rule id links to its documentation, and the help follows the message as in SARIF. */
export function toLspDiagnostic(diagnostic: Diagnostic, homepage: string): LspDiagnostic {
  return {
    range: lspRange(diagnostic.span),
    severity: SEVERITIES[diagnostic.severity],
    code: diagnostic.rule,
    codeDescription: { href: ruleDocsUrl(homepage, diagnostic.rule) },
    source: DIAGNOSTIC_SOURCE,
    message: diagnostic.help ? `${diagnostic.message}\n\n${diagnostic.help}` : diagnostic.message,
    ...(diagnostic.rule === UNUSED_SUPPRESSION.id ? { tags: [DiagnosticTag.Unnecessary] } : {}),
  };
}
