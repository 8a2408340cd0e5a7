// What every agent backend shares: its process state and the listeners told of it, one start at
// a time that a stopped turn or close() aborts (killing whatever the start had spawned), and how
// an exit is described. The ACP and opencode backends differ only in how they start, talk and
// stop; this is the supervisor half of STYLE.md habit 6 that both need.
import type { ProcessState, SessionOrigin } from '../../shared/agents.ts';
import { fail, type Result } from '../../shared/contract.ts';
import { createDisposableStore, type DisposableStore } from '../lifecycle/index.ts';
import type { BackendStateChange, ExitInfo } from './backend.ts';

/** The agent session a start opened. */
export interface OpenedSession {
  readonly sessionId: string;
  readonly origin: SessionOrigin;
}

/**
 * One try at starting. Everything it spawns is added to `owner` at once: when the try fails or
 * is aborted, the base disposes `owner` (stopping a half-started process group); when it
 * succeeds, the backend keeps `owner` as the life of the process and disposes it at the end.
 */
export interface StartAttempt {
  readonly signal: AbortSignal;
  readonly owner: DisposableStore;
}

export interface BackendBase {
  state(): ProcessState;
  lastExit(): ExitInfo | null;
  setState(next: ProcessState): void;
  /** Records how the process ended, for the next `crashed` announcement and for turns that ask. */
  recordExit(exit: ExitInfo): void;
  onStateChange(listener: (change: BackendStateChange) => void): () => void;
  /**
   * Starts (or joins the start under way). Resolves `cancelled` as soon as `signal` aborts; the
   * start itself is aborted when no caller waits for it any more.
   */
  start(signal?: AbortSignal): Promise<Result<OpenedSession>>;
  /** Aborts a start under way (and waits until what it spawned is gone), then stops the process. */
  close(): Promise<void>;
  /** "opencode was killed by SIGKILL. Last output: …" */
  describeExit(exit: ExitInfo): string;
}

export interface BackendBaseOptions {
  /** The agent's name, for people. */
  readonly name: string;
  readonly pid: () => number | null;
  /** Starts the process and opens a session; looks at `attempt.signal` between its steps. */
  open(attempt: StartAttempt): Promise<Result<OpenedSession>>;
  /** Stops the live process, if there is one. */
  stop(): Promise<void>;
  readonly log: (line: string) => void;
}

interface Attempt {
  readonly abort: AbortController;
  readonly settled: Promise<Result<OpenedSession>>;
  waiters: number;
}

export function createBackendBase(options: BackendBaseOptions): BackendBase {
  const listeners = new Set<(change: BackendStateChange) => void>();
  let state: ProcessState = 'stopped';
  let lastExit: ExitInfo | null = null;
  let attempt: Attempt | undefined;

  function setState(next: ProcessState): void {
    state = next;
    const change: BackendStateChange = { state: next, pid: options.pid(), exit: next === 'crashed' ? lastExit : null };
    for (const listener of listeners) listener(change);
  }

  /** A new try; it waits for `previous` (an aborted try still tearing down) before it spawns anything. */
  function begin(previous: Promise<unknown> | undefined): Attempt {
    const abort = new AbortController();
    const owner = createDisposableStore((error) => options.log(`${options.name}: cleanup after a failed start failed: ${String(error)}`));
    const settled = (async (): Promise<Result<OpenedSession>> => {
      await previous;
      if (abort.signal.aborted) return cancelledStart(options.name);
      let result: Result<OpenedSession>;
      try {
        result = await options.open({ signal: abort.signal, owner });
      } catch (error) {
        result = fail('internal', `${options.name} could not be started: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (result.ok && !abort.signal.aborted) return result;
      await owner.dispose();
      if (state === 'starting' || state === 'ready') setState('stopped');
      return abort.signal.aborted ? cancelledStart(options.name) : result;
    })();
    const current: Attempt = { abort, settled, waiters: 0 };
    void settled.finally(() => {
      if (attempt === current) attempt = undefined;
    });
    return current;
  }

  function start(signal?: AbortSignal): Promise<Result<OpenedSession>> {
    if (signal?.aborted) return Promise.resolve(cancelledStart(options.name));
    // A try that was aborted is never joined: its process is being killed.
    if (!attempt || attempt.abort.signal.aborted) attempt = begin(attempt?.settled);
    const current = attempt;
    current.waiters += 1;
    return new Promise((resolve) => {
      let isDone = false;
      const leave = (result: Result<OpenedSession>) => {
        if (isDone) return;
        isDone = true;
        signal?.removeEventListener('abort', onAbort);
        current.waiters -= 1;
        resolve(result);
      };
      // Stop always wins: the caller hears `cancelled` now, not when the agent gets round to it.
      const onAbort = () => {
        leave(cancelledStart(options.name));
        if (current.waiters === 0) current.abort.abort();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      void current.settled.then(leave);
    });
  }

  return {
    state: () => state,
    lastExit: () => lastExit,
    setState,
    recordExit(exit) {
      lastExit = exit;
    },
    onStateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    start,
    async close() {
      const current = attempt;
      if (current) {
        current.abort.abort();
        await current.settled;
      }
      await options.stop();
      if (state !== 'stopped') setState('stopped');
    },
    describeExit: (exit) => describeExit(options.name, exit),
  };
}

/**
 * What a turn's own abort signal says when the turn simply ended. Made once: abort() without a
 * reason builds a DOMException, stack and all, which cost ~14 µs on every warm turn.
 */
export const turnEnded = new Error('The turn ended.');

/** "opencode was killed by SIGKILL. Last output: …" */
export function describeExit(name: string, exit: ExitInfo): string {
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return `${name} ${how}.${exit.stderrTail ? ` Last output:\n${exit.stderrTail.trimEnd()}` : ''}`;
}

function cancelledStart(name: string): Result<OpenedSession> {
  return fail('cancelled', `The turn was cancelled while ${name} was starting.`);
}
