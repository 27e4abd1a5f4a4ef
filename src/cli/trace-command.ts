import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIG, mergeConfig, type UserConfig } from '../engine/config.js';
import { REPORTERS, type FormatName } from '../report/reporters.js';
import { totals } from '../report/results.js';
import { formatTraceTable } from '../report/trace-table.js';
import { openTraceDatabase, type TraceDatabase } from '../trace/database.js';
import { traceHistories, type TraceResults } from '../trace/trace-history.js';
import { loadConfig } from './config-file.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE_ERROR } from './exit-codes.js';
import { STDIN_ARGUMENT } from './inputs.js';
import { annotateOnGithub, commandInputs, parsePgVersion, wantsColor, wantsGithubAnnotations, type CommandIo } from './lint-command.js';
import { UsageError } from './user-errors.js';
import { planLint } from './plan.js';
import { toolHomepage, toolVersion } from './version.js';
import { MAX_ROWS } from './trace-defaults.js';

export interface TraceCommandOptions {
  format: FormatName | 'github';
  /** False with --no-github-annotations: no annotations even when running in GitHub Actions. */
  githubAnnotations: boolean;
  output?: string;
  config?: string;
  pgVersion?: string;
  assumeInTransaction?: boolean;
  /** Report only migrations added or changed since this git ref; the rest runs as history. */
  since?: string;
  /** The file name to report for stdin; its folder's earlier migrations run first, as its history. */
  stdinFilename?: string;
  rows: string;
  contention?: boolean;
  databaseUrl?: string;
  verbose?: boolean;
  color: boolean;
}

/** A run shorter than this shows no progress. */
const PROGRESS_AFTER_MS = 1000;

/** `lockwise trace`: run the migrations on a real PostgreSQL and compare what they lock with the lock table. */
export async function runTrace(paths: string[], options: TraceCommandOptions, io: CommandIo & { stderr: NodeJS.WritableStream & { isTTY?: boolean } }): Promise<number> {
  const rows = Number(options.rows);
  if (!Number.isInteger(rows) || rows < 0 || rows > MAX_ROWS) throw new UsageError(`--rows ${options.rows}: give a whole number from 0 to ${MAX_ROWS}`);
  const requested = options.pgVersion === undefined ? undefined : parsePgVersion(options.pgVersion);
  // Only when asked for: unlike lint, trace starts a server, and a script's empty stdin is no migration.
  const readsStdin = paths.includes(STDIN_ARGUMENT) || (paths.length === 0 && options.stdinFilename !== undefined);
  if (paths.length === 0 && !readsStdin) throw new UsageError('give the migration files or directories to trace, e.g. "lockwise trace migrations/"');
  const loaded = await loadConfig(io.cwd, options.config);
  const config = mergeConfig(mergeConfig(DEFAULT_CONFIG, loaded.config), options.assumeInTransaction ? { assumeInTransaction: true } : ({} as UserConfig));
  const { resolved, stdin } = await commandInputs(paths, { readsStdin, stdinFilename: options.stdinFilename, exclude: config.exclude, excludeBase: loaded.baseDir }, io);
  const plan = await planLint({
    cwd: io.cwd,
    config,
    files: resolved.files,
    explicit: resolved.explicit,
    directories: resolved.directories,
    ...(stdin ? { stdin } : {}),
    ...(options.since ? { since: options.since } : {}),
  });
  if (options.verbose) for (const note of plan.notes) io.stderr.write(`lockwise: ${note}\n`);
  for (const warning of plan.warnings) io.stderr.write(`lockwise: ${warning}\n`);
  if (plan.histories.length === 0) return resolved.problems.length > 0 ? EXIT_USAGE_ERROR : EXIT_OK;

  const database: TraceDatabase = await openTraceDatabase(options.databaseUrl);
  let results: TraceResults;
  try {
    // Observations are only comparable with the lock table of the server that made them.
    const wanted = requested ?? loaded.config.pgVersion;
    if (wanted !== undefined && wanted !== database.serverVersion) {
      io.stderr.write(
        `lockwise: the server is PostgreSQL ${database.serverVersion}, not ${wanted}: its locks are compared with the lock table for ${database.serverVersion}` +
          `${options.databaseUrl ? '' : ' (the embedded server is always 18; use --database-url for another version)'}\n`,
      );
    }
    const started = Date.now();
    const showProgress = io.stderr.isTTY === true;
    results = await traceHistories(
      plan.histories,
      { database, ownsServer: options.databaseUrl === undefined },
      {
        pgVersion: database.serverVersion,
        rows,
        contention: options.contention === true,
        searchPath: loaded.config.searchPath,
        onProgress: (done, total) => {
          if (showProgress && Date.now() - started > PROGRESS_AFTER_MS) io.stderr.write(`\rlockwise trace: ${done}/${total} migrations${done === total ? '\n' : ''}`);
        },
      },
    );
  } finally {
    await database.close();
  }

  const color = wantsColor(options.color, io.stdout) && !options.output;
  const summary = { server: database.description, comparedWith: database.serverVersion, notes: results.notes };
  const reportOptions = { color, toolVersion: toolVersion(), homepage: toolHomepage(), cwd: io.cwd };
  if (wantsGithubAnnotations(options)) {
    await annotateOnGithub(results, io);
  }
  if (options.format !== 'github') {
    let report = (await REPORTERS[options.format]())(results, reportOptions);
    if (options.format === 'pretty') report = `${formatTraceTable(results.statements, summary, color)}\n${report}`;
    if (options.format === 'json') {
      const json = JSON.parse(report) as Record<string, unknown>;
      report = `${JSON.stringify({ ...json, trace: { ...summary, statements: results.statements.map(({ range, ...rest }) => ({ ...rest, startByte: range.start, endByte: range.end })) } }, null, 2)}\n`;
    }
    if (options.output) writeFileSync(path.resolve(io.cwd, options.output), report);
    else io.stdout.write(report);
  }
  if (resolved.problems.length > 0) return EXIT_USAGE_ERROR;
  return totals(results).errors > 0 ? EXIT_FINDINGS : EXIT_OK;
}
