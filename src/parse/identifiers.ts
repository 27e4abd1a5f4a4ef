import { scanTokens } from './scan.js';

const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_$]*$/;
const quotedCache = new Map<string, string>();

/**
 * An identifier as it must be written in SQL, as PostgreSQL's quote_identifier
 * does: quoted unless it is lower-case, plain, and not a keyword that needs quoting.
 * Help text shows SQL to run, so `"User Table"` must stay quoted.
 */
export function quoteIdentifier(name: string): string {
  let quoted = quotedCache.get(name);
  if (quoted === undefined) {
    quoted = needsQuotes(name) ? `"${name.replace(/"/g, '""')}"` : name;
    quotedCache.set(name, quoted);
  }
  return quoted;
}

function needsQuotes(name: string): boolean {
  if (!PLAIN_IDENTIFIER.test(name)) return true;
  const keyword = scanTokens(name)?.[0]?.keywordName;
  return keyword !== undefined && keyword !== 'NO_KEYWORD' && keyword !== 'UNRESERVED_KEYWORD';
}
