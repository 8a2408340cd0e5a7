/// <reference lib="dom" />
// BooCode's changes tab in headless Chromium: opening it on 500 changed files of a 20k-file
// repository (the list and the first diff painted) beside `git diff --stat` of the same
// worktree, and a 10k-line file's diff: its first paint, and its end painted after a jump to
// the bottom. Needs `npm run build`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { median, row, type Benchmark } from './harness.ts';
import { startUiRig, unwrap, type UiRig } from './uiHarness.ts';

const FILES = 20_000;
const CHANGED = 500;
const BIG_LINES = 10_000;
const RUNS = 5;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

/** A repository of FILES small files in 200 folders and one 10k-line file, committed. */
function bigRepository(root: string): string {
  const repo = join(root, 'monorepo');
  mkdirSync(repo);
  git(repo, 'init', '--quiet', '--initial-branch=main');
  git(repo, 'config', 'user.email', 'bench@example.com');
  git(repo, 'config', 'user.name', 'Bench');
  for (let folder = 0; folder < 200; folder += 1) {
    const dir = join(repo, 'packages', `pkg-${folder}`, 'src');
    mkdirSync(dir, { recursive: true });
    for (let file = 0; file < FILES / 200; file += 1) {
      writeFileSync(join(dir, `module-${file}.ts`), `// module ${folder}/${file}\nexport function run${file}(input: number): number {\n  return input * ${file} + ${folder};\n}\n`);
    }
  }
  writeFileSync(join(repo, 'big.ts'), Array.from({ length: BIG_LINES }, (_, line) => `export const value${line} = ${line};`).join('\n') + '\n');
  git(repo, 'add', '.');
  // Packed, as a cloned repository is, and without the automatic gc that the commit would
  // otherwise start in the background, to run while `git diff --stat` is timed.
  git(repo, '-c', 'gc.auto=0', 'commit', '--quiet', '-m', 'monorepo');
  git(repo, 'gc', '--quiet');
  return repo;
}

/** ms from a click to `done()` holding, then the next frame (the paint). */
function timeUntil(page: Page, click: { role: 'menuitem' | 'button'; name: string }, condition: string): Promise<number> {
  return page.evaluate(
    async ({ role, name, test }) => {
      const target = [...document.querySelectorAll(`[role="${role}"], ${role}`)].find((element) => element.textContent?.trim().startsWith(name));
      if (!(target instanceof HTMLElement)) throw new Error(`no ${role} ${name}`);
      const done = new Function(test) as () => boolean;
      const started = performance.now();
      target.click();
      return new Promise<number>((resolve, reject) => {
        const giveUp = setTimeout(() => reject(new Error(`not painted within 60 s: ${test}`)), 60_000);
        const check = () => {
          if (done()) {
            clearTimeout(giveUp);
            requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - started)));
          } else {
            requestAnimationFrame(check);
          }
        };
        check();
      });
    },
    { role: click.role, name: click.name, test: condition },
  );
}

const listAndFirstDiff = `
  const list = document.querySelector('[aria-label="Changed files"]');
  const diff = document.querySelector('[role="region"][aria-label^="Diff of "]');
  return list !== null && list.querySelector('[role="listitem"]') !== null && document.body.textContent.includes('${CHANGED} files') && diff !== null && diff.querySelector('.diff-line') !== null;
`;

async function openChanges(page: Page): Promise<number> {
  await page.getByRole('button', { name: 'New tab in pane 1' }).click();
  await page.getByRole('menuitem', { name: /^Changes/ }).waitFor();
  const elapsed = await timeUntil(page, { role: 'menuitem', name: 'Changes' }, listAndFirstDiff);
  return elapsed;
}

async function closeChanges(page: Page): Promise<void> {
  const tab = page.getByRole('tab', { name: /Changes/ });
  const number = (await tab.textContent())?.trim().match(/^\d+/)?.[0] ?? '';
  await page.getByRole('button', { name: `Close tab ${number}` }).click();
  await tab.waitFor({ state: 'detached' });
}

async function prepare(rig: UiRig): Promise<{ worktree: string; sessionName: string }> {
  const repo = bigRepository(rig.root);
  const project = unwrap(await rig.core.api.call('projects.open', { path: repo }));
  const sessionName = 'Big review';
  const session = unwrap(await rig.core.api.call('sessions.create', { projectId: project.id, name: sessionName }));
  const worktree = session.cwd;
  // 500 changed files across the packages (edits, one line each), and big.ts rewritten line by line.
  for (let index = 0; index < CHANGED - 1; index += 1) {
    const file = join(worktree, 'packages', `pkg-${index % 200}`, 'src', `module-${Math.floor(index / 200)}.ts`);
    writeFileSync(file, readFileSync(file, 'utf8').replace('return input', 'return -input'));
  }
  writeFileSync(join(worktree, 'big.ts'), Array.from({ length: BIG_LINES }, (_, line) => `export const value${line} = ${line * 2};`).join('\n') + '\n');
  unwrap(await rig.core.api.call('changes.refresh', { sessionId: session.id }));
  return { worktree, sessionName };
}

function gitDiffStat(worktree: string): number {
  const started = performance.now();
  git(worktree, 'diff', '--stat');
  return performance.now() - started;
}

export const benchmarks: Benchmark[] = [
  {
    name: 'ui: the changes tab — 500 files of a 20k-file repository, a 10k-line diff',
    async run() {
      const rig = await startUiRig();
      try {
        const { worktree, sessionName } = await prepare(rig);
        const page = await rig.openApp();
        await page.getByRole('button', { name: sessionName, exact: true }).click();
        await page.getByRole('button', { name: 'New tab in pane 1' }).waitFor();

        const opens: number[] = [];
        const stats: number[] = [];
        for (let run = 0; run < RUNS; run += 1) {
          stats.push(gitDiffStat(worktree));
          opens.push(await openChanges(page));
          // The tab records the worktree after its first paint; let that finish before the next open.
          await new Promise((resolve) => setTimeout(resolve, 1_500));
          if (run < RUNS - 1) await closeChanges(page);
        }

        // big.ts: first paint of its diff after a click on it, then its last line after a jump to the end.
        const firstPaints: number[] = [];
        const endPaints: number[] = [];
        for (let run = 0; run < RUNS; run += 1) {
          const other = page.getByRole('list', { name: 'Changed files' }).getByRole('button').nth(1);
          await other.click();
          await page.getByRole('region', { name: /^Diff of packages\// }).waitFor();
          firstPaints.push(
            await timeUntil(page, { role: 'button', name: 'Mbig.ts' }, `const diff = document.querySelector('[role="region"][aria-label="Diff of big.ts"]'); return diff !== null && diff.querySelector('.diff-line') !== null;`),
          );
          endPaints.push(
            await page.evaluate(async (lines) => {
              const diff = document.querySelector('[role="region"][aria-label="Diff of big.ts"]');
              if (!(diff instanceof HTMLElement)) throw new Error('no diff of big.ts');
              const started = performance.now();
              diff.scrollTop = diff.scrollHeight;
              return new Promise<number>((resolve) => {
                const check = () => {
                  if (diff.textContent?.includes(`value${lines - 1} = ${(lines - 1) * 2}`)) requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - started)));
                  else requestAnimationFrame(check);
                };
                check();
              });
            }, BIG_LINES),
          );
        }
        await page.close();
        return [
          row('ui.changes.open_500_files', median(opens), 'ms', median(stats), '< 300 ms'),
          row('ui.changes.diff_10k_lines.first_paint', median(firstPaints), 'ms', null, '< 200 ms'),
          row('ui.changes.diff_10k_lines.scroll_to_end', median(endPaints), 'ms', null, null),
        ];
      } finally {
        await rig.close();
      }
    },
  },
];
