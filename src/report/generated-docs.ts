import { BUILTIN_CHECKS } from '../engine/builtin-checks.js';
import { configSchema } from '../engine/config-schema.js';
import { RULES } from '../engine/registry.js';
import { ruleDocsMarkdown } from './rule-docs.js';

/** Every generated documentation file, by repository-relative path. `npm run docs` writes them; a test checks they are current. */
export function generatedDocs(): Map<string, string> {
  const files = new Map<string, string>();
  for (const check of [...RULES, ...BUILTIN_CHECKS]) files.set(`docs/rules/${check.id}.md`, ruleDocsMarkdown(check));
  files.set('docs/rules/README.md', rulesIndex());
  files.set('schema/lockwise.schema.json', `${JSON.stringify(configSchema(), null, 2)}\n`);
  return files;
}

function rulesIndex(): string {
  const row = (id: string, severity: string, presets: string, summary: string): string =>
    `| [\`${id}\`](${id}.md) | ${severity} | ${presets} | ${summary} |`;
  return [
    '# Rules',
    '',
    'Generated from the rule metadata by `npm run docs`; do not edit by hand.',
    '',
    '| Rule | Default severity | Presets | What it flags |',
    '| --- | --- | --- | --- |',
    ...RULES.map((rule) => row(rule.id, rule.meta.severity, rule.meta.presets.join(', '), rule.meta.docs.summary)),
    '',
    'Checks of the engine itself, always on unless noted:',
    '',
    '| Check | Severity | Can be turned off | What it reports |',
    '| --- | --- | --- | --- |',
    ...BUILTIN_CHECKS.map((check) => row(check.id, check.meta.severity, check.meta.canBeDisabled ? 'yes' : 'no', check.meta.docs.summary)),
    '',
  ].join('\n');
}
