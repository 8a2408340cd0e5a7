// The core's screen holds output back a moment and skips plain text that line feeds after it
// push out of the scrollback. Each test feeds the same output to a screen that parses every byte
// and compares what both show: the skipping must never be visible.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { getPriority } from 'node:os';
import { afterEach, describe, expect, test } from 'vitest';
import { createScreen, type HoldTimer, type Screen } from '../../../src/main/terminals/screen.ts';
import { createScreenHost, screenWorkerLimits } from '../../../src/main/terminals/screenHost.ts';

const size = { cols: 80, rows: 24, scrollback: 200 };
const opened: Screen[] = [];

afterEach(() => {
  for (const screen of opened.splice(0)) screen.dispose();
});

/**
 * A hold that ends only when the test says so: what is skipped then depends on the output alone,
 * never on how fast the machine runs the test. Held output is still released when it grows past
 * its bound and when a snapshot is asked for.
 */
function heldUntilEnded(): { holdTimer: HoldTimer; endHold(): void; isHolding(): boolean } {
  let pending: (() => void) | undefined;
  return {
    holdTimer(release) {
      pending = release;
      return () => {
        if (pending === release) pending = undefined;
      };
    },
    endHold() {
      const release = pending;
      pending = undefined;
      release?.();
    },
    isHolding: () => pending !== undefined,
  };
}

function pair(holdTimer?: HoldTimer): { skipping: Screen; reference: Screen; write(data: string): void } {
  const skipping = createScreen({ ...size, holdTimer });
  const reference = createScreen({ ...size, isHoldingOff: true });
  opened.push(skipping, reference);
  return {
    skipping,
    reference,
    write(data) {
      skipping.write(data);
      reference.write(data);
    },
  };
}

/** The screen a fresh terminal shows after replaying a raw snapshot (parsed screen plus raw output). */
async function replayed(screen: string): Promise<string> {
  const fresh = createScreen({ ...size, isHoldingOff: true });
  opened.push(fresh);
  fresh.write(screen);
  return (await fresh.parsedSnapshot()).screen;
}

/** `seq`-like output in pty-sized pieces; with `newline`, lines end as a program in raw mode ends them. */
function lines(from: number, to: number, pieceChars = 4096, newline = '\r\n'): string[] {
  const text = Array.from({ length: to - from + 1 }, (_, index) => `${from + index}`).join(newline) + newline;
  const pieces: string[] = [];
  for (let index = 0; index < text.length; index += pieceChars) pieces.push(text.slice(index, index + pieceChars));
  return pieces;
}

/** A small seeded generator, so that a failing sequence can be run again. */
function random(seed: number): (below: number) => number {
  let state = seed >>> 0;
  return (below) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % below;
  };
}

describe('the core screen', () => {
  test('a flood of plain lines is mostly skipped, and its snapshots show what parsing every byte shows', async () => {
    const both = pair(heldUntilEnded().holdTimer);
    both.write('\x1b[31mred prompt\x1b[0m $ seq 1 200000\r\n');
    // As a pty delivers them: a few pieces per turn of the event loop, parsing in between.
    for (const [index, piece] of lines(1, 200_000).entries()) {
      both.write(piece);
      if (index % 8 === 7) await new Promise((resolve) => setImmediate(resolve));
    }
    both.write('\x1b]0;done\x07$ ');

    const raw = both.skipping.snapshot();
    const exact = await both.skipping.parsedSnapshot();
    const expected = await both.reference.parsedSnapshot();
    expect(exact.offset).toBe(expected.offset);
    expect(exact.screen).toBe(expected.screen);
    expect(exact.screen).toContain('199999');
    expect(await replayed(raw.screen)).toBe(expected.screen);

    const { parsedChars, skippedChars } = both.skipping.stats();
    expect(parsedChars + skippedChars).toBe(expected.offset);
    expect(skippedChars / expected.offset).toBeGreaterThan(0.9);
    expect(both.reference.stats().skippedChars).toBe(0);
  });

  test('held output is parsed when its hold ends without anyone asking, and counts as taken in at once', async () => {
    const hold = heldUntilEnded();
    const screen = createScreen({ ...size, holdTimer: hold.holdTimer });
    opened.push(screen);
    const parsed: number[] = [];
    screen.onParsed(() => parsed.push(screen.parsedOffset()));
    screen.write('hello\r\n');
    expect(screen.parsedOffset()).toBe(7);
    expect(screen.stats().parsedChars).toBe(0);
    expect(hold.isHolding()).toBe(true);
    hold.endHold();
    await expect.poll(() => parsed, { timeout: 5000 }).toContain(7);
    expect(screen.stats().parsedChars).toBe(7);

    // The hold a screen has by default ends by itself.
    const timed = createScreen(size);
    opened.push(timed);
    timed.write('hello\r\n');
    expect(timed.stats().parsedChars).toBe(0);
    await expect.poll(() => timed.stats().parsedChars, { timeout: 5000 }).toBe(7);
  });

  test('a look during a flood shows the screen as of its call: what arrives while it waits is neither waited for nor parsed whole, and is skipped after', async () => {
    const hold = heldUntilEnded();
    const skipping = createScreen({ ...size, holdTimer: hold.holdTimer });
    const before = createScreen({ ...size, isHoldingOff: true });
    const after = createScreen({ ...size, isHoldingOff: true });
    opened.push(skipping, before, after);
    const both = (data: string) => {
      skipping.write(data);
      before.write(data);
      after.write(data);
    };
    // Coloured lines cannot be skipped: the look has a while to wait for their parsing.
    const coloured = Array.from({ length: 100_000 }, (_, index) => `\x1b[32m${index}\x1b[0m`).join('\r\n') + '\r\n';
    for (let index = 0; index < coloured.length; index += 4096) both(coloured.slice(index, index + 4096));
    const writtenBefore = skipping.writtenOffset();

    let isAnswered = false;
    const look = skipping.parsedSnapshot({ isViewportOnly: true }).then((snapshot) => {
      isAnswered = true;
      return snapshot;
    });
    // A flood of plain lines while the look waits, as a pty delivers it: a few pieces per turn of the event loop.
    let floodChars = 0;
    let writtenWhileWaiting = 0;
    for (const [index, piece] of lines(1, 300_000).entries()) {
      skipping.write(piece);
      after.write(piece);
      floodChars += piece.length;
      if (!isAnswered) writtenWhileWaiting += piece.length;
      if (index % 8 === 7) await new Promise((resolve) => setImmediate(resolve));
    }
    const snapshot = await look;
    expect(writtenWhileWaiting).toBeGreaterThan(64 * 1024);
    expect(snapshot.offset).toBe(writtenBefore);
    expect(snapshot.screen).toBe((await before.parsedSnapshot({ isViewportOnly: true })).screen);

    hold.endHold();
    const exact = await skipping.parsedSnapshot();
    const expected = await after.parsedSnapshot();
    expect(exact.offset).toBe(expected.offset);
    expect(exact.screen).toBe(expected.screen);
    // The flood was skipped, as it is without a look, not parsed whole while the look waited.
    expect(skipping.stats().parsedChars - writtenBefore).toBeLessThan(floodChars * 0.1);
  });

  test('nothing is skipped under a scroll region or on the alternate screen, where line feeds leave lines in place', async () => {
    for (const setup of ['\x1b[3;20r', '\x1b[?1049h']) {
      const both = pair();
      both.write(`top line stays\r\n${setup}\x1b[5;1H`);
      for (const piece of lines(1, 30_000)) both.write(piece);
      const exact = await both.skipping.parsedSnapshot();
      expect(exact.screen).toBe((await both.reference.parsedSnapshot()).screen);
      expect(both.skipping.stats().skippedChars).toBe(0);
    }
  });

  test('random output with escape sequences, scroll regions, the alternate screen and wide characters shows the same at every look', async () => {
    let seedsThatSkipped = 0;
    for (let seed = 1; seed <= 16; seed += 1) {
      const next = random(seed);
      const hold = heldUntilEnded();
      const both = pair(hold.holdTimer);
      let line = 0;
      for (let step = 0; step < 120; step += 1) {
        switch (next(12)) {
          case 0:
          case 1:
          case 2:
          case 3:
            for (const piece of lines(line, line + next(3000), 1024 + next(8192), next(5) === 0 ? '\n' : '\r\n')) {
              both.write(piece);
              if (next(4) === 0) await new Promise((resolve) => setImmediate(resolve));
            }
            line += 3000;
            break;
          case 4:
            both.write(`\x1b[${30 + next(8)};${40 + next(8)}mcolour ${step}`);
            break;
          case 5:
            both.write(`\x1b[${1 + next(24)};${1 + next(80)}Hmoved`);
            break;
          case 6:
            both.write(next(2) === 0 ? `\x1b[${1 + next(10)};${12 + next(12)}r` : '\x1b[r');
            break;
          case 7:
            both.write(next(2) === 0 ? '\x1b[?1049h' : '\x1b[?1049l');
            break;
          case 8:
            both.write(next(2) === 0 ? '\x1b[2J' : 'wide 你好 text\tafter a tab\r\n');
            break;
          case 9:
            both.write(`no newline at the end ${step}`);
            break;
          case 10:
            hold.endHold();
            if (next(2) === 0) await new Promise((resolve) => setImmediate(resolve));
            break;
          default: {
            const isViewportOnly = next(3) === 0;
            const look = both.skipping.parsedSnapshot({ isViewportOnly });
            const expected = await both.reference.parsedSnapshot({ isViewportOnly });
            // Sometimes more output arrives while the look waits: it shows the screen as of its call.
            if (next(3) === 0) {
              for (const piece of lines(line, line + next(3000), 1024 + next(8192))) {
                both.write(piece);
                if (next(4) === 0) await new Promise((resolve) => setImmediate(resolve));
              }
              line += 3000;
            }
            const exact = await look;
            expect(exact.offset, `seed ${seed} step ${step}`).toBe(expected.offset);
            expect(exact.screen, `seed ${seed} step ${step}`).toBe(expected.screen);
            break;
          }
        }
      }
      const exact = await both.skipping.parsedSnapshot();
      const expected = await both.reference.parsedSnapshot();
      expect(exact.screen, `seed ${seed}`).toBe(expected.screen);
      if (both.skipping.stats().skippedChars > 0) seedsThatSkipped += 1;
    }
    // The comparison is worth something only if skipping happened along the way.
    expect(seedsThatSkipped).toBeGreaterThanOrEqual(8);
  });
});

describe('the screen worker', () => {
  const workerThreads = () => readdirSync('/proc/self/task').filter((id) => readFileSync(`/proc/self/task/${id}/comm`, 'utf8').trim() === 'WorkerThread');

  test.skipIf(process.platform !== 'linux')("runs below the priority of the core's thread, which reads the ptys, and leaves that thread's alone", async () => {
    const ownThread = Number(readlinkSync('/proc/thread-self').split('/').pop());
    const ownPriority = getPriority(ownThread);
    const before = new Set(workerThreads());
    const host = createScreenHost({ log: () => undefined });
    try {
      expect(host.isThreaded).toBe(true);
      const screen = host.open('terminal', { cols: 20, rows: 5, scrollback: 10 });
      screen.write('hello');
      expect((await screen.snapshot({ whenParsed: true })).screen).toContain('hello');
      const started = workerThreads().filter((id) => !before.has(id));
      expect(started).toHaveLength(1);
      expect(getPriority(Number(started[0]))).toBe(Math.max(ownPriority, screenWorkerLimits.niceness));
      expect(getPriority(ownThread)).toBe(ownPriority);
    } finally {
      await host.dispose();
    }
  });
});
