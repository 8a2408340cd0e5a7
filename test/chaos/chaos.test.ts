import { expect, test } from 'vitest';
import { runChaos } from './chaos.ts';

// 60 s by default; `npm run bench -- soak` runs it for longer. BOO_CHAOS_SEED replays a run.
const durationMs = Number(process.env.BOO_CHAOS_MS ?? 60_000);
const seed = Number(process.env.BOO_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));

test(`chaos: sends, pipelined cancels, agent and core SIGKILLs, archive, restore and removal leave every turn ended once, every prompt kept, no process behind (seed ${seed})`, async () => {
  const report = await runChaos({ durationMs, seed, log: (line) => process.stderr.write(`chaos: ${line}\n`) });
  process.stderr.write(`chaos report: ${JSON.stringify({ ...report, actions: report.actions })}\n`);
  expect(report.unexpectedCoreExits).toEqual([]);
  expect(report.coreRestarts).toBeGreaterThanOrEqual(2);
  expect(report.actions.send ?? 0).toBeGreaterThan(10);
  expect(report.promptsChecked).toBeGreaterThan(20);
  expect(report.unfinishedTurns).toEqual([]);
  expect(report.endedTwice).toEqual([]);
  expect(report.endsMissed).toEqual([]);
  expect(report.lostPrompts).toEqual([]);
  expect(report.leftoverProcesses).toEqual([]);
  expect(report.integrity).toBe('ok');
}, durationMs + 180_000);
