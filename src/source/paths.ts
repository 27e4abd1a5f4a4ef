import path from 'node:path';

export function toPosix(file: string): string {
  return path.sep === '/' ? file : file.replaceAll(path.sep, '/');
}

/** How a path is shown to the user: relative to the working directory when inside it, with forward slashes. */
export function displayPath(file: string, cwd: string): string {
  const absolute = path.resolve(cwd, file);
  const relative = path.relative(cwd, absolute);
  const outside = relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  return toPosix(outside ? absolute : relative);
}

/**
 * displayPath for the files under one folder, given as normalized absolute paths (as path.join
 * makes them), with the folder's own part worked out once: a migration folder may hold thousands.
 */
export function displayPathUnder(dir: string, cwd: string): (file: string) => string {
  const root = path.resolve(cwd, dir);
  const prefix = root.endsWith(path.sep) ? root : `${root}${path.sep}`;
  const shownRoot = displayPath(root, cwd);
  // Under a folder above the working directory, a file may be inside it or not.
  if (`${path.resolve(cwd)}${path.sep}`.startsWith(prefix) && path.resolve(cwd) !== root) return (file) => displayPath(file, cwd);
  return (file) => {
    if (!file.startsWith(prefix)) return displayPath(file, cwd);
    const rest = toPosix(file.slice(prefix.length));
    return shownRoot === '' ? rest : `${shownRoot.endsWith('/') ? shownRoot.slice(0, -1) : shownRoot}/${rest}`;
  };
}

let collator: Intl.Collator | undefined;

/**
 * `2_add.sql` before `10_drop.sql`, as migration tools order numbered files: the order of
 * `Intl.Collator('en', { numeric: true })`. Making that collator costs ICU about 10 ms, so names and
 * paths of digits, ASCII letters, `_`, `-`, `.` and `/` (nearly every migration's) are compared here
 * by the collator's primary rules; when those find no difference, or a name holds another character,
 * the collator decides.
 */
export function naturalCompare(a: string, b: string): number {
  const primary = primaryNaturalOrder(a, b);
  if (primary !== 0) return primary;
  collator ??= new Intl.Collator('en', { numeric: true });
  return collator.compare(a, b);
}

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/**
 * The collator's primary weight of a character outside digits, or -1 for one this does not know.
 * Punctuation sorts before digits (`_` before `-` before `.`), digits before letters, and a letter's
 * case is no primary difference.
 */
function primaryRank(code: number): number {
  if (code === 0x5f) return 1; // _
  if (code === 0x2d) return 2; // -
  if (code === 0x2e) return 3; // .
  if (code === 0x2f) return 4; // /
  if (code >= 0x61 && code <= 0x7a) return 10 + code - 0x61; // a-z
  if (code >= 0x41 && code <= 0x5a) return 10 + code - 0x41; // A-Z
  return -1;
}

/** Where digits sort among the ranks of primaryRank: after punctuation, before letters. */
const DIGITS_RANK = 5;

/** The sign of the primary difference of two names, 0 when there is none or a name holds a character primaryRank does not know. */
function primaryNaturalOrder(a: string, b: string): number {
  // An ASCII prefix both share weighs the same in both, but a number that runs across its end must be read whole.
  let start = 0;
  const shorter = Math.min(a.length, b.length);
  while (start < shorter && a.charCodeAt(start) === b.charCodeAt(start) && a.charCodeAt(start) < 0x80) start++;
  while (start > 0 && isDigit(a.charCodeAt(start - 1))) start--;
  let i = start;
  let j = start;
  while (i < a.length && j < b.length) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(j);
    const xDigit = x >= DIGIT_0 && x <= DIGIT_9;
    const yDigit = y >= DIGIT_0 && y <= DIGIT_9;
    if (xDigit && yDigit) {
      // A run of digits is one number: leading zeros do not count, then the longer number is the larger.
      let xStart = i;
      let yStart = j;
      while (xStart < a.length && a.charCodeAt(xStart) === DIGIT_0) xStart++;
      while (yStart < b.length && b.charCodeAt(yStart) === DIGIT_0) yStart++;
      let xEnd = xStart;
      let yEnd = yStart;
      while (xEnd < a.length && isDigit(a.charCodeAt(xEnd))) xEnd++;
      while (yEnd < b.length && isDigit(b.charCodeAt(yEnd))) yEnd++;
      if (xEnd - xStart !== yEnd - yStart) return xEnd - xStart < yEnd - yStart ? -1 : 1;
      for (let k = 0; k < xEnd - xStart; k++) {
        const difference = a.charCodeAt(xStart + k) - b.charCodeAt(yStart + k);
        if (difference !== 0) return difference < 0 ? -1 : 1;
      }
      i = xEnd;
      j = yEnd;
      continue;
    }
    const xRank = xDigit ? DIGITS_RANK : primaryRank(x);
    const yRank = yDigit ? DIGITS_RANK : primaryRank(y);
    if (xRank < 0 || yRank < 0) return 0;
    if (xRank !== yRank) return xRank < yRank ? -1 : 1;
    i++;
    j++;
  }
  if (i < a.length || j < b.length) {
    // One name is a prefix of the other, unless the rest holds a character this does not know.
    const rest = i < a.length ? a.slice(i) : b.slice(j);
    for (let k = 0; k < rest.length; k++) if (!isDigit(rest.charCodeAt(k)) && primaryRank(rest.charCodeAt(k)) < 0) return 0;
    return i < a.length ? 1 : -1;
  }
  return 0;
}

function isDigit(code: number): boolean {
  return code >= DIGIT_0 && code <= DIGIT_9;
}
