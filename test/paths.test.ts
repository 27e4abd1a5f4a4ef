import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { displayPath, displayPathUnder, naturalCompare } from '../src/source/paths.js';

describe('displayPathUnder', () => {
  const cases: Array<{ cwd: string; dir: string; files: string[] }> = [
    { cwd: '/repo', dir: 'db/migrations', files: ['/repo/db/migrations/001_a.sql', '/repo/db/migrations/sub/V1__b.sql'] },
    { cwd: '/repo', dir: '.', files: ['/repo/001_a.sql'] },
    { cwd: '/repo/app', dir: '../db', files: ['/repo/db/001_a.sql'] },
    { cwd: '/repo', dir: '/elsewhere/migrations', files: ['/elsewhere/migrations/001_a.sql'] },
    { cwd: '/repo', dir: '/', files: ['/001_a.sql', '/repo/001_a.sql'] },
    { cwd: '/repo', dir: 'db', files: ['/repo/dbx/001_a.sql', '/other/001_a.sql'] },
  ];
  it.each(cases)('shows files under $dir from $cwd as displayPath does', ({ cwd, dir, files }) => {
    const shown = displayPathUnder(dir, cwd);
    for (const file of files) expect(shown(file)).toBe(displayPath(file, cwd));
  });

  it('shows a file under the working directory relative to it, with forward slashes', () => {
    expect(displayPathUnder('db', '/repo')(path.join('/repo', 'db', 'migrations', '001_a.sql'))).toBe('db/migrations/001_a.sql');
  });
});

describe('naturalCompare', () => {
  const collator = new Intl.Collator('en', { numeric: true });

  it('orders numbered migrations by their numbers', () => {
    const names = ['10_drop.sql', '2_add.sql', 'V1_10__x.sql', 'V1_9__x.sql', '0002_b.sql', '001_a.sql', 'v1__y.sql'];
    expect([...names].sort(naturalCompare)).toEqual(['001_a.sql', '2_add.sql', '0002_b.sql', '10_drop.sql', 'v1__y.sql', 'V1_9__x.sql', 'V1_10__x.sql']);
  });

  it('orders every pair of names as Intl.Collator("en", { numeric: true }) does', () => {
    // Deterministic pseudo-random names, built to share prefixes and differ in digits, case and punctuation.
    let seed = 7;
    const random = (below: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % below;
    };
    const alphabet = ['0', '1', '9', '00', '10', '007', 'a', 'b', 'z', 'A', 'Z', '_', '-', '.', 'é', ' ', '~', '/'];
    const names: string[] = [];
    for (let index = 0; index < 600; index++) {
      const base = names.length > 0 && random(2) === 0 ? names[random(names.length)]!.slice(0, random(6)) : '';
      let name = base;
      for (let length = random(6); length >= 0; length--) name += alphabet[random(alphabet.length)];
      names.push(name);
    }
    const disagreements: string[] = [];
    for (const a of names) {
      for (const b of names) {
        if (Math.sign(naturalCompare(a, b)) !== Math.sign(collator.compare(a, b))) disagreements.push(`${JSON.stringify(a)} ${JSON.stringify(b)}`);
      }
    }
    expect(disagreements.slice(0, 10)).toEqual([]);
  });
});
