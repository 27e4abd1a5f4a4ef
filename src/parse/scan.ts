import type { ScanToken } from 'libpg-query';
import { libpgQuery } from './libpg.js';

/**
 * libpg-query's scanner returns its tokens as JSON and fails on control characters
 * in the text. Replacing them by spaces keeps every byte offset and every token.
 */
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** Tokens with byte offsets relative to `text`, or undefined when the scanner rejects it. */
export function scanTokens(text: string): ScanToken[] | undefined {
  try {
    return libpgQuery().scanSync(text.replace(CONTROL_CHARACTERS, ' ')).tokens;
  } catch {
    return undefined;
  }
}

export function isCommentToken(token: ScanToken): boolean {
  return token.tokenName === 'SQL_COMMENT' || token.tokenName === 'C_COMMENT';
}
