const UNIT_MILLISECONDS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** The JSON Schema pattern of a duration option: a whole number and a unit, `30m`, `12h`, `7d`, `2w`. */
export const DURATION_PATTERN = '^[0-9]+(m|h|d|w)$';

export function parseDuration(text: string): number {
  const match = /^([0-9]+)(m|h|d|w)$/.exec(text);
  if (!match) throw new Error(`invalid duration "${text}"`);
  return Number(match[1]) * UNIT_MILLISECONDS[match[2] as keyof typeof UNIT_MILLISECONDS];
}

/** The largest whole unit, rounded down: "3 days", "5 hours", "less than a minute". */
export function formatDuration(milliseconds: number): string {
  const units: Array<[string, number]> = [['week', UNIT_MILLISECONDS.w], ['day', UNIT_MILLISECONDS.d], ['hour', UNIT_MILLISECONDS.h], ['minute', UNIT_MILLISECONDS.m]];
  for (const [name, size] of units) {
    const count = Math.floor(milliseconds / size);
    if (count >= 1) return `${count} ${name}${count === 1 ? '' : 's'}`;
  }
  return 'less than a minute';
}
