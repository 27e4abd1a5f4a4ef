import type { Node } from '@pgsql/types';
import { asKind, stringConstant, stringValues } from './node-types.js';
import { quoteIdentifier } from './identifiers.js';

/** One SQL text a format() call builds. */
export interface FormatInstance {
  sql: string;
  /** Where a byte offset of `sql` stands in the template: a specifier's value maps to the specifier. */
  templateOffset(offset: number): number;
}

/** format()'s specifiers of an identifier, a literal or a plain string, by position or not. */
const SPECIFIER = /%(?:(\d+)\$)?([ILs])/g;

/** Beyond this many values, a loop's SQL is left unknown rather than checked once for each: the findings would bury the rest. */
const MOST_VALUES = 100;

/** An argument's value, from the values of the loop variables it uses. */
type Argument = (variables: ReadonlyMap<string, string>) => string;

/**
 * The SQL texts `format(template, arguments)` builds (as `EXECUTE format('ALTER TABLE %I ...', t)` runs it in
 * `FOREACH t IN ARRAY ARRAY['users', 'orders']`): one for each value of the loop variable its arguments use, or one
 * when they use none. Undefined when an argument is neither a string constant, such a loop variable, nor `||` of
 * them, when they use two loop variables or one of more than a hundred values, or when the template holds another
 * specifier (`%%`, a width).
 */
export function formatInstances(template: string, args: readonly Node[], loopValues: ReadonlyMap<string, readonly string[]>): FormatInstance[] | undefined {
  if (template.replace(SPECIFIER, '').includes('%')) return undefined;
  const used = new Set<string>();
  const argumentValues = args.map((node) => argumentOf(node, loopValues, used));
  if (used.size > 1) return undefined;
  const specifiers: Array<{ at: number; length: number; kind: string; value: Argument }> = [];
  let next = 0;
  for (const match of template.matchAll(SPECIFIER)) {
    const index = match[1] === undefined ? next : Number(match[1]) - 1;
    next = index + 1;
    const value = argumentValues[index];
    if (!value) return undefined;
    specifiers.push({ at: Buffer.byteLength(template.slice(0, match.index), 'utf8'), length: match[0].length, kind: match[2]!, value });
  }
  const [variable] = used;
  if (variable !== undefined && loopValues.get(variable)!.length > MOST_VALUES) return undefined;
  const environments = variable === undefined ? [new Map<string, string>()] : loopValues.get(variable)!.map((value) => new Map([[variable, value]]));
  const templateBytes = Buffer.from(template, 'utf8');
  const instances: FormatInstance[] = [];
  for (const environment of environments) {
    let sql = '';
    let copiedTo = 0;
    // Each specifier's place in the text built, and how far the text after it lies from the template's.
    const placed: Array<{ start: number; end: number; at: number; shift: number }> = [];
    for (const { at, length, kind, value } of specifiers) {
      const text = rendered(kind, value(environment));
      if (text === undefined) return undefined;
      sql += templateBytes.toString('utf8', copiedTo, at);
      const start = Buffer.byteLength(sql, 'utf8');
      sql += text;
      const end = Buffer.byteLength(sql, 'utf8');
      placed.push({ start, end, at, shift: end - (at + length) });
      copiedTo = at + length;
    }
    sql += templateBytes.toString('utf8', copiedTo);
    instances.push({
      sql,
      templateOffset: (offset) => {
        let shift = 0;
        for (const specifier of placed) {
          if (offset < specifier.start) break;
          if (offset < specifier.end) return specifier.at;
          shift = specifier.shift;
        }
        return offset - shift;
      },
    });
  }
  return instances;
}

/** What format() writes for a specifier: `%I` quoted as an identifier where needed, `%L` as a literal, `%s` as it is. */
function rendered(kind: string, value: string): string | undefined {
  if (kind === 'I') return quoteIdentifier(value);
  // quote_literal() writes E'...' for a value with a backslash: not worth following.
  if (kind === 'L') return value.includes('\\') ? undefined : `'${value.replaceAll("'", "''")}'`;
  return value;
}

function argumentOf(node: Node, loopValues: ReadonlyMap<string, readonly string[]>, used: Set<string>): Argument | undefined {
  const constant = stringConstant(node);
  if (constant !== undefined) return () => constant;
  const name = stringValues(asKind(node, 'ColumnRef')?.fields);
  if (name.length === 1 && loopValues.has(name[0]!)) {
    used.add(name[0]!);
    return (variables) => variables.get(name[0]!)!;
  }
  const concatenation = asKind(node, 'A_Expr');
  if (concatenation?.kind === 'AEXPR_OP' && stringValues(concatenation.name).join('') === '||' && concatenation.lexpr && concatenation.rexpr) {
    const left = argumentOf(concatenation.lexpr, loopValues, used);
    const right = argumentOf(concatenation.rexpr, loopValues, used);
    if (left && right) return (variables) => left(variables) + right(variables);
  }
  return undefined;
}
