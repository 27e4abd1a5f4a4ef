import { describe, expect, it } from 'vitest';
import { actualByLine, ENGINE_FIXTURES, lintFixture, loadFixtures } from './helpers/fixtures.js';

const fixtures = loadFixtures();

describe('fixtures: every expected finding, and nothing else', () => {
  it.each(fixtures.map((fixture) => [`${fixture.group}/${fixture.file.split('/').pop()}`, fixture] as const))('%s', async (_, fixture) => {
    const diagnostics = await lintFixture(fixture);
    if (fixture.group !== ENGINE_FIXTURES) {
      expect(diagnostics.filter((d) => d.rule === 'syntax-error'), 'a rule fixture must be valid PostgreSQL').toEqual([]);
    }
    const actual = Object.fromEntries([...actualByLine(diagnostics)].map(([line, ids]) => [`line ${line}`, ids]));
    const expected = Object.fromEntries([...fixture.expected].map(([line, ids]) => [`line ${line}`, ids]));
    expect(actual, diagnostics.map((d) => `${d.span.start.line}:${d.span.start.column} ${d.rule}: ${d.message}`).join('\n')).toEqual(expected);
  });
});
