import type { RuleMeta } from '../engine/rule.js';

export interface DocumentedCheck {
  id: string;
  meta: Pick<RuleMeta<string>, 'severity' | 'docs'> & {
    presets?: readonly string[];
    options?: { properties: Record<string, Record<string, unknown>> };
  };
}

/** The rule's documentation page (docs/rules/<id>.md) on lockwise's home page, for SARIF and editors. */
export function ruleDocsUrl(homepage: string, id: string): string {
  return `${homepage}/blob/main/docs/rules/${id}.md`;
}

function optionsSection(check: DocumentedCheck): string[] {
  const severity = `Set the severity in lockwise.json: \`"rules": { "${check.id}": "error" | "warning" | "info" | "off" }\`.`;
  const properties = Object.entries(check.meta.options?.properties ?? {});
  if (properties.length === 0) return [`${severity} This rule has no other options.`];
  const example = Object.fromEntries(properties.map(([name, schema]) => [name, schema.type === 'string' ? '…' : null]));
  return [
    `${severity} Options go beside the severity: \`"${check.id}": ["error", ${JSON.stringify(example)}]\`.`,
    '',
    ...properties.map(([name, schema]) => `- \`${name}\`: ${String(schema.description ?? '')}`),
  ];
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
    ...optionsSection(check),
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
