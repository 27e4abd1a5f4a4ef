import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import {
  CodeActionKind,
  createConnection,
  DiagnosticSeverity,
  DidChangeWatchedFilesNotification,
  TextDocuments,
  TextDocumentSyncKind,
  type CodeAction,
  type Connection,
  type Diagnostic as LspDiagnostic,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DEFAULT_CONFIG, mergeConfig } from '../engine/config.js';
import { ConfigError } from '../engine/config-error.js';
import { cacheSeed, findingsDependOnDates, LintCache, type LintCacheData } from '../engine/lint-cache.js';
import { lintHistories, lintInputs, type FileResult } from '../engine/lint-sources.js';
import { DIAGNOSTIC_SOURCE, toLspDiagnostic } from '../lsp/diagnostics.js';
import { suppressionFixes, type SuppressionFix } from '../lsp/suppression-fixes.js';
import { CONFIG_FILE_NAME, loadConfig } from './config-file.js';
import { excludeMatcher } from './inputs.js';
import { MigrationFiles, type FileFactsData } from './migration-files.js';
import { planLint } from './plan.js';
import { toolBuild, toolHomepage, toolVersion } from './version.js';

interface PublishedDiagnostic {
  diagnostic: LspDiagnostic;
  fixes: SuppressionFix[];
}

/** What was last published for an open document, kept to answer code action requests. */
interface Published {
  document: TextDocument;
  version: number;
  diagnostics: PublishedDiagnostic[];
}

/**
 * `lockwise lint --stdin-filename` for editors, over the Language Server Protocol on
 * stdin and stdout: an open `.sql` document is linted as it is typed, its unsaved text
 * standing for the file on disk, with its folder's earlier migrations as its history and
 * the nearest lockwise.json as its configuration.
 */
export function runLanguageServer(): void {
  const connection = createConnection(process.stdin, process.stdout);
  keepStdoutForTheProtocol(connection);
  const documents = new TextDocuments(TextDocument);
  const published = new Map<string, Published>();
  const homepage = toolHomepage();
  let workspaceRoot: string | undefined;
  let watchConfigFiles = false;

  const logError = (what: string, error: unknown): void => {
    connection.console.error(`lockwise: ${what}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  };
  // The safety net for a promise nobody awaits: the server logs and keeps serving.
  process.on('unhandledRejection', (reason) => logError('internal error', reason));

  const editorCache = new EditorCache();
  const diagnosticsOf = async (document: TextDocument): Promise<PublishedDiagnostic[]> => {
    try {
      const file = await lintDocument(document, workspaceRoot, editorCache);
      return (file?.diagnostics ?? []).map((diagnostic) => ({
        diagnostic: toLspDiagnostic(diagnostic, homepage),
        fixes: file?.source ? suppressionFixes(diagnostic, file.source) : [],
      }));
    } catch (error) {
      if (error instanceof ConfigError) return [{ diagnostic: configErrorDiagnostic(error), fixes: [] }];
      throw error;
    }
  };

  const lintAndPublish = async (document: TextDocument): Promise<void> => {
    const { uri, version } = document;
    try {
      const diagnostics = await diagnosticsOf(document);
      // A newer version is linted next; this result must not replace its diagnostics.
      if (documents.get(uri) !== document || document.version !== version) return;
      published.set(uri, { document, version, diagnostics });
      await connection.sendDiagnostics({ uri, version, diagnostics: diagnostics.map((entry) => entry.diagnostic) });
    } catch (error) {
      logError(`linting ${uri} failed`, error);
    }
  };

  const scheduler = new LintScheduler(async (uri) => {
    const document = documents.get(uri);
    if (document && isSqlDocument(document)) await lintAndPublish(document);
  });
  const relintOpenDocuments = (): void => {
    for (const document of documents.all()) scheduler.schedule(document.uri);
  };

  connection.onInitialize((params): InitializeResult => {
    const root = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
    workspaceRoot = root ? fileSystemPath(root) : undefined;
    watchConfigFiles = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      },
      serverInfo: { name: 'lockwise', version: toolVersion() },
    };
  });
  connection.onInitialized(() => {
    if (!watchConfigFiles) return;
    connection.client
      .register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: `**/${CONFIG_FILE_NAME}` }] })
      .catch((error: unknown) => logError(`cannot watch ${CONFIG_FILE_NAME} files`, error));
  });

  documents.onDidChangeContent(({ document }) => scheduler.schedule(document.uri));
  // A saved migration is history for the ones after it, and a saved lockwise.json configures them all.
  documents.onDidSave(relintOpenDocuments);
  connection.onDidChangeWatchedFiles(relintOpenDocuments);
  documents.onDidClose(({ document }) => {
    published.delete(document.uri);
    connection.sendDiagnostics({ uri: document.uri, diagnostics: [] }).catch((error: unknown) => logError(`clearing ${document.uri} failed`, error));
  });

  connection.onCodeAction(({ textDocument, context }): CodeAction[] => {
    const document = documents.get(textDocument.uri);
    const last = published.get(textDocument.uri);
    if (!document || !last || last.document !== document || last.version !== document.version) return [];
    if (context.only && !context.only.some((kind) => kind === CodeActionKind.QuickFix || CodeActionKind.QuickFix.startsWith(`${kind}.`))) return [];
    const actions: CodeAction[] = [];
    const offered = new Set<string>();
    for (const requested of context.diagnostics) {
      if (requested.source !== DIAGNOSTIC_SOURCE) continue;
      const entry = last.diagnostics.find(({ diagnostic }) => sameDiagnostic(diagnostic, requested));
      for (const fix of entry?.fixes ?? []) {
        // Two findings of one rule on one statement share a comment.
        const key = JSON.stringify(fix.edit);
        if (offered.has(key)) continue;
        offered.add(key);
        actions.push({ title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [requested], edit: { changes: { [document.uri]: [fix.edit] } } });
      }
    }
    return actions;
  });

  documents.listen(connection);
  connection.listen();
}

/** Lints a document's text; undefined when lockwise.json excludes the file. */
async function lintDocument(document: TextDocument, workspaceRoot: string | undefined, editorCache: EditorCache): Promise<FileResult | undefined> {
  const text = document.getText();
  const filePath = fileSystemPath(document.uri);
  if (filePath === undefined) {
    // An unsaved buffer belongs to no migration folder: linted on its own, configured from the workspace.
    const loaded = await loadConfig(workspaceRoot ?? process.cwd(), undefined);
    const results = await lintInputs([{ path: document.uri, text }], mergeConfig(DEFAULT_CONFIG, loaded.config));
    return results.files[0];
  }
  const folder = path.dirname(filePath);
  const loaded = await loadConfig(folder, undefined);
  const config = mergeConfig(DEFAULT_CONFIG, loaded.config);
  if (excludeMatcher({ cwd: folder, exclude: config.exclude, excludeBase: loaded.baseDir })(filePath)) return undefined;
  const cache = findingsDependOnDates(config) ? undefined : editorCache.begin(folder, cacheSeed(config, toolBuild()));
  const plan = await planLint({ cwd: folder, config, files: [], explicit: new Set(), stdin: { path: filePath, text }, ...(cache ? { reader: cache.files } : {}) });
  const results = await lintHistories(plan.histories, config, plan.dates, cache?.lint);
  if (cache) editorCache.end(folder, cache);
  return results.files.find((file) => file.path === filePath);
}

/**
 * What the last lint in a folder learnt, for the next, as `--cache` keeps it in a file: the findings of migrations that
 * have not changed; the schema before the file linted, so that typing in the newest of thousands of migrations does not
 * replay them all again; and what each file's stamp says of its text, so that files that kept theirs are not read again.
 * Kept in memory for the folders linted last, each under its configuration and lockwise's version.
 */
class EditorCache {
  private static readonly FOLDERS = 8;
  private readonly kept = new Map<string, { seed: string; lint: LintCacheData; files: FileFactsData }>();

  begin(folder: string, seed: string): { lint: LintCache; files: MigrationFiles } {
    const earlier = this.kept.get(folder);
    const usable = earlier?.seed === seed ? earlier : undefined;
    return {
      lint: new LintCache(seed, usable?.lint ?? {}, 'before the linted'),
      files: new MigrationFiles({ learning: true, ...(usable ? { earlier: usable.files } : {}) }),
    };
  }

  end(folder: string, { lint, files }: { lint: LintCache; files: MigrationFiles }): void {
    const { results, chains, states } = lint.next;
    // Copied out of the run's view of them, which reads through to the run before: otherwise each run would hold on to every earlier one.
    const kept = new Map<string, Buffer>();
    for (const key of states.keys()) kept.set(key, states.get(key)!);
    this.kept.delete(folder);
    this.kept.set(folder, { seed: lint.seed, lint: { results, chains, states: kept }, files: files.next });
    if (this.kept.size > EditorCache.FOLDERS) this.kept.delete(this.kept.keys().next().value!);
  }
}

/**
 * Runs one lint at a time per document; changes that arrive meanwhile are folded
 * into one more run, so fast typing never queues a lint per keystroke.
 */
class LintScheduler {
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();

  constructor(private readonly lint: (uri: string) => Promise<void>) {}

  schedule(uri: string): void {
    if (this.running.has(uri)) {
      this.again.add(uri);
      return;
    }
    this.running.add(uri);
    void this.run(uri);
  }

  private async run(uri: string): Promise<void> {
    try {
      do {
        this.again.delete(uri);
        await this.lint(uri);
      } while (this.again.has(uri));
    } finally {
      this.running.delete(uri);
    }
  }
}

/** `.sql` files, and unsaved buffers the editor calls SQL. */
function isSqlDocument(document: TextDocument): boolean {
  return /\.sql$/i.test(document.uri) || /sql/i.test(document.languageId);
}

function fileSystemPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

function configErrorDiagnostic(error: ConfigError): LspDiagnostic {
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: DiagnosticSeverity.Error,
    source: DIAGNOSTIC_SOURCE,
    message: `${error.message}\n\nNo rule ran: fix the configuration.`,
  };
}

function sameDiagnostic(a: LspDiagnostic, b: LspDiagnostic): boolean {
  return (
    a.code === b.code &&
    a.message === b.message &&
    a.range.start.line === b.range.start.line &&
    a.range.start.character === b.range.start.character &&
    a.range.end.line === b.range.end.line &&
    a.range.end.character === b.range.end.character
  );
}

/** stdout carries the protocol: whatever a dependency logs goes to the client's log instead. */
function keepStdoutForTheProtocol(connection: Connection): void {
  console.log = console.info = console.debug = (...args: unknown[]) => connection.console.log(format(...args));
  console.warn = (...args: unknown[]) => connection.console.warn(format(...args));
  console.error = (...args: unknown[]) => connection.console.error(format(...args));
}
