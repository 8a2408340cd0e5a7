// The workspace frame in Chromium against `boocode serve`, driven by role and accessible name:
// projects and sessions in the sidebar, split panes of tabs that survive a reload and a restart
// of the server, the archive guard and restore, and a layout in the database that cannot be read.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createCore } from '../../src/main/core/index.ts';
import { scriptedAgentCommand } from '../fixtures/scripted-acp-agent.ts';
import { launchChromium, openAppPage } from '../helpers/browser.ts';
import { initRepo } from '../helpers/git.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serveProcess.ts';
import { tempDir } from '../helpers/tempDir.ts';

const outputDir = join(import.meta.dirname, '../../test-output/e2e');

async function dataDirWithAgent(): Promise<string> {
  const dataDir = tempDir('boo-e2e-data-');
  const core = createCore({ dataDir });
  const { command, args, env } = scriptedAgentCommand({ default: { steps: [{ type: 'text', text: 'Done, as you asked.' }] } });
  const added = await core.api.call('agents.add', { agent: { id: 'scripted', name: 'Scripted', command, args, env } });
  if (!added.ok) throw new Error(added.error.message);
  await core.close();
  return dataDir;
}

/** What the tab bars show: per pane, the tab numbers and titles in order. */
async function panes(page: Page): Promise<string[][]> {
  const lists = page.getByRole('tablist');
  const result: string[][] = [];
  for (let index = 0; index < (await lists.count()); index += 1) {
    result.push(await lists.nth(index).getByRole('tab').allInnerTexts());
  }
  return result.map((tabs) => tabs.map((text) => text.replace(/\s+/g, ' ').trim()));
}

async function selectedTab(page: Page): Promise<string> {
  const focused = page.locator('.pane.focused').getByRole('tab', { selected: true });
  return (await focused.innerText()).replace(/\s+/g, ' ').trim();
}

describe('the workspace in a browser', () => {
  let browser: Browser;
  const errors: string[] = [];
  beforeAll(async () => {
    mkdirSync(outputDir, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  const openPage = (serve: ServeProcess): Promise<Page> => openAppPage(browser, serve.url, { errors, pages });

  const pages: Page[] = [];
  beforeEach(() => {
    errors.length = 0;
  });
  afterEach(async () => {
    for (const page of pages.splice(0)) if (!page.isClosed()) await page.close();
  });

  test('open a project, start a session, split panes and move a tab; reload and restart keep the layout; archive with changes asks first and restore brings it back', async () => {
    const dataDir = await dataDirWithAgent();
    const repo = join(tempDir('boo-e2e-'), 'acme-web');
    mkdirSync(repo);
    initRepo(repo, 'main');
    let serve = await startServeProcess(dataDir);
    try {
      let page = await openPage(serve);
      await page.getByLabel('Folder path').fill(repo);
      await page.getByRole('button', { name: 'Open', exact: true }).click();
      await page.getByRole('region', { name: 'Project acme-web' }).waitFor();
      await page.screenshot({ path: join(outputDir, 'workspace-1-project.png') });

      await page.getByRole('button', { name: 'New session in acme-web' }).click();
      await page.getByRole('dialog', { name: 'New session in acme-web' }).getByRole('textbox', { name: /Name/ }).fill('Login page');
      await page.getByRole('button', { name: 'Create session' }).click();
      const sessionButton = page.getByRole('button', { name: 'Login page', exact: true });
      await expect.poll(async () => sessionButton.getAttribute('aria-current')).toBe('page');
      // The sidebar says where it works: its own branch.
      await expect.poll(async () => (await page.locator(`#${await sessionButton.getAttribute('aria-describedby')}`).textContent()) ?? '').toMatch(/⎇ boo\//);
      expect(await page.title()).toBe('acme-web · Login page — BooCode');
      await page.screenshot({ path: join(outputDir, 'workspace-2-session.png') });

      // Two tabs in the first pane: a chat and the changes.
      await page.getByRole('button', { name: 'New tab in pane 1' }).click();
      await page.getByRole('menuitem', { name: 'New chat with Scripted' }).click();
      await page.getByRole('textbox', { name: 'Message' }).fill('Write the login form');
      await page.keyboard.press('Enter');
      try {
        await page.getByText('Done, as you asked.').waitFor({ timeout: 10_000 });
      } catch (error) {
        await page.screenshot({ path: join(outputDir, 'workspace-debug.png') });
        throw error;
      }
      await page.getByRole('button', { name: 'New tab in pane 1' }).click();
      await page.getByRole('menuitem', { name: 'Changes' }).click();
      expect(await panes(page)).toEqual([['1 New chat', '2 Changes']]);

      // A second pane: the keyboard splits the focused tab to the right.
      await page.keyboard.press('Control+Backslash');
      expect(await panes(page)).toEqual([['1 New chat'], ['2 Changes']]);
      // A third tab, then drag it across into the first pane's tab bar.
      await page.getByRole('button', { name: 'New tab in pane 2' }).click();
      await page.getByRole('menuitem', { name: 'New chat with Scripted' }).click();
      await expect.poll(() => panes(page)).toEqual([['1 New chat'], ['2 Changes', '3 New chat']]);
      await page.getByRole('tab', { name: '3 New chat' }).dragTo(page.getByRole('tablist', { name: 'Tabs of pane 1' }));
      await expect.poll(() => panes(page)).toEqual([['1 New chat', '3 New chat'], ['2 Changes']]);
      // Focus tab 2 by number.
      await page.keyboard.press('Control+Digit2');
      expect(await selectedTab(page)).toBe('2 Changes');
      await page.screenshot({ path: join(outputDir, 'workspace-3-split.png') });

      // Close tab 3 and bring it back, with its own number, into the focused pane.
      await page.getByRole('button', { name: 'Close tab 3' }).click();
      expect(await panes(page)).toEqual([['1 New chat'], ['2 Changes']]);
      await page.getByRole('tab', { name: '2 Changes' }).click();
      await page.keyboard.press('Control+Shift+KeyT');
      await expect.poll(() => panes(page)).toEqual([['1 New chat'], ['2 Changes', '3 New chat']]);
      await page.keyboard.press('Control+Digit2');

      await page.reload();
      await page.getByRole('tablist', { name: 'Tabs of pane 2' }).waitFor();
      expect(await panes(page)).toEqual([['1 New chat'], ['2 Changes', '3 New chat']]);
      expect(await selectedTab(page)).toBe('2 Changes');
      await page.screenshot({ path: join(outputDir, 'workspace-4-reloaded.png') });
      await page.close();

      expect(await serve.stop()).toBe(0);
      serve = await startServeProcess(dataDir);
      page = await openPage(serve);
      await page.getByRole('button', { name: 'Login page', exact: true }).click();
      await page.getByRole('tablist', { name: 'Tabs of pane 2' }).waitFor();
      expect(await panes(page)).toEqual([['1 New chat'], ['2 Changes', '3 New chat']]);
      expect(await selectedTab(page)).toBe('2 Changes');
      await page.screenshot({ path: join(outputDir, 'workspace-5-restarted.png') });

      // Unapplied work in the worktree, recorded by a turn.
      const db = new Database(join(dataDir, 'boocode.sqlite'), { readonly: true });
      const cwd = (db.prepare("SELECT path FROM session_worktrees WHERE kind = 'worktree'").pluck().get() as string) ?? '';
      db.close();
      writeFileSync(join(cwd, 'login.html'), '<form>login</form>\n');
      await page.getByRole('tab', { name: '1 New chat' }).click();
      await page.getByRole('textbox', { name: 'Message' }).fill('Keep going');
      await page.keyboard.press('Enter');
      // The turn starts the agent afresh (serve restarted) before the change is recorded.
      await expect.poll(async () => (await page.getByRole('button', { name: 'Login page', exact: true }).textContent()) ?? '', { timeout: 15_000 }).toContain('1');

      await page.getByRole('button', { name: 'Archive Login page' }).click();
      const guard = page.getByRole('dialog', { name: 'Archive Login page?' });
      await guard.getByText('unapplied changes in 1 file').waitFor();
      await guard.getByText(/refs\/boocode\/archive\//).waitFor();
      await page.screenshot({ path: join(outputDir, 'workspace-6-archive-guard.png') });
      await guard.getByRole('button', { name: 'Archive anyway' }).click();
      await page.getByText('Archived (1)').click();
      await page.getByRole('button', { name: 'Restore Login page' }).waitFor();
      expect(existsSync(cwd)).toBe(false);
      await page.screenshot({ path: join(outputDir, 'workspace-7-archived.png') });
      await page.getByRole('button', { name: 'Restore Login page' }).click();
      await expect.poll(async () => page.getByRole('button', { name: 'Login page', exact: true }).getAttribute('aria-current')).toBe('page');
      const restored = new Database(join(dataDir, 'boocode.sqlite'), { readonly: true });
      const restoredCwd = restored.prepare("SELECT path FROM session_worktrees WHERE kind = 'worktree'").pluck().get() as string;
      restored.close();
      expect(readFileSync(join(restoredCwd, 'login.html'), 'utf8')).toBe('<form>login</form>\n');
      await page.screenshot({ path: join(outputDir, 'workspace-8-restored.png') });
      expect(errors, errors.join('\n')).toEqual([]);
      await page.close();
    } finally {
      await serve.stop();
    }
  });

  test('dragging a tab onto the edge of a pane splits it there, and a second window follows the change', async () => {
    const dataDir = await dataDirWithAgent();
    const folder = tempDir('boo-e2e-project-');
    const core = createCore({ dataDir });
    const project = await core.api.call('projects.open', { path: folder });
    if (!project.ok) throw new Error(project.error.message);
    const session = await core.api.call('sessions.create', { projectId: project.value.id, name: 'Two windows' });
    if (!session.ok) throw new Error(session.error.message);
    for (const title of ['Left', 'Right']) {
      const chat = await core.api.call('chats.create', { sessionId: session.value.id, agentId: 'scripted', title });
      if (!chat.ok) throw new Error(chat.error.message);
    }
    await core.close();
    const serve = await startServeProcess(dataDir);
    try {
      const first = await openPage(serve);
      const second = await openPage(serve);
      for (const page of [first, second]) {
        await page.getByRole('button', { name: 'Two windows', exact: true }).click();
        await expect.poll(() => panes(page)).toEqual([['1 Left', '2 Right']]);
      }
      const content = first.getByRole('region', { name: 'Pane 1' }).getByRole('tabpanel').first();
      const box = await content.boundingBox();
      if (!box) throw new Error('the pane has no box');
      await first.getByRole('tab', { name: '2 Right' }).dragTo(content, { targetPosition: { x: box.width - 10, y: box.height / 2 } });
      await expect.poll(() => panes(first)).toEqual([['1 Left'], ['2 Right']]);
      await expect.poll(() => panes(second)).toEqual([['1 Left'], ['2 Right']]);
      await second.screenshot({ path: join(outputDir, 'workspace-10-second-window.png') });
      expect(errors, errors.join('\n')).toEqual([]);
    } finally {
      await serve.stop();
    }
  });

  test('a layout in the database that cannot be read gives the default layout and a notice', async () => {
    const dataDir = await dataDirWithAgent();
    const folder = tempDir('boo-e2e-project-');
    const core = createCore({ dataDir });
    const project = await core.api.call('projects.open', { path: folder });
    if (!project.ok) throw new Error(project.error.message);
    const session = await core.api.call('sessions.create', { projectId: project.value.id, name: 'Broken layout' });
    if (!session.ok) throw new Error(session.error.message);
    const chat = await core.api.call('chats.create', { sessionId: session.value.id, agentId: 'scripted', title: 'The only chat' });
    if (!chat.ok) throw new Error(chat.error.message);
    core.store.db.prepare('INSERT INTO session_layouts (session_id, layout, updated_at) VALUES (?, ?, ?)').run(session.value.id, '{"version": 1, "root": {"kind": "split"}}', '');
    await core.close();
    const serve = await startServeProcess(dataDir);
    try {
      const page = await openPage(serve);
      await page.getByRole('button', { name: 'Broken layout', exact: true }).click();
      await page.getByText('The saved layout could not be used').waitFor();
      expect(await panes(page)).toEqual([['1 The only chat']]);
      await page.screenshot({ path: join(outputDir, 'workspace-9-bad-layout.png') });
      expect(errors, errors.join('\n')).toEqual([]);
      await page.close();
    } finally {
      await serve.stop();
    }
  });
});
