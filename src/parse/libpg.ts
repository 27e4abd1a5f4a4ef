/**
 * libpg-query, imported when a run first needs it: importing it reads and compiles the
 * parser's WebAssembly, which a run that takes every finding from the cache does without.
 */
type LibPgQuery = typeof import('libpg-query');

let loading: Promise<void> | undefined;
let loaded: LibPgQuery | undefined;

/** Loads the WASM parser once per process; every parse waits for it. */
export function loadParser(): Promise<void> {
  loading ??= import('libpg-query').then(async (module) => {
    await module.loadModule();
    loaded = module;
  });
  return loading;
}

/** The loaded parser; loadParser() must have finished. */
export function libpgQuery(): LibPgQuery {
  if (!loaded) throw new Error('the PostgreSQL parser was used before loadParser() finished');
  return loaded;
}
