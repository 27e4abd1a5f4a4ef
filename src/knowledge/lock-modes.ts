/**
 * PostgreSQL's table-level lock modes, weakest first, and what each one blocks.
 * Source: https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES
 */
export const LOCK_MODES = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
] as const;

export type LockMode = (typeof LOCK_MODES)[number];

export function lockStrength(mode: LockMode): number {
  return LOCK_MODES.indexOf(mode);
}

export function strongerLock(a: LockMode, b: LockMode): LockMode {
  return lockStrength(a) >= lockStrength(b) ? a : b;
}

/** SHARE and stronger conflict with ROW EXCLUSIVE, the lock every INSERT, UPDATE and DELETE takes. */
export function blocksWrites(mode: LockMode): boolean {
  return lockStrength(mode) >= lockStrength('SHARE');
}

/** Only ACCESS EXCLUSIVE conflicts with ACCESS SHARE, the lock of a plain SELECT. */
export function blocksReads(mode: LockMode): boolean {
  return mode === 'ACCESS EXCLUSIVE';
}

/** How messages name a composite type's relation (lockedRelationWord): it has no rows, but every query that uses it waits on its lock. */
export const TYPE_RELATION_WORD = 'the type';

/** The queries an ACCESS EXCLUSIVE lock on the relation holds up. */
export function everyQueryOf(relation: string): string {
  return relation === TYPE_RELATION_WORD ? `every query that uses ${relation}` : `every read and write of ${relation}`;
}

/** One query that queues behind a waiting ACCESS EXCLUSIVE lock on the relation, for messages. */
export function queryOn(relation: string): string {
  return relation === TYPE_RELATION_WORD ? `query that uses ${relation}` : `query on ${relation}`;
}

/** What the application sees while the lock is held or queued, in words for messages. */
export function lockImpact(mode: LockMode, relation = 'the table'): string {
  if (blocksReads(mode)) return `blocks ${everyQueryOf(relation)}`;
  if (blocksWrites(mode)) return `blocks every write to ${relation}`;
  return 'blocks neither reads nor writes';
}

/** "an ACCESS EXCLUSIVE lock", "a SHARE lock": for messages. */
export function lockPhrase(mode: LockMode): string {
  return `${/^[AEIOU]/.test(mode) ? 'an' : 'a'} ${mode} lock`;
}
