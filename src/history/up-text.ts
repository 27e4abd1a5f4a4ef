/**
 * The part of a migration file that runs on the way up, as text of the same UTF-8
 * byte length and the same line breaks as the file: what does not run becomes
 * spaces, so every byte offset and line number found in it holds in the file.
 */

const RUN_WITHOUT_LINE_BREAKS = /[^\r\n]+/g;

/** Each character becomes as many spaces as it has UTF-8 bytes; line breaks stay. */
export function blank(text: string): string {
  return text.replace(RUN_WITHOUT_LINE_BREAKS, (run) => ' '.repeat(Buffer.byteLength(run, 'utf8')));
}

/** Keeps `text` before `offset` and blanks the rest. */
export function blankFrom(text: string, offset: number): string {
  return text.slice(0, offset) + blank(text.slice(offset));
}

export interface MarkedSections {
  /** Where the first up marker line starts, if any. */
  up?: RegExpExecArray;
  /** Where the first down marker line after the up marker starts, if any. */
  down?: RegExpExecArray;
}

/**
 * The first up marker and the first down marker after it. Both patterns must be
 * multiline (`m`) and global (`g`) so that they match whole lines anywhere in the text.
 */
export function findSections(text: string, upMarker: RegExp, downMarker: RegExp): MarkedSections {
  upMarker.lastIndex = 0;
  const up = upMarker.exec(text) ?? undefined;
  if (!up) return {};
  downMarker.lastIndex = up.index + up[0].length;
  const down = downMarker.exec(text) ?? undefined;
  return down ? { up, down } : { up };
}
