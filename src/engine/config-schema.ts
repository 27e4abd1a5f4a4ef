import { BUILTIN_CHECKS } from './builtin-checks.js';
import { MAX_PG_VERSION, MIN_PG_VERSION } from './config.js';
import { RULES } from './registry.js';
import { PRESETS } from './rule.js';
import { FRAMEWORK_NAMES } from '../history/frameworks.js';

/** The JSON Schema of lockwise.json, generated from the rule registry so that editors complete rule ids. */
export function configSchema(): Record<string, unknown> {
  const ruleSetting = { enum: ['off', 'info', 'warning', 'error'] };
  const configurable: Array<{ id: string; summary: string; severity: string; options?: Record<string, Record<string, unknown>> }> = [
    ...RULES.map((rule) => ({
      id: rule.id,
      summary: rule.meta.docs.summary,
      severity: rule.meta.severity,
      ...(rule.meta.options ? { options: rule.meta.options.properties } : {}),
    })),
    ...BUILTIN_CHECKS.filter((check) => check.meta.canBeDisabled).map((check) => ({
      id: check.id,
      summary: check.meta.docs.summary,
      severity: check.meta.severity,
    })),
  ].sort((a, b) => a.id.localeCompare(b.id));
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://github.com/lockwise/lockwise/schema/lockwise.schema.json',
    title: 'lockwise configuration',
    description: 'Configuration of lockwise, the PostgreSQL migration linter (lockwise.json; comments allowed).',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string', description: 'The JSON Schema this file follows, for editors.' },
      extends: {
        description: 'Presets whose rules are on: "recommended" (the default: lock, rewrite and compatibility hazards), "strict" (every rule), "recommended-style" (schema conventions). Single rules are then set under "rules".',
        oneOf: [
          { enum: [...PRESETS] },
          { type: 'array', items: { enum: [...PRESETS] }, uniqueItems: true },
        ],
      },
      pgVersion: {
        type: 'integer',
        minimum: MIN_PG_VERSION,
        maximum: MAX_PG_VERSION,
        description: 'Major version of the PostgreSQL server the migrations run on. Default: the oldest version still supported by the PostgreSQL project.',
      },
      assumeInTransaction: {
        type: 'boolean',
        description: 'The migration tool runs each file inside a transaction (as Flyway, Rails and many others do). Default: false.',
      },
      lockTimeoutSetByTool: {
        type: 'boolean',
        description: 'The migration tool sets lock_timeout before running each file, so files need not. Default: false.',
      },
      searchPath: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        minItems: 1,
        description: 'The schemas an unqualified name resolves in, first to last, as the search_path of the role that runs the migrations (Supabase\'s auth server runs its migrations with search_path auth). A SET search_path in a migration still changes it for that file; lockwise trace sets it at the start of each migration. Default: ["public"].',
      },
      framework: {
        enum: [...FRAMEWORK_NAMES],
        description: 'The migration tool that applies the files, which decides their order, which part of each file runs, and whether it runs in a transaction. Default: detected from the folder.',
      },
      exclude: {
        type: 'array',
        items: { type: 'string' },
        description: 'Glob patterns, relative to this file, of paths never linted.',
      },
      rules: {
        type: 'object',
        description: 'Severity of each rule, or "off".',
        additionalProperties: false,
        properties: Object.fromEntries(
          configurable.map(({ id, summary, severity, options }) => {
            const description = `${summary} Default: ${severity}.`;
            if (!options) return [id, { ...ruleSetting, description }];
            const withOptions = {
              type: 'array',
              items: [ruleSetting, { type: 'object', additionalProperties: false, properties: options }],
              minItems: 2,
              maxItems: 2,
            };
            return [id, { description, oneOf: [ruleSetting, withOptions] }];
          }),
        ),
      },
    },
  };
}
