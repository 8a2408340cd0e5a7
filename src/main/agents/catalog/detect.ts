// Finding an agent's executable the way a shell would, and asking it for its version without
// ever letting a misbehaving agent hang the catalog.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

export const detectionTimings = {
  /** Every agent here answers `--version` in well under a second; a cold npx-style wrapper can take 2–3 s. */
  versionTimeoutMs: 5_000,
} as const;

const detectionLimits = {
  /** A version line is short; anything past this is an agent that ignored --version and started talking. */
  versionOutputBytes: 64 * 1024,
  versionLineChars: 200,
  /** Paths × mtimes seen in one app run stay few; the bound only guards against unbounded growth. */
  cachedVersions: 256,
} as const;

/** Where to look for a bare command name: the project's own tools first, then PATH. */
export function searchDirs(env: Readonly<Record<string, string>>, projectPath: string | undefined): string[] {
  const dirs: string[] = [];
  if (projectPath !== undefined) dirs.push(join(projectPath, 'node_modules', '.bin'));
  for (const entry of (env.PATH ?? '').split(delimiter)) {
    // An empty or relative PATH entry means "relative to the current directory", which for a
    // desktop app is wherever it was launched from: never run an agent found that way.
    if (entry !== '' && isAbsolute(entry)) dirs.push(entry);
  }
  return dirs;
}

/**
 * The absolute path of `command`, or null when it is not an executable file. A command with a
 * path separator is taken as a path (relative ones against the project, when there is one);
 * a bare name is looked up in `dirs` in order.
 */
export async function findExecutable(command: string, dirs: readonly string[], projectPath: string | undefined): Promise<string | null> {
  if (command.includes('/') || (process.platform === 'win32' && command.includes('\\'))) {
    if (isAbsolute(command)) return (await isExecutableFile(command)) ? command : null;
    if (projectPath === undefined) return null;
    const candidate = resolve(projectPath, command);
    return (await isExecutableFile(candidate)) ? candidate : null;
  }
  for (const dir of dirs) {
    for (const name of candidateNames(command)) {
      const candidate = join(dir, name);
      if (await isExecutableFile(candidate)) return candidate;
    }
  }
  return null;
}

/** Reads versions through a cache keyed by path and mtime, so a reinstall is noticed but a list is cheap. */
export interface VersionProbe {
  versionOf(path: string, env: Readonly<Record<string, string>>): Promise<string | null>;
}

export function createVersionProbe(): VersionProbe {
  // Promises, not values: two lists running at once share one spawn per executable.
  const cache = new Map<string, Promise<string | null>>();
  return {
    async versionOf(path, env) {
      let key: string;
      try {
        const info = await stat(path);
        key = `${path}\0${info.mtimeMs}\0${info.size}`;
      } catch {
        return null;
      }
      const cached = cache.get(key);
      if (cached) return cached;
      const probe = readVersion(path, env);
      cache.set(key, probe);
      if (cache.size > detectionLimits.cachedVersions) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      return probe;
    },
  };
}

/**
 * Runs `<path> --version` without a shell and returns the first non-empty line of stdout, or null
 * when it fails or takes too long. It runs in its own process group so that a wrapper that forks
 * the real agent (qwen, gemini, codex do) is killed whole; otherwise an orphaned grandchild would
 * keep stdout open and the probe would wait for it.
 */
function readVersion(path: string, env: Readonly<Record<string, string>>): Promise<string | null> {
  // spawn throws synchronously for some bad inputs (an env value it cannot pass); one odd agent
  // must not fail the whole list, so that too is "no version".
  return spawnVersion(path, env).catch(() => null);
}

function spawnVersion(path: string, env: Readonly<Record<string, string>>): Promise<string | null> {
  return new Promise((settle) => {
    let output = '';
    let isSettled = false;
    const child = spawn(path, ['--version'], {
      env,
      // An ACP agent that ignores --version waits for JSON-RPC on stdin; EOF makes most of them exit.
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    const finish = (version: string | null) => {
      if (isSettled) return;
      isSettled = true;
      clearTimeout(timer);
      child.stdout?.destroy();
      settle(version);
    };
    const timer = setTimeout(() => {
      killGroup(child.pid, () => child.kill('SIGKILL'));
      finish(null);
    }, detectionTimings.versionTimeoutMs);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      output += chunk;
      if (output.length > detectionLimits.versionOutputBytes) {
        killGroup(child.pid, () => child.kill('SIGKILL'));
        finish(firstLine(output));
      }
    });
    child.on('error', () => finish(null));
    child.on('close', (code) => finish(code === 0 ? firstLine(output) : null));
  });
}

function killGroup(pid: number | undefined, fallback: () => void): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // No process group (Windows) or it is already gone: kill what we can reach directly.
    fallback();
  }
}

function firstLine(output: string): string | null {
  for (const line of output.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed !== '') return trimmed.slice(0, detectionLimits.versionLineChars);
  }
  return null;
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    // stat follows symlinks, so node_modules/.bin links count when their target is executable.
    const info = await stat(path);
    if (!info.isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Windows finds `qwen` as `qwen.cmd` or `qwen.exe`; elsewhere the name is the file. */
function candidateNames(command: string): string[] {
  if (process.platform !== 'win32') return [command];
  const extensions = (process.env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter((extension) => extension !== '');
  return [command, ...extensions.map((extension) => `${command}${extension.toLowerCase()}`)];
}
