// The pool owns every warm agent process. It starts a backend per (chat, agent) on the first
// turn and keeps it warm; marks a process that exits on its own as crashed (the next turn
// respawns and resumes it); trips a breaker on a crash loop; and stops idle processes least
// recently used first beyond `maxWarm`, or after `idleTtl`. Busy processes are never reaped.
// Everything for one (chat, agent) happens under its lock: two first turns cannot start two
// processes, and reaping never closes a process a turn is about to use.
import type { AgentEvent, AgentProcessInfo, ProcessState } from '../../shared/agents.ts';
import { fail, type AppEventDraft, type Result } from '../../shared/contract.ts';
import type { AgentSessionStore } from './agentSessions.ts';
import type { AgentBackend, BackendFactory, ExitInfo, TurnInput, TurnOutcome } from './backend.ts';
import type { AgentCatalog, AgentLaunchSpec } from './catalog/index.ts';
import { createDisposableStore, createKeyedMutex } from '../lifecycle/index.ts';
import { processGroupRss } from './processTree.ts';

export const poolPolicy = {
  /** This many crashes within `crashWindowMs` open the breaker: the agent is `failed` until reset. */
  crashLimit: 3,
  /** Two minutes: long enough to catch a crash on every turn, short enough to forgive the odd one. */
  crashWindowMs: 120_000,
  /** How often idle processes are checked against `idleTtl` (maxWarm is also enforced after every turn). */
  reapIntervalMs: 30_000,
} as const;

export interface TurnRequest {
  readonly chatId: string;
  readonly agentId: string;
  /** Working directory of the agent (the session's worktree or the project folder). */
  readonly cwd: string;
  /** Where to look for a project-local agent binary (node_modules/.bin). */
  readonly projectPath?: string;
  readonly input: TurnInput;
  /**
   * Aborting it stops the turn at once, whatever it is doing: waiting for another turn of the
   * same (chat, agent), starting the process (which is then killed), or running (session/cancel).
   */
  readonly signal?: AbortSignal;
}

export interface PoolOptions {
  readonly catalog: AgentCatalog;
  /** One factory per protocol an agent may speak. */
  readonly backends: Readonly<Record<AgentLaunchSpec['protocol'], BackendFactory>>;
  readonly sessions: AgentSessionStore;
  readonly publish: (drafts: readonly AppEventDraft[]) => void;
  /** Read at every reap, so settings changes apply at once. */
  readonly limits: () => { maxWarm: number; idleTtlMs: number };
  readonly log: (line: string) => void;
  readonly policy?: Partial<typeof poolPolicy>;
}

export interface AgentPool {
  runTurn(request: TurnRequest, onEvent: (event: AgentEvent) => void): Promise<Result<TurnOutcome>>;
  /** Cancels the running turn of a chat (of one agent, or whichever is running). */
  cancel(chatId: string, agentId?: string): Promise<void>;
  list(): AgentProcessInfo[];
  /** Closes the breaker of a failed agent so the next turn may start it again. */
  reset(chatId: string, agentId: string): boolean;
  /**
   * Stops a chat's agents (one, or all) and forgets them, waiting until their process groups are
   * gone; a later turn starts a new process and resumes the agent session where it can. Call it
   * once the chat runs no turn.
   */
  stop(chatId: string, agentId?: string): Promise<number>;
  /** Applies maxWarm and idleTtl now. */
  reap(): Promise<void>;
  /** Processes currently alive (starting, ready, busy or idle). */
  liveCount(): number;
  shutdown(): Promise<void>;
}

interface Entry {
  readonly chatId: string;
  readonly agentId: string;
  readonly cwd: string;
  readonly backend: AgentBackend;
  state: ProcessState;
  since: string;
  pid: number | null;
  lastUsedAt: number;
  isFailed: boolean;
  /** Last measured memory of the process group; refreshed off the turn path (see measure()). */
  rssBytes: number | null;
  crashes: number[];
  exit: ExitInfo | null;
  /** Stops listening to the backend and forgets it (the pool's store owns the backend's close). */
  readonly release: () => Promise<void>;
}

const liveStates: readonly ProcessState[] = ['starting', 'ready', 'busy', 'idle'];

export function createAgentPool(options: PoolOptions): AgentPool {
  const policy = { ...poolPolicy, ...options.policy };
  const entries = new Map<string, Entry>();
  const locks = createKeyedMutex();
  const owner = createDisposableStore((error) => options.log(`stopping an agent failed: ${String(error)}`));
  let isShuttingDown = false;
  const timer = setInterval(() => {
    measure();
    void reap();
  }, policy.reapIntervalMs);
  timer.unref();
  owner.add(() => clearInterval(timer));

  // Reading a group's memory walks /proc (about a millisecond); doing that on every state change
  // would cost more than a whole warm turn, so it runs on the reap timer and on list().
  function measure(): void {
    for (const entry of entries.values()) {
      entry.rssBytes = entry.pid !== null && liveStates.includes(entry.state) ? processGroupRss(entry.pid) : null;
    }
  }

  function keyOf(chatId: string, agentId: string): string {
    return `${chatId}\u0000${agentId}`;
  }

  function info(entry: Entry): AgentProcessInfo {
    return {
      chatId: entry.chatId,
      agentId: entry.agentId,
      pid: entry.pid,
      state: entry.state,
      since: entry.since,
      rssBytes: liveStates.includes(entry.state) ? entry.rssBytes : null,
      exit: entry.exit,
    };
  }

  function announce(entry: Entry): void {
    options.publish([{ type: 'agent.process.changed', process: info(entry) }]);
  }

  function setEntryState(entry: Entry, state: ProcessState): void {
    entry.state = state;
    entry.since = new Date().toISOString();
    announce(entry);
  }

  function recordCrash(entry: Entry): void {
    const now = Date.now();
    entry.crashes = [...entry.crashes.filter((at) => now - at < policy.crashWindowMs), now];
    if (entry.crashes.length >= policy.crashLimit) entry.isFailed = true;
  }

  function create(request: TurnRequest, spec: AgentLaunchSpec): Entry {
    const stored = options.sessions.get(request.chatId, request.agentId);
    const backend = options.backends[spec.protocol]({
      chatId: request.chatId,
      agentId: request.agentId,
      spec,
      cwd: request.cwd,
      storedSessionId: stored?.sessionId ?? null,
      onSession: (sessionId) => {
        options.sessions.save({ chatId: request.chatId, agentId: request.agentId, backend: backend.kind, sessionId, status: 'active' });
      },
    });
    const unsubscribe = backend.onStateChange((change) => {
      entry.pid = change.pid ?? entry.pid;
      if (change.state === 'crashed') {
        entry.exit = change.exit;
        recordCrash(entry);
        options.sessions.setStatus(entry.chatId, entry.agentId, 'crashed');
      }
      setEntryState(entry, entry.isFailed ? 'failed' : change.state);
    });
    // Added in order, disposed in reverse: the listener goes before the process it listens to.
    const closeBackend = owner.add(() => backend.close());
    const stopListening = owner.add(unsubscribe);
    const entry: Entry = {
      chatId: request.chatId,
      agentId: request.agentId,
      cwd: request.cwd,
      backend,
      state: 'stopped',
      since: new Date().toISOString(),
      pid: null,
      lastUsedAt: Date.now(),
      isFailed: false,
      rssBytes: null,
      crashes: [],
      exit: null,
      release: async () => {
        await stopListening();
        await closeBackend();
      },
    };
    entries.set(keyOf(request.chatId, request.agentId), entry);
    return entry;
  }

  async function runTurn(request: TurnRequest, onEvent: (event: AgentEvent) => void): Promise<Result<TurnOutcome>> {
    if (isShuttingDown) return fail('cancelled', 'BooCode is shutting down.');
    const key = keyOf(request.chatId, request.agentId);
    // Uncontended (the usual case), the lock is taken at once, without a trip through the event loop.
    const unlock = locks.tryLock(key) ?? (await locks.lock(key, request.signal));
    if (!unlock) return fail('cancelled', 'The turn was cancelled before it started.');
    try {
      return await runLocked(key, request, onEvent);
    } finally {
      unlock();
      void reap();
    }
  }

  /** One turn, under the (chat, agent) lock. */
  async function runLocked(key: string, request: TurnRequest, onEvent: (event: AgentEvent) => void): Promise<Result<TurnOutcome>> {
    if (isShuttingDown) return fail('cancelled', 'BooCode is shutting down.');
    let entry = entries.get(key);
    if (entry?.isFailed) {
      return fail(
        'agent-failed',
        `${request.agentId} crashed ${policy.crashLimit} times within ${Math.round(policy.crashWindowMs / 60_000)} minutes and was turned off. Reset it to try again.${entry.exit?.stderrTail ? ` Last output:\n${entry.exit.stderrTail.trimEnd()}` : ''}`,
      );
    }
    if (entry && entry.cwd !== request.cwd) {
      // The chat now works elsewhere (a worktree appeared): the old process cannot follow.
      entries.delete(key);
      await entry.release();
      entry = undefined;
    }
    if (!entry) {
      const spec = await options.catalog.resolve(request.agentId, { projectPath: request.projectPath });
      if (!spec.ok) return spec;
      if (isShuttingDown) return fail('cancelled', 'BooCode is shutting down.');
      entry = create(request, spec.value);
    }
    const running = entry;
    running.lastUsedAt = Date.now();
    // The backend watches the signal itself, from its start to the agent's answer.
    try {
      if (request.signal?.aborted) return fail('cancelled', 'The turn was cancelled before it started.');
      const result = await running.backend.prompt(request.input, onEvent, request.signal);
      if (!result.ok && result.error.kind === 'handshake-timeout') recordCrash(running);
      if (result.ok) {
        options.sessions.setStatus(request.chatId, request.agentId, 'idle');
        if (result.value.usage) options.sessions.addUsage(request.chatId, request.agentId, result.value.usage);
      }
      return result;
    } finally {
      running.lastUsedAt = Date.now();
      if (running.isFailed && running.state !== 'failed') setEntryState(running, 'failed');
    }
  }

  let reaping: Promise<void> = Promise.resolve();

  /** One reap at a time: a caller waits for the one under way, so it sees its closes finished. */
  function reap(): Promise<void> {
    reaping = reaping.then(reapNow, reapNow);
    return reaping;
  }

  async function reapNow(): Promise<void> {
    const { maxWarm, idleTtlMs } = options.limits();
    const now = Date.now();
    // A locked entry has a turn running or about to: it is busy whatever its state says.
    const idle = [...entries.values()]
      .filter((entry) => !locks.isLocked(keyOf(entry.chatId, entry.agentId)) && (entry.state === 'idle' || entry.state === 'ready'))
      .sort((a, b) => a.lastUsedAt - b.lastUsedAt);
    const doomed = idle.filter((entry) => now - entry.lastUsedAt > idleTtlMs);
    const kept = idle.filter((entry) => !doomed.includes(entry));
    while (kept.length > maxWarm) {
      const oldest = kept.shift();
      if (oldest) doomed.push(oldest);
    }
    await Promise.all(
      doomed.map(async (entry) => {
        // Held while closing, so a turn that arrives now waits and then starts a fresh process.
        const unlock = locks.tryLock(keyOf(entry.chatId, entry.agentId));
        if (!unlock) return;
        try {
          options.log(`stopping idle ${entry.agentId} of chat ${entry.chatId}`);
          await entry.backend.close();
          options.sessions.setStatus(entry.chatId, entry.agentId, 'closed');
        } finally {
          unlock();
        }
      }),
    );
  }

  return {
    runTurn,
    async cancel(chatId, agentId) {
      const targets = [...entries.values()].filter((entry) => entry.chatId === chatId && (agentId === undefined || entry.agentId === agentId));
      await Promise.all(targets.map((entry) => entry.backend.cancel()));
    },
    list() {
      measure();
      return [...entries.values()].map(info);
    },
    reset(chatId, agentId) {
      const entry = entries.get(keyOf(chatId, agentId));
      if (!entry?.isFailed) return false;
      entry.isFailed = false;
      entry.crashes = [];
      setEntryState(entry, entry.backend.state());
      return true;
    },
    async stop(chatId, agentId) {
      const targets = [...entries.values()].filter((entry) => entry.chatId === chatId && (agentId === undefined || entry.agentId === agentId));
      await Promise.all(
        targets.map(async (entry) => {
          const key = keyOf(entry.chatId, entry.agentId);
          // Taken like a turn: a turn that arrives meanwhile waits, then starts a new process.
          const unlock = locks.tryLock(key) ?? (await locks.lock(key));
          try {
            if (entries.get(key) !== entry) return;
            entries.delete(key);
            await entry.release();
            if (entry.state !== 'stopped') setEntryState(entry, 'stopped');
            options.sessions.setStatus(entry.chatId, entry.agentId, 'closed');
          } finally {
            unlock?.();
          }
        }),
      );
      return targets.length;
    },
    reap,
    liveCount: () => [...entries.values()].filter((entry) => liveStates.includes(entry.state)).length,
    async shutdown() {
      isShuttingDown = true;
      // In parallel: an agent deaf to SIGTERM takes the whole grace period, and there may be many.
      await Promise.all([...entries.values()].map((entry) => entry.release()));
      await owner.dispose();
    },
  };
}
