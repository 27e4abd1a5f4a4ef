/** Rows generated into each table a traced history creates: enough for scans and rewrites to be real, few enough to be quick. */
export const DEFAULT_ROWS = 5000;
export const MAX_ROWS = 10_000_000;
