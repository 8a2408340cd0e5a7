// Terminal output over the WebSocket of `serve`: it goes only to the connections whose windows
// attached the terminal, and a flood to an attached window stays far inside its outbound budget.
import { describe, expect, test } from 'vitest';
import { terminalFlow } from '../../../src/main/terminals/index.ts';
import { ptyWorkerLimits } from '../../../src/main/terminals/ptyHost.ts';
import { wireLimits } from '../../../src/main/wire/index.ts';
import type { TerminalOutputEvent } from '../../../src/shared/terminals.ts';
import { testCore } from '../../helpers/core.ts';
import { connectWire, testServer } from '../../helpers/serve.ts';
import { sessionIn, shellEnv, until } from './viewer.ts';

type Live = readonly { kind: string; event?: unknown }[];

function outputOf(live: Live): TerminalOutputEvent[] {
  return live.filter((message) => message.kind === 'transient' && (message.event as { type: string }).type === 'terminal.output.appended').map((message) => message.event as TerminalOutputEvent);
}

function detachedOf(live: Live): { terminalId: string; viewerId: string }[] {
  return live.filter((message) => message.kind === 'transient' && (message.event as { type: string }).type === 'terminal.viewer.detached').map((message) => message.event as { terminalId: string; viewerId: string });
}

/** A core behind `serve`, one subscribed connection, and a terminal it created. */
async function wiredTerminal() {
  const core = testCore({ env: shellEnv() });
  const { server } = await testServer(core);
  const { sessionId } = await sessionIn(core);
  const client = await connectWire(server);
  expect(await client.request('events.subscribe', { afterSeq: 0 })).toMatchObject({ ok: true });
  const created = await client.request('terminals.create', { sessionId, cols: 80, rows: 24 });
  if (!created.ok) throw new Error(created.error.message);
  return { core, client, terminalId: (created.value as { id: string }).id };
}

describe('terminal output over the wire', () => {
  test('output goes only to the connections that attached the terminal, until they detach', async () => {
    const core = testCore({ env: shellEnv() });
    const { server } = await testServer(core);
    const { sessionId } = await sessionIn(core);
    const watching = await connectWire(server);
    const elsewhere = await connectWire(server);
    for (const client of [watching, elsewhere]) expect(await client.request('events.subscribe', { afterSeq: 0 })).toMatchObject({ ok: true });

    const created = await watching.request('terminals.create', { sessionId, cols: 80, rows: 24 });
    if (!created.ok) throw new Error(created.error.message);
    const terminalId = (created.value as { id: string }).id;
    expect(await watching.request('terminals.attach', { terminalId, viewerId: 'view-1' })).toMatchObject({ ok: true });
    expect(await watching.request('terminals.input', { terminalId, data: 'echo here-$((40 + 2))\r' })).toMatchObject({ ok: true });
    expect(await until(() => outputOf(watching.live).some((event) => event.data.includes('here-42')))).toBe(true);
    // The other window hears that the terminal exists, but none of its output.
    expect(elsewhere.live.some((message) => message.kind === 'event' && message.event.type === 'terminal.record.changed')).toBe(true);
    expect(outputOf(elsewhere.live)).toEqual([]);

    expect(await watching.request('terminals.detach', { terminalId, viewerId: 'view-1' })).toMatchObject({ ok: true });
    const before = outputOf(watching.live).length;
    expect(await watching.request('terminals.input', { terminalId, data: 'echo gone\r' })).toMatchObject({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(outputOf(watching.live)).toHaveLength(before);
  });

  test('a flooding terminal keeps a window that acknowledges slowly far inside its outbound budget', { timeout: 60_000 }, async () => {
    const { core, client, terminalId } = await wiredTerminal();
    const attached = await client.request('terminals.attach', { terminalId, viewerId: 'view-1' });
    if (!attached.ok) throw new Error(attached.error.message);
    let received = (attached.value as { offset: number }).offset;
    let acknowledged = received;
    let wasDropped = false;
    client.socket.on('message', () => {
      for (const message of client.live.splice(0)) {
        if (message.kind === 'resync') wasDropped = true;
        if (message.kind === 'transient' && message.event.type === 'terminal.output.appended') received = Math.max(received, message.event.offset + message.event.data.length);
      }
    });
    // What the core has sent: everything past the window's acknowledgement is in a socket buffer or in flight.
    let produced = received;
    core.subscribe({ afterSeq: core.events.lastSeq() }, (message) => {
      if (message.kind === 'transient' && message.event.type === 'terminal.output.appended' && message.event.terminalId === terminalId) produced = message.event.offset + message.event.data.length;
    });
    let largestInFlight = 0;
    // A window that acknowledges what it got every 100 ms (it parses slowly).
    const acker = setInterval(() => {
      acknowledged = received;
      void client.request('terminals.ack', { terminalId, viewerId: 'view-1', offset: received });
    }, 100);
    const sampler = setInterval(() => (largestInFlight = Math.max(largestInFlight, produced - acknowledged)), 5);
    await client.request('terminals.input', { terminalId, data: 'yes | head -c 20000000; echo FL""OOD-END\r' });
    const isDone = await until(() => received > 20_000_000, 50_000);
    clearInterval(acker);
    clearInterval(sampler);
    expect(isDone).toBe(true);
    expect(wasDropped).toBe(false);
    // Bounded by the high watermark (plus a batch, and what the pty worker had read and handed
    // over when the pty paused: its in-flight window and one piece),
    // a few percent of the budget even as JSON.
    expect(largestInFlight).toBeLessThanOrEqual(terminalFlow.highWatermark + terminalFlow.maxBatchChars + ptyWorkerLimits.maxInFlightChars + ptyWorkerLimits.maxPieceChars);
    expect(largestInFlight * 1.1).toBeLessThan(wireLimits.maxBufferedBytes / 8);
  });

  test('a view that asked to be detached rather than hold the shell back is detached when it falls that far behind: told at once, long before the shell would wait for it, while another view on its connection goes on', { timeout: 60_000 }, async () => {
    const { client, terminalId } = await wiredTerminal();
    // A second view on the same connection that never asked to be detached, and keeps up.
    expect(await client.request('terminals.attach', { terminalId, viewerId: 'keeps-up' })).toMatchObject({ ok: true });
    const detachBeyond = 256 * 1024;
    const slow = await client.request('terminals.attach', { terminalId, viewerId: 'slow', detachBeyond });
    if (!slow.ok) throw new Error(slow.error.message);
    const attachedAt = (slow.value as { offset: number }).offset;
    // Only 'keeps-up' acknowledges, everything it receives.
    let received = attachedAt;
    client.socket.on('message', () => {
      const last = client.live.at(-1);
      if (last?.kind === 'transient' && last.event.type === 'terminal.output.appended') received = last.event.offset + last.event.data.length;
    });
    const acker = setInterval(() => void client.request('terminals.ack', { terminalId, viewerId: 'keeps-up', offset: received }), 5);
    try {
      await client.request('terminals.input', { terminalId, data: 'seq 1 300000\r' });
      expect(await until(() => detachedOf(client.live).length > 0, 20_000)).toBe(true);
      expect(detachedOf(client.live)).toEqual([{ type: 'terminal.viewer.detached', terminalId, viewerId: 'slow' }]);
      // Told as soon as it was that far behind: long before the shell would have waited for it.
      const told = client.live.findIndex((message) => message.kind === 'transient' && message.event.type === 'terminal.viewer.detached');
      const before = outputOf(client.live.slice(0, told)).at(-1);
      const behind = before ? before.offset + before.data.length - attachedAt : 0;
      expect(behind).toBeGreaterThan(detachBeyond);
      expect(behind).toBeLessThanOrEqual(detachBeyond + terminalFlow.maxBatchChars);
      expect(behind).toBeLessThan(terminalFlow.highWatermark);
      // Detached: the core no longer counts it; the other view still gets the output.
      expect(await client.request('terminals.ack', { terminalId, viewerId: 'slow', offset: attachedAt })).toMatchObject({ ok: true, value: { acknowledged: false } });
      expect(await until(() => outputOf(client.live).some((event) => event.data.includes('300000')), 30_000)).toBe(true);
    } finally {
      clearInterval(acker);
    }
    // Once the only view left detaches, the connection gets no more output.
    expect(await client.request('terminals.detach', { terminalId, viewerId: 'keeps-up' })).toMatchObject({ ok: true, value: { detached: true } });
    const before = outputOf(client.live).length;
    await client.request('terminals.input', { terminalId, data: 'echo after\r' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(outputOf(client.live)).toHaveLength(before);
  });
});
