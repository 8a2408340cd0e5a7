// BooTerm in Chromium against `boocode serve`, driven by role and accessible name: a terminal
// opens in the session's worktree, takes a large output to its last line, shows the same
// screen after a reload, keeps running hidden in a second pane, and after a restart of the
// server shows its old screen as restored with a one-click restart.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createCore } from '../../src/main/core/index.ts';
import { scriptedAgentCommand } from '../fixtures/scripted-acp-agent.ts';
import { launchChromium, openAppPage } from '../helpers/browser.ts';
import { initRepo } from '../helpers/git.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serveProcess.ts';
import { tempDir } from '../helpers/tempDir.ts';

const outputDir = join(import.meta.dirname, '../../test-output/e2e');

/** What the terminal shows now: the DOM renderer's rows, as text. */
async function screenOf(terminal: Locator): Promise<string> {
  return (await terminal.innerText()).replace(/\u00a0/g, ' ');
}

/** The screen once it stopped changing (the prompt after a command's output comes a moment later). */
async function settledScreenOf(terminal: Locator): Promise<string> {
  let previous = await screenOf(terminal);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const current = await screenOf(terminal);
    if (current === previous) return current;
    previous = current;
  }
}

function worktreeOf(dataDir: string): string {
  const db = new Database(join(dataDir, 'boocode.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT worktree_path FROM sessions').pluck().get() as string;
  } finally {
    db.close();
  }
}

describe('terminals in a browser', () => {
  let browser: Browser;
  const errors: string[] = [];
  const pages: Page[] = [];
  beforeAll(async () => {
    mkdirSync(outputDir, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(() => {
    errors.length = 0;
  });
  afterEach(async () => {
    for (const page of pages.splice(0)) if (!page.isClosed()) await page.close();
  });

  const openPage = (serve: ServeProcess): Promise<Page> => openAppPage(browser, serve.url, { errors, pages });

  async function typeInto(page: Page, terminal: Locator, text: string): Promise<void> {
    await terminal.click();
    await page.keyboard.type(text);
    await page.keyboard.press('Enter');
  }

  test('a terminal runs in the worktree, shows a large output to its last line, the same screen after a reload, keeps running hidden in a second pane, and comes back restored after a restart', { timeout: 180_000 }, async () => {
    const dataDir = tempDir('boo-e2e-data-');
    const repo = join(tempDir('boo-e2e-'), 'acme-api');
    mkdirSync(repo);
    initRepo(repo, 'main');
    let serve = await startServeProcess(dataDir);
    try {
      let page = await openPage(serve);
      await page.getByLabel('Folder path').fill(repo);
      await page.getByRole('button', { name: 'Open', exact: true }).click();
      await page.getByRole('button', { name: 'New session in acme-api' }).click();
      await page.getByRole('dialog', { name: 'New session in acme-api' }).getByRole('textbox', { name: /Name/ }).fill('Shell work');
      await page.getByRole('button', { name: 'Create session' }).click();
      await expect.poll(async () => page.getByRole('button', { name: 'Shell work', exact: true }).getAttribute('aria-current')).toBe('page');

      // New terminal from the pane's [+] menu; it starts in the session's worktree.
      await page.getByRole('button', { name: 'New tab in pane 1' }).click();
      await page.getByRole('menuitem', { name: 'New terminal' }).click();
      const first = page.getByRole('region', { name: 'Terminal in tab 1' });
      await first.waitFor();
      const worktree = worktreeOf(dataDir);
      expect(worktree).toMatch(/worktrees/);
      await typeInto(page, first, 'echo "cwd=$PWD"');
      await expect.poll(() => screenOf(first), { timeout: 10_000 }).toContain(`cwd=${worktree}`);
      await page.screenshot({ path: join(outputDir, 'terminal-1-worktree.png') });

      // A large output, to its last line.
      await typeInto(page, first, 'seq 1 200000');
      await expect.poll(() => screenOf(first), { timeout: 60_000 }).toMatch(/\n200000\n/);
      await page.screenshot({ path: join(outputDir, 'terminal-2-seq.png') });

      // A reload reattaches to the same screen (no replay of 1.3 MB of output).
      const beforeReload = await settledScreenOf(first);
      await page.reload();
      await first.waitFor();
      await expect.poll(() => screenOf(first), { timeout: 10_000 }).toBe(beforeReload);
      await page.screenshot({ path: join(outputDir, 'terminal-3-reloaded.png') });
      // Typing still works after the reload.
      await typeInto(page, first, 'echo "after=$((40 + 2))"');
      await expect.poll(() => screenOf(first), { timeout: 10_000 }).toContain('after=42');

      // Renamed from its tab by a double-click: the name outlives a reload; cleared, the tab
      // follows the program's own title again.
      await page.getByRole('tab', { name: /^1 / }).dblclick();
      const rename = page.getByRole('dialog', { name: 'Rename terminal' });
      await rename.getByRole('textbox', { name: 'Name' }).fill('api server');
      await page.screenshot({ path: join(outputDir, 'terminal-3a-rename.png') });
      await rename.getByRole('button', { name: 'Rename' }).click();
      await page.getByRole('tab', { name: '1 api server' }).waitFor();
      await page.reload();
      await page.getByRole('tab', { name: '1 api server' }).waitFor();
      await page.screenshot({ path: join(outputDir, 'terminal-3b-renamed.png') });
      await page.getByRole('tab', { name: '1 api server' }).dblclick();
      await rename.getByRole('textbox', { name: 'Name' }).fill('');
      await rename.getByRole('button', { name: 'Rename' }).click();
      await expect.poll(() => page.getByRole('tab', { name: /^1 / }).textContent()).not.toContain('api server');
      await first.waitFor();

      // A second pane with a second shell that counts while its tab is hidden behind another.
      await page.keyboard.press('Control+Shift+Backquote');
      const second = page.getByRole('region', { name: 'Terminal in tab 2' });
      await second.waitFor();
      await page.getByRole('tab', { name: /^2 / }).click();
      await page.keyboard.press('Control+Backslash');
      await expect.poll(() => page.getByRole('tablist').count()).toBe(2);
      await typeInto(page, second, 'for i in $(seq 1 40); do echo "tick-$i"; sleep 0.1; done; echo "counted=$i"');
      await expect.poll(() => screenOf(second), { timeout: 10_000 }).toContain('tick-3');
      await page.getByRole('button', { name: 'New tab in pane 2' }).click();
      await page.getByRole('menuitem', { name: 'Changes' }).click();
      await expect.poll(() => second.isHidden()).toBe(true);
      await page.screenshot({ path: join(outputDir, 'terminal-4-hidden.png') });
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      await page.getByRole('tab', { name: /^2 / }).click();
      // Shown at once: it kept its xterm, fed while hidden.
      await expect.poll(() => screenOf(second), { timeout: 2_000 }).toContain('counted=40');
      await page.screenshot({ path: join(outputDir, 'terminal-5-two-panes.png') });
      await page.close();

      // A restart of the server: the shells ended with it; their screens come back, restored.
      expect(await serve.stop()).toBe(0);
      serve = await startServeProcess(dataDir);
      page = await openPage(serve);
      await page.getByRole('button', { name: 'Shell work', exact: true }).click();
      const paneOne = page.getByRole('region', { name: 'Pane 1' });
      const restored = paneOne.getByRole('region', { name: 'Terminal in tab 1' });
      await restored.waitFor();
      // Both shells ended with the server; each tab says so.
      const restoredNotice = 'Restored — the shell ended when BooCode stopped';
      await expect.poll(() => page.getByRole('status').filter({ hasText: restoredNotice }).count()).toBe(2);
      await expect.poll(() => screenOf(restored), { timeout: 10_000 }).toContain('after=42');
      await expect.poll(() => screenOf(page.getByRole('region', { name: 'Terminal in tab 2' })), { timeout: 10_000 }).toContain('counted=40');
      await page.screenshot({ path: join(outputDir, 'terminal-6-restored.png') });
      await paneOne.getByRole('button', { name: 'Restart shell' }).click();
      await expect.poll(() => paneOne.getByRole('status').filter({ hasText: restoredNotice }).count()).toBe(0);
      // In the same folder (its name: the pane is too narrow for the whole path on one line).
      await typeInto(page, restored, 'echo "again=$(basename "$PWD")"');
      await expect.poll(() => screenOf(restored), { timeout: 10_000 }).toContain(`again=${basename(worktree)}`);
      await page.screenshot({ path: join(outputDir, 'terminal-7-restarted.png') });

      // Find in the terminal: Ctrl+F opens it over the terminal, Escape gives the keyboard back.
      await restored.click();
      await page.keyboard.press('Control+f');
      const find = page.getByRole('search', { name: 'Find in terminal' });
      await find.getByRole('searchbox', { name: 'Find' }).fill('after=42');
      await page.keyboard.press('Enter');
      await page.screenshot({ path: join(outputDir, 'terminal-8-find.png') });
      await page.keyboard.press('Escape');
      await expect.poll(() => find.count()).toBe(0);

      // Closing a tab whose shell runs a program asks first, then stops it.
      await typeInto(page, restored, 'sleep 300');
      await expect.poll(async () => (await screenOf(restored)).trimEnd().endsWith('sleep 300')).toBe(true);
      await page.getByRole('button', { name: 'Close tab 1' }).click();
      const confirm = page.getByRole('dialog', { name: 'Close the terminal?' });
      await confirm.waitFor();
      expect(await confirm.textContent()).toContain('sleep is running in this terminal');
      await page.screenshot({ path: join(outputDir, 'terminal-9-close-confirm.png') });
      await confirm.getByRole('button', { name: 'Close and stop it' }).click();
      await expect.poll(() => page.getByRole('tab', { name: /^1 / }).count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await serve.stop();
    }
  });

  test("an agent's command shows read-only in its tool card, live, and opens in a tab", { timeout: 120_000 }, async () => {
    const dataDir = tempDir('boo-e2e-data-');
    const core = createCore({ dataDir });
    const { command, args, env } = scriptedAgentCommand({
      default: {
        steps: [
          { type: 'terminal', command: '/bin/sh', args: ['-c', 'for i in 1 2 3; do printf "\\033[32magent-line-$i\\033[0m\\n"; sleep 0.3; done'], toolCallId: 'run-1' },
          { type: 'text', text: 'The command ran.' },
        ],
      },
    });
    const added = await core.api.call('agents.add', { agent: { id: 'scripted', name: 'Scripted', command, args, env } });
    if (!added.ok) throw new Error(added.error.message);
    await core.close();
    const folder = join(tempDir('boo-e2e-'), 'tools');
    mkdirSync(folder);
    const serve = await startServeProcess(dataDir);
    try {
      const page = await openPage(serve);
      await page.getByLabel('Folder path').fill(folder);
      await page.getByRole('button', { name: 'Open', exact: true }).click();
      await page.getByRole('button', { name: 'New session in tools' }).click();
      await page.getByRole('button', { name: 'Create session' }).click();
      await page.getByRole('button', { name: 'New tab in pane 1' }).click();
      await page.getByRole('menuitem', { name: 'New chat with Scripted' }).click();
      await page.getByRole('textbox', { name: 'Message' }).fill('Run the checks');
      await page.keyboard.press('Enter');

      const card = page.getByRole('region', { name: /^Output of \/bin\/sh/ });
      await card.waitFor({ timeout: 20_000 });
      await expect.poll(() => screenOf(card), { timeout: 20_000 }).toContain('agent-line-3');
      await page.getByText('The command ran.').waitFor();
      await page.screenshot({ path: join(outputDir, 'terminal-10-agent-card.png') });

      await page.getByRole('button', { name: 'Open in a tab' }).click();
      const tab = page.getByRole('region', { name: 'Terminal in tab 2' });
      await tab.waitFor();
      await expect.poll(() => screenOf(tab)).toContain('agent-line-1');
      expect(await page.getByRole('status').filter({ hasText: 'Read-only' }).textContent()).toContain('run by scripted');
      await page.screenshot({ path: join(outputDir, 'terminal-11-agent-tab.png') });
      expect(errors).toEqual([]);
    } finally {
      await serve.stop();
    }
  });
});
