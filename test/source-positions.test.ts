import { describe, expect, it } from 'vitest';
import { SourceFile } from '../src/source/source-file.js';
import { loadParser, parseSource } from '../src/parse/parse.js';
import { preprocessSql } from '../src/parse/preprocess.js';

function offsetOf(text: string, needle: string): number {
  return Buffer.byteLength(text.slice(0, text.indexOf(needle)), 'utf8');
}

describe('byte offset → line and column', () => {
  it('counts columns in UTF-16 code units after multi-byte characters', () => {
    const text = "-- naïve café\nSELECT 'žluťoučký', '😀', x;";
    const source = new SourceFile('t.sql', text);
    // 7 ("SELECT ") + 11 ("'žluťoučký'") + 2 (", ") + 4 ("'😀'": the emoji is two UTF-16 units) + 2 (", ") = 26 before x
    expect(source.positionAt(offsetOf(text, 'x;'))).toEqual({ line: 2, column: 27 });
    expect(source.positionAt(offsetOf(text, 'SELECT'))).toEqual({ line: 2, column: 1 });
  });

  it('treats CRLF and lone CR as one line break each', () => {
    const text = 'SELECT 1;\r\nSELECT 2;\rSELECT 3;\nSELECT 4;';
    const source = new SourceFile('t.sql', text);
    expect(source.positionAt(offsetOf(text, 'SELECT 2'))).toEqual({ line: 2, column: 1 });
    expect(source.positionAt(offsetOf(text, 'SELECT 3'))).toEqual({ line: 3, column: 1 });
    expect(source.positionAt(offsetOf(text, 'SELECT 4'))).toEqual({ line: 4, column: 1 });
    expect(source.lineText(1)).toBe('SELECT 1;');
  });

  it('counts a tab as one column', () => {
    const text = '\tALTER TABLE t ADD COLUMN c int;';
    expect(new SourceFile('t.sql', text).positionAt(offsetOf(text, 'ALTER'))).toEqual({ line: 1, column: 2 });
  });
});

describe('parser wrapper', () => {
  it('keeps each statement\'s exact range, without the semicolon, in non-ASCII files', async () => {
    await loadParser();
    const text = "-- über\nCREATE TABLE \"čaj\" (id int);\n  /* x */ DROP TABLE \"čaj\" -- trailing\n";
    const parsed = parseSource(new SourceFile('t.sql', text));
    expect(parsed.statements.map((statement) => parsed.source.slice(statement.range))).toEqual([
      'CREATE TABLE "čaj" (id int)',
      'DROP TABLE "čaj"',
    ]);
    expect(parsed.comments.map((comment) => comment.body)).toEqual([' über', ' x ', ' trailing']);
  });

  it('marks a DO block that PERFORMs or CALLs a function outside PostgreSQL\'s catalog, at the call, for the trace to leave its locks uncompared', async () => {
    await loadParser();
    const text = "DO $$ BEGIN\n  PERFORM set_config('a.b', 'c', true);\n  IF true THEN PERFORM partman.create_parent('public.événements'); END IF;\nEND $$;\nDO $$ BEGIN PERFORM now(); END $$;\n";
    const parsed = parseSource(new SourceFile('t.sql', text));
    const blocks = parsed.statements.filter((statement) => statement.kind === 'DoStmt');
    expect(blocks.map((block) => block.callsUnread)).toEqual(['partman.create_parent()', undefined]);
    const [skipped] = parsed.skipped;
    expect(skipped).toMatchObject({ kind: 'function lockwise cannot read', text: 'partman.create_parent()' });
    expect(parsed.source.slice(skipped!.range)).toBe("partman.create_parent('public.événements')");
  });

  it('reports a syntax error at PostgreSQL\'s position after multi-byte text', async () => {
    await loadParser();
    const text = "SELECT 'ünïcödé';\nALTER TABLE users ADD COLUMN;";
    const parsed = parseSource(new SourceFile('t.sql', text));
    expect(parsed.syntaxError?.message).toBe('syntax error at or near ";"');
    expect(parsed.source.positionAt(parsed.syntaxError!.offset)).toEqual({ line: 2, column: 29 });
  });

  it('places the error after astral characters, which PostgreSQL counts as one character and UTF-16 as two', async () => {
    await loadParser();
    const text = "SELECT '😀😀';\nALTER TABLE x x;";
    const parsed = parseSource(new SourceFile('t.sql', text));
    expect(parsed.syntaxError?.offset).toBe(offsetOf(text, 'x;'));
  });

  it('accepts empty and comment-only files', async () => {
    await loadParser();
    for (const text of ['', '\n\n', '-- nothing here\n/* or here */']) {
      const parsed = parseSource(new SourceFile('t.sql', text));
      expect(parsed.syntaxError).toBeUndefined();
      expect(parsed.statements).toEqual([]);
    }
  });
});

describe('template placeholders', () => {
  it('stand for one name however the braces are spaced or the name is quoted, and keep every byte offset', () => {
    const spellings = ['{{ index .Options "Namespace" }}.users', '{{index .Options "Namespace"}}.users', '"{{ index .Options "Namespace" }}".users'];
    const names = spellings.map((spelling) => {
      const { sqlText, skipped } = preprocessSql(`ALTER TABLE ${spelling} ADD COLUMN x text;`);
      expect(Buffer.byteLength(sqlText)).toBe(Buffer.byteLength(`ALTER TABLE ${spelling} ADD COLUMN x text;`));
      expect(skipped.map(({ text }) => text)).toEqual([spelling.replace(/^"|"\.users$|\.users$/g, '')]);
      return sqlText.replace(/\s+(?=\.)/g, '').replace(/\s+/g, ' ');
    });
    expect(new Set(names)).toEqual(new Set(['ALTER TABLE ______________________________.users ADD COLUMN x text;']));
    // Part of a longer name, the placeholder keeps its whole length: spaces there would split the name.
    expect(preprocessSql('CREATE TABLE events_{{ suffix }} (id int);').sqlText).toBe('CREATE TABLE events_____________ (id int);');
    // Inside a string, the padding goes after the closing quote, so both spellings make the same string.
    expect(preprocessSql("SELECT '{{ ns }}', '{{ns}}';").sqlText).toBe("SELECT '______'  , '______';");
    // `${}` with nothing inside is no tool's placeholder: a JavaScript template in a function body's string (Sirimbo's).
    expect(preprocessSql("SELECT '`${}`', '${schema}';").skipped.map(({ text }) => text)).toEqual(['${schema}']);
  });
});
