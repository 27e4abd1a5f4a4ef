import type { Node } from '@pgsql/types';
import type { NodeKind } from '../parse/node-types.js';
import type { NodeFrame } from './rule.js';

export type NodeCallback = (kind: NodeKind, payload: unknown, ancestors: readonly NodeFrame[]) => void;

/**
 * Visits every wrapped node (`{ Kind: payload }`) of a statement tree once, in source
 * order, with its ancestors. Iterative, so deeply nested expressions cannot overflow the stack.
 * The pending values and their depths are two parallel stacks rather than an object per
 * value: a walk visits every value of every tree, and those objects were most of its cost.
 */
export function walkTree(root: Node, onNode: NodeCallback): void {
  const values: unknown[] = [root];
  const depths: number[] = [0];
  const ancestors: NodeFrame[] = [];
  while (values.length > 0) {
    const value = values.pop() as object;
    const depth = depths.pop()!;
    ancestors.length = depth;
    let children: object = value;
    let childDepth = depth;
    const kind = wrappedKind(value);
    if (kind) {
      const payload = (value as Record<string, unknown>)[kind];
      onNode(kind, payload, ancestors);
      ancestors.push({ kind, node: payload });
      if (typeof payload !== 'object' || payload === null) continue;
      children = payload;
      childDepth = depth + 1;
    }
    // Children are pushed in reverse, so that they are visited in source order.
    const firstPushed = values.length;
    if (Array.isArray(children)) {
      for (let i = children.length - 1; i >= 0; i--) {
        const child: unknown = children[i];
        if (typeof child === 'object' && child !== null) {
          values.push(child);
          depths.push(childDepth);
        }
      }
      continue;
    }
    for (const key in children) {
      const child = (children as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null) {
        values.push(child);
        depths.push(childDepth);
      }
    }
    reverseFrom(values, firstPushed);
  }
}

/** Reverses the end of the stack from `start` in place; the depths there are all equal. */
function reverseFrom(values: unknown[], start: number): void {
  for (let low = start, high = values.length - 1; low < high; low++, high--) {
    const swap = values[low];
    values[low] = values[high];
    values[high] = swap;
  }
}

function wrappedKind(value: object): NodeKind | undefined {
  if (Array.isArray(value)) return undefined;
  let only: string | undefined;
  for (const key in value) {
    if (only !== undefined) return undefined;
    only = key;
  }
  if (only === undefined) return undefined;
  const first = only.charCodeAt(0);
  return first >= 65 && first <= 90 ? (only as NodeKind) : undefined;
}
