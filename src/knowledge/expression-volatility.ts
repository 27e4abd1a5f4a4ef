import type { Node } from '@pgsql/types';
import { walkTree } from '../engine/walk.js';
import { asKind, stringValues } from '../parse/node-types.js';
import type { SchemaModel } from '../model/schema-model.js';
import { functionVolatility, type Volatility } from './volatility.js';

export interface FunctionCallVolatility {
  /** The function as written, e.g. `gen_random_uuid` or `app.next_code`. */
  name: string;
  /** Byte offset of the call. */
  location: number;
  /** Undefined when neither PostgreSQL's catalog nor the migrations define the function. */
  volatility: Volatility | undefined;
}

/**
 * Every function call in an expression with its volatility, from PostgreSQL's catalog
 * or, for functions the migrations created, from their CREATE FUNCTION. Special
 * forms such as CURRENT_TIMESTAMP are SQLValueFunction nodes, all stable, and casts of
 * constants call no volatile function, so only FuncCall nodes matter.
 */
export function functionCallsIn(expression: Node, schema: SchemaModel): FunctionCallVolatility[] {
  const calls: FunctionCallVolatility[] = [];
  walkTree(expression, (kind, payload) => {
    if (kind !== 'FuncCall') return;
    const call = payload as NonNullable<ReturnType<typeof asKind<'FuncCall'>>>;
    const parts = stringValues(call.funcname);
    const name = parts.at(-1) ?? '';
    const schemaName = parts.length > 1 ? parts[parts.length - 2] : undefined;
    const volatility = functionVolatility(name, call.args?.length ?? 0, schemaName) ?? schema.userFunctionVolatility(name);
    calls.push({ name: parts.join('.'), location: call.location ?? -1, volatility });
  });
  return calls;
}
