import type { LintResults } from '../engine/lint-sources.js';
import { formatJson } from './json.js';
import { formatPretty } from './pretty.js';

export interface ReportOptions {
  color: boolean;
  toolVersion: string;
}

export type Reporter = (results: LintResults, options: ReportOptions) => string;

/** Every output format, by the name `--format` takes. */
export const REPORTERS = {
  pretty: formatPretty,
  json: formatJson,
} as const satisfies Record<string, Reporter>;

export type FormatName = keyof typeof REPORTERS;
