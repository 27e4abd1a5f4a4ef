import { describe, expect, it } from 'vitest';
import { actualByLine, ENGINE_FIXTURES, lintFixture, loadFixtures } from './helpers/fixtures.js';

const fixtures = await loadFixtures();

describe('fixtures: every expected finding, and nothing else', () => {
  it.each(fixtures.map((fixture) => [`${fixture.group}/${fixture.name}`, fixture] as const))('%s', async (_, fixture) => {
    const byFile = await lintFixture(fixture);
    for (const file of fixture.files) {
      const diagnostics = byFile.get(file.path) ?? [];
      if (fixture.group !== ENGINE_FIXTURES) {
        expect(diagnostics.filter((d) => d.rule === 'syntax-error'), `${file.path} must be valid PostgreSQL`).toEqual([]);
      }
      const actual = Object.fromEntries([...actualByLine(diagnostics)].map(([line, ids]) => [`${file.path}:${line}`, ids]));
      const expected = Object.fromEntries([...file.expected].map(([line, ids]) => [`${file.path}:${line}`, ids]));
      expect(actual, diagnostics.map((d) => `${d.span.start.line}:${d.span.start.column} ${d.rule}: ${d.message}`).join('\n')).toEqual(expected);
    }
  });
});
