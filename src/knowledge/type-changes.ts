import type { ColumnType } from '../model/schema-objects.js';
import { quoteIdentifier } from '../parse/identifiers.js';

/**
 * Which `ALTER COLUMN ... TYPE` changes PostgreSQL makes without rewriting the table, as data.
 *
 * Sources: the ALTER TABLE notes (https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES:
 * no rewrite when the old type is binary coercible to the new one, or an unconstrained domain over it;
 * indexes are still rebuilt unless the new index would be logically equivalent); the binary casts of
 * pg_cast (castmethod 'b'); the length-coercion support functions that turn a wider type modifier into
 * a no-op (varchar_support, numeric_support, varbit_support, TemporalSimplify, interval_support);
 * ATColumnChangeRequiresRewrite and TimestampTimestampTzRequiresRewrite (PostgreSQL 12, commit
 * 3c5926301). Every entry was checked on PostgreSQL 18.4 by comparing pg_class.relfilenode of the
 * table and of an index on the column before and after the change.
 */

export type TypeChangeEffect =
  /** The stored values are kept and so are the indexes: only the catalog changes. */
  | { kind: 'none' }
  /** The table is not rewritten, but every index containing the column is built anew. */
  | { kind: 'indexes-rebuilt'; reason: string }
  /** timestamp ↔ timestamptz: no rewrite only when the session TimeZone is UTC; the indexes are rebuilt even then. */
  | { kind: 'rewrite-unless-utc' }
  /** Every row is converted and written anew, and every index of the table rebuilt; `domainChecked` names the domain whose constraints are why. */
  | { kind: 'rewrite'; domainChecked?: string }
  /** A type lockwise has no data about: a domain, an enum, an extension's type. */
  | { kind: 'unknown' };

/** How the old and new type modifiers must relate for the change to keep the stored values. */
type ModifierCondition =
  /** Any modifiers. */
  | 'any'
  /** The new type has no modifier: `text` → `varchar`, `bit(n)` → `bit varying`. */
  | 'new-unconstrained'
  /** varchar, bit varying: no new limit, or one at least as long as a known old limit (varchar_support, varbit_support). */
  | 'length-not-shorter'
  /** numeric: no new limit, or the same scale with a precision at least as large (numeric_support). */
  | 'numeric-precision-not-smaller'
  /** time, timetz, timestamp, timestamptz: no new precision, the maximum (6), or at least a known old one (TemporalSimplify). */
  | 'temporal-precision-not-smaller'
  /** After a conversion function the old precision is lost: only no new precision, or the maximum (6), keeps the values. */
  | 'temporal-precision-unlimited'
  /** interval: the least field stays or widens and the seconds precision does not shrink (interval_support). */
  | 'interval-not-narrower';

interface KeptValues {
  from: string;
  to: string;
  when: ModifierCondition;
  /** Why the indexes are rebuilt although the values are kept; absent when they are kept too. */
  indexesRebuilt?: string;
  /** Kept only when the session TimeZone is UTC, from this version on. */
  utcOnlySince?: number;
}

const OPERATOR_CLASS_CHANGES = 'the column\'s indexes use another operator class for the new type';
const CITEXT_COMPARISON = 'citext indexes compare case-insensitively, so they are built anew';

/** The changes that keep the stored values; any other change between two KNOWN_TYPES rewrites the table. */
const KEPT_VALUES: readonly KeptValues[] = [
  { from: 'varchar', to: 'varchar', when: 'length-not-shorter' },
  { from: 'varchar', to: 'text', when: 'any' },
  { from: 'text', to: 'varchar', when: 'new-unconstrained' },
  { from: 'text', to: 'bpchar', when: 'new-unconstrained', indexesRebuilt: OPERATOR_CLASS_CHANGES },
  { from: 'varchar', to: 'bpchar', when: 'new-unconstrained', indexesRebuilt: OPERATOR_CLASS_CHANGES },
  { from: 'bpchar', to: 'bpchar', when: 'new-unconstrained' },
  { from: 'varbit', to: 'varbit', when: 'length-not-shorter' },
  { from: 'bit', to: 'varbit', when: 'new-unconstrained', indexesRebuilt: OPERATOR_CLASS_CHANGES },
  { from: 'numeric', to: 'numeric', when: 'numeric-precision-not-smaller' },
  { from: 'cidr', to: 'inet', when: 'any' },
  { from: 'xml', to: 'text', when: 'any' },
  { from: 'xml', to: 'varchar', when: 'new-unconstrained' },
  { from: 'xml', to: 'bpchar', when: 'new-unconstrained' },
  { from: 'time', to: 'time', when: 'temporal-precision-not-smaller' },
  { from: 'timetz', to: 'timetz', when: 'temporal-precision-not-smaller' },
  { from: 'timestamp', to: 'timestamp', when: 'temporal-precision-not-smaller' },
  { from: 'timestamptz', to: 'timestamptz', when: 'temporal-precision-not-smaller' },
  { from: 'interval', to: 'interval', when: 'interval-not-narrower' },
  { from: 'timestamp', to: 'timestamptz', when: 'temporal-precision-unlimited', utcOnlySince: 12, indexesRebuilt: OPERATOR_CLASS_CHANGES },
  { from: 'timestamptz', to: 'timestamp', when: 'temporal-precision-unlimited', utcOnlySince: 12, indexesRebuilt: OPERATOR_CLASS_CHANGES },
  { from: 'text', to: 'citext', when: 'any', indexesRebuilt: CITEXT_COMPARISON },
  { from: 'varchar', to: 'citext', when: 'any', indexesRebuilt: CITEXT_COMPARISON },
  { from: 'citext', to: 'text', when: 'any', indexesRebuilt: CITEXT_COMPARISON },
  { from: 'citext', to: 'varchar', when: 'new-unconstrained', indexesRebuilt: CITEXT_COMPARISON },
  { from: 'citext', to: 'bpchar', when: 'new-unconstrained', indexesRebuilt: CITEXT_COMPARISON },
];

/** Types whose every change outside KEPT_VALUES was seen to rewrite: lockwise can say so with confidence. */
const KNOWN_TYPES: ReadonlySet<string> = new Set([
  'int2', 'int4', 'int8', 'numeric', 'float4', 'float8', 'money',
  'text', 'varchar', 'bpchar', 'citext', 'bytea', 'bool', 'uuid', 'json', 'jsonb', 'xml',
  'date', 'time', 'timetz', 'timestamp', 'timestamptz', 'interval',
  'inet', 'cidr', 'macaddr', 'macaddr8', 'bit', 'varbit', 'tsvector',
]);

/** Names a column type can be recorded under that are not the type itself. */
const TYPE_ALIASES: Readonly<Record<string, string>> = {
  smallserial: 'int2', serial2: 'int2', serial: 'int4', serial4: 'int4', bigserial: 'int8', serial8: 'int8',
  int: 'int4', integer: 'int4', smallint: 'int2', bigint: 'int8', decimal: 'numeric', boolean: 'bool', real: 'float4',
};

/**
 * Types an unknown old type is most often widened to without a rewrite (`varchar(n)` → `text`,
 * `numeric(p,s)` → `numeric`): when lockwise cannot see the old type, a change to one of these is
 * given the benefit of the doubt rather than reported on a guess.
 */
const UNBOUNDED_WIDENING_TARGETS: ReadonlySet<string> = new Set(['text', 'varchar', 'numeric', 'varbit']);

/** Fixed zones with a zero UTC offset: the only TimeZone values for which timestamp ↔ timestamptz keeps the values. */
const UTC_TIME_ZONES: ReadonlySet<string> = new Set([
  'utc', 'etc/utc', 'uct', 'etc/uct', 'gmt', 'etc/gmt', 'gmt0', 'etc/gmt0', 'etc/gmt+0', 'etc/gmt-0',
  'greenwich', 'etc/greenwich', 'universal', 'etc/universal', 'zulu', 'etc/zulu', '0', '+00:00', 'utc+0',
]);

const MAX_TEMPORAL_PRECISION = 6;
/** INTERVAL_FULL_RANGE, the field mask of an interval with no field restriction. */
const INTERVAL_FULL_RANGE = 0x7fff;
/** INTERVAL_FULL_PRECISION: no seconds precision given. */
const INTERVAL_FULL_PRECISION = 0xffff;
/** Interval field bits (datetime.h), most significant first, as interval typmods encode them. */
const INTERVAL_FIELDS: ReadonlyArray<[name: string, bit: number]> = [
  ['year', 1 << 2], ['month', 1 << 1], ['day', 1 << 3], ['hour', 1 << 10], ['minute', 1 << 11], ['second', 1 << 12],
];

const DISPLAY_NAMES: Readonly<Record<string, string>> = {
  int2: 'smallint', int4: 'integer', int8: 'bigint', float4: 'real', float8: 'double precision',
  bpchar: 'char', varbit: 'bit varying', bool: 'boolean',
};

/** Built-in names come from the parser in lower case; a quoted user type keeps its case, as PostgreSQL keeps it. */
function canonical(type: ColumnType): ColumnType {
  return { ...type, name: TYPE_ALIASES[type.name] ?? type.name };
}

function sameType(a: ColumnType, b: ColumnType): boolean {
  return a.name === b.name && a.arrayDimensions > 0 === b.arrayDimensions > 0 && a.modifiers.join(',') === b.modifiers.join(',');
}

/**
 * What changing a column from `from` to `to` does, PostgreSQL's own analysis restated: arrays are
 * converted element by element, which always rewrites; a change lockwise has no data about is `unknown`.
 */
export function typeChangeEffect(fromType: ColumnType, toType: ColumnType, pgVersion: number): TypeChangeEffect {
  const [from, to] = [canonical(fromType), canonical(toType)];
  if (sameType(from, to)) return { kind: 'none' };
  const known = KNOWN_TYPES.has(from.name) && KNOWN_TYPES.has(to.name);
  if (from.arrayDimensions > 0 || to.arrayDimensions > 0) return known ? { kind: 'rewrite' } : { kind: 'unknown' };
  const kept = KEPT_VALUES.find((entry) => entry.from === from.name && entry.to === to.name && modifiersKeepValues(entry.when, from.modifiers, to.modifiers));
  if (!kept) return known ? { kind: 'rewrite' } : { kind: 'unknown' };
  if (kept.utcOnlySince !== undefined) return pgVersion >= kept.utcOnlySince ? { kind: 'rewrite-unless-utc' } : { kind: 'rewrite' };
  return kept.indexesRebuilt ? { kind: 'indexes-rebuilt', reason: kept.indexesRebuilt } : { kind: 'none' };
}

/**
 * The types a change to `toType` keeps the stored values from, for a message that cannot see the old type: `text` and
 * `varchar` for citext, each with the reason its indexes are rebuilt when they are.
 */
export function typesKeepingValuesTo(toType: ColumnType): Array<{ from: string; indexesRebuilt?: string }> {
  const to = canonical(toType);
  if (to.arrayDimensions > 0) return [];
  return KEPT_VALUES.filter((entry) => entry.to === to.name && entry.from !== to.name && entry.when === 'any').map(({ from, indexesRebuilt }) => ({ from, ...(indexesRebuilt ? { indexesRebuilt } : {}) }));
}

/** Why the indexes are rebuilt when timestamp ↔ timestamptz keeps the values under a UTC TimeZone. */
export const TIMESTAMP_TIMEZONE_INDEX_REASON = OPERATOR_CLASS_CHANGES;

/** Whether a change to this type, from a type lockwise cannot see, is most likely a widening that keeps the values. */
export function isUnboundedWideningTarget(type: ColumnType): boolean {
  const { name, modifiers, arrayDimensions } = canonical(type);
  return arrayDimensions === 0 && modifiers.length === 0 && UNBOUNDED_WIDENING_TARGETS.has(name);
}

/** A TimeZone setting value with a fixed zero offset, as `SET timezone = 'UTC'` gives. */
export function isUtcTimeZone(value: string | undefined): boolean {
  return value !== undefined && UTC_TIME_ZONES.has(value.trim().toLowerCase());
}

function modifiersKeepValues(condition: ModifierCondition, from: number[], to: number[]): boolean {
  const [oldValue, newValue] = [from[0], to[0]];
  switch (condition) {
    case 'any':
      return true;
    case 'new-unconstrained':
      return newValue === undefined;
    case 'length-not-shorter':
      return newValue === undefined || (oldValue !== undefined && oldValue <= newValue);
    case 'numeric-precision-not-smaller':
      return newValue === undefined || (oldValue !== undefined && (from[1] ?? 0) === (to[1] ?? 0) && oldValue <= newValue);
    case 'temporal-precision-not-smaller':
      return newValue === undefined || newValue >= MAX_TEMPORAL_PRECISION || (oldValue !== undefined && oldValue <= newValue);
    case 'temporal-precision-unlimited':
      return newValue === undefined || newValue >= MAX_TEMPORAL_PRECISION;
    case 'interval-not-narrower':
      return intervalKeepsValues(from, to);
  }
}

/** interval_support: a no-op when the least field stays or widens and sub-second precision does not shrink. */
function intervalKeepsValues(from: number[], to: number[]): boolean {
  if (to.length === 0) return true;
  const oldLeast = leastIntervalField(from[0] ?? INTERVAL_FULL_RANGE);
  const newLeast = leastIntervalField(to[0] ?? INTERVAL_FULL_RANGE);
  const oldPrecision = from.length === 0 ? INTERVAL_FULL_PRECISION : (from[1] ?? INTERVAL_FULL_PRECISION);
  const newPrecision = to[1] ?? INTERVAL_FULL_PRECISION;
  return newLeast <= oldLeast && (oldLeast > 0 || newPrecision >= MAX_TEMPORAL_PRECISION || newPrecision >= oldPrecision);
}

/** 0 when the interval keeps seconds, 1 minutes, ... 5 years: intervaltypmodleastfield. */
function leastIntervalField(mask: number): number {
  const least = INTERVAL_FIELDS.map(([, bit]) => bit).reverse().findIndex((bit) => (mask & bit) !== 0);
  return least === -1 ? 0 : least;
}

/** A type as SQL would write it, for messages: `varchar(20)`, `numeric(12,2)`, `interval day to second(3)`. */
export function describeType(type: ColumnType): string {
  const { name, modifiers, arrayDimensions, schema } = canonical(type);
  // A user type as a migration would write it: "Plan", billing.amount.
  const written = DISPLAY_NAMES[name] ?? (schema ? `${asWritten(schema)}.${asWritten(name)}` : asWritten(name));
  const base = name === 'interval' ? describeInterval(modifiers) : `${written}${modifiers.length > 0 ? `(${modifiers.join(',')})` : ''}`;
  return `${base}${'[]'.repeat(arrayDimensions)}`;
}

function asWritten(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : quoteIdentifier(name);
}

function describeInterval(modifiers: number[]): string {
  const [mask = INTERVAL_FULL_RANGE, precision] = modifiers;
  const fields = INTERVAL_FIELDS.filter(([, bit]) => (mask & bit) !== 0).map(([name]) => name);
  const range = mask === INTERVAL_FULL_RANGE || fields.length === 0 ? '' : ` ${fields[0]}${fields.length > 1 ? ` to ${fields.at(-1)}` : ''}`;
  return `interval${range}${precision !== undefined && precision !== INTERVAL_FULL_PRECISION ? `(${precision})` : ''}`;
}
