import { createRequire } from 'node:module';
import type { ParseResult } from '@pgsql/types';
import type { ScanResult } from 'libpg-query';

/**
 * PostgreSQL's parser: libpg-query's WebAssembly build, called through its exported C functions.
 * libpg-query's own wrapper makes the same calls, but copies strings in and out of the module's
 * memory one character at a time in JavaScript; a run parses megabytes of SQL and gets tens of
 * megabytes of JSON back, and TextEncoder, TextDecoder and indexOf do that copying natively.
 * The module is imported when a run first needs it: importing it reads and compiles the parser's
 * WebAssembly, which a run that takes every finding from the cache does without.
 */
export interface LibPgQuery {
  /** As libpg-query's parseSync: the statements, or an error with PostgreSQL's `cursorPosition` (0-based, in code points). */
  parseSync(query: string): ParseResult;
  parsePlPgSQLSync(query: string): ParseResult;
  scanSync(query: string): ScanResult;
}

/** The part of the emscripten module lockwise calls. */
interface PgQueryModule {
  /** Replaced when the module's memory grows: read it after every call that may allocate. */
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  _malloc(size: number): number;
  _free(pointer: number): void;
  _wasm_parse_query_raw(query: number): number;
  _wasm_free_parse_result(result: number): void;
  _wasm_parse_plpgsql(query: number): number;
  _wasm_scan(query: number): number;
  _wasm_free_string(text: number): void;
}

/** Thrown for SQL PostgreSQL rejects, with the details libpg-query's SqlError has. */
class SqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly sqlDetails: { cursorPosition: number },
  ) {
    super(message);
  }
}

const requireHere = createRequire(import.meta.url);
let loading: Promise<void> | undefined;
let loaded: LibPgQuery | undefined;

/** Loads the WASM parser once per process; every parse waits for it. */
export function loadParser(): Promise<void> {
  loading ??= (async () => {
    // require, not import(): importing this CommonJS file from ESM makes Node compile it once to detect its syntax and scan it for exports.
    const { default: createModule } = requireHere('libpg-query/wasm/libpg-query.js') as typeof import('libpg-query/wasm/libpg-query.js');
    loaded = bindings((await createModule()) as PgQueryModule);
  })();
  return loading;
}

/** The loaded parser; loadParser() must have finished. */
export function libpgQuery(): LibPgQuery {
  if (!loaded) throw new Error('the PostgreSQL parser was used before loadParser() finished');
  return loaded;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function bindings(pg: PgQueryModule): LibPgQuery {
  /** Calls `run` with the query as a NUL-terminated UTF-8 string in the module's memory. */
  const withQuery = <T>(query: string, run: (pointer: number) => T): T => {
    const length = Buffer.byteLength(query, 'utf8');
    const pointer = pg._malloc(length + 1);
    if (!pointer) throw new Error('the PostgreSQL parser ran out of memory');
    try {
      encoder.encodeInto(query, pg.HEAPU8.subarray(pointer, pointer + length));
      pg.HEAPU8[pointer + length] = 0;
      return run(pointer);
    } finally {
      pg._free(pointer);
    }
  };
  const stringAt = (pointer: number): string => decoder.decode(pg.HEAPU8.subarray(pointer, pg.HEAPU8.indexOf(0, pointer)));
  const int32At = (pointer: number): number => pg.HEAPU32[pointer >> 2]! | 0;
  /** For the functions that return one string: JSON, or an error message. */
  const stringResult = (call: (query: number) => number, query: string): string =>
    withQuery(query, (pointer) => {
      const result = call(pointer);
      try {
        return stringAt(result);
      } finally {
        pg._wasm_free_string(result);
      }
    });

  return {
    parseSync(query) {
      if (query === '') throw new Error('Query cannot be empty');
      return withQuery(query, (pointer) => {
        const result = pg._wasm_parse_query_raw(pointer);
        if (!result) throw new Error('the PostgreSQL parser ran out of memory');
        try {
          // PgQueryParseResult: the parse tree's JSON, the parser's stderr, the error.
          const tree = int32At(result);
          const error = int32At(result + 8);
          if (error) {
            // PgQueryError: message, funcname, filename, lineno, cursorpos (1-based; 0 when there is none).
            const message = int32At(error);
            const cursor = int32At(error + 16);
            throw new SqlSyntaxError(message ? stringAt(message) : 'Unknown error', { cursorPosition: cursor > 0 ? cursor - 1 : 0 });
          }
          if (!tree) throw new Error('the PostgreSQL parser returned no parse tree');
          return JSON.parse(stringAt(tree)) as ParseResult;
        } finally {
          pg._wasm_free_parse_result(result);
        }
      });
    },
    parsePlPgSQLSync(query) {
      const json = stringResult((pointer) => pg._wasm_parse_plpgsql(pointer), query);
      // Anything but a JSON object is an error message.
      if (!json.startsWith('{')) throw new Error(json);
      return JSON.parse(json) as ParseResult;
    },
    scanSync(query) {
      const json = stringResult((pointer) => pg._wasm_scan(pointer), query);
      if (/^(syntax error|deparse error|ERROR)/.test(json)) throw new Error(json);
      return JSON.parse(json) as ScanResult;
    },
  };
}
