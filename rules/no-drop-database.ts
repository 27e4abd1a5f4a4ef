import { defineRule } from '../src/engine/rule.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';
import { isOptionEnabled } from '../src/parse/node-types.js';

export default defineRule({
  id: 'no-drop-database',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      dropDatabase:
        'DROP DATABASE {{database}} deletes the database and every table, row and file in it, irreversibly: no migration can roll it back, and only a backup restores it.',
      dropDatabaseForce:
        'DROP DATABASE {{database}} WITH (FORCE) first terminates every session connected to it, then deletes the database and every table, row and file in it, irreversibly: only a backup restores it.',
      help:
        'Drop databases by hand, after taking a backup, and not from the migration history that every environment replays. Migrations change the schema of the database they run in.',
    },
    docs: {
      summary: 'Disallows DROP DATABASE in a migration.',
      why: 'A migration runs in every environment that replays the history, production included. DROP DATABASE removes the database with all its data and files; it cannot run inside a transaction block, so nothing rolls it back. With WITH (FORCE) (PostgreSQL 13+) it also terminates every session connected to that database first. A database is created and dropped by whoever provisions it, not by the schema history inside it.',
      instead: 'Drop the database manually (or in the provisioning code), after a backup and a check that nothing uses it.',
      bad: 'DROP DATABASE analytics_old;',
      good: 'DROP TABLE IF EXISTS analytics_staging;',
      references: ['https://www.postgresql.org/docs/current/sql-dropdatabase.html'],
      pgVersions: 'All versions; WITH (FORCE) from PostgreSQL 13.',
      prevents: 'irreversible loss of a whole database',
    },
  },
  create(context) {
    return {
      DropdbStmt(drop) {
        const force = isOptionEnabled(drop.options, 'force');
        context.report({ messageId: force ? 'dropDatabaseForce' : 'dropDatabase', helpId: 'help', data: { database: quoteIdentifier(drop.dbname ?? '') } });
      },
    };
  },
});
