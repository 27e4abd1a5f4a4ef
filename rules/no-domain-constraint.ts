import { defineRule } from '../src/engine/rule.js';
import { commandsOnExistingTable } from '../src/engine/alter-table-commands.js';
import { domainOfColumn, fillingDefault } from '../src/engine/column-declarations.js';
import { columnType } from '../src/model/schema-objects.js';
import { describeType } from '../src/knowledge/type-changes.js';
import { displayName, relationFromNames, relationKey } from '../src/model/names.js';
import { asKind, stringValues } from '../src/parse/node-types.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

/** AlterDomainStmt.subtype: 'C' adds a constraint, 'O' is SET NOT NULL. */
const ADD_CONSTRAINT = 'C';
const SET_NOT_NULL = 'O';

export default defineRule({
  id: 'no-domain-constraint',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      addCheck:
        'ALTER DOMAIN {{domain}} ADD {{constraint}}CHECK checks every stored value of every column of type {{domain}}, in every table that uses it, while holding a SHARE lock on each of those tables: writes to them wait until all the scans finish.',
      addNotNull:
        'ALTER DOMAIN {{domain}} {{form}} checks every column of type {{domain}}, in every table that uses it, while holding a SHARE lock on each of those tables (writes wait until all the scans finish), and a NOT NULL domain constraint cannot be added NOT VALID.',
      addColumnOfConstrainedDomain:
        'ADD COLUMN {{column}} of type {{domain}}, a domain with constraints, rewrites all of {{table}} and rebuilds its indexes under an ACCESS EXCLUSIVE lock: PostgreSQL checks the new column of every row against the domain\'s constraints by rewriting the table (seen on PostgreSQL 18), so no reads or writes of {{table}} until it finishes.',
      columnHelp:
        'Add the column with the type under the domain, which is instant, and enforce the domain\'s rule with a CHECK constraint on the column, checked without blocking reads and writes:\n  ALTER TABLE {{table}} ADD COLUMN {{column}} {{base}};\n  ALTER TABLE {{table}} ADD CONSTRAINT <name> CHECK (<the domain\'s condition on {{column}}>) NOT VALID;\n  -- in a later transaction (SHARE UPDATE EXCLUSIVE lock only):\n  ALTER TABLE {{table}} VALIDATE CONSTRAINT <name>;',
      help:
        'Add the constraint NOT VALID, which checks only values written from now on, and validate the existing ones in a later migration{{laterDeployNote}}:\n  ALTER DOMAIN {{domain}} ADD CONSTRAINT {{name}} CHECK (...) NOT VALID;\n  ALTER DOMAIN {{domain}} VALIDATE CONSTRAINT {{name}};\nThrough PostgreSQL 18, VALIDATE CONSTRAINT still scans under a SHARE lock on each table (writes wait, reads continue): run it at a quiet time with a lock_timeout. If that is too long, put NOT VALID CHECK constraints on the columns themselves instead; their VALIDATE takes only a SHARE UPDATE EXCLUSIVE lock.',
      notNullHelp:
        'Write it as a CHECK constraint, which can be added NOT VALID (new values are checked at once) and validated later:\n  ALTER DOMAIN {{domain}} ADD CONSTRAINT {{name}} CHECK (VALUE IS NOT NULL) NOT VALID;\n  ALTER DOMAIN {{domain}} VALIDATE CONSTRAINT {{name}};\nVALIDATE CONSTRAINT still holds a SHARE lock on each table while it scans (through PostgreSQL 18): run it at a quiet time with a lock_timeout.',
    },
    docs: {
      summary: 'Disallows adding a constraint to a domain that existing tables use, unless it is added NOT VALID, and adding a column of a domain type with constraints to an existing table.',
      why: 'ALTER DOMAIN ... ADD CONSTRAINT (and SET NOT NULL) checks every stored value of the domain: PostgreSQL scans every table that has a column of the domain type, holding a SHARE lock on each, so writes to all of those tables wait until every scan has finished. A CHECK constraint can be added NOT VALID, which checks only values written afterwards; ALTER DOMAIN ... VALIDATE CONSTRAINT then checks the existing values. Through PostgreSQL 18, VALIDATE also takes SHARE locks on the tables (a change after 18 lowers it to SHARE UPDATE EXCLUSIVE), but it can run in its own migration, at a quiet time, with a lock_timeout. A NOT NULL domain constraint cannot be NOT VALID; CHECK (VALUE IS NOT NULL) NOT VALID can. A domain created earlier in the same file is not used by any table with data and is not reported. Adding a column whose type is a domain with constraints (CHECK or NOT NULL, validated or not, its own or those of a domain it is over) to an existing table rewrites the table under an ACCESS EXCLUSIVE lock, where a column of the plain type is added instantly: PostgreSQL checks the new value of every row against the constraints (lockwise trace shows the rewrite on PostgreSQL 18); lockwise knows the domains your migrations created.',
      instead: 'ALTER DOMAIN d ADD CONSTRAINT c CHECK (...) NOT VALID; then, in a later migration, ALTER DOMAIN d VALIDATE CONSTRAINT c; or constrain the tables\' columns with NOT VALID CHECK constraints, validated under SHARE UPDATE EXCLUSIVE.',
      bad: 'ALTER DOMAIN email_address ADD CONSTRAINT email_address_check CHECK (VALUE LIKE \'%@%\');',
      good: 'ALTER DOMAIN email_address ADD CONSTRAINT email_address_check CHECK (VALUE LIKE \'%@%\') NOT VALID;',
      references: [
        'https://www.postgresql.org/docs/current/sql-alterdomain.html',
        'https://www.postgresql.org/docs/current/sql-createdomain.html',
      ],
      pgVersions: 'NOT VALID domain CHECK constraints exist from PostgreSQL 9.2. ADD CONSTRAINT and VALIDATE CONSTRAINT both take SHARE locks on the tables through PostgreSQL 18.',
      prevents: 'writes blocked on every table using the domain',
    },
  },
  create(context) {
    const domainsCreatedInFile = new Set<string>();
    return {
      ...commandsOnExistingTable(context, (cmd, relation) => {
        const column = asKind(cmd.def, 'ColumnDef');
        const type = columnType(column?.typeName);
        // An array of a domain is not the domain: PostgreSQL adds it without checking anything (seen on PostgreSQL 18).
        const domain = cmd.subtype === 'AT_AddColumn' ? domainOfColumn(column, context.schema) : undefined;
        if (!domain?.constrained) return;
        // With nothing to fill the rows, a NOT NULL domain makes the statement fail instead: no-add-required-column reports that.
        if (domain.notNull && !fillingDefault(column!, domain)) return;
        context.report({
          messageId: 'addColumnOfConstrainedDomain',
          helpId: 'columnHelp',
          at: column?.typeName?.location,
          data: { table: displayName(relation), column: quoteIdentifier(column?.colname ?? ''), domain: describeType(type!), base: describeType(domain.baseType) },
        });
      }),
      CreateDomainStmt(create) {
        domainsCreatedInFile.add(relationKey(relationFromNames(stringValues(create.domainname))));
      },
      AlterDomainStmt(alter) {
        const domainName = relationFromNames(stringValues(alter.typeName));
        if (domainsCreatedInFile.has(relationKey(domainName))) return;
        const constraint = alter.subtype === ADD_CONSTRAINT ? asKind(alter.def, 'Constraint') : undefined;
        const domain = displayName(domainName);
        const name = (suffix: string) => quoteIdentifier(constraint?.conname ?? `${domainName.name}_${suffix}`);
        const named = constraint?.conname ? `CONSTRAINT ${quoteIdentifier(constraint.conname)} ` : '';
        if (constraint?.contype === 'CONSTR_CHECK' && !constraint.skip_validation) {
          context.report({ messageId: 'addCheck', helpId: 'help', at: constraint.location, data: { domain, name: name('check'), constraint: named } });
        } else if (constraint?.contype === 'CONSTR_NOTNULL' || alter.subtype === SET_NOT_NULL) {
          const form = constraint ? `ADD ${named}NOT NULL` : 'SET NOT NULL';
          context.report({ messageId: 'addNotNull', helpId: 'notNullHelp', ...(constraint ? { at: constraint.location } : {}), data: { domain, name: name('not_null'), form } });
        }
      },
    };
  },
});
