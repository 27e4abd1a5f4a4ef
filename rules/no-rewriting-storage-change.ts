import type { AlterTableCmd } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { displayName, relationFromRangeVar, type RelationName } from '../src/model/names.js';
import { DEFAULT_ACCESS_METHOD, DEFAULT_TABLESPACE, type TableInfo } from '../src/model/schema-model.js';
import { asKind } from '../src/parse/node-types.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

export default defineRule({
  id: 'no-rewriting-storage-change',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      persistence:
        'ALTER TABLE {{table}} SET {{persistence}} rewrites the whole table and each of its indexes into new files while holding an ACCESS EXCLUSIVE lock: no reads or writes of {{table}} until the rewrite finishes.',
      accessMethod:
        'ALTER TABLE {{table}} SET ACCESS METHOD {{method}} rewrites the whole table and each of its indexes while holding an ACCESS EXCLUSIVE lock: no reads or writes of {{table}} until the rewrite finishes.',
      tablespace:
        'ALTER TABLE {{table}} SET TABLESPACE {{tablespace}} copies every file of {{table}} to the new tablespace while holding an ACCESS EXCLUSIVE lock: no reads or writes of {{table}} until the copy finishes (its indexes stay where they are).',
      indexTablespace:
        'ALTER INDEX {{index}} SET TABLESPACE {{tablespace}} copies the whole index while holding an ACCESS EXCLUSIVE lock on it: every query that the planner plans on its table waits until the copy finishes.',
      helpPersistence:
        'Run it in a maintenance window, with a lock_timeout. To change it without stopping traffic, create a new {{persistence}} table, copy the rows over in batches while the application writes to both, and switch to it in a later deploy; a table that starts empty can simply be created {{persistence}}.',
      helpAccessMethod:
        'Run it in a maintenance window, with a lock_timeout, or create a table with the new access method, copy the rows over in batches while the application writes to both, and switch to it in a later deploy.',
      helpTablespace:
        'pg_repack --tablespace {{tablespace}} (with --moveidx for the indexes) moves a table while holding ACCESS EXCLUSIVE only briefly at its start and end. Otherwise run it in a maintenance window, with a lock_timeout.',
    },
    docs: {
      summary: 'Disallows ALTER TABLE ... SET LOGGED / SET UNLOGGED / SET ACCESS METHOD / SET TABLESPACE, and ALTER INDEX ... SET TABLESPACE, on existing tables: they rewrite or copy the table under ACCESS EXCLUSIVE.',
      why: 'Changing how or where a table is stored rewrites it. SET LOGGED and SET UNLOGGED rewrite the table and all its indexes into new files (SET LOGGED also writes the whole table to the write-ahead log, unless wal_level is minimal); SET ACCESS METHOD (PostgreSQL 15) rewrites them through the new access method; SET TABLESPACE copies the table\'s files to the new tablespace, and ALTER INDEX ... SET TABLESPACE the index\'s. Each holds an ACCESS EXCLUSIVE lock for the whole rewrite or copy, so a large table takes all of its traffic offline for as long as that takes, and, for an index, every query the planner plans on its table waits. Each does nothing, and is not reported, when the table is stored so already, as far as the migrations show: a table created UNLOGGED (or not), with USING or TABLESPACE (heap and pg_default when not said), or changed by an earlier ALTER TABLE. A partitioned table stores no rows, and a table created in the same migration, or in one not yet deployed, has none in production: neither is reported.',
      instead: 'Create the table the way it should be stored from the start. To change an existing one, use pg_repack --tablespace (with --moveidx) for a tablespace; for persistence or access method, copy the rows into a new table in batches while the application writes to both and switch over in a later deploy, or run the statement in a maintenance window with a lock_timeout.',
      bad: 'ALTER TABLE events SET UNLOGGED;',
      good: 'CREATE UNLOGGED TABLE events_staging (LIKE events INCLUDING ALL);',
      references: [
        'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-LOGGED-UNLOGGED',
        'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-ACCESS-METHOD',
        'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-TABLESPACE',
        'https://www.postgresql.org/docs/current/sql-alterindex.html',
      ],
      pgVersions: 'SET LOGGED / SET UNLOGGED: PostgreSQL 9.5 and later. SET ACCESS METHOD: 15 and later (DEFAULT: 17). SET TABLESPACE: all supported versions.',
      prevents: 'table rewrite under ACCESS EXCLUSIVE',
    },
  },
  create(context) {
    /** The table's storage as the model knows it, or undefined when it never saw the table created. */
    const stored = (relation: RelationName): TableInfo | undefined => context.schema.table(relation);

    /** Whether the command changes nothing, as far as the migrations show. */
    function changesNothing(table: TableInfo | undefined, cmd: AlterTableCmd): boolean {
      if (!table) return false;
      if (table.kind === 'partitioned table') return true;
      const storage = table.storage ?? {};
      switch (cmd.subtype) {
        case 'AT_SetLogged':
          return storage.unlogged !== true;
        case 'AT_SetUnLogged':
          return storage.unlogged === true;
        case 'AT_SetAccessMethod':
          return (cmd.name ?? DEFAULT_ACCESS_METHOD) === (storage.accessMethod ?? DEFAULT_ACCESS_METHOD);
        case 'AT_SetTableSpace':
          return cmd.name === (storage.tablespace ?? DEFAULT_TABLESPACE);
        default:
          return true;
      }
    }

    return {
      AlterTableStmt(alter) {
        if (!alter.relation) return;
        const relation = relationFromRangeVar(alter.relation);
        const at = alter.relation.location;
        if (alter.objtype === 'OBJECT_INDEX') {
          const table = context.schema.indexTable(relation);
          if (table !== undefined && !context.isExistingTable(table)) return;
          for (const command of alter.cmds ?? []) {
            const cmd = asKind(command, 'AlterTableCmd');
            if (cmd?.subtype !== 'AT_SetTableSpace' || !cmd.name) continue;
            const data = { index: displayName(relation), tablespace: quoteIdentifier(cmd.name) };
            context.report({ messageId: 'indexTablespace', helpId: 'helpTablespace', at, data });
          }
          return;
        }
        if (alter.objtype !== 'OBJECT_TABLE' || !context.isExistingTable(relation)) return;
        for (const command of alter.cmds ?? []) {
          const cmd = asKind(command, 'AlterTableCmd');
          if (!cmd || changesNothing(stored(relation), cmd)) continue;
          const table = displayName(relation);
          if (cmd.subtype === 'AT_SetLogged' || cmd.subtype === 'AT_SetUnLogged') {
            const persistence = cmd.subtype === 'AT_SetLogged' ? 'LOGGED' : 'UNLOGGED';
            context.report({ messageId: 'persistence', helpId: 'helpPersistence', at, data: { table, persistence } });
          } else if (cmd.subtype === 'AT_SetAccessMethod') {
            context.report({ messageId: 'accessMethod', helpId: 'helpAccessMethod', at, data: { table, method: cmd.name ? quoteIdentifier(cmd.name) : 'DEFAULT' } });
          } else if (cmd.subtype === 'AT_SetTableSpace' && cmd.name) {
            context.report({ messageId: 'tablespace', helpId: 'helpTablespace', at, data: { table, tablespace: quoteIdentifier(cmd.name) } });
          }
        }
      },
    };
  },
});
