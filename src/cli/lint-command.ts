import { SEVERITIES, type Severity } from '../engine/rule.js';
import { DEFAULT_CONFIG, MAX_PG_VERSION, MIN_PG_VERSION, mergeConfig, type RuleSetting, type UserConfig } from '../engine/config.js';
import { lintHistories, type FileResult, type LintInput, type LintResults } from '../engine/lint-sources.js';
import { loadParser } from '../parse/parse.js';
import { planLint } from './plan.js';
import { REPORTERS, type FormatName } from '../report/reporters.js';
import { counted, totals } from '../report/results.js';
import { loadConfig } from './config-file.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE_ERROR } from './exit-codes.js';
import { decodeInput, resolvePaths, STDIN_ARGUMENT, UNNAMED_STDIN, type ResolvedPaths } from './inputs.js';
import { toolBuild, toolHomepage, toolVersion } from './version.js';
import { UsageError } from './user-errors.js';
import { DEFAULT_CACHE_FILE, readRunCache, runCacheChanged, writeRunCache } from './cache-file.js';
import { cacheSeed, findingsDependOnDates } from '../engine/lint-cache.js';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export interface LintCommandOptions {
  format: FormatName | 'github';
  /** False with --no-github-annotations. */
  githubAnnotations: boolean;
  config?: string;
  pgVersion?: string;
  assumeInTransaction?: boolean;
  rule: string[];
  disable: string[];
  maxWarnings?: string;
  stdinFilename?: string;
  since?: string;
  verbose?: boolean;
  /** Write the report to this file instead of stdout. */
  output?: string;
  /** Reuse the results of unchanged migrations from the cache file, and update it. */
  cache?: boolean;
  /** The cache file; default .lockwisecache in the working directory. */
  cacheLocation?: string;
  color: boolean;
  /** Further reports of the same run, each written to its file (the GitHub Action's SARIF file). */
  extraReports?: Array<{ format: FormatName; output: string }>;
}

export interface LintOutcome {
  exitCode: number;
  errors: number;
  warnings: number;
  /** Paths that named nothing, each with why (also written to stderr). */
  pathProblems: string[];
}

export interface CommandIo {
  cwd: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

/** Said of a call of a function neither PostgreSQL nor the migrations made. */
const UNREAD_FUNCTION = 'not checked: it calls a function neither PostgreSQL nor a migration lockwise read made, whose locks and rewrites are unknown';

export async function runLint(paths: string[], options: LintCommandOptions, io: CommandIo): Promise<number> {
  return (await lintAndReport(paths, options, io)).exitCode;
}

/** `lockwise lint`, with the totals its exit code was decided from. */
export async function lintAndReport(paths: string[], options: LintCommandOptions, io: CommandIo): Promise<LintOutcome> {
  // Without --cache every run parses: the parser's WebAssembly then compiles while the files are planned.
  // A failure shows where the parser is awaited.
  if (!options.cache) loadParser().catch(() => undefined);
  const loaded = await loadConfig(io.cwd, options.config);
  const config = mergeConfig(mergeConfig(DEFAULT_CONFIG, loaded.config), await commandLineConfig(options));
  const maxWarnings = options.maxWarnings === undefined ? undefined : parseCount(options.maxWarnings, '--max-warnings');

  const readsStdin = paths.includes(STDIN_ARGUMENT) || (paths.length === 0 && !io.stdin.isTTY);
  if (paths.length === 0 && !readsStdin) {
    throw new UsageError('give the migration files or directories to lint, e.g. "lockwise lint migrations/"');
  }
  const { resolved, stdin } = await commandInputs(paths, { readsStdin, stdinFilename: options.stdinFilename, exclude: config.exclude, excludeBase: loaded.baseDir }, io);
  const cacheFile = options.cache ? path.resolve(io.cwd, options.cacheLocation ?? DEFAULT_CACHE_FILE) : undefined;
  // Commit dates change without any file changing: findings that depend on them cannot be cached.
  const cacheable = !findingsDependOnDates(config);
  if (cacheFile && !cacheable) io.stderr.write('lockwise: --cache not used: minDeprecationAge findings depend on git commit dates\n');
  const seed = cacheFile && cacheable ? cacheSeed(config, toolBuild()) : undefined;
  const cache = cacheFile && seed !== undefined ? readRunCache(cacheFile, seed) : undefined;
  const plan = await planLint({
    cwd: io.cwd,
    config,
    files: resolved.files,
    explicit: resolved.explicit,
    directories: resolved.directories,
    ...(stdin ? { stdin } : {}),
    ...(options.since ? { since: options.since } : {}),
    ...(cache ? { reader: cache.files } : {}),
  });
  if (options.verbose) for (const note of plan.notes) io.stderr.write(`lockwise: ${note}\n`);
  for (const warning of plan.warnings) io.stderr.write(`lockwise: ${warning}\n`);
  if (findingsDependOnDates(config) && !plan.dates.available) {
    io.stderr.write('lockwise: minDeprecationAge not checked: not in a git repository\n');
  }

  const results = await lintHistories(plan.histories, config, plan.dates, cache?.lint);
  if (cacheFile && seed !== undefined && cache && runCacheChanged(cache)) {
    const problem = writeRunCache(cacheFile, seed, cache);
    if (problem) io.stderr.write(`lockwise: cache not written: ${problem}\n`);
  }
  if (!options.verbose) {
    // SQL a DO block builds at run time may take any lock: said even without --verbose, once per file; and a function lockwise
    // cannot read, once per function, where it is first called (a project may call one in every migration).
    const unreadFunctions = new Map<string, { at: string; calls: number }>();
    for (const file of results.files) {
      const dynamic = file.skipped.filter((skipped) => skipped.kind === 'dynamic SQL');
      if (dynamic.length > 0) {
        const line = file.source?.positionAt(dynamic[0]!.range.start).line ?? 1;
        const what = dynamic.length === 1 ? 'SQL a DO block builds at run time' : `${dynamic.length} statements DO blocks build at run time`;
        io.stderr.write(`lockwise: ${file.path}:${line}: ${what} (EXECUTE ${JSON.stringify(dynamic[0]!.text)}) not checked: its locks and rewrites are unknown; --verbose lists each\n`);
      }
      for (const call of file.skipped.filter((skipped) => skipped.kind === 'function lockwise cannot read')) {
        const known = unreadFunctions.get(call.text);
        if (known) known.calls++;
        else unreadFunctions.set(call.text, { at: `${file.path}:${file.source?.positionAt(call.range.start).line ?? 1}`, calls: 1 });
      }
    }
    for (const [name, { at, calls }] of unreadFunctions) {
      const more = calls > 1 ? ` (and ${counted(calls - 1, 'call')} after this one)` : '';
      io.stderr.write(`lockwise: ${at}: ${name}${more} ${UNREAD_FUNCTION}; --verbose lists each\n`);
    }
  }
  sayTablesOutsideSearchPath(results.files, config.searchPath, io);
  if (options.verbose) {
    const unmadeNamed = new Set<string>();
    for (const file of results.files) {
      for (const skipped of file.skipped) {
        const line = file.source?.positionAt(skipped.range.start).line ?? 1;
        const why =
          skipped.kind === 'branch not taken'
            ? 'not checked: the schema the migrations built says the IF of its DO block takes another branch'
            : skipped.kind === 'function lockwise cannot read'
              ? UNREAD_FUNCTION
              : `${skipped.kind} not parsed`;
        io.stderr.write(`lockwise: ${file.path}:${line}: ${why}: ${JSON.stringify(skipped.text)}\n`);
      }
      // Each once, where a migration first changes it: a missing or squashed migration, or a schema made outside them.
      for (const unmade of file.unmade ?? []) {
        if (unmadeNamed.has(unmade.name)) continue;
        unmadeNamed.add(unmade.name);
        const line = file.source?.positionAt(unmade.range.start).line ?? 1;
        io.stderr.write(`lockwise: ${file.path}:${line}: ${unmade.kind} ${unmade.name} was made by no migration lockwise read: its findings go without its definition\n`);
      }
    }
  }
  const color = wantsColor(options.color, io.stdout);
  if (wantsGithubAnnotations(options)) {
    await annotateOnGithub(results, io);
  }
  const reportOptions = { color: false, toolVersion: toolVersion(), homepage: toolHomepage(), cwd: io.cwd };
  if (options.format !== 'github') {
    const report = (await REPORTERS[options.format]())(results, { ...reportOptions, color: color && !options.output, pathsNamingNothing: resolved.problems.length });
    if (options.output) writeFileSync(path.resolve(io.cwd, options.output), report);
    else io.stdout.write(report);
  }
  for (const extra of options.extraReports ?? []) writeFileSync(path.resolve(io.cwd, extra.output), (await REPORTERS[extra.format]())(results, reportOptions));

  const { errors, warnings } = totals(results);
  const outcome = { errors, warnings, pathProblems: resolved.problems };
  if (resolved.problems.length > 0) return { exitCode: EXIT_USAGE_ERROR, ...outcome };
  const failed = errors > 0 || (maxWarnings !== undefined && warnings > maxWarnings);
  return { exitCode: failed ? EXIT_FINDINGS : EXIT_OK, ...outcome };
}

async function commandLineConfig(options: LintCommandOptions): Promise<UserConfig> {
  // The registry loads every rule: only a run that names rules needs it here.
  const registry = options.rule.length > 0 || options.disable.length > 0 ? await import('../engine/registry.js') : undefined;
  const checkRuleId = (id: string, flag: string): void => {
    if (!registry?.ALL_RULE_IDS.has(id)) throw new UsageError(`${flag} ${id}: unknown rule (run "lockwise rules" to list them)`);
    const builtin = registry.findBuiltinCheck(id);
    if (builtin && !builtin.meta.canBeDisabled) throw new UsageError(`${flag} ${id}: this check is always on`);
  };
  const rules: Record<string, RuleSetting> = {};
  for (const entry of options.rule) {
    const [id = '', severity] = entry.split('=').map((part) => part.trim());
    checkRuleId(id, '--rule');
    if (severity !== undefined && severity !== 'off' && !SEVERITIES.includes(severity as Severity)) {
      throw new UsageError(`--rule ${entry}: the severity must be one of error, warning, info, off`);
    }
    rules[id] = (severity as RuleSetting | undefined) ?? 'error';
  }
  for (const id of options.disable) {
    checkRuleId(id, '--disable');
    rules[id] = 'off';
  }
  return {
    ...(options.pgVersion !== undefined ? { pgVersion: parsePgVersion(options.pgVersion) } : {}),
    ...(options.assumeInTransaction ? { assumeInTransaction: true } : {}),
    rules,
  };
}

/** `name` is what the user wrote the value as: the flag, or the GitHub Action's input. */
export function parsePgVersion(value: string, name = '--pg-version'): number {
  const version = Number(value);
  if (!Number.isInteger(version) || version < MIN_PG_VERSION || version > MAX_PG_VERSION) {
    throw new UsageError(`${name} ${value}: give a PostgreSQL major version from ${MIN_PG_VERSION} to ${MAX_PG_VERSION}`);
  }
  return version;
}

function parseCount(value: string, flag: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 0) throw new UsageError(`${flag} ${value}: give a whole number of 0 or more`);
  return count;
}

/** The files the paths name, and stdin when the command reads it; paths that name nothing are said on stderr. */
export async function commandInputs(
  paths: string[],
  options: { readsStdin: boolean; stdinFilename: string | undefined; exclude: string[]; excludeBase: string },
  io: Pick<CommandIo, 'cwd' | 'stderr' | 'stdin'>,
): Promise<{ resolved: ResolvedPaths; stdin: LintInput | undefined }> {
  const resolved = await resolvePaths(
    paths.filter((arg) => arg !== STDIN_ARGUMENT),
    { cwd: io.cwd, exclude: options.exclude, excludeBase: options.excludeBase },
  );
  for (const problem of [...resolved.problems, ...resolved.notes]) io.stderr.write(`lockwise: ${problem}\n`);
  const stdin = options.readsStdin ? decodeInput(options.stdinFilename ?? UNNAMED_STDIN, await readAll(io.stdin)) : undefined;
  return { resolved, stdin };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/** FORCE_COLOR=1 (any value but 0 or false) asks for colour where no terminal is attached, as in CI logs. */
/** Colours for a terminal, or when FORCE_COLOR asks; never with --no-color or NO_COLOR. */
export function wantsColor(colorFlag: boolean, stdout: { isTTY?: boolean }): boolean {
  return colorFlag && process.env.NO_COLOR === undefined && (stdout.isTTY === true || isForced(process.env.FORCE_COLOR));
}

/** `--format github` asks for annotations; inside GitHub Actions they come with any format, unless --no-github-annotations. */
export function wantsGithubAnnotations(options: { format: string; githubAnnotations: boolean }): boolean {
  return options.format === 'github' || (process.env.GITHUB_ACTIONS === 'true' && options.githubAnnotations);
}

/** Workflow-command annotations and the job summary; a summary that cannot be written is said on stderr. */
export async function annotateOnGithub(results: LintResults, io: Pick<CommandIo, 'stderr'>): Promise<void> {
  // Loaded on demand: @actions/core is slow to load and only GitHub Actions runs need it.
  const { writeGithubAnnotations } = await import('./github-annotations.js');
  await writeGithubAnnotations(results).catch((error: Error) => io.stderr.write(`lockwise: job summary not written: ${error.message}\n`));
}

function isForced(value: string | undefined): boolean {
  return value !== undefined && value !== '0' && value.toLowerCase() !== 'false';
}

/**
 * Tables named without a schema that the search path does not find, where the migrations made one of that name in another
 * schema: said once per run, even without --verbose, as the role running the migrations may find them there through
 * "$user" (Guix Data Service's guix_data_service role), and every finding on them goes without their definition.
 */
function sayTablesOutsideSearchPath(files: readonly FileResult[], searchPath: readonly string[], io: CommandIo): void {
  const found = files.flatMap((file) => (file.unmade ?? []).filter((unmade) => unmade.madeInSchemas).map((unmade) => ({ file, unmade })));
  if (found.length === 0) return;
  const { file, unmade } = found[0]!;
  const schema = unmade.madeInSchemas![0]!;
  const others = new Set(found.map(({ unmade: other }) => other.name)).size - 1;
  const line = file.source?.positionAt(unmade.range.start).line ?? 1;
  const suggested = JSON.stringify([schema, ...searchPath.filter((name) => name !== schema)]).replaceAll(',', ', ');
  io.stderr.write(
    `lockwise: ${file.path}:${line}: table ${unmade.name} is in no schema of the search path (${searchPath.join(', ')}), but a migration made ${schema}.${unmade.name}${others > 0 ? ` (and ${counted(others, 'other table')} so)` : ''}: if the migrations run with ${schema} in their search_path (as a role named ${schema} does, through "$user"), set "searchPath": ${suggested} in lockwise.json\n`,
  );
}

