// One ACP agent process: spawned in its own process group (agents run as wrapper + child, and
// only a group kill stops both), recorded in the pid registry from the moment it exists, its
// stderr tail kept to explain an exit, and owned by the caller's DisposableStore, so a start that
// is abandoned half-way stops the whole group instead of leaking it.
import { spawn, type ChildProcess } from 'node:child_process';
import { fail, ok, type Result } from '../../../shared/contract.ts';
import type { DisposableStore } from '../../lifecycle/index.ts';
import type { ExitInfo } from '../backend.ts';
import type { AgentLaunchSpec } from '../catalog/index.ts';
import type { PidRegistry } from '../pidRegistry.ts';
import { signalProcessGroup, stopProcessGroup } from '../processTree.ts';

export const agentProcessLimits = {
  /** Bytes of stderr kept to explain a crash or a handshake timeout. */
  stderrTailBytes: 8_192,
} as const;

export interface AgentProcess {
  readonly pid: number;
  readonly stdin: NonNullable<ChildProcess['stdin']>;
  readonly stdout: NonNullable<ChildProcess['stdout']>;
  /** Resolves when the spawned process exits, whoever stopped it. */
  readonly exited: Promise<ExitInfo>;
  /**
   * Called once at the exit. A warm process serves thousands of turns, so each turn listens
   * here and stops listening when it ends, instead of piling reactions on `exited`.
   */
  onExit(listener: (exit: ExitInfo) => void): () => void;
  stderrTail(): string;
  /** Whether the exit was asked for (stop or disposal) rather than the agent's own doing. */
  isStopping(): boolean;
  /** SIGTERM to the group, SIGKILL after the grace period; resolves when the group is empty. */
  stop(): Promise<void>;
}

export interface LaunchOptions {
  readonly spec: AgentLaunchSpec;
  readonly cwd: string;
  /** Stops the process when disposed; the process is added before anything can be awaited. */
  readonly owner: DisposableStore;
  readonly pidRegistry: PidRegistry;
  readonly chatId: string;
  readonly agentId: string;
  readonly stopGraceMs: number;
  readonly log: (line: string) => void;
}

export async function launchAgentProcess(options: LaunchOptions): Promise<Result<AgentProcess>> {
  const { spec } = options;
  let child: ChildProcess;
  try {
    child = spawn(spec.command, [...spec.args], {
      cwd: options.cwd,
      env: { ...spec.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
  } catch (error) {
    return fail('agent-not-installed', `${spec.name} could not be started: ${String(error)}`);
  }
  let stderrTail = '';
  let isStopping = false;
  const exitListeners = new Set<(exit: ExitInfo) => void>();
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      const exit: ExitInfo = { code, signal, stderrTail };
      // The spawned pid is gone, but a wrapper's agent may still hold the pipes: end the group.
      if (child.pid !== undefined) {
        signalProcessGroup(child.pid, 'SIGKILL');
        options.pidRegistry.unregister(child.pid);
      }
      for (const listener of [...exitListeners]) listener(exit);
      exitListeners.clear();
      resolve(exit);
    });
  });
  const stop = async (): Promise<void> => {
    const pid = child.pid;
    if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    isStopping = true;
    child.stdin?.end();
    if (!(await stopProcessGroup(pid, exited, options.stopGraceMs))) options.log(`${spec.name}: processes of group ${pid} outlived SIGKILL`);
  };
  // Owned before the first await: a start abandoned while the process spawns still stops it.
  if (child.pid !== undefined) options.owner.add(stop);
  const spawned = await new Promise<number | Error>((resolve) => {
    child.once('error', (error) => resolve(error));
    child.once('spawn', () => resolve(child.pid ?? new Error('no pid')));
  });
  if (spawned instanceof Error) return fail('agent-not-installed', `${spec.name} could not be started (${spec.command}): ${spawned.message}`);
  const pid = spawned;
  options.pidRegistry.register(pid, { command: [spec.command, ...spec.args].join(' '), chatId: options.chatId, agentId: options.agentId });
  if (!child.stdin || !child.stdout || !child.stderr) return fail('internal', 'The agent was started without pipes.');
  // These two live exactly as long as the process, so they are not the store's to remove: stderr
  // is read until the exit (a stopping agent that fills the pipe would never exit), and an EPIPE
  // from writing to an agent that just died may come after disposal (the exit reports it).
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-agentProcessLimits.stderrTailBytes);
  });
  child.stdin.on('error', () => undefined);
  return ok({
    pid,
    stdin: child.stdin,
    stdout: child.stdout,
    exited,
    onExit(listener) {
      exitListeners.add(listener);
      return () => exitListeners.delete(listener);
    },
    stderrTail: () => stderrTail,
    isStopping: () => isStopping,
    stop,
  });
}
