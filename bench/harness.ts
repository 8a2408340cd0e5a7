// The benchmark harness: each bench/*.bench.ts exports `benchmarks`, a list of measurements
// that report a value beside a baseline taken in the same run, so the ratio means something
// on any machine.

/** One printed row. `ratio` is value / baseline; `goal` is the ratio an issue asks for. */
export interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline: number | null;
  readonly ratio: number | null;
  readonly goal: string | null;
  readonly met: boolean | null;
}

export interface Benchmark {
  readonly name: string;
  run(): Promise<BenchRow[]>;
}

/** A ratio row; `goal` reads like "<= 1.10" or ">= 10" (checked against the ratio) or "< 300 ms" (against the value). */
export function row(name: string, value: number, unit: string, baseline: number | null, goal: string | null = null): BenchRow {
  const ratio = baseline === null || baseline === 0 ? null : value / baseline;
  return { name, value: round(value), unit, baseline: baseline === null ? null : round(baseline), ratio: ratio === null ? null : round(ratio), goal, met: isMet(value, unit, ratio, goal) };
}

/**
 * A ratio row from measurements taken in pairs (one of each side, a moment apart): the ratio is
 * the median of the pairs' ratios, so load that comes and goes weighs on both sides of each.
 */
export function pairedRow(name: string, values: readonly number[], baselines: readonly number[], unit: string, goal: string | null = null): BenchRow {
  const ratios = values.map((value, index) => value / (baselines[index] ?? value));
  const ratio = median(ratios);
  return { name, value: round(median(values)), unit, baseline: round(median(baselines)), ratio: round(ratio), goal, met: isMet(median(values), unit, ratio, goal) };
}

/** A goal is a ratio (`<= 1.5`) or, with a unit, an absolute value (`< 300 ms`). */
function isMet(value: number, unit: string, ratio: number | null, goal: string | null): boolean | null {
  if (goal === null) return null;
  const absolute = /^(<|<=)\s*([\d.]+)\s*(\S+)$/.exec(goal.trim());
  if (absolute && absolute[3] === unit) return absolute[1] === '<' ? value < Number(absolute[2]) : value <= Number(absolute[2]);
  if (ratio === null) return null;
  const match = /^(<=|>=)\s*([\d.]+)$/.exec(goal.trim());
  if (!match) return null;
  const limit = Number(match[2]);
  return match[1] === '<=' ? ratio <= limit : ratio >= limit;
}

export function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}
