import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';
import { generateHistory } from './generate-history.js';

/**
 * What typing in the newest migration of a long history costs in an editor: `lockwise lsp` serves a folder of the
 * benchmark's generated history, opens its newest migration, and the time from each change of the text to the
 * diagnostics for it is measured. Run with `npm run bench:editor [migrations] [edits]`.
 */
const count = Number(process.argv[2] ?? 5000);
const edits = Number(process.argv[3] ?? 20);
const folder = mkdtempSync(path.join(os.tmpdir(), 'lockwise-editor-'));
const migrations = generateHistory(count);
for (const migration of migrations) writeFileSync(path.join(folder, migration.name), migration.text);
const newest = migrations.at(-1)!;
const uri = pathToFileURL(path.join(folder, newest.name)).href;

const cli = fileURLToPath(new URL('../cli/lockwise.mjs', import.meta.url));
const server = spawn(process.execPath, [cli, 'lsp'], { stdio: ['pipe', 'pipe', 'inherit'] });
const connection = createProtocolConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
let published: ((version: number | undefined) => void) | undefined;
connection.onNotification(PublishDiagnosticsNotification.type, (params) => published?.(params.version));
connection.listen();

/** Milliseconds from sending a version of the text to receiving its diagnostics. */
async function timed(version: number, send: () => Promise<void>): Promise<number> {
  const started = performance.now();
  const received = new Promise<void>((resolve) => (published = (got) => got === version && resolve()));
  await send();
  await received;
  return performance.now() - started;
}

try {
  await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: pathToFileURL(folder).href, capabilities: {}, workspaceFolders: null });
  await connection.sendNotification(InitializedNotification.type, {});
  const openMs = await timed(1, () => connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'sql', version: 1, text: newest.text } }));
  const editMs: number[] = [];
  for (let version = 2; version <= edits + 1; version++) {
    const text = `${newest.text}\n-- typed ${version}\n`;
    editMs.push(await timed(version, () => connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] })));
  }
  const sorted = [...editMs].sort((a, b) => a - b);
  console.table([
    {
      migrations: count,
      edits,
      openMs: Math.round(openMs),
      editMedianMs: Math.round(sorted[Math.floor(sorted.length / 2)]!),
      editMaxMs: Math.round(sorted.at(-1)!),
    },
  ]);
  await connection.sendRequest(ShutdownRequest.type);
  await connection.sendNotification(ExitNotification.type);
} finally {
  connection.dispose();
  server.kill();
  rmSync(folder, { recursive: true, force: true });
}
