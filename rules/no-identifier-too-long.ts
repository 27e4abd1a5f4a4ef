import type { ScanToken } from 'libpg-query';
import { defineRule } from '../src/engine/rule.js';
import { scanTokens } from '../src/parse/scan.js';
import { quoteIdentifier } from '../src/parse/identifiers.js';

/** NAMEDATALEN - 1: PostgreSQL keeps at most this many bytes of an identifier. */
const MAX_IDENTIFIER_BYTES = 63;
const utf8 = new TextEncoder();
const UNICODE_IDENTIFIER = /^u&"/i;

export default defineRule({
  id: 'no-identifier-too-long',
  meta: {
    severity: 'warning',
    presets: ['recommended-style', 'strict'],
    messages: {
      tooLong:
        '{{identifier}} is {{bytes}} bytes long, over PostgreSQL\'s limit of 63: PostgreSQL silently truncates it to {{truncated}} (with only a NOTICE), so two long names that start alike become the same name, and the name in the catalog is not the one in the migration.',
      help: 'Shorten the name to at most 63 bytes (bytes, not characters: é takes 2, most CJK characters 3), for example by abbreviating the table part of an index or constraint name.',
    },
    docs: {
      summary: 'Flags identifiers longer than 63 bytes, which PostgreSQL silently truncates.',
      why: 'PostgreSQL keeps at most NAMEDATALEN - 1 = 63 bytes of an identifier and cuts longer ones while reading the statement, with only a NOTICE ("identifier ... will be truncated to ..."). The limit counts bytes of the UTF-8 encoding, not characters: a name of 36 accented letters is 72 bytes and is cut to 31 letters. Two names that share their first 63 bytes become the same name: the second CREATE fails with "already exists", or CREATE ... IF NOT EXISTS silently skips it, and a DROP or ALTER meant for one acts on the other. Tools that compare the catalog with the names they wrote (schema dumps, ORMs checking constraint names) see a different name. Every identifier is checked, quoted or not, where it is defined and where it is used; names PostgreSQL generates itself (index and constraint names it picks) are shortened to fit and are not affected.',
      instead: 'Keep identifiers at most 63 bytes long; abbreviate long table names in index and constraint names.',
      bad: 'CREATE INDEX customer_subscription_billing_history_created_at_and_status_index ON customer_subscription_billing_history (created_at, status);',
      good: 'CREATE INDEX cust_sub_billing_hist_created_status_idx ON customer_subscription_billing_history (created_at, status);',
      references: ['https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS'],
      pgVersions: 'All versions built with the default NAMEDATALEN of 64.',
      prevents: 'names silently truncated, colliding, or differing from the migration',
    },
  },
  create(context) {
    return {
      onStatement(statement) {
        const reported = new Set<string>();
        for (const token of scanTokens(context.sqlText(statement.range)) ?? []) {
          const name = identifierOf(token);
          const bytes = name === undefined ? 0 : utf8.encode(name).length;
          if (name === undefined || bytes <= MAX_IDENTIFIER_BYTES || reported.has(name)) continue;
          reported.add(name);
          context.report({
            messageId: 'tooLong',
            helpId: 'help',
            range: { start: statement.range.start + token.start, end: statement.range.start + token.end },
            data: { identifier: quoteIdentifier(name), bytes, truncated: quoteIdentifier(truncated(name)) },
          });
        }
      },
    };
  },
});

/** The name an identifier token stands for, as PostgreSQL's scanner reads it before truncating. */
function identifierOf(token: ScanToken): string | undefined {
  if (UNICODE_IDENTIFIER.test(token.text)) {
    // U&"d\0061t" with the default escape character; a UESCAPE clause is rare enough to read approximately.
    return token.text.slice(3, -1).replace(/""/g, '"').replace(/\\(\\|[0-9a-f]{4}|\+[0-9a-f]{6})/gi, (_, code: string) =>
      code === '\\' ? '\\' : String.fromCodePoint(parseInt(code.replace('+', ''), 16)),
    );
  }
  if (token.tokenName !== 'IDENT') return undefined;
  // PostgreSQL down-cases the ASCII letters of an unquoted identifier, which keeps its length in bytes.
  return token.text.startsWith('"') ? token.text.slice(1, -1).replace(/""/g, '"') : token.text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** The first 63 bytes, cut at a character boundary as PostgreSQL's pg_mbcliplen does. */
function truncated(name: string): string {
  let kept = '';
  let bytes = 0;
  for (const char of name) {
    bytes += utf8.encode(char).length;
    if (bytes > MAX_IDENTIFIER_BYTES) break;
    kept += char;
  }
  return kept;
}
