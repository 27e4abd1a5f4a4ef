import type { LockWords, RuleContext } from '../src/engine/context.js';
import { shortWordList, wordList } from '../src/engine/messages.js';
import type { Statement } from '../src/parse/parse.js';
import { defineRule } from '../src/engine/rule.js';
import { blocksReads, blocksWrites, lockImpact, lockStrength, queryOn, type LockMode } from '../src/knowledge/lock-modes.js';
import { isTimeoutInForce, timeSettingMilliseconds } from '../src/knowledge/settings.js';
import { trafficLock, trafficTable, type LockClaim } from '../src/knowledge/statement-locks.js';

/** Relations the finding names that later statements lock, before the rest are counted. */
const NAMED_LATER = 4;

type MessageId = 'missingLockTimeout' | 'lockTimeoutTooLong' | 'help' | 'shorterHelp';

interface Options {
  maxLockTimeout: string;
}

export default defineRule<MessageId, Options>({
  id: 'require-lock-timeout',
  meta: {
    severity: 'warning',
    judgesStatementsRolledBack: true,
    presets: ['recommended', 'strict'],
    messages: {
      missingLockTimeout:
        'This statement {{takes}} {{lock}} on {{object}}, which {{impact}}{{others}}, with no lock_timeout set: if a long query holds a conflicting lock, the statement waits in the lock queue, and every {{queued}} that arrives after it waits behind it.{{later}}',
      lockTimeoutTooLong:
        'This statement {{takes}} {{lock}} on {{object}}, which {{impact}}{{others}}, with lock_timeout at {{timeout}}: if a long query holds a conflicting lock, the statement may wait that long in the lock queue, and every {{queued}} that arrives meanwhile waits behind it. maxLockTimeout is {{max}}.{{later}}',
      help:
        "Set a lock_timeout before the first locking statement, so the migration gives up and can be retried instead of stalling traffic: SET lock_timeout = '2s'; (or SET LOCAL lock_timeout = '2s'; inside the transaction).",
      shorterHelp:
        "Keep lock_timeout short, a few seconds at most, and retry the migration when it times out: a short wait repeated costs the application little, a long one stalls it. SET lock_timeout = '2s'; (or SET LOCAL inside the transaction).",
    },
    options: {
      properties: {
        maxLockTimeout: {
          type: 'string',
          pattern: '^[0-9]+(ms|s|min)$',
          description: 'The longest lock_timeout taken as bounding the wait, e.g. "10s" (ms, s, min); a longer one is reported. Default "10s".',
        },
      },
      defaults: { maxLockTimeout: '10s' },
    },
    docs: {
      summary: 'Requires lock_timeout to be set before a statement that takes a lock blocking reads or writes on an existing table.',
      why: "PostgreSQL grants locks in queue order. An ALTER TABLE that needs ACCESS EXCLUSIVE (or a CREATE INDEX that needs SHARE) waits for every running transaction that touched the table, for example a ten-minute report. While it waits, every new query on the table queues behind it, even plain SELECTs that would not conflict with the report: a migration that would take milliseconds takes the application down for as long as the longest running query. lock_timeout makes the statement give up instead, so the migration fails fast and can be retried; a long lock_timeout only bounds the outage, so one above maxLockTimeout (default 10s) is reported as well. Reported once per file, at the first such statement; the finding counts the later statements that lock without a (short enough) lock_timeout too, and names what they lock, leaving out locks the transaction holds already (a session never waits for its own).",
      instead: "Start the migration with SET lock_timeout = '2s' (or SET LOCAL inside its transaction), and retry the migration when it times out. If your migration tool already sets lock_timeout, set \"lockTimeoutSetByTool\": true in lockwise.json.",
      bad: 'ALTER TABLE users ADD COLUMN nickname text;',
      good: "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;",
      references: [
        'https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT',
        'https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES',
      ],
      pgVersions: 'lock_timeout exists from PostgreSQL 9.3. The locks each statement takes come from lockwise\'s lock table, for the target version.',
      prevents: 'every query queued behind a waiting lock',
    },
  },
  create(context, options) {
    const maxMilliseconds = timeSettingMilliseconds(options.maxLockTimeout) ?? Number.POSITIVE_INFINITY;
    let first: { statement: Statement; messageId: MessageId; helpId: MessageId; data: Record<string, string> } | undefined;
    /** The later statements that lock without a short enough lock_timeout, and what they lock, each once. */
    let laterStatements = 0;
    const laterObjects: string[] = [];
    return {
      onStatement(statement) {
        if (context.environment.lockTimeoutSetByTool) return;
        const setting = context.setting('lock_timeout');
        const inForce = isTimeoutInForce(setting);
        const tooLong = inForce && (timeSettingMilliseconds(setting!.value) ?? 0) > maxMilliseconds;
        if (inForce && !tooLong) return;
        const blocking = context.locksOf(statement).filter((claim) => blocksWrites(trafficLock(claim)) && context.locksExistingTable(claim));
        if (blocking.length === 0) return;
        if (first) {
          // A lock the transaction holds already, as strong or stronger, is not waited for again: a session's own locks never conflict.
          const held = context.heldLocks();
          const waitsFor = blocking.filter((claim) => {
            const table = trafficTable(claim, (index) => context.schema.indexTable(index));
            return !held.some((lock) => !lock.claim.takenOnlyIf && context.schema.sameTable(lock.table, table) && lockStrength(trafficLock(lock.claim)) >= lockStrength(trafficLock(claim)));
          });
          if (waitsFor.length === 0) return;
          laterStatements++;
          for (const claim of waitsFor) {
            const { object } = context.describeLock(claim);
            if (!laterObjects.includes(object)) laterObjects.push(object);
          }
          return;
        }
        first = {
          statement,
          messageId: tooLong ? 'lockTimeoutTooLong' : 'missingLockTimeout',
          helpId: tooLong ? 'shorterHelp' : 'help',
          data: {
            ...describeLocks(context, blocking),
            // IF EXISTS, or a DO block's branch: the lock is taken only where the statement does something.
            takes: context.mayBeSkipped(statement) || blocking.every((claim) => claim.takenOnlyIf) ? 'may take' : 'takes',
            // A bare number is in milliseconds.
            timeout: /^[0-9.]+$/.test(setting?.value.trim() ?? '') ? `${setting!.value.trim()} ms` : (setting?.value.trim() ?? ''),
            max: options.maxLockTimeout,
          },
        };
      },
      onFileEnd() {
        if (!first) return;
        const later =
          laterStatements === 0
            ? ''
            : ` ${laterStatements === 1 ? 'A later statement locks' : `${laterStatements} later statements lock`} ${shortWordList(laterObjects, NAMED_LATER)} without ${first.messageId === 'lockTimeoutTooLong' ? 'a shorter one' : 'one'} too.`;
        context.report({ statement: first.statement, messageId: first.messageId, helpId: first.helpId, data: { ...first.data, later } });
      },
    };

  },
});

/**
 * Every relation the statement locks so that traffic waits, strongest lock first: dropping a foreign key locks
 * the table it references too, and its readers queue behind the statement as much as the altered table's.
 */
function describeLocks(context: RuleContext<MessageId>, claims: LockClaim[]): LockWords & { others: string; queued: string } {
  const byMode = new Map<LockMode, LockWords[]>();
  const named = new Set<string>();
  for (const claim of claims.sort((a, b) => lockStrength(trafficLock(b)) - lockStrength(trafficLock(a)))) {
    const words = context.describeLock(claim);
    // Each relation once, under the strongest lock the statement takes on it.
    if (named.has(words.object)) continue;
    named.add(words.object);
    const alike = byMode.get(trafficLock(claim)) ?? byMode.set(trafficLock(claim), []).get(trafficLock(claim))!;
    alike.push(words);
  }
  const [strongest, ...weaker] = [...byMode.entries()].map(([mode, alike]) => {
    const relation = alike.length === 1 ? alike[0]!.relation : pluralRelation(alike);
    return { ...alike[0]!, object: wordList(alike.map((words) => words.object)), relation, impact: lockImpact(mode, relation) };
  });
  const others = weaker.map((words) => `, and ${words.lock} on ${words.object}, which ${words.impact}`).join('');
  // A waiting request holds up only the requests that conflict with it: below ACCESS EXCLUSIVE, reads go past it.
  const strongestMode = trafficLock(claims[0]!);
  const queued = blocksReads(strongestMode) ? queryOn(strongest!.relation) : `write to ${strongest!.relation}`;
  return { ...strongest!, others, queued };
}

function pluralRelation(alike: LockWords[]): string {
  const kinds = new Set(alike.map((words) => words.relation));
  return kinds.size === 1 && kinds.has('the view') ? 'the views' : 'the tables';
}
