import { defineRule } from '../src/engine/rule.js';
import { shortWordList } from '../src/engine/messages.js';
import { displayName, displayResolvedName, relationFromRangeVar } from '../src/model/names.js';
import { asKind } from '../src/parse/node-types.js';

/** Tables a message names before the rest are counted. */
const NAMED_TABLES = 4;

export default defineRule({
  id: 'no-disable-trigger-all',
  meta: {
    severity: 'warning',
    presets: ['recommended', 'strict'],
    messages: {
      disableAll:
        'DISABLE TRIGGER ALL on {{table}} also turns off the internal triggers that enforce {{keys}}, which only a superuser may do: run by a role that is not one, as on Amazon RDS, Cloud SQL, Azure or Supabase, the statement fails ("permission denied: ... is a system trigger"). Run by a superuser, the rows written while they are off are never checked against those keys, not even when ENABLE TRIGGER ALL turns them back on.',
      enableAll:
        'ENABLE TRIGGER ALL on {{table}} also turns on the internal triggers that enforce {{keys}}, which only a superuser may do: run by a role that is not one, as on Amazon RDS, Cloud SQL, Azure or Supabase, the statement fails ("permission denied: ... is a system trigger").',
      help: 'Use DISABLE TRIGGER USER and ENABLE TRIGGER USER, which leave the foreign keys\' triggers alone and need only ownership of {{table}}. To load rows a key would refuse, drop the constraint, and add it again NOT VALID afterwards, then VALIDATE CONSTRAINT.',
    },
    docs: {
      summary: 'Warns about ALTER TABLE ... DISABLE or ENABLE TRIGGER ALL on a table with foreign keys, which fails unless the migration runs as a superuser, and leaves rows unchecked if it does.',
      why: 'ALL means the internal triggers too: the ones through which PostgreSQL enforces a foreign key, on the table that has it and on the table it references. Disabling or enabling those requires a superuser, so the statement fails for a role that merely owns the table (seen on PostgreSQL 18: "permission denied: \\"RI_ConstraintTrigger_c_16406\\" is a system trigger", from the referencing and the referenced side alike). Managed PostgreSQL services (Amazon RDS and Aurora, Cloud SQL, Azure, Supabase) give no superuser, so a migration that works on a developer\'s machine fails in production. Where it runs, the foreign keys are not enforced while the triggers are off, and turning them on again checks nothing: a row written meanwhile that references nothing stays. Reported for a table the model knows to have a foreign key, or to be referenced by one; ENABLE TRIGGER ALL only when no DISABLE TRIGGER ALL of the same table was reported before it in the file.',
      instead: 'DISABLE TRIGGER USER / ENABLE TRIGGER USER leave the foreign keys\' triggers on. To skip a foreign key\'s checks while loading data, drop the constraint and add it again NOT VALID, then VALIDATE CONSTRAINT.',
      bad: 'CREATE TABLE galleries (id bigint PRIMARY KEY);\nCREATE TABLE articles (id bigint PRIMARY KEY, photo_id bigint REFERENCES galleries (id), title text);\n-- a later migration:\nALTER TABLE articles DISABLE TRIGGER ALL;\nUPDATE articles SET title = trim(title);\nALTER TABLE articles ENABLE TRIGGER ALL;',
      good: 'CREATE TABLE galleries (id bigint PRIMARY KEY);\nCREATE TABLE articles (id bigint PRIMARY KEY, photo_id bigint REFERENCES galleries (id), title text);\n-- a later migration:\nALTER TABLE articles DISABLE TRIGGER USER;\nUPDATE articles SET title = trim(title);\nALTER TABLE articles ENABLE TRIGGER USER;',
      references: ['https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-DISABLE-ENABLE-TRIGGER', 'https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-FK'],
      pgVersions: 'All versions. Checked on PostgreSQL 18.',
      prevents: 'a migration that fails without superuser, and rows its foreign keys never checked',
    },
  },
  create(context) {
    const disabled = new Set<string>();
    return {
      AlterTableStmt(alter) {
        if (!alter.relation || alter.objtype !== 'OBJECT_TABLE') return;
        const relation = relationFromRangeVar(alter.relation);
        for (const command of alter.cmds ?? []) {
          const subtype = asKind(command, 'AlterTableCmd')?.subtype;
          if (subtype !== 'AT_DisableTrigAll' && subtype !== 'AT_EnableTrigAll') continue;
          const keys = foreignKeysInWords(context.schema.foreignKeys(relation).flatMap(({ references }) => (references ? [displayName(references)] : [])), context.schema.tablesReferencing(relation, { all: true }).map(displayResolvedName));
          if (!keys) continue;
          const table = displayName(relation);
          if (subtype === 'AT_EnableTrigAll' && disabled.has(table)) continue;
          if (subtype === 'AT_DisableTrigAll') disabled.add(table);
          context.report({ messageId: subtype === 'AT_DisableTrigAll' ? 'disableAll' : 'enableAll', helpId: 'help', at: alter.relation.location, data: { table, keys } });
        }
      },
    };
  },
});

/** "its foreign keys to galleries and users, and the foreign keys of comments referencing it", or '' when there are none. */
function foreignKeysInWords(referenced: string[], referencing: string[]): string {
  const parts = [
    ...(referenced.length > 0 ? [`its foreign ${referenced.length === 1 ? 'key' : 'keys'} to ${shortWordList([...new Set(referenced)], NAMED_TABLES)}`] : []),
    ...(referencing.length > 0 ? [`the foreign ${referencing.length === 1 ? 'key' : 'keys'} of ${shortWordList(referencing, NAMED_TABLES)} referencing it`] : []),
  ];
  return parts.join(', and ');
}
