// The terminal service: the user's shells on node-pty in a session's folder, and the commands
// agents run through ACP `terminal/create`, each with a headless screen in the core. The ptys
// are read on a worker thread of their own (ptyHost.ts) and the screens parsed on another
// (screenHost.ts), so that a shell never waits for whatever else the core's thread is doing.
//
// Output leaves in ~5 ms batches as transient events that carry their stream offset; they are
// never kept for replay. A view acknowledges what its xterm parsed, and a shell whose views
// (or whose core-side screen) fall behind is paused at the pty, so a `yes` in a tab costs bounded
// memory everywhere and Ctrl+C still reaches it at once. A view that attaches gets the screen
// as escape sequences plus the offset it covers, so a reload shows exactly what was there; a
// view far behind a flood detaches and glances at the screen instead (terminals.screen), so
// that the shell runs at its own speed while the screen here parses every byte.
// Screens are saved to disk every few seconds and at exit; after a restart a terminal shows its
// old screen, read-only, until the user restarts a shell in its place.
import { randomUUID } from 'node:crypto';
import { constants } from 'node:os';
import { basename, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { fail, ok, type AppEventDraft, type Result } from '../../shared/contract.ts';
import type { Terminal, TerminalAttachment } from '../../shared/terminals.ts';
import { createPidRegistry, processStartIdentity, type AgentTerminalObserver } from '../agents/index.ts';
import type { EventBus } from '../events/index.ts';
import type { SessionService } from '../sessions/index.ts';
import type { SettingsService } from '../settings/index.ts';
import type { Store, UnitOfWork } from '../store/index.ts';
import { createTerminalRecords, type TerminalRecord } from './records.ts';
import { createCoalescer, type Coalescer } from './coalescer.ts';
import { createPtyHost, type Pty } from './ptyHost.ts';
import { createScreenHost, type ScreenHandle } from './screenHost.ts';
import { defaultShell, endShellSession, foregroundProgram, reapShellSession, startShell, type ShellCommand } from './shell.ts';

/** Flow control, in UTF-16 code units of output (what the views count and acknowledge). */
export const terminalFlow = {
  /**
   * Output leaves the core at most once per this long, as in VS Code's pty host: fewer, larger
   * events under a flood. The first output after a quiet spell leaves at once, so that an echoed
   * keystroke does not wait for the batch.
   */
  batchMs: 5,
  /** A batch this large leaves at once, so that events stay small whatever the rate. */
  maxBatchChars: 128 * 1024,
  /**
   * Unacknowledged output past which the shell is paused. VS Code pauses at 100k characters;
   * our path is longer (a batch, a WebSocket, the page's frame loop before xterm parses), and
   * a full pty (~15–20 MB/s here) needs about 30 ms of output in flight to never wait on an ack.
   * A tab attaches with `detachBeyond` (its flood lag, half of this) and is detached there
   * instead; this holds a client that wants every unit.
   */
  highWatermark: 512 * 1024,
  /** Below this the shell resumes; well above zero, so that the pipe never runs dry while the ack travels. */
  lowWatermark: 128 * 1024,
  /**
   * The core's own screen may fall this far behind before the shell waits for it: what it
   * holds back before parsing or skipping (`screenHold`, up to 512k) and what it is parsing
   * (in its worker, ~20–30 MB/s here). It reports where it stands after each parse.
   */
  screenHighWatermark: 2 * 1024 * 1024,
  screenLowWatermark: 512 * 1024,
  /**
   * A view that is behind and has not acknowledged for this long no longer holds the shell: its
   * window was closed or reloaded without detaching. A live one acknowledges every few ms.
   */
  staleViewerMs: 3_000,
  /** The longest a look at the screen waits for the output to pause (`screen` with a wait). */
  lookAtMostMs: 100,
} as const;

export const terminalTimings = {
  /** Screens with new output are saved this often: what a killed core loses of its terminals. */
  saveIntervalMs: 5_000,
  /** Prompts set the title on every command; one record change per burst is enough. */
  titleDebounceMs: 250,
  /** At shutdown, how long the screens may take to parse what they hold before they are saved. */
  shutdownParseWaitMs: 1_000,
  /**
   * After its processes are gone, how long the pty may take to report the exit: node-pty waits
   * for the end of the output first, and gives up on it after 200 ms itself.
   */
  exitReportWaitMs: 1_000,
} as const;

export const terminalLimits = {
  /** Live shells per core; beyond that it is a runaway script, not a person. */
  maxRunningShells: 64,
  /** Ended agents' terminals kept to be looked at from their tool cards; the oldest go first. */
  retainedAgentTerminals: 32,
  /**
   * An agent's command cannot be paused (its pipes belong to the agent's host): past this much
   * unparsed output its screen skips ahead instead of growing without bound.
   */
  agentScreenBacklog: 4 * 1024 * 1024,
  /** Longest title kept; programs write whatever they like there. */
  maxTitleLength: 200,
} as const;

export interface TerminalServiceOptions {
  readonly store: Store;
  readonly unitOfWork: UnitOfWork;
  readonly events: EventBus;
  readonly sessions: SessionService;
  readonly settings: SettingsService;
  readonly dataDir: string;
  /** The environment shells inherit; the process's by default. */
  readonly env?: NodeJS.ProcessEnv;
  readonly log: (line: string) => void;
  /** Tighter flow control, for tests. */
  readonly flow?: Partial<Record<keyof typeof terminalFlow, number>>;
}

export interface TerminalService {
  create(input: { sessionId: string; cols: number; rows: number; shell?: string; cwd?: string; name?: string }): Result<Terminal>;
  list(sessionId: string): Terminal[];
  all(): Terminal[];
  /** `detachBeyond`: that far behind, the view is detached (`terminal.viewer.detached`) instead of holding the shell back. */
  attach(terminalId: string, viewerId: string, options?: { detachBeyond?: number | undefined }): Promise<Result<TerminalAttachment>>;
  /**
   * The visible screen and the offset it covers, without following: the view does not hold the
   * shell. With `wait`, once the output has paused for `quietMs`, or after `atMostMs` at most
   * (`terminalFlow.lookAtMostMs` unless given).
   */
  screen(terminalId: string, wait?: ScreenWait): Promise<Result<TerminalAttachment>>;
  detach(terminalId: string, viewerId: string): Result<{ detached: boolean }>;
  ack(terminalId: string, viewerId: string, offset: number): Result<{ acknowledged: boolean; end: number }>;
  input(terminalId: string, data: string): Result<{ written: boolean }>;
  resize(terminalId: string, cols: number, rows: number): Result<{ resized: boolean }>;
  kill(terminalId: string, confirm: boolean): Promise<Result<Terminal>>;
  close(terminalId: string, confirm: boolean): Promise<Result<{ closed: boolean }>>;
  rename(terminalId: string, name: string | null): Result<Terminal>;
  restart(terminalId: string, cols: number, rows: number): Result<Terminal>;
  /** Names of the programs running in the foreground of a session's shells. */
  foregroundPrograms(sessionId: string): string[];
  /** Ends every shell of a session (it is being archived); resolves when their processes are gone. */
  endSession(sessionId: string): Promise<void>;
  /** Forgets the terminals of sessions that were deleted with their project. */
  forgetSessions(sessionIds: readonly string[]): void;
  /** Hears about the terminals agents run. */
  readonly agentObserver: AgentTerminalObserver;
  /** Shells left running by a core that died, whose sessions were killed at start. */
  readonly reapedAtStart: readonly number[];
  /** Saves every screen, ends every shell (left to show as restored after the next start). */
  shutdown(): Promise<void>;
}

export interface ScreenWait {
  readonly quietMs: number;
  readonly atMostMs?: number | undefined;
}

interface Viewer {
  acked: number;
  /** When it last acknowledged, or was last seen caught up. */
  lastSeenAt: number;
  readonly detachBeyond: number | undefined;
}

interface Entry {
  record: TerminalRecord;
  /** End of the stream: every unit before it has been published. */
  offset: number;
  /** The live screen; undefined for a terminal that ended (its screen is then `saved`). */
  screen: ScreenHandle | undefined;
  /** The screen of an ended terminal, compacted; undefined until read from disk for a restored one. */
  saved: { screen: string; cols: number; rows: number } | undefined;
  pty: Pty | undefined;
  exited: Promise<void>;
  /** Output on its way to the views, in batches (`terminalFlow.batchMs`). */
  output: Coalescer;
  /** When output last arrived (performance.now()). */
  lastOutputAt: number;
  viewers: Map<string, Viewer>;
  isPaused: boolean;
  staleTimer: NodeJS.Timeout | undefined;
  isDirty: boolean;
  isSaving: boolean;
  isClosed: boolean;
  titleTimer: NodeJS.Timeout | undefined;
  /** An agent's command writes bytes through pipes: decoded here, split characters kept. */
  decoder: StringDecoder | undefined;
  isSkipping: boolean;
}

export function createTerminalService(options: TerminalServiceOptions): TerminalService {
  const flow = { ...terminalFlow, ...options.flow };
  const batches = { windowMs: flow.batchMs, maxChars: flow.maxBatchChars, emit: publish };
  const env = options.env ?? process.env;
  const { events, sessions, settings, unitOfWork, log } = options;
  const records = createTerminalRecords(options.store, options.dataDir);
  const pidRegistry = createPidRegistry(options.store);
  const entries = new Map<string, Entry>();
  const screens = createScreenHost({ log });
  const ptys = createPtyHost({ log });
  let isShuttingDown = false;

  const reapedAtStart = restoreAtStart();
  // Terminals to show again: a shell will likely be restarted in one of them.
  if (entries.size > 0) ptys.warmUp();
  const saveTimer = setInterval(saveDirtyScreens, terminalTimings.saveIntervalMs);
  saveTimer.unref();

  const service: TerminalService = {
    create(input) {
      const session = sessions.get(input.sessionId);
      if (!session) return fail('not-found', `No session with id ${input.sessionId}.`);
      if (session.archivedAt) return fail('invalid-state', `Session "${session.name}" is archived; restore it to open terminals in it.`);
      if (runningShells() >= terminalLimits.maxRunningShells) return fail('busy', `${terminalLimits.maxRunningShells} shells are running already; close some first.`);
      const cwd = input.cwd ? resolve(session.cwd, input.cwd) : session.cwd;
      const command: ShellCommand = input.shell ? { file: input.shell, args: [] } : defaultShell(env);
      const started = startShell(ptys, command, { cwd, env, cols: input.cols, rows: input.rows });
      if (!started.ok) return started;
      const pty = started.value;
      const now = new Date().toISOString();
      const record: TerminalRecord = {
        id: randomUUID(),
        sessionId: session.id,
        kind: 'shell',
        chatId: null,
        name: input.name ?? null,
        title: basename(command.file),
        cwd,
        command: command.file,
        state: 'running',
        exitCode: null,
        signal: null,
        cols: input.cols,
        rows: input.rows,
        pid: pty.pid,
        startIdentity: processStartIdentity(pty.pid) ?? null,
        createdAt: now,
        endedAt: null,
      };
      pidRegistry.register(pty.pid, { command: `terminal: ${command.file}` });
      unitOfWork.run(() => {
        records.insert(record);
        return { value: undefined, events: [changed(record)] };
      });
      const entry = newEntry(record, 0, batches);
      entries.set(record.id, entry);
      entry.screen = openScreen(entry, { cols: input.cols, rows: input.rows });
      follow(entry, pty);
      return ok(toTerminal(record));
    },

    list: (sessionId) => [...entries.values()].filter((entry) => entry.record.sessionId === sessionId).map((entry) => toTerminal(entry.record)),
    all: () => [...entries.values()].map((entry) => toTerminal(entry.record)),

    async attach(terminalId, viewerId, { detachBeyond } = {}) {
      const entry = entries.get(terminalId);
      if (!entry) return fail('not-found', `No terminal with id ${terminalId}.`);
      // A window shows terminals: the next may be a new shell.
      ptys.warmUp();
      flush(entry);
      // Counted from now: output published while the snapshot is taken is this view's to acknowledge.
      entry.viewers.set(viewerId, { acked: entry.offset, lastSeenAt: Date.now(), detachBeyond });
      return currentScreen(entry, { isViewportOnly: false });
    },

    async screen(terminalId, wait) {
      const entry = entries.get(terminalId);
      if (!entry) return fail('not-found', `No terminal with id ${terminalId}.`);
      if (wait) await untilQuiet(entry, wait);
      flush(entry);
      return currentScreen(entry, { isViewportOnly: true });
    },

    detach(terminalId, viewerId) {
      const entry = entries.get(terminalId);
      if (!entry) return ok({ detached: false });
      const detached = entry.viewers.delete(viewerId);
      updateFlow(entry);
      return ok({ detached });
    },

    ack(terminalId, viewerId, offset) {
      const entry = entries.get(terminalId);
      const viewer = entry?.viewers.get(viewerId);
      if (!entry || !viewer) return ok({ acknowledged: false, end: entry?.offset ?? 0 });
      viewer.acked = Math.max(viewer.acked, Math.min(offset, entry.offset));
      viewer.lastSeenAt = Date.now();
      updateFlow(entry);
      return ok({ acknowledged: true, end: entry.offset });
    },

    input(terminalId, data) {
      const entry = entries.get(terminalId);
      if (!entry) return fail('not-found', `No terminal with id ${terminalId}.`);
      if (entry.record.kind === 'agent') return fail('invalid-state', "An agent's terminal is read-only.");
      if (!entry.pty) return fail('invalid-state', 'The shell has ended; restart it to type again.');
      entry.pty.write(data);
      return ok({ written: true });
    },

    resize(terminalId, cols, rows) {
      const entry = entries.get(terminalId);
      if (!entry) return fail('not-found', `No terminal with id ${terminalId}.`);
      if (entry.record.cols === cols && entry.record.rows === rows) return ok({ resized: false });
      // Output read before the resize was laid out for the old size: it goes to the screen first.
      flush(entry);
      entry.pty?.resize(cols, rows);
      entry.screen?.resize(cols, rows);
      entry.record = { ...entry.record, cols, rows };
      return ok({ resized: true });
    },

    async kill(terminalId, confirm) {
      const entry = entries.get(terminalId);
      if (!entry) return fail('not-found', `No terminal with id ${terminalId}.`);
      if (entry.record.kind === 'agent') return fail('invalid-state', "An agent's terminal ends when its agent ends it.");
      const refusal = busyRefusal(entry, confirm);
      if (refusal) return refusal;
      await endShell(entry);
      return ok(toTerminal(entry.record));
    },

    async close(terminalId, confirm) {
      const entry = entries.get(terminalId);
      if (!entry) return ok({ closed: false });
      if (entry.record.kind === 'agent') return fail('invalid-state', "An agent's terminal ends when its agent ends it; close its tab only.");
      const refusal = busyRefusal(entry, confirm);
      if (refusal) return refusal;
      await endShell(entry);
      entry.isClosed = true;
      unitOfWork.run(() => {
        records.remove(terminalId);
        return { value: undefined, events: [removed(entry.record)] };
      });
      records.removeScreen(terminalId);
      dispose(entry);
      entries.delete(terminalId);
      return ok({ closed: true });
    },

    rename(terminalId, name) {
      const entry = entries.get(terminalId);
      if (!entry) return fail('not-found', `No terminal with id ${terminalId}.`);
      setRecord(entry, { ...entry.record, name });
      return ok(toTerminal(entry.record));
    },

    restart(terminalId, cols, rows) {
      const entry = entries.get(terminalId);
      if (!entry) return fail('not-found', `No terminal with id ${terminalId}.`);
      if (entry.record.kind === 'agent') return fail('invalid-state', "An agent's terminal cannot be restarted; ask the agent to run the command again.");
      if (entry.pty) return fail('invalid-state', 'The shell is still running.');
      const session = sessions.get(entry.record.sessionId);
      if (!session || session.archivedAt) return fail('invalid-state', 'The session is archived; restore it to start a shell in it.');
      if (runningShells() >= terminalLimits.maxRunningShells) return fail('busy', `${terminalLimits.maxRunningShells} shells are running already; close some first.`);
      // The same folder, unless it is gone (a worktree that was removed and recreated elsewhere).
      const started = startShell(ptys, { file: entry.record.command, args: defaultShell(env).args }, { cwd: entry.record.cwd, env, cols, rows });
      const fallback = started.ok ? started : startShell(ptys, { file: entry.record.command, args: defaultShell(env).args }, { cwd: session.cwd, env, cols, rows });
      if (!fallback.ok) return fallback;
      const pty = fallback.value;
      if (!entry.screen) {
        // Its old screen, compacted when it ended (or saved by an earlier run), becomes the top of the new one.
        const old = savedScreen(entry);
        entry.screen = openScreen(entry, { cols: old.cols, rows: old.rows }, old.screen);
      }
      entry.saved = undefined;
      entry.screen.resize(cols, rows);
      pidRegistry.register(pty.pid, { command: `terminal: ${entry.record.command}` });
      setRecord(entry, {
        ...entry.record,
        cwd: started.ok ? entry.record.cwd : session.cwd,
        state: 'running',
        exitCode: null,
        signal: null,
        cols,
        rows,
        pid: pty.pid,
        startIdentity: processStartIdentity(pty.pid) ?? null,
        endedAt: null,
      });
      // The new prompt starts on a line of its own, below the old screen.
      append(entry, '\r\n');
      follow(entry, pty);
      return ok(toTerminal(entry.record));
    },

    foregroundPrograms(sessionId) {
      const programs: string[] = [];
      for (const entry of entries.values()) {
        if (entry.record.sessionId !== sessionId || !entry.pty) continue;
        const program = foregroundProgram(entry.pty, entry.record.command);
        if (program) programs.push(program);
      }
      return programs;
    },

    async endSession(sessionId) {
      await Promise.all([...entries.values()].filter((entry) => entry.record.sessionId === sessionId).map(endShell));
    },

    forgetSessions(sessionIds) {
      const gone = new Set(sessionIds);
      const drafts: AppEventDraft[] = [];
      for (const entry of [...entries.values()]) {
        if (!gone.has(entry.record.sessionId)) continue;
        entry.isClosed = true;
        dispose(entry);
        entries.delete(entry.record.id);
        drafts.push(removed(entry.record));
      }
      // The rows went with their sessions (ON DELETE CASCADE); their screens go now.
      records.sweepScreens();
      if (drafts.length > 0) events.publish(drafts);
    },

    agentObserver: {
      started(process) {
        const chat = sessions.chat(process.chatId);
        if (!chat || isShuttingDown) return;
        const record: TerminalRecord = {
          id: process.terminalId,
          sessionId: chat.sessionId,
          kind: 'agent',
          chatId: process.chatId,
          name: null,
          title: process.command,
          cwd: process.cwd,
          command: process.command,
          state: 'running',
          exitCode: null,
          signal: null,
          // No pty: the command writes to pipes and never asks for a size. Wide enough for most
          // build logs; a view resizes it to fit.
          cols: 120,
          rows: 24,
          pid: process.pid,
          startIdentity: null,
          createdAt: new Date().toISOString(),
          endedAt: null,
        };
        const entry = newEntry(record, 0, batches);
        entry.decoder = new StringDecoder('utf8');
        entry.screen = openScreen(entry, { cols: record.cols, rows: record.rows });
        entries.set(record.id, entry);
        events.publish([changed(record)]);
        forgetOldAgentTerminals();
      },
      output(terminalId, chunk) {
        const entry = entries.get(terminalId);
        if (!entry?.decoder || !entry.screen) return;
        // Pipes carry bare newlines; a terminal needs the carriage return a pty would add.
        const text = entry.decoder.write(chunk).replace(/\r?\n/g, '\r\n');
        const backlog = entry.offset + entry.output.pendingChars - entry.screen.parsedOffset();
        if (backlog > terminalLimits.agentScreenBacklog) {
          if (!entry.isSkipping) append(entry, '\r\n\x1b[2m[BooCode: output skipped — the command writes faster than it can be shown]\x1b[0m\r\n');
          entry.isSkipping = true;
          return;
        }
        entry.isSkipping = false;
        append(entry, text);
      },
      exited(terminalId, status) {
        const entry = entries.get(terminalId);
        if (!entry || entry.record.kind !== 'agent') return;
        const rest = entry.decoder?.end() ?? '';
        if (rest) append(entry, rest);
        flush(entry);
        setRecord(entry, { ...entry.record, state: 'exited', exitCode: status.exitCode, signal: status.signal, pid: null, endedAt: new Date().toISOString() });
        void compact(entry);
        forgetOldAgentTerminals();
      },
    },

    reapedAtStart,

    async shutdown() {
      if (isShuttingDown) return;
      isShuttingDown = true;
      clearInterval(saveTimer);
      const live = [...entries.values()];
      for (const entry of live) flush(entry);
      const shells = live.filter((entry) => entry.pty);
      // Compact screens when their parsing is nearly done; otherwise screen plus raw tail, which shows the same.
      const compacted = Promise.all(shells.map((entry) => saveScreen(entry, { whenParsed: true })));
      if ((await Promise.race([compacted.then(() => true), delay(terminalTimings.shutdownParseWaitMs).then(() => false)])) === false) {
        await Promise.all(shells.map((entry) => saveScreen(entry, { whenParsed: false, isForced: true })));
      }
      // Their rows stay `running`: the next core shows them as restored, ended with BooCode.
      await Promise.all(shells.map(endShell));
      for (const entry of live) dispose(entry);
      await Promise.all([screens.dispose(), ptys.dispose()]);
    },
  };
  return service;

  // -------------------------------------------------------------------------------------------
  // Output and flow control

  function follow(entry: Entry, pty: Pty): void {
    entry.pty = pty;
    let settle: () => void = () => {};
    entry.exited = new Promise((resolveExit) => {
      settle = resolveExit;
    });
    pty.onData((data) => append(entry, data));
    pty.onExit(({ exitCode, signal }) => {
      flush(entry);
      pidRegistry.unregister(pty.pid);
      if (entry.pty === pty) {
        entry.pty = undefined;
        entry.isPaused = false;
      }
      if (!isShuttingDown && !entry.isClosed) {
        setRecord(entry, {
          ...entry.record,
          state: 'exited',
          exitCode: signal ? null : exitCode,
          signal: signal ? signalName(signal) : null,
          pid: null,
          startIdentity: null,
          endedAt: new Date().toISOString(),
        });
        void compact(entry);
      }
      settle();
    });
  }

  function append(entry: Entry, data: string): void {
    if (entry.isClosed || data.length === 0) return;
    entry.lastOutputAt = performance.now();
    entry.output.push(data);
  }

  function flush(entry: Entry): void {
    entry.output.flush();
  }

  /** A batch leaves: to the core's screen and, as a transient event stamped with its offset, to the views. */
  function publish(entry: Entry, data: string): void {
    const offset = entry.offset;
    entry.offset += data.length;
    const now = Date.now();
    for (const viewer of entry.viewers.values()) if (viewer.acked >= offset) viewer.lastSeenAt = now;
    entry.screen?.write(data);
    entry.isDirty = true;
    events.publishTransient({ type: 'terminal.output.appended', terminalId: entry.record.id, offset, data });
    updateFlow(entry);
  }

  /**
   * Pauses the pty while a live view, or the core's screen, is too far behind; resumes when all
   * caught up. A view that would rather step aside than hold the shell back is detached instead.
   */
  function updateFlow(entry: Entry): void {
    const pty = entry.pty;
    if (!pty) return;
    const now = Date.now();
    let viewerLag = 0;
    for (const [viewerId, viewer] of entry.viewers) {
      const lag = entry.offset - viewer.acked;
      if (viewer.detachBeyond !== undefined && lag > viewer.detachBeyond) {
        entry.viewers.delete(viewerId);
        events.publishTransient({ type: 'terminal.viewer.detached', terminalId: entry.record.id, viewerId });
        continue;
      }
      if (now - viewer.lastSeenAt <= flow.staleViewerMs) viewerLag = Math.max(viewerLag, lag);
    }
    const screenLag = entry.screen ? entry.offset - entry.screen.parsedOffset() : 0;
    if (!entry.isPaused && (viewerLag > flow.highWatermark || screenLag > flow.screenHighWatermark)) {
      entry.isPaused = true;
      pty.pause();
    } else if (entry.isPaused && viewerLag <= flow.lowWatermark && screenLag <= flow.screenLowWatermark) {
      entry.isPaused = false;
      pty.resume();
    }
    // A view that stopped acknowledging (its window went away) must not hold the shell forever.
    if (entry.isPaused && !entry.staleTimer) {
      entry.staleTimer = setTimeout(() => {
        entry.staleTimer = undefined;
        updateFlow(entry);
      }, flow.staleViewerMs);
      entry.staleTimer.unref();
    }
  }

  // -------------------------------------------------------------------------------------------
  // Screens

  /**
   * Resolves once the terminal's output has paused for `quietMs` (a flood ended, or paused), or
   * after `atMostMs`, or when the terminal ends: a view standing aside from a flood asks with
   * this, so it sees the end of the flood at once and the middle of it only now and then.
   */
  function untilQuiet(entry: Entry, { quietMs, atMostMs = flow.lookAtMostMs }: ScreenWait): Promise<void> {
    const deadline = performance.now() + atMostMs;
    return new Promise((resolve) => {
      const check = () => {
        const now = performance.now();
        const quietFor = now - entry.lastOutputAt;
        if (quietFor >= quietMs || now >= deadline || entry.isClosed || !entry.pty) {
          resolve();
          return;
        }
        setTimeout(check, Math.max(1, Math.min(quietMs - quietFor, deadline - now))).unref();
      };
      check();
    });
  }

  /**
   * The screen up to the stream's end, parsed first (the core's screen is a few ms behind at
   * most, ~50 under a flood), so that a view gets a screen to show rather than up to a megabyte
   * of raw output to parse behind it; what arrives meanwhile reaches a view through the stream.
   * A glance (`isViewportOnly`) leaves out the scrollback, whose serializing grows with it.
   */
  async function currentScreen(entry: Entry, { isViewportOnly }: { isViewportOnly: boolean }): Promise<Result<TerminalAttachment>> {
    const snapshot = entry.screen ? await entry.screen.snapshot({ whenParsed: true, isParsedOnly: true, isViewportOnly }) : { ...savedScreen(entry), offset: entry.offset };
    if (entry.isClosed) return fail('not-found', `No terminal with id ${entry.record.id}.`);
    return ok({ terminal: toTerminal(entry.record), ...snapshot });
  }

  function openScreen(entry: Entry, size: { cols: number; rows: number }, initial?: string): ScreenHandle {
    const screen = screens.open(entry.record.id, { ...size, scrollback: settings.get().terminalScrollback, initial, offset: entry.offset });
    screen.onParsed(() => {
      if (entry.isPaused) updateFlow(entry);
    });
    screen.onTitle((title) => {
      if (entry.titleTimer) clearTimeout(entry.titleTimer);
      entry.titleTimer = setTimeout(() => {
        entry.titleTimer = undefined;
        const clean = withoutControlCharacters(title).slice(0, terminalLimits.maxTitleLength).trim();
        if (clean !== '' && clean !== entry.record.title && !entry.isClosed) setRecord(entry, { ...entry.record, title: clean });
      }, terminalTimings.titleDebounceMs);
    });
    return screen;
  }

  /** An ended terminal's screen, serialized once its headless terminal has parsed everything, and the terminal freed. */
  async function compact(entry: Entry): Promise<void> {
    const screen = entry.screen;
    if (!screen) return;
    const snapshot = await screen.snapshot({ whenParsed: true });
    if (entry.screen !== screen || entry.pty || entry.isClosed) return; // restarted or closed meanwhile
    entry.saved = { screen: snapshot.screen, cols: snapshot.cols, rows: snapshot.rows };
    entry.screen = undefined;
    screen.dispose();
    if (entry.record.kind === 'shell') writeSaved(entry, entry.saved);
  }

  function savedScreen(entry: Entry): { screen: string; cols: number; rows: number } {
    entry.saved ??= { screen: records.readScreen(entry.record.id) ?? '', cols: entry.record.cols, rows: entry.record.rows };
    return entry.saved;
  }

  /** Saves a shell's screen to disk; one save at a time per terminal (unless forced, at shutdown). */
  async function saveScreen(entry: Entry, { whenParsed = false, isForced = false } = {}): Promise<void> {
    const screen = entry.screen;
    if (entry.record.kind !== 'shell' || entry.isClosed || !screen || (entry.isSaving && !isForced)) return;
    entry.isSaving = true;
    entry.isDirty = false;
    try {
      const snapshot = await screen.snapshot({ whenParsed });
      if (!entry.isClosed) writeSaved(entry, snapshot);
    } finally {
      entry.isSaving = false;
    }
  }

  function writeSaved(entry: Entry, snapshot: { screen: string; cols: number; rows: number }): void {
    try {
      records.writeScreen(entry.record.id, snapshot.screen);
      records.resize(entry.record.id, snapshot.cols, snapshot.rows);
    } catch (error) {
      log(`could not save the screen of terminal ${entry.record.id}: ${String(error)}`);
    }
  }

  function saveDirtyScreens(): void {
    for (const entry of entries.values()) if (entry.isDirty && entry.screen && entry.record.kind === 'shell') void saveScreen(entry);
  }

  // -------------------------------------------------------------------------------------------
  // Processes

  /** Refuses to end a shell that runs a program in its foreground, unless confirmed. */
  function busyRefusal(entry: Entry, confirm: boolean): Result<never> | undefined {
    if (confirm || !entry.pty) return undefined;
    const program = foregroundProgram(entry.pty, entry.record.command);
    if (!program) return undefined;
    return fail('busy', `${program} is running in this terminal; confirm to stop it.`);
  }

  /** Hangs up the shell's whole session (every job), then waits until the pty reports the exit. */
  async function endShell(entry: Entry): Promise<void> {
    const pty = entry.pty;
    if (!pty) return;
    // A paused pty is not read, so it never sees the hang-up's end of file and never exits.
    pty.resume();
    entry.isPaused = false;
    const isGone = await endShellSession(pty.pid);
    if (!isGone) log(`terminal ${entry.record.id}: processes of shell ${pty.pid} outlived SIGKILL`);
    await Promise.race([entry.exited, delay(terminalTimings.exitReportWaitMs)]);
  }

  function runningShells(): number {
    let count = 0;
    for (const entry of entries.values()) if (entry.pty) count += 1;
    return count;
  }

  /**
   * Shells a previous core left `running` ended with it (or are reaped now, if it was killed):
   * they become restored terminals that show their last saved screen.
   */
  function restoreAtStart(): number[] {
    const reaped: number[] = [];
    const drafts: AppEventDraft[] = [];
    for (const stored of records.list()) {
      let record = stored;
      if (record.state === 'running') {
        if (record.pid !== null) {
          if (reapShellSession(record.pid, record.startIdentity)) reaped.push(record.pid);
          pidRegistry.unregister(record.pid);
        }
        record = { ...record, state: 'restored', pid: null, startIdentity: null, endedAt: record.endedAt ?? new Date().toISOString() };
        records.update(record);
        drafts.push(changed(record));
      }
      entries.set(record.id, newEntry(record, 0, batches));
    }
    records.sweepScreens();
    if (drafts.length > 0) events.publish(drafts);
    if (reaped.length > 0) log(`ended ${reaped.length} shell(s) left running by an earlier run: ${reaped.join(', ')}`);
    return reaped;
  }

  // -------------------------------------------------------------------------------------------
  // Records

  function setRecord(entry: Entry, record: TerminalRecord): void {
    entry.record = record;
    if (record.kind === 'agent') {
      events.publish([changed(record)]);
      return;
    }
    unitOfWork.run(() => {
      records.update(record);
      return { value: undefined, events: [changed(record)] };
    });
  }

  function forgetOldAgentTerminals(): void {
    const ended = [...entries.values()].filter((entry) => entry.record.kind === 'agent' && entry.record.state !== 'running');
    const drafts: AppEventDraft[] = [];
    for (const entry of ended.slice(0, Math.max(0, ended.length - terminalLimits.retainedAgentTerminals))) {
      entry.isClosed = true;
      dispose(entry);
      entries.delete(entry.record.id);
      drafts.push(removed(entry.record));
    }
    if (drafts.length > 0) events.publish(drafts);
  }

  function dispose(entry: Entry): void {
    entry.output.dispose();
    if (entry.staleTimer) clearTimeout(entry.staleTimer);
    if (entry.titleTimer) clearTimeout(entry.titleTimer);
    entry.staleTimer = entry.titleTimer = undefined;
    entry.screen?.dispose();
    entry.screen = undefined;
    entry.viewers.clear();
  }
}

function newEntry(record: TerminalRecord, offset: number, batches: { windowMs: number; maxChars: number; emit: (entry: Entry, data: string) => void }): Entry {
  const entry: Entry = {
    record,
    offset,
    screen: undefined,
    saved: undefined,
    pty: undefined,
    exited: Promise.resolve(),
    output: createCoalescer({ ...batches, emit: (data) => batches.emit(entry, data) }),
    lastOutputAt: 0,
    viewers: new Map(),
    isPaused: false,
    staleTimer: undefined,
    isDirty: false,
    isSaving: false,
    isClosed: false,
    titleTimer: undefined,
    decoder: undefined,
    isSkipping: false,
  };
  return entry;
}

function toTerminal(record: TerminalRecord): Terminal {
  const { cols: _cols, rows: _rows, pid: _pid, startIdentity: _identity, ...terminal } = record;
  return terminal;
}

function changed(record: TerminalRecord): AppEventDraft {
  return { type: 'terminal.record.changed', terminal: toTerminal(record) };
}

function removed(record: TerminalRecord): AppEventDraft {
  return { type: 'terminal.record.removed', terminalId: record.id, sessionId: record.sessionId };
}

function signalName(signal: number): string {
  const found = Object.entries(constants.signals).find(([, number]) => number === signal);
  return found ? found[0] : `signal ${signal}`;
}

function withoutControlCharacters(text: string): string {
  let clean = '';
  for (const character of text) {
    const code = character.charCodeAt(0);
    if (code >= 0x20 && code !== 0x7f) clean += character;
  }
  return clean;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolveDelay) => setTimeout(resolveDelay, ms).unref());
}
