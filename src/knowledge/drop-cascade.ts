// What DROP ... CASCADE of each kind of object drops besides it: PostgreSQL's dependency tracking (pg_depend), as
// seen on PostgreSQL 18 for each kind. Schemas and TRUNCATE ... CASCADE are left to rules of their own.

export interface CascadeDrop {
  /** The object kind as DROP spells it. */
  keyword: string;
  /** What may depend on an object of the kind, for a finding about one whose dependents lockwise cannot see. */
  dependents: string;
}

const CALLERS = 'triggers that execute it, and views, defaults, CHECK constraints and expression indexes that call it';

/** By the removeType of a DropStmt. */
export const CASCADE_DROPS: Partial<Record<string, CascadeDrop>> = {
  OBJECT_TABLE: { keyword: 'TABLE', dependents: 'views over it and foreign keys of other tables that reference it' },
  OBJECT_VIEW: { keyword: 'VIEW', dependents: 'views over it' },
  OBJECT_MATVIEW: { keyword: 'MATERIALIZED VIEW', dependents: 'views over it' },
  OBJECT_TYPE: { keyword: 'TYPE', dependents: 'columns of the type in any table, the views that use them, and domains over it' },
  OBJECT_DOMAIN: { keyword: 'DOMAIN', dependents: 'columns of the domain in any table, the views that use them, and domains over it' },
  OBJECT_FUNCTION: { keyword: 'FUNCTION', dependents: CALLERS },
  OBJECT_PROCEDURE: { keyword: 'PROCEDURE', dependents: 'routines whose SQL-standard bodies call it' },
  OBJECT_ROUTINE: { keyword: 'ROUTINE', dependents: CALLERS },
  OBJECT_SEQUENCE: { keyword: 'SEQUENCE', dependents: 'column defaults that draw from it' },
  OBJECT_EXTENSION: { keyword: 'EXTENSION', dependents: 'columns of its types, indexes of its operator classes, and defaults, views and triggers that call its functions' },
};

/** What ALTER TABLE ... DROP COLUMN ... CASCADE may drop besides the column. */
export const COLUMN_CASCADE_DROPS = 'views that use it and foreign keys of other tables that reference it';
