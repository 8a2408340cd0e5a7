// Terminal output over the WebSocket of `serve`: it goes only to the connections whose windows
// attached the terminal, and a flood to an attached window stays far inside its outbound budget.
import { describe, expect, test } from 'vitest';
import { terminalFlow } from '../../../src/main/terminals/index.ts';
import { wireLimits } from '../../../src/main/wire/index.ts';
import type { TransientEvent } from '../../../src/shared/contract.ts';
import { testCore } from '../../helpers/core.ts';
import { connectWire, testServer } from '../../helpers/serve.ts';
import { sessionIn, shellEnv, until } from './viewer.ts';


function outputOf(live: readonly { kind: string; event?: unknown }[]): TransientEvent[] {
  return live.filter((message) => message.kind === 'transient').map((message) => message.event as TransientEvent);
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
    const core = testCore({ env: shellEnv() });
    const { server } = await testServer(core);
    const { sessionId } = await sessionIn(core);
    const client = await connectWire(server);
    expect(await client.request('events.subscribe', { afterSeq: 0 })).toMatchObject({ ok: true });
    const created = await client.request('terminals.create', { sessionId, cols: 80, rows: 24 });
    if (!created.ok) throw new Error(created.error.message);
    const terminalId = (created.value as { id: string }).id;
    const attached = await client.request('terminals.attach', { terminalId, viewerId: 'view-1' });
    if (!attached.ok) throw new Error(attached.error.message);
    let received = (attached.value as { offset: number }).offset;
    let acknowledged = received;
    let wasDropped = false;
    client.socket.on('message', () => {
      for (const message of client.live.splice(0)) {
        if (message.kind === 'resync') wasDropped = true;
        if (message.kind === 'transient') received = Math.max(received, message.event.offset + message.event.data.length);
      }
    });
    // What the core has sent: everything past the window's acknowledgement is in a socket buffer or in flight.
    let produced = received;
    core.subscribe({ afterSeq: core.events.lastSeq() }, (message) => {
      if (message.kind === 'transient' && message.event.terminalId === terminalId) produced = message.event.offset + message.event.data.length;
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
    // Bounded by the high watermark (plus a batch and a read under way when the pty paused),
    // a few percent of the budget even as JSON.
    expect(largestInFlight).toBeLessThanOrEqual(terminalFlow.highWatermark + terminalFlow.maxBatchChars + 64 * 1024);
    expect(largestInFlight * 1.1).toBeLessThan(wireLimits.maxBufferedBytes / 8);
  });
});
