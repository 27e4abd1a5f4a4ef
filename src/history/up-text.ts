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
  /** The first line matching the up marker. */
  upLine?: string;
  /** Where the first line matching the down marker after it starts. */
  downAt?: number;
}

/** Both markers are multiline patterns that match a whole line; the down marker counts only after the up marker. */
export function findSections(text: string, upMarker: RegExp, downMarker: RegExp): MarkedSections {
  const up = upMarker.exec(text);
  if (!up) return {};
  const afterUp = up.index + up[0].length;
  const down = downMarker.exec(text.slice(afterUp));
  return down ? { upLine: up[0], downAt: afterUp + down.index } : { upLine: up[0] };
}
