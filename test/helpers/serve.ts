// A core behind `serve` on a random loopback port, with a WebSocket client speaking the wire
// protocol, for tests of the browser transport.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import WebSocket from 'ws';
import type { Result, SubscriptionMessage } from '../../src/shared/contract.ts';
import type { WireServerMessage } from '../../src/shared/wire.ts';
import { startServer, type RunningServer } from '../../src/main/serve/index.ts';
import type { Core } from '../../src/main/core/index.ts';
import { testCore } from './core.ts';
import { tempDir } from './tempDir.ts';

export async function testServer(core: Core = testCore(), options: { maxBufferedBytes?: number } = {}): Promise<{ core: Core; server: RunningServer }> {
  const rendererDir = join(tempDir('boo-renderer-'), 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>BooCode</title>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log("boo")');
  const started = await startServer({ core, rendererDir, ...options });
  if (!started.ok) throw new Error(started.error.message);
  onTestFinished(() => started.value.close());
  return { core, server: started.value };
}

/** A minimal wire client: numbered requests, awaited responses, collected live messages. */
export interface WireClient {
  readonly socket: WebSocket;
  readonly live: SubscriptionMessage[];
  request(method: string, args?: unknown): Promise<Result<unknown>>;
  /** Sends raw text and resolves with the next response frame. */
  sendRaw(text: string | Buffer): Promise<WireServerMessage>;
  close(): void;
}

export async function connectWire(server: RunningServer, headers: Record<string, string> = {}): Promise<WireClient> {
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { headers });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const live: SubscriptionMessage[] = [];
  const waiting: ((message: WireServerMessage) => void)[] = [];
  const byId = new Map<number | string, (result: Result<unknown>) => void>();
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as WireServerMessage;
    if (message.kind !== 'response') {
      live.push(message);
      return;
    }
    const pending = message.id === null ? undefined : byId.get(message.id);
    if (pending && message.id !== null) {
      byId.delete(message.id);
      pending(message.result);
      return;
    }
    waiting.shift()?.(message);
  });
  let nextId = 1;
  const client: WireClient = {
    socket,
    live,
    request(method, args) {
      const id = nextId++;
      return new Promise((resolve) => {
        byId.set(id, resolve);
        socket.send(JSON.stringify({ id, method, args }));
      });
    },
    sendRaw(text) {
      return new Promise((resolve) => {
        waiting.push(resolve);
        socket.send(text);
      });
    },
    close: () => socket.close(),
  };
  onTestFinished(() => socket.terminate());
  return client;
}
