import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { displayPath, displayPathUnder } from '../src/source/paths.js';

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
