// What the supervisor needs to know about processes, read from /proc on Linux (and `ps`
// elsewhere): start times, to prove a pid is still the process we started; group members
// and memory, for the UI; and group signalling, because agents run as wrapper + child.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const hasProc = process.platform === 'linux';
const pageSize = 4096;

/** Fields of /proc/<pid>/stat the supervisor (and the tests) look at. */
export interface ProcessStat {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  /** Session id: a shell's jobs each get a process group, but all stay in the shell's session. */
  readonly session: number;
  /** One letter: R running, S sleeping, Z zombie, … */
  readonly state: string;
  /** Start time in clock ticks since boot: with the pid, it names one process for its whole life. */
  readonly startTicks: string;
  readonly command: string;
}

/** /proc/<pid>/stat of a process (Linux); undefined when it does not exist. */
export function readProcessStat(pid: number): ProcessStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone: that is what the caller asks about
  }
  // The command name may contain spaces and parentheses; fields resume after the last ')'.
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  return {
    pid,
    command: text.slice(text.indexOf('(') + 1, close),
    state: fields[0] ?? '?',
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    session: Number(fields[3]),
    startTicks: fields[19] ?? '',
  };
}

/** Every live (non-zombie) process on the machine (Linux). */
export function liveProcesses(): ProcessStat[] {
  const stats: ProcessStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProcessStat(Number(name));
    if (stat && stat.state !== 'Z') stats.push(stat);
  }
  return stats;
}

/**
 * An identity that changes when a pid is reused: the kernel start time on Linux, `ps`'s start
 * time elsewhere. Undefined when the process does not exist.
 */
export function processStartIdentity(pid: number): string | undefined {
  if (hasProc) {
    const stat = readProcessStat(pid);
    return stat && stat.state !== 'Z' ? stat.startTicks : undefined;
  }
  try {
    const started = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', timeout: 2_000 }).trim();
    return started === '' ? undefined : started;
  } catch {
    return undefined;
  }
}

export function isProcessAlive(pid: number): boolean {
  return processStartIdentity(pid) !== undefined;
}

/** Live pids in a process group (Linux; elsewhere only the leader is known). */
export function processGroupMembers(pgid: number): number[] {
  if (!hasProc) return isProcessAlive(pgid) ? [pgid] : [];
  return liveProcesses()
    .filter((stat) => stat.pgid === pgid)
    .map((stat) => stat.pid);
}

/** Resident memory of a whole process group, in bytes; null where it cannot be read. */
export function processGroupRss(pgid: number): number | null {
  if (!hasProc) return null;
  let total = 0;
  for (const pid of processGroupMembers(pgid)) {
    try {
      const resident = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
      if (Number.isFinite(resident)) total += resident * pageSize;
    } catch {
      // exited between listing and reading: contributes nothing
    }
  }
  return total;
}

/**
 * Resolves once no live process is left in the group (a SIGKILLed process can take a moment to
 * be torn down); false when some remain after `timeoutMs`.
 */
export async function waitForGroupExit(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processGroupMembers(pgid).length > 0) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

/** Sends a signal to every process in the group; false when the group is already empty. */
export function signalProcessGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: nobody left in the group
  }
}

/**
 * Stops a process group the way every supervisor here must: SIGTERM to the group, SIGKILL after
 * the grace period, and once the leader has exited, SIGKILL for whatever it left behind (a
 * wrapper's agent); resolves when the group is empty (false if something outlived even that).
 */
export async function stopProcessGroup(pgid: number, leaderExited: Promise<unknown>, graceMs: number): Promise<boolean> {
  signalProcessGroup(pgid, 'SIGTERM');
  const killer = setTimeout(() => signalProcessGroup(pgid, 'SIGKILL'), graceMs);
  await leaderExited;
  clearTimeout(killer);
  signalProcessGroup(pgid, 'SIGKILL');
  return waitForGroupExit(pgid, graceMs);
}
