// The pool owns every warm agent process. It starts a backend per (chat, agent) on the first
// turn and keeps it warm; marks a process that exits on its own as crashed (the next turn
// respawns and resumes it); trips a breaker on a crash loop; and stops idle processes least
// recently used first beyond `maxWarm`, or after `idleTtl`. Busy processes are never reaped.
import type { AgentEvent, AgentProcessInfo, ProcessState } from '../../shared/agents.ts';
import { fail, type AppEventDraft, type Result } from '../../shared/contract.ts';
import type { AgentSessionStore } from './agentSessions.ts';
import type { AgentBackend, BackendFactory, ExitInfo, TurnInput, TurnOutcome } from './backend.ts';
import type { AgentCatalog, AgentLaunchSpec } from './catalog/index.ts';
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
  /** Aborting it cancels the turn (session/cancel); the process lives on. */
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
  isInTurn: boolean;
  isFailed: boolean;
  /** Last measured memory of the process group; refreshed off the turn path (see measure()). */
  rssBytes: number | null;
  crashes: number[];
  exit: ExitInfo | null;
  readonly unsubscribe: () => void;
}

const liveStates: readonly ProcessState[] = ['starting', 'ready', 'busy', 'idle'];

export function createAgentPool(options: PoolOptions): AgentPool {
  const policy = { ...poolPolicy, ...options.policy };
  const entries = new Map<string, Entry>();
  let isShuttingDown = false;
  const timer = setInterval(() => {
    measure();
    void reap();
  }, policy.reapIntervalMs);
  timer.unref();

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
    const entry: Entry = {
      chatId: request.chatId,
      agentId: request.agentId,
      cwd: request.cwd,
      backend,
      state: 'stopped',
      since: new Date().toISOString(),
      pid: null,
      lastUsedAt: Date.now(),
      isInTurn: false,
      isFailed: false,
      rssBytes: null,
      crashes: [],
      exit: null,
      unsubscribe: backend.onStateChange((change) => {
        entry.pid = change.pid ?? entry.pid;
        if (change.state === 'crashed') {
          entry.exit = change.exit;
          recordCrash(entry);
          options.sessions.setStatus(entry.chatId, entry.agentId, 'crashed');
        }
        setEntryState(entry, entry.isFailed ? 'failed' : change.state);
      }),
    };
    entries.set(keyOf(request.chatId, request.agentId), entry);
    return entry;
  }

  async function runTurn(request: TurnRequest, onEvent: (event: AgentEvent) => void): Promise<Result<TurnOutcome>> {
    if (isShuttingDown) return fail('cancelled', 'BooCode is shutting down.');
    const key = keyOf(request.chatId, request.agentId);
    let entry = entries.get(key);
    if (entry?.isFailed) {
      return fail(
        'agent-failed',
        `${request.agentId} crashed ${policy.crashLimit} times within ${Math.round(policy.crashWindowMs / 60_000)} minutes and was turned off. Reset it to try again.${entry.exit?.stderrTail ? ` Last output:\n${entry.exit.stderrTail.trimEnd()}` : ''}`,
      );
    }
    if (entry?.isInTurn) return fail('invalid-arguments', `${request.agentId} is already running a turn in this chat.`);
    if (entry && entry.cwd !== request.cwd) {
      // The chat now works elsewhere (a worktree appeared): the old process cannot follow.
      entries.delete(key);
      entry.unsubscribe();
      await entry.backend.close();
      entry = undefined;
    }
    if (!entry) {
      const spec = await options.catalog.resolve(request.agentId, { projectPath: request.projectPath });
      if (!spec.ok) return spec;
      entry = create(request, spec.value);
    }
    const running = entry;
    running.isInTurn = true;
    running.lastUsedAt = Date.now();
    // Backends also watch the signal themselves (a cancel while the process starts); cancel() is idempotent.
    const onAbort = () => void running.backend.cancel();
    request.signal?.addEventListener('abort', onAbort);
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
      request.signal?.removeEventListener('abort', onAbort);
      running.isInTurn = false;
      running.lastUsedAt = Date.now();
      if (running.isFailed && running.state !== 'failed') setEntryState(running, 'failed');
      void reap();
    }
  }

  async function reap(): Promise<void> {
    const { maxWarm, idleTtlMs } = options.limits();
    const now = Date.now();
    const idle = [...entries.values()]
      .filter((entry) => !entry.isInTurn && (entry.state === 'idle' || entry.state === 'ready'))
      .sort((a, b) => a.lastUsedAt - b.lastUsedAt);
    const doomed = idle.filter((entry) => now - entry.lastUsedAt > idleTtlMs);
    const kept = idle.filter((entry) => !doomed.includes(entry));
    while (kept.length > maxWarm) {
      const oldest = kept.shift();
      if (oldest) doomed.push(oldest);
    }
    await Promise.all(
      doomed.map(async (entry) => {
        options.log(`stopping idle ${entry.agentId} of chat ${entry.chatId}`);
        await entry.backend.close();
        options.sessions.setStatus(entry.chatId, entry.agentId, 'closed');
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
      for (const entry of targets) entries.delete(keyOf(entry.chatId, entry.agentId));
      await Promise.all(
        targets.map(async (entry) => {
          await entry.backend.close();
          entry.unsubscribe();
          if (entry.state !== 'stopped') setEntryState(entry, 'stopped');
          options.sessions.setStatus(entry.chatId, entry.agentId, 'closed');
        }),
      );
      return targets.length;
    },
    reap,
    liveCount: () => [...entries.values()].filter((entry) => liveStates.includes(entry.state)).length,
    async shutdown() {
      isShuttingDown = true;
      clearInterval(timer);
      await Promise.all([...entries.values()].map((entry) => entry.backend.close()));
    },
  };
}
