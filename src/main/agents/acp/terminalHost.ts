// ACP `terminal/*` served by real processes in the working directory. Each terminal is its own
// process group (spawned detached), so kill and release reach whatever the command started,
// not just the shell. Output is stdout and stderr interleaved as they arrive, kept to a byte
// budget by dropping the oldest bytes, as ACP's `outputByteLimit` asks.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { processGroupMembers } from '../processTree.ts';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** How a terminal's command ended: a code, or the signal that ended it. */
export interface TerminalExitStatus {
  readonly exitCode: number | null;
  readonly signal: string | null;
}

export interface TerminalCreateRequest {
  readonly command: string;
  readonly args?: readonly string[];
  readonly cwd?: string | null;
  readonly env?: readonly { name: string; value: string }[];
  readonly outputByteLimit?: number | null;
}

export type TerminalCreateFailureKind = 'outside-workspace' | 'spawn-failed';

/** What a terminal printed so far; `exitStatus` is null while it runs. */
export interface TerminalOutput {
  readonly output: string;
  readonly truncated: boolean;
  readonly exitStatus: TerminalExitStatus | null;
}

/** The terminals one agent runs. Ids are ours; an unknown id answers undefined or false. */
export interface TerminalHost {
  create(
    request: TerminalCreateRequest,
  ): { ok: true; terminalId: string } | { ok: false; error: { kind: TerminalCreateFailureKind; message: string } };
  output(terminalId: string): TerminalOutput | undefined;
  waitForExit(terminalId: string): Promise<TerminalExitStatus> | undefined;
  /** Ends the terminal's whole process group; false for an unknown id. */
  kill(terminalId: string): Promise<boolean>;
  /** Kills the terminal if anything in it still runs, and forgets it. */
  release(terminalId: string): Promise<boolean>;
  /** Kills and forgets every terminal; used when the agent goes away. Later creates fail. */
  disposeAll(): Promise<void>;
  /** Terminals known (running or exited, not yet released). */
  count(): number;
}

/** A process a terminal started, for a supervisor's pid registry. */
export interface TerminalProcess {
  readonly terminalId: string;
  readonly pid: number;
  readonly command: string;
  readonly cwd: string;
}

export interface TerminalHostOptions {
  readonly root: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly defaultOutputByteLimit?: number;
  readonly maxTerminals?: number;
  /** Called once per spawned process group (pid = pgid). */
  readonly onSpawn?: (process: TerminalProcess) => void;
  /** Called once the process group is known to be gone or its leader has exited and been reaped. */
  readonly onExit?: (process: TerminalProcess, status: TerminalExitStatus) => void;
  /** Every chunk of output as it arrives, before any limit drops it (to show it live). */
  readonly onOutput?: (terminalId: string, chunk: Buffer) => void;
}

export const terminalLimits = {
  /** Output kept when the agent names no limit: a long build log's tail, small enough to hold many terminals. */
  defaultOutputByteLimit: 1024 * 1024,
  /** Ceiling on an agent-requested limit; a model cannot use more, and it bounds our memory. */
  maxOutputByteLimit: 16 * 1024 * 1024,
  /** Running terminals per agent. Agents run a handful at once; more is a runaway loop. */
  maxTerminals: 16,
  /** Exited, unreleased terminals kept for their output; the oldest go first past this. */
  maxRetainedExited: 64,
} as const;

export const terminalTimings = {
  /** SIGTERM to SIGKILL: lets test runners and dev servers flush and exit cleanly, as a shell's Ctrl+C would. */
  killGraceMs: 2_000,
  /**
   * After SIGKILL, how long to wait for the pipes to close before giving up on them. SIGKILL
   * is immediate, so only a process that left the group (setsid) and kept the pipes open
   * takes longer; we stop waiting for it rather than hang the agent.
   */
  closeAfterKillMs: 1_000,
  /**
   * After the command exits, how long its pipes may stay open before its exit is reported
   * anyway. Normally they close at once; a background child (`server &`) keeps them open
   * for as long as it runs, and the agent must not wait for that.
   */
  drainAfterExitMs: 1_000,
  /**
   * How often a kill looks whether the group is empty yet. Signals land within a scheduler
   * tick; 20 ms keeps a kill's answer prompt without spinning.
   */
  groupPollMs: 20,
} as const;

interface Terminal {
  readonly id: string;
  readonly child: ChildProcess;
  readonly process: TerminalProcess | null;
  readonly limit: number;
  readonly chunks: Buffer[];
  bytes: number;
  truncated: boolean;
  exitStatus: TerminalExitStatus | null;
  /** Set by the 'exit' event, before the pipes may have been drained. */
  exitSeen: TerminalExitStatus | null;
  drainTimer: NodeJS.Timeout | null;
  /**
   * Once the group is seen empty it is never signalled again: its number could be reused by
   * an unrelated group later, and release() may come long after the exit.
   */
  isGroupGone: boolean;
  readonly exited: Promise<TerminalExitStatus>;
  readonly settleExit: (status: TerminalExitStatus) => void;
}

export function createTerminalHost(options: TerminalHostOptions): TerminalHost {
  const root = realRootOf(options.root);
  const defaultLimit = options.defaultOutputByteLimit ?? terminalLimits.defaultOutputByteLimit;
  const maxTerminals = options.maxTerminals ?? terminalLimits.maxTerminals;
  const terminals = new Map<string, Terminal>();
  let isDisposed = false;

  return { create, output, waitForExit, kill, release, disposeAll, count: () => terminals.size };

  function create(request: TerminalCreateRequest): ReturnType<TerminalHost['create']> {
    if (isDisposed) return createFailure('spawn-failed', 'The agent is shutting down; no new terminals.');
    const running = [...terminals.values()].filter((terminal) => terminal.exitStatus === null).length;
    if (running >= maxTerminals) {
      return createFailure('spawn-failed', `Too many terminals running (${running}); wait for or release one first.`);
    }
    const cwd = confinedCwd(root, request.cwd);
    if (!cwd.ok) return createFailure(cwd.kind, cwd.message);
    const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env) };
    for (const variable of request.env ?? []) env[variable.name] = variable.value;
    const args = request.args ?? [];
    // Agents send whole shell lines as `command` ("npm test -- --watch=false"); with no args
    // and whitespace in it, it means a shell line, not a binary with a space in its name.
    const isShellLine = args.length === 0 && /\s/.test(request.command.trim());
    const [file, argv] = isShellLine ? ['/bin/sh', ['-c', request.command]] : [request.command, [...args]];
    let child: ChildProcess;
    try {
      child = spawn(file, argv, { cwd: cwd.path, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      // Synchronous throws are bad arguments (NUL bytes, empty command); a missing binary
      // arrives later as an 'error' event and becomes exit code 127 in `track`.
      return createFailure('spawn-failed', `Cannot start ${request.command}: ${messageOf(error)}`);
    }
    const terminal = track(child, request, cwd.path, Math.min(request.outputByteLimit ?? defaultLimit, terminalLimits.maxOutputByteLimit));
    terminals.set(terminal.id, terminal);
    forgetOldExited();
    return { ok: true, terminalId: terminal.id };
  }

  function output(terminalId: string): TerminalOutput | undefined {
    const terminal = terminals.get(terminalId);
    if (!terminal) return undefined;
    return { output: decodeOutput(terminal), truncated: terminal.truncated, exitStatus: terminal.exitStatus };
  }

  function waitForExit(terminalId: string): Promise<TerminalExitStatus> | undefined {
    return terminals.get(terminalId)?.exited;
  }

  async function kill(terminalId: string): Promise<boolean> {
    const terminal = terminals.get(terminalId);
    if (!terminal) return false;
    await killGroup(terminal);
    return true;
  }

  async function release(terminalId: string): Promise<boolean> {
    const terminal = terminals.get(terminalId);
    if (!terminal) return false;
    terminals.delete(terminalId);
    await killGroup(terminal);
    closePipes(terminal);
    return true;
  }

  async function disposeAll(): Promise<void> {
    isDisposed = true;
    await Promise.all([...terminals.keys()].map(release));
  }

  function track(child: ChildProcess, request: TerminalCreateRequest, cwd: string, limit: number): Terminal {
    const id = randomUUID();
    let settleExit: (status: TerminalExitStatus) => void = () => {};
    const exited = new Promise<TerminalExitStatus>((resolvePromise) => {
      settleExit = resolvePromise;
    });
    const owned = child.pid === undefined ? null : { terminalId: id, pid: child.pid, command: [request.command, ...(request.args ?? [])].join(' '), cwd };
    const terminal: Terminal = {
      id,
      child,
      process: owned,
      limit: Math.max(0, Math.floor(limit)),
      chunks: [],
      bytes: 0,
      truncated: false,
      exitStatus: null,
      exitSeen: null,
      drainTimer: null,
      isGroupGone: owned === null,
      exited,
      settleExit,
    };
    if (owned) options.onSpawn?.(owned);
    const append = (chunk: Buffer) => {
      options.onOutput?.(id, chunk);
      appendOutput(terminal, chunk);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    child.on('exit', (code, signal) => {
      terminal.exitSeen = { exitCode: code, signal };
      terminal.drainTimer = setTimeout(() => finish(terminal, { exitCode: code, signal }), terminalTimings.drainAfterExitMs);
      terminal.drainTimer.unref();
    });
    // 'close' comes after 'exit' and after both pipes ended, so the output is complete.
    child.on('close', (code, signal) => {
      if (child.pid === undefined) return; // never started: the 'error' handler reports it
      finish(terminal, terminal.exitSeen ?? { exitCode: code, signal });
    });
    child.on('error', (error) => {
      if (child.pid !== undefined) return; // a failed kill() on a live child; its exit still comes
      appendOutput(terminal, Buffer.from(`${request.command}: ${messageOf(error)}\n`));
      // The shell's convention: 126 found but not executable, 127 not found.
      finish(terminal, { exitCode: errorCode(error) === 'EACCES' ? 126 : 127, signal: null });
    });
    return terminal;
  }

  function finish(terminal: Terminal, status: TerminalExitStatus): void {
    if (terminal.exitStatus !== null) return;
    if (terminal.drainTimer) clearTimeout(terminal.drainTimer);
    terminal.exitStatus = status;
    groupAlive(terminal); // looked at once now, while the number cannot have been reused yet
    terminal.settleExit(status);
    if (terminal.process) options.onExit?.(terminal.process, status);
    forgetOldExited();
  }

  function forgetOldExited(): void {
    const exited = [...terminals.values()].filter((terminal) => terminal.exitStatus !== null);
    for (const terminal of exited.slice(0, Math.max(0, exited.length - terminalLimits.maxRetainedExited))) {
      terminals.delete(terminal.id);
      // Its group may still hold a background child; forgetting must not orphan it.
      void killGroup(terminal).then(() => closePipes(terminal));
    }
  }

  /**
   * SIGTERM to the group, SIGKILL to whatever is left after the grace period. Also used after
   * the leader exited: a background child in the group may still run.
   */
  async function killGroup(terminal: Terminal): Promise<void> {
    const pgid = terminal.process?.pid;
    if (pgid === undefined) return;
    if (groupAlive(terminal)) {
      signalGroup(pgid, 'SIGTERM');
      await groupGone(terminal, terminalTimings.killGraceMs);
    }
    if (groupAlive(terminal)) {
      signalGroup(pgid, 'SIGKILL');
      await groupGone(terminal, terminalTimings.closeAfterKillMs);
    }
    if (terminal.exitStatus === null && terminal.exitSeen !== null) {
      // The leader is gone but something that left the group holds the pipes; report the
      // exit instead of waiting on a process we no longer own.
      closePipes(terminal);
      finish(terminal, terminal.exitSeen);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Killing

/**
 * Resolves once the leader has exited and nothing is left in the group, or after `ms`. Polled:
 * the members other than the leader are not our children, so nothing tells us when they go.
 */
async function groupGone(terminal: Terminal, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while ((terminal.exitSeen === null && terminal.exitStatus === null) || groupAlive(terminal)) {
    const left = deadline - Date.now();
    if (left <= 0) return;
    await sleep(Math.min(terminalTimings.groupPollMs, left));
  }
}

/** Whether anything still runs in the terminal's group; remembers when nothing does. */
function groupAlive(terminal: Terminal): boolean {
  if (terminal.isGroupGone || !terminal.process) return false;
  const pgid = terminal.process.pid;
  try {
    process.kill(-pgid, 0);
  } catch {
    // ESRCH: empty. EPERM: a member changed user and we cannot signal it, so we cannot kill it
    // either; for our purposes the group is as gone as we can make it.
    terminal.isGroupGone = true;
    return false;
  }
  // A group of zombies is dead for good (a zombie cannot fork); they only wait for a reaper,
  // and some containers' PID 1 reaps slowly, so waiting for them would stall every kill.
  if (hasLiveMember(pgid) === false) {
    terminal.isGroupGone = true;
    return false;
  }
  return true;
}

/** Whether a non-zombie process is in the group, per /proc; undefined where there is no /proc. */
function hasLiveMember(pgid: number): boolean | undefined {
  // Only read while a kill waits (every groupPollMs) or once at an exit: a few hundred tiny
  // reads, cheaper than the latency of doing them asynchronously.
  if (process.platform !== 'linux') return undefined;
  return processGroupMembers(pgid).length > 0;
}

function closePipes(terminal: Terminal): void {
  terminal.child.stdout?.destroy();
  terminal.child.stderr?.destroy();
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group emptied since we looked, which is the goal.
  }
}

// ---------------------------------------------------------------------------------------------
// Output

function appendOutput(terminal: Terminal, chunk: Buffer): void {
  if (chunk.length === 0) return;
  terminal.chunks.push(chunk);
  terminal.bytes += chunk.length;
  let excess = terminal.bytes - terminal.limit;
  if (excess <= 0) return;
  terminal.truncated = true;
  while (excess > 0) {
    const first = terminal.chunks[0];
    if (!first) break;
    if (first.length <= excess) {
      terminal.chunks.shift();
      terminal.bytes -= first.length;
      excess -= first.length;
    } else {
      terminal.chunks[0] = first.subarray(excess);
      terminal.bytes -= excess;
      excess = 0;
    }
  }
}

/**
 * The kept bytes as text. The front may start inside a character (bytes were dropped), so it
 * skips to the next character; while the command runs, the end may stop inside one, so it
 * stops before it and the character shows whole on the next read.
 */
function decodeOutput(terminal: Terminal): string {
  const bytes = Buffer.concat(terminal.chunks, terminal.bytes);
  let start = 0;
  if (terminal.truncated) {
    while (start < bytes.length && start < 3 && isContinuationByte(bytes[start] ?? 0)) start += 1;
  }
  const end = terminal.exitStatus === null ? completeEnd(bytes) : bytes.length;
  return bytes.subarray(start, Math.max(start, end)).toString('utf8');
}

function isContinuationByte(byte: number): boolean {
  return (byte & 0b1100_0000) === 0b1000_0000;
}

/** Length of `bytes` without a trailing, incomplete UTF-8 sequence. */
function completeEnd(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(4, bytes.length); back += 1) {
    const byte = bytes[bytes.length - back] ?? 0;
    if (isContinuationByte(byte)) continue;
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function confinedCwd(
  root: string,
  cwd: string | null | undefined,
): { ok: true; path: string } | { ok: false; kind: TerminalCreateFailureKind; message: string } {
  if (cwd === null || cwd === undefined || cwd === '') return { ok: true, path: root };
  if (cwd.includes('\0')) return { ok: false, kind: 'outside-workspace', message: 'The working directory contains a NUL byte.' };
  const lexical = isAbsolute(cwd) ? resolve(cwd) : resolve(root, cwd);
  let real: string;
  try {
    real = realpathSync(lexical);
  } catch {
    return { ok: false, kind: 'spawn-failed', message: `The working directory ${cwd} does not exist.` };
  }
  const rel = relative(root, real);
  const isInside = rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
  if (!isInside) return { ok: false, kind: 'outside-workspace', message: `The working directory ${cwd} is outside the workspace ${root}.` };
  return { ok: true, path: real };
}

function createFailure(kind: TerminalCreateFailureKind, message: string): { ok: false; error: { kind: TerminalCreateFailureKind; message: string } } {
  return { ok: false, error: { kind, message } };
}

function realRootOf(root: string): string {
  try {
    return realpathSync(root);
  } catch {
    // A missing root: every create then fails on its working directory, which says why.
    return resolve(root);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
