// opencode events → the normalized AgentEvent union, for one turn. Pure: no I/O, no timers, so
// every case is unit-tested with made-up events (test/main/agents/opencodeMapEvent.test.ts).
//
// A turn is keyed on message ids, never on counting idle events: the backend chooses the id of
// the user message it sends, so every assistant message of the turn is known by its parentID
// before its first event arrives. Only parts of those messages are mapped; another turn's (an
// aborted one's late events) are ignored. Text arrives twice: as deltas, and as whole parts;
// each character is emitted once, whichever comes first.
import type { AssistantMessage, Event as OpencodeEvent, Part, ToolPart } from '@opencode-ai/sdk/v2';
import type { AgentEvent, StopReason, ToolCallSnapshot, Usage } from '../../../shared/agents.ts';

export interface TurnMapper {
  /** The AgentEvents this event means for the turn; none for events of other turns. */
  map(event: OpencodeEvent): AgentEvent[];
  /** Whether opencode has stored our user message: from then on, its idle can end the turn. */
  isUserMessageSeen(): boolean;
  hasAssistant(messageId: string): boolean;
  assistantCount(): number;
  /** opencode's message ids ascend with time, so the greatest id is the newest message. */
  newestAssistant(): AssistantMessage | undefined;
  toolCall(callId: string): ToolCallSnapshot | undefined;
  /** Tokens and cost summed over the turn's finished steps; null before the first. */
  usage(): Usage | null;
  /** A session.error of this turn that was not the abort: the turn fails with it at the next idle. */
  error(): string | null;
}

export interface TurnMapperOptions {
  readonly userMessageId: string;
  /** The working directory, so a patch names files relative to it. */
  readonly cwd: string;
  readonly agentName: string;
}

interface StreamedPart {
  readonly kind: 'text' | 'reasoning';
  /** Everything the deltas said so far. */
  streamed: string;
  /** Everything we emitted; a full part update only adds what is beyond it. */
  emitted: string;
}

export function createTurnMapper(options: TurnMapperOptions): TurnMapper {
  const { userMessageId, cwd, agentName } = options;
  const assistants = new Map<string, AssistantMessage>();
  const parts = new Map<string, StreamedPart>();
  const tools = new Map<string, ToolCallSnapshot>();
  const steps = new Set<string>();
  const totals = { input: 0, output: 0, cost: 0, contextUsed: null as number | null, hasSteps: false };
  let isUserSeen = false;
  let retryAttempt = 0;
  let error: string | null = null;

  function map(event: OpencodeEvent): AgentEvent[] {
    switch (event.type) {
      case 'message.updated': {
        const info = event.properties.info;
        if (info.role === 'user') {
          if (info.id === userMessageId) isUserSeen = true;
          return [];
        }
        if (info.parentID === userMessageId) assistants.set(info.id, info);
        return [];
      }
      case 'message.part.delta': {
        if (!assistants.has(event.properties.messageID) || event.properties.field !== 'text') return [];
        const part = parts.get(event.properties.partID);
        // A delta for a part not announced yet is caught up by that part's full update.
        if (!part) return [];
        part.streamed += event.properties.delta;
        return emitBeyond(part, part.streamed);
      }
      case 'message.part.updated':
        if (!assistants.has(event.properties.part.messageID)) return [];
        return mapPart(event.properties.part);
      case 'session.status': {
        const status = event.properties.status;
        if (status.type !== 'retry' || status.attempt === retryAttempt) return [];
        retryAttempt = status.attempt;
        // AgentEvent has no retry kind; a warning notice shows it and keeps the turn running.
        return [{ kind: 'notice', level: 'warning', message: `retrying (attempt ${status.attempt})… ${status.message}` }];
      }
      case 'session.error': {
        const failure = event.properties.error;
        // The aborted turn's MessageAbortedError may arrive after the next turn began.
        if (isUserSeen && failure && failure.name !== 'MessageAbortedError') error = errorText(failure);
        return [];
      }
      default:
        return [];
    }
  }

  function mapPart(part: Part): AgentEvent[] {
    switch (part.type) {
      case 'text':
      case 'reasoning': {
        let streamed = parts.get(part.id);
        if (!streamed) {
          streamed = { kind: part.type, streamed: '', emitted: '' };
          parts.set(part.id, streamed);
        }
        return emitBeyond(streamed, part.text);
      }
      case 'tool': {
        const call = toolSnapshot(part);
        tools.set(part.callID, call);
        return [{ kind: 'tool-call', call }];
      }
      case 'step-finish': {
        if (steps.has(part.id)) return [];
        steps.add(part.id);
        totals.hasSteps = true;
        totals.input += part.tokens.input;
        totals.output += part.tokens.output;
        totals.cost += part.cost;
        totals.contextUsed = part.tokens.input + part.tokens.cache.read + part.tokens.cache.write + part.tokens.output;
        return [{ kind: 'usage', usage: usage() }];
      }
      case 'patch': {
        if (part.files.length === 0) return [];
        const files = part.files.map((file) => (file.startsWith(`${cwd}/`) ? file.slice(cwd.length + 1) : file));
        return [{ kind: 'notice', level: 'info', message: `${agentName} changed ${files.length === 1 ? '1 file' : `${files.length} files`}: ${files.join(', ')}` }];
      }
      default:
        // step-start, snapshot, retry (shown from session.status), file, agent, subtask, compaction.
        return [];
    }
  }

  function emitBeyond(part: StreamedPart, text: string): AgentEvent[] {
    if (text.length <= part.emitted.length || !text.startsWith(part.emitted)) return [];
    const delta = text.slice(part.emitted.length);
    part.emitted = text;
    if (part.streamed.length < text.length) part.streamed = text;
    return [part.kind === 'text' ? { kind: 'text', delta } : { kind: 'reasoning', delta }];
  }

  function usage(): Usage {
    return { inputTokens: totals.input, outputTokens: totals.output, contextUsed: totals.contextUsed, contextSize: null, costAmount: totals.cost, costCurrency: 'USD' };
  }

  return {
    map,
    isUserMessageSeen: () => isUserSeen,
    hasAssistant: (messageId) => assistants.has(messageId),
    assistantCount: () => assistants.size,
    newestAssistant() {
      let newest: AssistantMessage | undefined;
      for (const info of assistants.values()) if (!newest || info.id > newest.id) newest = info;
      return newest;
    },
    toolCall: (callId) => tools.get(callId),
    usage: () => (totals.hasSteps ? usage() : null),
    error: () => error,
  };
}

/** A finished reply: completed, and not a step that asked for tools (the loop goes on then). */
export function isFinished(info: AssistantMessage): boolean {
  if (info.time.completed === undefined) return false;
  if (info.error) return true;
  return info.finish !== undefined && info.finish !== 'tool-calls' && info.finish !== 'unknown';
}

export function stopReasonOf(finish: string | undefined): StopReason {
  switch (finish) {
    case 'length':
      return 'max_tokens';
    case 'content-filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

/** The session's new title, if this event names one worth showing (not opencode's placeholder). */
export function sessionTitle(event: OpencodeEvent): string | undefined {
  if (event.type !== 'session.updated') return undefined;
  const title = event.properties.info.title;
  return isPlaceholderTitle(title) ? undefined : title;
}

/** opencode names a session "New session - <ISO date>" until its title call answers. */
function isPlaceholderTitle(title: string): boolean {
  return /^(New session|Child session) - \d{4}-\d{2}-\d{2}T/.test(title);
}

const toolKinds: Readonly<Record<string, string>> = {
  read: 'read',
  write: 'edit',
  edit: 'edit',
  multiedit: 'edit',
  patch: 'edit',
  apply_patch: 'edit',
  bash: 'execute',
  grep: 'search',
  glob: 'search',
  list: 'search',
  codesearch: 'search',
  webfetch: 'fetch',
  websearch: 'fetch',
  task: 'think',
};

export function toolSnapshot(part: ToolPart): ToolCallSnapshot {
  const { state } = part;
  const title = (state.status === 'running' || state.status === 'completed' ? state.title : undefined) || part.tool;
  const path = state.input['filePath'] ?? state.input['path'];
  const base = {
    id: part.callID,
    title,
    kind: Object.hasOwn(toolKinds, part.tool) ? (toolKinds[part.tool] ?? 'other') : 'other',
    input: state.input,
    locations: typeof path === 'string' ? [{ path, line: null }] : [],
  };
  switch (state.status) {
    case 'pending':
      return { ...base, status: 'pending', content: [] };
    case 'running':
      return { ...base, status: 'in_progress', content: [] };
    case 'completed':
      return { ...base, status: 'completed', output: state.output, content: [{ type: 'text', text: state.output }] };
    case 'error':
      return { ...base, status: 'failed', output: state.error, content: [{ type: 'text', text: state.error }] };
    default:
      return assertNever(state);
  }
}

/** "Edit src/a.ts, src/b.ts" from opencode's permission name and patterns. */
export function permissionTitle(permission: string, patterns: readonly string[]): string {
  const action = permission.length > 0 ? `${permission[0]?.toUpperCase()}${permission.slice(1)}` : 'Use a tool';
  return patterns.length > 0 ? `${action} ${patterns.join(', ')}` : action;
}

/** What an opencode error (an SDK error object, a named error with data) says to people. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null) {
    const data: unknown = 'data' in error ? error.data : undefined;
    if (typeof data === 'object' && data !== null && 'message' in data && typeof data.message === 'string') return data.message;
    if ('message' in error && typeof error.message === 'string') return error.message;
    if ('name' in error && typeof error.name === 'string') return error.name;
    return JSON.stringify(error);
  }
  return String(error);
}

function assertNever(value: never): never {
  throw new Error(`unexpected opencode tool state ${JSON.stringify(value)}`);
}
