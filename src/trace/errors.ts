/** The server to trace on could not be reached, or refused what lockwise needs (a scratch database). */
export class DatabaseError extends Error {}

/** The embedded PostgreSQL did not start. */
export class ServerStartError extends Error {}
