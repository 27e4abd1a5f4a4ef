import { beforeAll, describe, expect, it } from 'vitest';
import type { Node } from '@pgsql/types';
import { loadParser } from '../src/parse/parse.js';
import { libpgQuery } from '../src/parse/libpg.js';
import { formatInstances } from '../src/parse/format-call.js';

beforeAll(loadParser);

/** The arguments after the template of `format(...)`, parsed. */
function argumentsOf(call: string): Node[] {
  const select = libpgQuery().parseSync(`SELECT ${call}`).stmts![0]!.stmt as { SelectStmt: { targetList: Array<{ ResTarget: { val: { FuncCall: { args: Node[] } } } }> } };
  return select.SelectStmt.targetList[0]!.ResTarget.val.FuncCall.args.slice(1);
}

describe('the SQL format() builds', () => {
  it("writes each value as PostgreSQL's format() does, once for each value of the loop variable", () => {
    const template = 'ALTER TABLE %I ADD CONSTRAINT %I CHECK (kind <> %L) -- %s';
    const args = argumentsOf(`format('x', t, t || '_kind_check', 'it''s', 'note')`);
    const instances = formatInstances(template, args, new Map([['t', ['users', 'Order']]]));
    expect(instances?.map((instance) => instance.sql)).toEqual([
      "ALTER TABLE users ADD CONSTRAINT users_kind_check CHECK (kind <> 'it''s') -- note",
      'ALTER TABLE "Order" ADD CONSTRAINT "Order_kind_check" CHECK (kind <> \'it\'\'s\') -- note',
    ]);
  });

  it('maps every offset of the SQL built back to the template: a value to its specifier, the text after it to its own place', () => {
    const template = 'ALTER TABLE %1$I ALTER COLUMN tenant SET NOT NULL';
    const [instance] = formatInstances(template, argumentsOf("format('x', 'audit_log')"), new Map())!;
    expect(instance!.sql).toBe('ALTER TABLE audit_log ALTER COLUMN tenant SET NOT NULL');
    const place = (text: string): number => instance!.templateOffset(instance!.sql.indexOf(text));
    expect(place('ALTER TABLE')).toBe(0);
    expect(place('audit_log')).toBe(template.indexOf('%1$I'));
    expect(place('og ALTER')).toBe(template.indexOf('%1$I'));
    expect(place('tenant')).toBe(template.indexOf('tenant'));
  });

  it('builds nothing from values it cannot know, two loop variables, or a specifier it does not follow', () => {
    const loops = new Map([
      ['t', ['users']],
      ['c', ['email']],
    ]);
    expect(formatInstances('ALTER TABLE %I', argumentsOf("format('x', current_setting('app.table'))"), loops)).toBeUndefined();
    expect(formatInstances('ALTER TABLE %I', argumentsOf("format('x', other)"), loops)).toBeUndefined();
    expect(formatInstances('ALTER TABLE %I DROP %I', argumentsOf("format('x', t, c)"), loops)).toBeUndefined();
    expect(formatInstances('SELECT 100%% FROM %I', argumentsOf("format('x', t)"), loops)).toBeUndefined();
    expect(formatInstances('ALTER TABLE %I', argumentsOf("format('x')"), loops)).toBeUndefined();
    // A loop of hundreds of tables is left unknown, not checked hundreds of times at one line.
    const many = new Map([['t', Array.from({ length: 101 }, (_, index) => `table_${index}`)]]);
    expect(formatInstances('ALTER TABLE %I', argumentsOf("format('x', t)"), many)).toBeUndefined();
    expect(formatInstances('ALTER TABLE %I', argumentsOf("format('x', t)"), new Map([['t', many.get('t')!.slice(0, 100)]]))).toHaveLength(100);
  });
});
