/**
 * What a trace must undo however it ends: servers to stop, scratch databases to drop.
 * On SIGINT or SIGTERM every registered cleanup runs, newest first, or is waited for when
 * it is already running, and then the signal is raised again so that the process ends the
 * way the user asked.
 */
const cleanups: Array<() => Promise<void>> = [];

function onSignal(signal: NodeJS.Signals): void {
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  void runAll().finally(() => process.kill(process.pid, signal));
}

async function runAll(): Promise<void> {
  for (const cleanup of [...cleanups].reverse()) await cleanup().catch(() => undefined);
}

/** Registers a cleanup; the returned function runs it (once: later calls wait for the same run). */
export function registerCleanup(cleanup: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  const once = (): Promise<void> => {
    running ??= cleanup().finally(() => {
      const index = cleanups.indexOf(once);
      if (index !== -1) cleanups.splice(index, 1);
      if (cleanups.length === 0) {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
    });
    return running;
  };
  if (cleanups.length === 0) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  cleanups.push(once);
  return once;
}
