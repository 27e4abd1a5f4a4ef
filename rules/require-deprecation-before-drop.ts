import type { AlterTableCmd } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import type { RuleContext } from '../src/engine/context.js';
import { wordList } from '../src/engine/messages.js';
import { columnTakingName, commandsOnExistingTable } from '../src/engine/alter-table-commands.js';
import { knownColumn } from '../src/engine/batches.js';
import { columnDropSteps, columnReplacementSteps, RELATION_OBJECT_WORDS, tableDropSteps, type RelationWord } from '../src/knowledge/expand-contract.js';
import { describeType } from '../src/knowledge/type-changes.js';
import { columnType, type ColumnType } from '../src/model/schema-objects.js';
import { displayName, relationFromNameList, relationFromRangeVar, type RelationName } from '../src/model/names.js';
import { asKind } from '../src/parse/node-types.js';
import { callsLater, columnsLeftOut, renamedIntoPlaceLater, restOfTransaction, servesLikeTheOld, statementCreatingAgain, statementCreatingAgainInFile } from '../src/engine/transaction-block.js';
import { emptiedBy } from '../src/engine/empty-tables.js';
import { trafficLock } from '../src/knowledge/statement-locks.js';
import type { Statement } from '../src/parse/parse.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';
import { DURATION_PATTERN, formatDuration, parseDuration } from '../src/engine/duration.js';
import type { Retirement } from '../src/model/schema-model.js';

type MessageId =
  | 'dropColumn'
  | 'dropColumnRetiredInSameRelease'
  | 'dropTable'
  | 'dropTableRetiredInSameRelease'
  | 'droppedUntilCreatedAgain'
  | 'createAgainHelp'
  | 'createdAgainWithoutColumns'
  | 'keepColumnsHelp'
  | 'createdAgainEmpty'
  | 'keepRowsHelp'
  | 'retiredTooRecently'
  | 'columnRetyped'
  | 'columnRecreated'
  | 'columnNowGenerated'
  | 'help';

interface Options {
  minDeprecationAge?: string;
}

export default defineRule<MessageId, Options>({
  id: 'require-deprecation-before-drop',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      dropColumn:
        'Dropping {{table}}.{{column}} breaks the application version still running during the deploy if it reads or writes the column, and no earlier migration retired it. It takes an ACCESS EXCLUSIVE lock on {{table}}.',
      dropColumnRetiredInSameRelease:
        'Dropping {{table}}.{{column}} in the same release that retires it (in {{migration}}) leaves no deploy in which the application stops using the column before it disappears.',
      dropTable:
        '{{ifItExists}}{{dropping}} {{kind}} {{table}} breaks the application version still running during the deploy if it still uses the {{kind}}, and no earlier migration retired it. It takes an ACCESS EXCLUSIVE lock on {{table}}{{alsoLocked}}.',
      droppedUntilCreatedAgain:
        'The drop of {{kind}} {{table}} commits {{gap}}, before line {{line}} creates it again: in between, the {{kind}} does not exist, and every query of the application version still running during the deploy that uses it fails ("relation does not exist").',
      createdAgainWithoutColumns:
        'Dropping {{kind}} {{table}} and creating it again on line {{line}} without {{columns}} breaks the application version still running during the deploy if it uses {{them}}: from the commit on, its queries that name {{them}} fail ("column ... does not exist").',
      keepColumnsHelp:
        'Create it again with {{columns}} for now, release code that no longer uses {{them}}, and drop {{them}} in a later migration, once no running release uses {{them}} (retire {{them}} first: COMMENT ON COLUMN ... IS \'deprecated: ...\').',
      createdAgainEmpty:
        'Dropping table {{table}} and creating it again on line {{line}} empties it: every row it held is lost, and from the commit on, the application version still running during the deploy finds none of them.',
      keepRowsHelp:
        'Keep the rows: rename the table away instead (ALTER TABLE {{table}} RENAME TO {{table}}_old), create the new one, copy them over before COMMIT (INSERT INTO {{table}} SELECT ... FROM {{table}}_old), and drop {{table}}_old later; or change the table in place with ALTER TABLE. If its rows are meant to go, say so where you suppress this finding.',
      createAgainHelp:
        'Create it again in the same transaction as the drop, before it commits (BEGIN; DROP ...; CREATE ...; COMMIT;): queries of the {{kind}} then wait for the lock, and find the new {{kind}}.',
      dropTableRetiredInSameRelease:
        'Dropping {{kind}} {{table}} in the same release that retires it (in {{migration}}) leaves no deploy in which the application stops using the {{kind}} before it disappears.',
      retiredTooRecently:
        '{{what}} was retired in {{migration}} only {{age}} before this drop; minDeprecationAge asks for {{minimum}}, so that every release still running has stopped using it.',
      columnRetyped:
        'Dropping {{table}}.{{column}} and adding it again as {{newType}} (it was {{oldType}}) changes its type under the same name: the application version still running during the deploy reads and writes it as {{oldType}}, and its writes fail where {{newType}} does not take them, until every instance runs the new code.',
      columnRecreated:
        '{{ifItExists}}{{dropping}} {{table}}.{{column}} and adding it again under the same name loses every value it held, while the application version still running during the deploy goes on reading and writing it.',
      columnNowGenerated:
        '{{ifItExists}}{{dropping}} {{table}}.{{column}} and adding it again as a generated column keeps its reads working, but the application version still running during the deploy may still write it, and PostgreSQL refuses any value but DEFAULT for a generated column ("cannot insert a non-DEFAULT value into column"): those INSERTs and UPDATEs fail until every instance runs the new code.',
      help: '{{steps}}',
    },
    options: {
      properties: {
        minDeprecationAge: {
          type: 'string',
          pattern: DURATION_PATTERN,
          description: 'How long before the drop the retiring migration must have been committed, from git history, e.g. "7d" (m, h, d, w). Skipped outside a git repository.',
        },
      },
      defaults: {},
    },
    docs: {
      summary: 'Requires a column, table or view to be retired in an earlier, deployed migration before it is dropped.',
      why: 'The old application version keeps running for minutes after a migration commits. If it still selects, inserts or updates the dropped column (an ORM that lists every mapped column does), each of those queries fails with "column does not exist" until the deploy finishes; a dropped table fails every query that names it. The drop also needs an ACCESS EXCLUSIVE lock, which queues behind long queries and blocks all traffic queued behind it. A table dropped and created again in the same transaction, with every column it had (or by CREATE TABLE ... AS, whose columns lockwise cannot follow), or replaced by a table with every column it had renamed into its name there, is not reported: queries wait on the lock, then find the new table (no-statements-after-access-exclusive reports the wait). But a table made again by CREATE TABLE starts empty: it is reported for the rows it loses, unless a later statement of the transaction copies rows into it (INSERT ... SELECT ... FROM, COPY ... FROM) or a CALL may. The same holds for views, dropped and created again by CREATE VIEW, and for a relation dropped before a CALL in the same transaction, whose procedure may create it again where lockwise cannot see. One created again later in the file, but after the drop committed (its transaction ended, or it ran on its own), is reported for the moment in between, when it does not exist. A table under a name this release gave it (`RENAME TO _bkp_users`, then its drop) is used by no running release, and is not reported either; nor is `DROP TABLE IF EXISTS` of a name no migration lockwise read created, followed in the file by a CREATE of that name, a guard that lets the migration run again (graphile-migrate\'s idiom). A column dropped and added again under its name in the same migration (Prisma\'s way to change a type it cannot convert) is reported for what the running release meets: a new type under the old name, or its values lost; a generated column computed again, or a column of the same type that the migration filled and renamed into place, is not reported; a plain column that comes back generated is, for the running release\'s writes of it, which PostgreSQL refuses.',
      instead: 'Contract in two deploys. First ship code that no longer uses the column and retire it in a migration, with COMMENT ON COLUMN t.c IS \'deprecated: ...\' (any text starting with "deprecated", or PostGraphile\'s `@deprecated` smart tag on a line of its own) or a `-- lockwise:deprecate t.c` comment (`-- lockwise:deprecate-table t` for a table). Once that release runs everywhere, drop it in a later migration. lockwise replays the earlier migrations to find the retirement; with --since, the retiring migration must already be in the base commit, since retiring and dropping in one pull request is the one-step outage again. The minDeprecationAge option also asks for time between the two commits. Tables and columns created by migrations that were never deployed may be dropped freely.',
      bad: 'ALTER TABLE users DROP COLUMN username;',
      good: "-- this release: the application stops using the column, and the migration retires it\nCOMMENT ON COLUMN users.username IS 'deprecated: use handle';\n-- a later migration, once this release runs everywhere:\n-- ALTER TABLE users DROP COLUMN username;",
      references: [
        'https://www.postgresql.org/docs/current/sql-altertable.html',
        'https://www.postgresql.org/docs/current/sql-droptable.html',
        'https://www.postgresql.org/docs/current/sql-comment.html',
      ],
      pgVersions: 'All versions.',
      prevents: 'errors in the release still running; ACCESS EXCLUSIVE lock',
    },
  },
  create(context, options) {
    const minimumAge = options.minDeprecationAge === undefined ? undefined : parseDuration(options.minDeprecationAge);

    /** A deployed retirement that is younger than minDeprecationAge; true when it is old enough or not checked. */
    const oldEnough = (retirement: Retirement, what: string): boolean => {
      if (minimumAge === undefined || !context.dates.available) return true;
      const retiredAt = context.dates.committedAt(retirement.migration) ?? context.dates.now;
      const droppedAt = context.dates.committedAt(context.filePath) ?? context.dates.now;
      const age = droppedAt.getTime() - retiredAt.getTime();
      if (age >= minimumAge) return true;
      context.report({
        messageId: 'retiredTooRecently',
        data: { what, migration: retirement.migration, age: formatDuration(Math.max(0, age)), minimum: options.minDeprecationAge! },
      });
      return false;
    };

    /**
     * The other tables the DROP locks ACCESS EXCLUSIVE, those its foreign keys link the dropped one to (racesow's map and player,
     * the busiest tables of its application), leaving out those the statement drops too.
     */
    const linkedTablesLocked = (): string => {
      const dropped = (asKind(context.statement.node, 'DropStmt')?.objects ?? []).map(relationFromNameList).filter((name) => name !== undefined);
      const linked = context
        .locksOf(context.statement)
        .filter((claim) => claim.target !== 'index' && claim.target !== 'table-of-index' && !claim.takenOnlyIf && trafficLock(claim) === 'ACCESS EXCLUSIVE' && !dropped.some((name) => context.schema.sameTable(name, claim.relation)))
        .map((claim) => displayName(claim.relation));
      const names = [...new Set(linked)];
      return names.length === 0 ? '' : `, and on ${wordList(names)}, which its foreign keys link it to`;
    };
    const reportDrop = (table: string, retiredIn: string | undefined, column?: string, ifItExists = '', kind: RelationWord = 'table'): void => {
      const steps = column === undefined ? tableDropSteps(table, kind) : columnDropSteps(table, column);
      const data = { table, kind, column: column ?? '', migration: retiredIn ?? '', steps, ifItExists, dropping: ifItExists ? 'dropping' : 'Dropping', alsoLocked: column === undefined ? linkedTablesLocked() : '' };
      if (column === undefined) {
        context.report({ messageId: retiredIn ? 'dropTableRetiredInSameRelease' : 'dropTable', helpId: 'help', data });
      } else {
        context.report({ messageId: retiredIn ? 'dropColumnRetiredInSameRelease' : 'dropColumn', helpId: 'help', data });
      }
    };

    /**
     * A column dropped and added again under its name in the same migration: a generated column computed again, or one
     * of the same type filled before the drop and renamed to it, keeps what the running release reads; any other loses
     * its values, or changes its type under the release.
     */
    const reportReplacement = (relation: RelationName, name: string, replacement: Replacement, ifExists: boolean): void => {
      const oldType = context.schema.column(relation, name)?.type;
      const retyped = oldType && replacement.type && describeType(oldType) !== describeType(replacement.type);
      const table = displayName(relation);
      const column = quoteIdentifier(name);
      const steps = columnReplacementSteps(table, column, quoteIdentifier(`${name}_new`), {
        ...knownColumn(context, relation, name),
        ...(retyped ? { type: describeType(replacement.type!), castTo: describeType(replacement.type!) } : {}),
        ...(context.schema.primaryKey(relation)?.includes(name) ? { primaryKey: true } : {}),
      });
      if (retyped) {
        context.report({ messageId: 'columnRetyped', helpId: 'help', data: { table, column, oldType: describeType(oldType), newType: describeType(replacement.type!), steps } });
        return;
      }
      // DROP COLUMN IF EXISTS of a column no migration added: a guard that lets the migration run again (Sirimbo's), whose loss is only where the column exists.
      const ifItExists = ifExists && !oldType ? `Where ${table}.${column} exists (no migration lockwise read added it), ` : '';
      const hedged = { table, column, steps, ifItExists, dropping: ifItExists ? 'dropping' : 'Dropping' };
      if (replacement.generated && context.schema.column(relation, name)?.generated === undefined) {
        context.report({ messageId: 'columnNowGenerated', helpId: 'help', data: hedged });
      } else if (!replacement.keepsValues) {
        context.report({ messageId: 'columnRecreated', helpId: 'help', data: hedged });
      }
    };

    return {
      ...commandsOnExistingTable(context, (cmd, relation) => {
        if (cmd.subtype !== 'AT_DropColumn' || !cmd.name || context.schema.isNewColumnName(relation, cmd.name)) return;
        // A table the model saw created, without the column: DROP COLUMN IF EXISTS does nothing, nor does a drop in a DO
        // block's branch (Mattermost's IF the column exists), and a column an earlier migration dropped is no longer
        // there for the running release. Otherwise the column must be there, added where lockwise did not see (a
        // missing migration, SQL built at run time).
        const guarded = cmd.missing_ok || context.mayBeSkipped(context.statement) || context.schema.isColumnGone(relation, cmd.name);
        if (guarded && context.schema.table(relation) && !context.schema.column(relation, cmd.name)) return;
        const retirement = context.schema.retirement(relation, cmd.name);
        const column = quoteIdentifier(cmd.name);
        const replacement = columnTakingTheName(context, relation, cmd);
        if (replacement && !retirement?.deployed) {
          reportReplacement(relation, cmd.name, replacement, cmd.missing_ok === true);
          return;
        }
        if (retirement?.deployed) oldEnough(retirement, `${displayName(relation)}.${column}`);
        else reportDrop(displayName(relation), retirement?.migration, column);
      }),
      DropStmt(drop) {
        const kind = RELATION_OBJECT_WORDS[drop.removeType ?? ''];
        if (!kind) return;
        for (const object of drop.objects ?? []) {
          const relation = relationFromNameList(object);
          if (!relation || !context.isExistingTable(relation)) continue;
          // IF EXISTS of a table the migrations dropped already does nothing; a name this release gave is used by no running one.
          if ((drop.missing_ok && context.schema.isGone(relation, 'table')) || context.schema.isNewTableName(relation)) continue;
          // DROP ... IF EXISTS of a name no migration made, then CREATE of it: a guard that lets the migration run again
          // (graphile-migrate's idiom), which creates the table; where a table of the name exists, its columns are unknown.
          if (drop.missing_ok && !context.schema.table(relation) && statementCreatingAgainInFile(context, context.statement, relation)) continue;
          const retirement = context.schema.retirement(relation);
          if (context.transaction.inTransaction) {
            const remade = statementCreatingAgain(context, context.statement, relation);
            if (remade && servesLikeTheOld(context, remade.node, relation)) {
              // Made again by CREATE TABLE and never filled from the old rows (coventbot's mod_log): the rows are gone.
              const empty = kind === 'table' && asKind(remade.node, 'CreateStmt') && !retirement?.deployed && !callsLater(context, context.statement) && !refilledLater(context, remade, relation) && !emptiedBy(context, relation);
              if (empty) context.report({ messageId: 'createdAgainEmpty', helpId: 'keepRowsHelp', data: { table: displayName(relation), line: context.lineOf(remade.range.start) } });
              continue;
            }
            if (renamedIntoPlaceLater(context, context.statement, relation) || callsLater(context, context.statement)) continue;
          }
          const madeAgain = retirement?.deployed ? undefined : statementCreatingAgainInFile(context, context.statement, relation);
          const rest = context.transaction.inTransaction ? restOfTransaction(context, context.statement) : [];
          if (madeAgain && !rest.includes(madeAgain)) {
            const committedBy = context.transaction.inTransaction ? context.statements[context.statement.index + rest.length + 1] : undefined;
            const gap = committedBy ? `with the transaction that ends on line ${context.lineOf(committedBy.range.start)}` : 'on its own';
            context.report({ messageId: 'droppedUntilCreatedAgain', helpId: 'createAgainHelp', data: { kind, table: displayName(relation), line: context.lineOf(madeAgain.range.start), gap } });
            continue;
          }
          // Created again in the transaction, without some of the columns the running release uses (Stellar Horizon's trades).
          const lost = (madeAgain && columnsLeftOut(context, madeAgain.node, relation)) || [];
          if (madeAgain && lost.length > 0) {
            const columns = wordList(lost.map(quoteIdentifier));
            context.report({ messageId: 'createdAgainWithoutColumns', helpId: 'keepColumnsHelp', data: { kind, table: displayName(relation), line: context.lineOf(madeAgain.range.start), columns, them: lost.length > 1 ? 'them' : 'it' } });
            continue;
          }
          // IF EXISTS of a table no migration created: it may exist in databases older than the history.
          const ifItExists = drop.missing_ok && !context.schema.table(relation) ? `Where ${displayName(relation)} exists (no migration lockwise read created it), ` : '';
          if (retirement?.deployed) oldEnough(retirement, `${kind} ${displayName(relation)}`);
          else reportDrop(displayName(relation), retirement?.migration, undefined, ifItExists, kind);
        }
      },
    };
  },
});

/** The column that takes a dropped column's name later in the same migration, and whether the running release's reads find what they found. */
interface Replacement {
  type: ColumnType | undefined;
  /** A generated column, computed again from the row; or a column the migration renamed to the name, filled by it before (lockwise assumes from the old one). */
  keepsValues: boolean;
  /** A generated column, which takes no value but DEFAULT from INSERT or UPDATE. */
  generated: boolean;
}

function columnTakingTheName(context: RuleContext<MessageId>, relation: RelationName, drop: AlterTableCmd): Replacement | undefined {
  const taker = columnTakingName(context.statements, context.statement, drop, relation, context.schema);
  if (!taker) return undefined;
  if ('added' in taker) {
    const generated = (taker.added.constraints ?? []).some((constraint) => asKind(constraint, 'Constraint')?.contype === 'CONSTR_GENERATED');
    return { type: columnType(taker.added.typeName), keepsValues: generated, generated };
  }
  const from = taker.renamed.subname!;
  const filled = context.statements.slice(0, context.statement.index).some((earlier) => {
    const update = asKind(earlier.node, 'UpdateStmt');
    return update?.relation && context.schema.sameTable(relationFromRangeVar(update.relation), relation) && (update.targetList ?? []).some((target) => asKind(target, 'ResTarget')?.name === from);
  });
  // A generated copy of the column renamed into its place (`id GENERATED ALWAYS AS (u_id)`, then u_id renamed to id, Sirimbo's) held its values.
  const copied = context.schema.column(relation, drop.name ?? '')?.generatedFrom === from;
  return { type: context.schema.column(relation, from)?.type, keepsValues: filled || copied, generated: context.schema.column(relation, from)?.generated !== undefined };
}

/** Whether a statement after `remade`, before COMMIT, fills the table from rows elsewhere: INSERT ... SELECT ... FROM, or COPY FROM. */
function refilledLater(context: RuleContext<MessageId>, remade: Statement, relation: RelationName): boolean {
  return restOfTransaction(context, remade).some((later) => {
    const insert = asKind(later.node, 'InsertStmt');
    if (insert?.relation && context.schema.sameTable(relationFromRangeVar(insert.relation), relation)) {
      const select = asKind(insert.selectStmt, 'SelectStmt');
      return select !== undefined && ((select.fromClause?.length ?? 0) > 0 || (select.op !== undefined && select.op !== 'SETOP_NONE'));
    }
    const copy = asKind(later.node, 'CopyStmt');
    return copy?.is_from === true && copy.relation !== undefined && context.schema.sameTable(relationFromRangeVar(copy.relation), relation);
  });
}
