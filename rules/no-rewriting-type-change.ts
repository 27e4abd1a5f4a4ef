import type { ColumnDef, Node } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { wordList } from '../src/engine/messages.js';
import { describeType, isUnboundedWideningTarget, isUtcTimeZone, typeChangeEffect, typesKeepingValuesTo, TIMESTAMP_TIMEZONE_INDEX_REASON, type TypeChangeEffect } from '../src/knowledge/type-changes.js';
import { commandsOnExistingTable } from '../src/engine/alter-table-commands.js';
import { displayName, displayResolvedName } from '../src/model/names.js';
import { collationName, columnType, type ColumnInfo, type ColumnType } from '../src/model/schema-objects.js';
import { asKind, stringValues } from '../src/parse/node-types.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

const COLLATION_REASON = 'the COLLATE clause gives the column another collation, and with it another sort order';
/** For a column no migration lockwise read created, whose collation it does not know. */
const COLLATION_REASON_UNKNOWN = 'the COLLATE clause gives the column another collation (unless it is the current one), and with it another sort order';

/** The effect of a chain of conversions (USING casts) is that of its worst step. */
const SEVERITY: Record<TypeChangeEffect['kind'], number> = { rewrite: 4, unknown: 3, 'rewrite-unless-utc': 2, 'indexes-rebuilt': 1, none: 0 };

/** Conversions that keep the stored values, as examples when the old type is unknown. */
const GENERIC_KEPT_VALUES = 'varchar(n) to varchar(m) with m >= n, numeric(p,s) to numeric(q,s) with q >= p, cidr to inet';

export default defineRule({
  id: 'no-rewriting-type-change',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      rewrite:
        'Changing {{table}}.{{column}} from {{from}} to {{to}} cannot keep the stored values as they are: PostgreSQL converts every row, rewriting all of {{table}} and rebuilding all its indexes while holding an ACCESS EXCLUSIVE lock, so no reads or writes until it finishes.{{referencing}}',
      domainRewrite:
        'Changing {{table}}.{{column}} from {{from}} to {{to}}, a domain with constraints, makes PostgreSQL check every stored value against them by rewriting all of {{table}} and rebuilding all its indexes, while holding an ACCESS EXCLUSIVE lock: no reads or writes until it finishes.{{referencing}}',
      usingRewrite:
        'ALTER COLUMN {{column}} TYPE {{to}} USING an expression computes a new value for every row: PostgreSQL rewrites all of {{table}} and rebuilds all its indexes while holding an ACCESS EXCLUSIVE lock, so no reads or writes until it finishes.{{referencing}}',
      timestampTimeZone:
        'Changing {{table}}.{{column}} from {{from}} to {{to}} keeps the stored values only when the session TimeZone is UTC (PostgreSQL 12+), and lockwise does not assume it is: in any other time zone every value is converted and all of {{table}} rewritten under an ACCESS EXCLUSIVE lock. Even in UTC, every index containing {{column}} is rebuilt under that lock.',
      indexesRebuilt:
        'Changing {{table}}.{{column}} from {{from}} to {{to}} keeps the stored values, but {{reason}}: every index containing {{column}} is rebuilt while an ACCESS EXCLUSIVE lock blocks all reads and writes of {{table}}.',
      unknownOldType:
        'lockwise does not know the current type of {{table}}.{{column}} (no migration it read created the column): unless that type converts to {{to}} without touching the stored values (as {{examples}}), PostgreSQL rewrites all of {{table}} and its indexes under an ACCESS EXCLUSIVE lock.{{indexesEvenThen}}',
      unknownType:
        'lockwise has no data on changing {{table}}.{{column}} from {{from}} to {{to}}: PostgreSQL keeps the stored values only when the old type is binary coercible to the new one or one is a domain without constraints over the other; otherwise it rewrites all of {{table}} and rebuilds its indexes under an ACCESS EXCLUSIVE lock.',
      help:
        'Replace the column instead of converting it in place: add a column of the new type, write both (trigger or application), backfill existing rows in batches, build its indexes CONCURRENTLY, switch reads, and drop the old column in a later migration. If this change keeps the stored values, suppress the finding and say why.',
      domainHelp:
        'Keep the column\'s type and enforce the domain\'s rule with a CHECK constraint on the column, which is checked without blocking reads and writes:\n  ALTER TABLE {{table}} ADD CONSTRAINT <name> CHECK (<the domain\'s condition on {{column}}>) NOT VALID;\n  -- in a later transaction (SHARE UPDATE EXCLUSIVE lock only):\n  ALTER TABLE {{table}} VALIDATE CONSTRAINT <name>;\nOr replace the column with one of the domain type: add it, backfill in batches, switch reads, drop the old one.',
      timestampHelp:
        "Run the change with a UTC session time zone, set just before it: SET LOCAL timezone = 'UTC'; inside the migration's transaction (SET timezone = 'UTC'; outside one). The table is then not rewritten; if {{column}} is indexed, its indexes are still rebuilt, so replace the column instead (add, backfill in batches, index CONCURRENTLY, switch, drop).",
      indexesHelp:
        'If {{column}} is in no index, nothing is rebuilt: suppress this finding and say so. Otherwise replace the column (add one of the new type, backfill in batches, index it CONCURRENTLY, switch, drop the old one).',
    },
    docs: {
      summary: 'Disallows ALTER COLUMN ... TYPE changes that rewrite an existing table or rebuild its indexes.',
      why: 'ALTER COLUMN ... TYPE takes an ACCESS EXCLUSIVE lock. Unless the old values can be kept as they are, PostgreSQL converts every row, writing the whole table anew, and rebuilds every index of the table, all under that lock: no reads or writes until it finishes. Values are kept (binary-coercible changes) for varchar(n) to varchar(m) with m >= n or to varchar or text, text to varchar, numeric(p,s) to numeric(q,s) with q >= p or to numeric, bit varying(n) to a longer bit varying, cidr to inet, xml to text, a higher or unlimited precision of time, timetz, timestamp, timestamptz and interval, and to or from a domain without constraints. Indexes on the column are kept too, except when their operator class or collation changes: text or varchar to citext and back, bit(n) to bit varying, text or varchar to char, a COLLATE clause, and timestamp to timestamptz (or back), whose values are kept only when the session TimeZone is a fixed UTC zone, from PostgreSQL 12 on. Those changes are reported as rebuilding the column\'s indexes, unless the migrations created the table and none of the indexes they gave it contains the column. USING rewrites unless it is the column itself or casts of it that keep the values. The change is judged against the column\'s type as the earlier migrations declared it; when lockwise never saw the column, a change to text, varchar, numeric or bit varying without a limit is not reported (it is nearly always a widening from the same type with a limit, which keeps the values; char(n) to text is the exception, and does rewrite), and any other change is reported as possibly rewriting. Array types are converted element by element, which always rewrites.',
      instead: 'Replace the column: add a column of the new type, keep both written, backfill in batches, build indexes CONCURRENTLY, switch reads, drop the old column later. For timestamp to timestamptz on PostgreSQL 12+, SET LOCAL timezone = \'UTC\' just before the ALTER keeps the table (indexes on the column are still rebuilt).',
      bad: 'ALTER TABLE orders ALTER COLUMN quantity TYPE bigint;',
      good: 'CREATE TABLE orders (id bigint PRIMARY KEY, note varchar(200));\nALTER TABLE orders ALTER COLUMN note TYPE text;',
      references: [
        'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES',
        'https://www.postgresql.org/docs/current/sql-createcast.html',
        'https://www.postgresql.org/docs/release/12.0/',
      ],
      pgVersions: 'Binary-coercible changes keep the table from PostgreSQL 9.2 on (and their indexes, unless the operator class or collation changes). timestamp to timestamptz and back keep the values under a UTC session TimeZone from PostgreSQL 12; before 12 they always rewrite.',
      prevents: 'table rewrite and index rebuild under ACCESS EXCLUSIVE',
    },
  },
  create(context) {
    /**
     * A domain is stored as the type under it: PostgreSQL judges a change to or from one by that type,
     * except that it rewrites the table to check a domain with constraints (ATColumnChangeRequiresRewrite).
     * An enum the migrations created is stored as OIDs of its labels: every change to or from it converts the values.
     */
    const judge = (from: ColumnType, to: ColumnType): TypeChangeEffect => {
      const source = context.schema.domain(from);
      const target = context.schema.domain(to);
      if ((source || target) && !sameTypeName(from, to)) {
        // Arrays are converted element by element (ArrayCoerceExpr), which rewrites even to or from a domain without constraints (seen on PostgreSQL 18).
        if (from.arrayDimensions > 0 || to.arrayDimensions > 0) return { kind: 'rewrite' };
        if (target?.constrained) return { kind: 'rewrite', domainChecked: target.name };
      }
      const [base, next] = [source?.baseType ?? from, target?.baseType ?? to];
      const effect = typeChangeEffect(base, next, context.pgVersion);
      const isEnum = (type: ColumnType) => context.schema.enumValues({ ...(type.schema ? { schema: type.schema } : {}), name: type.name }) !== undefined;
      return effect.kind === 'unknown' && (isEnum(base) || isEnum(next)) ? { kind: 'rewrite' } : effect;
    };

    return commandsOnExistingTable(context, (cmd, relation) => {
      const table = displayName(relation);
      const definition = asKind(cmd.def, 'ColumnDef');
      const newType = columnType(definition?.typeName);
      if (cmd.subtype !== 'AT_AlterColumnType' || !cmd.name || !definition || !newType) return;
      const column = cmd.name;
      /**
       * For the messages of a rewrite: converted values compare with another operator, so each foreign key to the column
       * is checked again (seen on PostgreSQL 18). Looked up only then: finding the keys reads every table of the schema.
       */
      const checkedAgain = (): { referencing: string } => {
        const referencing = context.schema.tablesReferencing(relation, { column }).map(displayResolvedName);
        if (referencing.length === 0) return { referencing: '' };
        const scanned = referencing.length > 1 ? 'those tables' : referencing[0];
        return { referencing: ` The foreign keys of ${wordList(referencing)} that reference ${table}.${quoteIdentifier(column)} are checked again too, scanning ${scanned} under an ACCESS EXCLUSIVE lock.` };
      };
      const data = { table, column: quoteIdentifier(column), to: describeType(newType), from: '', reason: '', referencing: '' };
      const at = definition.typeName?.location;
      const casts = definition.raw_default ? castsOfColumn(definition.raw_default, column) : [];
      if (!casts) {
        context.report({ messageId: 'usingRewrite', helpId: 'help', at, data: { ...data, ...checkedAgain() } });
        return;
      }
      const oldType = context.schema.column(relation, column)?.type;
      const chain = [...casts, newType];
      if (!oldType && !isUnboundedWideningTarget(chain[0]!)) {
        // To citext, text and varchar keep their values, and the indexes are rebuilt anyway (Sirimbo's users.u_login).
        const sources = chain.length === 1 ? typesKeepingValuesTo(newType) : [];
        const examples = sources.length > 0 ? `${sources.map((source) => source.from).join(' or ')} to ${describeType(newType)}` : GENERIC_KEPT_VALUES;
        const rebuilt = sources.find((source) => source.indexesRebuilt)?.indexesRebuilt;
        const indexesEvenThen = rebuilt ? ` Even then, ${rebuilt}: every index containing ${data.column} is rebuilt under that lock.` : '';
        context.report({ messageId: 'unknownOldType', helpId: 'help', at, data: { ...data, examples, indexesEvenThen } });
        return;
      }
      const steps = oldType ? [oldType, ...chain] : chain;
      const hops = steps.slice(1).map((to, index) => ({ from: steps[index]!, to, effect: judge(steps[index]!, to) }));
      const worst = hops.reduce<(typeof hops)[number] | undefined>((a, b) => (a && SEVERITY[a.effect.kind] >= SEVERITY[b.effect.kind] ? a : b), undefined);
      if (!worst) return;
      const { effect } = worst;
      // A USING chain (`USING role::text::"Role_new"`) is named as the change it makes, not as its worst step.
      const [from, to] = casts.length > 0 ? [oldType, newType] : [worst.from, worst.to];
      // Of a column no migration lockwise read created, the USING chain's first cast is not its type.
      const fromWords = from ? describeType(from) : `its current type (through ${describeType(casts[0]!)})`;
      const finding = { ...data, from: fromWords, to: describeType(to) };
      if (effect.kind === 'rewrite' && effect.domainChecked) context.report({ messageId: 'domainRewrite', helpId: 'domainHelp', at, data: { ...finding, ...checkedAgain() } });
      else if (effect.kind === 'rewrite') context.report({ messageId: 'rewrite', helpId: 'help', at, data: { ...finding, ...checkedAgain() } });
      else if (effect.kind === 'unknown') context.report({ messageId: 'unknownType', helpId: 'help', at, data: finding });
      else if (effect.kind === 'rewrite-unless-utc' && !isUtcTimeZone(context.setting('timezone')?.value)) {
        context.report({ messageId: 'timestampTimeZone', helpId: 'timestampHelp', at, data: finding });
      } else if ((effect.kind !== 'none' || collationChanges(definition, context.schema.column(relation, column))) && context.schema.mayIndexColumn(relation, column)) {

        const reason = effect.kind === 'indexes-rebuilt' ? effect.reason : effect.kind === 'rewrite-unless-utc' ? TIMESTAMP_TIMEZONE_INDEX_REASON : context.schema.column(relation, column) ? COLLATION_REASON : COLLATION_REASON_UNKNOWN;
        context.report({ messageId: 'indexesRebuilt', helpId: 'indexesHelp', at, data: { ...finding, reason } });
      }
    });
  },
});

/** A COLLATE clause that names another collation than the column's; of a column lockwise never saw, any COLLATE clause. */
function collationChanges(definition: ColumnDef, column: ColumnInfo | undefined): boolean {
  if (!definition.collClause) return false;
  return !column || collationName(definition.collClause) !== column.collation;
}

/** The same type written twice: a change that converts nothing. */
function sameTypeName(a: ColumnType, b: ColumnType): boolean {
  return a.name === b.name && a.schema === b.schema && a.arrayDimensions === b.arrayDimensions && a.modifiers.join(',') === b.modifiers.join(',');
}

/**
 * For `USING column` or `USING column::a::b`, the types cast to, innermost first; undefined
 * for any other expression, which PostgreSQL must compute for every row.
 */
function castsOfColumn(expression: Node, column: string): ColumnType[] | undefined {
  const casts: ColumnType[] = [];
  let current: Node | undefined = expression;
  for (let cast = asKind(current, 'TypeCast'); cast; cast = asKind(current, 'TypeCast')) {
    const type = columnType(cast.typeName);
    if (!type) return undefined;
    casts.unshift(type);
    current = cast.arg;
  }
  const reference = asKind(current, 'ColumnRef');
  return reference && stringValues(reference.fields).at(-1) === column ? casts : undefined;
}
