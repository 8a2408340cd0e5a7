// Making a fresh worktree usable: untracked setup files (.env and the like) copied from the
// project, and the project's setup command run in it. Neither can fail the session: what went
// wrong is reported beside the workspace.
import { spawn } from 'node:child_process';
import { cp, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';

export const setupLimits = {
  /** An install step (npm ci, bundle install) on a cold cache can take minutes; past this it is hung. */
  commandTimeoutMs: 10 * 60_000,
  /** The tail of the output kept: where an install failure explains itself. */
  outputChars: 64 * 1024,
  /** Grace between SIGTERM and SIGKILL for a timed-out command's process group. */
  killGraceMs: 2_000,
} as const;

/** A project-relative path that stays inside the project; null for anything else. */
export function normalizeSetupPath(path: string): string | null {
  if (path === '' || isAbsolute(path)) return null;
  const normalized = normalize(path).split(sep).join('/').replace(/\/+$/, '');
  if (normalized === '' || normalized === '.' || normalized === '..' || normalized.startsWith('../')) return null;
  return normalized;
}

export interface CopyReport {
  readonly copied: string[];
  readonly missing: string[];
}

/** Copies each path (file or folder) from `from` to the same place under `to`. */
export async function copySetupFiles(from: string, to: string, paths: readonly string[]): Promise<CopyReport> {
  const copied: string[] = [];
  const missing: string[] = [];
  for (const path of paths) {
    const source = join(from, path);
    try {
      await stat(source);
    } catch {
      missing.push(path);
      continue;
    }
    await cp(source, join(to, path), { recursive: true, force: true, preserveTimestamps: true, verbatimSymlinks: true });
    copied.push(path);
  }
  return { copied, missing };
}

export interface CommandReport {
  readonly exitCode: number | null;
  readonly isOk: boolean;
  readonly output: string;
}

/** Runs `command` through the platform shell in `cwd`, in its own process group. */
export function runSetupCommand(command: string, cwd: string, timeoutMs: number = setupLimits.commandTimeoutMs): Promise<CommandReport> {
  return new Promise((resolve) => {
    let output = '';
    const keep = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.length > setupLimits.outputChars * 2) output = output.slice(-setupLimits.outputChars);
    };
    const child = spawn(command, { cwd, shell: true, detached: process.platform !== 'win32', stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let isTimedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      isTimedOut = true;
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), setupLimits.killGraceMs);
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ exitCode: null, isOk: false, output: `${output}${error.message}\n` });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      const tail = output.slice(-setupLimits.outputChars);
      if (isTimedOut) {
        resolve({ exitCode: null, isOk: false, output: `${tail}\n[stopped after ${Math.round(timeoutMs / 1000)} s]\n` });
        return;
      }
      resolve({ exitCode: code, isOk: code === 0, output: tail });
    });
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, signal);
  } catch {
    // The group already exited between the timer and the signal: nothing left to stop.
  }
}
