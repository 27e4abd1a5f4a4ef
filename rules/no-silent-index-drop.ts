import { defineRule } from '../src/engine/rule.js';
import { columnTakingName, commandsAltering, commandsOnExistingTable, dropsTable } from '../src/engine/alter-table-commands.js';
import type { RuleContext } from '../src/engine/context.js';
import { indexesBuiltByMigration } from '../src/engine/built-indexes.js';
import { displayName, type RelationName } from '../src/model/names.js';
import type { IndexInfo } from '../src/model/schema-model.js';
import { sameColumnSet, type IndexColumns } from '../src/model/schema-objects.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

/** An index as far as this rule compares them: what it reads, and whether it is unique on all rows. */
interface IndexShape {
  columns: IndexColumns;
  /** Its key columns, when every key is a plain column rather than an expression. */
  keyColumns?: string[];
  unique: boolean;
  partial: boolean;
  primaryKey: boolean;
}

export default defineRule({
  id: 'no-silent-index-drop',
  meta: {
    severity: 'warning',
    presets: ['recommended', 'strict'],
    messages: {
      indexDropped:
        'DROP COLUMN {{column}} also drops index {{index}} of {{table}}, which {{covers}}: from the commit on, queries that find rows of {{table}} by {{leading}} through it can no longer use it, and may scan the whole table instead.',
      indexHelp:
        'If queries still find rows by {{leading}}, build the index they need first, in an earlier migration and without blocking writes: CREATE INDEX CONCURRENTLY ON {{table}} ({{leading}}); then drop the column. If nothing queries by {{leading}} any more, suppress this finding with that reason.',
      uniqueIndexDropped:
        'DROP COLUMN {{column}} also drops unique index {{index}} of {{table}}, which {{covers}}: from the commit on, nothing stops duplicate values of ({{keys}}), and queries that find rows by {{leading}} through it may scan the whole table instead.',
      uniqueHelp:
        'If ({{keys}}) must stay unique, build the unique index that says so first, in an earlier migration and without blocking writes: CREATE UNIQUE INDEX CONCURRENTLY ON {{table}} ({{keys}}) (with a WHERE clause that does not mention {{column}}, if it holds for some rows only); then drop the column.',
      uniqueExpressionIndexDropped:
        'DROP COLUMN {{column}} also drops unique index {{index}} of {{table}}, which {{covers}}: from the commit on, nothing stops two rows whose values of {{keys}} give equal keys, and queries that find rows by those expressions through it may scan the whole table instead.',
      uniqueExpressionHelp:
        'If those keys must stay unique, build the unique index that says so first, in an earlier migration and without blocking writes: CREATE UNIQUE INDEX CONCURRENTLY ON {{table}} (<the same key expressions>) (with a WHERE clause that does not mention {{column}}, if it holds for some rows only); then drop the column.',
      primaryKeyDropped:
        'DROP COLUMN {{column}} also drops primary key {{index}} of {{table}}, on ({{keys}}): until another is added, {{table}} has none, so a logical replication publication of it (whose default replica identity is the primary key) refuses its UPDATEs and DELETEs, and nothing keeps its rows unique.',
      primaryKeyHelp:
        'Give {{table}} its new primary key in the same transaction as the DROP COLUMN, from a unique index built concurrently beforehand on NOT NULL columns: ALTER TABLE {{table}} ADD CONSTRAINT {{index}} PRIMARY KEY USING INDEX <the new index>;',
    },
    docs: {
      summary: 'Warns about DROP COLUMN that also drops an index the table still needs for its other columns.',
      why: 'PostgreSQL drops every index that involves a dropped column, without a word: a multi-column index whose other columns queries still search by, an index that only INCLUDEs the column, a partial index whose WHERE clause mentions it (a unique index on email WHERE deleted_at IS NULL loses its uniqueness when deleted_at goes), and the primary key if the column is part of it. The drop itself is quick, but from the commit on the queries that used the index fall back to other plans, often a scan of the whole table, and a dropped unique index no longer stops duplicates. Not reported: an index led by the dropped column (it served lookups by that column), an index built by a migration not deployed yet, a table or index the migrations never showed lockwise, and an index whose lookups another index still serves (one led by the same columns, built before or in the same migration), or whose uniqueness another unique index keeps.',
      instead: 'Build the index the remaining queries need (or the unique index the data needs) concurrently, in an earlier migration, then drop the column. Give a table a new primary key in the same transaction as the drop.',
      bad: "CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint, legacy_status text);\nCREATE INDEX orders_account_status_idx ON orders (account_id, legacy_status);\n-- a later migration:\nALTER TABLE orders DROP COLUMN legacy_status;",
      good: "CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint, legacy_status text);\nCREATE INDEX orders_account_status_idx ON orders (account_id, legacy_status);\n-- a later migration, before the drop:\nCREATE INDEX CONCURRENTLY orders_account_idx ON orders (account_id);\n-- a later migration:\nALTER TABLE orders DROP COLUMN legacy_status;",
      references: [
        'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-DROP-COLUMN',
        'https://www.postgresql.org/docs/current/logical-replication-publication.html',
      ],
      pgVersions: 'Every version: DROP COLUMN drops the indexes and table constraints involving the column (checked on PostgreSQL 18, for key columns, expressions, INCLUDE and WHERE clauses).',
      prevents: 'slow queries after an index disappears; duplicates after a unique index disappears',
    },
  },
  create(context) {
    return {
      ...commandsOnExistingTable(context, (cmd, relation) => {
        if (cmd.subtype !== 'AT_DropColumn' || !cmd.name || context.schema.isNewColumn(relation, cmd.name)) return;
        if (dropsTable(context.statements, relation, context.schema)) return;
        const column = cmd.name;
        const altering = commandsAltering(context.statements, relation, context.schema);
        const drops = context.statements.flatMap((statement) =>
          commandsAltering([statement], relation, context.schema).flatMap((other) => (other.subtype === 'AT_DropColumn' && other.name ? [{ statement, cmd: other }] : [])),
        );
        const dropped = new Set(drops.map(({ cmd }) => cmd.name!));
        // A column added again under its name, or another renamed to it (a type change by drop and add), is a new column an index built here may cover.
        const goneForGood = new Set(drops.filter(({ statement, cmd }) => !columnTakingName(context.statements, statement, cmd, relation, context.schema)).map(({ cmd }) => cmd.name!));
        // A constraint the migration drops by name is dropped on purpose, not silently with its column.
        const droppedByName = new Set(altering.flatMap((other) => (other.subtype === 'AT_DropConstraint' && other.name ? [other.name] : [])));
        const known = context.schema.indexesOn(relation).flatMap((index) => (index.columns ? [{ index, shape: shapeOf(context, relation, index) }] : []));
        const alternatives = [
          ...known.filter(({ index }) => index.constraint === undefined || !droppedByName.has(index.constraint)).map(({ shape }) => shape).filter((shape) => !involvesAny(shape, dropped)),
          ...indexesBuiltByMigration(context, relation).filter((shape) => !involvesAny(shape, goneForGood)),
        ];
        for (const { index, shape } of known) {
          if (!shape.columns.columns.includes(column) || context.schema.isNewIndex(index)) continue;
          if (index.constraint !== undefined && droppedByName.has(index.constraint)) continue;
          const data = describe(index, shape, column, relation);
          if (shape.primaryKey) {
            if (!alternatives.some((other) => other.primaryKey)) context.report({ messageId: 'primaryKeyDropped', helpId: 'primaryKeyHelp', data });
            continue;
          }
          const leading = shape.columns.keys[0]!;
          const keys = shape.columns.keys.flat();
          if (leading.some((name) => dropped.has(name))) continue;
          const uniquenessLost = shape.unique && !keys.some((name) => dropped.has(name)) && !alternatives.some((other) => keepsUnique(other, shape));
          if (uniquenessLost && shape.keyColumns) context.report({ messageId: 'uniqueIndexDropped', helpId: 'uniqueHelp', data });
          else if (uniquenessLost) context.report({ messageId: 'uniqueExpressionIndexDropped', helpId: 'uniqueExpressionHelp', data });
          else if (!alternatives.some((other) => sameColumnSet(other.columns.keys[0]!, leading))) context.report({ messageId: 'indexDropped', helpId: 'indexHelp', data });
        }
      }),
    };
  },
});

function shapeOf(context: RuleContext, relation: RelationName, index: IndexInfo): IndexShape {
  const primaryKey = index.constraint !== undefined && context.schema.constraint(relation, index.constraint)?.kind === 'primary key';
  return { columns: index.columns!, ...(index.keyColumns ? { keyColumns: index.keyColumns } : {}), unique: index.unique, partial: index.partial, primaryKey };
}

function involvesAny(shape: IndexShape, columns: ReadonlySet<string>): boolean {
  return shape.columns.columns.some((name) => columns.has(name));
}

/**
 * A unique index on all rows whose key columns are among the plain key columns of `lost` keeps rows unique on those too. Not one
 * on an expression, nor any for a key of expressions: emails unique keep lower(email) no more unique ('A@x' and 'a@x').
 */
function keepsUnique(other: IndexShape, lost: IndexShape): boolean {
  const { keyColumns } = lost;
  return other.unique && !other.partial && keyColumns !== undefined && other.keyColumns !== undefined && other.keyColumns.every((column) => keyColumns.includes(column));
}


function describe(index: IndexInfo, shape: IndexShape, column: string, relation: RelationName): Record<string, string> {
  const list = (names: readonly string[]): string => names.map(quoteIdentifier).join(', ');
  const keys = shape.columns.keys.flat();
  const on = index.keyColumns ? `is on (${list(index.keyColumns)})` : `is on an expression of ${list(keys)}`;
  const inKeys = keys.includes(column);
  const covers = inKeys ? on : `${on} and mentions ${quoteIdentifier(column)} only in its ${index.partial ? 'WHERE clause' : 'INCLUDE list'}`;
  return {
    column: quoteIdentifier(column),
    index: quoteIdentifier(index.name.name),
    table: displayName(relation),
    covers,
    keys: list(keys),
    leading: list(shape.columns.keys[0]!),
  };
}
