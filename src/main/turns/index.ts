// The dispatcher: a send is validated and accepted at once, and the turn runs on the core, not
// on the caller. A chat runs one turn at a time; later sends wait in its persisted queue (or
// interrupt the running turn). Every turn ends in exactly one persisted terminal state with one
// `chat.turn.ended` event. A running turn heartbeats; turns left running by a crash of the app
// become `interrupted` at the next start, their partial output kept, ready to retry.
import type { AgentEvent } from '../../shared/agents.ts';
import type { AgentContinuity, ChatView, Message, Turn } from '../../shared/chats.ts';
import { fail, ok, type AppEventDraft, type ErrorKind, type ProjectId, type Result } from '../../shared/contract.ts';
import type { Agents, TurnOutcome } from '../agents/index.ts';
import type { UnitOfWork } from '../store/index.ts';
import type { EventBus } from '../events/index.ts';
import type { ProjectService } from '../projects/index.ts';
import type { SessionService } from '../sessions/index.ts';
import type { SettingsService } from '../settings/index.ts';
import type { Store } from '../store/index.ts';
import { createPartWriter, type partTimings, type PartWriter } from './partWriter.ts';
import { createTurnStore, type TurnEnd } from './turnStore.ts';

export const turnTimings = {
  /**
   * A running turn proves it is alive this often; a turn found running after a crash ended at its
   * last heartbeat, so it is recorded as ending then (at most this late), not at the restart.
   */
  heartbeatMs: 5_000,
} as const;

const defaultPageSize = 50;
const recentTurnCount = 20;

export interface SendOptions {
  readonly agent?: string;
  readonly mode?: string;
  readonly model?: string;
  readonly whenBusy?: 'queue' | 'interrupt';
}

/** Called after every turn ends, with the session it ran in (the worktree service records changes). */
export type TurnObserver = (turn: Turn, sessionId: string) => Promise<void> | void;

export interface TurnService {
  send(chatId: string, text: string, options?: SendOptions): Promise<Result<{ turnId: string; queued: boolean }>>;
  cancel(chatId: string): Promise<Result<{ cancelled: boolean }>>;
  retry(turnId: string): Promise<Result<{ turnId: string; queued: boolean }>>;
  view(chatId: string, limit?: number): Result<ChatView>;
  history(chatId: string, before: number | undefined, limit?: number): Result<{ messages: Message[]; hasOlder: boolean }>;
  queue(chatId: string): Result<Turn[]>;
  promote(turnId: string): Result<Turn[]>;
  removeQueued(turnId: string): Result<Turn[]>;
  clearQueue(chatId: string): Result<Turn[]>;
  turn(turnId: string): Turn | undefined;
  /** Resolves when the turn has ended (at once for an ended turn). */
  whenEnded(turnId: string): Promise<Turn | undefined>;
  /** Marks turns left running by an earlier run as interrupted and restarts waiting queues. */
  recover(): { interrupted: Turn[] };
  /** Cancels running turns and waits for them to end. */
  shutdown(): Promise<void>;
}

interface ActiveTurn {
  readonly turnId: string;
  readonly abort: AbortController;
  readonly ended: Promise<void>;
}

export function createTurnService(deps: {
  store: Store;
  unitOfWork: UnitOfWork;
  events: EventBus;
  sessions: SessionService;
  projects: ProjectService;
  settings: SettingsService;
  agents: Agents;
  log: (line: string) => void;
  onTurnEnded?: TurnObserver;
  partTimings?: Partial<Record<keyof typeof partTimings, number>>;
  heartbeatMs?: number;
}): TurnService {
  const turns = createTurnStore(deps.store);
  const active = new Map<string, ActiveTurn>();
  // Sends not yet recorded, per chat: a cancel pipelined behind a send waits for them, so that
  // Stop always finds the turn its send started.
  const accepting = new Map<string, Set<Promise<unknown>>>();
  const endWaiters = new Map<string, ((turn: Turn | undefined) => void)[]>();
  let isShuttingDown = false;

  function queueChanged(chatId: string): AppEventDraft {
    return { type: 'chat.queue.changed', chatId, queue: turns.queue(chatId) };
  }

  function send(chatId: string, text: string, options: SendOptions = {}, retryOf: string | null = null): Promise<Result<{ turnId: string; queued: boolean }>> {
    const accepted = accept(chatId, text, options, retryOf);
    const pending = accepting.get(chatId) ?? new Set();
    accepting.set(chatId, pending);
    pending.add(accepted);
    void accepted.finally(() => {
      pending.delete(accepted);
      if (pending.size === 0 && accepting.get(chatId) === pending) accepting.delete(chatId);
    });
    return accepted;
  }

  async function accept(chatId: string, text: string, options: SendOptions, retryOf: string | null): Promise<Result<{ turnId: string; queued: boolean }>> {
    if (isShuttingDown) return fail('cancelled', 'BooCode is shutting down.');
    if (text.trim() === '') return fail('invalid-arguments', 'The prompt is empty.');
    const chat = deps.sessions.chat(chatId);
    if (!chat) return fail('not-found', `No chat with id ${chatId}.`);
    if (chat.archivedAt) return fail('invalid-state', `The chat "${chat.title}" is archived.`);
    const session = deps.sessions.get(chat.sessionId);
    if (!session) return fail('not-found', `No session with id ${chat.sessionId}.`);
    if (session.archivedAt) return fail('invalid-state', `The session "${session.name}" is archived; restore it to send.`);
    const agentId = options.agent ?? chat.agentId;
    const project = deps.projects.get(session.projectId as ProjectId);
    const spec = await deps.agents.catalog.resolve(agentId, { projectPath: project?.path });
    if (!spec.ok) return spec;

    // From here on nothing awaits until the turn is recorded, so two sends cannot both start.
    const isBusy = active.has(chatId) || turns.running(chatId) !== undefined;
    const whenBusy = options.whenBusy ?? 'queue';
    const { queueLimit } = deps.settings.get();
    if (isBusy && turns.queue(chatId).length >= queueLimit) {
      return fail('busy', `The chat already has ${queueLimit} prompts waiting; wait for them or clear the queue.`);
    }
    const turn = deps.unitOfWork.run(() => {
      const events: AppEventDraft[] = [];
      const agentChanged = deps.sessions.setChatAgent(chatId, agentId);
      if (agentChanged) events.push(agentChanged);
      const position = !isBusy ? null : whenBusy === 'interrupt' ? turns.frontQueuePosition(chatId) : turns.nextQueuePosition(chatId);
      const created = turns.insertTurn({
        chatId,
        agentId,
        prompt: text,
        mode: options.mode ?? null,
        model: options.model ?? null,
        state: 'queued',
        queuePosition: position ?? 0,
        retryOf,
      });
      if (isBusy) events.push({ type: 'chat.turn.changed', turn: created }, queueChanged(chatId));
      return { value: created, events };
    });
    if (!isBusy) {
      start(turn);
    } else if (whenBusy === 'interrupt') {
      active.get(chatId)?.abort.abort();
    }
    return ok({ turnId: turn.id, queued: isBusy });
  }

  /** Starts a queued turn now; the caller made sure the chat runs nothing else. */
  function start(queued: Turn): void {
    const abort = new AbortController();
    let markEnded: () => void = () => {};
    const ended = new Promise<void>((resolve) => {
      markEnded = resolve;
    });
    active.set(queued.chatId, { turnId: queued.id, abort, ended });
    void run(queued, abort.signal)
      .catch((error: unknown) => deps.log(`turn ${queued.id} failed unexpectedly: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`))
      .finally(() => {
        active.delete(queued.chatId);
        markEnded();
        if (!isShuttingDown) startNext(queued.chatId);
      });
  }

  function startNext(chatId: string): void {
    if (active.has(chatId)) return;
    const next = turns.queue(chatId)[0];
    if (next) start(next);
  }

  async function run(queued: Turn, signal: AbortSignal): Promise<void> {
    const opened = deps.unitOfWork.run(() => {
      if (!turns.start(queued.id, 'queued')) return { value: undefined, events: [] };
      const user = turns.insertMessage({ chatId: queued.chatId, turnId: queued.id, role: 'user', agentId: null });
      turns.insertPart({ messageId: user.id, position: 0, kind: 'text', body: queued.prompt });
      const assistant = turns.insertMessage({ chatId: queued.chatId, turnId: queued.id, role: 'assistant', agentId: queued.agentId });
      turns.attachMessages(queued.id, user.id, assistant.id);
      const started = turns.turn(queued.id) as Turn;
      const events: AppEventDraft[] = [
        { type: 'chat.turn.changed', turn: started },
        { type: 'chat.message.created', message: turns.message(user.id) as Message },
        { type: 'chat.message.created', message: turns.message(assistant.id) as Message },
      ];
      if (queued.queuePosition !== 0 || turns.queue(queued.chatId).length > 0) events.push(queueChanged(queued.chatId));
      return { value: { turn: started, assistantId: assistant.id }, events };
    });
    if (!opened) return; // removed from the queue meanwhile
    const { turn } = opened;
    const chat = deps.sessions.chat(turn.chatId);
    const session = chat ? deps.sessions.get(chat.sessionId) : undefined;
    if (!chat || !session) {
      finish(turn, { state: 'failed', stopReason: null, origin: null, error: { kind: 'not-found', message: 'The chat was deleted.' }, usage: null });
      return;
    }
    const writer: PartWriter = createPartWriter({
      chatId: turn.chatId,
      messageId: opened.assistantId,
      turns,
      unitOfWork: deps.unitOfWork,
      timings: deps.partTimings,
      onSideEvent: (event) => sideWrite(turn.chatId, event),
    });
    const heartbeat = setInterval(() => turns.heartbeat(turn.id), deps.heartbeatMs ?? turnTimings.heartbeatMs);
    heartbeat.unref();
    let end: TurnEnd;
    try {
      const project = deps.projects.get(session.projectId as ProjectId);
      const result = await deps.agents.pool.runTurn(
        {
          chatId: turn.chatId,
          agentId: turn.agentId,
          cwd: session.cwd,
          projectPath: project?.path,
          input: { text: turn.prompt, modeId: turn.mode ?? undefined, model: turn.model ?? undefined },
          signal,
        },
        (event) => writer.apply(event),
      );
      end = endOf(result, signal.aborted, isShuttingDown);
    } catch (error) {
      end = { state: 'failed', stopReason: null, origin: null, error: { kind: 'internal', message: String(error) }, usage: null };
    } finally {
      clearInterval(heartbeat);
      writer.close();
    }
    const ended = finish(turn, end);
    if (ended && deps.onTurnEnded) {
      try {
        await deps.onTurnEnded(ended, session.id);
      } catch (error) {
        deps.log(`after turn ${turn.id}: ${String(error)}`);
      }
    }
  }

  function sideWrite(chatId: string, event: AgentEvent): (() => AppEventDraft | undefined) | undefined {
    if (event.kind === 'session-info' && event.title) {
      const title = event.title;
      return () => deps.sessions.suggestTitle(chatId, title);
    }
    return undefined; // modes, commands and config options describe the agent, not the transcript
  }

  /** Writes the one terminal state of a turn and its `chat.turn.ended` event. */
  function finish(turn: Turn, end: TurnEnd): Turn | undefined {
    const ended = deps.unitOfWork.run(() => {
      if (!turns.end(turn.id, end)) return { value: undefined, events: [] };
      const value = turns.turn(turn.id) as Turn;
      return { value, events: [{ type: 'chat.turn.ended' as const, turn: value }] };
    });
    if (ended) {
      for (const resolve of endWaiters.get(turn.id) ?? []) resolve(ended);
      endWaiters.delete(turn.id);
    }
    return ended;
  }

  function continuity(chatId: string, currentAgent: string): AgentContinuity[] {
    const live = new Set(
      deps.agents.pool
        .list()
        .filter((entry) => entry.chatId === chatId && ['starting', 'ready', 'busy', 'idle'].includes(entry.state))
        .map((entry) => entry.agentId),
    );
    const records = deps.agents.sessions.listForChat(chatId);
    const agentIds = [currentAgent, ...records.map((record) => record.agentId).filter((id) => id !== currentAgent)];
    return agentIds.map((agentId) => {
      const record = records.find((candidate) => candidate.agentId === agentId);
      return {
        agentId,
        next: live.has(agentId) ? 'warm' : record?.sessionId ? 'resume' : 'fresh',
        sessionId: record?.sessionId ?? null,
        inputTokens: record?.inputTokens ?? 0,
        outputTokens: record?.outputTokens ?? 0,
        cost: record?.cost ?? 0,
        costCurrency: record?.costCurrency ?? null,
      };
    });
  }

  function queuedTurn(turnId: string): Result<Turn> {
    const turn = turns.turn(turnId);
    if (!turn) return fail('not-found', `No turn with id ${turnId}.`);
    if (turn.state !== 'queued') return fail('invalid-state', `The turn is ${turn.state}, not queued.`);
    return ok(turn);
  }

  return {
    send: (chatId, text, options) => send(chatId, text, options),
    async cancel(chatId) {
      if (!deps.sessions.chat(chatId)) return fail('not-found', `No chat with id ${chatId}.`);
      // Accepting a send takes a few milliseconds (resolving the agent); its turn is then running.
      const sends = accepting.get(chatId);
      if (sends) await Promise.allSettled([...sends]);
      const running = active.get(chatId);
      if (!running || turns.turn(running.turnId)?.state !== 'running') return ok({ cancelled: false });
      running.abort.abort();
      await running.ended;
      return ok({ cancelled: true });
    },
    async retry(turnId) {
      const turn = turns.turn(turnId);
      if (!turn) return fail('not-found', `No turn with id ${turnId}.`);
      if (turn.state !== 'interrupted' && turn.state !== 'failed') {
        return fail('invalid-state', `Only an interrupted or failed turn can be retried; this one is ${turn.state}.`);
      }
      return send(turn.chatId, turn.prompt, { agent: turn.agentId, mode: turn.mode ?? undefined, model: turn.model ?? undefined }, turn.id);
    },
    view(chatId, limit = defaultPageSize) {
      // Read in one synchronous step: every event up to `seq` is in what is read, none after.
      const chat = deps.sessions.chat(chatId);
      if (!chat) return fail('not-found', `No chat with id ${chatId}.`);
      const session = deps.sessions.get(chat.sessionId);
      if (!session) return fail('not-found', `No session with id ${chat.sessionId}.`);
      const page = turns.page(chatId, undefined, limit);
      return ok({
        chat,
        session,
        messages: page.messages,
        hasOlder: page.hasOlder,
        running: turns.running(chatId) ?? null,
        queue: turns.queue(chatId),
        recentTurns: turns.recent(chatId, recentTurnCount),
        agents: continuity(chatId, chat.agentId),
        seq: deps.events.lastSeq(),
        epoch: deps.events.epoch,
      });
    },
    history(chatId, before, limit = defaultPageSize) {
      if (!deps.sessions.chat(chatId)) return fail('not-found', `No chat with id ${chatId}.`);
      return ok(turns.page(chatId, before, limit));
    },
    queue(chatId) {
      if (!deps.sessions.chat(chatId)) return fail('not-found', `No chat with id ${chatId}.`);
      return ok(turns.queue(chatId));
    },
    promote(turnId) {
      const found = queuedTurn(turnId);
      if (!found.ok) return found;
      const chatId = found.value.chatId;
      return ok(
        deps.unitOfWork.run(() => {
          turns.setQueuePosition(turnId, turns.frontQueuePosition(chatId));
          const queue = turns.queue(chatId);
          return { value: queue, events: [{ type: 'chat.queue.changed' as const, chatId, queue }] };
        }),
      );
    },
    removeQueued(turnId) {
      const found = queuedTurn(turnId);
      if (!found.ok) return found;
      const chatId = found.value.chatId;
      return ok(
        deps.unitOfWork.run(() => {
          turns.deleteQueued(turnId);
          const queue = turns.queue(chatId);
          return { value: queue, events: [{ type: 'chat.queue.changed' as const, chatId, queue }] };
        }),
      );
    },
    clearQueue(chatId) {
      if (!deps.sessions.chat(chatId)) return fail('not-found', `No chat with id ${chatId}.`);
      return ok(
        deps.unitOfWork.run(() => {
          for (const turn of turns.queue(chatId)) turns.deleteQueued(turn.id);
          return { value: [], events: [{ type: 'chat.queue.changed' as const, chatId, queue: [] }] };
        }),
      );
    },
    turn: (turnId) => turns.turn(turnId),
    whenEnded(turnId) {
      const turn = turns.turn(turnId);
      if (!turn || (turn.state !== 'queued' && turn.state !== 'running')) return Promise.resolve(turn);
      return new Promise((resolve) => {
        endWaiters.set(turnId, [...(endWaiters.get(turnId) ?? []), resolve]);
      });
    },
    recover() {
      const interrupted: Turn[] = [];
      for (const turn of turns.allRunning()) {
        const ended = finish(turn, {
          state: 'interrupted',
          stopReason: null,
          origin: null,
          error: { kind: 'interrupted', message: 'BooCode stopped while this turn was running. Its output so far is kept; retry to run it again.' },
          usage: null,
          // The last moment BooCode knew the turn was alive; the restart may come days later.
          endedAt: turn.heartbeatAt ?? turn.startedAt ?? undefined,
        });
        if (ended) interrupted.push(ended);
      }
      for (const chatId of turns.chatsWithQueue()) startNext(chatId);
      return { interrupted };
    },
    async shutdown() {
      isShuttingDown = true;
      const running = [...active.values()];
      for (const turn of running) turn.abort.abort();
      await Promise.all(running.map((turn) => turn.ended));
    },
  };
}

/**
 * The one terminal state of a turn. Stop always wins: a turn whose signal was aborted is never
 * `completed`, whatever the agent answered (it may have finished before it heard the cancel).
 */
function endOf(result: Result<TurnOutcome>, isAborted: boolean, isShuttingDown: boolean): TurnEnd {
  // A stop asked for by the user is `cancelled`; one caused by BooCode closing is `interrupted`.
  const stopped = isShuttingDown ? 'interrupted' : 'cancelled';
  if (result.ok) {
    const { stopReason, origin, usage } = result.value;
    return { state: isAborted || stopReason === 'cancelled' ? stopped : 'completed', stopReason, origin, error: null, usage };
  }
  return { state: isAborted ? stopped : stateAfter(result.error.kind), stopReason: null, origin: null, error: result.error, usage: null };
}

function stateAfter(kind: ErrorKind): TurnEnd['state'] {
  switch (kind) {
    case 'cancelled':
      return 'cancelled';
    case 'interrupted':
      return 'interrupted';
    case 'invalid-message':
    case 'unknown-command':
    case 'invalid-arguments':
    case 'not-found':
    case 'invalid-state':
    case 'path-missing':
    case 'not-a-directory':
    case 'store-corrupt':
    case 'unauthorized':
    case 'agent-not-installed':
    case 'agent-crashed':
    case 'agent-failed':
    case 'handshake-timeout':
    case 'agent-error':
    case 'busy':
    case 'conflict':
    case 'unapplied-changes':
    case 'git-failed':
    case 'internal':
      return 'failed';
    default:
      return assertNever(kind);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected error kind ${JSON.stringify(value)}`);
}
