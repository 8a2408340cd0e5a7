// The dispatcher: a send is validated and accepted at once, and the turn runs on the core, not
// on the caller. A chat runs one turn at a time; later sends wait in its persisted queue (or
// interrupt the running turn). Every turn ends in exactly one persisted terminal state with one
// `chat.turn.ended` event. A running turn heartbeats; turns left running by a crash of the app
// become `interrupted` at the next start, their partial output kept, ready to retry.
import type { AgentEvent } from '../../shared/agents.ts';
import type { AgentContinuity, Attachment, ChatView, Message, Turn } from '../../shared/chats.ts';
import { fail, ok, type AppEventDraft, type ChatActivity, type ErrorKind, type ProjectId, type Result } from '../../shared/contract.ts';
import type { Agents, TurnOutcome } from '../agents/index.ts';
import type { UnitOfWork } from '../store/index.ts';
import type { EventBus } from '../events/index.ts';
import type { ProjectService } from '../projects/index.ts';
import type { SessionService } from '../sessions/index.ts';
import type { SettingsService } from '../settings/index.ts';
import type { Store } from '../store/index.ts';
import { createPartWriter, type partTimings, type PartWriter } from './partWriter.ts';
import { createChatAgentStore, type ChatAgentOffer } from './chatAgents.ts';
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
  readonly attachments?: readonly Attachment[];
}

/** Called after every turn ends, with the session it ran in (the worktree service records changes). */
export type TurnObserver = (turn: Turn, sessionId: string) => Promise<void> | void;

export interface TurnService {
  send(chatId: string, text: string, options?: SendOptions): Promise<Result<{ turnId: string; queued: boolean }>>;
  cancel(chatId: string): Promise<Result<{ cancelled: boolean }>>;
  retry(turnId: string): Promise<Result<{ turnId: string; queued: boolean }>>;
  view(chatId: string, limit?: number): Result<ChatView>;
  /** A page of messages before an ordinal (the newest page without one), or after one. */
  history(chatId: string, position: { before?: number; after?: number; fromTurn?: string }, limit?: number): Result<{ messages: Message[]; hasOlder: boolean; hasNewer: boolean }>;
  queue(chatId: string): Result<Turn[]>;
  promote(turnId: string): Result<Turn[]>;
  removeQueued(turnId: string): Result<Turn[]>;
  clearQueue(chatId: string): Result<Turn[]>;
  turn(turnId: string): Turn | undefined;
  /** The turn's place in its chat (1 for its first). */
  numberInChat(turnId: string): number;
  /** Resolves when the turn has ended (at once for an ended turn). */
  whenEnded(turnId: string): Promise<Turn | undefined>;
  /**
   * Marks turns whose core is gone as interrupted (their partial output kept) and, unless told
   * not to, restarts waiting queues. Only the owner of the data folder calls it, at start-up.
   */
  recover(options?: { resumeQueues?: boolean }): { interrupted: Turn[] };
  /** Turns running in this core now. */
  activeCount(): number;
  /** Switches the chat's agent, and sets the mode and model its next turns ask the agent for. */
  configure(chatId: string, choice: { agentId?: string; mode?: string | null; model?: string | null }): Promise<Result<AgentContinuity[]>>;
  /** What a chat is doing now: its running turn, how many wait, and how its last turn ended. */
  activity(chatId: string): ChatActivity;
  /** Whether a chat has a running or queued turn (recording an ended turn's changes is not running). */
  isBusy(chatId: string): boolean;
  /**
   * Ends all work of these chats — queued turns cancelled, the running one cancelled and waited
   * for, each with its one `chat.turn.ended` — then runs `then` while new sends to them are
   * refused (the chats are being archived or removed), and returns what it returns.
   */
  quiesce<T>(chatIds: readonly string[], reason: string, then: () => Promise<T>): Promise<T>;
  /** Resolves once no turn runs in this core (at once when none does). */
  whenIdle(): Promise<void>;
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
  /** "pid:start-identity" of this core, recorded on the turns it runs. */
  ownerIdentity?: string;
  /** Whether the core named by a recorded identity still runs. */
  isOwnerAlive?: (identity: string) => boolean;
}): TurnService {
  const turns = createTurnStore(deps.store);
  const chatAgents = createChatAgentStore(deps.store);
  const active = new Map<string, ActiveTurn>();
  // Sends not yet recorded, per chat: a cancel pipelined behind a send waits for them, so that
  // Stop always finds the turn its send started.
  const accepting = new Map<string, Set<Promise<unknown>>>();
  const endWaiters = new Map<string, ((turn: Turn | undefined) => void)[]>();
  const idleWaiters: (() => void)[] = [];
  // Chats being archived or removed: they take no new turn until that is done.
  const closing = new Map<string, string>();
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
    const closingReason = closing.get(chatId);
    if (closingReason !== undefined) return fail('invalid-state', `${closingReason} The prompt was not sent.`);
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
      // What the chat chose for this agent applies unless the send says otherwise.
      const chosen = chatAgents.get(chatId, agentId);
      const created = turns.insertTurn({
        chatId,
        agentId,
        prompt: text,
        mode: options.mode ?? chosen.preferredMode,
        model: options.model ?? chosen.preferredModel,
        attachments: options.attachments,
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
        if (active.size === 0) for (const resolve of idleWaiters.splice(0)) resolve();
      });
  }

  function startNext(chatId: string): void {
    if (active.has(chatId)) return;
    const next = turns.queue(chatId)[0];
    if (next) start(next);
  }

  async function run(queued: Turn, signal: AbortSignal): Promise<void> {
    const opened = deps.unitOfWork.run(() => {
      if (!turns.start(queued.id, 'queued', deps.ownerIdentity ?? null)) return { value: undefined, events: [] };
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
    let writeFailure: unknown;
    const writer: PartWriter = createPartWriter({
      chatId: turn.chatId,
      messageId: opened.assistantId,
      turns,
      unitOfWork: deps.unitOfWork,
      timings: deps.partTimings,
      onSideEvent: (event) => sideWrite(turn.chatId, turn.agentId, event),
      onWriteFailed(error) {
        writeFailure = error;
        deps.log(`turn ${turn.id}: its output could not be saved: ${String(error)}`);
        // What the agent says next would be lost too: stop it.
        active.get(turn.chatId)?.abort.abort();
      },
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
          input: { text: turn.prompt, modeId: turn.mode ?? undefined, model: turn.model ?? undefined, attachments: turn.attachments },
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
    if (writeFailure !== undefined) {
      end = {
        state: 'failed',
        stopReason: null,
        origin: null,
        error: { kind: 'internal', message: `BooCode could not save this turn's output (${writeFailure instanceof Error ? writeFailure.message : String(writeFailure)}), so it was stopped.` },
        usage: null,
      };
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

  function sideWrite(chatId: string, agentId: string, event: AgentEvent): (() => AppEventDraft | undefined) | undefined {
    if (event.kind === 'session-info' && event.title) {
      const title = event.title;
      return () => deps.sessions.suggestTitle(chatId, title);
    }
    // Modes, settings and commands describe the agent, not the transcript: kept per chat and agent.
    const offer = offerOf(event);
    if (!offer) return undefined;
    return () => (chatAgents.offer(chatId, agentId, offer) ? agentChanged(chatId, agentId) : undefined);
  }

  function offerOf(event: AgentEvent): ChatAgentOffer | undefined {
    switch (event.kind) {
      case 'mode':
        return event.available ? { currentModeId: event.modeId, modes: event.available } : { currentModeId: event.modeId };
      case 'config-options':
        return { configOptions: event.options };
      case 'commands':
        return { commands: event.commands.map((command) => ({ name: command.name, description: command.description })) };
      case 'capabilities':
        return { canTakeImages: event.canTakeImages };
      default:
        return undefined;
    }
  }

  function agentChanged(chatId: string, agentId: string): AppEventDraft | undefined {
    const chat = deps.sessions.chat(chatId);
    const agent = chat ? continuity(chatId, chat.agentId).find((candidate) => candidate.agentId === agentId) : undefined;
    return agent ? { type: 'chat.agent.changed', chatId, agent } : undefined;
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
    const offers = chatAgents.listForChat(chatId);
    const agentIds = [...new Set([currentAgent, ...records.map((record) => record.agentId), ...offers.map((offer) => offer.agentId)])];
    return agentIds.map((agentId) => {
      const record = records.find((candidate) => candidate.agentId === agentId);
      const offer = chatAgents.get(chatId, agentId);
      const next = live.has(agentId) ? 'warm' : record?.sessionId ? 'resume' : 'fresh';
      return {
        agentId,
        next,
        freshReason: next !== 'fresh' ? null : record ? 'its earlier session cannot be resumed' : 'it has not worked in this chat yet',
        sessionId: record?.sessionId ?? null,
        modes: [...offer.modes],
        currentModeId: offer.currentModeId,
        configOptions: [...offer.configOptions],
        commands: [...offer.commands],
        canTakeImages: offer.canTakeImages,
        preferredMode: offer.preferredMode,
        preferredModel: offer.preferredModel,
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
        draft: deps.sessions.draft(chatId),
        seq: deps.events.lastSeq(),
        epoch: deps.events.epoch,
      });
    },
    history(chatId, position, limit = defaultPageSize) {
      if (!deps.sessions.chat(chatId)) return fail('not-found', `No chat with id ${chatId}.`);
      let after = position.after;
      if (position.fromTurn !== undefined) {
        const first = turns.firstOrdinalOfTurn(chatId, position.fromTurn);
        if (first === undefined) return fail('not-found', `No message of turn ${position.fromTurn} in this chat.`);
        after = first - 1;
      }
      if (after !== undefined) {
        const page = turns.pageAfter(chatId, after, limit);
        const first = page.messages[0];
        const hasOlder = turns.page(chatId, first ? first.ordinal : after + 1, 1).messages.length > 0;
        return ok({ messages: page.messages, hasNewer: page.hasNewer, hasOlder });
      }
      const page = turns.page(chatId, position.before, limit);
      const last = page.messages.at(-1);
      return ok({ ...page, hasNewer: last !== undefined && turns.pageAfter(chatId, last.ordinal, 1).messages.length > 0 });
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
    numberInChat: (turnId) => turns.numberInChat(turnId),
    whenEnded(turnId) {
      const turn = turns.turn(turnId);
      if (!turn || (turn.state !== 'queued' && turn.state !== 'running')) return Promise.resolve(turn);
      return new Promise((resolve) => {
        endWaiters.set(turnId, [...(endWaiters.get(turnId) ?? []), resolve]);
      });
    },
    recover(options = {}) {
      const interrupted: Turn[] = [];
      for (const { turn, owner } of turns.allRunning()) {
        // A turn another live core runs is that core's to end, never ours.
        if (owner !== null && owner !== deps.ownerIdentity && deps.isOwnerAlive?.(owner)) continue;
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
      if (options.resumeQueues ?? true) for (const chatId of turns.chatsWithQueue()) startNext(chatId);
      return { interrupted };
    },
    activeCount: () => active.size,
    async configure(chatId, choice) {
      const chat = deps.sessions.chat(chatId);
      if (!chat) return fail('not-found', `No chat with id ${chatId}.`);
      const agentId = choice.agentId ?? chat.agentId;
      if (choice.agentId !== undefined && choice.agentId !== chat.agentId) {
        const project = deps.projects.get((deps.sessions.get(chat.sessionId)?.projectId ?? '') as ProjectId);
        const spec = await deps.agents.catalog.resolve(agentId, { projectPath: project?.path });
        if (!spec.ok) return spec;
      }
      deps.unitOfWork.run(() => {
        const events: AppEventDraft[] = [];
        const switched = deps.sessions.setChatAgent(chatId, agentId);
        if (switched) events.push(switched);
        if (choice.mode !== undefined || choice.model !== undefined) chatAgents.prefer(chatId, agentId, { mode: choice.mode, model: choice.model });
        const changed = agentChanged(chatId, agentId);
        if (changed) events.push(changed);
        return { value: undefined, events };
      });
      return ok(continuity(chatId, agentId));
    },
    activity: (chatId) => ({ chatId, running: turns.running(chatId) ?? null, queued: turns.queue(chatId).length, lastEnded: turns.lastEnded(chatId) ?? null }),
    isBusy: (chatId) => turns.running(chatId) !== undefined || turns.queue(chatId).length > 0,
    async quiesce(chatIds, reason, then) {
      for (const chatId of chatIds) closing.set(chatId, reason);
      try {
        for (const chatId of chatIds) {
          const queued = turns.queue(chatId);
          for (const turn of queued) finish(turn, { state: 'cancelled', stopReason: null, origin: null, error: { kind: 'cancelled', message: reason }, usage: null });
          if (queued.length > 0) deps.unitOfWork.run(() => ({ value: undefined, events: [queueChanged(chatId)] }));
        }
        const running = chatIds.flatMap((chatId) => {
          const turn = active.get(chatId);
          return turn ? [turn] : [];
        });
        for (const turn of running) turn.abort.abort();
        await Promise.all(running.map((turn) => turn.ended));
        return await then();
      } finally {
        for (const chatId of chatIds) closing.delete(chatId);
      }
    },
    whenIdle() {
      if (active.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
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
    case 'owner-unreachable':
    case 'internal':
      return 'failed';
    default:
      return assertNever(kind);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected error kind ${JSON.stringify(value)}`);
}
