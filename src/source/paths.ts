import path from 'node:path';

export function toPosix(file: string): string {
  return file.split(path.sep).join('/');
}

/** How a path is shown to the user: relative to the working directory when inside it, with forward slashes. */
export function displayPath(file: string, cwd: string): string {
  const absolute = path.resolve(cwd, file);
  const relative = path.relative(cwd, absolute);
  const outside = relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  return toPosix(outside ? absolute : relative);
}

const collator = new Intl.Collator('en', { numeric: true });

/** `2_add.sql` before `10_drop.sql`, as migration tools order numbered files. */
export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b);
}
