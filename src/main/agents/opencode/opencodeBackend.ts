// The opencode backend: a chat's turns run on the warm `opencode serve` of its working directory
// (shared with the other chats there), in one opencode session per chat that outlives server
// restarts because opencode keeps it on disk. Events are mapped by mapEvent, a turn is settled
// by turnSettling, permission requests go through permissionBridge.
//
// Stop always wins: a turn stopped while the server starts (or while its session is opened)
// ends at once and never sends its prompt; the server start is aborted when no other chat waits
// for it. A turn stopped once the prompt is sent gets session.abort.
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { AgentEvent, SessionOrigin } from '../../../shared/agents.ts';
import { fail, ok, type Result } from '../../../shared/contract.ts';
import type { DisposableStore } from '../../lifecycle/index.ts';
import { promptBlocks } from '../promptContent.ts';
import type { AgentBackend, BackendContext, ExitInfo, TurnInput, TurnOutcome } from '../backend.ts';
import { createBackendBase, turnEnded, type OpenedSession, type StartAttempt } from '../backendBase.ts';
import { createTurnMapper, errorText, sessionTitle } from './mapEvent.ts';
import { createPermissionBridge, type PermissionGate } from './permissionBridge.ts';
import type { OpencodeEvent, OpencodeServerHandle, OpencodeServers } from './servers.ts';
import { createRunningTurn, type RunningTurn } from './turnSettling.ts';

export type { PermissionAnswer, PermissionGate } from './permissionBridge.ts';

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

export interface OpencodeBackendOptions extends BackendContext {
  readonly servers: OpencodeServers;
  readonly permissions: PermissionGate;
  readonly log: (line: string) => void;
  readonly timings?: Partial<Record<keyof typeof opencodeTimings, number>>;
}

/** Our hold on the server and the session's event listener; `owner` releases both. */
interface Live {
  readonly handle: OpencodeServerHandle;
  readonly owner: DisposableStore;
}

export function createOpencodeBackend(options: OpencodeBackendOptions): AgentBackend {
  const timings = { ...opencodeTimings, ...options.timings };
  const { spec, chatId, agentId, cwd } = options;
  let live: Live | undefined;
  let sessionId: string | undefined;
  let storedSessionId = options.storedSessionId;
  let originForNextTurn: SessionOrigin = 'warm';
  let turn: RunningTurn | undefined;
  let lastTitle: string | null = null;
  // Session-level events between turns (a new title, a notice from the start) open the next turn.
  const between = new Map<string, AgentEvent>();
  const bridge = createPermissionBridge({ chatId, agentId, agentName: spec.name, permissions: options.permissions, log: options.log });
  const base = createBackendBase({ name: spec.name, pid: () => live?.handle.pid ?? null, open, stop, log: options.log });

  function warmSession(): Result<OpenedSession> | undefined {
    const state = base.state();
    if (live?.handle.isAlive() && sessionId && (state === 'ready' || state === 'idle' || state === 'busy')) return ok({ sessionId, origin: originForNextTurn });
    return undefined;
  }

  async function ensureSession(signal?: AbortSignal): Promise<Result<OpenedSession>> {
    return warmSession() ?? base.start(signal);
  }

  async function open(attempt: StartAttempt): Promise<Result<OpenedSession>> {
    await stop();
    base.setState('starting');
    const acquired = await options.servers.acquire({ cwd, spec }, attempt.signal);
    if (!acquired.ok) return acquired;
    const handle = acquired.value;
    // Added in order, disposed in reverse: stop listening before the hold is released.
    attempt.owner.add(() => handle.release());
    const current: Live = { handle, owner: attempt.owner };
    live = current;
    attempt.owner.add(handle.onExit((exit) => onServerExit(current, exit)));
    base.setState('starting'); // again, now with the pid
    const opened = await untilAborted(openSession(handle), attempt.signal);
    if (opened === 'aborted') return fail('cancelled', `The turn was cancelled while ${spec.name} was starting.`);
    if (!opened.ok) {
      if (base.lastExit() && !handle.isAlive()) base.setState('crashed');
      return opened;
    }
    sessionId = opened.value.sessionId;
    storedSessionId = opened.value.sessionId;
    originForNextTurn = opened.value.origin;
    attempt.owner.add(handle.listen(opened.value.sessionId, onSessionEvent));
    options.onSession(opened.value.sessionId);
    base.setState('ready');
    return opened;
  }

  async function openSession(current: OpencodeServerHandle): Promise<Result<OpenedSession>> {
    between.set('capabilities', { kind: 'capabilities', canTakeImages: true });
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

  async function prompt(input: TurnInput, onEvent: (event: AgentEvent) => void, signal?: AbortSignal): Promise<Result<TurnOutcome>> {
    // A warm session is used as is: no await, so the prompt leaves in the same tick.
    const ensured = warmSession() ?? (await ensureSession(signal));
    if (!ensured.ok) return ensured;
    if (signal?.aborted) return fail('cancelled', `The turn was cancelled before the prompt reached ${spec.name}.`);
    const current = live?.handle;
    const activeSession = sessionId;
    if (!current || !activeSession) return fail('agent-crashed', stoppedBeforeTurn());
    const origin = originForNextTurn;
    originForNextTurn = 'warm';
    const userMessageId = ascendingMessageId();
    const running = createRunningTurn({
      userMessageId,
      sessionId: activeSession,
      origin,
      onEvent,
      mapper: createTurnMapper({ userMessageId, cwd, agentName: spec.name }),
      agentName: spec.name,
      idleConfirmMs: timings.idleConfirmMs,
      status: async () => (await current.client.session.status({})).data?.[activeSession]?.type,
      log: options.log,
    });
    turn = running;
    const onAbort = () => void cancel();
    signal?.addEventListener('abort', onAbort);
    try {
      // opencode's models take images through their provider; a file goes as a link it reads.
      const attached = promptBlocks(input.attachments, options.cwd, true, spec.name);
      for (const message of attached.refused) onEvent({ kind: 'notice', level: 'warning', message });
      const request = current.client.session.promptAsync({
        sessionID: activeSession,
        messageID: userMessageId,
        parts: [
          { type: 'text', text: input.text },
          ...attached.blocks.map((block) =>
            block.kind === 'file'
              ? { type: 'file' as const, mime: 'text/plain', url: block.uri, filename: block.name }
              : { type: 'file' as const, mime: block.mimeType, url: `data:${block.mimeType};base64,${block.data}`, filename: 'image' },
          ),
        ],
        ...turnSettings(input, onEvent),
      });
      // Announced once the request has gone out, so subscribers' work never delays the agent.
      setImmediate(() => {
        if (turn === running) base.setState('busy');
      });
      if (between.size > 0) {
        for (const event of between.values()) onEvent(event);
        between.clear();
      }
      void request.then(
        (sent) => {
          if (sent.error) running.settle(fail('agent-error', `${spec.name} refused the prompt: ${errorText(sent.error)}`));
        },
        async (error: unknown) => {
          // Usually the server died under the request; its exit settles the turn as a crash.
          await Promise.race([running.done, delay(timings.exitAfterRequestFailureMs)]);
          running.settle(fail('agent-error', `${spec.name} did not take the prompt: ${errorText(error)}`));
        },
      );
      return await running.done;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      turn = undefined;
      running.dispose();
      running.abort.abort(turnEnded);
      options.permissions.cancelWhere({ chatId, agentId }, 'turn-cancelled');
      // A request the broker never answered would stay on the server's list forever.
      if (running.openPermissions.size > 0 && live?.handle === current && current.isAlive()) void bridge.rejectStale(current, activeSession, [...running.openPermissions]);
      if (base.state() === 'busy') base.setState('idle');
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
    const title = sessionTitle(event);
    if (title !== undefined && title !== lastTitle) {
      lastTitle = title;
      const info: AgentEvent = { kind: 'session-info', title };
      if (running) running.onEvent(info);
      else between.set('session-info', info);
      return;
    }
    if (event.type === 'permission.asked') {
      const current = live?.handle;
      if (current) void bridge.onAsked(current, running, event.properties);
      return;
    }
    if (!running) return;
    const assistantsBefore = running.mapper.assistantCount();
    for (const mapped of running.mapper.map(event)) running.onEvent(mapped);
    switch (event.type) {
      case 'message.updated': {
        const info = event.properties.info;
        if (info.role !== 'assistant' || !running.mapper.hasAssistant(info.id)) return;
        // An abort that came before opencode started the turn found nothing to stop: repeat it.
        if (assistantsBefore === 0 && running.isCancelRequested) void abortOnServer(running);
        running.onAssistantUpdated(info);
        return;
      }
      case 'session.status':
        if (event.properties.status.type === 'idle') running.onIdle();
        return;
      case 'session.idle':
        running.onIdle();
        return;
      default:
        return;
    }
  }

  async function abortOnServer(running: RunningTurn): Promise<void> {
    const current = live?.handle;
    if (!current || running.isSettled()) return;
    try {
      const aborted = await current.client.session.abort({ sessionID: running.sessionId });
      // true: opencode stopped the turn's loop. false: the loop had not started; the first
      // assistant message of the turn triggers another abort (see message.updated).
      if (aborted.data === true) running.settleCancelled();
    } catch (error) {
      options.log(`${spec.name}: session.abort failed: ${errorText(error)}`);
    }
    if (live?.handle === current && current.isAlive()) await bridge.rejectStale(current, running.sessionId, [...running.openPermissions]);
  }

  async function cancel(): Promise<void> {
    const running = turn;
    if (!running || running.isCancelRequested || running.isSettled()) return;
    running.isCancelRequested = true;
    running.abort.abort();
    options.permissions.cancelWhere({ chatId, agentId }, 'turn-cancelled');
    const timer = setTimeout(() => {
      if (running.isSettled()) return;
      options.log(`${spec.name} did not stop within ${timings.cancelGraceMs} ms of session.abort; the turn ends as cancelled.`);
      running.settleCancelled();
    }, timings.cancelGraceMs);
    timer.unref();
    void running.done.then(() => clearTimeout(timer));
    await abortOnServer(running);
  }

  function onServerExit(current: Live, exit: ExitInfo): void {
    base.recordExit(exit);
    if (live !== current) return;
    live = undefined;
    sessionId = undefined;
    void current.owner.dispose();
    options.permissions.cancelWhere({ chatId, agentId }, 'agent-exited');
    turn?.settle(fail('agent-crashed', base.describeExit(exit)));
    base.setState('crashed');
  }

  /** Releases our hold (the server stops when no chat holds it); a running turn ends as cancelled. */
  async function stop(): Promise<void> {
    const running = turn;
    if (running) {
      await cancel();
      running.settleCancelled();
    }
    const current = live;
    live = undefined;
    sessionId = undefined;
    await current?.owner.dispose();
  }

  /** A failed request usually means the server is dying: let its exit explain, if it comes. */
  async function failRequest<T>(current: OpencodeServerHandle, what: string, error: unknown): Promise<Result<T>> {
    const exit = await Promise.race([current.exited, delay(timings.exitAfterRequestFailureMs).then(() => undefined)]);
    if (exit) return fail('agent-crashed', `${what}: ${base.describeExit(exit)}`);
    return fail('agent-error', `${what}: ${errorText(error)}`);
  }

  function stoppedBeforeTurn(): string {
    const exit = base.lastExit();
    return exit ? base.describeExit(exit) : `${spec.name} stopped before the turn began.`;
  }

  return {
    kind: 'opencode',
    state: base.state,
    pid: () => live?.handle.pid ?? null,
    capabilities: () => (live ? { canResume: true, canLoad: false, canTakeImages: true, modes: [], currentModeId: null } : null),
    ensureSession,
    prompt,
    cancel,
    close: base.close,
    onStateChange: base.onStateChange,
  };
}

/** The work's result, or 'aborted' the moment `signal` aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | 'aborted'> {
  if (signal.aborted) return Promise.resolve('aborted');
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
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
  // One read of the random source for the whole suffix; a byte modulo 62 is uniform enough for an id.
  let suffix = '';
  for (const byte of randomBytes(14)) suffix += base62[byte % base62.length];
  return `msg_${value.toString(16).padStart(12, '0')}${suffix}`;
}
