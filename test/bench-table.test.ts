import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { markdownTable } from '../bench/table.js';
import { REPO_ROOT } from './helpers/fixtures.js';

describe('the README\'s performance table', () => {
  it('is the table npm run bench printed for the results in bench/results.json', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const shown = /<!-- performance table: from bench\/results\.json -->\n([\s\S]*?)<!-- end of performance table -->/.exec(readme)?.[1];
    expect(shown, 'README.md has no performance table between its markers').toBeDefined();
    const results = JSON.parse(readFileSync(path.join(REPO_ROOT, 'bench', 'results.json'), 'utf8')) as Parameters<typeof markdownTable>[0] & { quick: boolean };
    // A --quick run has too few repetitions to publish.
    expect(results.quick).toBe(false);
    expect(shown!.trim()).toBe(markdownTable(results).trim());
  });

  it('states the floor the parser alone sets, when the run measured it', () => {
    const results = JSON.parse(readFileSync(path.join(REPO_ROOT, 'bench', 'results.json'), 'utf8')) as Parameters<typeof markdownTable>[0];
    const withFloor = structuredClone(results);
    withFloor.targets.wholeHistoryRatio!.parserAloneRatio = 1.71;
    withFloor.targets.smallFileMs!.parserAloneMs = 168;
    const table = markdownTable(withFloor);
    expect(table).toContain('and the parser alone with no lint 1.71;');
    expect(table).toContain('and Node.js with the parser, parsing it, 168 ms;');
    delete withFloor.targets.smallFileMs!.parserAloneMs;
    expect(markdownTable(withFloor)).not.toContain('Node.js with the parser');
  });
});
