import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG, mergeConfig, type ResolvedConfig, type UserConfig } from '../../src/engine/config.js';
import { lintInputs } from '../../src/engine/lint-sources.js';
import type { Diagnostic } from '../../src/engine/diagnostic.js';
import { RULES } from '../../src/engine/registry.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES_DIR = path.join(REPO_ROOT, 'fixtures');
export const ENGINE_FIXTURES = '_engine';

export interface Fixture {
  /** The rule folder, or `_engine`. */
  group: string;
  file: string;
  text: string;
  options: UserConfig;
  /** line → rule ids expected to start a finding on it, sorted. */
  expected: Map<number, string[]>;
}

const EXPECT_MARKER = /--\s*expect:\s*([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)/;
const OPTIONS_MARKER = /^--\s*@options\s+(\{.*\})\s*$/;

export function loadFixtures(): Fixture[] {
  const fixtures: Fixture[] = [];
  for (const group of readdirSync(FIXTURES_DIR).sort()) {
    const dir = path.join(FIXTURES_DIR, group);
    if (!statSync(dir).isDirectory()) continue;
    for (const name of readdirSync(dir).filter((file) => file.endsWith('.sql')).sort()) {
      fixtures.push(parseFixture(group, path.join(dir, name)));
    }
  }
  return fixtures;
}

export function parseFixture(group: string, file: string): Fixture {
  const text = readFileSync(file, 'utf8');
  const expected = new Map<number, string[]>();
  let options: UserConfig = {};
  text.split(/\r\n|\r|\n/).forEach((line, index) => {
    const optionsMatch = OPTIONS_MARKER.exec(line);
    if (optionsMatch) options = JSON.parse(optionsMatch[1]!) as UserConfig;
    const expectMatch = EXPECT_MARKER.exec(line);
    if (expectMatch) expected.set(index + 1, expectMatch[1]!.split(',').map((id) => id.trim()).sort());
  });
  return { group, file, text, options, expected };
}

/** Runs only the fixture's rule (with the engine's own checks); `_engine` fixtures run every rule. */
export function fixtureConfig(fixture: Fixture): ResolvedConfig {
  const rules: UserConfig['rules'] = {};
  if (fixture.group !== ENGINE_FIXTURES) {
    for (const rule of RULES) if (rule.id !== fixture.group) rules[rule.id] = 'off';
  }
  return mergeConfig(DEFAULT_CONFIG, { ...fixture.options, rules: { ...rules, ...(fixture.options.rules ?? {}) } });
}

export async function lintFixture(fixture: Fixture): Promise<Diagnostic[]> {
  const results = await lintInputs([{ path: path.relative(REPO_ROOT, fixture.file), text: fixture.text }], fixtureConfig(fixture));
  return results.files[0]!.diagnostics;
}

export function actualByLine(diagnostics: Diagnostic[]): Map<number, string[]> {
  const byLine = new Map<number, string[]>();
  for (const diagnostic of diagnostics) {
    const ids = byLine.get(diagnostic.span.start.line) ?? [];
    ids.push(diagnostic.rule);
    byLine.set(diagnostic.span.start.line, ids.sort());
  }
  return byLine;
}
