import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { generateHistory, largeFile, smallMigration } from './generate-history.js';
import { markdownTable, type ScenarioResult, type Side } from './table.js';

/**
 * `npm run bench`: lockwise against squawk-cli on the same files, each as a whole
 * process, alternating, several repetitions; medians, the ratio lockwise/squawk,
 * peak memory, and how time grows with the history. Prints a table and writes
 * bench/results.json. `npm run bench -- --quick` runs fewer repetitions.
 */
const repo = fileURLToPath(new URL('../..', import.meta.url));
const corpus = path.join(repo, 'bench', '.corpus');
/** What the package's `bin` names: the bundled command line. */
const lockwiseMain = path.join(repo, 'dist', 'cli', 'lockwise.mjs');
/**
 * The Rust binary itself, not the Node shim npm links as node_modules/.bin/squawk: the shim only
 * spawns the binary and would add a Node start-up to every squawk run.
 */
const squawkBin = createRequire(import.meta.url).resolve(`@squawk-cli/${process.platform}-${process.arch}/bin/squawk`);
const timeBin = '/usr/bin/time';
const quick = process.argv.includes('--quick');
const HISTORY_FILES = 5000;
/** The scenario that runs `node -e 0` in lockwise's column, with no squawk run. */
/** The run's scratch files (peak-memory reports, the warm cache), removed when it ends. */
const scratch = mkdtempSync(path.join(os.tmpdir(), 'lockwise-bench-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

const NODE_ALONE = 'Node.js alone (node -e 0), for scale';
/** Scenarios that run bench/parser-alone.js in lockwise's column: the floor the chosen stack sets. */
const PARSER_ALONE_SMALL = 'one small file, the parser alone (no lint), for scale';
const PARSER_ALONE_HISTORY = 'whole history (1x), the parser alone (no lint), for scale';
const parserAlone = path.join(repo, 'dist', 'bench', 'parser-alone.js');

interface Measurement {
  wallMs: number;
  maxRssMb: number;
}

interface Scenario {
  name: string;
  /** Arguments after `lockwise lint`. */
  lockwise: string[];
  /** A command run in lockwise's place: Node.js alone, or Node.js and the parser, to show the floor under lockwise. */
  instead?: [string, string[]];
  /** Arguments for squawk; undefined for lockwise-only scenarios. */
  squawk?: string[];
  files: number;
  bytes: number;
  /** Run before each of lockwise's runs, untimed: puts back what the run changes. */
  beforeEachRun?: () => void;
}

// ---------------------------------------------------------------------------------------------------------------------
// The corpus, written once per generator version.

function generatorVersion(): string {
  return createHash('sha256').update(readFileSync(new URL('./generate-history.js', import.meta.url))).digest('hex').slice(0, 16);
}

function writeFolder(dir: string, files: Array<{ name: string; text: string }>): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const file of files) writeFileSync(path.join(dir, file.name), file.text);
}

function ensureCorpus(): void {
  const marker = path.join(corpus, 'generator-version');
  const version = generatorVersion();
  if (existsSync(marker) && readFileSync(marker, 'utf8') === version) return;
  process.stderr.write('bench: writing the corpus under bench/.corpus/ ...\n');
  rmSync(corpus, { recursive: true, force: true });
  // A longer history starts with the files of a shorter one: each is the same project, older or younger.
  const longest = generateHistory(HISTORY_FILES * 4);
  for (const factor of [1, 2, 4]) writeFolder(path.join(corpus, `history-${factor}x`), longest.slice(0, HISTORY_FILES * factor));
  writeFolder(path.join(corpus, 'small'), [smallMigration()]);
  writeFolder(path.join(corpus, 'large'), [{ name: 'schema.sql', text: largeFile(5_000_000) }]);
  writeFileSync(marker, version);
}

function folderSize(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.sql')) continue;
    files++;
    bytes += statSync(path.join(dir, name)).size;
  }
  return { files, bytes };
}

const ADDED_MIGRATION = 'a migration added to 5,000, warm --cache';

/**
 * The pre-commit case: a cache written for the history, and a new migration on top of it, linted against
 * the schema the cache kept. Each run starts from that cache again (the run adds the new migration to it).
 * The history is a copy in the scratch folder, so the corpus is never changed, and its files' stamps are
 * left to settle before the cache is written, as in a working copy (a stamp younger than two seconds is
 * not trusted, and the file would be read again).
 */
function addedMigrationScenario(historyFolder: string): Scenario {
  const folder = path.join(scratch, 'added-history');
  mkdirSync(folder);
  const names = readdirSync(path.join(repo, historyFolder)).sort();
  const added = names.at(-1)!;
  for (const name of names.slice(0, -1)) copyFileSync(path.join(repo, historyFolder, name), path.join(folder, name));
  spawnSync('sleep', ['2.1']);
  const withoutAdded = path.join(scratch, 'cache-without-added');
  measure(...lockwiseCommand(['--format', 'gcc', '--cache', '--cache-location', withoutAdded, folder]));
  copyFileSync(path.join(repo, historyFolder, added), path.join(folder, added));
  const cacheFile = path.join(scratch, 'cache-added');
  const file = path.join(folder, added);
  return {
    name: ADDED_MIGRATION,
    lockwise: ['--format', 'gcc', '--cache', '--cache-location', cacheFile, file],
    squawk: ['--reporter', 'gcc', file],
    files: 1,
    bytes: statSync(file).size,
    beforeEachRun: () => copyFileSync(withoutAdded, cacheFile),
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Running and timing one process.

/**
 * Variables that make every Node.js process slower to start and that neither tool uses: both run
 * without them. NODE_EXTRA_CA_CERTS makes Node read and parse the named certificates before any
 * JavaScript runs (about 40 ms for a system bundle, measured here), and lockwise makes no TLS
 * connection. The table names what was removed.
 */
const START_UP_VARIABLES = ['NODE_EXTRA_CA_CERTS'];
const measuredEnvironment = Object.fromEntries(Object.entries(process.env).filter(([name]) => !START_UP_VARIABLES.includes(name)));
const removedVariables = START_UP_VARIABLES.filter((name) => process.env[name] !== undefined);

/** Exit codes that mean "ran and reported": 0 (clean) and 1 (findings) for both tools. Anything else is a crash. */
const REPORTED = new Set([0, 1]);

function measure(command: string, args: string[]): Measurement {
  const timeFile = path.join(scratch, 'time');
  const started = process.hrtime.bigint();
  const run = spawnSync(timeBin, ['-f', '%M', '-o', timeFile, command, ...args], {
    cwd: repo,
    env: measuredEnvironment,
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const exitCode = run.status;
  if (exitCode === null || !REPORTED.has(exitCode)) {
    throw new Error(`${path.basename(command)} ${args.join(' ')} failed (exit ${exitCode ?? run.signal}):\n${run.stderr.toString().slice(0, 2000)}`);
  }
  const timeOutput = readFileSync(timeFile, 'utf8').trim().split('\n');
  const maxRssKb = Number(timeOutput.at(-1));
  return { wallMs, maxRssMb: maxRssKb / 1024 };
}

const lockwiseCommand = (args: string[]): [string, string[]] => [process.execPath, [lockwiseMain, 'lint', ...args]];
const squawkCommand = (args: string[]): [string, string[]] => [squawkBin, args];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function side(measurements: Measurement[]): Side {
  return {
    medianMs: Math.round(median(measurements.map((m) => m.wallMs))),
    runsMs: measurements.map((m) => Math.round(m.wallMs)),
    maxRssMb: Math.round(Math.max(...measurements.map((m) => m.maxRssMb))),
  };
}

interface Runs {
  lockwise: Measurement[];
  squawk: Measurement[];
}

/**
 * Runs scenarios interleaved: each repetition runs every scenario of the group once, lockwise
 * and squawk alternating (who starts alternates too), so that a busy moment of the machine
 * slows every tool and size alike, and ratios taken within one repetition stay comparable.
 */
function runInterleaved(group: Scenario[], repetitions: number): Runs[] {
  const commands = group.map((scenario) => {
    const [command, args] = scenario.instead ?? lockwiseCommand(scenario.lockwise);
    return {
      lockwise: (): Measurement => {
        scenario.beforeEachRun?.();
        return measure(command, args);
      },
      squawk: scenario.squawk ? squawkCommand(scenario.squawk) : undefined,
    };
  });
  // One untimed run each: the files are in the page cache, and a --cache scenario's cache is filled.
  for (const command of commands) {
    command.lockwise();
    if (command.squawk) measure(...command.squawk);
  }
  const runs: Runs[] = group.map(() => ({ lockwise: [], squawk: [] }));
  for (let i = 0; i < repetitions; i++) {
    commands.forEach((command, index) => {
      const lockwiseFirst = (i + index) % 2 === 0;
      if (lockwiseFirst) runs[index]!.lockwise.push(command.lockwise());
      if (command.squawk) runs[index]!.squawk.push(measure(...command.squawk));
      if (!lockwiseFirst) runs[index]!.lockwise.push(command.lockwise());
    });
  }
  return runs;
}

function scenarioResult(scenario: Scenario, runs: Runs): ScenarioResult {
  const result: ScenarioResult = {
    name: scenario.name,
    files: scenario.files,
    bytes: scenario.bytes,
    megabytes: Number((scenario.bytes / 1e6).toFixed(2)),
    lockwise: side(runs.lockwise),
  };
  if (runs.squawk.length > 0) {
    result.squawk = side(runs.squawk);
    result.ratio = Number((result.lockwise.medianMs / result.squawk.medianMs).toFixed(2));
  }
  process.stderr.write(`bench: ${scenario.name}: lockwise ${result.lockwise.medianMs} ms${result.squawk ? `, squawk ${result.squawk.medianMs} ms` : ''}\n`);
  return result;
}

/** The median over repetitions of the time for the larger size divided by the time for the smaller one, in the same repetition. */
function growth(larger: Measurement[], smaller: Measurement[]): number {
  return Number(median(larger.map((run, i) => run.wallMs / smaller[i]!.wallMs)).toFixed(2));
}

// ---------------------------------------------------------------------------------------------------------------------

function machine(): Record<string, unknown> {
  const uptime = spawnSync('uptime', { encoding: 'utf8' }).stdout?.trim();
  const squawkVersion = spawnSync(squawkBin, ['--version'], { encoding: 'utf8' }).stdout?.trim();
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8' }).stdout?.trim();
  // The load averages include `npm run bench`'s own build just before; what the cores do in a quiet second now tells more.
  const busyCoresBefore = Number(busyCores(1000).toFixed(2));
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGb: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    squawk: squawkVersion,
    lockwiseCommit: commit,
    loadBefore: uptime,
    busyCoresBefore,
    // More than a quarter of a core busy before the runs start: something else is running.
    environment: removedVariables.length === 0 ? 'as set' : `run without ${removedVariables.join(', ')}, which this machine sets and which slows every Node.js start-up`,
    loadNote: busyCoresBefore > 0.25 ? 'other work was running on the machine before the benchmark (busy cores), so times are noisy' : 'the machine was otherwise idle when the benchmark started',
  };
}

/** How many cores, on average, something other than this process kept busy over the next `ms` milliseconds. */
function busyCores(ms: number): number {
  const busy = (): number => os.cpus().reduce((sum, cpu) => sum + cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq, 0);
  const before = busy();
  // Sleeps without spinning: a busy wait here would count itself.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return (busy() - before) / ms;
}

function main(): void {
  if (!existsSync(timeBin)) throw new Error(`${timeBin} is needed to measure peak memory (apt-get install time)`);
  ensureCorpus();
  const history = (factor: number): string => path.join('bench', '.corpus', `history-${factor}x`);
  const reps = (full: number): number => (quick ? Math.max(1, Math.ceil(full / 3)) : full);
  const sized = (dir: string): { files: number; bytes: number } => folderSize(path.join(repo, dir));
  const cacheFile = path.join(scratch, 'cache');
  const small = path.join('bench', '.corpus', 'small', smallMigration().name);
  const large = path.join('bench', '.corpus', 'large', 'schema.sql');
  const newest = path.join(history(1), readdirSync(path.join(repo, history(1))).sort().at(-1)!);
  // gcc-style output for both: one line per finding, what an editor or a CI log reads.
  const historyScenario = (factor: number, name: string): Scenario => ({
    name,
    lockwise: ['--format', 'gcc', history(factor)],
    squawk: ['--reporter', 'gcc', `${history(factor)}/*.sql`],
    ...sized(history(factor)),
  });
  const sizes = [
    historyScenario(1, 'whole history (1x)'),
    historyScenario(2, 'history 2x'),
    historyScenario(4, 'history 4x'),
    { name: PARSER_ALONE_HISTORY, lockwise: [], instead: [process.execPath, [parserAlone, history(1)]], ...sized(history(1)) } satisfies Scenario,
  ];
  const single = (name: string, file: string, extra: string[] = []): Scenario => ({
    name,
    lockwise: ['--format', 'gcc', ...extra, file],
    squawk: ['--reporter', 'gcc', file],
    files: 1,
    bytes: statSync(path.join(repo, file)).size,
  });
  const groups: Array<{ scenarios: Scenario[]; repetitions: number }> = [
    // The sizes run interleaved, so that how time grows is measured under the same load.
    { scenarios: sizes, repetitions: reps(5) },
    {
      scenarios: [
        single('one small file', small),
        { name: NODE_ALONE, lockwise: [], instead: [process.execPath, ['-e', '0']], files: 0, bytes: 0 },
        { name: PARSER_ALONE_SMALL, lockwise: [], instead: [process.execPath, [parserAlone, small]], files: 1, bytes: statSync(path.join(repo, small)).size },
      ],
      repetitions: reps(21),
    },
    { scenarios: [single('5 MB single file', large)], repetitions: reps(5) },
    {
      scenarios: [{ ...historyScenario(1, 'whole history (1x), warm --cache'), lockwise: ['--format', 'gcc', '--cache', '--cache-location', cacheFile, history(1)] }],
      repetitions: reps(7),
    },
    { scenarios: [single('newest of 5,000 migrations, warm --cache', newest, ['--cache', '--cache-location', cacheFile])], repetitions: reps(11) },
    { scenarios: [addedMigrationScenario(history(1))], repetitions: reps(11) },
  ];
  const info = machine();
  const runsByName = new Map<string, Runs>();
  const resultsByName = new Map<string, ScenarioResult>();
  for (const group of groups) {
    runInterleaved(group.scenarios, group.repetitions).forEach((runs, index) => {
      const scenario = group.scenarios[index]!;
      runsByName.set(scenario.name, runs);
      resultsByName.set(scenario.name, scenarioResult(scenario, runs));
    });
  }
  info.loadAfter = spawnSync('uptime', { encoding: 'utf8' }).stdout?.trim();

  const order = [
    'whole history (1x)',
    PARSER_ALONE_HISTORY,
    'one small file',
    NODE_ALONE,
    PARSER_ALONE_SMALL,
    '5 MB single file',
    'whole history (1x), warm --cache',
    'newest of 5,000 migrations, warm --cache',
    ADDED_MIGRATION,
    'history 2x',
    'history 4x',
  ];
  const results = order.map((name) => resultsByName.get(name)!);
  const at = (name: string): ScenarioResult => resultsByName.get(name)!;
  const grew = (tool: 'lockwise' | 'squawk', smaller: string, larger: string): number => growth(runsByName.get(larger)![tool], runsByName.get(smaller)![tool]);
  const scaling = {
    lockwise: { '2x/1x': grew('lockwise', 'whole history (1x)', 'history 2x'), '4x/2x': grew('lockwise', 'history 2x', 'history 4x') },
    squawk: { '2x/1x': grew('squawk', 'whole history (1x)', 'history 2x'), '4x/2x': grew('squawk', 'history 2x', 'history 4x') },
  };
  // The issue's targets are for the whole-history scenario; the table shows every scenario's peak.
  const peak = at('whole history (1x)').lockwise.maxRssMb;
  const targets = {
    wholeHistoryRatio: {
      target: '<= 1.0',
      value: at('whole history (1x)').ratio,
      met: at('whole history (1x)').ratio! <= 1.0,
      // The same ratio for the parser alone: what no change to lockwise's own code can go below.
      parserAloneRatio: Number((at(PARSER_ALONE_HISTORY).lockwise.medianMs / at('whole history (1x)').squawk!.medianMs).toFixed(2)),
    },
    smallFileMs: {
      target: '<= 120',
      value: at('one small file').lockwise.medianMs,
      met: at('one small file').lockwise.medianMs <= 120,
      nodeAloneMs: at(NODE_ALONE).lockwise.medianMs,
      parserAloneMs: at(PARSER_ALONE_SMALL).lockwise.medianMs,
    },
    peakMemoryMb: { target: '<= 300', value: peak, met: peak <= 300 },
    doublingHistory: { target: '<= 2.1', value: Math.max(scaling.lockwise['2x/1x'], scaling.lockwise['4x/2x']), met: Math.max(scaling.lockwise['2x/1x'], scaling.lockwise['4x/2x']) <= 2.1 },
  };
  const output = { date: new Date().toISOString(), quick, machine: info, scenarios: results, scaling, targets };
  writeFileSync(path.join(repo, 'bench', 'results.json'), `${JSON.stringify(output, null, 2)}\n`);
  process.stdout.write(`${markdownTable(output)}\n`);
}

main();
