#!/usr/bin/env node
import './baseline-compiler.js';
import { Command, CommanderError, Option } from 'commander';
import { isUserError } from './user-errors.js';
import { toolVersion } from './version.js';
import { REPORTERS } from '../report/reporters.js';
import { DEFAULT_ROWS } from './trace-defaults.js';
import { EXIT_INTERNAL_ERROR, EXIT_USAGE_ERROR } from './exit-codes.js';

const collect = (value: string, previous: string[]): string[] => [...previous, ...value.split(',').map((part) => part.trim()).filter(Boolean)];

function buildProgram(): Command {
  const program = new Command('lockwise')
    .description('Lint PostgreSQL migrations for locks, table rewrites and changes that break a rolling deploy.')
    .version(toolVersion(), '-v, --version')
    .exitOverride()
    .showHelpAfterError('(run "lockwise --help" for usage)');

  program
    .command('lint')
    .description('lint migration files, directories (every *.sql below them) and globs; "-" or piped input reads stdin')
    .argument('[paths...]', 'files, directories or glob patterns')
    .addOption(new Option('-f, --format <format>', 'output format').choices([...Object.keys(REPORTERS), 'github']).default('pretty'))
    .option('--no-github-annotations', 'do not add GitHub annotations to the output when running in GitHub Actions')
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('-c, --config <file>', 'configuration file (default: the nearest lockwise.json upwards)')
    .option('--pg-version <major>', 'PostgreSQL major version the migrations run on (default: 15)')
    .option('--assume-in-transaction', 'the migration tool wraps each file in a transaction')
    .option('--rule <id[=severity]>', 'enable a rule, or set its severity (error, warning, info, off); repeatable', collect, [])
    .option('--disable <id>', 'turn a rule off; repeatable', collect, [])
    .option('--max-warnings <count>', 'exit with 1 when there are more warnings than this')
    .option('--stdin-filename <path>', 'the file name to report for stdin input; its folder\'s earlier migrations are its history')
    .option('--since <git-ref>', 'report only migrations added or changed since this commit; earlier ones are replayed as history')
    .option('--cache', 'reuse the findings of migrations unchanged since the last run, and the schema their history built')
    .option('--cache-location <file>', 'the cache file (default: .lockwisecache in the working directory)')
    .option('--verbose', 'say which framework each folder uses, which files are not part of a history, and what was not parsed')
    .option('--no-color', 'no colours in pretty output')
    .action(async (paths: string[], options) => {
      // Each command loads its modules when it runs: start-up time is what an editor or a pre-commit hook waits for.
      const { runLint } = await import('./lint-command.js');
      process.exitCode = await runLint(paths, options, { cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
    });

  program
    .command('trace')
    .description('run the migrations on a real PostgreSQL (embedded, or --database-url) and compare what each statement locks and rewrites with the lock table')
    .argument('[paths...]', 'files, directories or glob patterns, as for lint; "-" (or --stdin-filename with no paths) reads stdin')
    .addOption(new Option('-f, --format <format>', 'output format').choices([...Object.keys(REPORTERS), 'github']).default('pretty'))
    .option('--no-github-annotations', 'do not add GitHub annotations to the output when running in GitHub Actions')
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('-c, --config <file>', 'configuration file (default: the nearest lockwise.json upwards)')
    .option('--pg-version <major>', 'the PostgreSQL version you expect; the locks are always compared with the lock table for the server\'s own version, and a difference is said on stderr')
    .option('--assume-in-transaction', 'the migration tool wraps each file in a transaction')
    .option('--since <git-ref>', 'trace and report only migrations added or changed since this commit; earlier ones still run first, as history')
    .option('--stdin-filename <path>', 'the file name to report for stdin input; its folder\'s earlier migrations run first, as its history')
    .option('--rows <count>', 'rows generated into each table the history creates, so that scans and rewrites are real', String(DEFAULT_ROWS))
    .option('--contention', 'also run each statement that locks an existing table while another transaction has read it, and report whether readers queue behind it')
    .option('--database-url <url>', 'use this server instead of the embedded one: lockwise works in a scratch database it creates there and drops at the end')
    .option('--verbose', 'say which framework each folder uses and which files are not part of a history')
    .option('--no-color', 'no colours in pretty output')
    .action(async (paths: string[], options) => {
      // Loaded on demand: only trace needs the PostgreSQL client and server.
      const { runTrace } = await import('./trace-command.js');
      process.exitCode = await runTrace(paths, options, { cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
    });

  program
    .command('rules')
    .description('list every rule with its default severity, whether the default configuration turns it on, and its summary')
    .action(async () => {
      const { runRules } = await import('./rules-command.js');
      process.stdout.write(runRules());
    });

  program
    .command('explain')
    .description('print the documentation of a rule')
    .argument('<rule>', 'rule id, e.g. require-lock-timeout')
    .action(async (id: string) => {
      const { runExplain } = await import('./explain-command.js');
      process.stdout.write(runExplain(id));
    });

  program
    .command('lsp')
    .description('run the language server for editors, speaking LSP on stdin and stdout')
    .option('--stdio', 'use stdin and stdout (the only transport; accepted because editors pass it)')
    .action(async () => {
      // Loaded on demand: linting from the command line never needs the protocol library.
      const { runLanguageServer } = await import('./lsp-command.js');
      runLanguageServer();
    });

  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE_ERROR;
      return;
    }
    if (isUserError(error)) {
      process.stderr.write(`lockwise: ${error.message}\n`);
      process.exitCode = EXIT_USAGE_ERROR;
      return;
    }
    const detail = process.env.LOCKWISE_DEBUG ? `\n${(error as Error).stack}` : ' (set LOCKWISE_DEBUG=1 for details)';
    process.stderr.write(`lockwise: internal error: ${(error as Error).message}${detail}\n`);
    process.exitCode = EXIT_INTERNAL_ERROR;
  }
}

await main();
