import type { SettingValue } from '../model/session-state.js';

/** A timeout of 0 (in any unit) disables it, which is PostgreSQL's default for lock_timeout. */
export function isTimeoutInForce(setting: SettingValue | undefined): boolean {
  if (!setting) return false;
  return !/^\s*0+(\.0*)?\s*(us|ms|s|min|h|d)?\s*$/i.test(setting.value);
}

const TIME_UNIT_MILLISECONDS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** A time setting in milliseconds, read as PostgreSQL reads it (a bare number is milliseconds); undefined when it is not one. */
export function timeSettingMilliseconds(value: string): number | undefined {
  const match = /^\s*([0-9]+(?:\.[0-9]*)?)\s*(us|ms|s|min|h|d)?\s*$/i.exec(value);
  return match ? Number(match[1]) * TIME_UNIT_MILLISECONDS[(match[2] ?? 'ms').toLowerCase()]! : undefined;
}
