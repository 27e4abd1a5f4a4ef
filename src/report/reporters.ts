import type { LintResults } from '../engine/lint-sources.js';

export interface ReportOptions {
  color: boolean;
  toolVersion: string;
  /** Where relative paths in the results start. */
  cwd: string;
  /** lockwise's home page; rule documentation pages live below it. */
  homepage: string;
  /** Paths given that named no file (each said on stderr): the summary must not call the run clean. */
  pathsNamingNothing?: number;
}

export type Reporter = (results: LintResults, options: ReportOptions) => string;

/**
 * Every output format, by the name `--format` takes. Each is loaded when chosen: a run
 * writes one or two formats, and loading the others (colours, SARIF) costs start-up time.
 */
export const REPORTERS = {
  pretty: async () => (await import('./pretty.js')).formatPretty,
  json: async () => (await import('./json.js')).formatJson,
  sarif: async () => (await import('./sarif.js')).formatSarif,
  gcc: async () => (await import('./gcc.js')).formatGcc,
  gitlab: async () => (await import('./gitlab.js')).formatGitlab,
} as const satisfies Record<string, () => Promise<Reporter>>;

export type FormatName = keyof typeof REPORTERS;
