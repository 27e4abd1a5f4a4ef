import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { glob } from 'tinyglobby';
import { DEFAULT_CONFIG, mergeConfig, type ResolvedConfig, type UserConfig } from '../../src/engine/config.js';
import { lintHistories, lintInputs } from '../../src/engine/lint-sources.js';
import type { Diagnostic } from '../../src/engine/diagnostic.js';
import { RULES } from '../../src/engine/registry.js';
import { planLint } from '../../src/cli/plan.js';
import { resolvePaths } from '../../src/cli/inputs.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES_DIR = path.join(REPO_ROOT, 'fixtures');
export const ENGINE_FIXTURES = '_engine';

export interface FixtureFile {
  /** Relative to the repository, with forward slashes. */
  path: string;
  text: string;
  /** line → rule ids expected to start a finding on it, sorted. */
  expected: Map<number, string[]>;
}

/**
 * One case: a single SQL file, or a folder holding a whole migration history, linted
 * the way `lockwise lint <folder>` lints it (framework detection, order, replay).
 */
export interface Fixture {
  /** The rule folder, or `_engine`. */
  group: string;
  name: string;
  kind: 'file' | 'history';
  files: FixtureFile[];
  options: UserConfig;
}

const EXPECT_MARKER = /--\s*expect:\s*([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)/;
const OPTIONS_MARKER = /^--\s*@options\s+(\{.*\})\s*$/;

export async function loadFixtures(): Promise<Fixture[]> {
  const fixtures: Fixture[] = [];
  for (const group of readdirSync(FIXTURES_DIR).sort()) {
    const dir = path.join(FIXTURES_DIR, group);
    if (!statSync(dir).isDirectory()) continue;
    for (const name of readdirSync(dir).sort()) {
      const entry = path.join(dir, name);
      if (statSync(entry).isDirectory()) {
        const files = (await glob('**/*.sql', { cwd: entry, absolute: true })).sort().map(readFixtureFile);
        fixtures.push({ group, name, kind: 'history', files, options: Object.assign({}, ...files.map((file) => optionsOf(file.text))) });
      } else if (name.endsWith('.sql')) {
        const file = readFixtureFile(entry);
        fixtures.push({ group, name, kind: 'file', files: [file], options: optionsOf(file.text) });
      }
    }
  }
  return fixtures;
}

function readFixtureFile(absolute: string): FixtureFile {
  const text = readFileSync(absolute, 'utf8');
  const expected = new Map<number, string[]>();
  text.split(/\r\n|\r|\n/).forEach((line, index) => {
    const match = EXPECT_MARKER.exec(line);
    if (match) expected.set(index + 1, match[1]!.split(',').map((id) => id.trim()).sort());
  });
  return { path: path.relative(REPO_ROOT, absolute).split(path.sep).join('/'), text, expected };
}

function optionsOf(text: string): UserConfig {
  for (const line of text.split(/\r\n|\r|\n/)) {
    const match = OPTIONS_MARKER.exec(line);
    if (match) return JSON.parse(match[1]!) as UserConfig;
  }
  return {};
}

/** Runs only the fixture's rule, whatever its presets (with the engine's own checks); `_engine` fixtures run the default preset. */
export function fixtureConfig(fixture: Fixture): ResolvedConfig {
  const rules: UserConfig['rules'] = {};
  if (fixture.group !== ENGINE_FIXTURES) {
    for (const rule of RULES) rules[rule.id] = rule.id === fixture.group ? rule.meta.severity : 'off';
  }
  return mergeConfig(DEFAULT_CONFIG, { ...fixture.options, rules: { ...rules, ...(fixture.options.rules ?? {}) } });
}

/** Diagnostics per fixture file path. */
export async function lintFixture(fixture: Fixture): Promise<Map<string, Diagnostic[]>> {
  const config = fixtureConfig(fixture);
  let results;
  if (fixture.kind === 'file') {
    const [file] = fixture.files;
    results = await lintInputs([{ path: file!.path, text: file!.text }], config);
  } else {
    const folder = path.join(FIXTURES_DIR, fixture.group, fixture.name);
    const resolved = await resolvePaths([folder], { cwd: REPO_ROOT, exclude: [], excludeBase: REPO_ROOT });
    const plan = await planLint({ cwd: REPO_ROOT, config, files: resolved.files, explicit: new Set() });
    results = await lintHistories(plan.histories, config, plan.dates);
  }
  return new Map(results.files.map((file) => [file.path, file.diagnostics]));
}

export function actualByLine(diagnostics: readonly Diagnostic[]): Map<number, string[]> {
  const byLine = new Map<number, string[]>();
  for (const diagnostic of diagnostics) {
    const ids = byLine.get(diagnostic.span.start.line) ?? [];
    ids.push(diagnostic.rule);
    byLine.set(diagnostic.span.start.line, ids.sort());
  }
  return byLine;
}
