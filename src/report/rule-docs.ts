import type { RuleMeta } from '../engine/rule.js';

export interface DocumentedCheck {
  id: string;
  meta: Pick<RuleMeta<string>, 'severity' | 'docs'> & { presets?: readonly string[] };
}

/** The page of docs/rules/<id>.md, also printed by `lockwise explain <id>`. */
export function ruleDocsMarkdown(check: DocumentedCheck): string {
  const { docs, severity } = check.meta;
  const presets = check.meta.presets?.length ? check.meta.presets.join(', ') : 'always on';
  const lines = [
    `# ${check.id}`,
    '',
    `Default severity: **${severity}** · Presets: ${presets}`,
    '',
    '## What it does',
    '',
    docs.summary,
    '',
    '## Why it is dangerous',
    '',
    docs.why,
    '',
    '## Example',
    '',
    'Flagged:',
    '',
    '```sql',
    docs.bad,
    '```',
    '',
    'Not flagged:',
    '',
    '```sql',
    docs.good,
    '```',
    '',
    '## Do this instead',
    '',
    docs.instead,
    '',
    '## Options',
    '',
    `Set the severity in lockwise.json: \`"rules": { "${check.id}": "error" | "warning" | "info" | "off" }\`. This rule has no other options.`,
    '',
    '## PostgreSQL versions',
    '',
    docs.pgVersions,
    '',
  ];
  if (docs.references.length > 0) {
    lines.push('## References', '', ...docs.references.map((reference) => `- ${reference}`), '');
  }
  return lines.join('\n');
}
