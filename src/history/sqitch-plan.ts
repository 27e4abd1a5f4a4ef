/**
 * Deploy order and script names from a sqitch.plan.
 * Sources: App-Sqitch 0.50 Changes (plan format: `%` pragmas, `@` tags, optional `+`),
 * https://sqitch.org/docs/manual/sqitch-rework/ and App-Sqitch 0.951 Changes (reworked script names).
 */

export interface PlannedChange {
  name: string;
  /**
   * Script names without `.sql`, in the order Sqitch tries them: `name` for the
   * latest instance of a change; for an earlier instance of a reworked change,
   * `name@tag` for each tag between it and its rework (empty when the plan has none,
   * which Sqitch rejects).
   */
  scriptNames: string[];
}

type PlanLine = { change: string } | { tag: string };

export function plannedChanges(plan: string): PlannedChange[] {
  const lines: PlanLine[] = [];
  for (const rawLine of plan.split(/\r\n|\r|\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('%')) continue;
    const firstWord = line.split(/[\s[]/, 1)[0]!;
    lines.push(firstWord.startsWith('@') ? { tag: firstWord.slice(1) } : { change: firstWord.replace(/^\+/, '') });
  }

  const changes: PlannedChange[] = [];
  lines.forEach((line, index) => {
    if (!('change' in line)) return;
    const reworkAt = lines.findIndex((later, laterIndex) => laterIndex > index && 'change' in later && later.change === line.change);
    if (reworkAt === -1) {
      changes.push({ name: line.change, scriptNames: [line.change] });
      return;
    }
    const tagsBetween = lines.slice(index + 1, reworkAt).flatMap((between) => ('tag' in between ? [between.tag] : []));
    changes.push({ name: line.change, scriptNames: tagsBetween.map((tag) => `${line.change}@${tag}`) });
  });
  return changes;
}
