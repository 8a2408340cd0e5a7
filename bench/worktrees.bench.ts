// Change-set computation: after a turn that touched 500 files of a 20k-file repository,
// recordTurn + changes (capture the worktree, diff it against the accepted tree and against the
// previous turn, attribute, store) against plain `git diff` + `git status` on the same worktree,
// which is what a user would run to see the same changes. Both sides measure the same edits in
// the same round, taking turns at going first, so page cache and machine load favour neither.
// BooCode's own upkeep of the repository (rolling up the packs that turns leave) is counted in
// the turn that starts it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUnitOfWork } from '../src/main/store/index.ts';
import { createEventBus } from '../src/main/events/index.ts';
import { openStore } from '../src/main/store/index.ts';
import { createWorktreeService } from '../src/main/worktrees/index.ts';
import { pairedRow, type Benchmark } from './harness.ts';

const FILE_COUNT = 20_000;
const FILES_PER_DIR = 100;
const TOUCHED = 500;
const NEW_FILES = 20;
/** Measured rounds; the ratio is the median of the rounds' ratios, so a round disturbed by other work on the machine does not decide it. */
const ROUNDS = 10;

const identity = { GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@boocode.invalid', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@boocode.invalid' };

function run(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'core.fsmonitor=false', ...args], { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, ...identity } });
}

function relativePath(index: number): string {
  return `src/d${Math.floor(index / FILES_PER_DIR).toString()}/file${index.toString()}.ts`;
}

function content(index: number, marker: string): string {
  let text = `// file ${index.toString()}\n`;
  for (let line = 1; line <= 20; line += 1) text += line === 10 ? `export const marker = '${marker}';\n` : `export const value${line.toString()} = ${(index * line).toString()};\n`;
  return text;
}

function buildRepo(root: string): void {
  run(root, 'init', '--quiet', '--initial-branch=main');
  for (let dir = 0; dir < FILE_COUNT / FILES_PER_DIR; dir += 1) mkdirSync(join(root, 'src', `d${dir.toString()}`), { recursive: true });
  for (let index = 0; index < FILE_COUNT; index += 1) writeFileSync(join(root, relativePath(index)), content(index, 'base'));
  run(root, 'add', '-A');
  // Packed, as a cloned repository is, and without the automatic gc that the commit would
  // otherwise start in the background, to run during the measured rounds.
  run(root, '-c', 'gc.auto=0', 'commit', '--quiet', '-m', 'twenty thousand files');
  run(root, 'gc', '--quiet');
}

/** A turn: TOUCHED files edited (spread over the tree) and NEW_FILES created. */
function turn(worktree: string, round: number): void {
  const stride = Math.floor(FILE_COUNT / (TOUCHED - NEW_FILES));
  for (let n = 0; n < TOUCHED - NEW_FILES; n += 1) {
    const index = n * stride;
    writeFileSync(join(worktree, relativePath(index)), content(index, `round ${round.toString()}`));
  }
  for (let n = 0; n < NEW_FILES; n += 1) writeFileSync(join(worktree, 'src', `new-${round.toString()}-${n.toString()}.ts`), `export const n = ${n.toString()};\n`);
}

export const benchmarks: Benchmark[] = [
  {
    name: 'worktrees: change set after a 500-file turn in a 20k-file repo',
    async run() {
      const root = mkdtempSync(join(tmpdir(), 'boo-bench-wt-'));
      const project = join(root, 'project');
      mkdirSync(project);
      buildRepo(project);
      const dataDir = join(root, 'data');
      const store = openStore(dataDir);
      const service = createWorktreeService({ store, unitOfWork: createUnitOfWork(store, createEventBus()), dataDir, log: () => {} });
      const prepared = await service.prepare({ sessionId: 'bench-session', projectPath: project });
      if (!prepared.ok) throw new Error(prepared.error.message);
      const worktree = prepared.value.path;
      const ours: number[] = [];
      const baseline: number[] = [];
      const measureBaseline = () => {
        const started = performance.now();
        run(worktree, 'diff');
        run(worktree, 'status', '--porcelain');
        baseline.push(performance.now() - started);
      };
      const measureOurs = async (round: number) => {
        const started = performance.now();
        const recorded = await service.recordTurn('bench-session', { turnId: `turn-${round.toString()}`, agentId: 'bench' });
        const changes = await service.changes('bench-session');
        await service.packsIdle();
        ours.push(performance.now() - started);
        if (!recorded.ok || !changes.ok) throw new Error('recordTurn or changes failed');
        if (changes.value.files.length < TOUCHED) throw new Error(`expected at least ${TOUCHED.toString()} files, got ${changes.value.files.length.toString()}`);
      };
      // Round 0 is not measured: the first capture and the first status after checkout re-read
      // every file git cannot yet trust by its stat data, which no later turn pays.
      for (let round = 0; round <= ROUNDS; round += 1) {
        turn(worktree, round);
        const firstOurs = round % 2 === 0;
        if (firstOurs) await measureOurs(round);
        measureBaseline();
        if (!firstOurs) await measureOurs(round);
        if (round === 0) {
          ours.length = 0;
          baseline.length = 0;
        }
      }
      await service.close();
      store.close();
      rmSync(root, { recursive: true, force: true });
      return [pairedRow('worktrees.changeset.500of20k', ours, baseline, 'ms', '<= 1.5')];
    },
  },
];
