// The window's terminal follower (src/renderer/terminal/follower.ts) against a real core and a
// real shell, with a headless xterm where the page has its xterm: a view that keeps up follows
// every byte; a view slower than a flood steps aside instead of holding the shell back, and lands
// on exactly the screen that parsing everything would have left; then it follows again.
import headless from '@xterm/headless';
import { describe, expect, test } from 'vitest';
import type { Core } from '../../../src/main/core/index.ts';
import type { Result } from '../../../src/shared/contract.ts';
import type { TerminalAttachment } from '../../../src/shared/terminals.ts';
import { createFollower, type FollowerSink, type TerminalFollower } from '../../../src/renderer/terminal/follower.ts';
import { testCore } from '../../helpers/core.ts';
import { attachViewer, newTerminal, screenText, sessionIn, shellEnv, until } from './viewer.ts';

const { Terminal } = headless;
type HeadlessTerminal = InstanceType<typeof Terminal>;

interface SlowSink extends FollowerSink {
  /** Units written to it, screens included. */
  written(): number;
  /** Resolves once everything written so far is parsed. */
  parsed(): Promise<void>;
}

/**
 * A headless xterm behind a sink that parses at most `unitsPerSecond` (a page slower than the
 * pty), in order; unlimited when not given.
 */
function slowSink(terminal: HeadlessTerminal, unitsPerSecond?: number): SlowSink {
  let chain = Promise.resolve();
  let written = 0;
  return {
    get cols() {
      return terminal.cols;
    },
    get rows() {
      return terminal.rows;
    },
    write(data, parsed) {
      written += data.length;
      if (unitsPerSecond === undefined) {
        terminal.write(data, parsed);
        return;
      }
      chain = chain.then(async () => {
        await new Promise((resolve) => setTimeout(resolve, (data.length / unitsPerSecond) * 1000));
        await new Promise<void>((resolve) => terminal.write(data, resolve));
        parsed?.();
      });
    },
    resize: (cols, rows) => terminal.resize(cols, rows),
    written: () => written,
    parsed: () => chain.then(() => new Promise<void>((resolve) => terminal.write('', resolve))),
  };
}

interface FollowingView {
  readonly terminal: HeadlessTerminal;
  readonly sink: SlowSink;
  readonly follower: TerminalFollower;
  close(): void;
}

function follow(core: Core, terminalId: string, unitsPerSecond?: number): FollowingView {
  const terminal = new Terminal({ cols: 80, rows: 24, scrollback: core.settingsService.get().terminalScrollback, allowProposedApi: true });
  const viewerId = `follower-${Math.random().toString(16).slice(2)}`;
  const sink = slowSink(terminal, unitsPerSecond);
  const follower = createFollower(sink, {
    attach: (detachBeyond) => core.api.call('terminals.attach', { terminalId, viewerId, detachBeyond }),
    look: (wait) => core.api.call('terminals.screen', { terminalId, ...wait }),
    detach: () => void core.api.call('terminals.detach', { terminalId, viewerId }),
    ack: (offset) => core.api.call('terminals.ack', { terminalId, viewerId, offset }),
  });
  const { unsubscribe } = core.subscribe({ afterSeq: core.events.lastSeq() }, (message) => {
    if (message.kind !== 'transient' || message.event.terminalId !== terminalId) return;
    if (message.event.type === 'terminal.output.appended') follower.take(message.event);
    else if (message.event.viewerId === viewerId) follower.detached();
  });
  return {
    terminal,
    sink,
    follower,
    close() {
      unsubscribe();
      follower.dispose();
      void core.api.call('terminals.detach', { terminalId, viewerId });
      terminal.dispose();
    },
  };
}

/** Waits until the view's buffer holds a line that matches, having parsed what it was given. */
async function untilShown(view: FollowingView, pattern: RegExp, timeoutMs = 20_000): Promise<void> {
  const { terminal } = view;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await view.sink.parsed();
    if (screenText(terminal).lines.some((line) => pattern.test(line))) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(pattern)}; the view showed:\n${screenText(terminal).lines.slice(-10).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The screen a window attaching now would get: the core's own. */
async function coreScreen(core: Core, terminalId: string): Promise<string[]> {
  const viewer = await attachViewer(core, terminalId, { withScreen: true });
  await viewer.parsed();
  const lines = screenText(viewer.screen as HeadlessTerminal).lines;
  viewer.close();
  return lines;
}

function withoutTrailingBlanks(lines: string[]): string[] {
  const copy = [...lines];
  while (copy.length > 0 && copy[copy.length - 1]?.trim() === '') copy.pop();
  return copy;
}

describe('terminal follower', () => {
  test('a view that keeps up follows every byte of the stream and never steps aside; acknowledgements are answered with the stream end', async () => {
    const core = testCore({ env: shellEnv() });
    const terminalId = await newTerminal(core, (await sessionIn(core)).sessionId);
    const view = follow(core, terminalId);
    await untilShown(view, /[#$] ?$/, 5_000);
    const before = view.sink.written();
    await core.api.call('terminals.input', { terminalId, data: 'seq 1 3000; echo "done-$((40 + 2))"\r' });
    await untilShown(view, /^done-42$/);
    expect(view.follower.stepAsideCount()).toBe(0);
    expect(view.follower.isFollowing()).toBe(true);
    // Every line of the output came through the stream, once.
    expect(view.sink.written() - before).toBeGreaterThan(3000 * 4);
    expect(withoutTrailingBlanks(screenText(view.terminal).lines)).toEqual(withoutTrailingBlanks(await coreScreen(core, terminalId)));

    const answer = await core.api.call('terminals.ack', { terminalId, viewerId: 'nobody', offset: 0 });
    expect(answer).toMatchObject({ ok: true, value: { acknowledged: false, end: expect.any(Number) } });
    expect(answer.ok && answer.value.end).toBeGreaterThan(3000 * 4);
    view.close();
  });

  test('a view slower than a flood steps aside instead of holding the shell back, lands on the exact final screen, then follows the stream again', async () => {
    const core = testCore({ env: shellEnv() });
    const terminalId = await newTerminal(core, (await sessionIn(core)).sessionId);
    // 1 MB a second: a flood of ~2.9 MB takes this view three seconds to parse in full.
    const view = follow(core, terminalId, 1_000_000);
    await untilShown(view, /[#$] ?$/, 5_000);
    const before = view.sink.written();
    await core.api.call('terminals.input', { terminalId, data: 'seq 1 400000; echo "flood-$((6 * 7))"\r' });
    await untilShown(view, /^flood-42$/);
    // A glance during the flood shows the visible rows; following again brings the scrollback.
    expect(await until(() => view.follower.isFollowing(), 10_000)).toBe(true);
    await view.sink.parsed();
    const produced = 400_000 * 7; // "N\r\n" for N up to 400000: about 7 units a line
    expect(view.follower.stepAsideCount()).toBeGreaterThanOrEqual(1);
    // It skipped ahead: far less went through this view than the shell wrote.
    expect(view.sink.written() - before).toBeLessThan(produced / 2);
    // What it shows is the core's screen, which parsed every byte: the last lines of the flood, in order.
    const shown = withoutTrailingBlanks(screenText(view.terminal).lines);
    expect(shown).toEqual(withoutTrailingBlanks(await coreScreen(core, terminalId)));
    const end = shown.indexOf('flood-42');
    expect(shown.slice(end - 2, end)).toEqual(['399999', '400000']);

    // The flood is over: typing is echoed through the stream again.
    await core.api.call('terminals.input', { terminalId, data: 'echo "after-$((1 + 1))"\r' });
    await untilShown(view, /^after-2$/);
    expect(view.follower.isFollowing()).toBe(true);
    view.close();
  });

  test('a view the core detaches while its attachment is still being answered looks at the screen instead of waiting for output that will not come', async () => {
    const terminal = new Terminal({ cols: 80, rows: 24, allowProposedApi: true });
    const attachment = { terminal: { id: 't' }, screen: 'hello', offset: 5, cols: 80, rows: 24 } as unknown as TerminalAttachment;
    const calls: string[] = [];
    let answerAttach: (answer: Result<TerminalAttachment>) => void = () => {};
    const follower = createFollower(
      slowSink(terminal),
      {
        attach: () => {
          calls.push('attach');
          return new Promise((resolve) => (answerAttach = resolve));
        },
        look: async () => {
          calls.push('look');
          return { ok: true, value: attachment };
        },
        detach: () => void calls.push('detach'),
        ack: async () => ({ ok: true, value: { acknowledged: true, end: attachment.offset } }),
      },
      { flow: { floodLookGapMs: 1 } },
    );
    // The core fell behind this view while it took the screen: word of it comes before the answer.
    follower.detached();
    answerAttach({ ok: true, value: attachment });
    expect(await until(() => calls.includes('look'))).toBe(true);
    expect(follower.stepAsideCount()).toBe(1);
    // The look shows no flood: the view attaches again, and follows.
    expect(await until(() => calls.filter((call) => call === 'attach').length === 2)).toBe(true);
    answerAttach({ ok: true, value: attachment });
    expect(await until(() => follower.isFollowing())).toBe(true);
    follower.dispose();
    terminal.dispose();
  });

  test('a glance at the screen during a flood makes the view fit itself again only when it changed the view\'s size', async () => {
    const terminal = new Terminal({ cols: 80, rows: 24, allowProposedApi: true });
    const screen = (offset: number, cols: number, rows: number) => ({ terminal: { id: 't' }, screen: 'flooding', offset, cols, rows }) as unknown as TerminalAttachment;
    let looked = 0;
    const fitted: string[] = [];
    const follower = createFollower(
      slowSink(terminal),
      {
        attach: async () => ({ ok: true, value: screen(5, 80, 24) }),
        // Each look far past the last: the flood goes on, and the view keeps looking.
        look: async () => {
          looked += 1;
          return { ok: true, value: looked <= 2 ? screen(looked * 1_000_000, 80, 24) : screen(looked * 1_000_000, 100, 30) };
        },
        detach: () => undefined,
        ack: async () => ({ ok: true, value: { acknowledged: true, end: 5 } }),
      },
      { flow: { floodLookGapMs: 1 }, onAttached: ({ cols, rows }) => void fitted.push(`${cols}x${rows}`) },
    );
    expect(await until(() => follower.isFollowing())).toBe(true);
    expect(fitted).toEqual(['80x24']);
    follower.detached();
    expect(await until(() => looked >= 4)).toBe(true);
    // Two glances at the same size made no fit; the one that resized the view did, the next did not.
    expect(fitted).toEqual(['80x24', '100x30']);
    follower.dispose();
    terminal.dispose();
  });
});
