import type { LintResults } from '../engine/lint-sources.js';
import { formatJson } from './json.js';
import { formatPretty } from './pretty.js';
import { formatSarif } from './sarif.js';
import { formatGcc } from './gcc.js';
import { formatGitlab } from './gitlab.js';

export interface ReportOptions {
  color: boolean;
  toolVersion: string;
  /** Where relative paths in the results start. */
  cwd: string;
  /** lockwise's home page; rule documentation pages live below it. */
  homepage: string;
}

export type Reporter = (results: LintResults, options: ReportOptions) => string;

/** Every output format, by the name `--format` takes. */
export const REPORTERS = {
  pretty: formatPretty,
  json: formatJson,
  sarif: formatSarif,
  gcc: formatGcc,
  gitlab: formatGitlab,
} as const satisfies Record<string, Reporter>;

export type FormatName = keyof typeof REPORTERS;
