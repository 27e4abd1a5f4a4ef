import type { AlterTableCmd } from '@pgsql/types';
import { defineRule } from '../src/engine/rule.js';
import { displayName, relationFromNames, relationFromRangeVar, type RelationName } from '../src/model/names.js';
import { asKind, stringValues } from '../src/parse/node-types.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';


export default defineRule({
  id: 'no-create-existing-object',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      tableExists: 'CREATE TABLE {{table}} fails: the history already made a {{kind}} of that name (ERROR: relation "{{rawName}}" already exists), so the migration stops here.',
      columnExists: 'ADD COLUMN {{column}} fails: {{table}} has that column already, from {{addedIn}} (ERROR: column "{{rawName}}" of relation already exists), so the migration stops here.',
      constraintExists: 'ADD CONSTRAINT {{constraint}} fails: {{table}} has a constraint of that name already (ERROR: ... already exists), so the migration stops here.',
      typeExists: 'CREATE {{keyword}} {{type}} fails: {{existing}} (ERROR: type "{{rawName}}" already exists), so the migration stops here.',
      secondPrimaryKey: 'ADD PRIMARY KEY fails: {{table}} has a primary key already, {{constraint}} (ERROR: multiple primary keys for table are not allowed), so the migration stops here.',
      help: 'Drop or rename what is there first, in the same statement or transaction, or leave this one out if the history already made what you need; IF NOT EXISTS skips it, where PostgreSQL offers it, without comparing definitions.',
    },
    docs: {
      summary: 'Disallows creating a table, column, constraint or type the history already made, or a second primary key.',
      why: 'A migration that creates what the migrations before it made fails when it runs, and stops the deploy half-way: CREATE TABLE of a name the history gave a table or view, ADD COLUMN of a column the table has, ADD CONSTRAINT under a name the table\'s constraints have, ADD PRIMARY KEY on a table that has one, CREATE TYPE or CREATE DOMAIN of a name the history gave an enum, composite type, domain, or table (whose row type has its name) (seen on PostgreSQL 18). Such files come from hand edits, merged branches, and introspected baselines a tool wrote again. Not reported: IF NOT EXISTS; CREATE TEMPORARY TABLE; a drop of the same object earlier in the statement or the migration; a statement in a DO block that may not run (in an IF, a loop or an exception handler) or whose exception handler catches the error; a table, column or type lockwise never saw made.',
      instead: 'Drop the old object first when the new one replaces it, or leave the statement out when the history made the object already.',
      bad: 'CREATE TABLE accounts (id uuid PRIMARY KEY, plan text);\n-- a later migration:\nALTER TABLE accounts ADD COLUMN plan text;',
      good: 'CREATE TABLE accounts (id uuid PRIMARY KEY, plan text);\n-- a later migration:\nALTER TABLE accounts ADD COLUMN IF NOT EXISTS plan text;',
      references: ['https://www.postgresql.org/docs/current/sql-altertable.html', 'https://www.postgresql.org/docs/current/sql-createtable.html'],
      pgVersions: 'Every version. Checked on PostgreSQL 18.',
      prevents: 'a migration that fails half-way through a deploy',
    },
  },
  create(context) {
    /** A statement that runs for sure and whose error nothing catches. */
    const runsAndFails = (): boolean => !context.mayBeSkipped(context.statement) && context.statement.caught === undefined;
    return {
      CreateStmt(create) {
        // A temporary table goes in the session's own schema, beside a table of its name.
        if (!create.relation || create.if_not_exists || create.relation.relpersistence === 't' || !runsAndFails()) return;
        const relation = relationFromRangeVar(create.relation);
        const existing = context.schema.table(relation);
        if (!existing) return;
        context.report({ messageId: 'tableExists', helpId: 'help', data: { table: displayName(relation), kind: existing.kind, rawName: relation.name } });
      },
      CreateEnumStmt(create) {
        checkType('TYPE', relationFromNames(stringValues(create.typeName)));
      },
      CompositeTypeStmt(create) {
        checkType('TYPE', create.typevar && relationFromRangeVar(create.typevar));
      },
      CreateRangeStmt(create) {
        checkType('TYPE', relationFromNames(stringValues(create.typeName)));
      },
      CreateDomainStmt(create) {
        checkType('DOMAIN', relationFromNames(stringValues(create.domainname)));
      },
      AlterTableStmt(alter) {
        if (!alter.relation || alter.objtype !== 'OBJECT_TABLE' || !runsAndFails()) return;
        const table = relationFromRangeVar(alter.relation);
        const commands = (alter.cmds ?? []).map((node) => asKind(node, 'AlterTableCmd')).filter((cmd): cmd is AlterTableCmd => cmd !== undefined);
        commands.forEach((cmd, index) => checkCommand(cmd, commands.slice(0, index), table));
      },
    };

    /** CREATE TYPE or CREATE DOMAIN of a name pg_type has already: an enum, composite type or domain, or a table's row type. */
    function checkType(keyword: 'TYPE' | 'DOMAIN', type: RelationName | undefined): void {
      if (!type || !runsAndFails()) return;
      const kind = context.schema.typeKind(type);
      const table = kind ? undefined : context.schema.table(type);
      if (!kind && !table) return;
      const existing = kind
        ? `the history already made ${kind === 'enum type' ? 'an' : 'a'} ${kind} of that name`
        : `the history already made the ${table!.kind} ${displayName(type)}, and its row type has that name`;
      context.report({ messageId: 'typeExists', helpId: 'help', data: { keyword, type: displayName(type), existing, rawName: type.name } });
    }

    function checkCommand(cmd: AlterTableCmd, before: readonly AlterTableCmd[], table: RelationName): void {
      const shownTable = displayName(table);
      const droppedBefore = (subtype: string, name: string): boolean => before.some((other) => other.subtype === subtype && other.name === name);
      if (cmd.subtype === 'AT_AddColumn') {
        const column = asKind(cmd.def, 'ColumnDef');
        const name = column?.colname;
        if (!name || cmd.missing_ok || droppedBefore('AT_DropColumn', name)) return;
        const existing = context.schema.column(table, name);
        if (!existing) return;
        context.report({ messageId: 'columnExists', helpId: 'help', data: { table: shownTable, column: quoteIdentifier(name), rawName: name, addedIn: existing.addedIn } });
        return;
      }
      const constraint = cmd.subtype === 'AT_AddConstraint' ? asKind(cmd.def, 'Constraint') : undefined;
      if (!constraint) return;
      if (constraint.conname && !droppedBefore('AT_DropConstraint', constraint.conname) && context.schema.constraint(table, constraint.conname)) {
        context.report({ messageId: 'constraintExists', helpId: 'help', data: { table: shownTable, constraint: quoteIdentifier(constraint.conname) } });
        return;
      }
      if (constraint.contype !== 'CONSTR_PRIMARY') return;
      const primaryKey = [...(context.schema.table(table)?.constraints.values() ?? [])].find((other) => other.kind === 'primary key');
      // A key column dropped earlier in the statement takes the key with it.
      if (!primaryKey || droppedBefore('AT_DropConstraint', primaryKey.name) || primaryKey.columns.some((column) => droppedBefore('AT_DropColumn', column))) return;
      context.report({ messageId: 'secondPrimaryKey', helpId: 'help', data: { table: shownTable, constraint: quoteIdentifier(primaryKey.name) } });
    }
  },
});

