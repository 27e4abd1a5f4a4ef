import type { ColumnRef } from '@pgsql/types';
import type { Statement } from '../src/parse/parse.js';
import { commandsOnExistingTable } from '../src/engine/alter-table-commands.js';
import { defineRule } from '../src/engine/rule.js';
import { wordList } from '../src/engine/messages.js';
import { displayName, relationFromRangeVar, relationKey, type RelationName } from '../src/model/names.js';
import { asKind } from '../src/parse/node-types.js';
import { walkTree } from '../src/engine/walk.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

interface ColumnChange {
  statement: Statement;
  column: string;
  kind: 'drop' | 'rename';
  /** For a rename: the column's new name. */
  newName?: string;
}

export default defineRule({
  id: 'no-expand-contract-same-migration',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      addAndDrop:
        'This migration adds {{added}} to {{table}} and drops {{column}}: expand and contract in one step (a rename in disguise, if {{added}} {{takes}} over from {{column}}). The release still running during the deploy reads and writes {{column}}, which disappears as soon as the migration commits.',
      addAndRename:
        'This migration adds {{added}} to {{table}} and renames {{column}}: the release still running during the deploy uses {{column}} by its old name, which disappears (or names another column) as soon as the migration commits.',
      help: 'Expand and contract in separate deploys: add {{added}} in this migration, let the application write both and backfill in batches, switch reads, then retire {{column}} and drop it in a later migration.',
    },
    docs: {
      summary: 'Disallows adding a column and dropping or renaming another column of the same table in one migration.',
      why: 'Adding `handle`, copying `username` into it and dropping `username` in one migration is a rename in disguise: the application version still running during the rolling deploy reads and writes `username`, and fails from the moment the migration commits until the last old instance is gone. The expand (add) and the contract (drop) must ship in different releases, with the application moved over in between. A drop is paired with an added column only on a sign that one takes over from the other: the migration fills the new column from the old (`UPDATE ... SET handle = username`), or their names share a word of three letters or more (`body` and `body_markdown`); a drop without such a partner is require-deprecation-before-drop\'s to report. A rename is paired with any added column when it moves the column out of the way (to a name with old, legacy, deprecated, backup and the like in it), and otherwise only with a column added under its old name (a swap) or filled from it: a column renamed to a name of its own lives on under it, and no-rename-column reports the rename.',
      instead: 'Ship the new column in one migration, move the application to it (dual write, backfill in batches, switch reads) over one or more releases, retire the old column, and drop it in a later migration.',
      bad: "ALTER TABLE users ADD COLUMN handle text;\nUPDATE users SET handle = username WHERE id BETWEEN 1 AND 1000;\nALTER TABLE users DROP COLUMN username;",
      good: 'ALTER TABLE users ADD COLUMN handle text;',
      references: ['https://www.postgresql.org/docs/current/sql-altertable.html', 'https://www.postgresql.org/docs/current/ddl-alter.html'],
      pgVersions: 'All versions.',
      prevents: 'errors in the release still running',
    },
  },
  create(context) {
    /** Per existing table: columns this migration adds (and still has at its end), and columns it drops or renames. */
    const added = new Map<string, string[]>();
    /** Per table: the columns an UPDATE of this migration sets, each with the columns its new value reads. */
    const filledFrom = new Map<string, Map<string, Set<string>>>();
    /**
     * A sign that an added column takes over from a dropped one, without which the drop is only require-deprecation-before-drop's
     * business: the migration fills the new column from the old, or their names share a word (`body` and `body_markdown`).
     */
    const takesOver = (key: string, addedColumn: string, dropped: string): boolean =>
      filledFrom.get(key)?.get(addedColumn)?.has(dropped) === true || sharesWord(addedColumn, dropped);
    const removed = new Map<string, { table: string; changes: ColumnChange[] }>();

    const noteRemoval = (key: string, table: string, change: ColumnChange): void => {
      const entry = removed.get(key) ?? { table, changes: [] };
      entry.changes.push(change);
      removed.set(key, entry);
    };
    /** A column this migration added and then dropped or renamed again. */
    const replaceAdded = (key: string, column: string, newName?: string): void => {
      const columns = added.get(key)?.filter((name) => name !== column) ?? [];
      added.set(key, newName === undefined ? columns : [...columns, newName]);
    };

    /**
     * Whether the release still running may use the column: not when a table the model saw created lacks it
     * (DROP COLUMN IF EXISTS does nothing), nor when an earlier, deployed migration retired it.
     */
    const stillInUse = (relation: RelationName, column: string): boolean => {
      if (context.schema.table(relation) && !context.schema.column(relation, column)) return false;
      return context.schema.retirement(relation, column)?.deployed !== true;
    };

    return {
      ...commandsOnExistingTable(context, (cmd, relation) => {
        const key = relationKey(relation);
        const column = asKind(cmd.def, 'ColumnDef')?.colname;
        if (cmd.subtype === 'AT_AddColumn' && column) {
          const columns = added.get(key) ?? [];
          columns.push(column);
          added.set(key, columns);
        }
        if (cmd.subtype === 'AT_DropColumn' && cmd.name) {
          if (context.schema.isNewColumn(relation, cmd.name)) replaceAdded(key, cmd.name);
          else if (stillInUse(relation, cmd.name)) noteRemoval(key, displayName(relation), { statement: context.statement, column: cmd.name, kind: 'drop' });
        }
      }),
      UpdateStmt(update) {
        if (!update.relation) return;
        const key = relationKey(relationFromRangeVar(update.relation));
        const filled = filledFrom.get(key) ?? filledFrom.set(key, new Map()).get(key)!;
        for (const target of update.targetList ?? []) {
          const assignment = asKind(target, 'ResTarget');
          if (!assignment?.name || !assignment.val) continue;
          const read = filled.get(assignment.name) ?? filled.set(assignment.name, new Set()).get(assignment.name)!;
          walkTree(assignment.val, (kind, payload) => {
            const column = kind === 'ColumnRef' ? asKind((payload as ColumnRef).fields?.at(-1), 'String')?.sval : undefined;
            if (column) read.add(column);
          });
        }
      },
      RenameStmt(rename) {
        if (rename.renameType !== 'OBJECT_COLUMN' || !rename.relation || !rename.subname) return;
        const relation = relationFromRangeVar(rename.relation);
        if (!context.isExistingTable(relation)) return;
        const key = relationKey(relation);
        if (context.schema.isNewColumn(relation, rename.subname)) replaceAdded(key, rename.subname, rename.newname);
        else noteRemoval(key, displayName(relation), { statement: context.statement, column: rename.subname, kind: 'rename', ...(rename.newname ? { newName: rename.newname } : {}) });
      },
      onFileEnd() {
        for (const [key, { table, changes }] of removed) {
          const removedColumns = new Set(changes.map((change) => change.column));
          const addedColumns = [...new Set(added.get(key) ?? [])].filter((column) => !removedColumns.has(column) || changes.some((change) => change.kind === 'rename' && change.column === column));
          if (addedColumns.length === 0) continue;
          for (const change of changes) {
            // A column dropped and added again under its name does not disappear: require-deprecation-before-drop says what changes.
            if (change.kind === 'drop' && (added.get(key) ?? []).includes(change.column)) continue;
            // A rename's partner may take the old name itself (type to type_old, then a new type): a swap. A column renamed out of
            // the way (nickname to nickname_old) has any added column as its successor; one renamed to a name of its own lives
            // on under it, and an added column is its partner only when filled from it (Comfy Registry's peak_vram, added beside
            // vram renamed to avg_vram, is another measure).
            const partners =
              change.kind === 'rename'
                ? addedColumns.filter((column) => column === change.column || stepsAside(change.newName) || filledFrom.get(key)?.get(column)?.has(change.column) === true)
                : addedColumns.filter((column) => column !== change.column && takesOver(key, column, change.column));
            if (partners.length === 0) continue;
            context.report({
              statement: change.statement,
              messageId: change.kind === 'drop' ? 'addAndDrop' : 'addAndRename',
              helpId: 'help',
              data: { table, column: quoteIdentifier(change.column), added: wordList(partners.map(quoteIdentifier)), takes: partners.length > 1 ? 'take' : 'takes' },
            });
          }
        }
      },
    };
  },
});

/** Whether two column names share a word of three letters or more: `price` and `price_cents`, `street` and `streetLine`. */
function sharesWord(a: string, b: string): boolean {
  const ofA = new Set(wordsOf(a).filter((word) => word.length >= 3));
  return wordsOf(b).some((word) => word.length >= 3 && ofA.has(word));
}

function wordsOf(name: string): string[] {
  return name.split(/[^\p{L}\p{N}]+|(?<=\p{Ll})(?=\p{Lu})/u).map((word) => word.toLowerCase());
}

/** Words that rename a column out of the way of its successor: `nickname_old`, `legacy_status`, `houseNumberDeprecated`. */
const STEPPING_ASIDE = new Set(['old', 'legacy', 'deprecated', 'bak', 'backup', 'orig', 'original', 'prev', 'previous', 'unused', 'tmp', 'temp']);

function stepsAside(newName: string | undefined): boolean {
  return newName !== undefined && wordsOf(newName).some((word) => STEPPING_ASIDE.has(word.replace(/\d+$/, '')));
}
