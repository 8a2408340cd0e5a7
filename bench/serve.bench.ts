// `serve` with a client that stops reading: its memory while the core publishes 100k events,
// against the same run with no client at all. The outbound budget per client and the replay
// buffer's byte cap are what keep the two close.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import WebSocket from 'ws';
import { median, row, type Benchmark } from './harness.ts';

const ROUNDS = 3;

async function peakRss(withStuckClient: boolean): Promise<number> {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', join(import.meta.dirname, 'fixtures/serve-child.ts')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  const lineMatching = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output);
        if (match) {
          child.stdout.off('data', onData);
          resolve(match);
        }
      };
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        check();
      };
      child.stdout.on('data', onData);
      child.once('exit', (code) => reject(new Error(`serve child exited with ${code}: ${output}`)));
      check();
    });
  const [, port, token] = await lineMatching(/READY (\d+) (\S+)/);
  let socket: WebSocket | undefined;
  if (withStuckClient) {
    socket = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`);
    await new Promise((resolve) => socket?.once('open', resolve));
    await new Promise<void>((resolve) => {
      socket?.once('message', () => resolve());
      socket?.send(JSON.stringify({ id: 1, method: 'events.subscribe', args: { afterSeq: 0 } }));
    });
    socket.pause(); // it never reads again
  }
  child.stdin.write('publish\n');
  const [, peak] = await lineMatching(/PEAK_RSS (\d+)/);
  socket?.terminate();
  await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  return Number(peak) / (1024 * 1024);
}

export const benchmarks: Benchmark[] = [
  {
    name: 'serve: memory with a stuck client',
    async run() {
      const stuck: number[] = [];
      const none: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        none.push(await peakRss(false));
        stuck.push(await peakRss(true));
      }
      return [row('serve.slow_client.peak_rss', median(stuck), 'MB', median(none), '<= 1.2')];
    },
  },
];
