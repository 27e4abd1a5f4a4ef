// The keywords are PostgreSQL's own, classed by libpg-query's scanner, in scripts/generate-quoted-keywords.mjs.
import quotedKeywordsJson from './quoted-keywords.json' with { type: 'json' };

const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_$]*$/;
const QUOTED_KEYWORDS: ReadonlySet<string> = new Set(quotedKeywordsJson);

/**
 * An identifier as it must be written in SQL, as PostgreSQL's quote_identifier
 * does: quoted unless it is lower-case, plain, and not a keyword that needs quoting.
 * Help text shows SQL to run, so `"User Table"` must stay quoted.
 */
export function quoteIdentifier(name: string): string {
  return PLAIN_IDENTIFIER.test(name) && !QUOTED_KEYWORDS.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
