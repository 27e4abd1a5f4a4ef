import { ConfigError } from '../engine/config-parse.js';
import { GitError } from '../history/git.js';
import { UsageError } from './lint-command.js';
import { PlanError } from './plan.js';
import { DatabaseError, ServerStartError } from '../trace/errors.js';

/** A problem with what the user asked for (flags, configuration, refs, the database to trace on), told in one line rather than as an internal error. */
export function isUserError(error: unknown): error is Error {
  return error instanceof ConfigError || error instanceof UsageError || error instanceof PlanError || error instanceof GitError || error instanceof DatabaseError || error instanceof ServerStartError;
}
