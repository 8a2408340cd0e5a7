// The one interface every kind of agent backend implements (ACP children, warm opencode
// servers), so the pool and the turn runner never care which protocol an agent speaks.
import type { AgentEvent, ProcessState, SessionOrigin, StopReason, Usage } from '../../shared/agents.ts';
import type { Attachment } from '../../shared/chats.ts';
import type { Result } from '../../shared/contract.ts';
import type { AgentLaunchSpec } from './catalog/index.ts';

/** What one turn sends. `modeId` and `model` apply only when the agent offers them. */
export interface TurnInput {
  readonly text: string;
  readonly modeId?: string;
  readonly model?: string;
  /** Files of the workspace (sent as resource links) and images, beside the text. */
  readonly attachments?: readonly Attachment[];
}

/** How a turn ended, when the agent answered at all. */
export interface TurnOutcome {
  readonly stopReason: StopReason;
  /** Whether the turn ran on a warm session, a resumed one, or one started fresh. */
  readonly origin: SessionOrigin;
  readonly sessionId: string;
  readonly usage: Usage | null;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stderrTail: string;
}

export interface BackendCapabilities {
  readonly canResume: boolean;
  readonly canLoad: boolean;
  /** The agent takes images in a prompt (ACP promptCapabilities.image). */
  readonly canTakeImages: boolean;
  readonly modes: readonly { id: string; name: string }[];
  readonly currentModeId: string | null;
}

export interface BackendStateChange {
  readonly state: ProcessState;
  readonly pid: number | null;
  readonly exit: ExitInfo | null;
}

export interface AgentBackend {
  readonly kind: 'acp' | 'opencode';
  state(): ProcessState;
  pid(): number | null;
  capabilities(): BackendCapabilities | null;
  /** Starts the process if needed and makes sure an agent session exists (new, resumed or warm). */
  ensureSession(): Promise<Result<{ sessionId: string; origin: SessionOrigin }>>;
  /**
   * Runs one turn; events stream to `onEvent` as they arrive. Aborting `signal` cancels it,
   * whether the process is still starting or the agent is already answering.
   */
  prompt(input: TurnInput, onEvent: (event: AgentEvent) => void, signal?: AbortSignal): Promise<Result<TurnOutcome>>;
  /** Asks the agent to stop the running turn; the process lives on. */
  cancel(): Promise<void>;
  /** Stops the process (group), one still starting included; a later ensureSession starts a new one. */
  close(): Promise<void>;
  onStateChange(listener: (change: BackendStateChange) => void): () => void;
}

/** What the pool hands a backend factory for one (chat, agent). */
export interface BackendContext {
  readonly chatId: string;
  readonly agentId: string;
  readonly spec: AgentLaunchSpec;
  readonly cwd: string;
  /** The agent session to resume when the process (re)starts, if the agent can. */
  readonly storedSessionId: string | null;
  /** Called when the agent session id is known (new or resumed), to persist it. */
  readonly onSession: (sessionId: string) => void;
}

export type BackendFactory = (context: BackendContext) => AgentBackend;
