// Paired measurements of two ways to do the same thing (BooCode and a bare client), taken so that
// the machine's state affects both alike: interleaved A B / B A, pair after pair, in rounds. Each
// pair gives one ratio A/B measured a fraction of a millisecond apart, so load that comes and
// goes (other test runs on two cores) shifts both alike; the ratio reported is the median of
// those, and the spread of the rounds' medians says how far to trust it.
import { median, pairedRow, round, type BenchRow } from './harness.ts';

export interface PairedOptions {
  readonly rounds: number;
  /** Pairs per round; each pair is measured A then B, or B then A, alternately. */
  readonly pairsPerRound: number;
  measureA(): Promise<number>;
  measureB(): Promise<number>;
}

export interface Paired {
  readonly a: number[];
  readonly b: number[];
  /** A/B of each pair. */
  readonly pairRatios: number[];
  /** The median pair ratio of each round. */
  readonly roundRatios: number[];
}

export async function measurePaired(options: PairedOptions): Promise<Paired> {
  const a: number[] = [];
  const b: number[] = [];
  const pairRatios: number[] = [];
  const roundRatios: number[] = [];
  for (let round = 0; round < options.rounds; round += 1) {
    const ratios: number[] = [];
    for (let pair = 0; pair < options.pairsPerRound; pair += 1) {
      // A B, then B A: whatever the first of a pair pays (a cold cache, a timer), both pay as often.
      let first: number;
      let second: number;
      if (pair % 2 === 0) {
        first = await options.measureA();
        second = await options.measureB();
      } else {
        second = await options.measureB();
        first = await options.measureA();
      }
      a.push(first);
      b.push(second);
      ratios.push(first / second);
    }
    pairRatios.push(...ratios);
    roundRatios.push(median(ratios));
  }
  return { a, b, pairRatios, roundRatios };
}

/**
 * Two rows: the medians of A and B with the median pair ratio checked against the goal, and the
 * spread of the rounds' median ratios (highest minus lowest), so a ratio within the noise shows.
 */
export function pairedRows(name: string, unit: string, paired: Paired, goal: string): BenchRow[] {
  const lowest = Math.min(...paired.roundRatios);
  const highest = Math.max(...paired.roundRatios);
  return [
    pairedRow(name, paired.a, paired.b, unit, goal),
    {
      name: `${name}.round_ratio_spread`,
      value: round(highest - lowest),
      unit: `ratio (${lowest.toFixed(3)}–${highest.toFixed(3)} over ${paired.roundRatios.length} rounds of ${paired.pairRatios.length / paired.roundRatios.length} pairs)`,
      baseline: null,
      ratio: null,
      goal: null,
      met: null,
    },
  ];
}
