import { defineRule } from '../src/engine/rule.js';
import type { RuleContext } from '../src/engine/context.js';
import { columnTakingName, commandsAltering, commandsOnExistingTable, dropsTable } from '../src/engine/alter-table-commands.js';
import { indexesBuiltByMigration } from '../src/engine/built-indexes.js';
import { restOfTransaction, servesLikeTheOld, statementCreatingAgain } from '../src/engine/transaction-block.js';
import { asKind } from '../src/parse/node-types.js';
import type { CreateStmt } from '@pgsql/types';
import { displayResolvedName, relationFromNameList, type RelationName } from '../src/model/names.js';
import type { IndexInfo } from '../src/model/schema-model.js';
import { constraintInfo, sameColumnSet } from '../src/model/schema-objects.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

type MessageId = 'uniqueIndexDropped' | 'help' | 'replacedAfterCommit' | 'replacementFirstHelp' | 'replacedByPartialIndex' | 'partialIndexHelp' | 'tableMadeAgainWithoutKey' | 'keepKeyHelp';

export default defineRule({
  id: 'no-drop-unique-index',
  meta: {
    severity: 'warning',
    presets: ['recommended', 'strict'],
    messages: {
      uniqueIndexDropped:
        'Dropping {{what}} leaves {{table}} with no unique index on ({{keys}}): from the commit on, the release still running during the deploy fails wherever it upserts with INSERT ... ON CONFLICT ({{keys}}) (ERROR: there is no unique or exclusion constraint matching the ON CONFLICT specification){{uniqueness}}.',
      replacedAfterCommit:
        'Dropping {{what}} leaves {{table}} with no unique index on ({{keys}}) from its commit until line {{line}} builds the one that replaces it: meanwhile the release still running during the deploy fails wherever it upserts with INSERT ... ON CONFLICT ({{keys}}) (ERROR: there is no unique or exclusion constraint matching the ON CONFLICT specification){{duplicates}}.',
      replacedByPartialIndex:
        'Dropping {{what}} leaves {{table}} with no unique index on ({{keys}}) that INSERT ... ON CONFLICT ({{keys}}) can use: the one line {{line}} builds has a WHERE clause, which an upsert must repeat (ON CONFLICT ({{keys}}) WHERE ...) for PostgreSQL to pick it. From the commit on, the release still running during the deploy fails wherever it upserts on ({{keys}}) (ERROR: there is no unique or exclusion constraint matching the ON CONFLICT specification).',
      partialIndexHelp:
        'Release first an application whose upserts on ({{keys}}) name the WHERE clause of the index line {{line}} builds, or build that index in an earlier migration and keep {{name}} until no running release upserts without the clause. If no release upserts on ({{keys}}), suppress this finding with that reason.',
      tableMadeAgainWithoutKey:
        'Dropping table {{table}} and creating it again on line {{line}} without a unique key on ({{keys}}), which {{name}} gave it: from the commit on, the release still running during the deploy fails wherever it upserts with INSERT ... ON CONFLICT ({{keys}}) (ERROR: there is no unique or exclusion constraint matching the ON CONFLICT specification), and nothing keeps ({{keys}}) unique any more.',
      keepKeyHelp:
        'Create the table again with UNIQUE ({{keys}}) too, or build that unique index before COMMIT, for the release still running; drop it in a later migration, once no running release upserts on ({{keys}}). If none does, suppress this finding and say so.',
      replacementFirstHelp:
        'Build the replacement before dropping {{name}}: move line {{line}} above the drop, or into an earlier migration, so that a unique index on ({{keys}}) is there at every moment.',
      help: 'Build the new unique index first, in a migration of its own (CREATE UNIQUE INDEX CONCURRENTLY ...), release the application that upserts on its columns, and drop {{name}} in a later migration. If no release upserts on ({{keys}}){{andDuplicates}}, suppress this finding with that reason.',
    },
    docs: {
      summary: 'Warns about dropping a unique index, unique constraint or primary key of an existing table when no other unique index has the same key columns.',
      why: 'PostgreSQL picks the arbiter of INSERT ... ON CONFLICT (columns) among the unique indexes whose key columns are exactly those columns. Dropping the one unique index on them, to widen the key or to replace it, makes every such upsert fail at once with "there is no unique or exclusion constraint matching the ON CONFLICT specification" (seen on PostgreSQL 18), while the release that sends them still runs during the deploy; ORMs write them for their upsert calls (Prisma, Drizzle, Diesel, SQLAlchemy). It also lets duplicates in. A replacement built after the drop has committed, later in the migration, leaves the upserts failing until it is built, and duplicates that go in meanwhile make its build fail: that is reported too, with the line that builds it. Not reported: another unique index without a WHERE clause on the same columns remains, or the migration builds one before the drop commits; an index of a table or built by a migration that is not deployed yet; an index on a column or of a table that a deployed migration retired (`COMMENT ... IS \'deprecated: ...\'` or `-- lockwise:deprecate`), which no running release writes any more; a partial or expression index, which lockwise does not match with ON CONFLICT targets; an index of a materialized view, which no INSERT reaches (its unique index is what REFRESH MATERIALIZED VIEW CONCURRENTLY needs); an index dropped with its table (but a table dropped and created again before COMMIT, with every column and without one of its unique keys, which neither the CREATE TABLE nor an index built before COMMIT gives it again, is reported for that key), or in the statement that drops one of its key columns or before the migration does, without adding it again (the column\'s drop is the finding, require-deprecation-before-drop\'s). DROP COLUMN that takes a unique index along is no-silent-index-drop\'s.',
      instead: 'Build the new unique index concurrently in one migration, release the code that upserts on its columns, and drop the old index in a later migration.',
      bad: "CREATE TABLE assignments (user_id text NOT NULL, segment_id text NOT NULL, workspace_id uuid NOT NULL);\nCREATE UNIQUE INDEX assignments_user_segment_key ON assignments (user_id, segment_id);\n-- a later migration:\nCREATE UNIQUE INDEX CONCURRENTLY assignments_workspace_user_segment_key ON assignments (workspace_id, user_id, segment_id);\nDROP INDEX CONCURRENTLY assignments_user_segment_key;",
      good: "CREATE TABLE assignments (user_id text NOT NULL, segment_id text NOT NULL, workspace_id uuid NOT NULL);\nCREATE UNIQUE INDEX assignments_user_segment_key ON assignments (user_id, segment_id);\n-- a later migration:\nCREATE UNIQUE INDEX CONCURRENTLY assignments_workspace_user_segment_key ON assignments (workspace_id, user_id, segment_id);",
      references: ['https://www.postgresql.org/docs/current/sql-insert.html#SQL-ON-CONFLICT', 'https://www.postgresql.org/docs/current/sql-dropindex.html'],
      pgVersions: 'Every version with ON CONFLICT (PostgreSQL 9.5+). Checked on PostgreSQL 18.',
      prevents: "failed upserts in the running release, and duplicate rows",
    },
  },
  create(context) {
    return {
      DropStmt(drop) {
        if (drop.removeType === 'OBJECT_TABLE') {
          for (const name of drop.objects ?? []) {
            const relation = relationFromNameList(name);
            if (relation) reportKeysNotMadeAgain(context, relation);
          }
          return;
        }
        if (drop.removeType !== 'OBJECT_INDEX') return;
        const named = (drop.objects ?? []).map(relationFromNameList).filter((name): name is RelationName => name !== undefined);
        const dropped = named.map((name) => context.schema.index(name)).filter((index): index is IndexInfo => index !== undefined);
        for (const index of dropped) reportIfLastUniqueIndex(context, index, dropped, `unique index ${quoteIdentifier(index.name.name)}`);
      },
      ...commandsOnExistingTable(context, (cmd, relation) => {
        if (cmd.subtype !== 'AT_DropConstraint' || !cmd.name) return;
        const kind = context.schema.constraint(relation, cmd.name)?.kind;
        if (kind !== 'primary key' && kind !== 'unique') return;
        const index = context.schema.indexesOn(relation).find((candidate) => candidate.constraint === cmd.name);
        if (index) reportIfLastUniqueIndex(context, index, [index], `${kind === 'primary key' ? 'primary key' : 'unique constraint'} ${quoteIdentifier(cmd.name)}`);
      }),
    };
  },
});

function reportIfLastUniqueIndex(context: RuleContext<MessageId>, index: IndexInfo, droppedTogether: readonly IndexInfo[], what: string): void {
  const keys = index.keyColumns;
  if (!index.unique || index.partial || !keys || context.schema.isNewIndex(index) || context.schema.isNewTable(index.table)) return;
  if (dropsTable(context.statements, index.table, context.schema)) return;
  // No INSERT reaches a materialized view ("cannot change materialized view"): its unique index serves REFRESH ... CONCURRENTLY.
  if (context.schema.table(index.table)?.kind === 'materialized view') return;
  // A retired table or key column is one no running release writes: its upserts are gone with it (the contract step).
  const retired = (column?: string): boolean => context.schema.retirement(index.table, column)?.deployed === true;
  if (retired() || keys.some((column) => retired(column))) return;
  // Dropping a key column too, in the same statement or later, and giving no column its name again, the migration leaves nothing to keep unique and no
  // upsert that could work: the drop of the column is the finding (require-deprecation-before-drop).
  const dropsKeyColumnForGood = context.statements.slice(context.statement.index).some((later) =>
    commandsAltering([later], index.table, context.schema).some(
      (cmd) => cmd.subtype === 'AT_DropColumn' && cmd.name !== undefined && keys.includes(cmd.name) && !columnTakingName(context.statements, later, cmd, index.table, context.schema),
    ),
  );
  if (dropsKeyColumnForGood) return;
  // An arbiter for ON CONFLICT (keys): unique, on all rows, keyed by exactly those columns.
  const isArbiter = (other: { unique: boolean; partial: boolean; keyColumns?: string[] }): boolean => other.unique && !other.partial && other.keyColumns !== undefined && sameColumnSet(other.keyColumns, keys);
  const remains = context.schema.indexesOn(index.table).some((other) => !droppedTogether.includes(other) && isArbiter(other));
  // Built before the drop commits, a replacement leaves no moment without an arbiter: the drop's lock keeps upserts waiting until then.
  const { statement } = context;
  const beforeCommit = [statement, ...(context.transaction.inTransaction ? restOfTransaction(context, statement) : [])];
  if (remains || indexesBuiltByMigration(context, index.table, beforeCommit).some(isArbiter)) return;
  const shownKeys = keys.map(quoteIdentifier).join(', ');
  // A unique index on some of the key columns (the primary key id of (id, poll_id)), kept or built before COMMIT (Guix Data
  // Service's unique (commit) for (commit, git_repository_id)), still keeps the whole key unique.
  const keepsKeyUnique = (other: { unique: boolean; partial: boolean; keyColumns?: string[] }): boolean =>
    other.unique && !other.partial && other.keyColumns !== undefined && other.keyColumns.every((column) => keys.includes(column));
  const narrower =
    context.schema.indexesOn(index.table).find((other) => !droppedTogether.includes(other) && keepsKeyUnique(other)) ??
    indexesBuiltByMigration(context, index.table, beforeCommit).find(keepsKeyUnique);
  const narrowerWords = narrower ? `${narrower.keyColumns!.map(quoteIdentifier).join(', ')}` : '';
  const data = {
    what,
    table: displayResolvedName(index.table),
    keys: shownKeys,
    name: quoteIdentifier(index.name.name),
    uniqueness: narrower
      ? ` (the unique index on (${narrowerWords}) still keeps (${shownKeys}) unique, but ON CONFLICT needs an index on exactly its columns)`
      : `, and nothing keeps (${shownKeys}) unique any more`,
    duplicates: narrower ? '' : `, and duplicates of (${shownKeys}) can go in, which then make that build fail`,
    andDuplicates: narrower ? '' : ' and duplicates are now allowed',
  };
  // A partial unique index on the same columns keeps them unique where its WHERE clause holds, but an upsert must name that clause to use it.
  const partialReplacement = beforeCommit.find((built) => indexesBuiltByMigration(context, index.table, [built]).some((other) => other.unique && other.partial && other.keyColumns !== undefined && sameColumnSet(other.keyColumns, keys)));
  if (partialReplacement) {
    context.report({ messageId: 'replacedByPartialIndex', helpId: 'partialIndexHelp', data: { ...data, line: context.lineOf(partialReplacement.range.start) } });
    return;
  }
  const replacement = context.statements.slice(statement.index + beforeCommit.length).find((later) => indexesBuiltByMigration(context, index.table, [later]).some(isArbiter));
  if (replacement) context.report({ messageId: 'replacedAfterCommit', helpId: 'replacementFirstHelp', data: { ...data, line: context.lineOf(replacement.range.start) } });
  else context.report({ messageId: 'uniqueIndexDropped', helpId: 'help', data });
}

/**
 * A table dropped and created again before COMMIT with every column (coventbot's mod_log): each unique key of the old table,
 * an arbiter for ON CONFLICT, that neither the new CREATE TABLE nor an index built before COMMIT gives it again.
 */
function reportKeysNotMadeAgain(context: RuleContext<MessageId>, relation: RelationName): void {
  if (!context.transaction.inTransaction || !context.isExistingTable(relation) || context.schema.isNewTableName(relation)) return;
  if (context.schema.retirement(relation)?.deployed === true) return;
  const remade = statementCreatingAgain(context, context.statement, relation);
  const created = asKind(remade?.node, 'CreateStmt');
  if (!remade || !created || !servesLikeTheOld(context, remade.node, relation)) return;
  const rest = restOfTransaction(context, remade);
  const newKeys = [...uniqueKeysDeclared(created), ...indexesBuiltByMigration(context, relation, rest).filter((index) => index.unique && !index.partial).flatMap((index) => (index.keyColumns ? [index.keyColumns] : []))];
  for (const index of context.schema.indexesOn(relation)) {
    const keys = index.keyColumns;
    if (!index.unique || index.partial || !keys || keys.some((column) => context.schema.retirement(relation, column)?.deployed === true)) continue;
    if (newKeys.some((key) => sameColumnSet(key, keys))) continue;
    const shownKeys = keys.map(quoteIdentifier).join(', ');
    const name = index.constraint ? `constraint ${quoteIdentifier(index.constraint)}` : `unique index ${quoteIdentifier(index.name.name)}`;
    context.report({ messageId: 'tableMadeAgainWithoutKey', helpId: 'keepKeyHelp', data: { table: displayResolvedName(relation), line: context.lineOf(remade.range.start), keys: shownKeys, name } });
  }
}

/** The key columns of the PRIMARY KEY and UNIQUE constraints a CREATE TABLE declares, on a column or on the table. */
function uniqueKeysDeclared(created: CreateStmt): string[][] {
  const table = created.relation?.relname ?? '';
  const constraints = (created.tableElts ?? []).flatMap((element) => {
    const column = asKind(element, 'ColumnDef');
    if (!column) return [constraintInfo(asKind(element, 'Constraint') ?? {}, table)];
    return (column.constraints ?? []).map((node) => constraintInfo(asKind(node, 'Constraint') ?? {}, table, column.colname));
  });
  return constraints.filter((constraint) => constraint?.kind === 'unique' || constraint?.kind === 'primary key').map((constraint) => constraint!.columns);
}
