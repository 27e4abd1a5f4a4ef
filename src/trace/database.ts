import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { ClientConfig } from 'pg';
import { registerCleanup } from './cleanup.js';
import { startEmbeddedServer } from './embedded-server.js';
import { DatabaseError } from './errors.js';

/** Every connection lockwise opens gives up rather than hang. */
const CONNECT_TIMEOUT_MS = 10_000;

/** A database lockwise may do anything in, and drops (or stops the server of) when done. */
export interface TraceDatabase {
  connection: ClientConfig;
  /** The server's major version, e.g. 18. */
  serverVersion: number;
  /** "embedded PostgreSQL 18.4", "scratch database lockwise_trace_… on db.example:5432". */
  description: string;
  close(): Promise<void>;
}

export async function connect(config: ClientConfig): Promise<pg.Client> {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'lockwise trace' });
  // A connection that breaks (a server stopped under it) fails its next query; the event itself must not crash the process.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function serverVersion(client: pg.Client): Promise<{ major: number; text: string }> {
  const { rows } = await client.query<{ num: string; text: string }>("SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS text");
  return { major: Math.floor(Number(rows[0]!.num) / 10000), text: rows[0]!.text };
}

/**
 * With a URL: a scratch database on that server, with a name no one else uses, dropped at
 * the end; no other database is touched. Without: a throwaway embedded server.
 */
export async function openTraceDatabase(databaseUrl?: string): Promise<TraceDatabase> {
  if (databaseUrl === undefined) {
    const server = await startEmbeddedServer();
    try {
      const scratch = await createScratchDatabase(server.connection);
      return {
        ...scratch,
        description: `embedded PostgreSQL ${scratch.versionText}`,
        close: async () => {
          await scratch.close();
          await server.stop();
        },
      };
    } catch (error) {
      await server.stop();
      throw error;
    }
  }
  let config: ClientConfig;
  try {
    config = { connectionString: databaseUrl };
    new URL(databaseUrl);
  } catch {
    throw new DatabaseError(`--database-url: not a URL (expected postgresql://user:password@host:port/database)`);
  }
  const scratch = await createScratchDatabase(config);
  const where = new URL(databaseUrl);
  return { ...scratch, description: `scratch database ${scratch.name} on ${where.hostname}${where.port ? `:${where.port}` : ''}, PostgreSQL ${scratch.versionText}` };
}

async function createScratchDatabase(maintenance: ClientConfig): Promise<Omit<TraceDatabase, 'description'> & { name: string; versionText: string }> {
  let admin: pg.Client;
  try {
    admin = await connect(maintenance);
  } catch (error) {
    throw new DatabaseError(`could not connect to PostgreSQL: ${(error as Error).message}`);
  }
  try {
    const version = await serverVersion(admin);
    const name = `lockwise_trace_${process.pid}_${randomBytes(4).toString('hex')}`;
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`);
    } catch (error) {
      throw new DatabaseError(`could not create a scratch database: ${(error as Error).message}`);
    }
    const drop = registerCleanup(async () => {
      try {
        await admin.query(version.major >= 13 ? `DROP DATABASE IF EXISTS ${name} WITH (FORCE)` : `DROP DATABASE IF EXISTS ${name}`);
      } finally {
        await admin.end().catch(() => undefined);
      }
    });
    const { connectionString, ...rest } = maintenance;
    const connection: ClientConfig = connectionString ? { connectionString: withDatabase(connectionString, name) } : { ...rest, database: name };
    return { connection, serverVersion: version.major, versionText: version.text, name, close: drop };
  } catch (error) {
    await admin.end().catch(() => undefined);
    throw error;
  }
}

function withDatabase(connectionString: string, database: string): string {
  const url = new URL(connectionString);
  url.pathname = `/${database}`;
  return url.toString();
}
