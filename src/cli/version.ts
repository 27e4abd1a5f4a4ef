import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface Manifest {
  name?: string;
  version?: string;
  homepage?: string;
}

let manifest: Manifest | undefined;

/** lockwise's own package.json, found from this module whether it runs from src/ or dist/. */
function ownManifest(): Manifest {
  if (manifest) return manifest;
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    try {
      const found = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
      if (found.name === 'lockwise') return (manifest = found);
    } catch {
      // No package.json at this level; keep walking up.
    }
  }
  return (manifest = {});
}

export function toolVersion(): string {
  return ownManifest().version ?? '0.0.0';
}

export function toolHomepage(): string {
  return ownManifest().homepage ?? 'https://github.com/lockwise/lockwise';
}
