import { defineRule } from '../src/engine/rule.js';
import { libpgQuery } from '../src/parse/libpg.js';
import { scanTokens } from '../src/parse/scan.js';
import type { RunnerTraits } from '../src/model/session-state.js';

/** The annotations each tool reads around a statement it must send whole. */
const STATEMENT_BLOCKS = {
  goose: { begin: '-- +goose StatementBegin', end: '-- +goose StatementEnd' },
  'sql-migrate': { begin: '-- +migrate StatementBegin', end: '-- +migrate StatementEnd' },
} as const;

export default defineRule({
  id: 'no-statement-split-by-tool',
  meta: {
    severity: 'error',
    presets: ['recommended', 'strict'],
    messages: {
      split:
        '{{tool}} ends a query at the end of line {{line}}, whose last word ends with a semicolon, and sends what comes before it on its own: this statement reaches PostgreSQL in pieces, and PostgreSQL rejects the first ({{reason}}), so the migration fails.',
      help: 'Put `{{begin}}` on a line of its own before the statement and `{{end}}` on a line of its own after it, so that {{tool}} sends it whole.',
      splitComment:
        '{{tool}} ends a query at the end of line {{line}}, inside this comment, since the last word of that line ends with a semicolon: PostgreSQL rejects what it sends ({{reason}}), so the migration fails.',
      commentHelp: 'Take the semicolon off the end of that line, or start each line of the comment with -- instead.',
      splitByLiquibase:
        'Liquibase ends a statement at the semicolon on line {{line}} and sends what comes before it on its own: its splitter knows no dollar quotes, and takes a semicolon outside a BEGIN ... END it counted for the end of a statement (a DECLARE section, a LANGUAGE sql body, the rest of a block after END IF). This statement reaches PostgreSQL in pieces, and PostgreSQL rejects the first ({{reason}}), so the migration fails.',
      liquibaseHelp:
        'Put `splitStatements:false` on the `--changeset` line (`splitStatements="false"` on a sqlFile change): Liquibase then sends the changeset whole, and the JDBC driver splits it as PostgreSQL reads it. Or end its statements with an `endDelimiter` of their own.',
    },
    docs: {
      summary: 'Disallows a statement that goose, sql-migrate or Liquibase would cut in two at a semicolon inside it.',
      why: 'goose and sql-migrate do not parse SQL: they end a statement at every line whose last word ends with a semicolon, and send each piece to PostgreSQL as a query of its own. A function or DO block body, a string or a comment with such a line inside is cut there, and PostgreSQL rejects the first piece (an unterminated dollar-quoted string, quoted string or comment, or a syntax error at its end), so the migration fails, in every environment, when it is deployed. Both tools read `StatementBegin` and `StatementEnd` annotations around a statement to send it whole (goose\'s annotations page, pressly.github.io/goose/documentation/annotations; sql-migrate\'s README, "Writing migrations"). Liquibase splits a changeset (and a sqlFile) at each semicolon outside quotes, comments and the BEGIN ... END blocks it counts, unless it says splitStatements:false or names an endDelimiter; its grammar has no dollar quotes, so a PL/pgSQL body\'s DECLARE section, a LANGUAGE sql body with several statements, or the statements of a block after an END IF (which closes the BEGIN it counted) are cut (StringUtil.processMultiLineSQL and SimpleSqlGrammar, ported). Files of other tools, and plain files run by psql, are read statement by statement as PostgreSQL reads them, and are not checked.',
      instead: 'Put the statement between `-- +goose StatementBegin` and `-- +goose StatementEnd` lines (for sql-migrate, `-- +migrate StatementBegin` and `-- +migrate StatementEnd`); with Liquibase, put `splitStatements:false` on the changeset\'s `--changeset` line.',
      bad: '-- +goose Up\nCREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.updated_at := now();\n  RETURN NEW;\nEND $$;',
      good: '-- +goose Up\n-- +goose StatementBegin\nCREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.updated_at := now();\n  RETURN NEW;\nEND $$;\n-- +goose StatementEnd',
      references: [
        'https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-DOLLAR-QUOTING',
        'https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SIMPLE-QUERY',
      ],
      pgVersions: 'All versions.',
      prevents: 'a migration that fails: the tool sends a statement in pieces',
    },
  },
  create(context) {
    return {
      // A block comment between statements, cut at a line inside it (Nakama's and Stellar Horizon's readers' probes).
      onFileEnd() {
        const cuts = goCuts(context.environment.runner?.cutsQueries);
        if (!cuts) return;
        const topLevel = context.statements.filter((statement) => statement.insideBlock === undefined);
        if (topLevel.length === 0) return;
        for (let index = 0; index <= topLevel.length; index++) {
          const start = index === 0 ? 0 : topLevel[index - 1]!.range.end;
          const end = index < topLevel.length ? topLevel[index]!.range.start : Number.MAX_SAFE_INTEGER;
          const gap = context.sqlText({ start, end });
          if (!gap.includes('/*')) continue;
          // The scanner's offsets are in bytes.
          for (const token of scanTokens(gap) ?? []) {
            if (token.tokenName !== 'C_COMMENT') continue;
            const comment = { start: start + token.start, end: start + token.end };
            const cut = cuts.at.find((offset) => offset > comment.start && offset < comment.end);
            if (cut === undefined) continue;
            context.report({
              statement: topLevel[Math.min(index, topLevel.length - 1)]!,
              range: comment,
              messageId: 'splitComment',
              helpId: 'commentHelp',
              data: { tool: cuts.tool, line: context.lineOf(cut), reason: whyRejected(context.sqlText({ start: comment.start, end: cut })) },
            });
          }
        }
      },
      onStatement(statement) {
        const cuts = goCuts(context.environment.runner?.cutsQueries);
        if (!cuts || statement.insideBlock !== undefined) return;
        const { start, end } = statement.range;
        const cut = cuts.at.find((offset) => offset > start && offset < end);
        if (cut === undefined) return;
        const piece = context.sqlText({ start, end: cut });
        if (cuts.tool === 'liquibase') {
          context.report({ messageId: 'splitByLiquibase', helpId: 'liquibaseHelp', data: { line: context.lineOf(cut - 1), reason: whyRejected(piece) } });
          return;
        }
        context.report({
          messageId: 'split',
          helpId: 'help',
          data: { tool: cuts.tool, line: context.lineOf(cut), reason: whyRejected(piece), ...STATEMENT_BLOCKS[cuts.tool] },
        });
      },
    };
  },
});

/**
 * The cuts of goose and sql-migrate, which read no quotes at all. tern's splitter (2.2.1 and later) reads quotes, dollar
 * quotes and comments: where it differs from PostgreSQL it joins statements (a comment that ends with a backslash runs on),
 * which the transaction rules report, rather than cutting one.
 */
function goCuts(cuts: RunnerTraits['cutsQueries']): { tool: 'goose' | 'sql-migrate' | 'liquibase'; at: number[] } | undefined {
  return cuts && cuts.tool !== 'tern' ? { tool: cuts.tool, at: cuts.at } : undefined;
}

/** PostgreSQL's own error for the first piece, without the text it quotes: "unterminated dollar-quoted string". */
function whyRejected(piece: string): string {
  try {
    libpgQuery().parseSync(piece);
  } catch (error) {
    if (error instanceof Error) return error.message.replace(/ at or near [\s\S]*$/, '');
  }
  return 'it is only part of the statement';
}
