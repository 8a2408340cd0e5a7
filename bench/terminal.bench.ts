/// <reference lib="dom" />
// BooTerm in headless Chromium against an in-process core, each figure beside a baseline taken
// in the same run: throughput of `seq 1 2000000` from the pty until its last line is painted in
// the page (the tab steps aside from a flood and shows the core's screen, which parses every
// byte) vs node-pty read raw in Node; keystroke to echoed character painted vs a raw node-pty
// write→read round trip; core and page memory during a flood of `yes` vs idle. Needs the built
// renderer (`npm run build`). BOO_BENCH_FLOOD_SECONDS sets the flood's length (30 s by default,
// a minute is the figure: the machine is shared).
import { spawn as spawnPty } from 'node-pty';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Browser, CDPSession, Page } from 'playwright-core';
import WebSocket from 'ws';
import { median, pairedRow, row, type Benchmark, type BenchRow } from './harness.ts';
import { startUiRig, unwrap, type UiRig } from './uiHarness.ts';

const SEQ_LAST = 2_000_000;
/** Interleaved rounds of raw and ours: the raw rate alone varies by half from run to run here. */
const ROUNDS = 7;
const KEYSTROKES = 100;
/** Between one keystroke and the next: 10 keys a second, a fast typist (about 120 words a minute). */
const KEY_PACE_MS = 100;
const floodSeconds = Number(process.env.BOO_BENCH_FLOOD_SECONDS ?? 30);

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

interface TerminalPage {
  readonly page: Page;
  readonly terminalId: string;
  readonly label: string;
}

/** A project, a session and a terminal opened from the pane's menu, as a user would. */
async function openTerminal(rig: UiRig, name: string): Promise<TerminalPage> {
  const folder = join(rig.root, `project-${name}`);
  mkdirSync(folder, { recursive: true });
  const project = unwrap(await rig.core.api.call('projects.open', { path: folder }));
  const session = unwrap(await rig.core.api.call('sessions.create', { projectId: project.id, name }));
  const page = await rig.openApp();
  await page.getByRole('button', { name, exact: true }).click();
  await page.getByRole('button', { name: 'New tab in pane 1' }).click();
  await page.getByRole('menuitem', { name: 'New terminal' }).click();
  const label = 'Terminal in tab 1';
  await page.getByRole('region', { name: label }).waitFor();
  const terminal = rig.core.terminals.list(session.id)[0];
  if (!terminal) throw new Error('no terminal was created');
  // The shell's first prompt, then the view fitted to its box.
  await page.waitForFunction((text) => (document.querySelector(`[aria-label="${text}"]`)?.textContent ?? '').includes('#') || (document.querySelector(`[aria-label="${text}"]`)?.textContent ?? '').includes('$'), label);
  await new Promise((resolve) => setTimeout(resolve, 500));
  return { page, terminalId: terminal.id, label };
}

async function type(rig: UiRig, terminalId: string, data: string): Promise<void> {
  unwrap(await rig.core.api.call('terminals.input', { terminalId, data }));
}

// ---------------------------------------------------------------------------------------------
// Throughput

/** Raw: node-pty reading `seq` in Node, nothing else. Bytes and milliseconds. */
function rawSeq(): Promise<{ units: number; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    let units = 0;
    const pty = spawnPty('/usr/bin/seq', ['1', String(SEQ_LAST)], { cols: 160, rows: 40, env: process.env as Record<string, string> });
    pty.onData((data) => (units += data.length));
    pty.onExit(() => resolve({ units, ms: performance.now() - started }));
  });
}

/**
 * Ours: `seq` typed into the tab's shell, until its last line is in the page: the moment xterm's
 * renderer puts it in the DOM (in a frame's rendering step, painted at the end of that frame),
 * seen by a mutation observer in the page, as the echo latency is, rather than by polling the
 * page every frame, which would cost the page a read of the whole terminal per frame during
 * the flood (a tenth of a core here) and see the line up to a frame and a round trip late.
 */
async function pageSeq(rig: UiRig, terminal: TerminalPage): Promise<number> {
  await type(rig, terminal.terminalId, 'clear\r');
  await new Promise((resolve) => setTimeout(resolve, 300));
  // Rows are adjacent in the DOM: the last two lines read as one string.
  await terminal.page.evaluate(
    ({ label, text }) => {
      const region = document.querySelector(`[aria-label="${label}"]`) as HTMLElement;
      const probe = window as unknown as { lastLineSeen?: Promise<number> };
      probe.lastLineSeen = new Promise((resolve, reject) => {
        setTimeout(() => reject(new Error(`the last line did not appear: ${text}`)), 120_000);
        const observer = new MutationObserver(() => {
          if (!(region.textContent ?? '').includes(text)) return;
          observer.disconnect();
          resolve(performance.timeOrigin + performance.now());
        });
        observer.observe(region, { subtree: true, childList: true, characterData: true });
      });
    },
    { label: terminal.label, text: `${SEQ_LAST - 1}${SEQ_LAST}` },
  );
  const started = performance.timeOrigin + performance.now();
  await type(rig, terminal.terminalId, `seq 1 ${SEQ_LAST}\r`);
  const seenAt = await terminal.page.evaluate(() => (window as unknown as { lastLineSeen: Promise<number> }).lastLineSeen);
  return seenAt - started;
}

/**
 * The ceiling of a page that parses every byte: the same xterm build in a bare page of the same
 * browser, parsing (and painting) the same output handed to it all at once, with nothing in
 * between.
 */
async function pageOnlySeq(browser: Browser): Promise<{ units: number; ms: number }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    const xterm = join(import.meta.dirname, '../node_modules/@xterm/xterm');
    await page.setContent(`<!doctype html><style>${readFileSync(join(xterm, 'css/xterm.css'), 'utf8')}</style><div id="terminal" style="width: 1300px; height: 850px"></div>`);
    await page.addScriptTag({ content: readFileSync(join(xterm, 'lib/xterm.js'), 'utf8') });
    return await page.evaluate(async (last) => {
      const lines: string[] = [];
      for (let index = 1; index <= last; index += 1) lines.push(String(index));
      const data = `${lines.join('\r\n')}\r\n`;
      const { Terminal } = window as unknown as { Terminal: new (options: object) => { open(element: HTMLElement): void; write(data: string, done?: () => void): void } };
      const terminal = new Terminal({ cols: 160, rows: 45, scrollback: 1000 });
      terminal.open(document.getElementById('terminal') as HTMLElement);
      const started = performance.now();
      // In pieces the size of the core's batches, as they would arrive.
      await new Promise<void>((resolve) => {
        for (let index = 0; index < data.length; index += 128 * 1024) terminal.write(data.slice(index, index + 128 * 1024));
        terminal.write('', resolve);
      });
      return { units: data.length, ms: performance.now() - started };
    }, SEQ_LAST);
  } finally {
    await page.close();
  }
}

async function throughput(): Promise<BenchRow[]> {
  const rig = await startUiRig();
  try {
    const terminal = await openTerminal(rig, 'Throughput');
    const raw: number[] = [];
    const ours: number[] = [];
    let units = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const measured = await rawSeq();
      units = measured.units;
      raw.push(measured.ms);
      ours.push(await pageSeq(rig, terminal));
    }
    const pageOnly: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) pageOnly.push((await pageOnlySeq(rig.browser)).ms);
    const rawRate = units / 1e6 / (median(raw) / 1000);
    const rates = (samples: readonly number[]) => samples.map((ms) => units / 1e6 / (ms / 1000));
    return [
      // Each round's own ratio, raw and ours a moment apart: the raw rate alone varies twofold between runs here.
      pairedRow('term.throughput', rates(ours), rates(raw), 'MB/s', '>= 0.85'),
      // Diagnostic: xterm alone in the page, no pty, core or socket: what following every byte can reach.
      row('term.throughput.xterm_only', units / 1e6 / (median(pageOnly) / 1000), 'MB/s', rawRate),
    ];
  } finally {
    await rig.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Echo latency

/** Resolves `KEY_PACE_MS` after it last resolved: every keystroke of every path at the same pace. */
function keyPace(paceMs = KEY_PACE_MS): () => Promise<void> {
  let lastAt = 0;
  return async () => {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastAt + paceMs - performance.now())));
    lastAt = performance.now();
  };
}

/** Raw: a keystroke written to bash's pty until its echo is read back, in Node. */
async function rawEcho(): Promise<number[]> {
  const pty = spawnPty('/bin/bash', ['--norc', '--noprofile'], { cols: 120, rows: 30, env: { ...process.env, PS1: 'raw$ ' } as Record<string, string> });
  let output = '';
  let onEcho: (() => void) | undefined;
  pty.onData((data) => {
    output += data;
    if (data.includes('x')) onEcho?.();
  });
  await until(() => output.includes('raw$ '));
  const samples: number[] = [];
  const pace = keyPace();
  for (let index = 0; index < KEYSTROKES; index += 1) {
    const echoed = new Promise<void>((resolve) => (onEcho = resolve));
    await pace();
    const started = performance.now();
    pty.write('x');
    await echoed;
    samples.push(performance.now() - started);
  }
  // A shell left running would keep the benchmark's process alive after the last row.
  const exited = new Promise<void>((resolve) => pty.onExit(() => resolve()));
  pty.kill();
  if (!(await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2_000))]))) {
    pty.kill('SIGKILL');
    await exited;
  }
  return samples;
}

/**
 * Ours: a key pressed in the page until the echoed character is on the screen: from keydown to
 * the moment xterm's renderer puts it in the DOM, which happens in a frame's rendering step,
 * painted at the end of that same frame.
 *
 * Keys go down `KEY_PACE_MS` apart, a fast typist's pace, through the browser's input pipeline
 * (CDP's Input.dispatchKeyEvent, what Playwright's keyboard uses), and each is held until its
 * echo is drawn, as a finger holds a key for tens of milliseconds. Pressed back to back as fast
 * as the previous echo appears instead, each keystroke would land in the previous one's wake
 * (its acknowledgement, the core's screen, the frame being painted, the driver's own round
 * trips): a load no typist makes, which on a two-core machine raises the 95th percentile by 2–10 ms.
 * That figure is reported too, as a diagnostic (`paceMs` 0).
 */
async function pageEcho(terminal: TerminalPage, paceMs = KEY_PACE_MS): Promise<number[]> {
  const { page, label } = terminal;
  await page.getByRole('region', { name: label }).click();
  await page.keyboard.type('Q');
  await page.evaluate((text) => {
    const region = document.querySelector(`[aria-label="${text}"]`) as HTMLElement;
    (window as unknown as { echoProbe?: { stop(): void } }).echoProbe?.stop();
    const probe: EchoProbe = { expected: '', startedAt: 0, samples: [], isWaiting: false, drawn: Promise.resolve(), markDrawn: () => {}, stop: () => {} };
    (window as unknown as { echoProbe: EchoProbe }).echoProbe = probe;
    const onKeyDown = () => (probe.startedAt = performance.now());
    document.addEventListener('keydown', onKeyDown, true);
    const observer = new MutationObserver(() => {
      if (!probe.isWaiting || !(region.textContent ?? '').includes(probe.expected)) return;
      probe.isWaiting = false;
      probe.samples.push(performance.now() - probe.startedAt);
      probe.markDrawn();
    });
    observer.observe(region, { subtree: true, childList: true, characterData: true });
    probe.stop = () => {
      observer.disconnect();
      document.removeEventListener('keydown', onKeyDown, true);
    };
  }, label);
  const cdp = await page.context().newCDPSession(page);
  const key = { key: 'x', code: 'KeyX', windowsVirtualKeyCode: 88, nativeVirtualKeyCode: 88 };
  const pace = keyPace(paceMs);
  for (let index = 1; index <= KEYSTROKES; index += 1) {
    // The line is started over every few keys: one that reached the edge would wrap where the
    // prompt's length says (the host's name, the folder), and readline redraws it there.
    // Each line starts with its own letter, so that what is left of the last one never matches.
    const inLine = ((index - 1) % 20) + 1;
    const marker = 'QRSTUVWYZ'.charAt(Math.floor((index - 1) / 20));
    if (inLine === 1 && index > 1) {
      await page.keyboard.press('Control+u');
      await page.keyboard.type(marker);
    }
    await page.evaluate((expected) => {
      const probe = (window as unknown as { echoProbe: EchoProbe }).echoProbe;
      probe.expected = expected;
      probe.isWaiting = true;
      probe.drawn = new Promise((resolve) => (probe.markDrawn = resolve));
    }, `${marker}${'x'.repeat(inLine)}`);
    const drawn = page.evaluate(() => (window as unknown as { echoProbe: EchoProbe }).echoProbe.drawn);
    await pace();
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyDown', text: 'x', unmodifiedText: 'x', ...key });
    let giveUp: NodeJS.Timeout | undefined;
    await Promise.race([drawn, new Promise((_, reject) => (giveUp = setTimeout(() => reject(new Error(`keystroke ${index} was not echoed`)), 10_000)))]).finally(() => clearTimeout(giveUp));
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', ...key });
  }
  await cdp.detach();
  await page.keyboard.press('Control+u');
  return page.evaluate(() => (window as unknown as { echoProbe: EchoProbe }).echoProbe.samples);
}

interface EchoProbe {
  expected: string;
  startedAt: number;
  samples: number[];
  isWaiting: boolean;
  drawn: Promise<void>;
  markDrawn: () => void;
  stop: () => void;
}

/** Diagnostic: a client in Node on the WebSocket, through the core to bash and back: the core's share. */
async function socketEcho(rig: UiRig, terminalId: string): Promise<number[]> {
  const socket = new WebSocket(`ws://127.0.0.1:${rig.server.port}/ws?token=${rig.server.token}`);
  await new Promise((resolve) => socket.once('open', resolve));
  let onEcho: (() => void) | undefined;
  let nextId = 1;
  socket.on('message', (raw) => {
    const message = JSON.parse(raw.toString()) as { kind: string; event?: { terminalId: string; data: string } };
    if (message.kind === 'transient' && message.event?.terminalId === terminalId && message.event.data.includes('y')) onEcho?.();
  });
  const send = (method: string, args: unknown) => socket.send(JSON.stringify({ id: nextId++, method, args }));
  send('events.subscribe', { afterSeq: 0 });
  send('terminals.attach', { terminalId, viewerId: 'bench-socket' });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const samples: number[] = [];
  const pace = keyPace();
  for (let index = 0; index < KEYSTROKES; index += 1) {
    const echoed = new Promise<void>((resolve) => (onEcho = resolve));
    await pace();
    const started = performance.now();
    send('terminals.input', { terminalId, data: 'y' });
    await echoed;
    samples.push(performance.now() - started);
  }
  send('terminals.input', { terminalId, data: '\x15' });
  socket.close();
  return samples;
}

async function echoLatency(): Promise<BenchRow[]> {
  const rig = await startUiRig();
  try {
    const terminal = await openTerminal(rig, 'Echo');
    const raw = percentile(await rawEcho(), 0.95);
    const ours = percentile(await pageEcho(terminal), 0.95);
    const backToBack = percentile(await pageEcho(terminal, 0), 0.95);
    const throughCore = percentile(await socketEcho(rig, terminal.terminalId), 0.95);
    return [
      row('term.echo_latency.p95', ours, 'ms', raw),
      // The goal is absolute: under 20 ms at the 95th percentile.
      row('term.echo_latency.p95_of_20ms', ours, 'ms', 20, '<= 1'),
      // Diagnostic: each key pressed as soon as the last echo was drawn, faster than anyone types.
      row('term.echo_latency.back_to_back_p95', backToBack, 'ms', raw),
      // Diagnostic: the same round trip from a Node client on the socket, without the browser.
      row('term.echo_latency.core_p95', throughCore, 'ms', raw),
    ];
  } finally {
    await rig.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Memory during a flood

interface MemorySample {
  readonly coreRss: number;
  readonly coreHeap: number;
  readonly pageHeap: number;
}

/**
 * Memory held after a full garbage collection on both sides: what is kept, not what waits to be
 * freed. Under a flood the page makes garbage even between a collection and the reading that
 * follows it, so its figure is the least of a few such pairs. (A heap snapshot would be exact,
 * but its megabytes of JSON would land in this process, which is also the core's.)
 */
async function sampleMemory(cdp: CDPSession): Promise<MemorySample> {
  collectGarbage();
  const usage = process.memoryUsage();
  let pageHeap = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    pageHeap = Math.min(pageHeap, usedSize);
  }
  return { coreRss: usage.rss, coreHeap: usage.heapUsed + usage.external, pageHeap };
}

async function memoryFlood(): Promise<BenchRow[]> {
  const rig = await startUiRig();
  try {
    const terminal = await openTerminal(rig, 'Flood');
    const cdp = await terminal.page.context().newCDPSession(terminal.page);
    await cdp.send('HeapProfiler.enable');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const fresh = await idleSamples(cdp);
    // A full scrollback (on both sides) is a fixed cost of every terminal that has printed a
    // screenful; measured apart, so that the flood's rows show what the flood itself holds.
    await type(rig, terminal.terminalId, 'seq 1 5000\r');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const idle = await idleSamples(cdp);
    await type(rig, terminal.terminalId, 'yes\r');
    const flood: MemorySample[] = [];
    const endsAt = Date.now() + floodSeconds * 1000;
    while (Date.now() < endsAt) {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      flood.push(await sampleMemory(cdp));
    }
    await type(rig, terminal.terminalId, '\x03');
    const peak = (key: keyof MemorySample) => Math.max(...flood.map((sample) => sample[key]));
    const mb = 1024 * 1024;
    const base = (samples: MemorySample[], key: keyof MemorySample) => median(samples.map((sample) => sample[key])) / mb;
    return [
      row('term.memory_flood.core_rss', peak('coreRss') / mb, 'MB', base(idle, 'coreRss'), '<= 1.2'),
      row('term.memory_flood.core_heap', peak('coreHeap') / mb, 'MB', base(idle, 'coreHeap'), '<= 1.2'),
      row('term.memory_flood.page_heap', peak('pageHeap') / mb, 'MB', base(idle, 'pageHeap'), '<= 1.2'),
      // The same peaks against a terminal that never printed: the scrollback's own cost included.
      row('term.memory_flood.core_rss_vs_fresh', peak('coreRss') / mb, 'MB', base(fresh, 'coreRss')),
      row('term.memory_flood.page_heap_vs_fresh', peak('pageHeap') / mb, 'MB', base(fresh, 'pageHeap')),
    ];
  } finally {
    await rig.close();
  }
}

async function idleSamples(cdp: CDPSession): Promise<MemorySample[]> {
  const samples: MemorySample[] = [];
  for (let index = 0; index < 3; index += 1) {
    samples.push(await sampleMemory(cdp));
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return samples;
}

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? 0;
}

async function until(condition: () => boolean, pollMs = 5): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, pollMs));
}

export const benchmarks: Benchmark[] = [
  { name: 'term.throughput', run: throughput },
  { name: 'term.echo_latency', run: echoLatency },
  { name: 'term.memory_flood', run: memoryFlood },
];
