import type { RangeVar } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { displayName, relationFromNameList, relationFromRangeVar } from '../src/model/names.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

const isTemporary = (relation: RangeVar | undefined): boolean => relation?.relpersistence === 't';

export default defineRule({
  id: 'prefer-if-exists',
  meta: {
    severity: 'warning',
    presets: ['recommended-style', 'strict'],
    messages: {
      create:
        'CREATE {{kind}} {{name}} without IF NOT EXISTS fails with "already exists" when the migration runs again after an earlier run created {{name}} and then stopped partway, as a migration outside a transaction can.',
      createHelp: 'Write CREATE {{kind}} IF NOT EXISTS {{name}} ..., which skips an existing {{name}} with a notice. It compares the name only, not the definition.',
      unnamedIndex:
        'CREATE INDEX without a name on {{table}} lets PostgreSQL choose one, so it cannot say IF NOT EXISTS, and running it again does not fail but builds a second, identical index under the next free name.',
      unnamedIndexHelp:
        'Name the index and add IF NOT EXISTS: CREATE INDEX IF NOT EXISTS <name> ON {{table}} (...). With CONCURRENTLY, drop a leftover first instead: DROP INDEX CONCURRENTLY IF EXISTS <name>; CREATE INDEX CONCURRENTLY <name> ON {{table}} (...).',
      drop: 'DROP {{kind}} {{name}} without IF EXISTS fails with "does not exist" when the migration runs again after an earlier run dropped it and then stopped partway, as a migration outside a transaction can.',
      dropHelp: 'Write DROP {{kind}} IF EXISTS {{name}}.',
    },
    docs: {
      summary: 'Prefers IF NOT EXISTS on CREATE TABLE / CREATE INDEX and IF EXISTS on DROP TABLE / DROP INDEX, so a migration can be run again.',
      why: 'A migration that fails inside a transaction is rolled back and can simply be run again. Many cannot be: statements with CONCURRENTLY run outside any transaction, psql and several tools run a file statement by statement, and a fix is often applied by hand. When such a migration stops halfway, running it again fails on the first object it already created or dropped. IF NOT EXISTS and IF EXISTS turn those statements into no-ops with a notice, so the rerun continues where the first run stopped. An index without a name is worse: PostgreSQL picks the next free name, so running it twice silently builds a duplicate index that slows every write.\n\nScope: tables and indexes, the objects migrations create and drop most; views and functions have CREATE OR REPLACE, and types and domains have no IF NOT EXISTS. Temporary tables are not flagged. CREATE INDEX CONCURRENTLY with a name is not asked for IF NOT EXISTS: a failed concurrent build leaves an INVALID index under that name, which IF NOT EXISTS would keep; the safe rerun is DROP INDEX CONCURRENTLY IF EXISTS followed by CREATE INDEX CONCURRENTLY. Bear in mind that IF NOT EXISTS compares names only: a table of that name with other columns is kept as it is.',
      instead: 'CREATE TABLE IF NOT EXISTS, CREATE INDEX IF NOT EXISTS <name>, DROP TABLE IF EXISTS, DROP INDEX [CONCURRENTLY] IF EXISTS; always name indexes.',
      bad: 'CREATE TABLE audit_log (id bigint PRIMARY KEY, body text);\nDROP INDEX users_legacy_idx;',
      good: 'CREATE TABLE IF NOT EXISTS audit_log (id bigint PRIMARY KEY, body text);\nDROP INDEX IF EXISTS users_legacy_idx;',
      references: [
        'https://www.postgresql.org/docs/current/sql-createtable.html',
        'https://www.postgresql.org/docs/current/sql-createindex.html',
        'https://www.postgresql.org/docs/current/sql-droptable.html',
        'https://www.postgresql.org/docs/current/sql-dropindex.html',
      ],
      pgVersions: 'CREATE TABLE IF NOT EXISTS exists from PostgreSQL 9.1, CREATE INDEX IF NOT EXISTS from 9.5: every version lockwise targets.',
      prevents: 'a migration that cannot be run again after it stopped halfway',
    },
  },
  create(context) {
    const reportCreate = (kind: string, relation: RangeVar): void => {
      context.report({ messageId: 'create', helpId: 'createHelp', at: relation.location, data: { kind, name: displayName(relationFromRangeVar(relation)) } });
    };
    return {
      CreateStmt(create) {
        if (create.relation && !create.if_not_exists && !isTemporary(create.relation)) reportCreate('TABLE', create.relation);
      },
      CreateTableAsStmt(createAs) {
        const relation = createAs.into?.rel;
        if (createAs.objtype === 'OBJECT_TABLE' && relation && !createAs.if_not_exists && !isTemporary(relation)) reportCreate('TABLE', relation);
      },
      IndexStmt(index) {
        if (!index.relation) return;
        const table = displayName(relationFromRangeVar(index.relation));
        if (!index.idxname) {
          context.report({ messageId: 'unnamedIndex', helpId: 'unnamedIndexHelp', data: { table } });
        } else if (!index.if_not_exists && !index.concurrent) {
          context.report({ messageId: 'create', helpId: 'createHelp', data: { kind: 'INDEX', name: quoteIdentifier(index.idxname) } });
        }
      },
      DropStmt(drop) {
        if (drop.missing_ok || (drop.removeType !== 'OBJECT_TABLE' && drop.removeType !== 'OBJECT_INDEX')) return;
        const kind = drop.removeType === 'OBJECT_TABLE' ? 'TABLE' : drop.concurrent ? 'INDEX CONCURRENTLY' : 'INDEX';
        const names = (drop.objects ?? []).map(relationFromNameList).filter((name) => name !== undefined);
        context.report({ messageId: 'drop', helpId: 'dropHelp', data: { kind, name: names.map(displayName).join(', ') } });
      },
    };
  },
});
