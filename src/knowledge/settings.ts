import type { SettingValue } from '../model/session-state.js';

/** A timeout of 0 (in any unit) disables it, which is PostgreSQL's default for lock_timeout. */
export function isTimeoutInForce(setting: SettingValue | undefined): boolean {
  if (!setting) return false;
  return !/^\s*0+(\.0*)?\s*(us|ms|s|min|h|d)?\s*$/i.test(setting.value);
}
