// The ptys' reader thread: shells start synchronously with their pid known, output arrives in
// order and whole, a busy core's thread never has more than the in-flight window queued for it
// (the shell waits beyond that), and pause holds the shell.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createPtyHost, ptyWorkerLimits, type Pty, type PtyExit, type PtyHost } from '../../../src/main/terminals/ptyHost.ts';
import { processStartIdentity } from '../../../src/main/agents/index.ts';
import { tempDir } from '../../helpers/tempDir.ts';
import { until } from './viewer.ts';

const hosts: PtyHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.dispose()));
});

function host(isThreaded = true): PtyHost {
  const created = createPtyHost({ log: () => {}, isThreaded });
  hosts.push(created);
  return created;
}

function run(ptyHost: PtyHost, script: string, cwd = tempDir('boo-pty-')): { pty: Pty; output: () => string; exited: Promise<PtyExit> } {
  const pty = ptyHost.spawn('/bin/bash', ['--norc', '--noprofile', '-c', script], { name: 'xterm-256color', cols: 100, rows: 30, cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  let output = '';
  pty.onData((data) => (output += data));
  const exited = new Promise<PtyExit>((resolve) => pty.onExit(resolve));
  return { pty, output: () => output, exited };
}

/** The count a script wrote to `progress` (0 before it wrote one). */
function progress(folder: string): number {
  try {
    return Number(readFileSync(join(folder, 'progress'), 'utf8').trim() || 0);
  } catch {
    return 0;
  }
}

function busyFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // The core's thread does nothing else.
  }
}

describe('pty host', () => {
  for (const isThreaded of [true, false]) {
    test(`${isThreaded ? 'on its worker thread' : "on the core's thread"}: a program starts with its pid known at once, its output arrives in order and whole, and its exit code follows`, async () => {
      const ptyHost = host(isThreaded);
      expect(ptyHost.isThreaded).toBe(isThreaded);
      // It waits for a line before it exits: node-pty drops what is still unread 200 ms after an exit.
      const { pty, output, exited } = run(ptyHost, 'seq 1 100000; echo E""ND; read line; exit 3');
      expect(processStartIdentity(pty.pid)).toBeDefined();
      expect(await until(() => output().includes('END'), 10_000)).toBe(true);
      pty.write('\r');
      expect(await exited).toMatchObject({ exitCode: 3 });
      const numbers = output().match(/^\d+\r$/gm)?.map((line) => Number(line.slice(0, -1))) ?? [];
      expect(numbers).toEqual(Array.from({ length: 100_000 }, (_, index) => index + 1));
    });
  }

  test("a busy core's thread has at most the in-flight window of output queued for it: the shell waits beyond that", async () => {
    const folder = tempDir('boo-pty-');
    // 1 KB lines, each followed by the count so far in a file the test reads, once told to go.
    const { pty, exited } = run(host(), "until [ -e go ]; do sleep 0.01; done; for i in $(seq 1 3000); do printf '%01023d\\n' 0; echo $i > progress; done", folder);
    expect(await until(() => processStartIdentity(pty.pid) !== undefined)).toBe(true);
    writeFileSync(join(folder, 'go'), '');
    // From the go on, the core's thread does nothing else, long enough for the loop to finish
    // many times over if nothing held it.
    busyFor(1_500);
    const linesWrittenWhileBusy = progress(folder);
    // Read while the core's thread was busy: far more than a pty holds (~4 KB)...
    expect(linesWrittenWhileBusy).toBeGreaterThan(64);
    // ...and no more than the window, a piece, and what the pty and the loop hold.
    expect(linesWrittenWhileBusy * 1025).toBeLessThanOrEqual(ptyWorkerLimits.maxInFlightChars + ptyWorkerLimits.maxPieceChars + 64 * 1024);
    expect(linesWrittenWhileBusy).toBeLessThan(3000);
    expect(await exited).toMatchObject({ exitCode: 0 });
    expect(pty.pid).toBeGreaterThan(0);
  });

  test('a paused pty holds its program until it is resumed; what was read before the pause arrives', async () => {
    const folder = tempDir('boo-pty-');
    const { pty, output, exited } = run(host(), "for i in $(seq 1 2000); do printf '%01023d\\n' $i; echo $i > progress; done; echo E''ND; read line", folder);
    pty.pause();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const whilePaused = progress(folder);
    // A paused pty is not read: the loop stops once the pty's buffer is full.
    expect(whilePaused).toBeLessThan(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(progress(folder)).toBe(whilePaused);
    pty.resume();
    expect(await until(() => output().includes('END'), 10_000)).toBe(true);
    pty.write('\r');
    expect(await exited).toMatchObject({ exitCode: 0 });
    expect(output().match(/^\d{1023}\r$/gm)?.length).toBe(2000);
  });

  test('a reader warmed up ahead starts programs as one started by the first program does', async () => {
    const ptyHost = host();
    // Not started by the host's creation: a core that never shows a terminal never loads node-pty.
    expect(ptyHost.isWarm()).toBe(false);
    ptyHost.warmUp();
    expect(ptyHost.isWarm()).toBe(true);
    ptyHost.warmUp();
    const { pty, output, exited } = run(ptyHost, 'echo warm-$((6 * 7)); read line');
    expect(await until(() => output().includes('warm-42'))).toBe(true);
    pty.write('\r');
    expect(await exited).toMatchObject({ exitCode: 0 });
  });

  test("the foreground program's name is known", async () => {
    const { pty, exited } = run(host(), 'sleep 0.6');
    expect(await until(() => pty.process === 'sleep')).toBe(true);
    await exited;
  });
});
