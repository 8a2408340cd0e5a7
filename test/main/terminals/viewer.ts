// Terminal test helpers: a shell in a fresh session, and a terminal view as a window's would be: attaches to a terminal, takes its output
// events in order (checking that every unit arrives once), optionally feeds them to a headless
// xterm, and acknowledges what it took, at once or at a limited rate (a slow window).
import { createHash, randomUUID } from 'node:crypto';
import headless from '@xterm/headless';
import type { Core } from '../../../src/main/core/index.ts';
import type { TerminalAttachment } from '../../../src/shared/terminals.ts';
import { tempDir } from '../../helpers/tempDir.ts';

const { Terminal } = headless;
type HeadlessTerminal = InstanceType<typeof Terminal>;

export interface ViewerOptions {
  /** `immediate`: acknowledge every event as it arrives; a rate: at most this many units a second. */
  readonly ack?: 'immediate' | 'never' | { readonly unitsPerSecond: number };
  /** Keep the output text (for small outputs; a flood test hashes instead). */
  readonly keepText?: boolean;
  /** Feed the screen and the output to a headless xterm. */
  readonly withScreen?: boolean;
  readonly onData?: (data: string) => void;
}

export interface TestViewer {
  readonly viewerId: string;
  readonly attachment: TerminalAttachment;
  readonly screen: HeadlessTerminal | undefined;
  /** Output received since the attachment (not the screen it started from). */
  text(): string;
  /** Stream offset up to which output has arrived. */
  received(): number;
  acknowledged(): number;
  /** Events that did not start exactly where the previous one ended (after the attachment). */
  readonly misordered: { offset: number; expected: number }[];
  waitFor(pattern: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves once the headless xterm parsed everything received. */
  parsed(): Promise<void>;
  close(): void;
}

export async function attachViewer(core: Core, terminalId: string, options: ViewerOptions = {}): Promise<TestViewer> {
  const viewerId = randomUUID();
  const pending: { offset: number; data: string }[] = [];
  let isAttached = false;
  let received = 0;
  let acknowledged = 0;
  let text = '';
  const misordered: { offset: number; expected: number }[] = [];
  const waiters = new Set<() => void>();
  let screen: HeadlessTerminal | undefined;

  const take = (offset: number, data: string): void => {
    if (offset + data.length <= received) return; // from before the attachment
    if (offset !== received) misordered.push({ offset, expected: received });
    const fresh = data.slice(Math.max(0, received - offset));
    received = offset + data.length;
    if (options.keepText) text += fresh;
    screen?.write(fresh);
    options.onData?.(fresh);
    if (options.ack === undefined || options.ack === 'immediate') acknowledge(received);
    for (const waiter of waiters) waiter();
  };

  const { unsubscribe } = core.subscribe({ afterSeq: core.events.lastSeq() }, (message) => {
    if (message.kind !== 'transient' || message.event.type !== 'terminal.output.appended' || message.event.terminalId !== terminalId) return;
    if (!isAttached) pending.push(message.event);
    else take(message.event.offset, message.event.data);
  });
  const attached = await core.api.call('terminals.attach', { terminalId, viewerId });
  if (!attached.ok) throw new Error(attached.error.message);
  const attachment = attached.value;
  isAttached = true;
  received = attachment.offset;
  acknowledged = attachment.offset;
  if (options.withScreen) {
    screen = new Terminal({ cols: attachment.cols, rows: attachment.rows, scrollback: core.settingsService.get().terminalScrollback, allowProposedApi: true });
    screen.write(attachment.screen);
  }
  for (const event of pending.splice(0)) take(event.offset, event.data);

  function acknowledge(offset: number): void {
    if (offset <= acknowledged) return;
    acknowledged = offset;
    void core.api.call('terminals.ack', { terminalId, viewerId, offset });
  }

  let rateTimer: NodeJS.Timeout | undefined;
  const rate = typeof options.ack === 'object' ? options.ack.unitsPerSecond : undefined;
  if (rate !== undefined) {
    const tickMs = 20;
    rateTimer = setInterval(() => acknowledge(Math.min(received, acknowledged + (rate * tickMs) / 1000)), tickMs);
  }

  return {
    viewerId,
    attachment,
    screen,
    text: () => text,
    received: () => received,
    acknowledged: () => acknowledged,
    misordered,
    waitFor(pattern, timeoutMs = 10_000) {
      const isThere = () => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));
      if (isThere()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${String(pattern)}; the terminal showed:\n${text.slice(-2000)}`));
        }, timeoutMs);
        const check = () => {
          if (!isThere()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
    parsed: () => new Promise((resolve) => (screen ? screen.write('', resolve) : resolve())),
    close() {
      if (rateTimer) clearInterval(rateTimer);
      unsubscribe();
      screen?.dispose();
      void core.api.call('terminals.detach', { terminalId, viewerId });
    },
  };
}

/** The visible text of a headless xterm's whole buffer, line by line, and where its cursor is. */
export function screenText(terminal: HeadlessTerminal): { lines: string[]; cursor: { x: number; y: number } } {
  const buffer = terminal.buffer.active;
  const lines: string[] = [];
  for (let index = 0; index < buffer.length; index += 1) lines.push(buffer.getLine(index)?.translateToString(true) ?? '');
  return { lines, cursor: { x: buffer.cursorX, y: buffer.cursorY } };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A home without dotfiles, so that prompts and startup files do not vary between machines. */
export function shellEnv(): NodeJS.ProcessEnv {
  return { ...process.env, SHELL: '/bin/bash', HOME: tempDir('boo-home-') };
}

/** A project opened on `folder` and a session in it. */
export async function sessionIn(core: Core, folder = tempDir('boo-project-')): Promise<{ sessionId: string; folder: string }> {
  const project = await core.api.call('projects.open', { path: folder });
  if (!project.ok) throw new Error(project.error.message);
  const session = await core.api.call('sessions.create', { projectId: project.value.id });
  if (!session.ok) throw new Error(session.error.message);
  return { sessionId: session.value.id, folder: project.value.path };
}

export async function newTerminal(core: Core, sessionId: string, size = { cols: 100, rows: 30 }): Promise<string> {
  const created = await core.api.call('terminals.create', { sessionId, ...size });
  if (!created.ok) throw new Error(created.error.message);
  return created.value.id;
}

/** True once `condition` holds, false if it still does not after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
