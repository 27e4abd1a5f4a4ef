import type { Statement } from '../src/parse/parse.js';
import { everyQueryOf } from '../src/knowledge/lock-modes.js';
import { defineRule } from '../src/engine/rule.js';
import { shortWordList, wordList } from '../src/engine/messages.js';
import { alterTableCommands, asKind, stringValues } from '../src/parse/node-types.js';
import type { ColumnDef } from '@pgsql/types';
import { ALTER_TABLE_EFFECTS } from '../src/knowledge/lock-table.js';
import { functionCallsIn } from '../src/knowledge/expression-volatility.js';
import { columnType, isSerial } from '../src/model/schema-objects.js';
import { displayName, relationFromNames, relationFromRangeVar, type RelationName } from '../src/model/names.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';
import { createdAgainLater, restOfTransaction } from '../src/engine/transaction-block.js';
import { FAST_DEFAULT_SINCE } from '../src/engine/column-declarations.js';
import type { HeldLock } from '../src/engine/held-locks.js';
import { emptiedBy } from '../src/engine/empty-tables.js';
import { dropsRelation } from '../src/engine/alter-table-commands.js';
import { DROPPED_RELATION_KINDS, trafficLock, trafficTable, type LockClaim } from '../src/knowledge/statement-locks.js';

/** A held lock's claim, naming the table when it named an index whose table the model knew when the lock was taken (it may be dropped since). */
function asTableClaim(lock: HeldLock): LockClaim {
  return lock.claim.target === 'table-of-index' && lock.table !== lock.claim.relation ? { ...lock.claim, relation: lock.table, target: 'table' } : lock.claim;
}

/** How many tables locked later in the transaction a finding names; the rest it counts. */
const LATER_LOCKS_NAMED = 4;

/** Transaction control and session settings take no lock and do no work. */
const TRAILER_KINDS = new Set(['TransactionStmt', 'VariableSetStmt', 'VariableShowStmt']);
/** An ALTER TABLE whose sub-commands other ones can join: not RENAME, SET SCHEMA (other statements), ATTACH or DETACH PARTITION. */
function isCombinableAlterTable(statement: Statement): boolean {
  const alter = asKind(statement.node, 'AlterTableStmt');
  const alone = new Set(['AT_AttachPartition', 'AT_DetachPartition', 'AT_DetachPartitionFinalize']);
  return alter !== undefined && (alter.cmds ?? []).every((command) => !alone.has(asKind(command, 'AlterTableCmd')?.subtype ?? ''));
}

/** The names for the help that builds a table under another name and renames it: `orders`, `orders_new`. */
function rebuildNames(table: RelationName): Record<string, string> {
  return { table: displayName(table), name: quoteIdentifier(table.name), newName: quoteIdentifier(`${table.name}_new`) };
}

/**
 * A DROP without CASCADE, which drops nothing but what it names: a function or procedure (not the triggers that use
 * it), a type no column uses (PostgreSQL refuses the drop otherwise), or a table or index the transaction holds already.
 */
function dropsOnlyWhatItNames(statement: Statement): boolean {
  const drop = asKind(statement.node, 'DropStmt');
  return drop !== undefined && drop.behavior !== 'DROP_CASCADE';
}

/** What a FROM or JOIN of a DO block's text reads: a relation's name, possibly schema-qualified. */
const READ_SOURCE = /\b(?:from|join)\s+((?:"[^"]+"|[\w$]+)(?:\s*\.\s*(?:"[^"]+"|[\w$]+))?)/gi;
/** The catalog: information_schema's views and pg_catalog's tables. */
const CATALOG_SOURCE = /^(?:"?information_schema"?\s*\.|"?pg_catalog"?\s*\.|"?pg_)/;

/** Statements that change only the catalog when the objects they work on are new, or locked by the transaction already. */
const CATALOG_ONLY_KINDS = new Set([
  'CreateStmt',
  'IndexStmt',
  'AlterTableStmt',
  'RenameStmt',
  'CreateSeqStmt',
  'AlterSeqStmt',
  'CreateEnumStmt',
  // ADD VALUE and RENAME VALUE lock the enum type alone (seen on PostgreSQL 18), never a table that uses it.
  'AlterEnumStmt',
  'CompositeTypeStmt',
  'CreateDomainStmt',
  'CreateFunctionStmt',
  'AlterFunctionStmt',
  // CREATE AGGREGATE, OPERATOR, TYPE, COLLATION and TEXT SEARCH ..., CREATE CAST and CREATE RANGE TYPE lock no relation (seen on PostgreSQL 18).
  'DefineStmt',
  'CreateCastStmt',
  'CreateRangeStmt',
  'CreateTrigStmt',
  // CREATE POLICY and ALTER POLICY need ACCESS EXCLUSIVE on their table, and change only the catalog (seen on PostgreSQL 18).
  'CreatePolicyStmt',
  'AlterPolicyStmt',
  'GrantStmt',
  'ViewStmt',
  'DropStmt',
]);

export default defineRule({
  id: 'no-statements-after-access-exclusive',
  meta: {
    severity: 'warning',
    presets: ['recommended', 'strict'],
    messages: {
      statementAfterLock:
        'This statement runs while {{object}} {{is}} locked ACCESS EXCLUSIVE (taken on line {{line}}), a lock held until the transaction commits: {{waiting}} waits for this statement too, and for any lock it has to wait for.{{later}}',
      help: 'Make the statement that takes ACCESS EXCLUSIVE the last one before COMMIT: move this statement before it, into a separate transaction or migration{{laterDeployNote}}, or, for another change to the same table, into the same ALTER TABLE statement.',
      rebuildHelp:
        'Create the new table first, under another name, so that whatever it waits for (the tables its foreign keys reference) it waits for before the old one is locked; then drop the old table and rename the new one to its name, which only changes the catalog: CREATE TABLE {{newName}} (...); DROP TABLE {{table}}; ALTER TABLE {{newName}} RENAME TO {{name}};',
      separateHelp:
        'Make the statement that takes ACCESS EXCLUSIVE the last one before COMMIT: move this statement before it, or into a separate transaction or migration{{laterDeployNote}} (a RENAME, SET SCHEMA, ATTACH or DETACH PARTITION cannot share an ALTER TABLE statement with other changes).',
    },
    docs: {
      summary: 'Flags statements that run in a transaction after it took an ACCESS EXCLUSIVE lock on an existing table.',
      why: 'A lock is held until the end of the transaction, not of the statement. Once a statement has taken ACCESS EXCLUSIVE on a table (most forms of ALTER TABLE, DROP INDEX, TRUNCATE, CREATE POLICY, REFRESH MATERIALIZED VIEW, ...), no query can read or write that table until COMMIT, so every statement after it in the same transaction lengthens the outage: a backfill UPDATE, an index build, or a lock on another table that has to wait for a long-running query (and can deadlock with the application). A migration tool that wraps the file in a transaction makes the whole file one transaction. Not flagged: COMMIT, ROLLBACK, SAVEPOINT, SET, RESET and SHOW, which do no work, and COMMENT ON the locked table or its columns (also under the name a RENAME in the transaction gave it), which needs only a weaker lock the transaction already holds (a comment on a column added by the locking statement cannot move before it); nor statements that only create or change new objects and lock nothing the transaction does not hold already (a new table, its indexes and its foreign keys, also to the locked table; a view, also one created again after DROP VIEW; ALTER INDEX ... RENAME of the locked table\'s index; CREATE POLICY or ALTER POLICY on the locked table (a policy dropped and created again); CREATE FUNCTION; ALTER TYPE ... ADD VALUE or RENAME VALUE, which lock the enum type alone; a DROP without CASCADE of a function or procedure, of a type no column uses, or of a table or index the transaction holds already; an ALTER TABLE of the locked table that neither rewrites nor scans it, such as adding a nullable column or one with a default that is not volatile, on PostgreSQL 11+), which change only the catalog and cannot wait; nor a statement that takes ACCESS EXCLUSIVE itself on every table held so and locks nothing else, such as a rewrite of the locked table after a DROP INDEX, which holds the lock as long wherever it runs (unless an ALTER TABLE that took the lock rewrites or scans the table too: one ALTER TABLE with both changes does that work once); nor an index build, rewrite or scan of a table the transaction proved empty (a TRUNCATE, or an ADD COLUMN NOT NULL without a default that succeeded); nor a DO block that runs only such statements, none of them in a loop, no SQL built at run time, and reads nothing but the catalog (information_schema, pg_*). A table, view or materialized view the transaction creates is not named among the later locks, as no one else can see it before COMMIT (a view CREATE OR REPLACE finds is). A table, view or materialized view the transaction drops is not counted, nor named among the later locks, as nothing should be using it, unless the same transaction creates it again (then the application goes on querying it, and waits); the tables that the foreign keys of a dropped table reference are, as PostgreSQL locks them ACCESS EXCLUSIVE to remove the triggers of those keys. Reported once per transaction, at the first statement after the lock; the finding also names the tables that later statements of the transaction lock ACCESS EXCLUSIVE.',
      instead: 'Order the transaction so the statement that takes ACCESS EXCLUSIVE comes last, right before COMMIT. Combine several changes to one table into one ALTER TABLE statement, and run backfills and index builds in transactions of their own.',
      bad: 'BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nUPDATE orders SET note = \'\' WHERE id BETWEEN 1 AND 1000;\nCOMMIT;',
      good: 'BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMENT ON COLUMN orders.note IS \'free text from support\';\nCOMMIT;\nUPDATE orders SET note = \'\' WHERE id BETWEEN 1 AND 1000;',
      references: [
        'https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES',
        'https://www.postgresql.org/docs/current/sql-altertable.html',
      ],
      pgVersions: "All versions. Which statements take ACCESS EXCLUSIVE comes from lockwise's lock table, for the target version.",
      prevents: 'an ACCESS EXCLUSIVE lock held while the rest of the transaction runs',
    },
  },
  create(context) {
    /** The statement whose lock the rule reported: once per lock, which ROLLBACK TO may release and the transaction take again. */
    let reportedLockOf: Statement | undefined;
    const counted = new WeakMap<HeldLock, boolean>();
    /**
     * ACCESS EXCLUSIVE on an existing table. A table, view or materialized view the transaction drops is not counted, as
     * nothing should be using it, unless the transaction creates it again.
     */
    const counts = (held: HeldLock): boolean => {
      let answer = counted.get(held);
      if (answer === undefined) {
        answer =
          trafficLock(held.claim) === 'ACCESS EXCLUSIVE' &&
          held.onExistingTable &&
          // A lock an earlier migration of the transaction took (drizzle's runner) is judged as held.
          (held.earlier !== undefined || !retiredInTransaction(held.statement, held.claim.relation));
        counted.set(held, answer);
      }
      return answer;
    };

    return {
      onStatement(statement) {
        if (!context.transaction.inTransaction) return;
        const held = context.heldLocks().filter(counts);
        // A lock taken for sure is the one to name; one a DO block's branch may take (IF EXISTS ...) only when it is all there is.
        const first = held.find((lock) => !lock.claim.takenOnlyIf) ?? held[0];
        if (!first || first.statement === reportedLockOf || isTrailer(statement, held) || isQuickUnderLocksHeld(statement, held) || isQuickBlock(statement, held) || locksAllAgain(statement, held)) return;
        reportedLockOf = first.statement;
        const words = held.filter((lock) => lock.statement === first.statement).map((lock) => context.describeLock(asTableClaim(lock), lock.relationKind));
        const objects = [...new Set(words.map((word) => word.object))];
        const several = objects.length > 1;
        // CREATE TABLE of the relation the locking DROP removed cannot move before it: build it under another name first.
        const created = asKind(statement.node, 'CreateStmt')?.relation;
        const recreates = created !== undefined && held.some((lock) => lock.statement === first.statement && asKind(first.statement.node, 'DropStmt') && context.schema.sameTable(lock.claim.relation, relationFromRangeVar(created)));
        context.report({
          messageId: 'statementAfterLock',
          helpId: recreates ? 'rebuildHelp' : !first.earlier && isCombinableAlterTable(first.statement) ? 'help' : 'separateHelp',
          // "the table", or "the view" for a view dropped and created again.
          data: {
            object: wordList(objects),
            waiting: everyQueryOf(several ? 'them' : words[0]!.relation),
            is: several ? 'are' : 'is',
            line: `${context.lineOfLock(first)}${first.claim.takenOnlyIf ? `, if ${first.claim.takenOnlyIf}` : ''}`,
            later: laterLocksInWords(statement, held),
            ...(recreates ? rebuildNames(relationFromRangeVar(created)) : {}),
          },
        });
      },
    };

    /**
     * A DO block that runs only statements the rule lets pass, none of them in a loop, no SQL built at run time, and
     * reads only the catalog: a rename or a CREATE TYPE wrapped in IF NOT EXISTS or an exception handler (its own
     * statements are judged after it).
     */
    function isQuickBlock(statement: Statement, held: HeldLock[]): boolean {
      if (statement.kind !== 'DoStmt' || statement.runsDynamicSql) return false;
      // Its queries (SELECT ... INTO, PERFORM, IF EXISTS (...)) are not among its statements: they may read only the catalog.
      const read = [...context.sqlText(statement.range).matchAll(READ_SOURCE)].map((match) => match[1]!.toLowerCase());
      if (read.some((source) => !CATALOG_SOURCE.test(source))) return false;
      const inside = context.statements.filter((other) => other.insideBlock === statement.index);
      return inside.length > 0 && inside.every((other) => !other.inLoop && (isTrailer(other, held) || isQuickUnderLocksHeld(other, held)));
    }

    /**
     * A statement that only makes or changes new objects, and locks nothing the transaction does not hold already:
     * CREATE TABLE with its indexes and foreign keys (to the locked table too), ALTER INDEX ... RENAME of the locked
     * table's index. It cannot wait for anyone, and changes only the catalog, so it does not lengthen the outage.
     */
    function isQuickUnderLocksHeld(statement: Statement, held: HeldLock[]): boolean {
      if (!CATALOG_ONLY_KINDS.has(statement.kind) || (statement.kind === 'DropStmt' && !dropsOnlyWhatItNames(statement))) return false;
      const { node } = statement;
      // An index build, or an ALTER TABLE that rewrites or scans an existing table, does work under the lock, even one the transaction holds,
      // unless the transaction proved the table empty.
      const worksOn = asKind(node, 'IndexStmt')?.relation ?? (changesOnlyTheCatalog(statement) ? undefined : asKind(node, 'AlterTableStmt')?.relation);
      if (worksOn && context.isExistingTable(relationFromRangeVar(worksOn)) && !emptiedBy(context, relationFromRangeVar(worksOn))) return false;
      if (asKind(node, 'CreateStmt')?.partbound) return false;
      return context.locksOf(statement).every((claim) => !context.locksExistingTable(claim) || holds(held, trafficTable(claim, (index) => context.schema.indexTable(index))));
    }

    /**
     * A statement that takes ACCESS EXCLUSIVE itself on every table held so, and locks nothing else: a rewrite of the
     * locked table holds its readers up for as long wherever it runs, so moving it gains nothing (run first, it would
     * rather rebuild the index a DROP INDEX before it removes; seen on PostgreSQL 18, Comfy Registry's migration).
     * Unless an ALTER TABLE that took the lock rewrites or scans too: one ALTER TABLE with both changes does that work once.
     */
    function locksAllAgain(statement: Statement, held: HeldLock[]): boolean {
      const claims = context.locksOf(statement).filter((claim) => context.locksExistingTable(claim));
      const tableOf = (claim: LockClaim): RelationName => trafficTable(claim, (index) => context.schema.indexTable(index));
      return (
        claims.length > 0 &&
        held.every((lock) => !asKind(lock.statement.node, 'AlterTableStmt') || changesOnlyTheCatalog(lock.statement)) &&
        claims.every((claim) => holds(held, tableOf(claim))) &&
        held.every((lock) => claims.some((claim) => !claim.takenOnlyIf && trafficLock(claim) === 'ACCESS EXCLUSIVE' && context.schema.sameTable(tableOf(claim), lock.table)))
      );
    }

    /**
     * An ALTER TABLE each of whose sub-commands only changes the catalog, neither rewriting nor scanning the table: a
     * nullable column, or one with a default that is not volatile (PostgreSQL 11+), SET or DROP DEFAULT, DROP COLUMN,
     * a constraint added NOT VALID, and the like.
     */
    function changesOnlyTheCatalog(statement: Statement): boolean {
      const commands = alterTableCommands(statement.node);
      return commands.length > 0 && commands.every((cmd) => {
        const effect = ALTER_TABLE_EFFECTS[cmd.subtype ?? 'AT_AddColumn'];
        if (effect.rewrites === 'never' && effect.scans === 'never') return true;
        if (cmd.subtype === 'AT_AddConstraint') return asKind(cmd.def, 'Constraint')?.skip_validation === true;
        return cmd.subtype === 'AT_AddColumn' && addsColumnWithoutWork(asKind(cmd.def, 'ColumnDef'));
      });
    }

    function addsColumnWithoutWork(column: ColumnDef | undefined): boolean {
      if (!column || context.pgVersion < FAST_DEFAULT_SINCE || isSerial(column)) return false;
      const type = columnType(column.typeName);
      if (!type || context.schema.domain(type)) return false;
      const constraints = (column.constraints ?? []).map((node) => asKind(node, 'Constraint'));
      const fill = constraints.find((constraint) => constraint?.contype === 'CONSTR_DEFAULT')?.raw_expr;
      if (fill && functionCallsIn(fill, context.schema).some((call) => call.volatility !== 'immutable' && call.volatility !== 'stable')) return false;
      return constraints.every((constraint) => constraint?.contype === 'CONSTR_NULL' || constraint?.contype === 'CONSTR_DEFAULT' || (constraint?.contype === 'CONSTR_NOTNULL' && fill !== undefined));
    }

    /**
     * The existing tables this and later statements of the transaction lock ACCESS EXCLUSIVE, which it does not hold yet, in words:
     * the finding comes once per transaction, and their outage grows with every statement after them too.
     */
    function laterLocksInWords(statement: Statement, held: HeldLock[]): string {
      const known = held.map((lock) => lock.table);
      const created: RelationName[] = [];
      const words: string[] = [];
      let byThisOne = false;
      for (const later of [statement, ...restOfTransaction(context, statement)]) {
        const view = asKind(later.node, 'ViewStmt');
        // A view CREATE OR REPLACE finds already is no new one: the running release reads it.
        const newView = view?.view && !(view.replace && context.schema.table(relationFromRangeVar(view.view))) ? view.view : undefined;
        const made = asKind(later.node, 'CreateStmt')?.relation ?? asKind(later.node, 'CreateTableAsStmt')?.into?.rel ?? newView;
        if (made) created.push(relationFromRangeVar(made));
        for (const claim of context.locksOf(later)) {
          if (trafficLock(claim) !== 'ACCESS EXCLUSIVE' || claim.takenOnlyIf || !context.locksExistingTable(claim)) continue;
          // Nothing should be using a table the transaction drops; one created in the transaction holds no data. The tables a dropped one's foreign keys reference count.
          if (retiredInTransaction(later, claim.relation)) continue;
          const table = trafficTable(claim, (index) => context.schema.indexTable(index));
          if ([...known, ...created].some((other) => context.schema.sameTable(other, table))) continue;
          known.push(table);
          byThisOne ||= later === statement;
          words.push(`${displayName(table)} (line ${context.lineOf(later.range.start)})`);
        }
      }
      if (words.length === 0) return '';
      return ` ${byThisOne ? 'This and later statements' : 'Later statements'} of the transaction lock ${shortWordList(words, LATER_LOCKS_NAMED)} ACCESS EXCLUSIVE too, until it commits.`;
    }

    /** Whether this or a later statement of the transaction drops the relation, and none after that creates it again. */
    function retiredInTransaction(from: Statement, relation: RelationName): boolean {
      const drop = [from, ...restOfTransaction(context, from)].find((statement) => dropsRelation(statement, relation, context.schema, DROPPED_RELATION_KINDS));
      return drop !== undefined && !createdAgainLater(context, drop, relation);
    }

    /** Whether a held lock covers the relation, however the two are written (`users`, `public.users`). */
    function holds(held: HeldLock[], relation: RelationName): boolean {
      return held.some((lock) => context.schema.sameTable(lock.table, relation));
    }

    function isTrailer(statement: Statement, held: HeldLock[]): boolean {
      if (TRAILER_KINDS.has(statement.kind)) return true;
      const comment = asKind(statement.node, 'CommentStmt');
      if (comment?.objtype !== 'OBJECT_TABLE' && comment?.objtype !== 'OBJECT_COLUMN') return false;
      const names = stringValues(asKind(comment.object, 'List')?.items);
      const table = relationFromNames(comment.objtype === 'OBJECT_COLUMN' ? names.slice(0, -1) : names);
      return holds(held, table);
    }
  },
});
