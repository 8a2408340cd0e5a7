// The user's shell on a pty: which program, with what environment, and how it ends. node-pty
// starts the shell as a session leader (setsid), so the shell is its own process group and
// every job it starts gets a group of its own in the shell's session; ending a terminal ends
// every group in that session, not only the shell's.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { fail, ok, type Result } from '../../shared/contract.ts';
import { liveProcesses, processStartIdentity, readProcessStat, signalProcessGroup } from '../agents/index.ts';
import type { Pty, PtyHost } from './ptyHost.ts';

export const shellTimings = {
  /**
   * SIGHUP (what closing a terminal window sends) to SIGKILL: shells and editors save state and
   * leave on a hang-up within milliseconds; a program that ignores it gets this long.
   */
  hangUpGraceMs: 1_000,
  /** After SIGKILL, how long to wait for the kernel to tear the processes down. */
  killWaitMs: 2_000,
  /** How often a kill looks whether the session is empty yet. */
  pollMs: 20,
} as const;

export interface ShellCommand {
  readonly file: string;
  readonly args: readonly string[];
}

/** The user's shell: `$SHELL`, else /bin/bash (PowerShell, or COMSPEC, on Windows: untested). */
export function defaultShell(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): ShellCommand {
  if (platform === 'win32') return { file: env.COMSPEC && /powershell|pwsh/i.test(env.COMSPEC) ? env.COMSPEC : 'powershell.exe', args: [] };
  const file = env.SHELL && env.SHELL.trim() !== '' ? env.SHELL : '/bin/bash';
  // macOS terminals start login shells (the profile sets PATH there); Linux ones do not, as
  // VS Code's and GNOME's terminals don't.
  return { file, args: platform === 'darwin' ? ['-l'] : [] };
}

/** The environment a shell starts with: the user's, told it runs in a 256-colour, truecolor xterm. */
export function shellEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) result[key] = value;
  // Set by Electron for its own child processes; a shell that inherits it turns every
  // `electron` the user runs into plain Node.
  delete result.ELECTRON_RUN_AS_NODE;
  result.TERM = 'xterm-256color';
  result.COLORTERM = 'truecolor';
  result.TERM_PROGRAM = 'BooCode';
  return result;
}

export type ShellStartFailure = 'path-missing' | 'not-a-directory' | 'internal';

export function startShell(host: PtyHost, command: ShellCommand, options: { cwd: string; env: NodeJS.ProcessEnv; cols: number; rows: number }): Result<Pty> {
  if (!existsSync(options.cwd)) return fail('path-missing', `The folder ${options.cwd} does not exist any more.`);
  if (!statSync(options.cwd).isDirectory()) return fail('not-a-directory', `${options.cwd} is not a folder.`);
  try {
    return ok(host.spawn(command.file, command.args, { name: 'xterm-256color', cols: options.cols, rows: options.rows, cwd: options.cwd, env: shellEnvironment(options.env) }));
  } catch (error) {
    return fail('path-missing', `Cannot start ${command.file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The program in the shell's foreground, if it is not the shell itself (Linux reads the pty's
 * foreground group from /proc; elsewhere node-pty's name of the foreground process is compared
 * with the shell's).
 */
export function foregroundProgram(pty: Pty, shellFile: string): string | undefined {
  if (process.platform === 'linux') {
    const foreground = readForegroundGroup(pty.pid);
    if (foreground === undefined || foreground <= 0 || foreground === pty.pid) return undefined;
    return readProcessStat(foreground)?.command ?? 'a program';
  }
  const name = pty.process;
  return name && basename(name) !== basename(shellFile) ? basename(name) : undefined;
}

function readForegroundGroup(pid: number): number | undefined {
  // tpgid is the 8th field of /proc/<pid>/stat, the 6th after the command's closing parenthesis.
  const text = readFileSyncSafe(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[5]);
}

/** Process groups in a shell's session (Linux); elsewhere only the shell's own group is known. */
export function sessionGroups(sessionId: number): number[] {
  if (process.platform !== 'linux') return processStartIdentity(sessionId) === undefined ? [] : [sessionId];
  return [...new Set(liveProcesses().filter((stat) => stat.session === sessionId).map((stat) => stat.pgid))];
}

/**
 * Ends a shell's session: SIGHUP to each of its process groups, as a closing terminal does,
 * SIGKILL to whatever is left after the grace period; resolves when nothing of it is left
 * (false if something outlived even SIGKILL's wait).
 */
export async function endShellSession(sessionId: number, timings: { hangUpGraceMs: number; killWaitMs: number } = shellTimings): Promise<boolean> {
  for (const group of sessionGroups(sessionId)) signalProcessGroup(group, 'SIGHUP');
  if (await sessionGone(sessionId, timings.hangUpGraceMs)) return true;
  for (const group of sessionGroups(sessionId)) signalProcessGroup(group, 'SIGKILL');
  return sessionGone(sessionId, timings.killWaitMs);
}

async function sessionGone(sessionId: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (sessionGroups(sessionId).length > 0) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, shellTimings.pollMs));
  }
  return true;
}

/**
 * Reaps what a killed core left of a shell: the whole session, if its leader is still the shell
 * recorded (same start identity) or gone. Linux never reuses a pid that still names a session,
 * so processes in that session can only be the shell's jobs. The signals are sent before this
 * returns; false when nothing was left.
 */
export function reapShellSession(pid: number, startIdentity: string | null): boolean {
  const identity = processStartIdentity(pid);
  if (identity !== undefined && identity !== startIdentity) return false; // another program has the pid now
  const groups = sessionGroups(pid);
  // Orphans of a dead core: nobody is left to save anything on a hang-up, so no grace.
  for (const group of groups) signalProcessGroup(group, 'SIGKILL');
  return groups.length > 0;
}

function readFileSyncSafe(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process is gone
  }
}
