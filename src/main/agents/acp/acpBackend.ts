// The ACP backend: one warm child process per (chat, agent). It starts the agent (agentProcess)
// and does the handshake (handshake) once, then runs `session/prompt` per turn, serving the
// agent's own requests (clientHandlers). Stop always wins: a turn stopped while the agent is
// still starting ends at once and the half-started process group is killed; one stopped while
// its mode or model is being set never sends its prompt; one stopped while the agent answers
// gets `session/cancel`, and the process is stopped only if the agent ignores that.
import { setTimeout as delay } from 'node:timers/promises';
import * as acp from '@agentclientprotocol/sdk/unstable';
import type { AgentEvent, PermissionOption, SessionOrigin } from '../../../shared/agents.ts';
import { fail, ok, type Result } from '../../../shared/contract.ts';
import type { DisposableStore } from '../../lifecycle/index.ts';
import { promptBlocks } from '../promptContent.ts';
import type { AgentBackend, BackendCapabilities, ExitInfo, TurnInput, TurnOutcome } from '../backend.ts';
import { createBackendBase, turnEnded, type OpenedSession, type StartAttempt } from '../backendBase.ts';
import type { AgentLaunchSpec } from '../catalog/index.ts';
import type { PermissionBroker } from '../permissions/index.ts';
import type { PidRegistry } from '../pidRegistry.ts';
import { launchAgentProcess, type AgentProcess } from './agentProcess.ts';
import { createClientApp } from './clientHandlers.ts';
import { errorText } from './errors.ts';
import { handshake, type Handshake } from './handshake.ts';
import { createUpdateMapper, toConfigOption, type UpdateMapper } from './mapUpdate.ts';
import { messageWriter, pipeReader, pipeWriter } from './stdio.ts';
import { createTerminalHost, type TerminalExitStatus, type TerminalProcess } from './terminalHost.ts';
import { createWorkspaceFs } from './workspaceFs.ts';

/** What the core's terminal service hears of an agent's terminals (ACP `terminal/create`). */
export interface AgentTerminalObserver {
  started(terminal: TerminalProcess & { readonly chatId: string; readonly agentId: string }): void;
  output(terminalId: string, chunk: Buffer): void;
  exited(terminalId: string, status: TerminalExitStatus): void;
}

export const acpTimings = {
  /**
   * initialize and session/new (or resume) must answer within this. Cold starts measured here:
   * 0.3–6 s (opencode under load); 30 s leaves room for a slow disk or a first-run agent.
   */
  handshakeTimeoutMs: 30_000,
  /** SIGTERM → SIGKILL. Some wrappers ignore SIGTERM (gemini); 2 s is long enough to flush logs. */
  stopGraceMs: 2_000,
  /**
   * After session/cancel an agent answers with stopReason cancelled in 7–920 ms here. One that
   * has not answered after 10 s is wedged: it is stopped and the turn ends as cancelled.
   */
  cancelGraceMs: 10_000,
  /**
   * A turn is announced `busy` once its first update has been handed on, or after this if the
   * agent is silent: work done while a warm agent computes its first answer (~0.2 ms for the
   * scripted agent, 4–60 ms for real ones) competes with it for the CPU and delays that answer.
   */
  busyAnnounceMs: 10,
} as const;

/** How long a closed connection waits for the process exit that usually follows it. */
const exitAfterCloseMs = 1_000;

export const acpLimits = {
  /** One ACP message larger than this closes the connection instead of exhausting memory. */
  maxMessageBytes: 64 * 1024 * 1024,
} as const;

export interface AcpBackendOptions {
  readonly chatId: string;
  readonly agentId: string;
  readonly spec: AgentLaunchSpec;
  readonly cwd: string;
  /** The agent session to resume when the process (re)starts, if the agent can resume. */
  readonly storedSessionId: string | null;
  readonly permissions: PermissionBroker;
  readonly pidRegistry: PidRegistry;
  readonly timings?: Partial<Record<keyof typeof acpTimings, number>>;
  readonly log: (line: string) => void;
  /** Called when the agent session id is known (new or resumed), to persist it. */
  readonly onSession: (sessionId: string) => void;
  /** Told about the terminals the agent runs, so that the user can watch them. */
  readonly terminalObserver?: AgentTerminalObserver;
}

/** The running process and its connection; `owner` holds both and everything they started. */
interface Live {
  readonly process: AgentProcess;
  readonly connection: acp.ClientConnection;
  readonly owner: DisposableStore;
  /** Announces a silent turn busy (see watchForSilence); made at the first prompt. */
  silenceTimer?: ReturnType<typeof setTimeout>;
}

interface RunningTurn {
  readonly onEvent: (event: AgentEvent) => void;
  readonly mapper: UpdateMapper;
  /** Aborted when the turn is stopped or ends: its permission prompts and setting requests end too. */
  readonly abort: AbortController;
  isCancelRequested: boolean;
  /** Until the prompt is sent, a stop needs no session/cancel: the prompt is simply never sent. */
  isPromptSent: boolean;
  isBusyAnnounced: boolean;
  stopCancelTimer: () => void;
}

export function createAcpBackend(options: AcpBackendOptions): AgentBackend {
  const timings = { ...acpTimings, ...options.timings };
  const { spec, chatId, agentId } = options;
  let live: Live | undefined;
  let sessionId: string | undefined = undefined;
  let storedSessionId = options.storedSessionId;
  let originForNextTurn: SessionOrigin = 'warm';
  let capabilities: BackendCapabilities | null = null;
  let configOptions: acp.SessionConfigOption[] = [];
  let turn: RunningTurn | undefined;
  let isLoadingSession = false;
  // usage_update carries the session's cumulative cost; a turn's cost is the difference.
  let sessionCost: { amount: number; currency: string } | null = null;
  // Session-level updates sent between turns (commands after session/new, say) wait here and
  // open the next turn, so nothing the agent announced is lost.
  const between = new Map<string, AgentEvent>();
  const onUnknownUpdate = (kind: string) => options.log(`${spec.name}: ignored unknown session update "${kind}"`);
  const betweenMapper = createUpdateMapper(onUnknownUpdate);
  const base = createBackendBase({ name: spec.name, pid: () => live?.process.pid ?? null, open, stop: stopProcess, log: options.log });

  async function open(attempt: StartAttempt): Promise<Result<OpenedSession>> {
    base.setState('starting');
    const launched = await launchAgentProcess({
      spec,
      cwd: options.cwd,
      owner: attempt.owner,
      pidRegistry: options.pidRegistry,
      chatId,
      agentId,
      stopGraceMs: timings.stopGraceMs,
      log: options.log,
    });
    if (!launched.ok) return launched;
    const agent = launched.value;
    const current: Live = { process: agent, connection: connect(agent, attempt.owner), owner: attempt.owner };
    live = current;
    agent.onExit((exit) => onExit(current, exit));
    base.setState('starting'); // again, now with the pid
    const opened = await withDeadline(
      handshake({
        connection: current.connection,
        spec,
        cwd: options.cwd,
        storedSessionId,
        onSessionOpened: (id, origin) => {
          if (id !== sessionId && origin === 'new') sessionCost = null;
          sessionId = id;
        },
        onLoading: (isLoading) => {
          isLoadingSession = isLoading;
        },
      }),
      { timeoutMs: timings.handshakeTimeoutMs, exited: agent.exited, signal: attempt.signal },
    );
    switch (opened.kind) {
      case 'aborted':
        return fail('cancelled', `The turn was cancelled while ${spec.name} was starting.`);
      case 'exited':
        return fail('agent-crashed', base.describeExit(opened.exit));
      case 'timeout': {
        const output = agent.stderrTail();
        return fail(
          'handshake-timeout',
          `${spec.name} did not finish starting (initialize and session/new) within ${Math.round(timings.handshakeTimeoutMs / 1000)} s.${output ? ` Last output:\n${output.trimEnd()}` : ''}`,
        );
      }
      case 'done':
        break;
    }
    if (!opened.value.ok) return opened.value;
    accept(opened.value.value);
    base.setState('ready');
    return ok({ sessionId: opened.value.value.sessionId, origin: opened.value.value.origin });
  }

  function connect(agent: AgentProcess, owner: DisposableStore): acp.ClientConnection {
    // Lines read are parsed by the SDK (its answers to malformed lines go out through the byte
    // stream); the connection's own messages go straight to the pipe.
    const lines = acp.ndJsonStream(pipeWriter(agent.stdin), pipeReader(agent.stdout), { maxMessageBytes: acpLimits.maxMessageBytes });
    const stream: acp.Stream = { readable: lines.readable, writable: messageWriter(agent.stdin) };
    const terminals = createTerminalHost({
      root: options.cwd,
      env: spec.env,
      // Terminals are process groups of our own: a killed core's are reaped at the next start.
      onSpawn: (terminal) => {
        options.pidRegistry.register(terminal.pid, { command: terminal.command, chatId, agentId });
        options.terminalObserver?.started({ ...terminal, chatId, agentId });
      },
      onOutput: options.terminalObserver && ((terminalId, chunk) => options.terminalObserver?.output(terminalId, chunk)),
      onExit: (terminal, status) => {
        options.pidRegistry.unregister(terminal.pid);
        options.terminalObserver?.exited(terminal.terminalId, status);
      },
    });
    owner.add(() => terminals.disposeAll());
    const connection = createClientApp({
      name: spec.name,
      fs: createWorkspaceFs(options.cwd, { log: options.log }),
      terminals,
      log: options.log,
      onUpdate,
      requestPermission,
    }).connect(stream);
    owner.add(() => connection.close());
    return connection;
  }

  function accept(opened: Handshake): void {
    storedSessionId = opened.sessionId;
    originForNextTurn = opened.origin;
    configOptions = opened.configOptions;
    capabilities = opened.capabilities;
    for (const message of opened.notices) between.set(`notice:${message}`, { kind: 'notice', level: 'warning', message });
    if (capabilities.modes.length > 0) {
      between.set('mode', { kind: 'mode', modeId: capabilities.currentModeId ?? '', available: capabilities.modes.map((mode) => ({ ...mode })) });
    }
    between.set('capabilities', { kind: 'capabilities', canTakeImages: capabilities.canTakeImages });
    if (configOptions.length > 0) between.set('config', { kind: 'config-options', options: configOptions.map(toConfigOption) });
    options.onSession(opened.sessionId);
  }

  function onExit(current: Live, exit: ExitInfo): void {
    base.recordExit(exit);
    if (live !== current) return; // a process already replaced; its end changes nothing now
    live = undefined;
    sessionId = undefined;
    void current.owner.dispose();
    options.permissions.cancelWhere({ chatId, agentId }, 'agent-exited');
    base.setState(current.process.isStopping() ? 'stopped' : 'crashed');
  }

  async function prompt(input: TurnInput, onEvent: (event: AgentEvent) => void, signal?: AbortSignal): Promise<Result<TurnOutcome>> {
    // A warm session is used as is: no await, so the prompt leaves in the same tick.
    const ensured = warmSession() ?? (await ensureSession(signal));
    if (!ensured.ok) return ensured;
    if (signal?.aborted) return cancelledBeforePrompt();
    const current = live;
    const activeSession = sessionId;
    if (!current || !activeSession) return fail('agent-crashed', stoppedBeforeTurn());
    const origin = originForNextTurn;
    originForNextTurn = 'warm';
    const costAtStart = sessionCost?.amount ?? 0;
    const running: RunningTurn = {
      onEvent,
      mapper: createUpdateMapper(onUnknownUpdate),
      abort: new AbortController(),
      isCancelRequested: false,
      isPromptSent: false,
      isBusyAnnounced: false,
      stopCancelTimer: () => undefined,
    };
    turn = running;
    const onAbort = () => void cancel();
    signal?.addEventListener('abort', onAbort);
    try {
      const settingsNotices: AgentEvent[] = [];
      if (input.modeId || input.model) {
        await applyTurnSettings(current, activeSession, input, (event) => settingsNotices.push(event), running.abort.signal);
        if (running.isCancelRequested) {
          originForNextTurn = origin; // no turn ran on the session
          return cancelledBeforePrompt();
        }
      }
      running.isPromptSent = true;
      const attached = promptBlocks(input.attachments, options.cwd, capabilities?.canTakeImages ?? false, options.spec.name);
      for (const message of attached.refused) settingsNotices.push({ kind: 'notice', level: 'warning', message });
      const request = current.connection.agent.request(acp.methods.agent.session.prompt, {
        sessionId: activeSession,
        prompt: [
          { type: 'text', text: input.text },
          ...attached.blocks.map((block): acp.ContentBlock =>
            block.kind === 'file' ? { type: 'resource_link', uri: block.uri, name: block.name } : { type: 'image', mimeType: block.mimeType, data: block.data },
          ),
        ],
      });
      // The SDK hands the prompt to the pipe in its next microtask: the turn's bookkeeping waits
      // for it rather than the prompt for the bookkeeping. Nothing the agent answers can arrive
      // before the next read from its pipe.
      await Promise.resolve();
      watchForSilence(current);
      if (between.size > 0) {
        for (const event of between.values()) onEvent(event);
        between.clear();
      }
      for (const event of settingsNotices) onEvent(event);
      const answer = await settleFirst(request, current.process);
      if (answer.kind === 'exited') {
        if (running.isCancelRequested) return ok({ stopReason: 'cancelled', origin, sessionId: activeSession, usage: null });
        return fail('agent-crashed', base.describeExit(answer.exit));
      }
      if (answer.kind === 'rejected') {
        // A closed connection with a live process (e.g. an oversized message) is as good as dead.
        if (live !== current) return fail('agent-crashed', stoppedBeforeTurn());
        if (current.connection.signal.aborted) {
          // stdout usually closes a moment before the exit event: wait for it to explain the end.
          const exit = await Promise.race([current.process.exited, delay(exitAfterCloseMs).then(() => undefined)]);
          if (exit) return running.isCancelRequested ? ok({ stopReason: 'cancelled', origin, sessionId: activeSession, usage: null }) : fail('agent-crashed', base.describeExit(exit));
          await stopProcess();
          return fail('agent-crashed', `${spec.name} broke the protocol and was stopped: ${errorText(answer.error)}`);
        }
        base.setState('idle');
        return fail('agent-error', `${spec.name} failed the turn: ${errorText(answer.error)}`);
      }
      base.setState('idle');
      const tokens = answer.value.usage;
      const cost = sessionCost ? { amount: Math.max(0, sessionCost.amount - costAtStart), currency: sessionCost.currency } : null;
      return ok({
        stopReason: answer.value.stopReason,
        origin,
        sessionId: activeSession,
        usage:
          tokens || cost
            ? {
                inputTokens: tokens?.inputTokens ?? null,
                outputTokens: tokens?.outputTokens ?? null,
                contextUsed: null,
                contextSize: null,
                costAmount: cost?.amount ?? null,
                costCurrency: cost?.currency ?? null,
              }
            : null,
      });
    } finally {
      signal?.removeEventListener('abort', onAbort);
      running.stopCancelTimer();
      turn = undefined;
      running.abort.abort(turnEnded);
      options.permissions.cancelWhere({ chatId, agentId }, 'turn-cancelled');
    }
  }

  /** Switches mode and model for the turn; a stop (`signal`) ends the wait for either at once. */
  async function applyTurnSettings(current: Live, activeSession: string, input: TurnInput, emit: (event: AgentEvent) => void, signal: AbortSignal): Promise<void> {
    if (input.modeId && capabilities?.currentModeId !== input.modeId) {
      if (!capabilities?.modes.some((mode) => mode.id === input.modeId)) {
        emit({ kind: 'notice', level: 'warning', message: `${spec.name} has no mode "${input.modeId}"; the turn runs in its current mode.` });
      } else {
        const modeId = input.modeId;
        const switched = await untilAborted(current.connection.agent.request(acp.methods.agent.session.setMode, { sessionId: activeSession, modeId }), signal);
        if (switched.kind === 'aborted') return;
        if (switched.kind === 'rejected') {
          emit({ kind: 'notice', level: 'warning', message: `Could not switch ${spec.name} to mode "${modeId}": ${errorText(switched.error)}` });
        } else {
          if (capabilities) capabilities = { ...capabilities, currentModeId: modeId };
          emit({ kind: 'mode', modeId, available: null });
        }
      }
    }
    if (!input.model) return;
    const modelOption = configOptions.find((option) => option.category === 'model');
    if (!modelOption) {
      emit({ kind: 'notice', level: 'warning', message: `${spec.name} does not offer a model choice; the turn uses its default model.` });
      return;
    }
    const selected = await untilAborted(
      current.connection.agent.request(acp.methods.agent.session.setConfigOption, { sessionId: activeSession, configId: modelOption.id, value: input.model }),
      signal,
    );
    if (selected.kind === 'value') {
      configOptions = selected.value.configOptions ?? configOptions;
      emit({ kind: 'config-options', options: configOptions.map(toConfigOption) });
    }
    else if (selected.kind === 'rejected') emit({ kind: 'notice', level: 'warning', message: `Could not select model "${input.model}": ${errorText(selected.error)}` });
  }

  function warmSession(): Result<OpenedSession> | undefined {
    const state = base.state();
    if (live && sessionId && (state === 'ready' || state === 'idle' || state === 'busy')) return ok({ sessionId, origin: originForNextTurn });
    return undefined;
  }

  async function ensureSession(signal?: AbortSignal): Promise<Result<OpenedSession>> {
    return warmSession() ?? base.start(signal);
  }

  async function cancel(): Promise<void> {
    const running = turn;
    if (!running || running.isCancelRequested) return;
    running.isCancelRequested = true;
    running.abort.abort();
    options.permissions.cancelWhere({ chatId, agentId }, 'turn-cancelled');
    const current = live;
    if (!running.isPromptSent || !current || !sessionId) return;
    await current.connection.agent.notify(acp.methods.agent.session.cancel, { sessionId }).catch(() => undefined);
    if (turn !== running) return;
    running.stopCancelTimer = current.owner.timeout(timings.cancelGraceMs, () => {
      if (turn !== running) return;
      options.log(`${spec.name} did not stop within ${timings.cancelGraceMs} ms of session/cancel; stopping it.`);
      void stopProcess();
    });
  }

  async function stopProcess(): Promise<void> {
    await live?.owner.dispose();
  }

  function onUpdate(params: acp.SessionNotification): void {
    if (isLoadingSession || params.sessionId !== sessionId) return; // history replayed by session/load
    const running = turn;
    const mapper = running?.mapper ?? betweenMapper;
    const event = mapper.map(params.update);
    if (!event) return;
    if (event.kind === 'usage' && event.usage.costAmount !== null) {
      sessionCost = { amount: event.usage.costAmount, currency: event.usage.costCurrency ?? 'USD' };
    }
    if (!running) {
      between.set(event.kind === 'notice' ? `notice:${event.message}` : event.kind, event);
      return;
    }
    running.onEvent(event);
    announceBusy(running);
  }

  function announceBusy(running: RunningTurn): void {
    if (running.isBusyAnnounced || turn !== running) return;
    running.isBusyAnnounced = true;
    base.setState('busy');
  }

  /**
   * Announces the turn busy if its agent stays silent for a while after the prompt. One timer
   * per process, re-armed at each prompt rather than made anew: it is on every warm turn's path.
   */
  function watchForSilence(current: Live): void {
    if (current.silenceTimer) {
      current.silenceTimer.refresh();
      return;
    }
    const timer = setTimeout(() => {
      const running = turn;
      // Re-armed when the prompt went out: a turn whose prompt is not sent yet is not silent.
      if (running?.isPromptSent && live === current) announceBusy(running);
    }, timings.busyAnnounceMs);
    timer.unref();
    current.silenceTimer = timer;
    current.owner.add(() => clearTimeout(timer));
  }

  async function requestPermission(params: acp.RequestPermissionRequest): Promise<acp.RequestPermissionResponse> {
    const running = turn;
    if (running) announceBusy(running);
    const call = running?.mapper.map({ sessionUpdate: 'tool_call_update', ...params.toolCall });
    const decision = await options.permissions.request(
      {
        chatId,
        agentId,
        title: params.toolCall.title ?? 'The agent asks for permission',
        toolCall: call?.kind === 'tool-call' ? call.call : null,
        options: params.options.map((option): PermissionOption => ({ optionId: option.optionId, name: option.name, kind: option.kind })),
        sessionId: params.sessionId,
        isAlwaysRefused: !spec.quirks.acceptsAlwaysOptions,
      },
      running?.abort.signal,
    );
    if (decision.notice) {
      const notice: AgentEvent = { kind: 'notice', level: 'info', message: decision.notice };
      if (running && turn === running) running.onEvent(notice);
      else between.set(`notice:${decision.notice}`, notice);
    }
    return { outcome: decision.outcome === 'selected' ? { outcome: 'selected', optionId: decision.optionId } : { outcome: 'cancelled' } };
  }

  function cancelledBeforePrompt(): Result<TurnOutcome> {
    return fail('cancelled', `The turn was cancelled before the prompt reached ${spec.name}.`);
  }

  function stoppedBeforeTurn(): string {
    const exit = base.lastExit();
    return exit ? base.describeExit(exit) : `${spec.name} stopped before the turn began.`;
  }

  return {
    kind: 'acp',
    state: base.state,
    pid: () => live?.process.pid ?? null,
    capabilities: () => capabilities,
    ensureSession,
    prompt,
    cancel,
    close: base.close,
    onStateChange: base.onStateChange,
  };
}

type Settled<T> = { kind: 'value'; value: T } | { kind: 'rejected'; error: unknown } | { kind: 'exited'; exit: ExitInfo };

/** Whichever comes first: the request's answer, or the process exit. */
function settleFirst<T>(request: Promise<T>, process: AgentProcess): Promise<Settled<T>> {
  return new Promise((resolve) => {
    const stopListening = process.onExit((exit) => resolve({ kind: 'exited', exit }));
    request.then(
      (value) => resolve({ kind: 'value', value }),
      (error: unknown) => resolve({ kind: 'rejected', error }),
    ).finally(stopListening);
  });
}

type Answered<T> = { kind: 'value'; value: T } | { kind: 'rejected'; error: unknown } | { kind: 'aborted' };

/** The request's answer, or `aborted` the moment `signal` aborts (the answer, if any, is dropped). */
function untilAborted<T>(request: Promise<T>, signal: AbortSignal): Promise<Answered<T>> {
  if (signal.aborted) return Promise.resolve({ kind: 'aborted' });
  return new Promise((resolve) => {
    const onAbort = () => resolve({ kind: 'aborted' });
    signal.addEventListener('abort', onAbort, { once: true });
    request
      .then(
        (value) => resolve({ kind: 'value', value }),
        (error: unknown) => resolve({ kind: 'rejected', error }),
      )
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

type Deadline<T> = { kind: 'done'; value: T } | { kind: 'timeout' } | { kind: 'exited'; exit: ExitInfo } | { kind: 'aborted' };

/** The work's result, unless the process exits, the deadline passes or the start is aborted first. */
async function withDeadline<T>(work: Promise<T>, limits: { timeoutMs: number; exited: Promise<ExitInfo>; signal: AbortSignal }): Promise<Deadline<T>> {
  if (limits.signal.aborted) return { kind: 'aborted' };
  let timer: NodeJS.Timeout | undefined;
  let onAbort: () => void = () => undefined;
  const stopped = new Promise<Deadline<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), limits.timeoutMs);
    onAbort = () => resolve({ kind: 'aborted' });
    limits.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([
      work.then((value): Deadline<T> => ({ kind: 'done', value })),
      limits.exited.then((exit): Deadline<T> => ({ kind: 'exited', exit })),
      stopped,
    ]);
  } finally {
    clearTimeout(timer);
    limits.signal.removeEventListener('abort', onAbort);
  }
}
