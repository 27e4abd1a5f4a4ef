import type { ParsedFile, Statement } from '../parse/parse.js';
import { parseDirective, type Directive } from '../parse/directives.js';
import type { ByteRange } from '../source/source-file.js';
import type { Diagnostic } from './diagnostic.js';
import { INVALID_SUPPRESSION, UNUSED_SUPPRESSION } from './builtin-checks.js';
import type { Severity } from './rule.js';

interface SuppressionOptions {
  knownRuleIds: ReadonlySet<string>;
  rules: ReadonlyArray<{ rule: { id: string } }>;
  unusedSuppressionSeverity: Severity | undefined;
}

interface Suppression {
  ruleId: string;
  range: ByteRange;
  /** The statement a `lockwise-ignore` applies to; undefined for the whole file. */
  statementIndex: number | undefined;
  directive: Directive;
  used: boolean;
}

/**
 * Drops the findings that `lockwise-ignore` comments suppress, and reports the comments
 * that name unknown rules or suppressed nothing. A `lockwise-ignore` comment applies to
 * the statement that ends on the line where it starts (a trailing comment), otherwise
 * to the next statement.
 */
export function applySuppressions(parsed: ParsedFile, diagnostics: Diagnostic[], options: SuppressionOptions): Diagnostic[] {
  const { source } = parsed;
  const problems: Diagnostic[] = [];
  const problem = (severity: Severity, rule: string, range: ByteRange, message: string): void => {
    problems.push({ file: source.path, rule, severity, message, range, span: source.spanOf(range) });
  };

  const suppressions: Suppression[] = [];
  for (const comment of parsed.comments) {
    const directive = parseDirective(comment);
    if (!directive) continue;
    if (directive.rules.length === 0) {
      problem('error', INVALID_SUPPRESSION.id, directive.range, `lockwise-${directive.kind} names no rule: list the rule ids it suppresses, e.g. "lockwise-${directive.kind} require-lock-timeout -- reason"`);
      continue;
    }
    const statementIndex = directive.kind === 'ignore' ? targetStatement(parsed, directive)?.index ?? -1 : undefined;
    for (const { id, range } of directive.rules) {
      if (!options.knownRuleIds.has(id)) {
        problem('error', INVALID_SUPPRESSION.id, range, `lockwise-${directive.kind} names unknown rule "${id}"`);
        continue;
      }
      suppressions.push({ ruleId: id, range, statementIndex, directive, used: false });
    }
  }
  if (suppressions.length === 0) return [...diagnostics, ...problems];

  const kept = diagnostics.filter((diagnostic) => {
    // A statement a DO block runs has no comment of its own to the scanner: the block's comment covers it.
    const block = diagnostic.statementIndex === undefined ? undefined : parsed.statements[diagnostic.statementIndex]?.insideBlock;
    const matching = suppressions.filter(
      (suppression) =>
        suppression.ruleId === diagnostic.rule &&
        (suppression.statementIndex === undefined || suppression.statementIndex === diagnostic.statementIndex || (block !== undefined && suppression.statementIndex === block)),
    );
    for (const suppression of matching) suppression.used = true;
    return matching.length === 0;
  });

  const ranRules = new Set(options.rules.map(({ rule }) => rule.id));
  if (options.unusedSuppressionSeverity) {
    for (const suppression of suppressions) {
      // A suppression for a rule turned off in this run cannot be judged.
      if (suppression.used || !ranRules.has(suppression.ruleId)) continue;
      const where = suppression.statementIndex === undefined ? 'in this file' : suppression.statementIndex === -1 ? '(no statement follows it)' : 'on the statement it applies to';
      problem(
        options.unusedSuppressionSeverity,
        UNUSED_SUPPRESSION.id,
        suppression.range,
        `lockwise-${suppression.directive.kind} ${suppression.ruleId} suppressed nothing ${where}: remove it`,
      );
    }
  }
  return [...kept, ...problems];
}

function targetStatement(parsed: ParsedFile, directive: Directive): Statement | undefined {
  const { source, statements } = parsed;
  let previous: Statement | undefined;
  let next: Statement | undefined;
  for (const statement of statements) {
    if (statement.range.end <= directive.range.start) previous = statement;
    else {
      next = statement;
      break;
    }
  }
  const commentLine = source.positionAt(directive.range.start).line;
  if (previous && source.positionAt(previous.range.end).line === commentLine) return previous;
  return next;
}
