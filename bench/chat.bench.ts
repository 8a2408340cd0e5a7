/// <reference lib="dom" />
// BooChat in headless Chromium: opening a chat of 50k messages against an empty one (and the DOM
// it takes), a keystroke's time to paint while an agent streams 200 deltas a second into that
// chat against the same with nothing streaming, a delta's time from the core to the page, and
// the page's memory after scrolling the whole chat top to bottom. Needs `npm run build`.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { scriptedAgentCommand } from '../test/fixtures/scripted-acp-agent.ts';
import { median, row, type Benchmark } from './harness.ts';
import { startUiRig, unwrap, type UiRig } from './uiHarness.ts';

const HISTORY = 50_000;
const SMALL = 500;

interface PreparedChat {
  readonly sessionName: string;
  readonly chatId: string;
  readonly lastMessageId: string;
  readonly lastPartId: string;
  lastLength: number;
}

async function prepare(rig: UiRig, sessionName: string, messages: number): Promise<PreparedChat> {
  const folder = join(rig.root, `project-${randomUUID()}`);
  mkdirSync(folder, { recursive: true });
  const project = unwrap(await rig.core.api.call('projects.open', { path: folder }));
  const session = unwrap(await rig.core.api.call('sessions.create', { projectId: project.id, name: sessionName }));
  const chat = unwrap(await rig.core.api.call('chats.create', { sessionId: session.id, agentId: 'scripted', title: `${sessionName} chat` }));
  const db = rig.core.store.db;
  const insertMessage = db.prepare("INSERT INTO messages (id, chat_id, turn_id, role, ordinal, agent_id, created_at) VALUES (?, ?, NULL, ?, ?, ?, '2026-01-01T00:00:00.000Z')");
  const insertPart = db.prepare("INSERT INTO parts (id, message_id, position, kind, body, updated_at) VALUES (?, ?, 0, 'text', ?, '2026-01-01T00:00:00.000Z')");
  let lastMessageId = '';
  let lastPartId = '';
  let lastText = '';
  rig.core.store.transact(() => {
    for (let ordinal = 1; ordinal <= messages; ordinal += 1) {
      const id = randomUUID();
      const partId = randomUUID();
      const isUser = ordinal % 2 === 1;
      const text = isUser ? `Question ${ordinal}: what about the **parser**?` : `Answer ${ordinal}. The parser reads \`tokens\` one at a time.\n\n- first point\n- second point\n\nMarker M${ordinal}.`;
      insertMessage.run(id, chat.id, isUser ? 'user' : 'assistant', ordinal, isUser ? null : 'scripted');
      insertPart.run(partId, id, text);
      lastMessageId = id;
      lastPartId = partId;
      lastText = text;
    }
  });
  return { sessionName, chatId: chat.id, lastMessageId, lastPartId, lastLength: lastText.length };
}

/** ms from the click on the session to its chat's last message painted. */
function openTime(page: Page, sessionName: string, marker: string): Promise<number> {
  return page.evaluate(
    async ({ name, text }) => {
      const button = [...document.querySelectorAll('button')].find((candidate) => candidate.getAttribute('aria-describedby') && candidate.textContent?.trim() === name);
      if (!button) throw new Error(`no session ${name}`);
      const started = performance.now();
      button.click();
      return new Promise<number>((resolve) => {
        const check = () => {
          const log = document.querySelector('[role="log"]');
          if (log?.textContent?.includes(text)) requestAnimationFrame(() => resolve(performance.now() - started));
          else requestAnimationFrame(check);
        };
        check();
      });
    },
    { name: sessionName, text: marker },
  );
}

function transcriptNodes(page: Page): Promise<number> {
  return page.evaluate(() => document.querySelector('[role="log"]')?.querySelectorAll('*').length ?? 0);
}

/**
 * p95 of keydown → the frame that paints the edit (its animation-frame callbacks, after which it
 * paints), and → just after that paint, for `count` keystrokes typed into the composer.
 */
async function keystrokeP95(page: Page, count: number): Promise<{ toFrame: number; afterPaint: number }> {
  await page.getByRole('textbox', { name: 'Message' }).click();
  await page.evaluate(() => {
    const w = window as unknown as { keyLatencies: number[]; frameLatencies: number[] };
    w.keyLatencies = [];
    w.frameLatencies = [];
    document.addEventListener(
      'keydown',
      (event) => {
        const at = event.timeStamp;
        // The next frame's callbacks run, it paints, then the message posted from it is handled:
        // the edit is on screen by then.
        requestAnimationFrame(() => {
          w.frameLatencies.push(performance.now() - at);
          const channel = new MessageChannel();
          channel.port1.onmessage = () => w.keyLatencies.push(performance.now() - at);
          channel.port2.postMessage(null);
        });
      },
      { capture: true },
    );
  });
  for (let index = 0; index < count; index += 1) {
    await page.keyboard.type(String.fromCharCode(97 + (index % 26)));
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await page.waitForFunction((expected) => (window as unknown as { keyLatencies: number[] }).keyLatencies.length >= expected, count);
  const latencies = await page.evaluate(() => {
    const w = window as unknown as { keyLatencies: number[]; frameLatencies: number[] };
    return { keyLatencies: w.keyLatencies, frameLatencies: w.frameLatencies };
  });
  await page.getByRole('textbox', { name: 'Message' }).press('Control+a');
  await page.keyboard.press('Backspace');
  return { toFrame: percentile(latencies.frameLatencies, 0.95), afterPaint: percentile(latencies.keyLatencies, 0.95) };
}

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * fraction) - 1))] ?? 0;
}

/** Publishes a delta every `intervalMs` to the chat's last message until stopped. */
function stream(rig: UiRig, chat: PreparedChat, intervalMs: number, text: () => string): () => void {
  const timer = setInterval(() => {
    const delta = text();
    rig.core.events.publish([{ type: 'chat.part.delta', chatId: chat.chatId, messageId: chat.lastMessageId, partId: chat.lastPartId, offset: chat.lastLength, delta }]);
    chat.lastLength += delta.length;
  }, intervalMs);
  return () => clearInterval(timer);
}

async function heapUsed(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  await cdp.detach();
  return usedSize;
}

/** Scrolls the transcript to its very top (reading every older page), then back to the end. */
async function scrollThrough(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const log = document.querySelector('[role="log"]') as HTMLElement;
    const settle = () => new Promise((resolve) => setTimeout(resolve, 30));
    // Up until the first message is in the window.
    for (let step = 0; step < 5000 && !log.textContent?.includes('Question 1:'); step += 1) {
      log.scrollTop = 0;
      log.dispatchEvent(new Event('scroll'));
      await settle();
    }
    // Down until the last page is back.
    for (let step = 0; step < 5000; step += 1) {
      log.scrollTop = log.scrollHeight;
      log.dispatchEvent(new Event('scroll'));
      await settle();
      if (log.textContent?.includes('Marker M50000.')) break;
    }
  });
}

export const benchmarks: Benchmark[] = [
  {
    name: 'ui: a chat of 50k messages — open, type while streaming, stream to paint, memory',
    async run() {
      const rig = await startUiRig({ replayCapacity: 50_000 });
      try {
        const { command, args, env } = scriptedAgentCommand({ default: { steps: [{ type: 'echo' }] } });
        unwrap(await rig.core.api.call('agents.add', { agent: { id: 'scripted', name: 'Scripted', command, args, env } }));
        const big = await prepare(rig, 'Big', HISTORY);
        await prepare(rig, 'Small', SMALL);
        await prepare(rig, 'Empty', 1);
        const page = await rig.openApp();

        const bigOpen: number[] = [];
        const emptyOpen: number[] = [];
        for (let round = 0; round < 5; round += 1) {
          emptyOpen.push(await openTime(page, 'Empty', 'Question 1:'));
          bigOpen.push(await openTime(page, 'Big', `Marker M${HISTORY}.`));
        }
        const bigNodes = await transcriptNodes(page);
        await openTime(page, 'Small', `Marker M${SMALL}.`);
        const smallNodes = await transcriptNodes(page);
        await openTime(page, 'Big', `Marker M${HISTORY}.`);

        const quiet = await keystrokeP95(page, 80);
        const stopStream = stream(rig, big, 5, () => 'streamed word ');
        const busy = await keystrokeP95(page, 80);
        stopStream();

        // Stream to paint: each delta carries the wall-clock time it was published at.
        await page.evaluate(() => {
          const w = window as unknown as { paintDelays: number[]; seen: Set<string> };
          w.paintDelays = [];
          w.seen = new Set();
          const log = document.querySelector('[role="log"]') as HTMLElement;
          new MutationObserver(() => {
            const found = log.textContent?.match(/⟨\d+⟩/g) ?? [];
            const fresh = found.filter((marker) => !w.seen.has(marker));
            if (fresh.length === 0) return;
            requestAnimationFrame(() => {
              const now = performance.timeOrigin + performance.now();
              for (const marker of fresh) {
                if (w.seen.has(marker)) continue;
                w.seen.add(marker);
                w.paintDelays.push(now - Number(marker.slice(1, -1)));
              }
            });
          }).observe(log, { subtree: true, childList: true, characterData: true });
        });
        const stopMarked = stream(rig, big, 5, () => `⟨${Date.now()}⟩ `);
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        stopMarked();
        await new Promise((resolve) => setTimeout(resolve, 300));
        const paintDelays = await page.evaluate(() => (window as unknown as { paintDelays: number[] }).paintDelays);

        const before = await heapUsed(page);
        await scrollThrough(page);
        const after = await heapUsed(page);

        return [
          row('ui.chat.open_50k.first_paint', median(bigOpen), 'ms', median(emptyOpen), '< 200 ms'),
          row('ui.chat.open_50k.dom_nodes_vs_500', bigNodes, 'nodes', smallNodes, '<= 1.2'),
          row('ui.chat.keystroke_while_streaming.to_frame_p95', busy.toFrame, 'ms', quiet.toFrame, '<= 1.5'),
          row('ui.chat.keystroke_while_streaming.after_paint_p95', busy.afterPaint, 'ms', quiet.afterPaint, '<= 1.5'),
          row('ui.chat.stream_to_paint.p95', percentile(paintDelays, 0.95), 'ms', null, '< 50 ms'),
          row('ui.chat.memory_after_scroll_50k', after / (1024 * 1024), 'MB', before / (1024 * 1024), '<= 1.3'),
        ];
      } finally {
        await rig.close();
      }
    },
  },
];
