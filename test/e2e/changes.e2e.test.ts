// BooCode's changes tab in Chromium against `boocode serve`: two scripted agents (real
// processes, their requests recorded) in two chats of one session edit, create, delete and
// rename files; the user reviews their work hunk by hunk in the window.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCore } from '../../src/main/core/index.ts';
import { readRecord, scriptedAgentCommand, type Scenario } from '../fixtures/scripted-acp-agent.ts';
import { launchChromium } from '../helpers/browser.ts';
import { git, initRepo } from '../helpers/git.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serveProcess.ts';
import { suiteTempDir } from '../helpers/tempDir.ts';

const outputDir = join(import.meta.dirname, '../../test-output/e2e');
const loginBefore = Array.from({ length: 30 }, (_, index) => `export const line${index + 1} = ${index + 1};`);
const loginAfter = loginBefore.map((line, index) => (index === 1 ? 'export const line2 = "two";' : index === 27 ? 'export const line28 = "twenty-eight";' : line));

const sh = (script: string) => ({ type: 'terminal' as const, command: 'sh', args: ['-c', script] });

function alpha(recordFile: string): Scenario {
  return {
    recordFile,
    rules: [
      {
        match: 'login',
        steps: [{ type: 'session_info', title: 'Alpha work' }, sh(`printf '%s\\n' ${loginAfter.map((line) => `'${line}'`).join(' ')} > src/login.ts && printf 'export const fresh = 1;\\n' > src/new.ts`), { type: 'text', text: 'Alpha is done.' }],
      },
    ],
    default: { steps: [{ type: 'echo' }] },
  };
}

function beta(recordFile: string): Scenario {
  return {
    recordFile,
    rules: [
      { match: 'tidy', steps: [{ type: 'session_info', title: 'Beta work' }, sh('mv src/old.ts src/renamed.ts && rm src/remove.ts'), { type: 'text', text: 'Beta tidied up.' }] },
      { match: 'extend', steps: [sh(`printf 'export const fresh = 2;\\n' > src/new.ts`), { type: 'text', text: 'Beta extended new.ts.' }] },
    ],
    default: { steps: [{ type: 'echo' }] },
  };
}

describe('the changes tab in a browser', () => {
  let browser: Browser;
  let serve: ServeProcess;
  let repo: string;
  let alphaRecord: string;
  let betaRecord: string;
  const errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(outputDir, { recursive: true });
    const dataDir = suiteTempDir('boo-changes-data-');
    const records = suiteTempDir('boo-changes-record-');
    alphaRecord = join(records, 'alpha.jsonl');
    betaRecord = join(records, 'beta.jsonl');
    repo = join(suiteTempDir('boo-changes-'), 'acme-web');
    mkdirSync(join(repo, 'src'), { recursive: true });
    initRepo(repo);
    writeFileSync(join(repo, 'src', 'login.ts'), `${loginBefore.join('\n')}\n`);
    writeFileSync(join(repo, 'src', 'old.ts'), 'export const old = "a file long enough to be seen as renamed";\n');
    writeFileSync(join(repo, 'src', 'remove.ts'), 'export const gone = 1;\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '--quiet', '-m', 'source');
    const core = createCore({ dataDir });
    for (const [id, name, scenario] of [['alpha', 'Alpha', alpha(alphaRecord)], ['beta', 'Beta', beta(betaRecord)]] as const) {
      const { command, args, env } = scriptedAgentCommand(scenario);
      const added = await core.api.call('agents.add', { agent: { id, name, command, args, env } });
      if (!added.ok) throw new Error(added.error.message);
    }
    await core.close();
    browser = await launchChromium();
    serve = await startServeProcess(dataDir);
  });
  afterAll(async () => {
    await serve?.stop();
    await browser?.close();
  });

  async function openPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(serve.url);
    await page.getByRole('status', { name: 'Connection' }).filter({ hasText: 'Connected' }).waitFor();
    return page;
  }

  async function newChat(page: Page, agentName: string): Promise<void> {
    await page.getByRole('button', { name: 'New tab in pane 1' }).click();
    await page.getByRole('menuitem', { name: `New chat with ${agentName}` }).click();
    await page.getByText(`Ask ${agentName}…`).waitFor();
  }

  async function send(page: Page, text: string, reply: string): Promise<void> {
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.click();
    await page.keyboard.type(text);
    await page.keyboard.press('Enter');
    await page.getByRole('log').getByText(reply).waitFor();
  }

  function worktreeOf(): string {
    const listing = execFileSync('git', ['-C', repo, 'worktree', 'list', '--porcelain'], { encoding: 'utf8' });
    const paths = listing.split('\n').filter((line) => line.startsWith('worktree ')).map((line) => line.slice('worktree '.length));
    const worktree = paths.find((path) => path !== repo);
    if (!worktree) throw new Error(`no session worktree in:\n${listing}`);
    return worktree;
  }

  const fileEntry = (page: Page, name: string | RegExp) => page.getByRole('list', { name: 'Changed files' }).getByRole('button', { name });
  const changes = (page: Page) => page.getByRole('tab', { name: /Changes/ });

  test('two agents’ work reviewed hunk by hunk: who did what, apply, reject, a reason sent back, a conflict, your own edit, reviewed marks, commit', async () => {
    const page = await openPage();
    try {
      await page.getByLabel('Folder path').fill(repo);
      await page.getByRole('button', { name: 'Open', exact: true }).click();
      await page.getByRole('button', { name: 'New session in acme-web' }).click();
      await page.getByRole('dialog').getByRole('textbox', { name: /Name/ }).fill('Review');
      await page.getByRole('button', { name: 'Create session' }).click();

      await newChat(page, 'Alpha');
      await send(page, 'fix the login constants', 'Alpha is done.');
      await newChat(page, 'Beta');
      await send(page, 'tidy the old files', 'Beta tidied up.');
      const worktree = worktreeOf();

      // What the tab asks the core, in order (the page's socket, recorded from here on).
      await page.evaluate(() => {
        const sent: string[] = [];
        (window as unknown as { sentMethods: string[] }).sentMethods = sent;
        const send = WebSocket.prototype.send;
        WebSocket.prototype.send = function (this: WebSocket, data: Parameters<WebSocket['send']>[0]) {
          if (typeof data === 'string') sent.push((JSON.parse(data) as { method?: string }).method ?? '');
          send.call(this, data);
        };
      });
      const sentMethods = () => page.evaluate(() => (window as unknown as { sentMethods: string[] }).sentMethods.filter((method) => method.startsWith('changes.')));

      // The file list and badges match what each agent did; the counts are on the tab and the session.
      await page.getByRole('button', { name: 'New tab in pane 1' }).click();
      await page.getByRole('menuitem', { name: /^Changes/ }).click();
      // The list and the first file's diff are read first; recording the worktree again (git over
      // every file) starts once they are answered, so that it never delays the tab's first paint.
      await expect.poll(sentMethods, { timeout: 15_000 }).toContain('changes.refresh');
      const asked = await sentMethods();
      expect(asked.slice(0, 2)).toEqual(['changes.get', 'changes.file']);
      expect(asked.indexOf('changes.refresh')).toBeGreaterThan(asked.indexOf('changes.file'));
      await expect.poll(() => changes(page).textContent()).toContain('Changes (4)');
      await expect.poll(() => page.getByRole('button', { name: 'Review', exact: true }).textContent()).toContain('4');
      const list = page.getByRole('list', { name: 'Changed files' });
      await expect.poll(async () => (await list.getByRole('button').allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim())).toEqual([
        expect.stringMatching(/^M src\/login\.ts \+2 −2 Alpha$/),
        expect.stringMatching(/^A src\/new\.ts \+1 −0 Alpha$/),
        expect.stringMatching(/^D src\/remove\.ts \+0 −1 Beta$/),
        expect.stringMatching(/^R src\/old\.ts → src\/renamed\.ts \+0 −0 Beta$/),
      ]);
      await page.getByText('Changes from Alpha, Beta').waitFor();
      await fileEntry(page, /src\/login\.ts/).click();
      const diff = page.getByRole('region', { name: 'Diff of src/login.ts' });
      await diff.getByRole('button', { name: 'Made by Alpha in turn 1: open the chat' }).first().waitFor();
      expect(await diff.getByRole('group', { name: /^Hunk \d/ }).count()).toBe(2);
      await page.screenshot({ path: join(outputDir, 'changes-1-two-agents.png') });

      // Apply one hunk: the project gets exactly that hunk.
      await diff.getByRole('button', { name: /^Apply hunk 1,/ }).click();
      await expect.poll(() => readFileSync(join(repo, 'src', 'login.ts'), 'utf8')).toBe(`${loginBefore.map((line, index) => (index === 1 ? 'export const line2 = "two";' : line)).join('\n')}\n`);
      // Reject the other: the worktree loses it.
      await expect.poll(() => diff.getByRole('group', { name: /^Hunk \d/ }).count()).toBe(1);
      await diff.getByRole('button', { name: /^Reject hunk 1,/ }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Reject', exact: true }).click();
      await expect.poll(() => readFileSync(join(worktree, 'src', 'login.ts'), 'utf8')).toBe(readFileSync(join(repo, 'src', 'login.ts'), 'utf8'));
      await expect.poll(() => list.getByRole('button').count()).toBe(3);

      // Reject with a reason: it reaches the chat that made the change, as its next prompt.
      await fileEntry(page, /src\/renamed\.ts/).click();
      await page.getByRole('button', { name: 'Reject file…' }).click();
      await page.getByRole('dialog').getByRole('textbox', { name: /Reason/ }).fill('keep the old name, other modules import it');
      await page.screenshot({ path: join(outputDir, 'changes-2-reject-with-reason.png') });
      await page.getByRole('dialog').getByRole('button', { name: 'Reject', exact: true }).click();
      await expect.poll(() => readRecord(betaRecord).filter((call) => call.method === 'session/prompt').map((call) => call.text)).toContainEqual(expect.stringMatching(/^I rejected your change to .*src\/renamed\.ts.* because keep the old name, other modules import it$/));
      expect(readRecord(alphaRecord).filter((call) => call.method === 'session/prompt').map((call) => call.text)).toEqual(['fix the login constants']);
      expect(existsSync(join(worktree, 'src', 'old.ts'))).toBe(true);

      // A conflicting apply is listed and leaves the project untouched.
      writeFileSync(join(repo, 'src', 'new.ts'), 'export const mine = 1;\n');
      await fileEntry(page, /src\/new\.ts/).click();
      await page.getByRole('button', { name: 'Apply file' }).click();
      await page.getByRole('alert').filter({ hasText: 'Nothing was applied' }).filter({ hasText: 'src/new.ts' }).waitFor();
      expect(readFileSync(join(repo, 'src', 'new.ts'), 'utf8')).toBe('export const mine = 1;\n');
      await page.screenshot({ path: join(outputDir, 'changes-3-conflict.png') });

      // Your own edit in the worktree shows as yours, with no refresh asked for.
      writeFileSync(join(worktree, 'NOTES.md'), 'remember the release notes\n');
      await fileEntry(page, /NOTES\.md/).click();
      await page.getByRole('region', { name: 'Diff of NOTES.md' }).getByText('you', { exact: true }).waitFor();

      // A reviewed mark lasts until an agent edits the file again.
      await fileEntry(page, /src\/new\.ts/).click();
      await page.getByRole('checkbox', { name: 'Reviewed', exact: true }).check();
      await expect.poll(() => fileEntry(page, /src\/new\.ts/).getByLabel('reviewed').count()).toBe(1);
      await page.getByRole('tab', { name: /Beta work/ }).click();
      await send(page, 'extend new.ts', 'Beta extended new.ts.');
      await changes(page).click();
      await expect.poll(() => page.getByRole('checkbox', { name: 'Reviewed', exact: true }).isChecked()).toBe(false);
      await expect.poll(() => fileEntry(page, /src\/new\.ts/).textContent()).toContain('Beta');
      await page.screenshot({ path: join(outputDir, 'changes-4-review-lapsed.png') });

      // The keyboard: j walks hunks and on into the next files, a applies the hunk in focus.
      await fileEntry(page, /NOTES\.md/).click();
      await page.keyboard.press('j');
      await expect.poll(() => fileEntry(page, /src\/new\.ts/).getAttribute('aria-current')).toBe('true');
      await page.keyboard.press('j');
      await expect.poll(() => fileEntry(page, /src\/remove\.ts/).getAttribute('aria-current')).toBe('true');
      await page.keyboard.press('a');
      await expect.poll(() => existsSync(join(repo, 'src', 'remove.ts'))).toBe(false);
      await expect.poll(() => fileEntry(page, /src\/remove\.ts/).count()).toBe(0);

      // The attribution badge opens the chat at that turn.
      await fileEntry(page, /src\/new\.ts/).click();
      await page.getByRole('region', { name: 'Diff of src/new.ts' }).getByRole('button', { name: /Made by Beta in turn 3/ }).click();
      await expect.poll(() => page.getByRole('tab', { name: /Beta work/ }).getAttribute('aria-selected')).toBe('true');
      await page.getByRole('log', { name: 'Transcript of Beta work' }).locator('article[aria-current="true"]').first().getByText('extend new.ts').waitFor();
      await changes(page).click();

      // Commit: a commit on the session branch with the prefilled message.
      await page.getByRole('button', { name: 'Commit…' }).click();
      const message = page.getByRole('dialog').getByRole('textbox', { name: 'Message' });
      await expect.poll(() => message.inputValue()).toMatch(/^Changes from /);
      await page.screenshot({ path: join(outputDir, 'changes-5-commit.png') });
      const subject = (await message.inputValue()).split('\n')[0];
      await page.getByRole('dialog').getByRole('button', { name: 'Commit', exact: true }).click();
      await page.getByText(/^Committed [0-9a-f]{8} on the session's branch$/).waitFor();
      const branch = execFileSync('git', ['-C', worktree, 'branch', '--show-current'], { encoding: 'utf8' }).trim();
      expect(branch).toMatch(/^boo\//);
      expect(execFileSync('git', ['-C', repo, 'log', '-1', '--format=%s', branch], { encoding: 'utf8' }).trim()).toBe(subject);
      expect(execFileSync('git', ['-C', repo, 'show', '--name-only', '--format=', branch], { encoding: 'utf8' }).trim().split('\n').sort()).toEqual(['NOTES.md', 'src/login.ts', 'src/new.ts', 'src/remove.ts']);
      // The applied hunk stays in the worktree; the rejected one is not in the commit.
      expect(execFileSync('git', ['-C', repo, 'show', `${branch}:src/login.ts`], { encoding: 'utf8' })).toBe(readFileSync(join(repo, 'src', 'login.ts'), 'utf8'));
      expect(errors).toEqual([]);
    } finally {
      await page.screenshot({ path: join(outputDir, 'changes-last.png') });
      await page.close();
    }
  });
});
