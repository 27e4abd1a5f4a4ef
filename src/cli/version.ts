import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
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

/** The build's identity, once read. */
let build: string | undefined;

/**
 * lockwise's version and the code that runs, for the cache's key: a cache written by another build of the same
 * version (a development build, a reinstall of another one) holds findings, and schema states, that this one may not
 * make alike.
 */
export function toolBuild(): string {
  // The code does not change while the process runs: the language server asks on every change to a document.
  build ??= `${toolVersion()}+${codeIdentity(path.dirname(fileURLToPath(import.meta.url)))}`;
  return build;
}

/**
 * The names and sizes of the code files in a folder, digested. Run from dist/, this module is in one of the bundle's
 * chunks, whose names carry a hash of their content, and a chunk's content holds the names of the chunks it imports:
 * any change to the code changes a name there.
 */
export function codeIdentity(folder: string): string {
  const digest = createHash('sha256');
  try {
    for (const name of readdirSync(folder).sort()) {
      if (/\.(?:mjs|js|ts)$/.test(name)) digest.update(`${name}:${statSync(path.join(folder, name)).size}\n`);
    }
  } catch {
    return 'unknown';
  }
  return digest.digest('base64url').slice(0, 16);
}
