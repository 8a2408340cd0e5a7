// The ACP handshake of a freshly spawned agent: `initialize`, then the stored session resumed
// (or loaded, where the agent can and is trusted to), else `session/new`, then the quirk's
// initial mode. Pure protocol: the caller owns the process and the deadline.
import * as acp from '@agentclientprotocol/sdk/unstable';
import type { SessionOrigin } from '../../../shared/agents.ts';
import { fail, ok, type Result } from '../../../shared/contract.ts';
import type { BackendCapabilities } from '../backend.ts';
import type { AgentLaunchSpec } from '../catalog/index.ts';
import { errorText } from './errors.ts';

/** What the handshake learnt: the session, what the agent can do, and what to tell the user. */
export interface Handshake {
  readonly sessionId: string;
  readonly origin: SessionOrigin;
  readonly capabilities: BackendCapabilities;
  readonly configOptions: acp.SessionConfigOption[];
  /** Warnings for the next turn (a session that could not be resumed, say). */
  readonly notices: string[];
}

export interface HandshakeOptions {
  readonly connection: acp.ClientConnection;
  readonly spec: AgentLaunchSpec;
  readonly cwd: string;
  readonly storedSessionId: string | null;
  /** Called as soon as the session is open, before any update of it can arrive. */
  readonly onSessionOpened: (sessionId: string, origin: SessionOrigin) => void;
  /** True while session/load replays history, which must not reach any turn. */
  readonly onLoading: (isLoading: boolean) => void;
}

export async function handshake(options: HandshakeOptions): Promise<Result<Handshake>> {
  const { connection, spec, cwd } = options;
  let init: acp.InitializeResponse;
  try {
    init = await connection.agent.request(acp.methods.agent.initialize, {
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
  const previous = options.storedSessionId;
  if (previous && canResume) {
    try {
      const resumed = await connection.agent.request(acp.methods.agent.session.resume, { sessionId: previous, cwd, mcpServers: [] });
      opened = { id: previous, origin: 'resumed', modes: resumed.modes, config: resumed.configOptions };
    } catch (error) {
      notices.push(`${spec.name} could not resume the previous session (${errorText(error)}); started a new one.`);
    }
  } else if (previous && canLoad) {
    options.onLoading(true);
    try {
      const loaded = await connection.agent.request(acp.methods.agent.session.load, { sessionId: previous, cwd, mcpServers: [] });
      opened = { id: previous, origin: 'loaded', modes: loaded.modes, config: loaded.configOptions };
    } catch (error) {
      notices.push(`${spec.name} could not load the previous session (${errorText(error)}); started a new one.`);
    } finally {
      options.onLoading(false);
    }
  } else if (previous) {
    notices.push(`${spec.name} cannot resume sessions, so this turn starts a new session without the earlier context.`);
  }
  if (!opened) {
    try {
      const created = await connection.agent.request(acp.methods.agent.session.new, { cwd, mcpServers: [] });
      opened = { id: created.sessionId, origin: 'new', modes: created.modes, config: created.configOptions };
    } catch (error) {
      return fail('agent-error', `${spec.name} could not start a session: ${errorText(error)}`);
    }
  }
  options.onSessionOpened(opened.id, opened.origin);
  let capabilities: BackendCapabilities = {
    canResume,
    canLoad,
    canTakeImages: init.agentCapabilities?.promptCapabilities?.image === true,
    modes: opened.modes?.availableModes.map((mode) => ({ id: mode.id, name: mode.name })) ?? [],
    currentModeId: opened.modes?.currentModeId ?? null,
  };
  const initialMode = spec.quirks.initialModeId;
  if (initialMode && capabilities.currentModeId !== initialMode && capabilities.modes.some((mode) => mode.id === initialMode)) {
    try {
      await connection.agent.request(acp.methods.agent.session.setMode, { sessionId: opened.id, modeId: initialMode });
      capabilities = { ...capabilities, currentModeId: initialMode };
    } catch (error) {
      notices.push(`Could not switch ${spec.name} to mode "${initialMode}": ${errorText(error)}`);
    }
  }
  return ok({ sessionId: opened.id, origin: opened.origin, capabilities, configOptions: opened.config ?? [], notices });
}
