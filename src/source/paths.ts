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

const collator = new Intl.Collator('en', { numeric: true });

/** `2_add.sql` before `10_drop.sql`, as migration tools order numbered files. */
export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b);
}
