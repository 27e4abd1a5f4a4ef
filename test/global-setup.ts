import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Gives the test run one temporary folder, removed when the run ends. Tests, the CLI
 * processes they start and the trace server make theirs inside it through os.tmpdir(),
 * so a run leaves nothing behind in the machine's temporary folder.
 */
export default function setup(): () => void {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lockwise-tests-'));
  // As root, the trace server runs as an unprivileged user, who must reach its folder inside this one.
  chmodSync(root, 0o711);
  for (const variable of ['TMPDIR', 'TMP', 'TEMP']) process.env[variable] = root;
  return () => rmSync(root, { recursive: true, force: true });
}
