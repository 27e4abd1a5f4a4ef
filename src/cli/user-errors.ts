import { ConfigError } from '../engine/config-error.js';
import { GitError } from '../history/git.js';
import { DatabaseError, ServerStartError } from '../trace/errors.js';

/** Bad flags or arguments. */
export class UsageError extends Error {}

/** What to lint cannot be worked out (e.g. --since outside a git repository). */
export class PlanError extends Error {}

/** A problem with what the user asked for (flags, configuration, refs, the database to trace on), told in one line rather than as an internal error. */
export function isUserError(error: unknown): error is Error {
  return error instanceof ConfigError || error instanceof UsageError || error instanceof PlanError || error instanceof GitError || error instanceof DatabaseError || error instanceof ServerStartError;
}
