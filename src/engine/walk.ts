import type { Node } from '@pgsql/types';
import type { NodeKind } from '../parse/node-types.js';
import type { NodeFrame } from './rule.js';

export type NodeCallback = (kind: NodeKind, payload: unknown, ancestors: readonly NodeFrame[]) => void;

interface PendingValue {
  value: unknown;
  depth: number;
}

/**
 * Visits every wrapped node (`{ Kind: payload }`) of a statement tree once, in source
 * order, with its ancestors. Iterative, so deeply nested expressions cannot overflow the stack.
 */
export function walkTree(root: Node, onNode: NodeCallback): void {
  const pending: PendingValue[] = [{ value: root, depth: 0 }];
  const ancestors: NodeFrame[] = [];
  while (pending.length > 0) {
    const { value, depth } = pending.pop()!;
    ancestors.length = depth;
    let children: unknown = value;
    const kind = wrappedKind(value);
    if (kind) {
      const payload = (value as Record<string, unknown>)[kind];
      onNode(kind, payload, ancestors);
      ancestors.push({ kind, node: payload });
      children = payload;
    }
    const childDepth = kind ? depth + 1 : depth;
    const values = Array.isArray(children) ? children : typeof children === 'object' && children ? Object.values(children) : [];
    for (let i = values.length - 1; i >= 0; i--) {
      const child = values[i];
      if (typeof child === 'object' && child !== null) pending.push({ value: child, depth: childDepth });
    }
  }
}

function wrappedKind(value: unknown): NodeKind | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  let only: string | undefined;
  for (const key in value) {
    if (only !== undefined) return undefined;
    only = key;
  }
  if (only === undefined) return undefined;
  const first = only.charCodeAt(0);
  return first >= 65 && first <= 90 ? (only as NodeKind) : undefined;
}
