// Warm `opencode serve` processes: one per working directory (and launch spec), shared by every
// chat working there. A server starts lazily on the first acquire, is ready when it prints its
// listening line and its event stream says hello, and stops when the last chat releases it.
// It runs in its own process group, recorded in the pid registry so a crashed BooCode's servers
// are reaped at the next start. One SSE subscription per server; events are handed to the
// listeners of the opencode session they name. A start every waiting chat gave up on (each
// turn was stopped) is aborted and its process group killed, so a stop never leaves a server
// starting for nobody.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createOpencodeClient, type Event as OpencodeEvent, type OpencodeClient } from '@opencode-ai/sdk/v2';
import { fail, ok, type Result } from '../../../shared/contract.ts';
import type { ExitInfo } from '../backend.ts';
import { describeExit } from '../backendBase.ts';
import type { AgentLaunchSpec } from '../catalog/index.ts';
import type { PidRegistry } from '../pidRegistry.ts';
import { signalProcessGroup, stopProcessGroup } from '../processTree.ts';

export type { Event as OpencodeEvent } from '@opencode-ai/sdk/v2';

export const opencodeServerTimings = {
  /**
   * Spawn → listening line → event stream connected. Measured here: 1.3–3 s, up to 7 s under
   * load on 2 cores; 30 s only fails a start that is genuinely stuck.
   */
  readyTimeoutMs: 30_000,
  /** SIGTERM → SIGKILL. opencode flushes its session store on SIGTERM well within 2 s. */
  stopGraceMs: 2_000,
} as const;

export const opencodeServerLimits = {
  /** Bytes of stdout + stderr kept to explain a crash or a start that timed out. */
  outputTailBytes: 8_192,
} as const;

/** opencode 1.18 prints this once it accepts connections (stdout). */
const listeningLine = /opencode server listening on (http:\/\/\S+)/;

/** One chat's hold on a warm server; release it when the chat closes. */
export interface OpencodeServerHandle {
  readonly pid: number;
  readonly url: string;
  /** Authenticated, and scoped to the server's working directory. */
  readonly client: OpencodeClient;
  isAlive(): boolean;
  /** Resolves when the server process exits, whoever stopped it. */
  readonly exited: Promise<ExitInfo>;
  /** Receives every event that names `sessionId`; returns the unsubscribe. */
  listen(sessionId: string, listener: (event: OpencodeEvent) => void): () => void;
  /** Called once if the server exits while this handle holds it (never after release). */
  onExit(listener: (exit: ExitInfo) => void): () => void;
  /** Drops this hold; the server stops when no hold is left. Idempotent. */
  release(): Promise<void>;
}

export interface OpencodeServerRequest {
  readonly cwd: string;
  readonly spec: AgentLaunchSpec;
}

export interface OpencodeServerInfo {
  readonly cwd: string;
  readonly pid: number;
  readonly references: number;
}

export interface OpencodeServers {
  /**
   * Starts the server for (cwd, spec) if needed and takes a hold on it. When `signal` aborts the
   * caller stops waiting ('cancelled'); when it was the last one waiting for that start, the start
   * is aborted and this resolves once the server's process group is gone.
   */
  acquire(request: OpencodeServerRequest, signal?: AbortSignal): Promise<Result<OpencodeServerHandle>>;
  /** Servers running now, for diagnostics and tests. */
  list(): OpencodeServerInfo[];
  /** Stops every server, held or not. */
  shutdown(): Promise<void>;
}

export interface OpencodeServersOptions {
  readonly pidRegistry: PidRegistry;
  readonly log: (line: string) => void;
  /**
   * Merged over the user's OPENCODE_CONFIG_CONTENT (if any) and handed to every server started
   * afterwards; read at each start so a settings change applies to the next server.
   */
  readonly configOverlay?: () => Readonly<Record<string, unknown>> | null;
  readonly timings?: Partial<Record<keyof typeof opencodeServerTimings, number>>;
}

interface Server {
  readonly key: string;
  readonly cwd: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly url: string;
  readonly client: OpencodeClient;
  readonly subscription: AbortController;
  readonly exited: Promise<ExitInfo>;
  readonly exitListeners: Set<(exit: ExitInfo) => void>;
  readonly sessionListeners: Map<string, Set<(event: OpencodeEvent) => void>>;
  references: number;
  isStopping: boolean;
  exit: ExitInfo | null;
}

interface Starting {
  readonly started: Promise<Result<Server>>;
  readonly abort: AbortController;
  waiters: number;
}

interface Launched {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  readonly output: () => string;
}

export function createOpencodeServers(options: OpencodeServersOptions): OpencodeServers {
  const timings = { ...opencodeServerTimings, ...options.timings };
  const running = new Map<string, Server>();
  const starting = new Map<string, Starting>();
  let isShuttingDown = false;

  async function acquire(request: OpencodeServerRequest, signal?: AbortSignal): Promise<Result<OpencodeServerHandle>> {
    if (isShuttingDown) return fail('cancelled', 'BooCode is shutting down.');
    if (signal?.aborted) return cancelledStart(request.spec.name);
    const overlay = options.configOverlay?.() ?? null;
    const env = serverEnv(request.spec.env, overlay);
    const key = serverKey(request, env);
    let pending = starting.get(key);
    // A start everyone gave up on is being torn down: never join it, start anew once it is gone.
    while (pending?.abort.signal.aborted) {
      await pending.started;
      if (signal?.aborted) return cancelledStart(request.spec.name);
      pending = starting.get(key);
    }
    const existing = running.get(key);
    if (existing && existing.exit === null && !existing.isStopping) return ok(hold(existing));
    if (!pending) {
      const abort = new AbortController();
      pending = { abort, waiters: 0, started: start(key, request, env, abort.signal).finally(() => starting.delete(key)) };
      starting.set(key, pending);
    }
    const started = await waitFor(pending, signal);
    if (started === 'left' || signal?.aborted) return cancelledStart(request.spec.name);
    if (!started.ok) return started;
    if (started.value.exit !== null) return fail('agent-crashed', describeExit(request.spec.name, started.value.exit));
    return ok(hold(started.value));
  }

  /** The start's result; 'left' at once when `signal` aborts and others still wait for the server. */
  function waitFor(pending: Starting, signal: AbortSignal | undefined): Promise<Result<Server> | 'left'> {
    pending.waiters += 1;
    return new Promise((resolve) => {
      const onAbort = () => {
        pending.waiters -= 1;
        // Nobody wants this server any more: abort the start and wait until its group is gone.
        if (pending.waiters === 0) pending.abort.abort();
        else resolve('left');
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      void pending.started.then((started) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(started);
      });
    });
  }

  async function start(key: string, request: OpencodeServerRequest, env: Record<string, string>, abort: AbortSignal): Promise<Result<Server>> {
    const { spec, cwd } = request;
    const password = randomBytes(24).toString('hex');
    const launched = launch(spec, cwd, { ...env, OPENCODE_SERVER_PASSWORD: password });
    if (!launched.ok) return launched;
    const { child, pid, exited, output } = launched.value;
    const subscription = new AbortController();
    const deadline = AbortSignal.any([AbortSignal.timeout(timings.readyTimeoutMs), abort]);
    const url = await waitForListening(child, exited, deadline);
    if (url.kind !== 'listening') {
      subscription.abort();
      await stopProcessGroup(pid, exited, timings.stopGraceMs);
      if (abort.aborted) return cancelledStart(spec.name);
      if (url.kind === 'exited') return fail('agent-crashed', `${describeExit(spec.name, url.exit)}`);
      return fail('handshake-timeout', startTimeoutMessage(spec.name, timings.readyTimeoutMs, output()));
    }
    const client = createOpencodeClient({
      baseUrl: url.url,
      directory: cwd,
      headers: { Authorization: `Basic ${Buffer.from(`opencode:${password}`).toString('base64')}` },
    });
    const server: Server = {
      key,
      cwd,
      pid,
      child,
      url: url.url,
      client,
      subscription,
      exited,
      exitListeners: new Set(),
      sessionListeners: new Map(),
      references: 0,
      isStopping: false,
      exit: null,
    };
    void exited.then((exit) => onExit(server, exit));
    const connected = await subscribe(server, spec.name, deadline);
    if (connected !== 'connected' || abort.aborted) {
      server.isStopping = true;
      subscription.abort();
      await stopProcessGroup(pid, exited, timings.stopGraceMs);
      if (abort.aborted) return cancelledStart(spec.name);
      if (connected === 'exited' && server.exit) return fail('agent-crashed', describeExit(spec.name, server.exit));
      return fail('handshake-timeout', startTimeoutMessage(spec.name, timings.readyTimeoutMs, output()));
    }
    running.set(key, server);
    options.log(`opencode server for ${cwd} listening on ${url.url} (pid ${pid})`);
    return ok(server);
  }

  function launch(spec: AgentLaunchSpec, cwd: string, env: Record<string, string>): Result<Launched> {
    let child: ChildProcess;
    try {
      child = spawn(spec.command, [...spec.args, '--port', '0', '--hostname', '127.0.0.1'], {
        cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        // Own process group: opencode forks LSP servers and ripgrep; only a group kill stops all.
        detached: true,
      });
    } catch (error) {
      return fail('agent-not-installed', `${spec.name} could not be started: ${String(error)}`);
    }
    // spawn reports ENOENT (and a later kill failure) as an 'error' event; unheard, it would throw.
    child.on('error', (error) => options.log(`${spec.name} (${spec.command}): ${error.message}`));
    const pid = child.pid;
    if (pid === undefined) return fail('agent-not-installed', `${spec.name} could not be started (${spec.command}).`);
    options.pidRegistry.register(pid, { command: [spec.command, ...spec.args].join(' ') });
    let tail = '';
    const keep = (chunk: string) => {
      tail = (tail + chunk).slice(-opencodeServerLimits.outputTailBytes);
    };
    // Both pipes are drained for the server's whole life, or a chatty server would block on write.
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        // The leader is gone; helpers it forked (LSP, ripgrep) may not be.
        signalProcessGroup(pid, 'SIGKILL');
        options.pidRegistry.unregister(pid);
        resolve({ code, signal, stderrTail: tail });
      });
    });
    return ok({ child, pid, exited, output: () => tail });
  }

  function waitForListening(
    child: ChildProcess,
    exited: Promise<ExitInfo>,
    deadline: AbortSignal,
  ): Promise<{ kind: 'listening'; url: string } | { kind: 'exited'; exit: ExitInfo } | { kind: 'timeout' }> {
    return new Promise((resolve) => {
      let seen = '';
      const onData = (chunk: string) => {
        seen += chunk;
        const found = listeningLine.exec(seen);
        if (!found?.[1]) return;
        finish({ kind: 'listening', url: found[1].replace(/\/$/, '') });
      };
      const onTimeout = () => finish({ kind: 'timeout' });
      const finish = (outcome: { kind: 'listening'; url: string } | { kind: 'exited'; exit: ExitInfo } | { kind: 'timeout' }) => {
        child.stdout?.off('data', onData);
        deadline.removeEventListener('abort', onTimeout);
        resolve(outcome);
      };
      child.stdout?.on('data', onData);
      deadline.addEventListener('abort', onTimeout, { once: true });
      void exited.then((exit) => finish({ kind: 'exited', exit }));
    });
  }

  /**
   * Opens the one event stream and resolves once the server greets it, so no event of a first
   * prompt can be missed. The stream has no replay ids: a stream that breaks loses events for
   * good, so it is never retried; the server is stopped instead and its turns fail cleanly.
   */
  function subscribe(server: Server, name: string, deadline: AbortSignal): Promise<'connected' | 'exited' | 'timeout'> {
    return new Promise((resolve) => {
      let isSettled = false;
      const settle = (outcome: 'connected' | 'exited' | 'timeout') => {
        if (isSettled) return;
        isSettled = true;
        deadline.removeEventListener('abort', onTimeout);
        resolve(outcome);
      };
      const onTimeout = () => settle('timeout');
      deadline.addEventListener('abort', onTimeout, { once: true });
      void server.exited.then(() => settle('exited'));
      void (async () => {
        try {
          const { stream } = await server.client.event.subscribe({ directory: server.cwd }, { signal: server.subscription.signal, sseMaxRetryAttempts: 1 });
          for await (const event of stream) {
            if (event.type === 'server.connected') settle('connected');
            dispatch(server, event);
          }
        } catch (error) {
          if (!server.subscription.signal.aborted) options.log(`${name} event stream for ${server.cwd} failed: ${String(error)}`);
        }
        if (server.subscription.signal.aborted || server.exit !== null) return;
        options.log(`${name} event stream for ${server.cwd} ended while the server runs; stopping it (pid ${server.pid})`);
        settle('timeout');
        // Whoever holds it sees an exit and fails its turn; the next turn starts a new server.
        void stopProcessGroup(server.pid, server.exited, timings.stopGraceMs);
      })();
    });
  }

  function dispatch(server: Server, event: OpencodeEvent): void {
    const sessionId = sessionOf(event);
    if (sessionId === undefined) return;
    const listeners = server.sessionListeners.get(sessionId);
    if (!listeners) return;
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        // One chat's bug must not stop the stream every other chat on this server depends on.
        options.log(`opencode event listener failed on ${event.type}: ${String(error)}`);
      }
    }
  }

  function onExit(server: Server, exit: ExitInfo): void {
    server.exit = exit;
    server.subscription.abort();
    if (running.get(server.key) === server) running.delete(server.key);
    if (!server.isStopping) options.log(`${describeExit('opencode server', exit)} (pid ${server.pid}, ${server.cwd})`);
    for (const listener of [...server.exitListeners]) listener(exit);
    server.exitListeners.clear();
    server.sessionListeners.clear();
  }

  function hold(server: Server): OpencodeServerHandle {
    server.references += 1;
    let isReleased = false;
    const mine = new Set<(exit: ExitInfo) => void>();
    const unlisten: (() => void)[] = [];
    return {
      pid: server.pid,
      url: server.url,
      client: server.client,
      exited: server.exited,
      isAlive: () => !isReleased && server.exit === null && !server.isStopping,
      listen(sessionId, listener) {
        let listeners = server.sessionListeners.get(sessionId);
        if (!listeners) {
          listeners = new Set();
          server.sessionListeners.set(sessionId, listeners);
        }
        listeners.add(listener);
        const remove = () => {
          const current = server.sessionListeners.get(sessionId);
          current?.delete(listener);
          if (current?.size === 0) server.sessionListeners.delete(sessionId);
        };
        unlisten.push(remove);
        return remove;
      },
      onExit(listener) {
        if (isReleased) return () => undefined;
        mine.add(listener);
        server.exitListeners.add(listener);
        return () => {
          mine.delete(listener);
          server.exitListeners.delete(listener);
        };
      },
      async release() {
        if (isReleased) return;
        isReleased = true;
        for (const listener of mine) server.exitListeners.delete(listener);
        for (const remove of unlisten) remove();
        server.references -= 1;
        if (server.references > 0 || server.exit !== null) return;
        await stop(server);
      },
    };
  }

  async function stop(server: Server): Promise<void> {
    if (running.get(server.key) === server) running.delete(server.key);
    server.isStopping = true;
    server.subscription.abort();
    await stopProcessGroup(server.pid, server.exited, timings.stopGraceMs);
  }

  return {
    acquire,
    list: () => [...running.values()].map((server) => ({ cwd: server.cwd, pid: server.pid, references: server.references })),
    async shutdown() {
      isShuttingDown = true;
      const starts = await Promise.all([...starting.values()].map((pending) => pending.started));
      const servers = new Set([...running.values(), ...starts.flatMap((started) => (started.ok ? [started.value] : []))]);
      await Promise.all([...servers].map((server) => stop(server)));
    },
  };
}

/**
 * The user's environment (their global config, logins and the project's opencode.json apply as
 * usual), plus what a warm server needs: no self-update mid-session, and the caller's config
 * overlay merged over any OPENCODE_CONFIG_CONTENT the user already has.
 */
function serverEnv(base: Readonly<Record<string, string>>, overlay: Readonly<Record<string, unknown>> | null): Record<string, string> {
  const env: Record<string, string> = { ...base, OPENCODE_DISABLE_AUTOUPDATE: '1' };
  if (overlay) env['OPENCODE_CONFIG_CONTENT'] = JSON.stringify(deepMerge(parseConfig(base['OPENCODE_CONFIG_CONTENT']), overlay));
  return env;
}

function parseConfig(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return isPlainObject(parsed) ? parsed : {};
  } catch {
    return {}; // opencode would refuse it too; the overlay alone is the better config
  }
}

function deepMerge(base: Readonly<Record<string, unknown>>, overlay: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Chats share a server only when it would be started the same way (same binary, args, env). */
function serverKey(request: OpencodeServerRequest, env: Readonly<Record<string, string>>): string {
  const launch = JSON.stringify([request.spec.command, request.spec.args, Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
  return `${request.cwd}\u0000${createHash('sha256').update(launch).digest('hex')}`;
}

function sessionOf(event: OpencodeEvent): string | undefined {
  const properties: unknown = event.properties;
  if (!isPlainObject(properties)) return undefined;
  const sessionId = properties['sessionID'];
  return typeof sessionId === 'string' ? sessionId : undefined;
}

function cancelledStart(name: string): Result<never> {
  return fail('cancelled', `The turn was cancelled while ${name} was starting.`);
}

function startTimeoutMessage(name: string, timeoutMs: number, output: string): string {
  return `${name} did not start listening within ${Math.round(timeoutMs / 1000)} s.${output ? ` Last output:\n${output.trimEnd()}` : ' It printed nothing.'}`;
}
