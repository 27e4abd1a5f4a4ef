import type { ByteRange, SourceSpan } from '../source/source-file.js';
import type { Severity } from './rule.js';

export interface Diagnostic {
  file: string;
  rule: string;
  severity: Severity;
  message: string;
  help?: string;
  range: ByteRange;
  span: SourceSpan;
  /** The rule's message and help ids, for tests that check every message is reachable. */
  messageId?: string;
  helpId?: string;
  /** Index of the statement the finding is about, when there is one. */
  statementIndex?: number;
  /**
   * Byte offset where a `lockwise-ignore` comment that suppresses the finding may go:
   * the start of its statement, or of the DO block that runs it. Editors insert
   * suppression comments here.
   */
  statementStart?: number;
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.range.start - b.range.start || a.rule.localeCompare(b.rule);
}
