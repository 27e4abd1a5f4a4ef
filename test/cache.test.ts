import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deserialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, mergeConfig } from '../src/engine/config.js';
import { cacheSeed, digestsOf, LintCache, type CachedResult } from '../src/engine/lint-cache.js';
import { lintHistories, type LintResults, type PlannedHistory } from '../src/engine/lint-sources.js';
import { generateHistory } from '../bench/generate-history.js';
import { CLI, runCli, tempProject } from './helpers/cli.js';
import { codeIdentity, toolVersion } from '../src/cli/version.js';
import { readRunCache, writeRunCache } from '../src/cli/cache-file.js';
import { MigrationFiles } from '../src/cli/migration-files.js';
import { planLint } from '../src/cli/plan.js';
import { resolvePaths } from '../src/cli/inputs.js';

function history(texts: Array<{ name: string; text: string }>): PlannedHistory {
  return { migrations: texts.map(({ name, text }) => ({ input: { path: `db/${name}`, text }, transactionMode: 'none' as const, review: true })) };
}

function findings(results: LintResults): string[] {
  return results.files.flatMap((file) => file.diagnostics.map((d) => `${file.path}:${d.span.start.line}:${d.span.start.column} ${d.rule} ${d.message}`));
}

/** A cache that counts the results it could not supply: each is a migration linted again. */
class CountingCache extends LintCache {
  private readonly missed = new Set<string>();
  get misses(): number {
    return this.missed.size;
  }
  override result(key: string): CachedResult | undefined {
    const found = super.result(key);
    if (!found) this.missed.add(key);
    return found;
  }
}

/** A run with the cache an earlier run handed on; `next` is what this one hands on. */
async function lintWith(migrations: PlannedHistory, earlier: LintCache | undefined, seed = cacheSeed(DEFAULT_CONFIG, '0.1.0')): Promise<{ results: LintResults; cache: CountingCache }> {
  const cache = new CountingCache(seed, earlier?.next);
  const results = await lintHistories([migrations], DEFAULT_CONFIG, undefined, cache);
  return { results, cache };
}

const generated = generateHistory(120);

/** The index at the head of a cache file: its length in 4 bytes, then v8.serialize's output. */
function cacheIndex(file: string): unknown {
  const bytes = readFileSync(file);
  return deserialize(bytes.subarray(4, 4 + bytes.readUInt32LE(0)));
}

describe('--cache in the engine', () => {
  it('gives the findings of a run without it, cold and warm, without linting an unchanged history again', async () => {
    const plain = findings(await lintHistories([history(generated)], DEFAULT_CONFIG));
    expect(plain.length).toBeGreaterThan(0);
    const cold = await lintWith(history(generated), undefined);
    expect(findings(cold.results)).toEqual(plain);
    const warm = await lintWith(history(generated), cold.cache);
    expect(findings(warm.results)).toEqual(plain);
    expect(warm.cache.misses).toBe(0);
    expect(warm.cache.changed).toBe(false);
  });

  it('lints again a changed migration and every one after it, resuming from the cached schema', async () => {
    const cold = await lintWith(history(generated), undefined);
    const edited = generated.map((migration, index) =>
      index === 60 ? { ...migration, text: `${migration.text}CREATE TABLE accounts_new (id bigint);\nCREATE INDEX ON accounts_new (id);\n` } : migration,
    );
    const warm = await lintWith(history(edited), cold.cache);
    expect(findings(warm.results)).toEqual(findings(await lintHistories([history(edited)], DEFAULT_CONFIG)));
    expect(warm.cache.misses).toBe(edited.length - 60);

    const lastEdited = generated.map((migration, index) => (index === generated.length - 1 ? { ...migration, text: `${migration.text}\nCREATE INDEX users_email_idx ON users (email);\n` } : migration));
    const again = await lintWith(history(lastEdited), cold.cache);
    expect(findings(again.results)).toEqual(findings(await lintHistories([history(lastEdited)], DEFAULT_CONFIG)));
    expect(findings(again.results).at(-1)).toContain('require-concurrent-index');
    expect(again.cache.misses).toBe(1);
  });

  it('judges an unchanged migration again when an earlier one changes what it sees', async () => {
    const create = { name: '001_create.sql', text: 'CREATE TABLE users (id bigint PRIMARY KEY, nickname text);\n' };
    const drop = { name: '003_drop.sql', text: "SET lock_timeout = '2s';\nALTER TABLE users DROP COLUMN nickname;\n" };
    const first = await lintWith(history([create, { name: '002_noop.sql', text: 'SELECT 1;\n' }, drop]), undefined);
    expect(findings(first.results).join('\n')).toContain('require-deprecation-before-drop');
    const retired = { name: '002_noop.sql', text: "COMMENT ON COLUMN users.nickname IS 'deprecated: read by nobody since 2.4';\n" };
    const second = await lintWith(history([create, retired, drop]), first.cache);
    expect(findings(second.results)).toEqual([]);
    expect(second.cache.misses).toBe(2);
  });

  it('lints only the newest migration against the cached schema, and keeps the findings of the others', async () => {
    const full = await lintWith(history(generated), undefined);
    const newestOnly = history(generated);
    newestOnly.migrations.forEach((migration, index) => (migration.review = index === generated.length - 1));
    const edited = newestOnly.migrations.at(-1)!;
    edited.input = { path: edited.input.path, text: `${'text' in edited.input ? edited.input.text : ''}CREATE INDEX users_email_idx ON users (email);\n` };
    const preCommit = await lintWith(newestOnly, full.cache);
    expect(preCommit.results.files).toHaveLength(1);
    expect(findings(preCommit.results)).toEqual(findings(await lintHistories([newestOnly], DEFAULT_CONFIG)));
    edited.input = history(generated).migrations.at(-1)!.input;
    const fullAgain = await lintWith(history(generated), preCommit.cache);
    expect(fullAgain.cache.misses).toBe(1);
    expect(findings(fullAgain.results)).toEqual(findings(full.results));
  });

  it('takes an unchanged history\'s chain keys from the cache, and hashes an edited one afresh', async () => {
    const seed = cacheSeed(DEFAULT_CONFIG, '0.1.0');
    const cold = await lintWith(history(generated), undefined, seed);
    const coldKeys = new LintCache(seed).chainKeys(history(generated));
    expect(new LintCache(seed, cold.cache.next).chainKeys(history(generated))).toEqual(coldKeys);

    const edited = generated.map((migration, index) => (index === 30 ? { ...migration, text: `${migration.text}SELECT 1;\n` } : migration));
    const editedKeys = new LintCache(seed, cold.cache.next).chainKeys(history(edited));
    expect(editedKeys).toEqual(new LintCache(seed).chainKeys(history(edited)));
    expect(editedKeys.slice(0, 30)).toEqual(coldKeys.slice(0, 30));
    expect(editedKeys.slice(30).filter((key, index) => key === coldKeys[30 + index])).toEqual([]);
  });

  it('hands the schema states of an unchanged history on without reading them', async () => {
    const cold = await lintWith(history(generated), undefined);
    const earlierStates = cold.cache.next.states;
    const read: string[] = [];
    const counted = {
      get: (key: string) => (read.push(key), earlierStates.get(key)),
      has: (key: string) => earlierStates.has(key),
      keys: () => earlierStates.keys(),
      size: earlierStates.size,
    };
    const warm = new CountingCache(cacheSeed(DEFAULT_CONFIG, '0.1.0'), { ...cold.cache.next, states: counted });
    await lintHistories([history(generated)], DEFAULT_CONFIG, undefined, warm);
    expect(read).toEqual([]);
    expect(warm.changed).toBe(false);
    const handedOn = [...warm.next.states.keys()];
    expect(handedOn).toEqual([...earlierStates.keys()]);
    expect(handedOn.map((key) => warm.next.states.get(key))).toEqual(handedOn.map((key) => earlierStates.get(key)));
  });

  it('in an editor, resumes from the schema before the file typed in, wherever it is in the history, without reading the files before it', async () => {
    const typedIn = 70;
    /** The history as the editor plans it: only the open file is reviewed; the others are known by their digests and must not be read. */
    const asTyped = (text: string, readable: boolean): PlannedHistory => ({
      migrations: generated.map((migration, index) => {
        const path = `db/${migration.name}`;
        const body = index === typedIn ? text : migration.text;
        const input = readable || index >= typedIn ? { path, text: body } : { path, get text(): string { throw new Error(`${path} was read`); } };
        return { input, transactionMode: 'none' as const, review: index === typedIn, digests: digestsOf(body, undefined) };
      }),
    });
    const seed = cacheSeed(DEFAULT_CONFIG, '0.1.0');
    const editor = (earlier: LintCache | undefined): LintCache => new LintCache(seed, earlier?.next, 'before the linted');
    const original = generated[typedIn]!.text;

    const opened = editor(undefined);
    const first = await lintHistories([asTyped(original, true)], DEFAULT_CONFIG, undefined, opened);
    expect(findings(first)).toEqual(findings(await lintHistories([asTyped(original, true)], DEFAULT_CONFIG)));
    // The one state kept is the schema after the migration before the open file; none after the newest, which the command line keeps.
    const keys = opened.chainKeys(asTyped(original, true));
    expect([...opened.next.states.keys()]).toEqual([keys[typedIn - 1]]);

    let earlier = opened;
    for (const typed of [`${original}CREATE INDEX users_email_idx ON users (email);\n`, `${original}CREATE INDEX users_email_idx ON users (email`, `${original}SELECT 1;\n`]) {
      const cache = editor(earlier);
      const results = await lintHistories([asTyped(typed, false)], DEFAULT_CONFIG, undefined, cache);
      expect(findings(results)).toEqual(findings(await lintHistories([asTyped(typed, true)], DEFAULT_CONFIG)));
      expect([...cache.next.states.keys()]).toEqual([keys[typedIn - 1]]);
      earlier = cache;
    }
    // What was typed is what was judged: the index built without CONCURRENTLY was reported while it was there.
    expect(findings(await lintHistories([asTyped(`${original}CREATE INDEX users_email_idx ON users (email);\n`, true)], DEFAULT_CONFIG)).join('\n')).toContain('require-concurrent-index');
  });

  it('starts afresh for another configuration or lockwise version', async () => {
    const cold = await lintWith(history(generated), undefined);
    const otherVersion = await lintWith(history(generated), cold.cache, cacheSeed(DEFAULT_CONFIG, '0.2.0'));
    expect(otherVersion.cache.misses).toBe(generated.length);
    const pg12 = mergeConfig(DEFAULT_CONFIG, { pgVersion: 12 });
    const otherConfig = await lintWith(history(generated), cold.cache, cacheSeed(pg12, '0.1.0'));
    expect(otherConfig.cache.misses).toBe(generated.length);
  });
});

describe('the cache file', () => {
  it('reads a schema state only when asked, and gives none once the file has been replaced', async () => {
    const seed = cacheSeed(DEFAULT_CONFIG, '0.1.0');
    const cold = await lintWith(history(generated), undefined, seed);
    const file = path.join(tempProject({}), 'cache');
    expect(writeRunCache(file, seed, { lint: cold.cache, files: new MigrationFiles({ learning: true }) })).toBeUndefined();

    const { lint } = readRunCache(file, seed);
    const [key] = [...cold.cache.next.states.keys()];
    expect(lint.hasState(key!)).toBe(true);
    expect(lint.state(key!)).toEqual(deserialize(cold.cache.next.states.get(key!)!));

    const replaced = readRunCache(file, seed);
    writeRunCache(file, seed, { lint: new LintCache(seed), files: new MigrationFiles({ learning: true }) });
    expect(replaced.lint.hasState(key!)).toBe(true);
    expect(replaced.lint.state(key!)).toBeUndefined();
  });

  it('keeps what the planner learnt from each file, so that the next run plans it without reading it', async () => {
    const dir = tempProject({
      'db/001_users.sql': '-- +goose Up\nCREATE TABLE users (id bigint);\n-- +goose Down\nDROP TABLE users;\n',
      'db/002_index.sql': '-- +goose Up\n-- +goose NO TRANSACTION\nCREATE INDEX CONCURRENTLY users_id_idx ON users (id);\n',
    });
    const seed = cacheSeed(DEFAULT_CONFIG, '0.1.0');
    // Begun well after the files were written: their stamps are trusted by the next run.
    const first = new MigrationFiles({ learning: true, startedAt: Date.now() + 60_000 });
    const resolved = await resolvePaths(['db'], { cwd: dir, exclude: [], excludeBase: dir });
    await planLint({ cwd: dir, config: DEFAULT_CONFIG, files: resolved.files, explicit: new Set(), reader: first });
    const learnt = [...first.next.files];
    expect(learnt.map(([, facts]) => [facts.marker, facts.prepared?.transaction])).toEqual([
      ['goose', 'wrapped'],
      ['goose', 'none'],
    ]);
    const file = path.join(dir, 'cache');
    expect(writeRunCache(file, seed, { lint: new LintCache(seed), files: first })).toBeUndefined();
    const { files: next } = readRunCache(file, seed);
    for (const [absolutePath, facts] of learnt) {
      expect(next.known(absolutePath)).toEqual(facts);
      expect(next.markerOf(absolutePath)).toBe(facts.marker);
    }
  });

  it('starts afresh from a truncated file', async () => {
    const seed = cacheSeed(DEFAULT_CONFIG, '0.1.0');
    const cold = await lintWith(history(generated), undefined, seed);
    const file = path.join(tempProject({}), 'cache');
    writeRunCache(file, seed, { lint: cold.cache, files: new MigrationFiles({ learning: true }) });
    expect(readRunCache(file, seed).lint.result([...cold.cache.next.results.keys()][0]!)).toBeDefined();
    writeFileSync(file, readFileSync(file).subarray(0, -10));
    const fresh = readRunCache(file, seed).lint;
    expect(fresh.result([...cold.cache.next.results.keys()][0]!)).toBeUndefined();
    expect(fresh.hasState([...cold.cache.next.states.keys()][0]!)).toBe(false);
  });
});

describe('lockwise lint --cache', () => {
  const project = (): string =>
    tempProject({
      'db/001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n',
      'db/002_index.sql': "SET lock_timeout = '2s';\nCREATE INDEX users_email_idx ON users (email);\n",
    });

  it('writes .lockwisecache in the working directory and reports the same on the next run', () => {
    const dir = project();
    const plain = runCli(['lint', '-f', 'gcc', 'db'], { cwd: dir });
    const cold = runCli(['lint', '--cache', '-f', 'gcc', 'db'], { cwd: dir });
    expect(existsSync(path.join(dir, '.lockwisecache'))).toBe(true);
    const warm = runCli(['lint', '--cache', '-f', 'gcc', 'db'], { cwd: dir });
    expect(plain.stdout).toContain('require-concurrent-index');
    for (const run of [cold, warm]) expect([run.status, run.stdout, run.stderr]).toEqual([plain.status, plain.stdout, plain.stderr]);
  });

  it('keys the cache to the build that wrote it, so that another build of the same version starts afresh', () => {
    const dir = project();
    runCli(['lint', '--cache', '-f', 'gcc', 'db'], { cwd: dir });
    const { seed } = cacheIndex(path.join(dir, '.lockwisecache')) as { seed: string };
    const chunks = path.join(path.dirname(CLI), 'chunks');
    expect(JSON.parse(seed).toolVersion).toBe(`${toolVersion()}+${codeIdentity(chunks)}`);

    const build = tempProject({ 'chunks/lint-engine-AAAA.mjs': 'export {};\n', 'chunks/chunk-BBBB.mjs': 'export const a = 1;\n' });
    const first = codeIdentity(path.join(build, 'chunks'));
    expect(codeIdentity(path.join(build, 'chunks'))).toBe(first);
    renameSync(path.join(build, 'chunks/chunk-BBBB.mjs'), path.join(build, 'chunks/chunk-CCCC.mjs'));
    const renamed = codeIdentity(path.join(build, 'chunks'));
    writeFileSync(path.join(build, 'chunks/chunk-CCCC.mjs'), 'export const a = 10;\n');
    expect(new Set([first, renamed, codeIdentity(path.join(build, 'chunks'))]).size).toBe(3);
  });

  it('ignores a corrupt or foreign cache file and writes a good one in its place', () => {
    const dir = project();
    const plain = runCli(['lint', '-f', 'gcc', 'db'], { cwd: dir });
    for (const garbage of ['not a cache', '\u0000\u00ff\u0013', JSON.stringify({ results: [] })]) {
      writeFileSync(path.join(dir, 'custom.cache'), garbage);
      const run = runCli(['lint', '--cache', '--cache-location', 'custom.cache', '-f', 'gcc', 'db'], { cwd: dir });
      expect([run.status, run.stdout, run.stderr]).toEqual([plain.status, plain.stdout, plain.stderr]);
      expect(cacheIndex(path.join(dir, 'custom.cache'))).toHaveProperty('results');
    }
  });

  it('says in one line when the cache cannot be written, and still reports', () => {
    const dir = project();
    const run = runCli(['lint', '--cache', '--cache-location', 'db', '-f', 'gcc', 'db'], { cwd: dir });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('require-concurrent-index');
    expect(run.stderr).toMatch(/^lockwise: cache not written: .*\n$/);
  });
});
