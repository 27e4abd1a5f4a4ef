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

/** The queries an ACCESS EXCLUSIVE lock on the relation holds up: a composite type has no rows, but every query that uses it waits. */
export function everyQueryOf(relation: string): string {
  return relation === 'the type' ? 'every query that uses the type' : `every read and write of ${relation}`;
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
