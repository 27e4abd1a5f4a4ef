import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The version in lockwise's own package.json, found from this module whether it runs from src/ or dist/. */
export function toolVersion(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'lockwise' && manifest.version) return manifest.version;
    } catch {
      // No package.json at this level; keep walking up.
    }
  }
  return '0.0.0';
}
