import { loadParser, parseSource } from '../parse/parse.js';
import type { SkippedText } from '../parse/preprocess.js';
import { SchemaModel } from '../model/schema-model.js';
import type { TransactionMode } from '../model/session-state.js';
import { SourceFile } from '../source/source-file.js';
import { UNREADABLE_FILE, UNUSED_SUPPRESSION } from './builtin-checks.js';
import type { ResolvedConfig } from './config.js';
import type { MigrationDates } from './context.js';
import type { Diagnostic } from './diagnostic.js';
import { lintParsedFile, replayParsedFile, type EnabledRule } from './lint-file.js';
import { ALL_RULE_IDS, RULES } from './registry.js';
import type { Preset, Severity } from './rule.js';

/** A file as the CLI read it: its text, or why it could not be read. */
export type LintInput = { path: string; text: string } | { path: string; unreadable: string };

export interface PlannedMigration {
  input: LintInput;
  /** The part of the file the tool runs, the rest blanked (same byte length); the whole text when undefined. */
  upText?: string;
  transactionMode: TransactionMode;
  /** Report its findings; otherwise it is only replayed as history for the ones after it. */
  review: boolean;
}

/** Migrations in the order the tool applies them; each is judged against the schema the ones before it built. */
export interface PlannedHistory {
  migrations: PlannedMigration[];
  /** Whether an earlier migration has run in production; by default every earlier one has. */
  isDeployed?: (path: string) => boolean;
}

export interface FileResult {
  path: string;
  /** Undefined when the file could not be read. */
  source?: SourceFile;
  diagnostics: Diagnostic[];
  /** psql commands and placeholders neutralised before parsing. */
  skipped: SkippedText[];
}

export interface LintResults {
  files: FileResult[];
}

const NO_DATES: MigrationDates = { committedAt: () => undefined, now: new Date(0), available: false };

export function enabledRules(config: ResolvedConfig): EnabledRule[] {
  const enabled: EnabledRule[] = [];
  for (const rule of RULES) {
    const inPreset = rule.meta.presets.some((preset: Preset) => config.presets.includes(preset));
    const setting = config.rules[rule.id] ?? (inPreset ? rule.meta.severity : 'off');
    const [severity, options] = Array.isArray(setting) ? setting : [setting, {}];
    if (severity !== 'off') enabled.push({ rule, severity, options: { ...(rule.meta.options?.defaults ?? {}), ...options } });
  }
  return enabled;
}

function unusedSuppressionSeverity(config: ResolvedConfig): Severity | undefined {
  const setting = config.rules[UNUSED_SUPPRESSION.id] ?? UNUSED_SUPPRESSION.meta.severity;
  const severity = Array.isArray(setting) ? setting[0] : setting;
  return severity === 'off' ? undefined : severity;
}

/** Lints every reviewed migration of every history; one broken file never keeps the others from being linted. */
export async function lintHistories(histories: readonly PlannedHistory[], config: ResolvedConfig, dates: MigrationDates = NO_DATES): Promise<LintResults> {
  await loadParser();
  const rules = enabledRules(config);
  const files: FileResult[] = [];
  for (const history of histories) {
    const schema = new SchemaModel(history.isDeployed);
    for (const migration of history.migrations) {
      const { input } = migration;
      schema.beginMigration(input.path);
      if ('unreadable' in input) {
        if (migration.review) files.push(unreadableResult(input.path, input.unreadable));
        continue;
      }
      const source = new SourceFile(input.path, input.text);
      const parsed = parseSource(source, migration.upText);
      if (!migration.review) {
        replayParsedFile(parsed, schema);
        continue;
      }
      const diagnostics = lintParsedFile(parsed, {
        rules,
        pgVersion: config.pgVersion,
        environment: { transactionMode: migration.transactionMode, lockTimeoutSetByTool: config.lockTimeoutSetByTool },
        schema,
        dates,
        knownRuleIds: ALL_RULE_IDS,
        unusedSuppressionSeverity: unusedSuppressionSeverity(config),
      });
      files.push({ path: input.path, source, diagnostics, skipped: parsed.skipped });
    }
  }
  return { files };
}

/** Lints files each on its own, with no history: stdin, loose files, tests. */
export function lintInputs(inputs: readonly LintInput[], config: ResolvedConfig): Promise<LintResults> {
  const transactionMode: TransactionMode = config.assumeInTransaction ? 'wrapped' : 'none';
  return lintHistories(inputs.map((input) => ({ migrations: [{ input, transactionMode, review: true }] })), config);
}

function unreadableResult(path: string, message: string): FileResult {
  const range = { start: 0, end: 0 };
  const span = { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
  return { path, diagnostics: [{ file: path, rule: UNREADABLE_FILE.id, severity: 'error', message, range, span }], skipped: [] };
}
