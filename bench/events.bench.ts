// Event delivery: 100k events published by the core reach a WebSocket subscriber, against the
// same number of same-sized messages over a bare `ws` server/client pair.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import type { AppEventDraft, Project, ProjectId } from '../src/shared/contract.ts';
import { createCore } from '../src/main/core/index.ts';
import { startServer } from '../src/main/serve/index.ts';
import { median, row, type Benchmark } from './harness.ts';

const EVENT_COUNT = 100_000;
const ROUNDS = 3;
/**
 * Events published per turn of the event loop, on both sides. The subscriber lives in this
 * process, so one synchronous burst of all 100k would keep it from reading until the server's
 * outbound budget per client (8 MB) ran out and the stream was dropped with a resync, as it is
 * for any client that falls that far behind.
 */
const BATCH = 1_000;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const project: Project = {
  id: 'bench-project' as ProjectId,
  name: 'bench',
  path: '/code/bench',
  isGit: true,
  branch: 'main',
  setup: { copyFiles: [], command: null },
  createdAt: new Date(0).toISOString(),
  lastOpenedAt: new Date(0).toISOString(),
};

async function throughCore(): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'boo-bench-'));
  const rendererDir = join(root, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '');
  const core = createCore({ dataDir: join(root, 'data'), replayCapacity: EVENT_COUNT });
  const server = await startServer({ core, rendererDir });
  if (!server.ok) throw new Error(server.error.message);
  const socket = new WebSocket(`ws://127.0.0.1:${server.value.port}/ws?token=${server.value.token}`);
  await new Promise((resolve) => socket.once('open', resolve));
  let received = 0;
  const done = new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { kind: string };
      if (message.kind === 'resync') reject(new Error(`the subscriber fell behind and was told to resync after ${received} events`));
      if (message.kind === 'event' && ++received === EVENT_COUNT) resolve();
    });
  });
  await new Promise<void>((resolve) => {
    socket.once('message', () => resolve());
    socket.send(JSON.stringify({ id: 1, method: 'events.subscribe', args: { afterSeq: 0 } }));
  });
  const draft: AppEventDraft = { type: 'workspace.project.opened', project };
  const started = performance.now();
  for (let i = 0; i < EVENT_COUNT; i += 1) {
    core.events.publish([draft]);
    if ((i + 1) % BATCH === 0) await nextTurn();
  }
  await done;
  const elapsed = performance.now() - started;
  socket.close();
  await server.value.close();
  await core.close();
  rmSync(root, { recursive: true, force: true });
  return elapsed;
}

async function bareWebSocket(): Promise<number> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  const address = wss.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const serverSide = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const socket = new WebSocket(`ws://127.0.0.1:${port}`);
  await new Promise((resolve) => socket.once('open', resolve));
  const peer = await serverSide;
  let received = 0;
  const done = new Promise<void>((resolve) => {
    socket.on('message', (data) => {
      JSON.parse(data.toString());
      if (++received === EVENT_COUNT) resolve();
    });
  });
  // The same bytes the core sends: a stamped event in its wire envelope.
  const started = performance.now();
  for (let i = 0; i < EVENT_COUNT; i += 1) {
    peer.send(JSON.stringify({ kind: 'event', event: { type: 'workspace.project.opened', project, seq: i + 1, at: new Date().toISOString() } }));
    if ((i + 1) % BATCH === 0) await nextTurn();
  }
  await done;
  const elapsed = performance.now() - started;
  socket.close();
  await new Promise((resolve) => wss.close(resolve));
  return elapsed;
}

export const benchmarks: Benchmark[] = [
  {
    name: 'events: 100k to a WebSocket subscriber',
    async run() {
      const core: number[] = [];
      const bare: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        bare.push(await bareWebSocket());
        core.push(await throughCore());
      }
      return [row('events.100k.websocket', median(core), 'ms', median(bare), '<= 1.5')];
    },
  },
];
