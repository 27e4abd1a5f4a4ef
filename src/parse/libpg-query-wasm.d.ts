// libpg-query's emscripten module (src/parse/libpg.ts binds its C functions); the package declares no types for it.
declare module 'libpg-query/wasm/libpg-query.js' {
  const createModule: (options?: Record<string, unknown>) => Promise<unknown>;
  export default createModule;
}
