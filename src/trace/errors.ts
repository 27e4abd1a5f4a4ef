/** The server to trace on could not be reached, or refused what lockwise needs (a scratch database). */
export class DatabaseError extends Error {}

/** The embedded PostgreSQL did not start. */
export class ServerStartError extends Error {}

/** An error from the pg client: a server error carries PostgreSQL's SQLSTATE code. */
export type PgError = Error & { code?: string };
