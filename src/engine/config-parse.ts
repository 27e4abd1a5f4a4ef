import { findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import { Ajv, type ErrorObject } from 'ajv';
import { SourceFile } from '../source/source-file.js';
import type { UserConfig } from './config.js';
import { configSchema } from './config-schema.js';
import { ConfigError } from './config-error.js';

let validate: ReturnType<Ajv['compile']> | undefined;

/**
 * Parses lockwise.json (comments and trailing commas allowed) and validates it
 * against the generated schema. Config is data only: nothing in it is executed.
 * Throws a ConfigError whose message names the file, line and column.
 */
export function parseConfigText(path: string, text: string): UserConfig {
  const source = new SourceFile(path, text);
  const where = (characterOffset: number): string => {
    const position = source.positionAt(Buffer.byteLength(text.slice(0, characterOffset), 'utf8'));
    return `${path}:${position.line}:${position.column}`;
  };

  const parseErrors: ParseError[] = [];
  const tree = parseTree(text, parseErrors, { allowTrailingComma: true, disallowComments: false });
  const firstError = parseErrors[0];
  if (firstError) throw new ConfigError(`${where(firstError.offset)}: invalid JSON: ${printParseErrorCode(firstError.error)}`);
  if (!tree) throw new ConfigError(`${where(0)}: the file is empty; it must hold a JSON object`);

  validate ??= new Ajv({ allErrors: true, strict: false }).compile(configSchema());
  const value: unknown = getNodeValue(tree);
  if (!validate(value)) {
    const error = mostSpecific(validate.errors ?? []);
    const node = error ? nodeOfError(tree, error) : tree;
    throw new ConfigError(`${where(node?.offset ?? 0)}: ${error ? describe(error) : 'invalid configuration'}`);
  }
  return value as UserConfig;
}

function mostSpecific(errors: ErrorObject[]): ErrorObject | undefined {
  return [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
}

function pathOf(error: ErrorObject): Array<string | number> {
  return error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function nodeOfError(tree: JsonNode, error: ErrorObject): JsonNode | undefined {
  const path = pathOf(error);
  if (error.keyword === 'additionalProperties') {
    const key = String((error.params as { additionalProperty: string }).additionalProperty);
    const property = findNodeAtLocation(tree, [...path, key])?.parent;
    return property?.children?.[0] ?? findNodeAtLocation(tree, path);
  }
  return findNodeAtLocation(tree, path);
}

function describe(error: ErrorObject): string {
  const path = pathOf(error);
  const location = path.length > 0 ? `"${path.join('.')}"` : 'the configuration';
  if (error.keyword === 'additionalProperties') {
    const key = (error.params as { additionalProperty: string }).additionalProperty;
    return path[0] === 'rules' ? `unknown rule "${key}" (run "lockwise rules" to list them)` : `unknown key "${key}"`;
  }
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ');
    return `${location} must be one of ${allowed}`;
  }
  return `${location} ${error.message ?? 'is invalid'}`;
}
