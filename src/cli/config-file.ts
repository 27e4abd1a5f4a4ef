import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../engine/config-error.js';
import type { UserConfig } from '../engine/config.js';

export const CONFIG_FILE_NAME = 'lockwise.json';

export interface LoadedConfig {
  config: UserConfig;
  /** The file it came from; undefined when none was found. */
  path?: string;
  /** Where relative paths in the config (exclude) start. */
  baseDir: string;
}

/** The explicit --config file, or the nearest lockwise.json from `cwd` upwards. */
export async function loadConfig(cwd: string, explicitPath: string | undefined): Promise<LoadedConfig> {
  const file = explicitPath ? path.resolve(cwd, explicitPath) : findUpwards(cwd);
  if (!file) return { config: {}, baseDir: cwd };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${explicitPath ?? file}: cannot read the configuration: ${(error as Error).message}`);
  }
  const shown = path.relative(cwd, file) || file;
  // Loaded on demand: the JSON and schema libraries cost start-up time, and most runs have no configuration file.
  const { parseConfigText } = await import('../engine/config-parse.js');
  return { config: parseConfigText(shown, text), path: file, baseDir: path.dirname(file) };
}

function findUpwards(start: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}
