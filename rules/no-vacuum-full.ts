import { defineRule } from '../src/engine/rule.js';
import { displayName, relationFromRangeVar } from '../src/model/names.js';
import { asKind, isOptionEnabled } from '../src/parse/node-types.js';

export default defineRule({
  id: 'no-vacuum-full',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      vacuumFull:
        'VACUUM FULL {{tables}} writes a complete new copy of each table and rebuilds all its indexes while holding an ACCESS EXCLUSIVE lock on it: no reads or writes of {{tables}} until its copy is finished, and it needs free disk space for the new copy beside the old one.',
      vacuumFullDatabase:
        'VACUUM FULL without a table list rewrites every table of the database, one after another, each under an ACCESS EXCLUSIVE lock for the whole copy: each table in turn accepts no reads or writes.',
      help:
        'A plain VACUUM (without FULL) makes the space of dead rows reusable without blocking reads or writes (it takes SHARE UPDATE EXCLUSIVE). To give the space back to the operating system online, run pg_repack or pg_squeeze outside the migration.',
    },
    docs: {
      summary: 'Disallows VACUUM FULL on existing tables.',
      why: 'VACUUM FULL rewrites the whole table into a new file, without the dead rows, and rebuilds every index, holding an ACCESS EXCLUSIVE lock until it finishes: for a large table, minutes to hours in which nothing can read or write it. It also needs disk space for the new copy while the old one still exists. Without a table list it does this to every table of the database.',
      instead: 'Rely on (auto)vacuum, which marks the space of dead rows for reuse without blocking reads or writes. If the table really must shrink on disk, use pg_repack or pg_squeeze, which rebuild it online and lock it only briefly, run by an operator rather than by a migration.',
      bad: 'VACUUM FULL events;',
      good: 'VACUUM (ANALYZE) events;',
      references: [
        'https://www.postgresql.org/docs/current/sql-vacuum.html',
        'https://www.postgresql.org/docs/current/routine-vacuuming.html#VACUUM-FOR-SPACE-RECOVERY',
      ],
      pgVersions: 'All versions (VACUUM FULL rewrites the table from PostgreSQL 9.0 on).',
      prevents: 'table rewrite under ACCESS EXCLUSIVE',
    },
  },
  create(context) {
    return {
      VacuumStmt(vacuum) {
        if (!vacuum.is_vacuumcmd || !isOptionEnabled(vacuum.options, 'full')) return;
        if (!vacuum.rels?.length) {
          context.report({ messageId: 'vacuumFullDatabase', helpId: 'help' });
          return;
        }
        const existing = vacuum.rels
          .map((node) => asKind(node, 'VacuumRelation')?.relation)
          .filter((rangeVar) => rangeVar !== undefined && context.isExistingTable(relationFromRangeVar(rangeVar)));
        if (existing.length === 0) return;
        const tables = existing.map((rangeVar) => displayName(relationFromRangeVar(rangeVar!))).join(', ');
        context.report({ messageId: 'vacuumFull', helpId: 'help', at: existing[0]!.location, data: { tables } });
      },
    };
  },
});
