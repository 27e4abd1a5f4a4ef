import type { Node, RangeVar } from '@pgsql/types';

type KeysOfUnion<T> = T extends unknown ? keyof T : never;

/** Every libpg-query node type name, e.g. `AlterTableStmt`, `IndexStmt`, `FuncCall`. */
export type NodeKind = KeysOfUnion<Node>;

/** The payload type of a node kind, e.g. `NodeOf<'IndexStmt'>` is `IndexStmt`. */
export type NodeOf<K extends NodeKind> = Extract<Node, { [P in K]: unknown }>[K];

export function nodeKind(node: Node): NodeKind {
  return Object.keys(node)[0] as NodeKind;
}

/** The payload of a wrapped node when it has the given kind. */
export function asKind<K extends NodeKind>(node: Node | undefined, kind: K): NodeOf<K> | undefined {
  if (node === undefined) return undefined;
  return (node as Record<string, unknown>)[kind] as NodeOf<K> | undefined;
}

/** The sub-commands of a statement, when it is an ALTER TABLE; none otherwise. */
export function alterTableCommands(node: Node | undefined): Array<NodeOf<'AlterTableCmd'>> {
  return (asKind(node, 'AlterTableStmt')?.cmds ?? []).map((command) => asKind(command, 'AlterTableCmd')).filter((cmd) => cmd !== undefined);
}

/** The `sval` strings of a list of `String` nodes, as in qualified names. */
export function stringValues(nodes: Node[] | undefined): string[] {
  const values: string[] = [];
  for (const node of nodes ?? []) {
    const value = asKind(node, 'String')?.sval;
    if (value !== undefined) values.push(value);
  }
  return values;
}

/**
 * Whether a boolean option such as `(CONCURRENTLY)`, `(CONCURRENTLY false)` or `(FULL 1)`
 * is on, read the way PostgreSQL's defGetBoolean reads it: no value means true.
 */
export function isOptionEnabled(options: Node[] | undefined, name: string): boolean {
  let enabled = false;
  // PostgreSQL lets the last occurrence of an option win: `(CONCURRENTLY, CONCURRENTLY false)` is off.
  for (const node of options ?? []) {
    const option = asKind(node, 'DefElem');
    if (option?.defname !== name) continue;
    const integer = asKind(option.arg, 'Integer');
    const text = (asKind(option.arg, 'String')?.sval ?? asKind(option.arg, 'Boolean')?.boolval?.toString())?.toLowerCase();
    enabled = !option.arg || (integer ? (integer.ival ?? 0) !== 0 : !['false', 'off', 'no', '0'].includes(text ?? ''));
  }
  return enabled;
}

/** The LANGUAGE of a CREATE FUNCTION's options, in lower case, and its quoted body (the first string of AS). */
export function functionLanguageAndBody(options: readonly Node[] | undefined): { language?: string; body?: string } {
  const found: { language?: string; body?: string } = {};
  for (const option of options ?? []) {
    const element = asKind(option, 'DefElem');
    if (element?.defname === 'language') {
      const language = asKind(element.arg, 'String')?.sval?.toLowerCase();
      if (language !== undefined) found.language = language;
    }
    if (element?.defname === 'as') {
      const body = asKind(asKind(element.arg, 'List')?.items?.[0], 'String')?.sval;
      if (body !== undefined) found.body = body;
    }
  }
  return found;
}

/** The text of a string constant, also cast (`'users'::regclass`, `'a'::text`); undefined for anything else. */
export function stringConstant(node: Node | undefined): string | undefined {
  return asKind(asKind(node, 'TypeCast')?.arg ?? node, 'A_Const')?.sval?.sval;
}

/** The function DROP FUNCTION names, without its schema and arguments. */
export function functionNameOf(object: Node | undefined): string | undefined {
  return stringValues(asKind(object, 'ObjectWithArgs')?.objname).at(-1);
}

/** The items of a FROM list, with joins opened up: tables and views (or WITH query names), subqueries, functions. */
export function fromListItems(items: readonly Node[] | undefined): Node[] {
  const found: Node[] = [];
  const visit = (item: Node | undefined): void => {
    const join = asKind(item, 'JoinExpr');
    if (join) {
      visit(join.larg);
      visit(join.rarg);
    } else if (item) found.push(item);
  };
  items?.forEach(visit);
  return found;
}

/**
 * Calls `visit` with every object of a tree, wrapped nodes and the plain objects of typed fields alike (a FuncCall's
 * `over`, a DeleteStmt's `relation`), without recursion, so that deep expressions cannot overflow the stack.
 */
export function forEachRecord(tree: unknown, visit: (record: Record<string, unknown>) => void): void {
  const pending: unknown[] = [tree];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      pending.push(...value);
      continue;
    }
    const record = value as Record<string, unknown>;
    visit(record);
    pending.push(...Object.values(record));
  }
}

/** The relations a query names (its RangeVars), leaving out those that name one of its WITH queries. */
export function relationsNamedIn(query: Node | undefined): RangeVar[] {
  const found: RangeVar[] = [];
  const withQueries = new Set<string>();
  forEachRecord(query, (record) => {
    if (record.RangeVar) found.push(record.RangeVar as RangeVar);
    const cte = record.CommonTableExpr as { ctename?: string } | undefined;
    if (cte?.ctename) withQueries.add(cte.ctename);
  });
  return found.filter((rangeVar) => rangeVar.schemaname !== undefined || !withQueries.has(rangeVar.relname ?? ''));
}
