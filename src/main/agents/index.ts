// The agents service: catalog, permission broker, pid registry, agent-session records and the
// pool of warm processes, wired together. Other services use this entry only.
import type { AppEventDraft } from '../../shared/contract.ts';
import type { UnitOfWork } from '../store/index.ts';
import type { SettingsService } from '../settings/index.ts';
import type { Store } from '../store/index.ts';
import { createAcpBackend, type acpTimings, type AgentTerminalObserver } from './acp/acpBackend.ts';
import type { BackendFactory } from './backend.ts';
import { createAgentSessionStore, type AgentSessionStore } from './agentSessions.ts';
import { createAgentCatalog, type AgentCatalog } from './catalog/index.ts';
import { createPermissionBroker, type PermissionBroker } from './permissions/index.ts';
import { createOpencodeBackend, type opencodeTimings } from './opencode/opencodeBackend.ts';
import { createOpencodeServers, type OpencodeServers, type OpencodeServersOptions } from './opencode/servers.ts';
import { createPidRegistry } from './pidRegistry.ts';
import { createAgentPool, type AgentPool, type poolPolicy } from './pool.ts';

export type { AgentPool, TurnRequest } from './pool.ts';
export type { AgentBackend, TurnInput, TurnOutcome } from './backend.ts';
export type { AgentSessionRecord } from './agentSessions.ts';
export { processStartIdentity, liveProcesses, readProcessStat, signalProcessGroup, waitForGroupExit } from './processTree.ts';
export { createPidRegistry, type PidRegistry } from './pidRegistry.ts';
export type { AgentTerminalObserver } from './acp/acpBackend.ts';

export interface AgentsOptions {
  readonly store: Store;
  readonly unitOfWork: UnitOfWork;
  readonly publish: (drafts: readonly AppEventDraft[]) => void;
  readonly settings: SettingsService;
  readonly log: (line: string) => void;
  /** The environment agents inherit and whose PATH they are found on; the process's by default. */
  readonly env?: NodeJS.ProcessEnv;
  readonly acpTimings?: Partial<Record<keyof typeof acpTimings, number>>;
  readonly opencodeTimings?: Partial<Record<keyof typeof opencodeTimings, number>>;
  readonly opencodeServerTimings?: OpencodeServersOptions['timings'];
  /** Merged over the user's OPENCODE_CONFIG_CONTENT for every opencode server started (settings may provide one). */
  readonly opencodeConfigOverlay?: OpencodeServersOptions['configOverlay'];
  readonly poolPolicy?: Partial<typeof poolPolicy>;
  /** Overrides the maxWarm / idleTtl settings (tests use milliseconds the settings cannot express). */
  readonly limits?: () => { maxWarm: number; idleTtlMs: number };
  /** Told about the terminals ACP agents run, so that the user can watch them. */
  readonly terminalObserver?: AgentTerminalObserver;
}

export interface Agents {
  readonly catalog: AgentCatalog;
  readonly permissions: PermissionBroker;
  readonly pool: AgentPool;
  readonly sessions: AgentSessionStore;
  /** The warm `opencode serve` processes, one per working directory (for diagnostics and benchmarks). */
  readonly opencodeServers: OpencodeServers;
  /** Pids of processes left by an earlier run that were killed at start-up. */
  readonly reapedAtStart: readonly number[];
  shutdown(): Promise<void>;
}

export function createAgents(options: AgentsOptions): Agents {
  const pidRegistry = createPidRegistry(options.store);
  const reapedAtStart = pidRegistry.reapOrphans();
  if (reapedAtStart.length > 0) options.log(`stopped ${reapedAtStart.length} agent process(es) left by an earlier run: ${reapedAtStart.join(', ')}`);
  const catalog = createAgentCatalog({ settings: options.settings, env: options.env });
  const permissions = createPermissionBroker({
    store: options.store,
    unitOfWork: options.unitOfWork,
    timeoutMs: () => options.settings.get().permissionTimeoutSeconds * 1000,
  });
  const sessions = createAgentSessionStore(options.store);
  const acp: BackendFactory = (context) =>
    createAcpBackend({ ...context, permissions, pidRegistry, timings: options.acpTimings, log: options.log, terminalObserver: options.terminalObserver });
  const opencodeServers = createOpencodeServers({
    pidRegistry,
    log: options.log,
    configOverlay: options.opencodeConfigOverlay ?? (() => parseOverlay(options.settings.get().opencodeConfigOverlay)),
    timings: options.opencodeServerTimings,
  });
  const opencode: BackendFactory = (context) =>
    createOpencodeBackend({ ...context, servers: opencodeServers, permissions, timings: options.opencodeTimings, log: options.log });
  const pool = createAgentPool({
    catalog,
    backends: { acp, 'opencode-server': opencode },
    sessions,
    publish: options.publish,
    limits: options.limits ?? (() => {
      const settings = options.settings.get();
      return { maxWarm: settings.maxWarmAgents, idleTtlMs: settings.agentIdleTtlMinutes * 60_000 };
    }),
    log: options.log,
    policy: options.poolPolicy,
  });
  return {
    catalog,
    permissions,
    pool,
    sessions,
    opencodeServers,
    reapedAtStart,
    async shutdown() {
      permissions.dispose();
      await pool.shutdown();
      // Servers no chat holds any more are already gone; this stops one whose start was under way.
      await opencodeServers.shutdown();
    },
  };
}

/** The settings' opencode overlay, already validated as a JSON object (or empty) when it was set. */
function parseOverlay(text: string): Record<string, unknown> | null {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null; // validated on the way in; a hand-edited value that broke is ignored
  }
}
