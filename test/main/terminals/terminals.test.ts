// The terminal service with real shells on real ptys: what is typed comes back, sizes reach the
// shell, a flood to a slow window stays bounded and arrives whole and once, Ctrl+C stops a flood,
// a late view sees the same screen, screens outlive the core, and no shell outlives its owner.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Core } from '../../../src/main/core/index.ts';
import { terminalFlow } from '../../../src/main/terminals/index.ts';
import { ptyWorkerLimits } from '../../../src/main/terminals/ptyHost.ts';
import { liveProcesses } from '../../../src/main/agents/processTree.ts';
import { reports } from '../../helpers/agents.ts';
import { assistantText, sendAndWait, setupChat } from '../../helpers/chats.ts';
import { testCore } from '../../helpers/core.ts';
import { tempDir } from '../../helpers/tempDir.ts';
import { attachViewer, newTerminal, screenText, sessionIn, shellEnv, until } from './viewer.ts';

async function type(core: Core, terminalId: string, data: string): Promise<void> {
  const written = await core.api.call('terminals.input', { terminalId, data });
  if (!written.ok) throw new Error(written.error.message);
}

function shellPid(core: Core, terminalId: string): number {
  return core.store.db.prepare('SELECT pid FROM terminals WHERE id = ?').pluck().get(terminalId) as number;
}

/** Live processes in a shell's session: the shell and every job it started. */
function sessionMembers(sessionId: number): number[] {
  return liveProcesses()
    .filter((stat) => stat.session === sessionId)
    .map((stat) => stat.pid);
}


describe('terminals', () => {
  test('what is typed into a shell comes back to the view', async () => {
    const core = testCore({ env: shellEnv() });
    const { sessionId } = await sessionIn(core);
    const terminalId = await newTerminal(core, sessionId);
    const viewer = await attachViewer(core, terminalId, { keepText: true });
    await type(core, terminalId, 'echo hello-$((6 * 7))\r');
    await viewer.waitFor('hello-42');
    expect(viewer.misordered).toEqual([]);
    viewer.close();
  });

  test('a shell starts in the session folder with a 256-colour, truecolor terminal', async () => {
    const core = testCore({ env: shellEnv() });
    const { sessionId, folder } = await sessionIn(core);
    const terminalId = await newTerminal(core, sessionId);
    const viewer = await attachViewer(core, terminalId, { keepText: true });
    await type(core, terminalId, 'echo "at:$PWD:$TERM:$COLORTERM:"\r');
    await viewer.waitFor(`at:${folder}:xterm-256color:truecolor:`);
    viewer.close();
  });

  test('a resize reaches the shell: stty size reports the new rows and columns', async () => {
    const core = testCore({ env: shellEnv() });
    const { sessionId } = await sessionIn(core);
    const terminalId = await newTerminal(core, sessionId, { cols: 80, rows: 24 });
    const viewer = await attachViewer(core, terminalId, { keepText: true });
    expect(await core.api.call('terminals.resize', { terminalId, cols: 132, rows: 41 })).toEqual({ ok: true, value: { resized: true } });
    await type(core, terminalId, 'stty size\r');
    await viewer.waitFor(/[^\d]41 132\r\n/);
    viewer.close();
  });

  test('50 MB of output to a slow view: the shell waits for it, memory stays bounded, and the view gets every unit once', { timeout: 180_000 }, async () => {
    const core = testCore({ env: shellEnv() });
    const { sessionId, folder } = await sessionIn(core);
    // Lines of text with multi-byte characters, so that chunks split inside UTF-8 sequences too.
    const line = `${'0123456789abcdefghijklmnopqrstuvwxyz'.repeat(2)} é ✓ 漢字 🙂\n`;
    const block = line.repeat(1000);
    const blocks = Math.ceil((50 * 1024 * 1024) / Buffer.byteLength(block));
    // What a pty makes of it (every newline becomes CR LF), hashed as the file is written.
    const expectedDigest = createHash('sha256');
    const file = openSync(join(folder, 'flood.txt'), 'w');
    for (let index = 0; index < blocks; index += 1) {
      writeSync(file, block);
      expectedDigest.update(block.replaceAll('\n', '\r\n'));
    }
    closeSync(file);
    const expected = { length: blocks * block.replaceAll('\n', '\r\n').length, digest: expectedDigest.digest('hex') };
    const terminalId = await newTerminal(core, sessionId);

    const hash = { started: false, tail: '', units: 0, digest: createHash('sha256') };
    const viewer = await attachViewer(core, terminalId, {
      // About 8 MB/s: slower than the pty, so the shell must wait for the view.
      ack: { unitsPerSecond: 8 * 1024 * 1024 },
      onData(data) {
        let rest = data;
        if (!hash.started) {
          hash.tail += rest;
          const start = hash.tail.indexOf('START\r\n');
          if (start === -1) return;
          hash.started = true;
          rest = hash.tail.slice(start + 'START\r\n'.length);
        }
        const taken = rest.slice(0, expected.length - hash.units);
        hash.digest.update(taken);
        hash.units += taken.length;
      },
    });
    const heapBefore = process.memoryUsage().heapUsed;
    let largestLag = 0;
    let largestHeapGrowth = 0;
    const sampler = setInterval(() => {
      largestLag = Math.max(largestLag, viewer.received() - viewer.acknowledged());
      largestHeapGrowth = Math.max(largestHeapGrowth, process.memoryUsage().heapUsed - heapBefore);
    }, 25);
    // The typed line echoes `ST''ART`, so only the command's own output matches START.
    await type(core, terminalId, "printf 'ST''ART\\n'; cat flood.txt; printf 'E''ND\\n'\r");
    await until(() => hash.units === expected.length, 150_000);
    clearInterval(sampler);

    expect(hash.units).toBe(expected.length);
    expect(hash.digest.digest('hex')).toBe(expected.digest);
    expect(viewer.misordered).toEqual([]);
    // What the view has not acknowledged never exceeds the high watermark by more than what was
    // already read when the pty paused: one batch, and what the pty worker had read and handed
    // over (its in-flight window and one piece).
    expect(largestLag).toBeLessThanOrEqual(terminalFlow.highWatermark + terminalFlow.maxBatchChars + ptyWorkerLimits.maxInFlightChars + ptyWorkerLimits.maxPieceChars);
    // 50 MB of text is 100 MB as JavaScript strings; a design that buffered it would show here.
    expect(largestHeapGrowth).toBeLessThan(64 * 1024 * 1024);
    viewer.close();
  });

  test('Ctrl+C during a flood stops it within a second', async () => {
    const core = testCore({ env: shellEnv() });
    const { sessionId } = await sessionIn(core);
    const terminalId = await newTerminal(core, sessionId);
    let tail = '';
    const viewer = await attachViewer(core, terminalId, { onData: (data) => (tail = (tail + data).slice(-4096)) });
    await type(core, terminalId, 'yes\r');
    await until(() => viewer.received() > 2 * 1024 * 1024, 10_000);
    const interruptedAt = Date.now();
    await type(core, terminalId, '\x03');
    await type(core, terminalId, "echo STOP''PED\r");
    expect(await until(() => tail.includes('STOPPED'), 1_000)).toBe(true);
    expect(Date.now() - interruptedAt).toBeLessThan(1_000);
    expect(liveProcesses().some((stat) => stat.command === 'yes' && stat.session === shellPid(core, terminalId))).toBe(false);
    viewer.close();
  });

  test("a shell's output is read while the core's thread is busy: the shell does not wait for it, and the view still gets every unit once", async () => {
    const core = testCore({ env: shellEnv() });
    const { sessionId, folder } = await sessionIn(core);
    const terminalId = await newTerminal(core, sessionId);
    const viewer = await attachViewer(core, terminalId, { keepText: true });
    await type(core, terminalId, 'echo rea""dy\r');
    await viewer.waitFor('ready');
    // ~200k units: fifty times what a pty holds, within what the reader may queue for the core.
    const lines = 30_000;
    const flag = join(folder, 'seq.done');
    await type(core, terminalId, `seq 1 ${lines}; touch seq.done\r`);
    // The core's thread does nothing else until the shell has written it all (or 10 s pass).
    const deadline = Date.now() + 10_000;
    let isDone = false;
    while (!isDone && Date.now() < deadline) isDone = existsSync(flag);
    expect(isDone).toBe(true);
    expect(ptyWorkerLimits.maxInFlightChars).toBeGreaterThan(lines * 7.7);
    await viewer.waitFor(`\r\n${lines - 1}\r\n${lines}\r\n`, 10_000);
    const numbers = viewer.text().match(/^\d+\r$/gm)?.map((line) => Number(line.slice(0, -1))) ?? [];
    expect(numbers).toEqual(Array.from({ length: lines }, (_, index) => index + 1));
    expect(viewer.misordered).toEqual([]);
    viewer.close();
  });

  test('a look that waits for the output to pause answers at the first pause, and during a flood only after its longest wait', async () => {
    const core = testCore({ env: shellEnv() });
    const { sessionId } = await sessionIn(core);
    const terminalId = await newTerminal(core, sessionId);
    const look = async (wait?: { quietMs: number; atMostMs: number }) => {
      const started = performance.now();
      const answer = await core.api.call('terminals.screen', { terminalId, ...wait });
      if (!answer.ok) throw new Error(answer.error.message);
      return { screen: answer.value.screen, ms: performance.now() - started };
    };
    const shows = async (text: string) => {
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 20))) {
        if ((await look()).screen.includes(text)) return true;
      }
      return false;
    };
    await type(core, terminalId, "echo fir''st; sleep 5; echo sec''ond\r");
    expect(await shows('first')).toBe(true);
    // The output pauses after "first": the answer comes then, long before "second" or the longest wait.
    const paused = await look({ quietMs: 300, atMostMs: 5000 });
    expect(paused.ms).toBeLessThan(4000);
    expect(paused.screen).toContain('first');
    expect(paused.screen).not.toContain('second');
    await type(core, terminalId, '\x03');

    await type(core, terminalId, 'yes flood\r');
    expect(await shows('flood\r\nflood')).toBe(true);
    // Output never pauses for a second during the flood: the answer waits its longest.
    const flooding = await look({ quietMs: 1000, atMostMs: 400 });
    expect(flooding.ms).toBeGreaterThanOrEqual(390);
    expect(flooding.screen).toContain('flood');
    await type(core, terminalId, '\x03');
  });

  test('a view that attaches late gets the same screen and scrollback as one that watched from the start', async () => {
    const core = testCore({ env: shellEnv() });
    const { sessionId } = await sessionIn(core);
    const terminalId = await newTerminal(core, sessionId, { cols: 90, rows: 25 });
    const early = await attachViewer(core, terminalId, { keepText: true, withScreen: true });
    // Colours, more lines than the scrollback keeps, a title, cursor moves and a line redrawn in place.
    await type(core, terminalId, "printf '\\e]0;my title\\a\\e[1;31mred\\e[0m plain\\n'; seq 1 3000; printf 'abc\\rX\\e[5CY\\n'; echo DO''NE\r");
    await early.waitFor('DONE');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const late = await attachViewer(core, terminalId, { withScreen: true });
    await Promise.all([early.parsed(), late.parsed()]);
    const seenFromStart = early.screen ? screenText(early.screen) : undefined;
    const attachedLate = late.screen ? screenText(late.screen) : undefined;
    expect(attachedLate?.lines.length).toBeGreaterThan(1000);
    expect(attachedLate).toEqual(seenFromStart);
    expect(attachedLate?.lines.some((text) => /^Xbc +Y$/.test(text))).toBe(true);
    // The title the program set (OSC 0) is the terminal's title.
    expect(await until(() => core.terminals.list(sessionId)[0]?.title === 'my title')).toBe(true);
    early.close();
    late.close();
  });

  test('after a restart of the core, a terminal shows its old screen read-only, and a restart runs a new shell in the same folder below it', async () => {
    const dataDir = tempDir('boo-data-');
    const env = shellEnv();
    const first = testCore({ dataDir, env });
    const { sessionId, folder } = await sessionIn(first);
    const terminalId = await newTerminal(first, sessionId);
    const viewer = await attachViewer(first, terminalId, { keepText: true });
    await type(first, terminalId, 'for i in $(seq 1 40); do echo "line-$i"; done\r');
    await viewer.waitFor('line-40\r\n');
    viewer.close();
    await first.close();

    const second = testCore({ dataDir, env });
    const [restored] = second.terminals.list(sessionId);
    expect(restored).toMatchObject({ id: terminalId, state: 'restored' });
    const old = await attachViewer(second, terminalId, { withScreen: true, keepText: true });
    await old.parsed();
    const lines = old.screen ? screenText(old.screen).lines : [];
    expect(lines).toContain('line-1');
    expect(lines).toContain('line-40');
    expect(await second.api.call('terminals.input', { terminalId, data: 'ls\r' })).toMatchObject({ ok: false, error: { kind: 'invalid-state' } });

    const restarted = await second.api.call('terminals.restart', { terminalId, cols: 100, rows: 30 });
    expect(restarted).toMatchObject({ ok: true, value: { state: 'running' } });
    await type(second, terminalId, 'echo "again:$PWD"\r');
    await old.waitFor(`again:${folder}`);
    await old.parsed();
    const after = old.screen ? screenText(old.screen).lines : [];
    // The old lines stay above the new shell's.
    expect(after.indexOf('line-40')).toBeLessThan(after.findIndex((text) => text.includes('again:')));
    old.close();
  });

  test('a shell a killed core left behind is reaped, with every job in its session, by the next core', async () => {
    const dataDir = tempDir('boo-data-');
    const folder = tempDir('boo-project-');
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', 'test/fixtures/core-shell-child.ts', dataDir, folder], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: shellEnv(),
    });
    const pids = await new Promise<{ shell: number; job: number }>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /SHELL_PID (\d+) JOB_PID (\d+)/.exec(output);
        if (match) resolve({ shell: Number(match[1]), job: Number(match[2]) });
      });
      child.once('exit', (code) => reject(new Error(`core child exited early with ${code}`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    // The job ignores the hang-up that the pty's end sends, so it outlives the core and its shell.
    expect(await until(() => sessionMembers(pids.shell).length === 1)).toBe(true);
    expect(sessionMembers(pids.shell)).toEqual([pids.job]);

    const next = testCore({ dataDir, env: shellEnv() });
    expect(next.terminals.reapedAtStart).toEqual([pids.shell]);
    expect(await until(() => sessionMembers(pids.shell).length === 0)).toBe(true);
    expect(next.terminals.all()).toMatchObject([{ state: 'restored' }]);
  });

  test('archiving a session ends its shells and every job in them', async () => {
    const core = testCore({ env: shellEnv() });
    const { sessionId } = await sessionIn(core);
    const terminalId = await newTerminal(core, sessionId);
    const viewer = await attachViewer(core, terminalId, { keepText: true });
    await type(core, terminalId, 'sleep 1001 & sleep 1002\r');
    const shell = shellPid(core, terminalId);
    // Forked is not enough: until exec, the foreground job still calls itself bash.
    expect(await until(() => sessionMembers(shell).length === 3 && core.terminals.foregroundPrograms(sessionId).includes('sleep'))).toBe(true);

    const refused = await core.api.call('sessions.archive', { sessionId });
    expect(refused).toMatchObject({ ok: false, error: { kind: 'busy', message: expect.stringContaining('sleep') } });
    expect(sessionMembers(shell)).toHaveLength(3);

    expect(await core.api.call('sessions.archive', { sessionId, confirm: true })).toMatchObject({ ok: true });
    expect(sessionMembers(shell)).toEqual([]);
    expect(core.terminals.list(sessionId)).toMatchObject([{ state: 'exited' }]);
    viewer.close();
  });

  test('closing a terminal that runs a program asks first, then ends it and forgets the terminal', async () => {
    const core = testCore({ env: shellEnv() });
    const { sessionId } = await sessionIn(core);
    const terminalId = await newTerminal(core, sessionId);
    const viewer = await attachViewer(core, terminalId, { keepText: true });
    await type(core, terminalId, 'sleep 1003\r');
    const shell = shellPid(core, terminalId);
    expect(await until(() => sessionMembers(shell).length === 2 && core.terminals.foregroundPrograms(sessionId).includes('sleep'))).toBe(true);
    expect(await core.api.call('terminals.close', { terminalId })).toMatchObject({ ok: false, error: { kind: 'busy', message: expect.stringContaining('sleep') } });
    expect(await core.api.call('terminals.close', { terminalId, confirm: true })).toEqual({ ok: true, value: { closed: true } });
    expect(sessionMembers(shell)).toEqual([]);
    expect(core.terminals.list(sessionId)).toEqual([]);
    expect(core.store.db.prepare('SELECT count(*) FROM terminals').pluck().get()).toBe(0);
    viewer.close();
  });

  test('the exit code of a shell that ends shows in its record', async () => {
    const core = testCore({ env: shellEnv() });
    const { sessionId } = await sessionIn(core);
    const terminalId = await newTerminal(core, sessionId);
    await type(core, terminalId, 'exit 7\r');
    expect(await until(() => core.terminals.list(sessionId)[0]?.state === 'exited')).toBe(true);
    expect(core.terminals.list(sessionId)).toMatchObject([{ state: 'exited', exitCode: 7, signal: null }]);
  });

  test('a view that stops acknowledging holds the shell only until it is seen as gone', async () => {
    const core = testCore({ env: shellEnv(), terminalFlow: { staleViewerMs: 500 } });
    const { sessionId } = await sessionIn(core);
    const terminalId = await newTerminal(core, sessionId);
    const silent = await attachViewer(core, terminalId, { ack: 'never' });
    await type(core, terminalId, "head -c 3000000 /dev/zero | tr '\\0' x; echo FIN''ISHED\r");
    const watcher = await attachViewer(core, terminalId, { keepText: true });
    // Held while the silent view is live, let go once it is stale: the flood runs to its end.
    await watcher.waitFor('FINISHED', 60_000);
    expect(silent.received() - silent.acknowledged()).toBeGreaterThan(terminalFlow.highWatermark);
    silent.close();
    watcher.close();
  });
});

describe("agents' terminals", () => {
  test("a command an agent runs shows as a read-only terminal of its chat's session, its output kept after it ends", async () => {
    const core = testCore({ env: shellEnv() });
    const fixture = await setupChat(core, { default: { steps: [{ type: 'terminal', command: 'printf', args: ['first line\\nsecond line\\n'] }] } });
    const turn = await sendAndWait(core, fixture.chatId, 'run it');
    expect(turn.state).toBe('completed');
    const [report] = reports(assistantText(core, fixture.chatId, turn.id), 'terminal');
    const terminalId = String(report?.terminalId);
    expect(core.terminals.list(fixture.sessionId)).toMatchObject([{ id: terminalId, kind: 'agent', chatId: fixture.chatId, state: 'exited', exitCode: 0, command: 'printf first line\\nsecond line\\n' }]);

    const viewer = await attachViewer(core, terminalId, { withScreen: true });
    await viewer.parsed();
    const { lines } = viewer.screen ? screenText(viewer.screen) : { lines: [] };
    // Pipes carry bare newlines; the screen shows them as a pty would, each line from column 0.
    expect(lines.slice(0, 2)).toEqual(['first line', 'second line']);
    expect(await core.api.call('terminals.input', { terminalId, data: 'x' })).toMatchObject({ ok: false, error: { kind: 'invalid-state' } });
    expect(await core.api.call('terminals.close', { terminalId })).toMatchObject({ ok: false, error: { kind: 'invalid-state' } });
    viewer.close();
  });
});
