import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MigrationFiles, type FileFactsData } from '../src/cli/migration-files.js';
import { planLint, type LintPlan } from '../src/cli/plan.js';
import { resolvePaths } from '../src/cli/inputs.js';
import { PlanError } from '../src/cli/user-errors.js';
import { DEFAULT_CONFIG } from '../src/engine/config.js';
import { digestsOf } from '../src/engine/lint-cache.js';
import type { PlannedMigration } from '../src/engine/lint-sources.js';
import { runCli, tempProject } from './helpers/cli.js';

/** A run that began well after the files were written, so that their stamps are trusted by the next. */
const LATER = (): number => Date.now() + 60_000;

async function plan(dir: string, reader: MigrationFiles): Promise<LintPlan> {
  const resolved = await resolvePaths(['db'], { cwd: dir, exclude: [], excludeBase: dir });
  return planLint({ cwd: dir, config: DEFAULT_CONFIG, files: resolved.files, explicit: new Set(), reader });
}

function migration(planned: LintPlan, name: string): PlannedMigration {
  const found = planned.histories.flatMap((history) => history.migrations).find((item) => item.input.path === `db/${name}`);
  if (!found) throw new Error(`${name} not planned`);
  return found;
}

function textOf(planned: PlannedMigration): string {
  if ('unreadable' in planned.input) throw new Error(planned.input.unreadable);
  return planned.input.text;
}

const USERS = 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n';
const INDEX = "SET lock_timeout = '2s';\nCREATE INDEX users_email_idx ON users (email);\n";
const GOOSE = (sql: string): string => `-- +goose Up\n${sql}-- +goose Down\nSELECT 1;\n`;

describe('reading migrations with what an earlier run learnt (--cache)', () => {
  it('plans an unchanged migration from the earlier run, and reads it only when its text is needed', async () => {
    const dir = tempProject({ 'db/001_users.sql': USERS, 'db/002_index.sql': INDEX });
    const first = new MigrationFiles({ learning: true, startedAt: LATER() });
    const cold = await plan(dir, first);
    expect(migration(cold, '002_index.sql').digests).toEqual(digestsOf(INDEX, INDEX));

    // What the earlier run says of 002 no longer matches its text: a plan that read it would notice.
    const learnt: FileFactsData = structuredClone(first.next);
    const known = learnt.files.get(path.join(dir, 'db/002_index.sql'))!;
    known.digest = digestsOf(USERS, USERS).text;
    const warm = await plan(dir, new MigrationFiles({ learning: true, earlier: learnt }));
    const planned = migration(warm, '002_index.sql');
    expect(planned.digests?.text).toBe(known.digest);
    expect(planned.transactionMode).toBe('none');
    expect(() => textOf(planned)).toThrow('db/002_index.sql changed while lockwise was reading the migrations: run it again');
    expect(textOf(migration(warm, '001_users.sql'))).toBe(USERS);

    // Deleted after it was planned: the same one-line error, not an internal one.
    const again = await plan(dir, new MigrationFiles({ learning: true, earlier: first.next }));
    rmSync(path.join(dir, 'db/002_index.sql'));
    expect(() => textOf(migration(again, '002_index.sql'))).toThrow(PlanError);
  });

  it('reads a migration again when its stamp has changed', async () => {
    const dir = tempProject({ 'db/001_users.sql': USERS, 'db/002_index.sql': INDEX });
    const first = new MigrationFiles({ learning: true, startedAt: LATER() });
    await plan(dir, first);
    const edited = INDEX.replace('users_email_idx', 'users_mails_idx');
    writeFileSync(path.join(dir, 'db/002_index.sql'), edited);
    const second = new MigrationFiles({ learning: true, earlier: first.next });
    const warm = await plan(dir, second);
    expect(textOf(migration(warm, '002_index.sql'))).toBe(edited);
    expect(migration(warm, '002_index.sql').digests).toEqual(digestsOf(edited, edited));
    expect(second.changed).toBe(true);
  });

  it('does not trust a stamp as young as the run that recorded it', async () => {
    const dir = tempProject({ 'db/001_users.sql': USERS });
    const first = new MigrationFiles({ learning: true });
    await plan(dir, first);
    const second = new MigrationFiles({ learning: true, earlier: first.next });
    expect(second.known(path.join(dir, 'db/001_users.sql'))).toBeUndefined();
    await plan(dir, second);
    // Written again with a later time, the file's stamp is trusted by the run after.
    expect(second.changed).toBe(true);
    const later = new MigrationFiles({ learning: true, startedAt: LATER() });
    await plan(dir, later);
    expect(new MigrationFiles({ learning: true, earlier: later.next }).known(path.join(dir, 'db/001_users.sql'))).toMatchObject({ marker: undefined });
  });

  it('detects the framework from what it learnt, and again when a marker goes', async () => {
    const dir = tempProject({ 'db/001_users.sql': GOOSE(USERS), 'db/002_index.sql': INDEX });
    const first = new MigrationFiles({ learning: true, startedAt: LATER() });
    await plan(dir, first);
    const second = new MigrationFiles({ learning: true, earlier: first.next, startedAt: LATER() });
    const warm = await plan(dir, second);
    expect(warm.notes[0]).toContain('goose migrations, 2 in order');
    expect(second.changed).toBe(false);
    const upText = migration(warm, '001_users.sql').upText;
    expect(upText).toContain(USERS);
    expect(upText).not.toContain('SELECT 1');

    writeFileSync(path.join(dir, 'db/001_users.sql'), USERS);
    const third = await plan(dir, new MigrationFiles({ learning: true, earlier: second.next }));
    expect(third.notes[0]).toContain('plain migrations, 2 in order');
  });

  it('reads a Flyway migration every time, since a .sql.conf next to it can change how it runs, but has nothing new to keep', async () => {
    const dir = tempProject({ 'db/V1__users.sql': USERS, 'db/V2__index.sql': INDEX });
    const first = new MigrationFiles({ learning: true, startedAt: LATER() });
    await plan(dir, first);
    expect(first.next.files.get(path.join(dir, 'db/V2__index.sql'))?.prepared).toBeUndefined();
    const second = new MigrationFiles({ learning: true, earlier: first.next, startedAt: LATER() });
    writeFileSync(path.join(dir, 'db/V2__index.sql.conf'), 'executeInTransaction=false\n');
    const warm = await plan(dir, second);
    expect(migration(warm, 'V2__index.sql').transactionMode).toBe('none');
    expect(migration(warm, 'V1__users.sql').transactionMode).toBe('wrapped');
    expect(second.changed).toBe(false);
  });

  it('keeps nothing without --cache', async () => {
    const dir = tempProject({ 'db/001_users.sql': USERS });
    const reader = new MigrationFiles();
    const planned = await plan(dir, reader);
    expect(migration(planned, '001_users.sql').digests).toBeUndefined();
    expect(reader.next.files.size).toBe(0);
  });
});

describe('lockwise lint --cache across edits', () => {
  it('reports what a run without the cache reports, after a migration is edited, added or removed', () => {
    const dir = tempProject({ 'db/001_users.sql': USERS, 'db/002_index.sql': INDEX, 'db/003_more.sql': 'ALTER TABLE users ADD COLUMN name text;\n' });
    const same = (): void => {
      const plain = runCli(['lint', '-f', 'gcc', 'db'], { cwd: dir });
      const cached = runCli(['lint', '--cache', '-f', 'gcc', 'db'], { cwd: dir });
      expect([cached.status, cached.stdout, cached.stderr]).toEqual([plain.status, plain.stdout, plain.stderr]);
    };
    same();
    writeFileSync(path.join(dir, 'db/002_index.sql'), INDEX.replace('CREATE INDEX', 'CREATE INDEX CONCURRENTLY'));
    same();
    writeFileSync(path.join(dir, 'db/004_drop.sql'), 'ALTER TABLE users DROP COLUMN email;\n');
    same();
    writeFileSync(path.join(dir, 'db/001_users.sql'), USERS.replace('email text', 'email text, age int'));
    same();
  });
});
