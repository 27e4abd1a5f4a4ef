/** A configuration file that cannot be read or is not valid; its message names the file, line and column. */
export class ConfigError extends Error {}
