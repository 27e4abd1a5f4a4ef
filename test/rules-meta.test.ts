import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../src/engine/registry.js';
import { DEFAULT_CONFIG, mergeConfig } from '../src/engine/config.js';
import { lintHistories } from '../src/engine/lint-sources.js';
import { generatedDocs, withReadmeRulesTable } from '../src/report/generated-docs.js';
import { prepareMigration } from '../src/history/frameworks.js';
import { frameworkMarker } from '../src/history/layouts.js';
import { FIXTURES_DIR, ENGINE_FIXTURES, REPO_ROOT, lintFixture, loadFixtures } from './helpers/fixtures.js';

const MIN_CASES_PER_SIDE = 4;
/** Messages that need more than a fixture can hold, and the test that produces them. */
const MESSAGES_TESTED_ELSEWHERE: Record<string, string[]> = {
  // Needs commit dates from a git repository: test/history.test.ts, "checks minDeprecationAge against the commit dates".
  'require-deprecation-before-drop': ['retiredTooRecently'],
};
const fixtures = await loadFixtures();

/**
 * An example that needs a history (an index built by a deployed migration) starts each later migration with a
 * comment line `-- a later migration...`: the parts are linted as one history, every earlier one deployed.
 */
async function findingsOf(ruleId: string, sql: string) {
  const only = Object.fromEntries(RULES.map((rule) => [rule.id, rule.id === ruleId ? rule.meta.severity : 'off'] as const));
  const migrations = sql.split(/^(?=-- a later migration\b)/m).map((text, i) => {
    const path = `example-${i + 1}.sql`;
    // An example written for a migration tool (`-- +goose Up`) runs as that tool runs it.
    const tool = frameworkMarker(text);
    if (!tool) return { input: { path, text }, transactionMode: 'none' as const, review: true };
    const { upText, transaction, runner } = prepareMigration(tool, { path, absolutePath: `/${path}`, version: String(i + 1) }, text);
    return { input: { path, text }, upText, transactionMode: transaction, ...(runner ? { runner } : {}), review: true };
  });
  const results = await lintHistories([{ migrations }], mergeConfig(DEFAULT_CONFIG, { rules: only }));
  return results.files.flatMap((file) => file.diagnostics);
}

describe('rule registry', () => {
  it('lists exactly the modules in rules/, each under its own id', async () => {
    const files = readdirSync(path.join(REPO_ROOT, 'rules'))
      .filter((file) => file.endsWith('.ts') && file !== 'index.ts')
      .map((file) => file.replace(/\.ts$/, ''))
      .sort();
    expect(RULES.map((rule) => rule.id).sort()).toEqual(files);
    for (const id of files) {
      const module = (await import(`../rules/${id}.ts`)) as { default: { id: string } };
      expect(module.default.id).toBe(id);
    }
  });

  it('has a fixture folder for every rule and a rule for every fixture folder', () => {
    const folders = readdirSync(FIXTURES_DIR).filter((name) => name !== ENGINE_FIXTURES).sort();
    expect(folders).toEqual(RULES.map((rule) => rule.id).sort());
  });
});

describe.each(RULES.map((rule) => [rule.id, rule] as const))('%s', (id, rule) => {
  const own = fixtures.filter((fixture) => fixture.group === id);

  it(`has at least ${MIN_CASES_PER_SIDE} flagged and ${MIN_CASES_PER_SIDE} clean fixtures`, () => {
    const expectations = (fixture: (typeof own)[number]) => fixture.files.flatMap((file) => [...file.expected.values()].flat());
    const flagged = own.filter((fixture) => expectations(fixture).includes(id));
    const clean = own.filter((fixture) => expectations(fixture).length === 0);
    expect(flagged.length).toBeGreaterThanOrEqual(MIN_CASES_PER_SIDE);
    expect(clean.length).toBeGreaterThanOrEqual(MIN_CASES_PER_SIDE);
  });

  it('uses every message it defines somewhere in its fixtures', async () => {
    const used = new Set<string>(MESSAGES_TESTED_ELSEWHERE[id] ?? []);
    for (const fixture of own) {
      for (const diagnostic of [...(await lintFixture(fixture)).values()].flat()) {
        if (diagnostic.rule !== id) continue;
        if (diagnostic.messageId) used.add(diagnostic.messageId);
        if (diagnostic.helpId) used.add(diagnostic.helpId);
      }
    }
    expect([...used].sort()).toEqual(Object.keys(rule.meta.messages).sort());
  });

  it('has complete docs, citing the PostgreSQL documentation', () => {
    const { docs } = rule.meta;
    for (const field of ['summary', 'why', 'instead', 'bad', 'good', 'pgVersions'] as const) expect(docs[field].trim()).not.toBe('');
    expect(docs.references.length).toBeGreaterThan(0);
    for (const reference of docs.references) expect(reference).toMatch(/^https:\/\/www\.postgresql\.org\/docs\//);
  });

  it('flags its own bad example and not its good one', async () => {
    expect((await findingsOf(id, rule.meta.docs.bad)).map((d) => d.rule)).toContain(id);
    expect((await findingsOf(id, rule.meta.docs.good)).filter((d) => d.rule !== 'syntax-error').map((d) => d.rule)).not.toContain(id);
    expect((await findingsOf(id, rule.meta.docs.good)).map((d) => d.rule)).not.toContain('syntax-error');
  });
});

describe('generated documentation', () => {
  it('README.md has the current rules table (run npm run docs)', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toBe(withReadmeRulesTable(readme));
    for (const rule of RULES) expect(readme).toContain(`[\`${rule.id}\`](docs/rules/${rule.id}.md)`);
  });

  it.each([...generatedDocs()].map(([file, content]) => [file, content] as const))('%s is up to date (run npm run docs)', (file, content) => {
    const target = path.join(REPO_ROOT, file);
    expect(existsSync(target)).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe(content);
  });

  it('has no stale pages for rules that no longer exist', () => {
    const expected = [...generatedDocs().keys()].filter((file) => file.startsWith('docs/rules/')).map((file) => path.basename(file)).sort();
    expect(readdirSync(path.join(REPO_ROOT, 'docs/rules')).sort()).toEqual(expected);
  });
});
