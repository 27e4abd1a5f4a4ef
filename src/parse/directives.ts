import type { ByteRange } from '../source/source-file.js';
import type { SqlComment } from './parse.js';

export type DirectiveKind = 'ignore' | 'ignore-file';

export interface Directive {
  kind: DirectiveKind;
  /** Rule ids as written, in order. */
  rules: Array<{ id: string; range: ByteRange }>;
  /** Text after ` -- `, why the rule does not apply. */
  reason?: string;
  range: ByteRange;
}

/** `--` and `/*` are both two bytes. */
const COMMENT_MARKER_BYTES = 2;

const DIRECTIVE = /^(\s*)lockwise-(ignore-file|ignore)(?=\s|$)/;

/**
 * `-- lockwise-ignore rule-a, rule-b -- reason` and `-- lockwise-ignore-file rule-a`,
 * in line or block comments. Rule ids keep their exact byte ranges so that an unknown
 * id can be pointed at.
 */
export function parseDirective(comment: SqlComment): Directive | undefined {
  const match = DIRECTIVE.exec(comment.body);
  if (!match) return undefined;
  const bodyStart = comment.range.start + COMMENT_MARKER_BYTES;
  const afterKeyword = match[0].length;
  const rest = comment.body.slice(afterKeyword);
  const reasonAt = rest.search(/\s--(\s|$)/);
  const list = reasonAt === -1 ? rest : rest.slice(0, reasonAt);
  const reason = reasonAt === -1 ? undefined : rest.slice(reasonAt).replace(/^\s*--\s*/, '').trim();

  const rules: Directive['rules'] = [];
  const idPattern = /[^\s,]+/g;
  for (let found = idPattern.exec(list); found; found = idPattern.exec(list)) {
    const start = bodyStart + Buffer.byteLength(comment.body.slice(0, afterKeyword + found.index), 'utf8');
    rules.push({ id: found[0], range: { start, end: start + Buffer.byteLength(found[0], 'utf8') } });
  }
  return {
    kind: match[2] as DirectiveKind,
    rules,
    ...(reason ? { reason } : {}),
    range: comment.range,
  };
}

export interface RetirementDirective {
  /** `deprecate` names a column (`table.column` or `schema.table.column`), `deprecate-table` a table. */
  kind: 'deprecate' | 'deprecate-table';
  /** The dotted name's parts, unquoted. */
  names: string[];
  range: ByteRange;
}

const RETIREMENT = /^\s*lockwise:(deprecate-table|deprecate)\s+((?:"(?:[^"]|"")+"|[^\s."]+)(?:\.(?:"(?:[^"]|"")+"|[^\s."]+))*)/;

/**
 * `-- lockwise:deprecate users.username` and `-- lockwise:deprecate-table legacy_events`:
 * the migration retires the column or table, as COMMENT ... IS 'deprecated: ...' does.
 * Unquoted names fold to lower case, as PostgreSQL folds them.
 */
export function parseRetirementDirective(comment: SqlComment): RetirementDirective | undefined {
  const match = RETIREMENT.exec(comment.body);
  if (!match) return undefined;
  const names = [...match[2]!.matchAll(/"((?:[^"]|"")+)"|([^\s."]+)/g)].map((part) =>
    part[1] !== undefined ? part[1].replace(/""/g, '"') : part[2]!.toLowerCase(),
  );
  return { kind: match[1] as RetirementDirective['kind'], names, range: comment.range };
}
