/** No error-level findings (and warnings within --max-warnings). */
export const EXIT_OK = 0;
/** Error-level findings, syntax errors included, or more warnings than --max-warnings. */
export const EXIT_FINDINGS = 1;
/** Bad usage, a bad configuration, or a path that names nothing. */
export const EXIT_USAGE_ERROR = 2;
export const EXIT_INTERNAL_ERROR = 2;
