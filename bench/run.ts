// `npm run bench [-- --json] [-- --only NAME]`: runs every bench/*.bench.ts and prints a table,
// or one JSON object per row so scripts can check the goals. `npm run bench -- soak [MINUTES]`
// runs the chaos test for longer (10 minutes by default) instead.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Benchmark, BenchRow } from './harness.ts';

const args = process.argv.slice(2);
if (args[0] === 'soak') {
  const minutes = Number(args[1] ?? 10);
  const vitest = join(import.meta.dirname, '../node_modules/.bin/vitest');
  const soak = spawnSync(vitest, ['run', '--project', 'chaos'], {
    stdio: 'inherit',
    env: { ...process.env, BOO_CHAOS_MS: String(Math.round(minutes * 60_000)) },
  });
  process.exit(soak.status ?? 1);
}
const asJson = args.includes('--json');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;

const files = readdirSync(import.meta.dirname)
  .filter((file) => file.endsWith('.bench.ts'))
  .sort();
const rows: BenchRow[] = [];
for (const file of files) {
  const module = (await import(pathToFileURL(join(import.meta.dirname, file)).href)) as { benchmarks: Benchmark[] };
  for (const benchmark of module.benchmarks) {
    if (only !== undefined && !benchmark.name.includes(only)) continue;
    if (!asJson) process.stderr.write(`running ${benchmark.name}…\n`);
    for (const result of await benchmark.run()) {
      rows.push(result);
      if (asJson) process.stdout.write(`${JSON.stringify(result)}\n`);
    }
  }
}

if (!asJson) process.stdout.write(`${formatTable(rows)}\n`);

function formatTable(table: readonly BenchRow[]): string {
  const header = ['name', 'value', 'unit', 'baseline', 'ratio', 'goal', 'met'];
  const lines = table.map((r) => [
    r.name,
    String(r.value),
    r.unit,
    r.baseline === null ? '-' : String(r.baseline),
    r.ratio === null ? '-' : r.ratio.toFixed(3),
    r.goal ?? '-',
    r.met === null ? '-' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => (line[column] ?? '').length)));
  const format = (cells: readonly string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return [format(header), format(widths.map((width) => '-'.repeat(width))), ...lines.map(format)].join('\n');
}
