import { TextEdit } from 'vscode-languageserver';
import type { Diagnostic } from '../engine/diagnostic.js';
import { findRule } from '../engine/registry.js';
import type { SourceFile } from '../source/source-file.js';

export interface SuppressionFix {
  title: string;
  edit: TextEdit;
}

/** Shown where the author must say why the finding does not apply; the directive parser takes any text after ` -- `. */
const REASON_PLACEHOLDER = '<why this is safe here>';

/**
 * The edits that silence a rule's finding with a `lockwise-ignore` comment before its
 * statement, or a `lockwise-ignore-file` comment at the top of the file. The engine's
 * own checks (syntax errors, suppression problems) cannot be suppressed and get none.
 */
export function suppressionFixes(diagnostic: Diagnostic, source: SourceFile): SuppressionFix[] {
  if (!findRule(diagnostic.rule)) return [];
  const lineBreak = lineBreakOf(source.text);
  const fixes: SuppressionFix[] = [];
  if (diagnostic.statementStart !== undefined) {
    const comment = `-- lockwise-ignore ${diagnostic.rule} -- ${REASON_PLACEHOLDER}`;
    fixes.push({ title: `Ignore ${diagnostic.rule} for this statement`, edit: commentBefore(source, diagnostic.statementStart, comment, lineBreak) });
  }
  const fileStart = { line: 0, character: source.text.startsWith('\ufeff') ? 1 : 0 };
  fixes.push({
    title: `Ignore ${diagnostic.rule} in this file`,
    edit: TextEdit.insert(fileStart, `-- lockwise-ignore-file ${diagnostic.rule} -- ${REASON_PLACEHOLDER}${lineBreak}`),
  });
  return fixes;
}

/**
 * The comment on a line of its own just above the statement, indented like it. A comment
 * on the statement's first line would apply to another statement ending there, so when
 * the statement does not start its line, it moves to a new line below the comment.
 */
function commentBefore(source: SourceFile, statementStart: number, comment: string, lineBreak: string): TextEdit {
  const { line, column } = source.positionAt(statementStart);
  const lineText = source.lineText(line);
  const indent = /^[ \t]*/.exec(lineText)![0];
  const before = lineText.slice(0, column - 1);
  if (before.trim() === '') return TextEdit.insert({ line: line - 1, character: 0 }, `${indent}${comment}${lineBreak}`);
  const spaceBefore = /[ \t]*$/.exec(before)![0].length;
  return TextEdit.replace(
    { start: { line: line - 1, character: column - 1 - spaceBefore }, end: { line: line - 1, character: column - 1 } },
    `${lineBreak}${indent}${comment}${lineBreak}${indent}`,
  );
}

function lineBreakOf(text: string): string {
  const first = /\r\n|\n|\r/.exec(text);
  return first?.[0] ?? '\n';
}
