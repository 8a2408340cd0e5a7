// The agent's stdio as web streams: every byte through in order, a full pipe makes the writer
// wait, a reader that falls behind pauses the pipe, and an end or an error reaches the other side;
// the connection's messages reach the pipe as one line of JSON each, in the order sent.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { messageWriter, pipeReader, pipeWriter } from '../../../src/main/agents/acp/stdio.ts';

/** A pipe that takes each chunk only when the test calls the next of `pending`. */
function slowPipe(highWaterMark: number): { pipe: Writable; taken: string[]; pending: (() => void)[] } {
  const taken: string[] = [];
  const pending: (() => void)[] = [];
  const pipe = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      taken.push(String(chunk));
      pending.push(() => callback());
    },
  });
  return { pipe, taken, pending };
}

describe('agent stdio streams', () => {
  test('8 MB written to cat and read back arrive whole and in order', async () => {
    const cat = spawn('cat', [], { stdio: ['pipe', 'pipe', 'ignore'] });
    const writer = pipeWriter(cat.stdin).getWriter();
    const reader = pipeReader(cat.stdout).getReader();
    const sent = createHash('sha256');
    const received = createHash('sha256');
    let receivedBytes = 0;
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        received.update(value);
        receivedBytes += value.byteLength;
      }
    })();
    for (let index = 0; index < 128; index += 1) {
      const chunk = randomBytes(64 * 1024);
      sent.update(chunk);
      await writer.write(chunk);
    }
    await writer.close();
    await reading;
    expect(receivedBytes).toBe(8 * 1024 * 1024);
    expect(received.digest('hex')).toBe(sent.digest('hex'));
  });

  test('a write to a full pipe waits until it drains, and a write to a closed pipe fails', async () => {
    const { pipe, taken, pending } = slowPipe(4);
    const writer = pipeWriter(pipe).getWriter();
    let isFirstDone = false;
    const first = writer.write(Buffer.from('hello')).then(() => (isFirstDone = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(taken).toEqual(['hello']);
    expect(isFirstDone).toBe(false);
    pending.shift()?.();
    await first;
    expect(isFirstDone).toBe(true);
    pipe.destroy();
    await expect(writer.write(Buffer.from('late'))).rejects.toThrow(/closed/);
  });

  test('messages reach the pipe as one line of JSON each, in order, within the write call; a full pipe makes the next wait', async () => {
    const { pipe, taken, pending } = slowPipe(64);
    const writer = messageWriter(pipe).getWriter();
    await writer.ready; // started, as a connection's stream long is when a turn sends
    const prompt = { jsonrpc: '2.0' as const, id: 1, method: 'session/prompt', params: { sessionId: 's', prompt: [{ type: 'text', text: 'line one\nline two ✓' }] } };
    const written = writer.write(prompt);
    // Handed to the pipe before the write's promise settles: no hop through a byte stream first.
    expect(taken).toEqual([`${JSON.stringify(prompt)}\n`]);
    expect(JSON.parse(taken[0] ?? '')).toEqual(prompt);
    let isSecondTaken = false;
    const second = writer.write({ jsonrpc: '2.0', method: 'session/cancel', params: { sessionId: 's' } }).then(() => (isSecondTaken = true));
    await new Promise((resolve) => setImmediate(resolve));
    // The first line filled the pipe past its mark: the second waits for it to drain.
    expect(taken).toHaveLength(1);
    expect(isSecondTaken).toBe(false);
    pending.shift()?.();
    await written;
    await new Promise((resolve) => setImmediate(resolve));
    expect(taken[1]).toBe('{"jsonrpc":"2.0","method":"session/cancel","params":{"sessionId":"s"}}\n');
    pending.shift()?.();
    await second;
    pipe.destroy();
    await expect(writer.write({ jsonrpc: '2.0', method: 'session/cancel', params: { sessionId: 's' } })).rejects.toThrow(/closed/);
  });

  test('a reader that falls behind pauses the pipe until it reads again; the end and errors reach it', async () => {
    const pipe = new PassThrough();
    const reader = pipeReader(pipe).getReader();
    for (let index = 0; index < 20; index += 1) pipe.write(`chunk ${index};`);
    await new Promise((resolve) => setImmediate(resolve));
    expect(pipe.isPaused()).toBe(true);
    let text = '';
    const decoder = new TextDecoder();
    for (;;) {
      const { value } = await reader.read();
      text += decoder.decode(value);
      if (text.endsWith('chunk 19;')) break;
    }
    expect(text).toBe(Array.from({ length: 20 }, (_, index) => `chunk ${index};`).join(''));
    pipe.end('last');
    expect(decoder.decode((await reader.read()).value)).toBe('last');
    expect((await reader.read()).done).toBe(true);

    const failing = new PassThrough();
    const failingReader = pipeReader(failing).getReader();
    failing.destroy(new Error('the agent went away'));
    await expect(failingReader.read()).rejects.toThrow('the agent went away');
  });
});
