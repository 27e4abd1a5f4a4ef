import { loadParser, parseSource } from '../parse/parse.js';
import { SchemaModel } from '../model/schema-model.js';
import { UNUSED_SUPPRESSION } from './builtin-checks.js';
import type { ResolvedConfig } from './config.js';
import type { MigrationDates } from './context.js';
import { FileLinter, replayParsedFile, type EnabledRule } from './lint-file.js';
import { ALL_RULE_IDS, RULES } from './registry.js';
import type { Preset, Severity } from './rule.js';

/**
 * What linting and replaying a migration take: the parser, the schema model and the rules. lintHistories
 * loads this module when a run first has a migration to lint or replay, so that a run whose every finding
 * comes from the cache does not load the rules (a third of lockwise's code, the volatility catalog among it).
 */
export { parseSource, replayParsedFile, SchemaModel };

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

/** The linter for a run's configuration, with the parser loaded. */
export async function fileLinter(config: ResolvedConfig, dates: MigrationDates): Promise<FileLinter> {
  await loadParser();
  return new FileLinter({
    rules: enabledRules(config),
    pgVersion: config.pgVersion,
    dates,
    knownRuleIds: ALL_RULE_IDS,
    unusedSuppressionSeverity: unusedSuppressionSeverity(config),
  });
}
