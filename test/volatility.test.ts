import { describe, it, expect } from 'vitest';
import catalog from '../src/knowledge/function-volatility.json' with { type: 'json' };
import { catalogPostgresVersion, functionVolatility } from '../src/knowledge/volatility.js';

const uuidOsspAvailable = catalog.extensions['uuid-ossp'].available;

describe('functionVolatility', () => {
  it('reports functions that force a table rewrite in a column default as volatile', () => {
    expect(functionVolatility('random', 0)).toBe('volatile');
    expect(functionVolatility('clock_timestamp', 0)).toBe('volatile');
    expect(functionVolatility('timeofday', 0)).toBe('volatile');
    expect(functionVolatility('gen_random_uuid', 0)).toBe('volatile');
    expect(functionVolatility('nextval', 1)).toBe('volatile');
  });

  it.skipIf(!uuidOsspAvailable)('knows uuid-ossp functions, also when schema-qualified with public', () => {
    expect(functionVolatility('uuid_generate_v4', 0)).toBe('volatile');
    expect(functionVolatility('uuid_generate_v4', 0, 'public')).toBe('volatile');
  });

  it('reports transaction-time functions as stable', () => {
    expect(functionVolatility('now', 0)).toBe('stable');
    expect(functionVolatility('statement_timestamp', 0)).toBe('stable');
    expect(functionVolatility('transaction_timestamp', 0)).toBe('stable');
  });

  it('reports pure functions as immutable', () => {
    expect(functionVolatility('lower', 1)).toBe('immutable');
    expect(functionVolatility('abs', 1)).toBe('immutable');
  });

  it('matches names and schemas case-insensitively', () => {
    expect(functionVolatility('RANDOM', 0)).toBe('volatile');
    expect(functionVolatility('Now', 0, 'PG_CATALOG')).toBe('stable');
  });

  it('returns undefined for functions it does not know', () => {
    expect(functionVolatility('my_custom_function', 0)).toBeUndefined();
    expect(functionVolatility('constructor', 0)).toBeUndefined();
    expect(functionVolatility('now', 1)).toBeUndefined();
    expect(functionVolatility('now', 0, 'app')).toBeUndefined();
  });

  it('accepts any argument count from the minimum up for variadic functions', () => {
    expect(functionVolatility('concat', 5)).toBe('stable');
    expect(functionVolatility('concat', 0)).toBeUndefined();
  });

  it('names the PostgreSQL version the catalog came from', () => {
    expect(catalogPostgresVersion).toMatch(/^\d+\.\d+/);
  });
});
