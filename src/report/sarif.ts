import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { Diagnostic } from '../engine/diagnostic.js';
import type { LintResults } from '../engine/lint-sources.js';
import { findBuiltinCheck, findRule } from '../engine/registry.js';
import type { Severity } from '../engine/rule.js';
import type { ReportOptions } from './reporters.js';
import { fingerprintedFindings } from './fingerprints.js';
import { ruleDocsUrl } from './rule-docs.js';

const LEVELS: Record<Severity, Result.level> = { error: 'error', warning: 'warning', info: 'note' };
const SOURCE_ROOT = '%SRCROOT%';

/**
 * SARIF 2.1.0, one run, as GitHub code scanning ingests it: a rule descriptor per rule
 * that has findings, results with repository-relative locations, and fingerprints
 * made from the flagged text rather than its line (see fingerprintedFindings), so that
 * an edit elsewhere in the file does not turn a known finding into a new one.
 */
export function formatSarif(results: LintResults, options: ReportOptions): string {
  const findings = fingerprintedFindings(results);
  const ruleIds = [...new Set(findings.map(({ diagnostic }) => diagnostic.rule))].sort();
  const ruleIndex = new Map(ruleIds.map((id, index) => [id, index]));

  const log: Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'lockwise',
            version: options.toolVersion,
            semanticVersion: options.toolVersion,
            informationUri: options.homepage,
            rules: ruleIds.map((id) => descriptor(id, options)),
          },
        },
        originalUriBaseIds: { [SOURCE_ROOT]: { uri: directoryUri(options.cwd) } },
        columnKind: 'utf16CodeUnits',
        results: findings.map(({ diagnostic, fingerprint }) => result(diagnostic, ruleIndex.get(diagnostic.rule)!, fingerprint)),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function descriptor(id: string, options: ReportOptions): ReportingDescriptor {
  const check = findRule(id) ?? findBuiltinCheck(id);
  const docs = check?.meta.docs;
  const helpUri = ruleDocsUrl(options.homepage, id);
  return {
    id,
    name: id.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase()),
    shortDescription: { text: docs?.summary ?? id },
    fullDescription: { text: docs ? `${docs.summary} ${docs.why}` : id },
    help: { text: docs ? `${docs.instead} See ${helpUri}` : helpUri, markdown: docs ? `${docs.instead}\n\n[Rule documentation](${helpUri})` : helpUri },
    helpUri,
    defaultConfiguration: { level: LEVELS[check?.meta.severity ?? 'error'] },
  };
}

function result(diagnostic: Diagnostic, index: number, fingerprint: string): Result {
  const { start, end } = diagnostic.span;
  const sameLineEmpty = start.line === end.line && end.column <= start.column;
  const relative = !diagnostic.file.startsWith('/') && !diagnostic.file.startsWith('<');
  return {
    ruleId: diagnostic.rule,
    ruleIndex: index,
    level: LEVELS[diagnostic.severity],
    message: { text: diagnostic.help ? `${diagnostic.message}\n\n${diagnostic.help}` : diagnostic.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: relative ? { uri: encodeURI(diagnostic.file), uriBaseId: SOURCE_ROOT } : { uri: fileUri(diagnostic.file) },
          region: {
            startLine: start.line,
            startColumn: start.column,
            endLine: end.line,
            endColumn: sameLineEmpty ? start.column + 1 : end.column,
          },
        },
      },
    ],
    // v2: the message's wording no longer counts, only which message it is.
    partialFingerprints: { 'lockwiseFinding/v2': fingerprint },
  };
}

function directoryUri(directory: string): string {
  return fileUri(directory.endsWith('/') ? directory : `${directory}/`);
}

function fileUri(absolute: string): string {
  return `file://${encodeURI(absolute)}`;
}
