import { createHash } from 'node:crypto';
import type { Diagnostic } from '../engine/diagnostic.js';
import type { FileResult, LintResults } from '../engine/lint-sources.js';

export interface FingerprintedFinding {
  file: FileResult;
  diagnostic: Diagnostic;
  /** The same for the same finding from one run to the next. */
  fingerprint: string;
}

/**
 * Each finding with a fingerprint made of its rule, its file, the flagged text with whitespace
 * folded, and which of the rule's messages it is (a built-in check, which has no message ids, by
 * its message), then how many findings before it had all of those alike. Lines moving do not change it, and neither does a message's wording: a message
 * names what the history or the rest of the file says (the tables a statement locks, whether
 * an index is known), and a finding code scanning or GitLab already tracks must stay the same
 * finding when those change, or when a release rewords the message.
 */
export function fingerprintedFindings(results: LintResults): FingerprintedFinding[] {
  const occurrences = new Map<string, number>();
  return results.files.flatMap((file) =>
    file.diagnostics.map((diagnostic) => {
      const text = file.source ? file.source.slice(diagnostic.range).replace(/\s+/g, ' ').trim() : '';
      const base = createHash('sha256')
        .update(`${diagnostic.rule}\0${diagnostic.file}\0${text}\0${diagnostic.messageId ?? diagnostic.message}`)
        .digest('hex')
        .slice(0, 32);
      const seen = occurrences.get(base) ?? 0;
      occurrences.set(base, seen + 1);
      return { file, diagnostic, fingerprint: `${base}:${seen}` };
    }),
  );
}
