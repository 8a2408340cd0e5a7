// The ACP backend: one warm child process per (chat, agent). It spawns the agent in its own
// process group, does `initialize` + `session/new` (or resumes the stored session) once, then
// runs `session/prompt` per turn. It serves the agent's requests itself: permissions through
// the broker, files confined to the working directory, terminals as real processes, and
// method-not-found for anything else, so an agent's side request never hangs a turn.
import { spawn, type ChildProcess } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import * as acp from '@agentclientprotocol/sdk/unstable';
import type { AgentEvent, PermissionOption, ProcessState, SessionOrigin } from '../../../shared/agents.ts';
import { fail, ok, type Result } from '../../../shared/contract.ts';
import type { AgentBackend, BackendCapabilities, BackendStateChange, ExitInfo, TurnInput, TurnOutcome } from '../backend.ts';
import type { AgentLaunchSpec } from '../catalog/index.ts';
import type { PermissionBroker } from '../permissions/index.ts';
import type { PidRegistry } from '../pidRegistry.ts';
import { signalProcessGroup, stopProcessGroup } from '../processTree.ts';
import { createUpdateMapper, type UpdateMapper } from './mapUpdate.ts';
import { createTerminalHost, type TerminalExitStatus, type TerminalHost, type TerminalProcess } from './terminalHost.ts';

/** What the core's terminal service hears of an agent's terminals (ACP `terminal/create`). */
export interface AgentTerminalObserver {
  started(terminal: TerminalProcess & { readonly chatId: string; readonly agentId: string }): void;
  output(terminalId: string, chunk: Buffer): void;
  exited(terminalId: string, status: TerminalExitStatus): void;
}
import { createWorkspaceFs, type WorkspaceFs } from './workspaceFs.ts';

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
} as const;

/** How long a closed connection waits for the process exit that usually follows it. */
const exitAfterCloseMs = 1_000;

export const acpLimits = {
  /** Bytes of stderr kept to explain a crash or a handshake timeout. */
  stderrTailBytes: 8_192,
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

interface RunningTurn {
  readonly onEvent: (event: AgentEvent) => void;
  readonly mapper: UpdateMapper;
  readonly abort: AbortController;
  isCancelRequested: boolean;
}

interface Spawned {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly connection: acp.ClientConnection;
  readonly exited: Promise<ExitInfo>;
  readonly exitListeners: Set<(exit: ExitInfo) => void>;
  readonly fs: WorkspaceFs;
  readonly terminals: TerminalHost;
}

export function createAcpBackend(options: AcpBackendOptions): AgentBackend {
  const timings = { ...acpTimings, ...options.timings };
  const { spec, chatId, agentId } = options;
  const listeners = new Set<(change: BackendStateChange) => void>();
  let state: ProcessState = 'stopped';
  let live: Spawned | undefined;
  let sessionId: string | undefined = undefined;
  let storedSessionId = options.storedSessionId;
  let originForNextTurn: SessionOrigin = 'warm';
  let capabilities: BackendCapabilities | null = null;
  let configOptions: acp.SessionConfigOption[] = [];
  let turn: RunningTurn | undefined;
  let starting: Promise<Result<{ sessionId: string; origin: SessionOrigin }>> | undefined;
  let isLoadingSession = false;
  // usage_update carries the session's cumulative cost; a turn's cost is the difference.
  let sessionCost: { amount: number; currency: string } | null = null;
  let isStopping = false;
  let stderrTail = '';
  let lastExit: ExitInfo | null = null;
  // Session-level updates sent between turns (commands after session/new, say) wait here and
  // open the next turn, so nothing the agent announced is lost.
  const between = new Map<string, AgentEvent>();

  function setState(next: ProcessState): void {
    state = next;
    const change: BackendStateChange = { state: next, pid: live?.pid ?? null, exit: next === 'crashed' ? lastExit : null };
    for (const listener of listeners) listener(change);
  }

  function describeExit(exit: ExitInfo): string {
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    return `${spec.name} ${how}.${exit.stderrTail ? ` Last output:\n${exit.stderrTail.trimEnd()}` : ''}`;
  }

  async function start(): Promise<Result<{ sessionId: string; origin: SessionOrigin }>> {
    isStopping = false;
    stderrTail = '';
    setState('starting');
    const launched = await launch();
    if (!launched.ok) {
      setState('stopped');
      return launched;
    }
    live = launched.value;
    setState('starting'); // again, now with the pid
    const current = launched.value;
    const handshake = await withDeadline(handshakeSteps(current), timings.handshakeTimeoutMs, current.exited);
    if (handshake.kind === 'exited') return fail('agent-crashed', `${describeExit(handshake.exit)}`);
    if (handshake.kind === 'timeout') {
      await stopProcess();
      return fail(
        'handshake-timeout',
        `${spec.name} did not finish starting (initialize and session/new) within ${Math.round(timings.handshakeTimeoutMs / 1000)} s.${stderrTail ? ` Last output:\n${stderrTail.trimEnd()}` : ''}`,
      );
    }
    const result = handshake.value;
    if (!result.ok) {
      await stopProcess();
      return result;
    }
    setState('ready');
    return result;
  }

  async function launch(): Promise<Result<Spawned>> {
    let child: ChildProcess;
    try {
      child = spawn(spec.command, [...spec.args], {
        cwd: options.cwd,
        env: { ...spec.env },
        stdio: ['pipe', 'pipe', 'pipe'],
        // Own process group: agents run as wrapper + child, and only a group kill stops both.
        detached: true,
      });
    } catch (error) {
      return fail('agent-not-installed', `${spec.name} could not be started: ${String(error)}`);
    }
    const pid = await new Promise<number | Error>((resolve) => {
      child.once('error', (error) => resolve(error));
      child.once('spawn', () => resolve(child.pid ?? new Error('no pid')));
    });
    if (pid instanceof Error) {
      return fail('agent-not-installed', `${spec.name} could not be started (${spec.command}): ${pid.message}`);
    }
    options.pidRegistry.register(pid, { command: [spec.command, ...spec.args].join(' '), chatId, agentId });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-acpLimits.stderrTailBytes);
    });
    // Writing to an agent that already died raises EPIPE here; the exit handler reports it.
    child.stdin?.on('error', () => undefined);
    const exitListeners = new Set<(exit: ExitInfo) => void>();
    const exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        const exit = onExit(pid, code, signal);
        for (const listener of exitListeners) listener(exit);
        resolve(exit);
      });
    });
    if (!child.stdin || !child.stdout) return fail('internal', 'The agent was started without pipes.');
    const stream = acp.ndJsonStream(
      Writable.toWeb(child.stdin) as WritableStream<Uint8Array>,
      Readable.toWeb(child.stdout) as ReadableStream<Uint8Array>,
      { maxMessageBytes: acpLimits.maxMessageBytes },
    );
    const fs = createWorkspaceFs(options.cwd, { log: options.log });
    const observer = options.terminalObserver;
    const terminals = createTerminalHost({
      root: options.cwd,
      env: spec.env,
      onSpawn: observer && ((process) => observer.started({ ...process, chatId, agentId })),
      onOutput: observer && ((terminalId, chunk) => observer.output(terminalId, chunk)),
      onExit: observer && ((process, status) => observer.exited(process.terminalId, status)),
    });
    const connection = clientApp(fs, terminals).connect(stream);
    return ok({ child, pid, connection, exited, exitListeners, fs, terminals });
  }

  function onExit(pid: number, code: number | null, signal: NodeJS.Signals | null): ExitInfo {
    const exit: ExitInfo = { code, signal, stderrTail };
    lastExit = exit;
    // The spawned pid is gone, but a wrapper's agent may still hold the pipes: end the group.
    signalProcessGroup(pid, 'SIGKILL');
    options.pidRegistry.unregister(pid);
    const ended = live;
    live = undefined;
    sessionId = undefined;
    ended?.connection.close();
    void ended?.terminals.disposeAll();
    options.permissions.cancelWhere({ chatId, agentId }, 'agent-exited');
    setState(isStopping ? 'stopped' : 'crashed');
    return exit;
  }

  async function handshakeSteps(current: Spawned): Promise<Result<{ sessionId: string; origin: SessionOrigin }>> {
    let init: acp.InitializeResponse;
    try {
      init = await current.connection.agent.request(acp.methods.agent.initialize, {
        protocolVersion: acp.PROTOCOL_VERSION,
        clientCapabilities: {
          fs: { readTextFile: spec.quirks.advertiseReadTextFile, writeTextFile: true },
          terminal: true,
        },
        clientInfo: { name: 'BooCode', version: '0.1.0' },
      });
    } catch (error) {
      return fail('agent-error', `${spec.name} refused initialize: ${errorText(error)}`);
    }
    const canResume = init.agentCapabilities?.sessionCapabilities?.resume != null;
    const canLoad = init.agentCapabilities?.loadSession === true && spec.quirks.trustLoadSession;
    let opened: { id: string; origin: SessionOrigin; modes: acp.SessionModeState | null | undefined; config: acp.SessionConfigOption[] | null | undefined } | undefined;
    const notices: string[] = [];
    const previous = storedSessionId;
    if (previous && canResume) {
      try {
        const resumed = await current.connection.agent.request(acp.methods.agent.session.resume, { sessionId: previous, cwd: options.cwd, mcpServers: [] });
        opened = { id: previous, origin: 'resumed', modes: resumed.modes, config: resumed.configOptions };
      } catch (error) {
        notices.push(`${spec.name} could not resume the previous session (${errorText(error)}); started a new one.`);
      }
    } else if (previous && canLoad) {
      isLoadingSession = true;
      try {
        const loaded = await current.connection.agent.request(acp.methods.agent.session.load, { sessionId: previous, cwd: options.cwd, mcpServers: [] });
        opened = { id: previous, origin: 'loaded', modes: loaded.modes, config: loaded.configOptions };
      } catch (error) {
        notices.push(`${spec.name} could not load the previous session (${errorText(error)}); started a new one.`);
      } finally {
        isLoadingSession = false;
      }
    } else if (previous) {
      notices.push(`${spec.name} cannot resume sessions, so this turn starts a new session without the earlier context.`);
    }
    if (!opened) {
      try {
        const created = await current.connection.agent.request(acp.methods.agent.session.new, { cwd: options.cwd, mcpServers: [] });
        opened = { id: created.sessionId, origin: 'new', modes: created.modes, config: created.configOptions };
      } catch (error) {
        return fail('agent-error', `${spec.name} could not start a session: ${errorText(error)}`);
      }
    }
    if (opened.id !== sessionId && opened.origin === 'new') sessionCost = null;
    sessionId = opened.id;
    storedSessionId = opened.id;
    originForNextTurn = opened.origin;
    configOptions = opened.config ?? [];
    capabilities = {
      canResume,
      canLoad,
      modes: opened.modes?.availableModes.map((mode) => ({ id: mode.id, name: mode.name })) ?? [],
      currentModeId: opened.modes?.currentModeId ?? null,
    };
    for (const message of notices) between.set(`notice:${message}`, { kind: 'notice', level: 'warning', message });
    if (capabilities.modes.length > 0) {
      between.set('mode', { kind: 'mode', modeId: capabilities.currentModeId ?? '', available: capabilities.modes.map((mode) => ({ ...mode })) });
    }
    const initialMode = spec.quirks.initialModeId;
    if (initialMode && capabilities.currentModeId !== initialMode && capabilities.modes.some((mode) => mode.id === initialMode)) {
      await setMode(current, initialMode);
    }
    options.onSession(opened.id);
    return ok({ sessionId: opened.id, origin: opened.origin });
  }

  async function setMode(current: Spawned, modeId: string): Promise<string | undefined> {
    if (!sessionId) return 'no session';
    try {
      await current.connection.agent.request(acp.methods.agent.session.setMode, { sessionId, modeId });
      if (capabilities) capabilities = { ...capabilities, currentModeId: modeId };
      return undefined;
    } catch (error) {
      return errorText(error);
    }
  }

  async function applyTurnSettings(current: Spawned, input: TurnInput, emit: (event: AgentEvent) => void): Promise<void> {
    if (input.modeId && capabilities?.currentModeId !== input.modeId) {
      if (!capabilities?.modes.some((mode) => mode.id === input.modeId)) {
        emit({ kind: 'notice', level: 'warning', message: `${spec.name} has no mode "${input.modeId}"; the turn runs in its current mode.` });
      } else {
        const problem = await setMode(current, input.modeId);
        if (problem) emit({ kind: 'notice', level: 'warning', message: `Could not switch ${spec.name} to mode "${input.modeId}": ${problem}` });
        else emit({ kind: 'mode', modeId: input.modeId, available: null });
      }
    }
    if (input.model && sessionId) {
      const modelOption = configOptions.find((option) => option.category === 'model');
      if (!modelOption) {
        emit({ kind: 'notice', level: 'warning', message: `${spec.name} does not offer a model choice; the turn uses its default model.` });
      } else {
        try {
          const answer = await current.connection.agent.request(acp.methods.agent.session.setConfigOption, {
            sessionId,
            configId: modelOption.id,
            value: input.model,
          });
          configOptions = answer.configOptions ?? configOptions;
        } catch (error) {
          emit({ kind: 'notice', level: 'warning', message: `Could not select model "${input.model}": ${errorText(error)}` });
        }
      }
    }
  }

  async function prompt(input: TurnInput, onEvent: (event: AgentEvent) => void, signal?: AbortSignal): Promise<Result<TurnOutcome>> {
    const ensured = await ensureSession();
    if (!ensured.ok) return ensured;
    if (signal?.aborted) return fail('cancelled', 'The turn was cancelled before it reached the agent.');
    const current = live;
    const activeSession = sessionId;
    if (!current || !activeSession) return fail('agent-crashed', lastExit ? describeExit(lastExit) : `${spec.name} stopped before the turn began.`);
    const origin = originForNextTurn;
    originForNextTurn = 'warm';
    const costAtStart = sessionCost?.amount ?? 0;
    const running: RunningTurn = {
      onEvent,
      mapper: createUpdateMapper((kind) => options.log(`${spec.name}: ignored unknown session update "${kind}"`)),
      abort: new AbortController(),
      isCancelRequested: false,
    };
    turn = running;
    const onAbort = () => void cancel();
    signal?.addEventListener('abort', onAbort);
    try {
      const settingsNotices: AgentEvent[] = [];
      if (input.modeId || input.model) await applyTurnSettings(current, input, (event) => settingsNotices.push(event));
      const request = current.connection.agent.request(acp.methods.agent.session.prompt, {
        sessionId: activeSession,
        prompt: [{ type: 'text', text: input.text }],
      });
      // Announced once the prompt is on its way, so subscribers' work never delays the agent;
      // the agent's own updates can only arrive in a later tick, after these.
      setState('busy');
      for (const event of between.values()) onEvent(event);
      between.clear();
      for (const event of settingsNotices) onEvent(event);
      const answer = await settleFirst(request, current.exitListeners);
      if (answer.kind === 'exited') {
        if (running.isCancelRequested) return ok({ stopReason: 'cancelled', origin, sessionId: activeSession, usage: null });
        return fail('agent-crashed', describeExit(answer.exit));
      }
      if (answer.kind === 'rejected') {
        // A closed connection with a live process (e.g. an oversized message) is as good as dead.
        if (live !== current) return fail('agent-crashed', lastExit ? describeExit(lastExit) : `${spec.name} stopped.`);
        if (current.connection.signal.aborted) {
          // stdout usually closes a moment before the exit event: wait for it to explain the end.
          const exit = await Promise.race([current.exited, delay(exitAfterCloseMs).then(() => undefined)]);
          if (exit) return running.isCancelRequested ? ok({ stopReason: 'cancelled', origin, sessionId: activeSession, usage: null }) : fail('agent-crashed', describeExit(exit));
          await stopProcess();
          return fail('agent-crashed', `${spec.name} broke the protocol and was stopped: ${errorText(answer.error)}`);
        }
        setState('idle');
        return fail('agent-error', `${spec.name} failed the turn: ${errorText(answer.error)}`);
      }
      setState('idle');
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
      turn = undefined;
      running.abort.abort();
      options.permissions.cancelWhere({ chatId, agentId }, 'turn-cancelled');
    }
  }

  async function ensureSession(): Promise<Result<{ sessionId: string; origin: SessionOrigin }>> {
    if (live && sessionId && (state === 'ready' || state === 'idle' || state === 'busy')) {
      return ok({ sessionId, origin: originForNextTurn });
    }
    starting ??= start().finally(() => {
      starting = undefined;
    });
    return starting;
  }

  async function cancel(): Promise<void> {
    const running = turn;
    const current = live;
    if (!running || !current || !sessionId || running.isCancelRequested) return;
    running.isCancelRequested = true;
    running.abort.abort();
    options.permissions.cancelWhere({ chatId, agentId }, 'turn-cancelled');
    await current.connection.agent.notify(acp.methods.agent.session.cancel, { sessionId }).catch(() => undefined);
    const timer = setTimeout(() => {
      if (turn === running) {
        options.log(`${spec.name} did not stop within ${timings.cancelGraceMs} ms of session/cancel; stopping it.`);
        void stopProcess();
      }
    }, timings.cancelGraceMs);
    timer.unref();
    void current.exited.finally(() => clearTimeout(timer));
  }

  async function stopProcess(): Promise<void> {
    const current = live;
    if (!current) return;
    isStopping = true;
    current.child.stdin?.end();
    if (!(await stopProcessGroup(current.pid, current.exited, timings.stopGraceMs))) {
      options.log(`${spec.name}: processes of group ${current.pid} outlived SIGKILL`);
    }
  }

  function clientApp(fs: WorkspaceFs, terminals: TerminalHost): acp.ClientApp {
    return acp
      .client({ name: 'BooCode' })
      .onNotification(acp.methods.client.session.update, ({ params }) => {
        if (isLoadingSession || params.sessionId !== sessionId) return; // history replayed by session/load
        const running = turn;
        const mapper = running?.mapper ?? betweenMapper;
        const event = mapper.map(params.update);
        if (!event) return;
        if (event.kind === 'usage' && event.usage.costAmount !== null) {
          sessionCost = { amount: event.usage.costAmount, currency: event.usage.costCurrency ?? 'USD' };
        }
        if (running) running.onEvent(event);
        else between.set(event.kind === 'notice' ? `notice:${event.message}` : event.kind, event);
      })
      .onRequest(acp.methods.client.session.requestPermission, async ({ params }) => {
        const running = turn;
        const call = running?.mapper.map({ sessionUpdate: 'tool_call_update', ...params.toolCall });
        const outcome = await options.permissions.request(
          {
            chatId,
            agentId,
            title: params.toolCall.title ?? 'The agent asks for permission',
            toolCall: call?.kind === 'tool-call' ? call.call : null,
            options: params.options.map((option): PermissionOption => ({ optionId: option.optionId, name: option.name, kind: option.kind })),
          },
          running?.abort.signal,
        );
        return { outcome: outcome.outcome === 'selected' ? { outcome: 'selected', optionId: outcome.optionId } : { outcome: 'cancelled' } };
      })
      .onRequest(acp.methods.client.fs.readTextFile, async ({ params }) => {
        const read = await fs.readTextFile(params.path, { line: params.line, limit: params.limit });
        if (read.ok) return { content: read.value };
        throw fsError(read.error.kind, read.error.message, params.path);
      })
      .onRequest(acp.methods.client.fs.writeTextFile, async ({ params }) => {
        const written = await fs.writeTextFile(params.path, params.content);
        if (written.ok) return {};
        throw fsError(written.error.kind, written.error.message, params.path);
      })
      .onRequest(acp.methods.client.terminal.create, ({ params }) => {
        const created = terminals.create({ command: params.command, args: params.args ?? [], cwd: params.cwd, env: params.env ?? [], outputByteLimit: params.outputByteLimit });
        if (!created.ok) throw acp.RequestError.invalidParams(undefined, created.error.message);
        return { terminalId: created.terminalId };
      })
      .onRequest(acp.methods.client.terminal.output, ({ params }) => {
        const output = terminals.output(params.terminalId);
        if (!output) throw acp.RequestError.resourceNotFound(params.terminalId);
        return { output: output.output, truncated: output.truncated, exitStatus: output.exitStatus };
      })
      .onRequest(acp.methods.client.terminal.waitForExit, async ({ params }) => {
        const waiting = terminals.waitForExit(params.terminalId);
        if (!waiting) throw acp.RequestError.resourceNotFound(params.terminalId);
        return await waiting;
      })
      .onRequest(acp.methods.client.terminal.kill, async ({ params }) => {
        if (!(await terminals.kill(params.terminalId))) throw acp.RequestError.resourceNotFound(params.terminalId);
        return {};
      })
      .onRequest(acp.methods.client.terminal.release, async ({ params }) => {
        if (!(await terminals.release(params.terminalId))) throw acp.RequestError.resourceNotFound(params.terminalId);
        return {};
      })
      .onRequest('*', ({ method }) => {
        options.log(`${spec.name} sent an unsupported request "${method}"; answered method-not-found`);
        throw acp.RequestError.methodNotFound(method);
      })
      .onNotification('*', ({ method }) => {
        options.log(`${spec.name} sent an unsupported notification "${method}"; ignored`);
      });
  }

  const betweenMapper = createUpdateMapper((kind) => options.log(`${spec.name}: ignored unknown session update "${kind}"`));

  return {
    kind: 'acp',
    state: () => state,
    pid: () => live?.pid ?? null,
    capabilities: () => capabilities,
    ensureSession,
    prompt,
    cancel,
    async close() {
      await stopProcess();
      if (state !== 'stopped') setState('stopped');
    },
    onStateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function fsError(kind: string, message: string, path: string): acp.RequestError {
  if (kind === 'not-found') return acp.RequestError.resourceNotFound(path);
  if (kind === 'outside-workspace') return acp.RequestError.invalidParams({ path }, message);
  return acp.RequestError.internalError({ path }, message);
}

function errorText(error: unknown): string {
  if (error instanceof acp.RequestError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

type Settled<T> = { kind: 'value'; value: T } | { kind: 'rejected'; error: unknown } | { kind: 'exited'; exit: ExitInfo };

/**
 * Whichever comes first: the request's answer, or the process exit. A warm process serves
 * thousands of turns, so the exit listener is removed after each one instead of piling up
 * reactions on the one `exited` promise.
 */
function settleFirst<T>(request: Promise<T>, exitListeners: Set<(exit: ExitInfo) => void>): Promise<Settled<T>> {
  return new Promise((resolve) => {
    const onExit = (exit: ExitInfo) => resolve({ kind: 'exited', exit });
    exitListeners.add(onExit);
    request.then(
      (value) => resolve({ kind: 'value', value }),
      (error: unknown) => resolve({ kind: 'rejected', error }),
    ).finally(() => exitListeners.delete(onExit));
  });
}

type Deadline<T> = { kind: 'done'; value: T } | { kind: 'timeout' } | { kind: 'exited'; exit: ExitInfo };

async function withDeadline<T>(work: Promise<T>, timeoutMs: number, exited: Promise<ExitInfo>): Promise<Deadline<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Deadline<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
  });
  try {
    return await Promise.race([
      work.then((value): Deadline<T> => ({ kind: 'done', value })),
      exited.then((exit): Deadline<T> => ({ kind: 'exited', exit })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
