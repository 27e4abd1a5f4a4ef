#!/usr/bin/env node
// Regenerates src/knowledge/extension-members.json: for each extension PostgreSQL ships
// (its contrib modules), the types, operator classes and functions it makes, read from the
// extension memberships (pg_depend, deptype 'e') of a throwaway cluster. DROP EXTENSION ...
// CASCADE drops whatever depends on them: columns of the types, indexes using the operator
// classes, defaults, triggers and views that call the functions.
//
// Operator classes are written `access method:name`, as `gin:int4_ops` of btree_gin is not the
// built-in `btree:int4_ops`; a function that shares its name with a built-in one (citext's
// replace(), pgcrypto's gen_random_uuid()) is left out, as a call of it by name cannot be told
// from a call of the built-in.
//
// Usage: node scripts/generate-extension-members.mjs

import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { withThrowawayCluster } from './throwaway-cluster.mjs';

const OUTPUT_FILE = fileURLToPath(new URL('../src/knowledge/extension-members.json', import.meta.url));

// Procedural languages and their transforms depend on what the machine has installed, and
// no column or index depends on them; plpgsql is part of every database.
const LEFT_OUT = /^(pl|bool_pl|hstore_pl|jsonb_pl|ltree_pl)/;

async function installExtensions(client) {
  const { rows } = await client.query('SELECT name FROM pg_available_extensions ORDER BY name');
  const installed = [];
  for (const { name } of rows) {
    if (LEFT_OUT.test(name)) continue;
    try {
      await client.query(`CREATE EXTENSION IF NOT EXISTS ${client.escapeIdentifier(name)} CASCADE`);
      installed.push(name);
    } catch (error) {
      console.warn(`Skipping extension ${name}: ${error.message}`);
    }
  }
  return installed;
}

const MEMBERS_SQL = `
SELECT e.extname, e.extversion,
       ARRAY(SELECT t.typname::text FROM pg_depend d JOIN pg_type t ON t.oid = d.objid
              WHERE d.refobjid = e.oid AND d.deptype = 'e' AND d.classid = 'pg_type'::regclass ORDER BY 1) AS types,
       ARRAY(SELECT DISTINCT a.amname || ':' || o.opcname FROM pg_depend d JOIN pg_opclass o ON o.oid = d.objid JOIN pg_am a ON a.oid = o.opcmethod
              WHERE d.refobjid = e.oid AND d.deptype = 'e' AND d.classid = 'pg_opclass'::regclass ORDER BY 1) AS operator_classes,
       ARRAY(SELECT DISTINCT lower(p.proname::text) FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid
              WHERE d.refobjid = e.oid AND d.deptype = 'e' AND d.classid = 'pg_proc'::regclass
                AND NOT EXISTS (SELECT FROM pg_proc b WHERE b.proname = p.proname AND b.pronamespace = 'pg_catalog'::regnamespace)
              ORDER BY 1) AS functions
  FROM pg_extension e
 WHERE e.extname = ANY($1)
 ORDER BY e.extname`;

async function readMembers(client) {
  const { rows: version } = await client.query('SHOW server_version');
  const installed = await installExtensions(client);
  const { rows } = await client.query(MEMBERS_SQL, [installed]);
  return { postgresVersion: version[0].server_version, rows };
}

function render({ postgresVersion, rows }) {
  const lines = rows.map(
    (row) =>
      `    ${JSON.stringify(row.extname)}: ${JSON.stringify({ version: row.extversion, types: row.types, operatorClasses: row.operator_classes, functions: row.functions })}`,
  );
  return [
    '{',
    `  "source": "pg_depend (deptype 'e') of every extension PostgreSQL ships, created in one database",`,
    `  "postgresVersion": ${JSON.stringify(postgresVersion)},`,
    '  "extensions": {',
    lines.join(',\n'),
    '  }',
    '}',
    '',
  ].join('\n');
}

const members = await withThrowawayCluster(readMembers);
await writeFile(OUTPUT_FILE, render(members));
console.log(`Wrote the members of ${members.rows.length} extensions of PostgreSQL ${members.postgresVersion} to ${OUTPUT_FILE}`);
