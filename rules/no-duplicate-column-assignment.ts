import type { Node } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { asKind } from '../src/parse/node-types.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

export default defineRule({
  id: 'no-duplicate-column-assignment',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      assignedTwice:
        '{{column}} is assigned twice in this SET list: PostgreSQL rejects the statement with "multiple assignments to same column", so the migration fails here.',
      listedTwice:
        '{{column}} appears twice in this INSERT column list: PostgreSQL rejects the statement with "column specified more than once", so the migration fails here.',
      help: 'Keep one assignment of {{column}}; if both values matter, combine them into one expression (CASE, COALESCE).',
    },
    docs: {
      summary: 'Disallows assigning the same column twice in UPDATE ... SET, INSERT column lists, ON CONFLICT DO UPDATE and MERGE.',
      why: 'PostgreSQL parses such a statement but rejects it when it runs: "multiple assignments to same column" for a SET list (UPDATE, INSERT ... ON CONFLICT DO UPDATE, MERGE ... UPDATE SET, including SET (a, b) = (...) lists), "column specified more than once" for a column list (INSERT, MERGE ... INSERT). The migration then fails at deploy time, after the statements before it have run, which outside a transaction leaves it half applied. Usually it is a copy-paste slip where the second assignment was meant for another column. Assignments to different fields or elements of the same column (SET address.city = ..., address.zip = ..., or tags[1] = ..., tags[2] = ...) are allowed by PostgreSQL and not flagged; a whole-column assignment next to one of its fields is rejected and flagged.',
      instead: 'Assign each column once; check whether the duplicate was meant for another column.',
      bad: "UPDATE users SET status = 'active', status = 'verified' WHERE id = 1;",
      good: "UPDATE users SET status = 'active', verified_at = now() WHERE id = 1;",
      references: ['https://www.postgresql.org/docs/current/sql-update.html', 'https://www.postgresql.org/docs/current/sql-insert.html', 'https://www.postgresql.org/docs/current/sql-merge.html'],
      pgVersions: 'All versions. MERGE exists from PostgreSQL 15.',
      prevents: 'a migration that fails when it runs',
    },
  },
  create(context) {
    /** Reports the first repeated column of a target list: a second whole-column target, or a whole column next to one of its fields. */
    const check = (targets: Node[] | undefined, messageId: 'assignedTwice' | 'listedTwice'): void => {
      const seen = new Map<string, boolean>();
      for (const node of targets ?? []) {
        const target = asKind(node, 'ResTarget');
        if (!target?.name) continue;
        const whole = (target.indirection ?? []).length === 0;
        const earlierWhole = seen.get(target.name);
        if (earlierWhole !== undefined && (whole || earlierWhole)) {
          context.report({ messageId, helpId: 'help', at: target.location, data: { column: quoteIdentifier(target.name) } });
          return;
        }
        seen.set(target.name, (earlierWhole ?? false) || whole);
      }
    };
    return {
      UpdateStmt(update) {
        check(update.targetList, 'assignedTwice');
      },
      InsertStmt(insert) {
        check(insert.cols, 'listedTwice');
        check(insert.onConflictClause?.targetList, 'assignedTwice');
      },
      MergeWhenClause(clause) {
        check(clause.targetList, clause.commandType === 'CMD_INSERT' ? 'listedTwice' : 'assignedTwice');
      },
    };
  },
});
