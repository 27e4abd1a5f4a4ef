import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CodeActionKind,
  CodeActionRequest,
  createProtocolConnection,
  DiagnosticSeverity,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidCloseTextDocumentNotification,
  FileChangeType,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  TextDocumentSyncKind,
  type ClientCapabilities,
  type CodeAction,
  type Diagnostic,
  type InitializeResult,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Range,
} from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CLI, runCli, tempProject } from './helpers/cli.js';

const WAIT_MS = 20_000;

const CREATE_USERS = 'CREATE TABLE users (id int PRIMARY KEY, email text, name varchar(50));\n';
/** Only the history says what users.id was: the message names integer, and widening name is known to be safe. */
const WIDEN_ID = "SET lock_timeout = '2s';\nALTER TABLE users ALTER COLUMN id TYPE bigint;\n";
const WIDEN_NAME = "SET lock_timeout = '2s';\nALTER TABLE users ALTER COLUMN name TYPE varchar(100);\n";

class TestClient {
  readonly connection: ProtocolConnection;
  private readonly published: PublishDiagnosticsParams[] = [];
  private readonly listeners = new Set<() => void>();
  readonly exited: Promise<number | null>;
  stderr = '';

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    this.connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    this.connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      this.published.push(params);
      for (const listener of this.listeners) listener();
    });
    child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    this.connection.listen();
  }

  async initialize(rootDir?: string, capabilities: ClientCapabilities = {}): Promise<InitializeResult> {
    const result = await within(
      this.connection.sendRequest(InitializeRequest.type, {
        processId: process.pid,
        rootUri: rootDir ? pathToFileURL(rootDir).href : null,
        capabilities,
        workspaceFolders: null,
      }),
      'initialize',
    );
    await this.connection.sendNotification(InitializedNotification.type, {});
    return result;
  }

  /** The versions published for `uri`, in order. */
  versionsOf(uri: string): Array<number | undefined> {
    return this.published.filter((params) => params.uri === uri).map((params) => params.version);
  }

  /** How many publications arrived so far, to wait for one after it. */
  get mark(): number {
    return this.published.length;
  }

  /** The first publication for `uri` after `from` that matches, waiting for it if needed. */
  waitForDiagnostics(uri: string, matches: (params: PublishDiagnosticsParams) => boolean, from = 0): Promise<Diagnostic[]> {
    return within(
      new Promise<Diagnostic[]>((resolve) => {
        const check = (): void => {
          const found = this.published.slice(from).find((params) => params.uri === uri && matches(params));
          if (!found) return;
          this.listeners.delete(check);
          resolve(found.diagnostics);
        };
        this.listeners.add(check);
        check();
      }),
      `diagnostics for ${uri}`,
    );
  }

  async open(uri: string, text: string, version = 1): Promise<Diagnostic[]> {
    const diagnostics = this.waitForDiagnostics(uri, (params) => params.version === version);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'sql', version, text } });
    return diagnostics;
  }

  async change(uri: string, text: string, version: number): Promise<Diagnostic[]> {
    const diagnostics = this.waitForDiagnostics(uri, (params) => params.version === version);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
    return diagnostics;
  }

  codeActions(uri: string, diagnostics: Diagnostic[]): Promise<CodeAction[]> {
    const range = diagnostics[0]!.range;
    return within(
      this.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics, only: [CodeActionKind.QuickFix] } }),
      'code actions',
    ) as Promise<CodeAction[]>;
  }
}

let running: TestClient | undefined;

function startServer(): TestClient {
  const child = spawn(process.execPath, [CLI, 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  running = new TestClient(child);
  return running;
}

/** A server whose workspace is a temporary project holding `files`, and the URI of `file` in it. */
async function serveProject(files: Record<string, string>, file: string): Promise<{ client: TestClient; dir: string; uri: string }> {
  const dir = tempProject(files);
  const client = startServer();
  await client.initialize(dir);
  return { client, dir, uri: fileUri(dir, file) };
}

afterEach(() => {
  running?.connection.dispose();
  running?.child.kill();
  running = undefined;
});

function within<T>(promise: PromiseLike<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}${running?.stderr ? `; server stderr: ${running.stderr}` : ''}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function fileUri(dir: string, file: string): string {
  return pathToFileURL(path.join(dir, file)).href;
}

function range(startLine: number, startCharacter: number, endLine: number, endCharacter: number): Range {
  return { start: { line: startLine, character: startCharacter }, end: { line: endLine, character: endCharacter } };
}

/** What `lockwise lint --stdin-filename` reports for the same text, in LSP's 0-based terms. */
function cliFindings(dir: string, file: string, text: string): Array<{ code: string; range: Range }> {
  const run = runCli(['lint', '--format', 'json', '--stdin-filename', file], { cwd: dir, input: text });
  const output = JSON.parse(run.stdout) as { diagnostics: Array<{ rule: string; line: number; column: number; endLine: number; endColumn: number }> };
  return output.diagnostics.map((d) => ({ code: d.rule, range: range(d.line - 1, d.column - 1, d.endLine - 1, d.endColumn - 1) }));
}

function applyAction(text: string, uri: string, action: CodeAction): string {
  const edits = action.edit?.changes?.[uri] ?? [];
  return TextDocument.applyEdits(TextDocument.create(uri, 'sql', 0, text), edits);
}

describe('lockwise lsp', () => {
  it('advertises incremental sync, save notifications and quick fixes', async () => {
    const client = startServer();
    const { capabilities, serverInfo } = await client.initialize();
    expect(serverInfo?.name).toBe('lockwise');
    expect(capabilities.textDocumentSync).toMatchObject({ openClose: true, change: TextDocumentSyncKind.Incremental, save: {} });
    expect(capabilities.codeActionProvider).toEqual({ codeActionKinds: [CodeActionKind.QuickFix] });
  });

  it('lints an opened migration against its folder\'s history, as the CLI does, and clears fixed findings', async () => {
    const { client, dir, uri } = await serveProject({ 'migrations/001_users.sql': CREATE_USERS, 'migrations/002_widen.sql': '' }, 'migrations/002_widen.sql');

    const diagnostics = await client.open(uri, WIDEN_ID);
    expect(diagnostics.map(({ code, range }) => ({ code, range }))).toEqual(cliFindings(dir, 'migrations/002_widen.sql', WIDEN_ID));
    expect(diagnostics).toHaveLength(1);
    const [finding] = diagnostics;
    expect(finding).toMatchObject({
      code: 'no-rewriting-type-change',
      range: range(1, 39, 1, 45),
      severity: DiagnosticSeverity.Error,
      source: 'lockwise',
      codeDescription: { href: 'https://github.com/lockwise/lockwise/blob/main/docs/rules/no-rewriting-type-change.md' },
    });
    expect(finding!.message).toContain('from integer to bigint');
    expect(finding!.message).toContain('\n\nReplace the column instead');

    expect(await client.change(uri, WIDEN_NAME, 2)).toEqual([]);
  });

  it('keeps what it learnt between edits, and sees an earlier migration changed on disk', async () => {
    const { client, dir, uri } = await serveProject({ 'migrations/001_users.sql': CREATE_USERS, 'migrations/002_widen.sql': '' }, 'migrations/002_widen.sql');
    expect((await client.open(uri, WIDEN_ID)).map((d) => d.code)).toEqual(['no-rewriting-type-change']);
    expect((await client.change(uri, `${WIDEN_ID}-- typing\n`, 2)).map((d) => d.code)).toEqual(['no-rewriting-type-change']);
    // users.id is bigint already in the history as it now stands: widening it to bigint rewrites nothing.
    writeFileSync(path.join(dir, 'migrations/001_users.sql'), CREATE_USERS.replace('id int', 'id bigint'));
    expect(await client.change(uri, `${WIDEN_ID}-- typing on\n`, 3)).toEqual([]);
    writeFileSync(path.join(dir, 'migrations/001_users.sql'), CREATE_USERS);
    expect((await client.change(uri, WIDEN_ID, 4)).map((d) => d.code)).toEqual(['no-rewriting-type-change']);
  });

  it('counts characters in UTF-16 code units after non-ASCII text', async () => {
    const line = "SET lock_timeout = '2s'; SELECT 'café 😀'; CREATE INDEX users_email_idx ON users (email);";
    const { client, dir, uri } = await serveProject({ 'migrations/001_users.sql': CREATE_USERS }, 'migrations/002_index.sql');

    const diagnostics = await client.open(uri, `-- naïve\n${line}\n`);
    const start = line.indexOf('CREATE INDEX');
    expect(diagnostics.map(({ code, range }) => ({ code, range }))).toEqual([{ code: 'require-concurrent-index', range: range(1, start, 1, line.lastIndexOf(';')) }]);
    expect(diagnostics.map(({ code, range }) => ({ code, range }))).toEqual(cliFindings(dir, 'migrations/002_index.sql', `-- naïve\n${line}\n`));
  });

  it('reports a syntax error once, at its token, and keeps serving', async () => {
    const { client, uri } = await serveProject({}, 'broken.sql');

    const diagnostics = await client.open(uri, "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN ;\n");
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'syntax-error', range: range(1, 29, 1, 30), severity: DiagnosticSeverity.Error });
    expect(diagnostics[0]!.message).toMatch(/syntax error/);
    expect(await client.codeActions(uri, diagnostics)).toEqual([]);

    const fixed = await client.change(uri, "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;\n", 2);
    expect(fixed).toEqual([]);
  });

  it('offers a quick fix whose lockwise-ignore comment removes the finding and is itself valid', async () => {
    const text = "SET lock_timeout = '2s';\nSELECT 1;\n  CREATE INDEX users_email_idx ON users (email);\n";
    const { client, uri } = await serveProject({ 'migrations/001_users.sql': CREATE_USERS }, 'migrations/002_index.sql');

    const diagnostics = await client.open(uri, text);
    expect(diagnostics.map((d) => d.code)).toEqual(['require-concurrent-index']);
    const actions = await client.codeActions(uri, diagnostics);
    expect(actions.map((action) => [action.title, action.kind])).toEqual([
      ['Ignore require-concurrent-index for this statement', CodeActionKind.QuickFix],
      ['Ignore require-concurrent-index in this file', CodeActionKind.QuickFix],
    ]);
    expect(actions[0]!.diagnostics).toEqual(diagnostics);

    const suppressed = applyAction(text, uri, actions[0]!);
    expect(suppressed).toBe(
      "SET lock_timeout = '2s';\nSELECT 1;\n  -- lockwise-ignore require-concurrent-index -- <why this is safe here>\n  CREATE INDEX users_email_idx ON users (email);\n",
    );
    expect(await client.change(uri, suppressed, 2)).toEqual([]);

    const fileWide = applyAction(text, uri, actions[1]!);
    expect(fileWide.startsWith('-- lockwise-ignore-file require-concurrent-index -- <why this is safe here>\n')).toBe(true);
    expect(await client.change(uri, fileWide, 3)).toEqual([]);
  });

  it('puts the statement fix for a statement a DO block runs before the block', async () => {
    const text = "SET lock_timeout = '2s';\nDO $$\nBEGIN\n  CREATE INDEX users_email_idx ON users (email);\nEND\n$$;\n";
    const { client, uri } = await serveProject({ 'migrations/001_users.sql': CREATE_USERS }, 'migrations/002_index.sql');

    const diagnostics = await client.open(uri, text);
    expect(diagnostics.map((d) => [d.code, d.range.start.line])).toEqual([['require-concurrent-index', 3]]);
    const actions = await client.codeActions(uri, diagnostics);
    expect(actions.map((action) => action.title)).toEqual(['Ignore require-concurrent-index for this statement', 'Ignore require-concurrent-index in this file']);
    const suppressed = applyAction(text, uri, actions[0]!);
    expect(suppressed).toBe("SET lock_timeout = '2s';\n-- lockwise-ignore require-concurrent-index -- <why this is safe here>\nDO $$\nBEGIN\n  CREATE INDEX users_email_idx ON users (email);\nEND\n$$;\n");
    expect(await client.change(uri, suppressed, 2)).toEqual([]);
  });

  it('never lets the result of an older version replace a newer one', async () => {
    const { client, uri } = await serveProject({ 'migrations/001_users.sql': CREATE_USERS, 'migrations/002_widen.sql': '' }, 'migrations/002_widen.sql');
    await client.open(uri, WIDEN_ID);

    const latest = client.waitForDiagnostics(uri, (params) => params.version === 4);
    for (const [version, text] of [[2, WIDEN_NAME], [3, WIDEN_ID], [4, WIDEN_NAME]] as const) {
      await client.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
    }
    expect(await latest).toEqual([]);
    const versions = client.versionsOf(uri);
    expect(versions.at(-1)).toBe(4);
    expect(versions).toEqual([...versions].sort((a, b) => a! - b!));
  });

  it('puts the comment on a line of its own when another statement ends on the flagged statement\'s line', async () => {
    const text = "SET lock_timeout = '2s';  CREATE INDEX users_email_idx ON users (email);\r\n";
    const { client, uri } = await serveProject({ 'migrations/001_users.sql': CREATE_USERS }, 'migrations/002_index.sql');

    const diagnostics = await client.open(uri, text);
    const [statementFix] = await client.codeActions(uri, diagnostics);
    const suppressed = applyAction(text, uri, statementFix!);
    expect(suppressed).toBe("SET lock_timeout = '2s';\r\n-- lockwise-ignore require-concurrent-index -- <why this is safe here>\r\nCREATE INDEX users_email_idx ON users (email);\r\n");
    expect(await client.change(uri, suppressed, 2)).toEqual([]);
  });

  it('turns a broken lockwise.json into one diagnostic and recovers when it is fixed', async () => {
    const dir = tempProject({ 'lockwise.json': '{ "pgVersion": "fifteen" }', 'migrations/001_users.sql': CREATE_USERS, 'migrations/002_widen.sql': '' });
    const uri = fileUri(dir, 'migrations/002_widen.sql');
    const client = startServer();
    const registered = new Promise<unknown>((resolve) => client.connection.onRequest(RegistrationRequest.type, (params) => resolve(params.registrations)));
    await client.initialize(dir, { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } } });
    expect(await within(registered, 'the lockwise.json watcher')).toEqual([
      expect.objectContaining({ method: DidChangeWatchedFilesNotification.method, registerOptions: { watchers: [{ globPattern: '**/lockwise.json' }] } }),
    ]);

    const diagnostics = await client.open(uri, WIDEN_ID);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: DiagnosticSeverity.Error, source: 'lockwise', range: range(0, 0, 0, 0) });
    expect(diagnostics[0]!.message).toContain('lockwise.json');

    writeFileSync(path.join(dir, 'lockwise.json'), '{ "pgVersion": 16 }');
    const relinted = client.waitForDiagnostics(uri, () => true, client.mark);
    await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: fileUri(dir, 'lockwise.json'), type: FileChangeType.Changed }] });
    expect((await relinted).map((d) => d.code)).toEqual(['no-rewriting-type-change']);
  });

  it('leaves the files lockwise.json excludes alone', async () => {
    const { client, uri } = await serveProject({ 'lockwise.json': '{ "exclude": ["legacy/**"] }', 'legacy/001_rename.sql': '' }, 'legacy/001_rename.sql');
    expect(await client.open(uri, 'ALTER TABLE users RENAME COLUMN a TO b;\n')).toEqual([]);
  });

  it('lints an untitled buffer on its own', async () => {
    const client = startServer();
    await client.initialize();
    const diagnostics = await client.open('untitled:Untitled-1', 'ALTER TABLE users RENAME COLUMN a TO b;\n');
    expect(diagnostics.map((d) => d.code)).toEqual(['no-rename-column', 'require-lock-timeout']);
  });

  it('clears the diagnostics of a closed document', async () => {
    const { client, uri } = await serveProject({ 'migrations/001_rename.sql': '' }, 'migrations/001_rename.sql');
    expect(await client.open(uri, 'ALTER TABLE users RENAME COLUMN a TO b;\n')).not.toEqual([]);

    const mark = client.mark;
    const cleared = client.waitForDiagnostics(uri, (params) => params.diagnostics.length === 0, mark);
    await client.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    expect(await cleared).toEqual([]);
  });

  it('ends with exit code 0 after shutdown and exit', async () => {
    const client = startServer();
    await client.initialize();
    await within(client.connection.sendRequest(ShutdownRequest.type), 'shutdown');
    await client.connection.sendNotification(ExitNotification.type);
    expect(await within(client.exited, 'the server to exit')).toBe(0);
  });
});
