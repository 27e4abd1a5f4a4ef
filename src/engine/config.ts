import type { Preset, Severity } from './rule.js';
import type { FrameworkName } from '../history/frameworks.js';

export type RuleSetting = Severity | 'off' | [Severity | 'off', Record<string, unknown>];

/** lockwise.json, as the user writes it; every key optional. */
export interface UserConfig {
  $schema?: string;
  /** Presets whose rules are on; `recommended` when not given. */
  extends?: Preset | Preset[];
  pgVersion?: number;
  assumeInTransaction?: boolean;
  lockTimeoutSetByTool?: boolean;
  /** The schemas unqualified names resolve in, as the migrations' role's search_path; `public` when not given. */
  searchPath?: string[];
  exclude?: string[];
  /** The migration tool, when detection from the folder's layout is not enough. */
  framework?: FrameworkName;
  rules?: Record<string, RuleSetting>;
}

/** The configuration in force: defaults, then lockwise.json, then command-line flags. */
export interface ResolvedConfig {
  presets: Preset[];
  pgVersion: number;
  assumeInTransaction: boolean;
  lockTimeoutSetByTool: boolean;
  searchPath: string[];
  exclude: string[];
  framework?: FrameworkName;
  rules: Record<string, RuleSetting>;
}

/**
 * The oldest PostgreSQL major version the PostgreSQL project still supports
 * (14 reached end of life in November 2026). Set pgVersion for older servers.
 */
export const DEFAULT_PG_VERSION = 15;
export const MIN_PG_VERSION = 10;
export const MAX_PG_VERSION = 18;

export const DEFAULT_CONFIG: ResolvedConfig = {
  presets: ['recommended'],
  pgVersion: DEFAULT_PG_VERSION,
  assumeInTransaction: false,
  lockTimeoutSetByTool: false,
  searchPath: ['public'],
  exclude: [],
  rules: {},
};

export function mergeConfig(base: ResolvedConfig, override: UserConfig): ResolvedConfig {
  const presets = override.extends === undefined ? base.presets : [override.extends].flat();
  return {
    presets,
    pgVersion: override.pgVersion ?? base.pgVersion,
    assumeInTransaction: override.assumeInTransaction ?? base.assumeInTransaction,
    lockTimeoutSetByTool: override.lockTimeoutSetByTool ?? base.lockTimeoutSetByTool,
    searchPath: override.searchPath ?? base.searchPath,
    exclude: [...base.exclude, ...(override.exclude ?? [])],
    ...((override.framework ?? base.framework) ? { framework: override.framework ?? base.framework } : {}),
    rules: { ...base.rules, ...(override.rules ?? {}) },
  };
}
