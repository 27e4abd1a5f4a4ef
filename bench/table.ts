// The benchmark's table, as `npm run bench` prints it and the README shows it; test/bench-table.test.ts
// checks that the README's copy is the one made from bench/results.json.

export interface Side {
  medianMs: number;
  runsMs: number[];
  maxRssMb: number;
}

export interface ScenarioResult {
  name: string;
  files: number;
  bytes: number;
  megabytes: number;
  lockwise: Side;
  squawk?: Side;
  ratio?: number;
}

/** The table the README shows: the same numbers as results.json. */
export function markdownTable(output: {
  machine: Record<string, unknown>;
  scenarios: ScenarioResult[];
  scaling: Record<string, Record<string, number>>;
  targets: Record<string, { target: string; value: number | undefined; met: boolean; nodeAloneMs?: number; parserAloneMs?: number; parserAloneRatio?: number }>;
}): string {
  const rows = output.scenarios.map((result) => {
    const squawk = result.squawk ? `${result.squawk.medianMs} ms` : '—';
    const ratio = result.ratio === undefined ? '—' : result.ratio.toFixed(2);
    const rss = `${result.lockwise.maxRssMb} MB${result.squawk ? ` / ${result.squawk.maxRssMb} MB` : ''}`;
    // A row that reads no file (Node.js alone) has no count or size to show.
    const files = result.files === 0 ? '—' : result.files;
    const size = result.files === 0 ? '—' : result.bytes < 100_000 ? `${(result.bytes / 1000).toFixed(1)} kB` : `${result.megabytes} MB`;
    return `| ${result.name} | ${files} | ${size} | ${result.lockwise.medianMs} ms | ${squawk} | ${ratio} | ${rss} |`;
  });
  const { machine: m, scaling, targets } = output;
  const target = (name: string, what: string, unit: string): string => {
    const { value, met, target: goal } = targets[name]!;
    return `${what} ${value}${unit} (target ${goal}${unit}: ${met ? 'met' : 'missed'})`;
  };
  // Results from before the parser-alone scenarios existed have no floor to state.
  const floor = (value: number | undefined, say: (value: number) => string): string => (value === undefined ? '' : say(value));
  return [
    '| Scenario | Files | Size | lockwise | squawk | lockwise/squawk | Peak memory (lockwise / squawk) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `Time growth with the history: lockwise ${scaling.lockwise!['2x/1x']}x from 1x to 2x and ${scaling.lockwise!['4x/2x']}x from 2x to 4x; squawk ${scaling.squawk!['2x/1x']}x and ${scaling.squawk!['4x/2x']}x.`,
    '',
    `Targets: ${[
      `${target('wholeHistoryRatio', 'whole history lockwise/squawk', '')}${floor(targets.wholeHistoryRatio!.parserAloneRatio, (ratio) => `, and the parser alone with no lint ${ratio}`)}`,
      `${target('smallFileMs', 'one small file', ' ms')}, of which Node.js itself takes ${targets.smallFileMs!.nodeAloneMs} ms${floor(targets.smallFileMs!.parserAloneMs, (ms) => ` and Node.js with the parser, parsing it, ${ms} ms`)}`,
      target('peakMemoryMb', 'whole-history peak memory', ' MB'),
      target('doublingHistory', 'time for twice the history', 'x'),
    ].join('; ')}.`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}, Node ${m.node}, ${m.squawk}. Environment: ${m.environment ?? 'as set'}. Busy cores before: ${m.busyCoresBefore ?? 'not measured'}; load before: ${m.loadBefore}; after: ${m.loadAfter}; ${m.loadNote}.`,
  ].join('\n');
}

