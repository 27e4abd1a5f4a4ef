import type { DropStmt } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { shortWordList } from '../src/engine/messages.js';
import { commandsOnExistingTable, dropsRelation } from '../src/engine/alter-table-commands.js';
import { DROPPED_RELATION_KINDS } from '../src/knowledge/statement-locks.js';
import type { RuleContext } from '../src/engine/context.js';
import { displayName, displayResolvedName, relationFromNameList, relationFromNames, type RelationName } from '../src/model/names.js';
import { asKind, functionNameOf, stringValues } from '../src/parse/node-types.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';
import { extensionMembers } from '../src/knowledge/extensions.js';
import { createdAgainLater, servesLikeTheOld } from '../src/engine/transaction-block.js';
import type { FunctionUses } from '../src/model/schema-model.js';
import { CASCADE_DROPS, COLUMN_CASCADE_DROPS } from '../src/knowledge/drop-cascade.js';

/** Dependents named in a message before the rest are counted. */
const NAMED_DEPENDENTS = 6;

export default defineRule({
  id: 'no-drop-cascade',
  meta: {
    severity: 'warning',
    presets: ['recommended', 'strict'],
    messages: {
      dropsKnownDependents:
        '{{statement}} CASCADE also drops {{dependents}}, without an error or a question: {{consequence}}',
      dropsUnknownDependents:
        '{{statement}} CASCADE drops whatever depends on {{object}} without an error or a question, and lockwise cannot see what that is (no migration it read made {{unknown}}): {{dependentKinds}} may go with it.',
      dropsUnknownExtensionMembers:
        '{{statement}} CASCADE drops whatever uses what {{object}} provides ({{dependentKinds}}) without an error or a question, and lockwise does not know what {{object}} provides.',
      help:
        'Drop without CASCADE: PostgreSQL then refuses while anything depends on {{object}} (ERROR: cannot drop ... because other objects depend on it) and lists it, so each dependent is dropped on purpose, in its own statement, after the application stopped using it.',
    },
    docs: {
      summary: 'Warns about DROP TABLE, VIEW, TYPE, DOMAIN, FUNCTION, SEQUENCE or EXTENSION ... CASCADE and DROP COLUMN ... CASCADE, which drop what depends on the object without a word.',
      why: "CASCADE drops every object that depends on the one dropped, and PostgreSQL only says so in NOTICEs that migration tools do not show. DROP TYPE ... CASCADE drops every column of that type, in every table, with its data, and the views that use those columns; DROP TABLE ... CASCADE drops the views over the table and the foreign keys of other tables that reference it; DROP FUNCTION ... CASCADE drops the triggers that execute it and the defaults, views, CHECK constraints and index expressions that call it; DROP SEQUENCE ... CASCADE drops the column defaults that call nextval() on it (a serial column's own), so an INSERT that leaves the column out stores NULL or fails; DROP EXTENSION ... CASCADE drops every column of its types (citext, hstore, PostGIS geometry, pgvector's vector), every index using its operator classes (pg_trgm's gin_trgm_ops), and every default, trigger and view that calls its functions (uuid-ossp's uuid_generate_v4()); DROP COLUMN ... CASCADE drops the views that use the column and the foreign keys that reference it. A migration written against a development database drops, in production, whatever else has come to depend on the object there. lockwise names the dependents it knows from the migrations (for extensions, it knows what the contrib extensions PostgreSQL ships provide, and the types of PostGIS and pgvector); for an object no migration made, it cannot know them. Not reported: an object made by a migration not deployed yet, and one the migrations made that nothing they made depends on; nor, among the dependents, a view or table the migration drops itself later, or a view the transaction makes again before COMMIT (the running release's queries wait on the lock, then find the new one). DROP SCHEMA ... CASCADE and TRUNCATE ... CASCADE have rules of their own (no-drop-schema-cascade, no-truncate-cascade); DROP INDEX ... CASCADE is covered by require-concurrent-index.",
      instead: 'Drop without CASCADE, so that PostgreSQL refuses while something depends on the object and names it; drop each dependent explicitly, as its own retired step, then the object.',
      bad: "CREATE TYPE order_state AS ENUM ('new', 'paid');\nCREATE TABLE orders (id bigint PRIMARY KEY, state order_state);\n-- a later migration:\nDROP TYPE order_state CASCADE;",
      good: "CREATE TYPE order_state AS ENUM ('new', 'paid');\nCREATE TABLE orders (id bigint PRIMARY KEY, state order_state);\n-- a later migration:\nALTER TABLE orders DROP COLUMN state;\nDROP TYPE order_state;",
      references: [
        'https://www.postgresql.org/docs/current/ddl-depend.html',
        'https://www.postgresql.org/docs/current/sql-droptype.html',
        'https://www.postgresql.org/docs/current/sql-dropextension.html',
      ],
      pgVersions: 'Every version. Checked on PostgreSQL 18: DROP TYPE ... CASCADE drops columns of the type, of a domain over it and of arrays of it; DROP TABLE ... CASCADE drops views over views of it and the foreign keys that reference it; DROP FUNCTION ... CASCADE drops its triggers, and the defaults and views that call it, each under ACCESS EXCLUSIVE; DROP COLUMN ... CASCADE drops only the views that use the column; DROP SEQUENCE ... CASCADE drops the defaults that call nextval() on it, a serial column\'s too, under ACCESS EXCLUSIVE on their tables (the sequence of an identity column cannot be dropped); DROP EXTENSION ... CASCADE drops columns of citext, trigram indexes, defaults calling uuid_generate_v4() or gen_random_bytes(), and views calling similarity(), each under ACCESS EXCLUSIVE on its table.',
      prevents: 'columns, views, indexes, defaults, foreign keys and triggers dropped without anyone asking for it',
    },
  },
  create(context) {
    return {
      DropStmt(drop) {
        const kind = drop.behavior === 'DROP_CASCADE' ? CASCADE_DROPS[drop.removeType ?? '']?.keyword : undefined;
        if (!kind) return;
        for (const object of drop.objects ?? []) reportDrop(context, drop, kind, object);
      },
      ...commandsOnExistingTable(context, (cmd, relation) => {
        // A column a migration not deployed yet added has nothing production relies on depending on it.
        if (cmd.subtype !== 'AT_DropColumn' || cmd.behavior !== 'DROP_CASCADE' || !cmd.name || context.schema.isNewColumn(relation, cmd.name)) return;
        const statement = `ALTER TABLE ${displayName(relation)} DROP COLUMN ${quoteIdentifier(cmd.name)}`;
        const object = `${displayName(relation)}.${quoteIdentifier(cmd.name)}`;
        if (!context.schema.table(relation)) {
          context.report({ messageId: 'dropsUnknownDependents', helpId: 'help', data: { statement, object, unknown: displayName(relation), dependentKinds: COLUMN_CASCADE_DROPS } });
          return;
        }
        const keys = context.schema.foreignKeysReferencing(relation, { column: cmd.name }).map(foreignKeyWords);
        const views = context.schema.viewsReading(relation).map((view) => `view ${displayResolvedName(view)} if it uses the column`);
        const dependents = [...keys, ...views];
        if (dependents.length === 0) return;
        context.report({ messageId: 'dropsKnownDependents', helpId: 'help', data: { statement, object, dependents: inWords(dependents), consequence: CONSEQUENCES.relation } });
      }),
    };
  },
});

const CONSEQUENCES = {
  type: 'the data in those columns is gone, and the running release fails on every query that names them.',
  relation: 'the running release fails on every query of a dropped view, and a dropped foreign key no longer guards the rows that referenced it.',
  function: 'the dropped triggers stop doing their work (auditing, keeping a copy in step, checking) from the commit on.',
  index: 'the queries a dropped index served read the whole table instead.',
  view: 'the running release fails on every query of a dropped view.',
  foreignKey: 'a dropped foreign key no longer guards the rows that referenced it.',
  check: 'a dropped CHECK constraint no longer guards the rows written from the commit on.',
  default: 'an INSERT that relied on a dropped default stores NULL in the column, or fails on its NOT NULL.',
};

function reportDrop(context: RuleContext, drop: DropStmt, kind: string, object: NonNullable<DropStmt['objects']>[number]): void {
  const isType = kind === 'TYPE' || kind === 'DOMAIN';
  const isFunction = kind === 'FUNCTION' || kind === 'PROCEDURE' || kind === 'ROUTINE';
  if (kind === 'EXTENSION') return reportExtensionDrop(context, drop, asKind(object, 'String')?.sval);
  const relation = isFunction ? undefined : isType ? relationFromNames(stringValues(asKind(object, 'TypeName')?.names)) : relationFromNameList(object);
  const functionName = isFunction ? functionNameOf(object) : undefined;
  const name = relation ? displayName(relation) : (functionName ?? '');
  if (!name) return;
  const data = { statement: `DROP ${kind} ${drop.missing_ok ? 'IF EXISTS ' : ''}${name}`, object: name, unknown: name, dependentKinds: CASCADE_DROPS[drop.removeType ?? '']!.dependents };
  let known: boolean;
  let dependents: string[];
  let consequence: string;
  if (isFunction) {
    known = context.schema.userFunctionVolatility(functionName!) !== undefined;
    const uses = context.schema.usesOfFunction(functionName!);
    dependents = usesInWords(uses);
    consequence = consequencesOf(uses);
  } else if (isType) {
    known = context.schema.hasType(relation!);
    const uses = context.schema.usesOfType(relation!);
    // A view that uses a dropped column goes with it; which columns a view uses, lockwise does not know.
    const columnsByView = new Map<string, string[]>();
    for (const { table, column } of uses.columns) {
      for (const view of context.schema.viewsReading(table)) {
        const words = `${context.schema.table(view)?.kind ?? 'view'} ${displayResolvedName(view)}`;
        columnsByView.set(words, [...(columnsByView.get(words) ?? []), `${displayResolvedName(table)}.${quoteIdentifier(column)}`]);
      }
    }
    const views = [...columnsByView].map(([view, columns]) => `${view} if it uses ${columns.join(' or ')}`);
    dependents = [
      ...uses.domains.map((domain) => `domain ${displayResolvedName(domain)}`),
      ...uses.columns.map(({ table, column }) => `column ${displayResolvedName(table)}.${quoteIdentifier(column)}`),
      ...views,
    ];
    consequence = views.length > 0 ? `${CONSEQUENCES.type.slice(0, -1)}; ${CONSEQUENCES.view}` : CONSEQUENCES.type;
  } else if (kind === 'SEQUENCE') {
    if (context.schema.isNewSequence(relation!) || (drop.missing_ok && context.schema.isGone(relation!, 'sequence'))) return;
    dependents = context.schema.columnsUsingSequence(relation!).map(({ table, column }) => `the default of ${displayResolvedName(table)}.${quoteIdentifier(column)}`);
    // The defaults the migrations set name the sequence even when no migration made it.
    known = context.schema.hasSequence(relation!) || dependents.length > 0;
    consequence = CONSEQUENCES.default;
  } else {
    // A relation made by a migration not deployed yet has no dependents that production relies on; one the
    // migrations dropped already is not there for IF EXISTS to find.
    if (context.schema.isNewTable(relation!) || (drop.missing_ok && context.schema.isGone(relation!, 'table'))) return;
    known = context.schema.table(relation!) !== undefined;
    // A view or a table the migration drops itself next does not lose anything the running release relies on; nor does
    // a view it makes again before COMMIT: the running release's queries wait on the lock, then find the new one.
    const views = context.schema.viewsReading(relation!).filter((view) => !droppedLater(context, view) && !madeAgainBeforeCommit(context, view));
    const keys = context.schema.foreignKeysReferencing(relation!, { all: true }).filter((key) => !droppedLater(context, key.table));
    dependents = [...views.map((view) => `${context.schema.table(view)?.kind ?? 'view'} ${displayResolvedName(view)}`), ...keys.map(foreignKeyWords)];
    consequence = views.length === 0 ? CONSEQUENCES.foreignKey : keys.length === 0 ? CONSEQUENCES.view : CONSEQUENCES.relation;
  }
  // IF EXISTS of something no migration made may find nothing to drop; the finding still says what CASCADE would do.
  if (!known) context.report({ messageId: 'dropsUnknownDependents', helpId: 'help', data });
  else if (dependents.length > 0) context.report({ messageId: 'dropsKnownDependents', helpId: 'help', data: { ...data, dependents: inWords(dependents), consequence } });
}

/**
 * DROP EXTENSION ... CASCADE: the columns, indexes, defaults and triggers the migrations made that use what the
 * extension provides. An extension created before the history began may have more users than the migrations show.
 */
function reportExtensionDrop(context: RuleContext, drop: DropStmt, extension: string | undefined): void {
  // What uses an extension made by a migration not deployed yet is new too.
  if (!extension || context.schema.isNewExtension(extension)) return;
  const object = quoteIdentifier(extension);
  const data = { statement: `DROP EXTENSION ${drop.missing_ok ? 'IF EXISTS ' : ''}${object}`, object, unknown: object, dependentKinds: CASCADE_DROPS.OBJECT_EXTENSION!.dependents };
  const members = extensionMembers(extension);
  if (!members) {
    context.report({ messageId: 'dropsUnknownExtensionMembers', helpId: 'help', data });
    return;
  }
  const dependents = context.schema.dependentsOfExtension(members);
  const { columns, domains } = dependents;
  const words = [
    ...columns.map(({ table, column }) => `column ${displayResolvedName(table)}.${quoteIdentifier(column)}`),
    ...domains.map((domain) => `domain ${displayResolvedName(domain)}`),
    ...usesInWords(dependents),
  ];
  const consequence = consequencesOf(dependents, columns.length + domains.length > 0 ? [CONSEQUENCES.type] : []);
  if (words.length > 0) context.report({ messageId: 'dropsKnownDependents', helpId: 'help', data: { ...data, dependents: inWords(words), consequence } });
  else if (!context.schema.hasExtension(extension)) context.report({ messageId: 'dropsUnknownDependents', helpId: 'help', data });
}

/** The indexes, CHECKs, views, defaults and triggers a function or extension takes with it, in words. */
function usesInWords({ indexes, checks, views, defaults, triggers }: FunctionUses): string[] {
  return [
    ...indexes.map((index) => `index ${displayResolvedName(index.name)}`),
    ...checks.map(({ table, constraint }) => `CHECK constraint ${quoteIdentifier(constraint)} of ${displayResolvedName(table)}`),
    ...views.map((view) => `${view.kind} ${displayResolvedName(view.name)}`),
    ...defaults.map(({ table, column }) => `the default of ${displayResolvedName(table)}.${quoteIdentifier(column)}`),
    ...triggers.map(({ table, trigger }) => `trigger ${quoteIdentifier(trigger)} on ${displayResolvedName(table)}`),
  ];
}

/** What losing them means, after what `first` says, as one sentence. */
function consequencesOf({ indexes, checks, views, defaults, triggers }: FunctionUses, first: readonly string[] = []): string {
  return [
    ...first,
    ...(indexes.length > 0 ? [CONSEQUENCES.index] : []),
    ...(checks.length > 0 ? [CONSEQUENCES.check] : []),
    ...(views.length > 0 ? [CONSEQUENCES.view] : []),
    ...(defaults.length > 0 ? [CONSEQUENCES.default] : []),
    ...(triggers.length > 0 ? [CONSEQUENCES.function] : []),
  ]
    .map((sentence) => sentence.slice(0, -1))
    .join('; ')
    .concat('.');
}

/** Whether a later statement of the migration drops the table or view. */
function droppedLater(context: RuleContext, relation: RelationName): boolean {
  return context.statements.slice(context.statement.index + 1).some((later) => dropsRelation(later, relation, context.schema, DROPPED_RELATION_KINDS));
}

function madeAgainBeforeCommit(context: RuleContext, view: RelationName): boolean {
  return context.transaction.inTransaction && servesLikeTheOld(context, createdAgainLater(context, context.statement, view), view);
}

function foreignKeyWords({ table, name }: { table: RelationName; name: string }): string {
  return `foreign key ${quoteIdentifier(name)} of ${displayResolvedName(table)}`;
}

function inWords(dependents: readonly string[]): string {
  return shortWordList(dependents, NAMED_DEPENDENTS);
}
