// BooChat in Chromium against `boocode serve`, driven by role and accessible name, with the
// scripted ACP agent (a real process, its every request recorded) and, once, real qwen-code
// against the scripted LLM.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createCore } from '../../src/main/core/index.ts';
import { qwenAcpLaunch } from '../fixtures/real-agents.ts';
import { readRecord, scriptedAgentCommand, type Scenario } from '../fixtures/scripted-acp-agent.ts';
import { replies, startScriptedLlm } from '../fixtures/scripted-llm.ts';
import { launchChromium } from '../helpers/browser.ts';
import { git, initRepo } from '../helpers/git.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serveProcess.ts';
import { suiteTempDir, tempDir } from '../helpers/tempDir.ts';

const outputDir = join(import.meta.dirname, '../../test-output/e2e');
const words = Array.from({ length: 60 }, (_, index) => `w${index}`);

function scenario(recordFile: string): Scenario {
  return {
    recordFile,
    capabilities: { resume: true },
    rules: [
      { match: 'stream', steps: [{ type: 'commands', commands: [{ name: 'review', description: 'Review the changes' }] }, ...words.map((word) => ({ type: 'text' as const, text: `${word} ` })).flatMap((step) => [step, { type: 'wait' as const, ms: 15 }])] },
      { match: 'long', steps: [{ type: 'slow', chunks: 600, intervalMs: 25, text: 'tick ' }] },
      { match: 'ask', steps: [{ type: 'tool_call', id: 'edit-1', title: 'Edit login.ts', kind: 'edit' }, { type: 'permission', toolCallId: 'edit-1', title: 'Edit login.ts', kind: 'edit' }, { type: 'text', text: 'The edit is done.' }] },
      { match: 'state', steps: [{ type: 'report_state' }] },
    ],
    default: { steps: [{ type: 'echo' }] },
  };
}

describe('BooChat in a browser', () => {
  let browser: Browser;
  let serve: ServeProcess;
  let dataDir: string;
  let recordFile: string;
  let repo: string;
  const pages: Page[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(outputDir, { recursive: true });
    dataDir = suiteTempDir('boo-chat-data-');
    recordFile = join(suiteTempDir('boo-chat-record-'), 'record.jsonl');
    repo = join(suiteTempDir('boo-chat-'), 'acme-web');
    mkdirSync(join(repo, 'src'), { recursive: true });
    initRepo(repo);
    writeFileSync(join(repo, 'src', 'login.ts'), 'export const login = 1;\n');
    writeFileSync(join(repo, 'src', 'logout.ts'), 'export const logout = 1;\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '--quiet', '-m', 'source');
    const core = createCore({ dataDir });
    const { command, args, env } = scriptedAgentCommand(scenario(recordFile));
    const added = await core.api.call('agents.add', { agent: { id: 'scripted', name: 'Scripted', command, args, env } });
    if (!added.ok) throw new Error(added.error.message);
    await core.close();
    browser = await launchChromium();
    serve = await startServeProcess(dataDir);
  });
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') {
      for (const [index, page] of pages.entries()) if (!page.isClosed()) await page.screenshot({ path: join(outputDir, `chat-failed-${sessions}-${index}.png`) });
    }
    for (const page of pages.splice(0)) if (!page.isClosed()) await page.close();
    expect(errors.splice(0), 'no page errors').toEqual([]);
  });
  afterAll(async () => {
    await serve?.stop();
    await browser?.close();
  });

  async function openPage(url = serve.url): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    pages.push(page);
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    await page.getByRole('status', { name: 'Connection' }).filter({ hasText: 'Connected' }).waitFor();
    return page;
  }

  let sessions = 0;
  /** A new session of the project with one chat with the scripted agent, shown. */
  async function newChat(page: Page): Promise<void> {
    sessions += 1;
    const name = `Chat test ${sessions}`;
    const project = page.getByRole('region', { name: 'Project acme-web' });
    await project.or(page.getByLabel('Folder path')).first().waitFor();
    if ((await project.count()) === 0) {
      await page.getByLabel('Folder path').fill(repo);
      await page.getByRole('button', { name: 'Open', exact: true }).click();
    }
    await page.getByRole('button', { name: 'New session in acme-web' }).click();
    await page.getByRole('dialog').getByRole('textbox', { name: /Name/ }).fill(name);
    await page.getByRole('button', { name: 'Create session' }).click();
    await page.getByRole('button', { name: 'New tab in pane 1' }).click();
    await page.getByRole('menuitem', { name: 'New chat with Scripted' }).click();
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
  }

  async function type(page: Page, text: string): Promise<void> {
    await page.getByRole('textbox', { name: 'Message' }).click();
    await page.keyboard.type(text);
  }

  async function send(page: Page, text: string): Promise<void> {
    await type(page, text);
    await page.keyboard.press('Enter');
  }

  const transcript = (page: Page) => page.getByRole('log', { name: 'Transcript' });

  test('a streamed reply appears once, in order; `/` completes the agent\'s commands and `@` the session\'s files', async () => {
    const page = await openPage();
    await newChat(page);
    await send(page, 'stream please');
    const last = words.at(-1) ?? '';
    await transcript(page).getByText(new RegExp(`${last}\\s*$`)).waitFor();
    const text = (await transcript(page).getByRole('article', { name: 'Scripted' }).last().innerText()).replace(/\s+/g, ' ');
    expect(text).toContain(words.join(' '));
    expect(text.split(words[10] ?? '')).toHaveLength(2);
    await page.screenshot({ path: join(outputDir, 'chat-1-streamed.png') });

    await type(page, '/');
    await page.getByRole('option', { name: /\/review/ }).waitFor();
    await page.keyboard.press('Enter');
    await type(page, '@logi');
    await page.getByRole('option', { name: '@src/login.ts' }).waitFor();
    await page.screenshot({ path: join(outputDir, 'chat-2-completion.png') });
    await page.keyboard.press('Enter');
    expect(await page.getByRole('textbox', { name: 'Message' }).innerText()).toBe('/review @src/login.ts ');
    await page.keyboard.press('Enter');
    await expect.poll(() => readRecord(recordFile).filter((call) => call.method === 'session/prompt').map((call) => call.text)).toContain('/review @src/login.ts ');
  });

  test('Stop mid-stream ends the turn cancelled; typing while it runs queues, a queued prompt can be promoted, and Steer stops the turn and sends at once', async () => {
    const page = await openPage();
    await newChat(page);
    await send(page, 'long one');
    await transcript(page).getByText(/tick tick/).waitFor();
    await page.getByRole('button', { name: 'Stop' }).click();
    await transcript(page).getByText(/Stopped\./).waitFor();
    await page.screenshot({ path: join(outputDir, 'chat-3-stopped.png') });

    await send(page, 'long two');
    await transcript(page).getByText(/tick/).last().waitFor();
    await type(page, 'first waiting');
    await page.getByRole('button', { name: 'Queue' }).click();
    await send(page, 'second waiting');
    const queue = page.getByRole('region', { name: 'Queued prompts' });
    await queue.getByRole('listitem').nth(1).waitFor();
    await page.screenshot({ path: join(outputDir, 'chat-4-queue.png') });
    await queue.getByRole('button', { name: 'Run next: second waiting' }).click();
    await expect.poll(async () => queue.getByRole('listitem').allInnerTexts()).toEqual([expect.stringContaining('second waiting'), expect.stringContaining('first waiting')]);

    await type(page, 'steered now');
    await page.getByRole('button', { name: 'Steer' }).click();
    await transcript(page).getByText('steered now', { exact: true }).last().waitFor();
    // The steered prompt ran before the queued ones, after the running turn was stopped.
    await expect.poll(() => readRecord(recordFile).filter((call) => call.method === 'session/prompt').map((call) => call.text).slice(-3)).toEqual(['steered now', 'second waiting', 'first waiting']);
  });

  test('a permission request is answered from its card; a rejection with a message reaches the agent', async () => {
    const page = await openPage();
    await newChat(page);
    await send(page, 'ask me');
    const card = page.getByRole('region', { name: 'Permission request: Edit login.ts' });
    await card.waitFor();
    await page.screenshot({ path: join(outputDir, 'chat-5-permission.png') });
    await card.getByRole('button', { name: /Allow once/ }).click();
    await transcript(page).getByText('The edit is done.').waitFor();
    await transcript(page).getByText(/You answered “Allow once”/).waitFor();

    await send(page, 'ask again');
    await card.waitFor();
    await card.getByRole('textbox', { name: 'Message to the agent (optional)' }).fill('Use the existing helper instead');
    await card.getByRole('button', { name: /^\d? ?Reject$/ }).click();
    await expect.poll(() => readRecord(recordFile).some((call) => call.method === 'session/prompt' && (call.text ?? '').includes('Use the existing helper instead'))).toBe(true);
    await page.screenshot({ path: join(outputDir, 'chat-6-rejected.png') });
    // The scripted agent uses one tool-call id in both turns: each card keeps its own answer, and
    // the first, which the agent never closed, is unfinished rather than running.
    await expect.poll(() => transcript(page).getByText(/You answered “Allow once”/).count()).toBe(1);
    await expect.poll(() => transcript(page).getByText(/You answered “Reject”/).count()).toBe(1);
    await expect.poll(() => transcript(page).getByRole('region', { name: 'Edit: Edit login.ts' }).first().textContent()).toContain('unfinished');
  });

  test('an agent killed mid-turn shows a failed turn with the reason; Retry runs it again and the chip says resume', async () => {
    const page = await openPage();
    await newChat(page);
    await send(page, 'hello');
    await transcript(page).getByText('hello').last().waitFor();
    await send(page, 'long and doomed');
    await transcript(page).getByText(/tick/).last().waitFor();
    const pid = readRecord(recordFile).filter((call) => call.method === 'session/prompt').at(-1)?.pid ?? 0;
    process.kill(-pid, 'SIGKILL');
    await transcript(page).getByText(/Scripted crashed/).waitFor();
    await expect.poll(() => page.getByLabel(/^Next turn:/).textContent()).toBe('resume');
    await page.screenshot({ path: join(outputDir, 'chat-7-crashed.png') });
    await transcript(page).getByRole('button', { name: 'Retry' }).click();
    // A new process took the retried prompt.
    await expect
      .poll(() => {
        const pids = readRecord(recordFile).filter((call) => call.method === 'session/prompt' && call.text === 'long and doomed').map((call) => call.pid);
        return pids.length === 2 && pids[0] === pid && pids[1] !== pid;
      })
      .toBe(true);
    await expect.poll(() => page.getByLabel(/^Next turn:/).textContent()).toBe('warm');
    await page.getByRole('button', { name: 'Stop' }).click();
  });

  test('the draft survives a reload, and the mode and model pickers change what the agent receives', async () => {
    const page = await openPage();
    await newChat(page);
    await send(page, 'warm up');
    await transcript(page).getByText('warm up').last().waitFor();
    await type(page, 'half a thought');
    await page.waitForTimeout(700); // the draft is saved once typing pauses
    await page.reload();
    await expect.poll(() => page.getByRole('textbox', { name: 'Message' }).innerText()).toBe('half a thought');
    await page.getByRole('textbox', { name: 'Message' }).press('Control+a');
    await page.keyboard.press('Backspace');

    await page.getByRole('combobox', { name: 'Mode', exact: true }).selectOption({ label: 'Plan' });
    await page.getByRole('combobox', { name: 'Model', exact: true }).selectOption({ index: 2 });
    // The choice is kept by the core and comes back as the picker's value.
    await expect.poll(() => page.getByRole('combobox', { name: 'Model', exact: true }).inputValue()).not.toBe('');
    const chosenModel = await page.getByRole('combobox', { name: 'Model', exact: true }).inputValue();
    await send(page, 'report state');
    await transcript(page).getByText(/\[state\]/).waitFor();
    const state = (await transcript(page).getByText(/\[state\]/).last().innerText()).replace(/^.*\[state\] /s, '');
    expect(JSON.parse(state)).toMatchObject({ modeId: 'plan', config: { model: chosenModel } });
    await page.screenshot({ path: join(outputDir, 'chat-8-mode-model.png') });
  });

  test('a serve killed mid-turn: after the restart the turn shows as interrupted with its partial text, and Retry runs it', async () => {
    const page = await openPage();
    await newChat(page);
    await send(page, 'long before the crash');
    await transcript(page).getByText(/tick tick tick/).waitFor();
    serve.child.kill('SIGKILL');
    await new Promise((resolve) => serve.child.once('exit', resolve));
    serve = await startServeProcess(dataDir);
    // Another port is another origin to the browser: it opens on the project, not the session.
    await page.goto(serve.url);
    await page.getByRole('button', { name: `Chat test ${sessions}`, exact: true }).click();
    await transcript(page).getByText(/Interrupted when BooCode stopped/).waitFor();
    expect(await transcript(page).getByText(/tick tick/).count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(outputDir, 'chat-9-interrupted.png') });
    await transcript(page).getByRole('button', { name: 'Retry' }).click();
    await page.getByRole('button', { name: 'Stop' }).waitFor();
    await page.getByRole('button', { name: 'Stop' }).click();
  });
});

describe('BooChat with real qwen-code', () => {
  test('a turn of qwen-code against the scripted LLM streams into the transcript', async () => {
    const llm = await startScriptedLlm({ defaultReply: replies.text('Hello from the scripted model, through qwen-code.') });
    const launch = await qwenAcpLaunch({ url: llm.url });
    const dataDir = tempDir('boo-chat-qwen-');
    const folder = tempDir('boo-chat-qwen-project-');
    const core = createCore({ dataDir });
    const env = Object.fromEntries(Object.entries(launch.env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    const added = await core.api.call('agents.add', { agent: { id: 'qwen-offline', name: 'Qwen offline', command: launch.command, args: [...launch.args], env } });
    if (!added.ok) throw new Error(added.error.message);
    await core.close();
    const serve = await startServeProcess(dataDir);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
      await page.goto(serve.url);
      await page.getByLabel('Folder path').fill(folder);
      await page.getByRole('button', { name: 'Open', exact: true }).click();
      await page.getByRole('button', { name: /^New session in/ }).click();
      await page.getByRole('button', { name: 'Create session' }).click();
      await page.getByRole('button', { name: 'New tab in pane 1' }).click();
      await page.getByRole('menuitem', { name: 'New chat with Qwen offline' }).click();
      await page.getByRole('textbox', { name: 'Message' }).click();
      await page.keyboard.type('Please greet me');
      await page.keyboard.press('Enter');
      await page.getByRole('log', { name: 'Transcript' }).getByText('Hello from the scripted model, through qwen-code.').waitFor({ timeout: 60_000 });
      await page.screenshot({ path: join(outputDir, 'chat-10-qwen.png') });
    } finally {
      await browser.close();
      await serve.stop();
      await launch.dispose();
      await llm.close();
    }
  });
});
