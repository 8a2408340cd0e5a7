// The opencode backend: a chat's turns run on the warm `opencode serve` of its working directory
// (shared with the other chats there), in one opencode session per chat that outlives server
// restarts because opencode keeps it on disk.
//
// Turns are keyed on message ids, never on counting idle events. We choose the id of the user
// message we send (promptAsync accepts one), so every assistant message of the turn is known by
// its parentID before its first event arrives. Only parts of those messages are streamed, and an
// idle settles the turn only when the newest of them is finished. That is the abort guard:
// after session.abort opencode sends a late session.idle (and error) for the aborted turn, and
// those can never settle the next turn, whose own assistant message is not finished yet.
import { randomInt } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { AssistantMessage, Part, ToolPart } from '@opencode-ai/sdk/v2';
import type { AgentEvent, PermissionOption, PermissionOutcome, ProcessState, SessionOrigin, StopReason, ToolCallSnapshot, Usage } from '../../../shared/agents.ts';
import { fail, ok, type Result } from '../../../shared/contract.ts';
import type { AgentBackend, BackendContext, BackendStateChange, ExitInfo, TurnInput, TurnOutcome } from '../backend.ts';
import type { PermissionAsk, PermissionBroker } from '../permissions/index.ts';
import { describeExit, type OpencodeEvent, type OpencodeServerHandle, type OpencodeServers } from './servers.ts';

export const opencodeTimings = {
  /**
   * session.abort answers in 50–400 ms here. A turn whose abort has not ended it after 10 s
   * ends as cancelled anyway; the server is shared with other chats, so it is not stopped.
   */
  cancelGraceMs: 10_000,
  /**
   * opencode publishes the finished assistant message, then idle, in the same tick. If the idle
   * has not come 2 s after the finished message, session.status is asked instead of waiting.
   */
  idleConfirmMs: 2_000,
  /** A failed HTTP call usually means the server just died; its exit explains it within this. */
  exitAfterRequestFailureMs: 1_000,
} as const;

/**
 * The broker's answer, which may carry the user's reason for a rejection. The broker of today
 * has no way to take one from the user (permissions.answer carries only an option id), so a
 * reject reaches opencode without a message and opencode ends the turn; once the broker passes
 * `message` through, opencode gets it as feedback and carries on with the turn.
 */
export type PermissionAnswer = PermissionOutcome & { readonly message?: string };

export interface PermissionGate {
  request(input: PermissionAsk, signal?: AbortSignal): Promise<PermissionAnswer>;
  cancelWhere: PermissionBroker['cancelWhere'];
}

export interface OpencodeBackendOptions extends BackendContext {
  readonly servers: OpencodeServers;
  readonly permissions: PermissionGate;
  readonly log: (line: string) => void;
  readonly timings?: Partial<Record<keyof typeof opencodeTimings, number>>;
}

/** opencode's own answers to a permission request, offered as the broker's options. */
const permissionOptions: readonly PermissionOption[] = [
  { optionId: 'once', name: 'Allow once', kind: 'allow_once' },
  { optionId: 'always', name: 'Always allow', kind: 'allow_always' },
  { optionId: 'reject', name: 'Reject', kind: 'reject_once' },
];

interface StreamedPart {
  readonly kind: 'text' | 'reasoning';
  /** Everything the deltas said so far. */
  streamed: string;
  /** Everything we emitted; a full part update only adds what is beyond it. */
  emitted: string;
}

interface RunningTurn {
  readonly userMessageId: string;
  readonly sessionId: string;
  readonly origin: SessionOrigin;
  readonly onEvent: (event: AgentEvent) => void;
  /** Aborted when the turn ends: pending permission prompts of the turn are cancelled. */
  readonly abort: AbortController;
  readonly assistants: Map<string, AssistantMessage>;
  readonly parts: Map<string, StreamedPart>;
  readonly tools: Map<string, ToolCallSnapshot>;
  readonly steps: Set<string>;
  /** opencode permission requests asked during the turn and not yet answered. */
  readonly openPermissions: Set<string>;
  readonly totals: { input: number; output: number; cost: number; contextUsed: number | null; hasSteps: boolean };
  isUserMessageSeen: boolean;
  isCancelRequested: boolean;
  /** A session.error that was not the abort: the turn fails with it at the next idle. */
  error: string | null;
  retryAttempt: number;
  confirmTimer: NodeJS.Timeout | undefined;
  isSettled: boolean;
  /** Resolves with the turn's one result, whoever settled it (idle, abort, exit, timeout). */
  readonly done: Promise<Result<TurnOutcome>>;
  settle(result: Result<TurnOutcome>): void;
}

export function createOpencodeBackend(options: OpencodeBackendOptions): AgentBackend {
  const timings = { ...opencodeTimings, ...options.timings };
  const { spec, chatId, agentId, cwd } = options;
  const listeners = new Set<(change: BackendStateChange) => void>();
  let state: ProcessState = 'stopped';
  let handle: OpencodeServerHandle | undefined;
  let detach: (() => void)[] = [];
  let sessionId: string | undefined;
  let storedSessionId = options.storedSessionId;
  let originForNextTurn: SessionOrigin = 'warm';
  let turn: RunningTurn | undefined;
  let starting: Promise<Result<{ sessionId: string; origin: SessionOrigin }>> | undefined;
  let lastExit: ExitInfo | null = null;
  let lastTitle: string | null = null;
  let isClosing = false;
  // Session-level events between turns (a new title, a notice from the start) open the next turn.
  const between = new Map<string, AgentEvent>();

  function setState(next: ProcessState): void {
    state = next;
    const change: BackendStateChange = { state: next, pid: handle?.pid ?? null, exit: next === 'crashed' ? lastExit : null };
    for (const listener of listeners) listener(change);
  }

  async function ensureSession(): Promise<Result<{ sessionId: string; origin: SessionOrigin }>> {
    if (handle?.isAlive() && sessionId && (state === 'ready' || state === 'idle' || state === 'busy')) {
      return ok({ sessionId, origin: originForNextTurn });
    }
    starting ??= start().finally(() => {
      starting = undefined;
    });
    return starting;
  }

  async function start(): Promise<Result<{ sessionId: string; origin: SessionOrigin }>> {
    isClosing = false;
    await detachServer();
    setState('starting');
    const acquired = await options.servers.acquire({ cwd, spec });
    if (!acquired.ok) {
      setState('stopped');
      return acquired;
    }
    const current = acquired.value;
    handle = current;
    detach = [current.onExit((exit) => onServerExit(current, exit))];
    setState('starting'); // again, now with the pid
    const opened = await openSession(current);
    if (!opened.ok) {
      await detachServer();
      setState(lastExit && !current.isAlive() ? 'crashed' : 'stopped');
      return opened;
    }
    sessionId = opened.value.sessionId;
    storedSessionId = opened.value.sessionId;
    originForNextTurn = opened.value.origin;
    detach.push(current.listen(opened.value.sessionId, onSessionEvent));
    options.onSession(opened.value.sessionId);
    setState('ready');
    return opened;
  }

  async function openSession(current: OpencodeServerHandle): Promise<Result<{ sessionId: string; origin: SessionOrigin }>> {
    const previous = storedSessionId;
    if (previous) {
      try {
        const found = await current.client.session.get({ sessionID: previous });
        if (found.data) {
          lastTitle = found.data.title;
          return ok({ sessionId: previous, origin: 'resumed' });
        }
        const message = `${spec.name} no longer has the previous session (${errorText(found.error)}); started a new one without the earlier context.`;
        between.set(`notice:${message}`, { kind: 'notice', level: 'warning', message });
      } catch (error) {
        return failRequest(current, `${spec.name} did not answer while looking up the previous session`, error);
      }
    }
    try {
      const created = await current.client.session.create({});
      if (!created.data) return fail('agent-error', `${spec.name} could not start a session: ${errorText(created.error)}`);
      lastTitle = created.data.title;
      return ok({ sessionId: created.data.id, origin: 'new' });
    } catch (error) {
      return failRequest(current, `${spec.name} could not start a session`, error);
    }
  }

  async function prompt(input: TurnInput, onEvent: (event: AgentEvent) => void): Promise<Result<TurnOutcome>> {
    const ensured = await ensureSession();
    if (!ensured.ok) return ensured;
    const current = handle;
    const activeSession = sessionId;
    if (!current || !activeSession) return fail('agent-crashed', lastExit ? describeExit(spec.name, lastExit) : `${spec.name} stopped before the turn began.`);
    const origin = originForNextTurn;
    originForNextTurn = 'warm';
    let resolve: (result: Result<TurnOutcome>) => void = () => undefined;
    const settled = new Promise<Result<TurnOutcome>>((done) => {
      resolve = done;
    });
    const running: RunningTurn = {
      userMessageId: ascendingMessageId(),
      sessionId: activeSession,
      origin,
      onEvent,
      abort: new AbortController(),
      assistants: new Map(),
      parts: new Map(),
      tools: new Map(),
      steps: new Set(),
      openPermissions: new Set(),
      totals: { input: 0, output: 0, cost: 0, contextUsed: null, hasSteps: false },
      isUserMessageSeen: false,
      isCancelRequested: false,
      error: null,
      retryAttempt: 0,
      confirmTimer: undefined,
      isSettled: false,
      done: settled,
      settle(result) {
        if (running.isSettled) return;
        running.isSettled = true;
        resolve(result);
      },
    };
    turn = running;
    try {
      const request = current.client.session.promptAsync({
        sessionID: activeSession,
        messageID: running.userMessageId,
        parts: [{ type: 'text', text: input.text }],
        ...turnSettings(input, onEvent),
      });
      // Announced once the prompt is on its way, so subscribers' work never delays the agent.
      setState('busy');
      for (const event of between.values()) onEvent(event);
      between.clear();
      void request.then(
        (sent) => {
          if (sent.error) running.settle(fail('agent-error', `${spec.name} refused the prompt: ${errorText(sent.error)}`));
        },
        async (error: unknown) => {
          // Usually the server died under the request; its exit settles the turn as a crash.
          await Promise.race([settled, delay(timings.exitAfterRequestFailureMs)]);
          running.settle(fail('agent-error', `${spec.name} did not take the prompt: ${errorText(error)}`));
        },
      );
      return await settled;
    } finally {
      turn = undefined;
      clearTimeout(running.confirmTimer);
      running.abort.abort();
      options.permissions.cancelWhere({ chatId, agentId }, 'turn-cancelled');
      // A request the broker never answered would stay on the server's list forever.
      if (running.openPermissions.size > 0 && handle === current && current.isAlive()) void rejectStale(current, [...running.openPermissions]);
      if (state === 'busy') setState('idle');
    }
  }

  function turnSettings(input: TurnInput, onEvent: (event: AgentEvent) => void): { agent?: string; model?: { providerID: string; modelID: string } } {
    const settings: { agent?: string; model?: { providerID: string; modelID: string } } = {};
    // opencode's modes are its agents (build, plan, …).
    if (input.modeId) settings.agent = input.modeId;
    if (input.model) {
      const slash = input.model.indexOf('/');
      if (slash > 0 && slash < input.model.length - 1) {
        settings.model = { providerID: input.model.slice(0, slash), modelID: input.model.slice(slash + 1) };
      } else {
        onEvent({ kind: 'notice', level: 'warning', message: `${spec.name} names models "provider/model"; "${input.model}" is not one, so the turn uses the default model.` });
      }
    }
    return settings;
  }

  function onSessionEvent(event: OpencodeEvent): void {
    const running = turn;
    switch (event.type) {
      case 'message.updated': {
        if (!running) return;
        const info = event.properties.info;
        if (info.role === 'user') {
          if (info.id === running.userMessageId) running.isUserMessageSeen = true;
          return;
        }
        if (info.parentID !== running.userMessageId) return; // another turn's (an aborted one's) reply
        const isFirst = !running.assistants.has(info.id) && running.assistants.size === 0;
        running.assistants.set(info.id, info);
        // An abort that came before opencode started the turn found nothing to stop: repeat it.
        if (isFirst && running.isCancelRequested) void abortOnServer(running);
        if (isFinished(info)) scheduleIdleCheck(running);
        return;
      }
      case 'message.part.delta': {
        if (!running?.assistants.has(event.properties.messageID) || event.properties.field !== 'text') return;
        const part = running.parts.get(event.properties.partID);
        // A delta for a part not announced yet is caught up by that part's full update.
        if (!part) return;
        part.streamed += event.properties.delta;
        emitBeyond(running, part, part.streamed);
        return;
      }
      case 'message.part.updated': {
        if (!running?.assistants.has(event.properties.part.messageID)) return;
        onPart(running, event.properties.part);
        return;
      }
      case 'session.status': {
        const status = event.properties.status;
        if (status.type === 'idle') onIdle();
        else if (status.type === 'retry' && running && status.attempt !== running.retryAttempt) {
          running.retryAttempt = status.attempt;
          // AgentEvent has no retry kind; a warning notice shows it and keeps the turn running.
          running.onEvent({ kind: 'notice', level: 'warning', message: `retrying (attempt ${status.attempt})… ${status.message}` });
        }
        return;
      }
      case 'session.idle':
        onIdle();
        return;
      case 'session.error': {
        const error = event.properties.error;
        // The aborted turn's MessageAbortedError may arrive after the next turn began.
        if (!running?.isUserMessageSeen || !error || error.name === 'MessageAbortedError') return;
        running.error = errorText(error);
        return;
      }
      case 'session.updated': {
        const title = event.properties.info.title;
        if (title === lastTitle || isPlaceholderTitle(title)) return;
        lastTitle = title;
        const info: AgentEvent = { kind: 'session-info', title };
        if (running) running.onEvent(info);
        else between.set('session-info', info);
        return;
      }
      case 'permission.asked':
        void onPermission(event.properties);
        return;
      default:
        return;
    }
  }

  function onPart(running: RunningTurn, part: Part): void {
    switch (part.type) {
      case 'text':
      case 'reasoning': {
        let streamed = running.parts.get(part.id);
        if (!streamed) {
          streamed = { kind: part.type, streamed: '', emitted: '' };
          running.parts.set(part.id, streamed);
        }
        emitBeyond(running, streamed, part.text);
        return;
      }
      case 'tool': {
        const call = toolSnapshot(part);
        running.tools.set(part.callID, call);
        running.onEvent({ kind: 'tool-call', call });
        return;
      }
      case 'step-finish': {
        if (running.steps.has(part.id)) return;
        running.steps.add(part.id);
        const totals = running.totals;
        totals.hasSteps = true;
        totals.input += part.tokens.input;
        totals.output += part.tokens.output;
        totals.cost += part.cost;
        totals.contextUsed = part.tokens.input + part.tokens.cache.read + part.tokens.cache.write + part.tokens.output;
        running.onEvent({ kind: 'usage', usage: turnUsage(running) });
        return;
      }
      case 'patch': {
        if (part.files.length === 0) return;
        const files = part.files.map((file) => (file.startsWith(`${cwd}/`) ? file.slice(cwd.length + 1) : file));
        running.onEvent({ kind: 'notice', level: 'info', message: `${spec.name} changed ${files.length === 1 ? '1 file' : `${files.length} files`}: ${files.join(', ')}` });
        return;
      }
      default:
        // step-start, snapshot, retry (shown from session.status), file, agent, subtask, compaction.
        return;
    }
  }

  function emitBeyond(running: RunningTurn, part: StreamedPart, text: string): void {
    if (text.length <= part.emitted.length || !text.startsWith(part.emitted)) return;
    const delta = text.slice(part.emitted.length);
    part.emitted = text;
    if (part.streamed.length < text.length) part.streamed = text;
    running.onEvent(part.kind === 'text' ? { kind: 'text', delta } : { kind: 'reasoning', delta });
  }

  /**
   * An idle settles the turn only if the newest assistant message of *this* turn is finished.
   * One that completed asking for tools is ambiguous: the loop usually goes on with the next
   * step, but a rejected permission ends it right there. Then the server's own status decides.
   */
  function onIdle(): void {
    const running = turn;
    if (!running?.isUserMessageSeen) return;
    const newest = newestAssistant(running);
    if (newest && isFinished(newest)) {
      running.settle(outcomeOf(running, newest));
      return;
    }
    if (running.error !== null && (!newest || newest.time.completed !== undefined)) {
      running.settle(fail('agent-error', `${spec.name} failed the turn: ${running.error}`));
      return;
    }
    if (newest?.time.completed !== undefined) void confirmIdle(running);
  }

  function scheduleIdleCheck(running: RunningTurn): void {
    clearTimeout(running.confirmTimer);
    running.confirmTimer = setTimeout(() => void confirmIdle(running), timings.idleConfirmMs);
    running.confirmTimer.unref();
  }

  /** Asks the server whether the session is really idle, and settles on its newest message if so. */
  async function confirmIdle(running: RunningTurn): Promise<void> {
    const current = handle;
    if (running.isSettled || !current) return;
    try {
      const statuses = await current.client.session.status({});
      // Busy: the loop goes on, and its own idle comes later. Absent means idle.
      if ((statuses.data?.[running.sessionId]?.type ?? 'idle') !== 'idle') return;
      const newest = newestAssistant(running);
      if (newest?.time.completed !== undefined) running.settle(outcomeOf(running, newest));
    } catch (error) {
      options.log(`${spec.name}: could not read session status: ${errorText(error)}`);
    }
  }

  function outcomeOf(running: RunningTurn, message: AssistantMessage): Result<TurnOutcome> {
    const error = message.error;
    if (error && error.name !== 'MessageAbortedError') return fail('agent-error', `${spec.name} failed the turn: ${errorText(error)}`);
    const stopReason: StopReason = error || running.isCancelRequested ? 'cancelled' : stopReasonOf(message.finish);
    return ok({ stopReason, origin: running.origin, sessionId: running.sessionId, usage: running.totals.hasSteps ? turnUsage(running) : null });
  }

  async function onPermission(asked: Extract<OpencodeEvent, { type: 'permission.asked' }>['properties']): Promise<void> {
    const current = handle;
    const running = turn;
    if (!current) return;
    const belongsToTurn = running !== undefined && !running.isCancelRequested && (asked.tool === undefined || running.assistants.has(asked.tool.messageID));
    if (!running || !belongsToTurn) {
      // An aborted turn's tool still waiting: nobody will ever answer it.
      await reply(current, asked.id, 'reject');
      return;
    }
    running.openPermissions.add(asked.id);
    const call = asked.tool ? (running.tools.get(asked.tool.callID) ?? null) : null;
    const answer = await options.permissions.request(
      {
        chatId,
        agentId,
        title: permissionTitle(asked.permission, asked.patterns),
        toolCall: call,
        options: permissionOptions,
      },
      running.abort.signal,
    );
    running.openPermissions.delete(asked.id);
    if (answer.outcome === 'selected' && (answer.optionId === 'once' || answer.optionId === 'always')) {
      await reply(current, asked.id, answer.optionId);
    } else {
      await reply(current, asked.id, 'reject', answer.message);
    }
  }

  async function reply(current: OpencodeServerHandle, requestID: string, answer: 'once' | 'always' | 'reject', message?: string): Promise<void> {
    try {
      const replied = await current.client.permission.reply({ requestID, reply: answer, ...(message ? { message } : {}) });
      if (replied.error) options.log(`${spec.name}: permission reply ${answer} for ${requestID} was refused: ${errorText(replied.error)}`);
    } catch (error) {
      // The server is gone; its exit already failed the turn.
      options.log(`${spec.name}: permission reply ${answer} for ${requestID} failed: ${errorText(error)}`);
    }
  }

  /** opencode keeps an aborted turn's permission requests listed; answer them so they go away. */
  async function rejectStale(current: OpencodeServerHandle, known: readonly string[]): Promise<void> {
    const ids = new Set(known);
    try {
      const listed = await current.client.permission.list({});
      for (const request of listed.data ?? []) if (request.sessionID === sessionId) ids.add(request.id);
    } catch (error) {
      options.log(`${spec.name}: could not list permission requests: ${errorText(error)}`);
    }
    await Promise.all([...ids].map((id) => reply(current, id, 'reject')));
  }

  async function abortOnServer(running: RunningTurn): Promise<void> {
    const current = handle;
    if (!current || running.isSettled) return;
    try {
      const aborted = await current.client.session.abort({ sessionID: running.sessionId });
      // true: opencode stopped the turn's loop. false: the loop had not started; the first
      // assistant message of the turn triggers another abort (see message.updated).
      if (aborted.data === true) running.settle(ok({ stopReason: 'cancelled', origin: running.origin, sessionId: running.sessionId, usage: running.totals.hasSteps ? turnUsage(running) : null }));
    } catch (error) {
      options.log(`${spec.name}: session.abort failed: ${errorText(error)}`);
    }
    if (handle === current && current.isAlive()) await rejectStale(current, [...running.openPermissions]);
  }

  async function cancel(): Promise<void> {
    const running = turn;
    if (!running || running.isCancelRequested || running.isSettled) return;
    running.isCancelRequested = true;
    running.abort.abort();
    options.permissions.cancelWhere({ chatId, agentId }, 'turn-cancelled');
    const timer = setTimeout(() => {
      if (running.isSettled) return;
      options.log(`${spec.name} did not stop within ${timings.cancelGraceMs} ms of session.abort; the turn ends as cancelled.`);
      running.settle(ok({ stopReason: 'cancelled', origin: running.origin, sessionId: running.sessionId, usage: null }));
    }, timings.cancelGraceMs);
    timer.unref();
    await abortOnServer(running);
    void running.done.then(() => clearTimeout(timer));
  }

  function onServerExit(current: OpencodeServerHandle, exit: ExitInfo): void {
    if (handle !== current) return;
    lastExit = exit;
    for (const undo of detach) undo();
    detach = [];
    handle = undefined;
    sessionId = undefined;
    options.permissions.cancelWhere({ chatId, agentId }, 'agent-exited');
    turn?.settle(fail('agent-crashed', describeExit(spec.name, exit)));
    setState(isClosing ? 'stopped' : 'crashed');
  }

  async function detachServer(): Promise<void> {
    const current = handle;
    for (const undo of detach) undo();
    detach = [];
    handle = undefined;
    sessionId = undefined;
    await current?.release();
  }

  return {
    kind: 'opencode',
    state: () => state,
    pid: () => handle?.pid ?? null,
    capabilities: () => (handle ? { canResume: true, canLoad: false, modes: [], currentModeId: null } : null),
    ensureSession,
    prompt,
    cancel,
    async close() {
      isClosing = true;
      const running = turn;
      if (running) {
        await cancel();
        running.settle(ok({ stopReason: 'cancelled', origin: running.origin, sessionId: running.sessionId, usage: null }));
      }
      await starting;
      await detachServer();
      if (state !== 'stopped') setState('stopped');
    },
    onStateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  /** A failed request usually means the server is dying: let its exit explain, if it comes. */
  async function failRequest<T>(current: OpencodeServerHandle, what: string, error: unknown): Promise<Result<T>> {
    const exit = await Promise.race([current.exited, delay(timings.exitAfterRequestFailureMs).then(() => undefined)]);
    if (exit) return fail('agent-crashed', `${what}: ${describeExit(spec.name, exit)}`);
    return fail('agent-error', `${what}: ${errorText(error)}`);
  }
}

function newestAssistant(running: RunningTurn): AssistantMessage | undefined {
  // opencode's message ids ascend with time, so the greatest id is the newest message.
  let newest: AssistantMessage | undefined;
  for (const info of running.assistants.values()) if (!newest || info.id > newest.id) newest = info;
  return newest;
}

/** A finished reply: completed, and not a step that asked for tools (the loop goes on then). */
function isFinished(info: AssistantMessage): boolean {
  if (info.time.completed === undefined) return false;
  if (info.error) return true;
  return info.finish !== undefined && info.finish !== 'tool-calls' && info.finish !== 'unknown';
}

function stopReasonOf(finish: string | undefined): StopReason {
  switch (finish) {
    case 'length':
      return 'max_tokens';
    case 'content-filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

function turnUsage(running: RunningTurn): Usage {
  const { input, output, cost, contextUsed } = running.totals;
  return { inputTokens: input, outputTokens: output, contextUsed, contextSize: null, costAmount: cost, costCurrency: 'USD' };
}

const toolKinds: Readonly<Record<string, string>> = {
  read: 'read',
  write: 'edit',
  edit: 'edit',
  multiedit: 'edit',
  patch: 'edit',
  apply_patch: 'edit',
  bash: 'execute',
  grep: 'search',
  glob: 'search',
  list: 'search',
  codesearch: 'search',
  webfetch: 'fetch',
  websearch: 'fetch',
  task: 'think',
};

function toolSnapshot(part: ToolPart): ToolCallSnapshot {
  const { state } = part;
  const title = (state.status === 'running' || state.status === 'completed' ? state.title : undefined) || part.tool;
  const path = state.input['filePath'] ?? state.input['path'];
  const base = {
    id: part.callID,
    title,
    kind: Object.hasOwn(toolKinds, part.tool) ? (toolKinds[part.tool] ?? 'other') : 'other',
    input: state.input,
    locations: typeof path === 'string' ? [{ path, line: null }] : [],
  };
  switch (state.status) {
    case 'pending':
      return { ...base, status: 'pending', content: [] };
    case 'running':
      return { ...base, status: 'in_progress', content: [] };
    case 'completed':
      return { ...base, status: 'completed', output: state.output, content: [{ type: 'text', text: state.output }] };
    case 'error':
      return { ...base, status: 'failed', output: state.error, content: [{ type: 'text', text: state.error }] };
    default:
      return assertNever(state);
  }
}

function permissionTitle(permission: string, patterns: readonly string[]): string {
  const action = permission.length > 0 ? `${permission[0]?.toUpperCase()}${permission.slice(1)}` : 'Use a tool';
  return patterns.length > 0 ? `${action} ${patterns.join(', ')}` : action;
}

/** opencode names a session "New session - <ISO date>" until its title call answers. */
function isPlaceholderTitle(title: string): boolean {
  return /^(New session|Child session) - \d{4}-\d{2}-\d{2}T/.test(title);
}

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
let idTimestamp = 0;
let idCounter = 0;

/**
 * A message id in opencode's own ascending format (`msg_` + 12 hex digits of time × 4096 +
 * counter + 14 base62 characters). opencode orders a session's messages by id, so an id we
 * choose must sort after every message before it, exactly like one opencode made.
 */
function ascendingMessageId(): string {
  const now = Date.now();
  if (now !== idTimestamp) {
    idTimestamp = now;
    idCounter = 0;
  }
  idCounter += 1;
  const value = (BigInt(now) * 4096n + BigInt(idCounter)) & 0xffff_ffff_ffffn;
  let suffix = '';
  for (let index = 0; index < 14; index += 1) suffix += base62[randomInt(base62.length)];
  return `msg_${value.toString(16).padStart(12, '0')}${suffix}`;
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null) {
    const data: unknown = 'data' in error ? error.data : undefined;
    if (typeof data === 'object' && data !== null && 'message' in data && typeof data.message === 'string') return data.message;
    if ('message' in error && typeof error.message === 'string') return error.message;
    if ('name' in error && typeof error.name === 'string') return error.name;
    return JSON.stringify(error);
  }
  return String(error);
}

function assertNever(value: never): never {
  throw new Error(`unexpected opencode tool state ${JSON.stringify(value)}`);
}
