// The desktop around the workspace, in Chromium against a real `boocode serve` and real agent
// processes (the scripted ACP agent): the "needs you" inbox and Web Notifications, answering a
// permission from another session, a burst of finished turns summarized, settings shared by two
// windows, and Stop on the agents screen ending the process. Driven by role and name.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createCore, type Core } from '../../src/main/core/index.ts';
import { scriptedAgentCommand, type Scenario } from '../fixtures/scripted-acp-agent.ts';
import { isAlive } from '../fixtures/processes.ts';
import { launchChromium, openAppPage } from '../helpers/browser.ts';
import { unwrap } from '../helpers/chats.ts';
import { connectWire } from '../helpers/serve.ts';
import type { RunningServer } from '../../src/main/serve/index.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serveProcess.ts';
import { tempDir } from '../helpers/tempDir.ts';

const outputDir = join(import.meta.dirname, '../../test-output/e2e');

interface Workspace {
  readonly dataDir: string;
  readonly projectId: string;
  readonly sessions: Record<string, string>;
  readonly chats: Record<string, string>;
}

/**
 * A data folder with the scripted agent and, made through the core before `serve` starts, a
 * project (a plain folder: no worktree, so twenty turns end without twenty git diffs) with
 * sessions and chats by name.
 */
async function workspaceWith(scenario: Scenario, layout: Record<string, readonly string[]>): Promise<Workspace> {
  const dataDir = tempDir('boo-e2e-data-');
  const core: Core = createCore({ dataDir });
  try {
    const { command, args, env } = scriptedAgentCommand(scenario);
    unwrap(await core.api.call('agents.add', { agent: { id: 'scripted', name: 'Scripted', command, args, env } }));
    const folder = join(tempDir('boo-e2e-'), 'acme-web');
    mkdirSync(folder);
    const project = unwrap(await core.api.call('projects.open', { path: folder }));
    const sessions: Record<string, string> = {};
    const chats: Record<string, string> = {};
    for (const [sessionName, chatTitles] of Object.entries(layout)) {
      const session = unwrap(await core.api.call('sessions.create', { projectId: project.id, name: sessionName }));
      sessions[sessionName] = session.id;
      for (const title of chatTitles) chats[title] = unwrap(await core.api.call('chats.create', { sessionId: session.id, agentId: 'scripted', title })).id;
    }
    return { dataDir, projectId: project.id, sessions, chats };
  } finally {
    await core.close();
  }
}

/**
 * Records each Web Notification the page creates (the real one is still shown), so a test can
 * count them and click one as the OS would: headless Chromium shows them nowhere to click.
 */
const recordNotifications = () => {
  const Real = window.Notification;
  const shown: { title: string; body: string; tag: string; notification: Notification }[] = [];
  (window as unknown as { __notifications: typeof shown }).__notifications = shown;
  window.Notification = class extends Real {
    constructor(title: string, options?: NotificationOptions) {
      super(title, options);
      shown.push({ title, body: options?.body ?? '', tag: options?.tag ?? '', notification: this });
    }
  } as typeof Notification;
};

async function notificationsOf(page: Page): Promise<{ title: string; body: string; tag: string }[]> {
  return page.evaluate(() => (window as unknown as { __notifications: { title: string; body: string; tag: string }[] }).__notifications.map(({ title, body, tag }) => ({ title, body, tag })));
}

function wireTo(serve: ServeProcess) {
  const token = new URL(serve.url).searchParams.get('token') ?? '';
  return connectWire({ port: serve.port, token } as RunningServer);
}

describe('the desktop around the workspace, in a browser', () => {
  let browser: Browser;
  let context: BrowserContext;
  const errors: string[] = [];
  const pages: Page[] = [];

  beforeAll(async () => {
    mkdirSync(outputDir, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    errors.length = 0;
    // The user granted notifications to BooCode's page, as the browser's prompt would record it.
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, permissions: ['notifications'] });
    await context.addInitScript(recordNotifications);
  });
  afterEach(async () => {
    pages.length = 0;
    await context?.close();
  });

  // A step that waits too long fails naming what it waited for, well before the test's own timeout.
  const openPage = (serve: ServeProcess): Promise<Page> => openAppPage(context, serve.url, { errors, pages, defaultTimeoutMs: 20_000 });

  const needsYou = (page: Page) => page.getByRole('button', { name: /^Needs you: \d+$/ });
  const inbox = (page: Page) => page.getByRole('complementary', { name: 'Needs you' });

  test('a turn that finishes in a hidden tab lands in the inbox and notifies once; clicking the notification opens the chat at that turn', async () => {
    const goAhead = join(tempDir('boo-signal-'), 'go');
    const workspace = await workspaceWith(
      { rules: [{ match: 'slow', steps: [{ type: 'text', text: 'Working on it… ' }, { type: 'wait_for_file', path: goAhead }, { type: 'text', text: 'The slow one is done.' }] }], default: { steps: [{ type: 'echo' }] } },
      { 'Login page': ['Background', 'Foreground'] },
    );
    const serve = await startServeProcess(workspace.dataDir);
    try {
      const page = await openPage(serve);
      await page.getByRole('button', { name: 'Login page', exact: true }).click();
      await page.getByRole('tab', { name: '1 Background' }).click();
      await page.getByRole('textbox', { name: 'Message' }).fill('slow please');
      await page.keyboard.press('Enter');
      await page.getByText('Working on it…').waitFor();
      // The user moves to the other tab of the pane: the Background chat is hidden now.
      await page.getByRole('tab', { name: '2 Foreground' }).click();
      await expect.poll(() => needsYou(page).textContent()).toContain('0');
      writeFileSync(goAhead, '');

      await expect.poll(() => needsYou(page).getAttribute('aria-label'), { timeout: 15_000 }).toBe('Needs you: 1');
      expect(await page.title()).toBe('(1) acme-web · Login page — BooCode');
      await expect.poll(() => notificationsOf(page)).toEqual([{ title: 'scripted finished in Background', body: 'Background · Login page · acme-web', tag: expect.stringMatching(/^turn:/) }]);
      await needsYou(page).click();
      const entry = inbox(page).getByRole('button', { name: /Finished: Background/ });
      await entry.waitFor();
      await page.screenshot({ path: join(outputDir, 'desktop-1-inbox-finished-turn.png') });
      await page.keyboard.press('Control+i');
      await inbox(page).waitFor({ state: 'detached' });

      // The user clicks the OS notification.
      await page.evaluate(() => (window as unknown as { __notifications: { notification: Notification }[] }).__notifications[0]?.notification.dispatchEvent(new Event('click')));
      await expect.poll(() => page.getByRole('tab', { name: '1 Background' }).getAttribute('aria-selected')).toBe('true');
      const turnStart = page.getByRole('log', { name: 'Transcript of Background' }).locator('article[aria-current="true"]').first();
      await expect.poll(() => turnStart.textContent()).toContain('slow please');
      await expect.poll(async () => turnStart.isVisible()).toBe(true);
      // On screen, it is read: the inbox empties, in this window and in the core.
      await expect.poll(() => needsYou(page).getAttribute('aria-label')).toBe('Needs you: 0');
      expect(await page.title()).toBe('acme-web · Login page — BooCode');
      await page.screenshot({ path: join(outputDir, 'desktop-2-opened-at-turn.png') });
      // Never a second notification for that turn, also after a reload.
      await page.reload();
      await expect.poll(() => page.getByRole('status', { name: 'Connection' }).textContent()).toBe('Connected');
      await expect.poll(() => needsYou(page).getAttribute('aria-label')).toBe('Needs you: 0');
      expect(await notificationsOf(page)).toEqual([]);
      expect(errors, errors.join('\n')).toEqual([]);
    } finally {
      await serve.stop();
    }
  });

  test('a permission request in session B while the user works in session A is answered from the inbox, and the agent continues', async () => {
    const workspace = await workspaceWith(
      {
        rules: [{ match: 'login', steps: [{ type: 'wait', ms: 1500 }, { type: 'permission', toolCallId: 'edit-1', title: 'Edit login.html' }, { type: 'text', text: 'Edited after permission.' }] }],
        default: { steps: [{ type: 'echo' }] },
      },
      { 'Session A': ['Notes'], 'Session B': ['Login form'] },
    );
    const serve = await startServeProcess(workspace.dataDir);
    try {
      const page = await openPage(serve);
      await page.getByRole('button', { name: 'Session B', exact: true }).click();
      await page.getByRole('tab', { name: '1 Login form' }).waitFor();
      await page.getByRole('textbox', { name: 'Message' }).fill('Build the login form');
      await page.keyboard.press('Enter');
      await page.getByRole('button', { name: 'Session A', exact: true }).click();
      await page.getByRole('tab', { name: '1 Notes' }).waitFor();

      await expect.poll(() => needsYou(page).getAttribute('aria-label'), { timeout: 15_000 }).toBe('Needs you: 1');
      await expect.poll(() => notificationsOf(page)).toEqual([{ title: 'scripted asks: Edit login.html', body: 'Login form · Session B · acme-web. Answer it in BooCode.', tag: expect.stringMatching(/^permission:/) }]);
      await page.keyboard.press('Control+i');
      const request = inbox(page).getByRole('group', { name: 'Permission request: Edit login.html' });
      await request.waitFor();
      expect(await request.getByRole('button').allInnerTexts()).toEqual(['Allow once', 'Always allow', 'Reject', 'Always reject', 'Dismiss']);
      await page.screenshot({ path: join(outputDir, 'desktop-3-inbox-permission.png') });
      await request.getByRole('button', { name: 'Allow once' }).click();

      // The agent goes on and finishes; the user is still in session A, so the turn is unread.
      const finished = inbox(page).getByRole('button', { name: /Finished: Login form/ });
      await finished.waitFor({ timeout: 15_000 });
      expect(await page.getByRole('tab', { name: '1 Notes' }).getAttribute('aria-selected')).toBe('true');
      await page.screenshot({ path: join(outputDir, 'desktop-4-inbox-after-allow.png') });
      await finished.click();
      const transcript = page.getByRole('log', { name: 'Transcript of Login form' });
      await transcript.getByText('Edited after permission.').waitFor();
      expect(await transcript.textContent()).toContain('"outcome":"allowed","optionId":"allow-once"');
      await expect.poll(() => needsYou(page).getAttribute('aria-label')).toBe('Needs you: 0');
      await page.screenshot({ path: join(outputDir, 'desktop-5-agent-continued.png') });
      expect(errors, errors.join('\n')).toEqual([]);
    } finally {
      await serve.stop();
    }
  });

  test('twenty turns finishing at once become one summary notification, and the inbox lists all twenty', async () => {
    const goAhead = join(tempDir('boo-signal-'), 'go');
    const titles = Array.from({ length: 20 }, (_, index) => `Task ${String(index + 1).padStart(2, '0')}`);
    const workspace = await workspaceWith(
      { default: { steps: [{ type: 'wait_for_file', path: goAhead }, { type: 'text', text: 'done' }] } },
      { 'Twenty agents': titles },
    );
    const serve = await startServeProcess(workspace.dataDir);
    try {
      const page = await openPage(serve);
      // The twenty prompts come from another client (a script, the CLI): the user is on the project page.
      const client = await wireTo(serve);
      for (const title of titles) unwrap(await client.request('chats.send', { chatId: workspace.chats[title], text: `work on ${title}` }));
      await expect.poll(async () => (unwrap(await client.request('agents.processes', {})) as { state: string }[]).filter((process) => process.state === 'busy').length, { timeout: 60_000, interval: 250 }).toBe(20);
      writeFileSync(goAhead, '');

      await expect.poll(() => needsYou(page).getAttribute('aria-label'), { timeout: 30_000 }).toBe('Needs you: 20');
      // Past the longest a burst is gathered, there is still exactly one notification.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const shown = await notificationsOf(page);
      expect(shown).toEqual([{ title: 'BooCode: 20 turns finished', body: expect.stringMatching(/^Task \d\d, Task \d\d, Task \d\d and 17 more\. Open "Needs you" to see them all\.$/), tag: expect.stringMatching(/^summary:/) }]);
      await page.evaluate(() => (window as unknown as { __notifications: { notification: Notification }[] }).__notifications[0]?.notification.dispatchEvent(new Event('click')));
      await inbox(page).waitFor();
      expect(await inbox(page).getByRole('button', { name: /^Finished: Task \d\d/ }).count()).toBe(20);
      await page.screenshot({ path: join(outputDir, 'desktop-6-twenty-finished.png') });
      await inbox(page).getByRole('button', { name: 'Mark all as read' }).click();
      await expect.poll(() => needsYou(page).getAttribute('aria-label')).toBe('Needs you: 0');
      client.close();
      expect(errors, errors.join('\n')).toEqual([]);
    } finally {
      await serve.stop();
    }
  });

  test('a setting changed in one window shows in a second window at once; invalid input is explained and not saved', async () => {
    const workspace = await workspaceWith({}, { Main: ['Chat'] });
    const serve = await startServeProcess(workspace.dataDir);
    try {
      const first = await openPage(serve);
      const second = await openPage(serve);
      for (const page of [first, second]) {
        await page.getByRole('button', { name: 'Settings', exact: true }).click();
        await page.getByRole('region', { name: 'Settings' }).waitFor();
      }
      const warm = (page: Page) => page.getByRole('spinbutton', { name: 'Warm agents' });
      expect(await warm(second).inputValue()).toBe('4');
      await warm(first).fill('7');
      await first.getByRole('checkbox', { name: 'Finished turns' }).uncheck();
      await first.getByRole('combobox', { name: 'Theme' }).selectOption('light');

      await expect.poll(() => warm(second).inputValue()).toBe('7');
      await expect.poll(() => second.getByRole('checkbox', { name: 'Finished turns' }).isChecked()).toBe(false);
      await expect.poll(() => second.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
      await second.screenshot({ path: join(outputDir, 'desktop-7-settings-second-window.png') });

      // Out of range, and JSON that does not parse: said next to the field, nothing saved.
      await warm(first).fill('65');
      await first.getByText('Enter a number from 0 to 64.').waitFor();
      const overlay = first.getByRole('textbox', { name: 'opencode configuration overlay' });
      await overlay.fill('{"provider": }');
      await first.getByText(/^Not valid JSON: /).waitFor();
      expect(await overlay.getAttribute('aria-invalid')).toBe('true');
      await first.getByRole('heading', { name: 'Agents' }).scrollIntoViewIfNeeded();
      await first.screenshot({ path: join(outputDir, 'desktop-8-settings-validation.png') });
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(await warm(second).inputValue()).toBe('7');
      const client = await wireTo(serve);
      expect(unwrap(await client.request('settings.get', {}))).toMatchObject({ maxWarmAgents: 7, notifyOnFinish: false, theme: 'light', opencodeConfigOverlay: '' });
      client.close();
      expect(errors, errors.join('\n')).toEqual([]);
    } finally {
      await serve.stop();
    }
  });

  test('Stop on the agents screen ends a warm agent: its process is gone from /proc', async () => {
    const workspace = await workspaceWith({ default: { steps: [{ type: 'echo' }] } }, { Main: ['Warm chat'] });
    const serve = await startServeProcess(workspace.dataDir);
    try {
      const page = await openPage(serve);
      await page.getByRole('button', { name: 'Main', exact: true }).click();
      await page.getByRole('textbox', { name: 'Message' }).fill('hello agent');
      await page.keyboard.press('Enter');
      await page.getByRole('log', { name: 'Transcript of Warm chat' }).getByText('hello agent').nth(1).waitFor();

      await page.getByRole('button', { name: 'Agents', exact: true }).click();
      const row = page.getByRole('row', { name: 'scripted in Warm chat · Main' });
      await expect.poll(() => row.getByRole('cell').nth(2).textContent()).toBe('idle');
      const pid = Number(await row.getByRole('cell').nth(3).textContent());
      expect(pid).toBeGreaterThan(1);
      expect(isAlive(pid)).toBe(true);
      await expect.poll(() => row.getByRole('cell').nth(4).textContent(), { timeout: 10_000 }).toMatch(/\d+(\.\d)? MB/);
      const catalog = page.getByRole('region', { name: 'Agent catalog' });
      await catalog.getByRole('row', { name: 'Scripted' }).waitFor();
      await page.screenshot({ path: join(outputDir, 'desktop-9-agents-screen.png') });

      // A custom agent: checked as `boocode agents add` checks it, then added, edited, removed.
      await catalog.getByRole('button', { name: 'Add an ACP agent…' }).click();
      const form = page.getByRole('form', { name: 'Add an ACP agent' });
      await form.getByRole('textbox', { name: 'Name' }).fill('My Agent');
      await form.getByRole('textbox', { name: 'Environment' }).fill('API_KEY=secret\nnot an assignment');
      await form.getByRole('button', { name: 'Add agent' }).click();
      await form.getByText('Write one KEY=VALUE per line, not "not an assignment".').waitFor();
      await form.getByText('a command is required').waitFor();
      expect(await form.getByRole('textbox', { name: 'Id' }).getAttribute('placeholder')).toBe('my-agent');
      await page.screenshot({ path: join(outputDir, 'desktop-9b-agent-form-errors.png') });
      await form.getByRole('textbox', { name: 'Environment' }).fill('API_KEY=secret');
      await form.getByRole('textbox', { name: 'Command' }).fill('my-agent-that-is-not-installed');
      await form.getByRole('textbox', { name: 'Arguments' }).fill('--acp');
      await form.getByRole('button', { name: 'Add agent' }).click();
      const mine = catalog.getByRole('row', { name: 'My Agent' });
      await mine.getByText('not installed').waitFor();
      await mine.getByRole('button', { name: 'Edit My Agent' }).click();
      const edit = page.getByRole('form', { name: 'Edit My Agent' });
      await edit.getByRole('textbox', { name: 'Name' }).fill('My Renamed Agent');
      await edit.getByRole('button', { name: 'Save agent' }).click();
      const renamed = catalog.getByRole('row', { name: 'My Renamed Agent' });
      await renamed.waitFor();
      const client = await wireTo(serve);
      expect((unwrap(await client.request('settings.get', {})) as { customAgents: unknown[] }).customAgents).toContainEqual({ id: 'my-agent', name: 'My Renamed Agent', command: 'my-agent-that-is-not-installed', args: ['--acp'], env: { API_KEY: 'secret' } });
      client.close();
      page.once('dialog', (dialog) => void dialog.accept());
      await renamed.getByRole('button', { name: 'Remove My Renamed Agent' }).click();
      await renamed.waitFor({ state: 'detached' });

      await row.getByRole('button', { name: 'Stop scripted in Warm chat · Main' }).click();
      await row.waitFor({ state: 'detached' });
      await expect.poll(() => isAlive(pid), { timeout: 10_000 }).toBe(false);
      expect(existsSync(`/proc/${pid}`) ? isAlive(pid) : false).toBe(false);
      await page.getByText('No agent process is running.').waitFor();
      await page.screenshot({ path: join(outputDir, 'desktop-10-agent-stopped.png') });
      expect(errors, errors.join('\n')).toEqual([]);
    } finally {
      await serve.stop();
    }
  });
});
