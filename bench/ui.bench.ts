/// <reference lib="dom" />
// The workspace in headless Chromium: a burst of 10k streaming events applied and painted by the
// app, against a bare page that only counts the same events; and switching between sessions
// of five tabs each. Needs the built renderer (`npm run build`).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { scriptedAgentCommand } from '../test/fixtures/scripted-acp-agent.ts';
import { median, row, type Benchmark } from './harness.ts';
import { startUiRig, unwrap, type UiRig } from './uiHarness.ts';
import { LAYOUT_VERSION, type LayoutEnvelope, type PaneNode, type Tab } from '../src/shared/layout.ts';

const BURST = 10_000;
const CHATS = 10;
const ROUNDS = 3;

interface BurstTarget {
  readonly chatId: string;
  readonly messageId: string;
  readonly partId: string;
  offset: number;
}

async function prepareChats(rig: UiRig, count: number, sessionName: string, chatTitle: (index: number) => string): Promise<{ sessionId: string; targets: BurstTarget[] }> {
  const folder = join(rig.root, `project-${sessionName.replace(/\W+/g, '-')}`);
  mkdirSync(folder, { recursive: true });
  const project = unwrap(await rig.core.api.call('projects.open', { path: folder }));
  const session = unwrap(await rig.core.api.call('sessions.create', { projectId: project.id, name: sessionName }));
  const targets: BurstTarget[] = [];
  for (let index = 0; index < count; index += 1) {
    const chat = unwrap(await rig.core.api.call('chats.create', { sessionId: session.id, agentId: 'scripted', title: chatTitle(index) }));
    const { turnId } = unwrap(await rig.core.api.call('chats.send', { chatId: chat.id, text: `hello ${index}` }));
    await rig.core.turns.whenEnded(turnId);
    const view = unwrap(await rig.core.api.call('chats.get', { chatId: chat.id }));
    const message = view.messages.find((candidate) => candidate.role === 'assistant');
    const part = message?.parts.find((candidate) => candidate.kind === 'text');
    if (!message || !part || part.kind !== 'text') throw new Error('the warm-up turn wrote no text');
    targets.push({ chatId: chat.id, messageId: message.id, partId: part.id, offset: part.text.length });
  }
  return { sessionId: session.id, targets };
}

/** The chats as tabs of one pane, the last one shown. */
function tabbedLayout(chatIds: readonly string[]): LayoutEnvelope {
  const tabs: Record<string, Tab> = {};
  chatIds.forEach((chatId, index) => (tabs[`t${index + 1}`] = { id: `t${index + 1}`, number: index + 1, kind: 'chat', targetId: chatId }));
  const tabIds = Object.keys(tabs);
  const last = tabIds.at(-1) ?? null;
  return { version: LAYOUT_VERSION, root: { kind: 'pane', id: 'p1', tabIds, activeTabId: last }, tabs, nextTabNumber: chatIds.length + 1, closedTabs: [], focusedTabId: last, perTab: {} };
}

/** One pane per chat, in columns of two. */
function gridLayout(chatIds: readonly string[]): LayoutEnvelope {
  const tabs: Record<string, Tab> = {};
  const panes: PaneNode[] = chatIds.map((chatId, index) => {
    const id = `t${index + 1}`;
    tabs[id] = { id, number: index + 1, kind: 'chat', targetId: chatId };
    return { kind: 'pane', id: `p${index + 1}`, tabIds: [id], activeTabId: id };
  });
  const columns: PaneNode[] = [];
  for (let index = 0; index < panes.length; index += 2) {
    const pair = panes.slice(index, index + 2);
    columns.push(pair.length === 2 ? { kind: 'split', id: `c${index}`, direction: 'column', children: pair, sizes: [50, 50] } : (pair[0] as PaneNode));
  }
  const root: PaneNode = { kind: 'split', id: 'root', direction: 'row', children: columns, sizes: columns.map(() => 100 / columns.length) };
  return { version: LAYOUT_VERSION, root, tabs, nextTabNumber: chatIds.length + 1, closedTabs: [], focusedTabId: 't1', perTab: {} };
}

/** The stored length of each chat's streamed part. */
async function prepared(rig: UiRig, chatIds: readonly string[]): Promise<number[]> {
  return Promise.all(
    chatIds.map(async (chatId) => {
      const view = unwrap(await rig.core.api.call('chats.get', { chatId }));
      const part = view.messages.find((message) => message.role === 'assistant')?.parts.find((candidate) => candidate.kind === 'text');
      return part?.kind === 'text' ? part.text.length : 0;
    }),
  );
}

async function addAgent(rig: UiRig): Promise<void> {
  const { command, args, env } = scriptedAgentCommand({ default: { steps: [{ type: 'echo' }] } });
  unwrap(await rig.core.api.call('agents.add', { agent: { id: 'scripted', name: 'Scripted', command, args, env } }));
}

/** Publishes BURST deltas spread over the targets; the last one of each ends with END<i>. */
function publishBurst(rig: UiRig, targets: BurstTarget[], round: number): void {
  const perChat = BURST / targets.length;
  for (let step = 0; step < perChat; step += 1) {
    targets.forEach((target, index) => {
      const delta = step === perChat - 1 ? ` END${round}-${index}` : ' word';
      rig.core.events.publish([{ type: 'chat.part.delta', chatId: target.chatId, messageId: target.messageId, partId: target.partId, offset: target.offset, delta }]);
      target.offset += delta.length;
    });
  }
}

/** ms from the burst's first delta reaching the page to the END markers of `shown` chats painted (all by default). */
async function appBurst(rig: UiRig, page: Page, targets: BurstTarget[], round: number, shown: readonly number[] = targets.map((_, index) => index)): Promise<number> {
  await page.evaluate(
    ({ markers }) => {
      const w = window as unknown as { burst: { first: number; done: number } };
      w.burst = { first: 0, done: 0 };
      const isDone = () => markers.every((marker) => document.body.textContent?.includes(marker));
      const check = () => {
        if (w.burst.done !== 0) return;
        if (isDone()) requestAnimationFrame(() => (w.burst.done = performance.now()));
        else requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    },
    { markers: shown.map((index) => `END${round}-${index}`) },
  );
  await page.evaluate(() => ((window as unknown as { armBurst: () => void }).armBurst(), undefined));
  publishBurst(rig, targets, round);
  await page.waitForFunction(() => (window as unknown as { burst: { done: number } }).burst.done > 0, undefined, { timeout: 60_000 });
  return page.evaluate(() => {
    const w = window as unknown as { burst: { done: number }; firstEventAt: number };
    return w.burst.done - w.firstEventAt;
  });
}

async function bareBurst(rig: UiRig, targets: BurstTarget[], round: number): Promise<number> {
  const page = await rig.browser.newPage();
  await page.goto(`http://127.0.0.1:${rig.server.port}/bench/bare-events.html?token=${rig.server.token}&expect=${BURST}&after=${rig.core.events.lastSeq()}`);
  await page.waitForFunction(() => (window as unknown as { bare: { ready: boolean } }).bare.ready);
  publishBurst(rig, targets, round);
  await page.waitForFunction(() => (window as unknown as { bare: { done: number } }).bare.done > 0, undefined, { timeout: 60_000 });
  const elapsed = await page.evaluate(() => {
    const bare = (window as unknown as { bare: { first: number; done: number } }).bare;
    return bare.done - bare.first;
  });
  await page.close();
  return elapsed;
}

/** Records when the first streaming delta reaches the page's WebSocket, once armed. */
const firstEventProbe = () => {
  const w = window as unknown as { firstEventAt: number; isArmed: boolean; armBurst: () => void };
  w.firstEventAt = 0;
  w.isArmed = false;
  w.armBurst = () => {
    w.firstEventAt = 0;
    w.isArmed = true;
  };
  const Native = window.WebSocket;
  class Probed extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener('message', (event) => {
        if (w.isArmed && w.firstEventAt === 0 && typeof event.data === 'string' && event.data.includes('"chat.part.delta"')) {
          w.firstEventAt = performance.now();
          w.isArmed = false;
        }
      });
    }
  }
  window.WebSocket = Probed;
};

async function selectSession(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name, exact: true }).click();
  await page.getByRole('tablist').first().waitFor();
}

export const benchmarks: Benchmark[] = [
  {
    name: 'ui: a 10k-event burst across 10 chats, applied and painted',
    async run() {
      const rig = await startUiRig({ replayCapacity: 50_000 });
      try {
        await addAgent(rig);
        const { sessionId, targets } = await prepareChats(rig, CHATS, 'Burst', (index) => `Chat ${index + 1}`);
        const chatIds = targets.map((target) => target.chatId);
        const context = await rig.browser.newContext({ viewport: { width: 1400, height: 900 } });
        await context.addInitScript(firstEventProbe);
        const page = await context.newPage();
        const bare: number[] = [];
        const tabbed: number[] = [];
        const painted: number[] = [];
        // As a session usually looks: the ten chats as tabs of one pane, the last one shown. Its
        // END marker is the burst's last event, so once it is painted every event was applied.
        unwrap(await rig.core.api.call('sessions.layout.set', { sessionId, layout: tabbedLayout(chatIds), writer: 'bench' }));
        await page.goto(rig.server.url);
        await selectSession(page, 'Burst');
        await page.waitForFunction(() => document.querySelectorAll('[role="tabpanel"] article').length >= 2);
        for (let round = 0; round < ROUNDS; round += 1) {
          bare.push(await bareBurst(rig, targets, round * 3));
          tabbed.push(await appBurst(rig, page, targets, round * 3 + 1, [CHATS - 1]));
        }
        // Every chat on screen (five columns of two panes): every delta is painted, not only applied.
        await page.close();
        // A new page reads the parts as stored, without the text the earlier bursts streamed.
        const stored = await prepared(rig, chatIds);
        targets.forEach((target, index) => (target.offset = stored[index] ?? 0));
        unwrap(await rig.core.api.call('sessions.layout.set', { sessionId, layout: gridLayout(chatIds), writer: 'bench' }));
        const gridPage = await context.newPage();
        await gridPage.goto(rig.server.url);
        await selectSession(gridPage, 'Burst');
        await gridPage.waitForFunction((count) => document.querySelectorAll('[role="tabpanel"] article').length >= count * 2, CHATS);
        for (let round = 0; round < ROUNDS; round += 1) painted.push(await appBurst(rig, gridPage, targets, round * 3 + 2));
        await context.close();
        return [row('ui.frame.events_burst', median(tabbed), 'ms', median(bare), '<= 1.5'), row('ui.frame.events_burst.all_ten_painted', median(painted), 'ms', median(bare), '<= 1.5')];
      } finally {
        await rig.close();
      }
    },
  },
  {
    name: 'ui: switching between sessions of 5 tabs',
    async run() {
      const rig = await startUiRig();
      try {
        await addAgent(rig);
        const sessions: string[] = [];
        for (let index = 0; index < 20; index += 1) {
          const name = `Session ${String(index + 1).padStart(2, '0')}`;
          await prepareChats(rig, 5, name, (chat) => `${name} chat ${chat + 1}`);
          sessions.push(name);
        }
        const page = await rig.openApp();
        await selectSession(page, sessions[0] ?? '');
        const times: number[] = [];
        for (let index = 1; index < sessions.length; index += 1) {
          const name = sessions[index] ?? '';
          times.push(
            await page.evaluate(async (target) => {
              const button = [...document.querySelectorAll('button')].find((candidate) => candidate.getAttribute('aria-describedby') && candidate.textContent?.trim() === target);
              if (!button) throw new Error(`no button for ${target}`);
              const started = performance.now();
              button.click();
              return new Promise<number>((resolve) => {
                const check = () => {
                  const tabs = [...document.querySelectorAll('[role="tab"]')].map((tab) => tab.textContent ?? '');
                  if (tabs.length === 5 && tabs.every((text, position) => text.includes(`${target} chat ${position + 1}`))) {
                    requestAnimationFrame(() => resolve(performance.now() - started));
                  } else {
                    requestAnimationFrame(check);
                  }
                };
                check();
              });
            }, name),
          );
        }
        const sorted = [...times].sort((a, b) => a - b);
        const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? 0;
        return [row('ui.frame.switch_session.median', median(times), 'ms', null, '< 100 ms'), row('ui.frame.switch_session.p95', p95, 'ms', null, null)];
      } finally {
        await rig.close();
      }
    },
  },
];
