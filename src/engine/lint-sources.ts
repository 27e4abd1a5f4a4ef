import { loadParser, parseSource } from '../parse/parse.js';
import { SchemaModel } from '../model/schema-model.js';
import { SourceFile } from '../source/source-file.js';
import { UNREADABLE_FILE, UNUSED_SUPPRESSION } from './builtin-checks.js';
import type { ResolvedConfig } from './config.js';
import type { Diagnostic } from './diagnostic.js';
import { lintParsedFile, type EnabledRule } from './lint-file.js';
import { ALL_RULE_IDS, RULES } from './registry.js';
import type { Severity } from './rule.js';

/** A file as the CLI read it: its text, or why it could not be read. */
export type LintInput = { path: string; text: string } | { path: string; unreadable: string };

export interface FileResult {
  path: string;
  /** Undefined when the file could not be read. */
  source?: SourceFile;
  diagnostics: Diagnostic[];
}

export interface LintResults {
  files: FileResult[];
}

export function enabledRules(config: ResolvedConfig): EnabledRule[] {
  const enabled: EnabledRule[] = [];
  for (const rule of RULES) {
    const setting = config.rules[rule.id] ?? rule.meta.severity;
    if (setting !== 'off') enabled.push({ rule, severity: setting });
  }
  return enabled;
}

function unusedSuppressionSeverity(config: ResolvedConfig): Severity | undefined {
  const setting = config.rules[UNUSED_SUPPRESSION.id] ?? UNUSED_SUPPRESSION.meta.severity;
  return setting === 'off' ? undefined : setting;
}

/** Lints each file on its own; one broken file never keeps the others from being linted. */
export async function lintInputs(inputs: readonly LintInput[], config: ResolvedConfig): Promise<LintResults> {
  await loadParser();
  const rules = enabledRules(config);
  const files = inputs.map((input): FileResult => {
    if ('unreadable' in input) {
      const range = { start: 0, end: 0 };
      const span = { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
      return {
        path: input.path,
        diagnostics: [{ file: input.path, rule: UNREADABLE_FILE.id, severity: 'error', message: input.unreadable, range, span }],
      };
    }
    const source = new SourceFile(input.path, input.text);
    const schema = new SchemaModel();
    schema.beginMigration(input.path, { deployed: false });
    const diagnostics = lintParsedFile(parseSource(source), {
      rules,
      pgVersion: config.pgVersion,
      environment: { assumeInTransaction: config.assumeInTransaction, lockTimeoutSetByTool: config.lockTimeoutSetByTool },
      schema,
      knownRuleIds: ALL_RULE_IDS,
      unusedSuppressionSeverity: unusedSuppressionSeverity(config),
    });
    return { path: input.path, source, diagnostics };
  });
  return { files };
}
