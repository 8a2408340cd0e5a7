// The window's copy of the core: a pure reducer over the workspace snapshot and the event
// stream, so that replay, resync and live delivery all go through one tested path. Events are
// applied idempotently by seq (one at or below `lastSeq` was applied already), in batches.
import type { AgentProcessInfo, PermissionRequest } from '../../shared/agents.ts';
import type { ChangeSetSummary, SessionWorkspace } from '../../shared/changes.ts';
import type { AgentContinuity, Chat, ChatView, Message, Session, Turn } from '../../shared/chats.ts';
import type { AppEvent, ChatActivity, Project, Settings, WorkspaceSnapshot } from '../../shared/contract.ts';
import type { LayoutEnvelope } from '../../shared/layout.ts';
import type { Terminal } from '../../shared/terminals.ts';
import { applyToTranscript, joinHistory, mergeView, type Transcript } from './transcript.ts';

export interface SessionLayout {
  readonly layout: LayoutEnvelope;
  /** Why the saved layout was replaced by the default, until the user has seen it. */
  readonly notice: string | null;
}

export interface ChatMeta {
  readonly agents: readonly AgentContinuity[];
  readonly recentTurns: readonly Turn[];
  /** The composer's unsent text as the core kept it when the chat was opened. */
  readonly draft: string;
}

/** A permission request waiting for an answer, with the turn it came from (its chat's running turn when it was asked). */
export interface PendingPermission extends PermissionRequest {
  readonly turnId: string | null;
}

/** What became of a permission request: shown as a one-line record on its tool call. */
export interface AnsweredPermission {
  readonly chatId: string;
  /** The turn that asked: an agent may use one tool-call id in several turns. */
  readonly turnId: string | null;
  readonly toolCallId: string;
  readonly answer: string;
  readonly isAllowed: boolean;
  readonly at: string;
}

export interface ClientState {
  /** True once the first snapshot arrived; before that the UI shows a loading state. */
  readonly isLoaded: boolean;
  readonly lastSeq: number;
  readonly epoch: string | undefined;
  readonly projects: readonly Project[];
  readonly settings: Settings | undefined;
  readonly sessions: Readonly<Record<string, Session>>;
  readonly workspaces: Readonly<Record<string, SessionWorkspace>>;
  readonly chats: Readonly<Record<string, Chat>>;
  readonly activity: Readonly<Record<string, ChatActivity>>;
  /** Queued turns per chat, in order. */
  readonly queues: Readonly<Record<string, readonly Turn[]>>;
  readonly changes: Readonly<Record<string, ChangeSetSummary>>;
  readonly permissions: Readonly<Record<string, PendingPermission>>;
  /** Permission requests answered while this window watched, by `answerKey` of the turn and tool call they were about. */
  readonly answered: Readonly<Record<string, AnsweredPermission>>;
  /** By `chatId/agentId`. */
  readonly processes: Readonly<Record<string, AgentProcessInfo>>;
  /** Only the chats a window has open. */
  readonly transcripts: Readonly<Record<string, Transcript>>;
  /** For open chats: what each agent's next turn does and what it used, and the recent turns. */
  readonly chatMeta: Readonly<Record<string, ChatMeta>>;
  readonly layouts: Readonly<Record<string, SessionLayout>>;
  /** Every session's terminals (their output goes to the views, never through this state). */
  readonly terminals: Readonly<Record<string, Terminal>>;
  /** Bumped when the agent catalog changes, so agent lists are read again. */
  readonly catalogVersion: number;
}

export const initialClientState: ClientState = {
  isLoaded: false,
  lastSeq: 0,
  epoch: undefined,
  projects: [],
  settings: undefined,
  sessions: {},
  workspaces: {},
  chats: {},
  activity: {},
  queues: {},
  changes: {},
  permissions: {},
  answered: {},
  processes: {},
  transcripts: {},
  chatMeta: {},
  layouts: {},
  terminals: {},
  catalogVersion: 0,
};

export type ClientAction =
  | { readonly type: 'snapshot'; readonly snapshot: WorkspaceSnapshot }
  | { readonly type: 'events'; readonly events: readonly AppEvent[]; readonly windowId: string }
  | { readonly type: 'chat.loaded'; readonly view: ChatView }
  | { readonly type: 'chat.meta'; readonly chatId: string; readonly meta: ChatMeta }
  | {
      readonly type: 'chat.history';
      readonly chatId: string;
      readonly direction: 'older' | 'newer' | 'at';
      readonly messages: readonly Message[];
      readonly hasOlder: boolean;
      readonly hasNewer: boolean;
    }
  | { readonly type: 'chat.closed'; readonly chatId: string }
  | { readonly type: 'layout.loaded'; readonly sessionId: string; readonly layout: LayoutEnvelope; readonly notice: string | null }
  | { readonly type: 'layout.changed'; readonly sessionId: string; readonly layout: LayoutEnvelope }
  | { readonly type: 'layout.noticeSeen'; readonly sessionId: string }
  | { readonly type: 'project.upserted'; readonly project: Project }
  | { readonly type: 'session.upserted'; readonly session: Session }
  | { readonly type: 'workspace.upserted'; readonly workspace: SessionWorkspace }
  | { readonly type: 'terminal.upserted'; readonly terminal: Terminal };

export function reduceClient(state: ClientState, action: ClientAction): ClientState {
  switch (action.type) {
    case 'snapshot':
      return fromSnapshot(state, action.snapshot);
    case 'events': {
      let next = state;
      for (const event of action.events) {
        if (event.seq <= next.lastSeq) continue;
        next = { ...applyEvent(next, event, action.windowId), lastSeq: event.seq };
      }
      return next;
    }
    case 'chat.loaded': {
      const { view } = action;
      const transcripts = { ...state.transcripts, [view.chat.id]: mergeView(state.transcripts[view.chat.id], view) };
      return {
        ...state,
        transcripts,
        chatMeta: { ...state.chatMeta, [view.chat.id]: { agents: view.agents, recentTurns: view.recentTurns, draft: state.chatMeta[view.chat.id]?.draft ?? view.draft } },
        chats: { ...state.chats, [view.chat.id]: view.chat },
        queues: { ...state.queues, [view.chat.id]: view.queue },
        activity: {
          ...state.activity,
          [view.chat.id]: {
            chatId: view.chat.id,
            running: view.running,
            queued: view.queue.length,
            lastEnded: [...view.recentTurns].reverse().find((turn) => turn.state !== 'queued' && turn.state !== 'running') ?? null,
          },
        },
      };
    }
    case 'chat.meta':
      return { ...state, chatMeta: { ...state.chatMeta, [action.chatId]: action.meta } };
    case 'chat.history': {
      const transcript = state.transcripts[action.chatId];
      if (!transcript) return state;
      return { ...state, transcripts: { ...state.transcripts, [action.chatId]: joinHistory(transcript, action) } };
    }
    case 'chat.closed': {
      const { [action.chatId]: _closed, ...transcripts } = state.transcripts;
      const { [action.chatId]: _meta, ...chatMeta } = state.chatMeta;
      return { ...state, transcripts, chatMeta };
    }
    case 'layout.loaded':
      return { ...state, layouts: { ...state.layouts, [action.sessionId]: { layout: action.layout, notice: action.notice } } };
    case 'layout.changed':
      return { ...state, layouts: { ...state.layouts, [action.sessionId]: { layout: action.layout, notice: state.layouts[action.sessionId]?.notice ?? null } } };
    case 'layout.noticeSeen': {
      const current = state.layouts[action.sessionId];
      if (!current?.notice) return state;
      return { ...state, layouts: { ...state.layouts, [action.sessionId]: { ...current, notice: null } } };
    }
    case 'project.upserted':
      return { ...state, projects: upsertProject(state.projects, action.project) };
    case 'session.upserted':
      return { ...state, sessions: { ...state.sessions, [action.session.id]: action.session } };
    case 'workspace.upserted':
      return { ...state, workspaces: { ...state.workspaces, [action.workspace.sessionId]: action.workspace } };
    case 'terminal.upserted':
      return { ...state, terminals: { ...state.terminals, [action.terminal.id]: action.terminal } };
    default:
      return assertNever(action);
  }
}

function fromSnapshot(state: ClientState, snapshot: WorkspaceSnapshot): ClientState {
  const byId = <T,>(items: readonly T[], key: (item: T) => string): Record<string, T> => {
    const record: Record<string, T> = {};
    for (const item of items) record[key(item)] = item;
    return record;
  };
  const activity = byId(snapshot.activity, (entry) => entry.chatId);
  return {
    ...state,
    isLoaded: true,
    lastSeq: snapshot.seq,
    epoch: snapshot.epoch,
    projects: sortProjects(snapshot.projects),
    settings: snapshot.settings,
    sessions: byId(snapshot.sessions, (session) => session.id),
    workspaces: byId(snapshot.workspaces, (workspace) => workspace.sessionId),
    chats: byId(snapshot.chats, (chat) => chat.id),
    activity,
    changes: Object.fromEntries(snapshot.changes.map((entry) => [entry.sessionId, entry.summary])),
    permissions: byId(
      snapshot.permissions.map((request) => pendingOf(request, activity)),
      (request) => request.id,
    ),
    processes: byId(snapshot.processes, processKey),
    terminals: byId(snapshot.terminals, (terminal) => terminal.id),
    // Open transcripts and layouts are read again by their views after a resync.
    transcripts: Object.fromEntries(Object.entries(state.transcripts).map(([chatId, transcript]) => [chatId, { ...transcript, isStale: true }])),
    catalogVersion: state.catalogVersion + 1,
  };
}

function applyEvent(state: ClientState, event: AppEvent, windowId: string): ClientState {
  switch (event.type) {
    case 'workspace.project.opened':
    case 'workspace.project.changed':
    case 'workspace.project.revealed':
      return { ...state, projects: upsertProject(state.projects, event.project) };
    case 'workspace.project.removed': {
      const gone = new Set(Object.values(state.sessions).filter((session) => session.projectId === event.projectId).map((session) => session.id));
      return {
        ...state,
        projects: state.projects.filter((project) => project.id !== event.projectId),
        sessions: omitWhere(state.sessions, (session) => gone.has(session.id)),
        chats: omitWhere(state.chats, (chat) => gone.has(chat.sessionId)),
      };
    }
    case 'app.settings.changed':
      return { ...state, settings: event.settings };
    case 'agent.catalog.changed':
      return { ...state, catalogVersion: state.catalogVersion + 1 };
    case 'agent.process.changed':
      return { ...state, processes: { ...state.processes, [processKey(event.process)]: event.process } };
    case 'agent.permission.requested':
      return {
        ...state,
        permissions: { ...state.permissions, [event.request.id]: pendingOf(event.request, state.activity) },
      };
    case 'agent.permission.resolved': {
      const request = state.permissions[event.requestId];
      const permissions = omitWhere(state.permissions, (candidate) => candidate.id === event.requestId);
      if (!request?.toolCall) return { ...state, permissions };
      const option = event.outcome.outcome === 'selected' ? request.options.find((candidate) => candidate.optionId === (event.outcome as { optionId: string }).optionId) : undefined;
      const answer = option ? option.name : event.outcome.outcome === 'cancelled' ? describeDismissal(event.outcome.reason) : 'answered';
      const record: AnsweredPermission = { chatId: request.chatId, turnId: request.turnId, toolCallId: request.toolCall.id, answer, isAllowed: option?.kind.startsWith('allow') ?? false, at: event.at };
      return { ...state, permissions, answered: { ...state.answered, [answerKey(request.turnId, request.toolCall.id)]: record } };
    }
    case 'workspace.session.changed':
      return { ...state, sessions: { ...state.sessions, [event.session.id]: event.session } };
    case 'chat.record.changed':
      return { ...state, chats: { ...state.chats, [event.chat.id]: event.chat } };
    case 'chat.message.created':
      return withTranscript(state, event.message.chatId, event);
    case 'chat.part.updated':
    case 'chat.part.delta':
      return withTranscript(state, event.chatId, event);
    case 'chat.turn.changed': {
      const { turn } = event;
      const current = activityOf(state, turn.chatId);
      if (turn.state === 'running') return setActivity(state, { ...current, running: turn });
      if (current.running?.id === turn.id) return setActivity(state, { ...current, running: null });
      return state;
    }
    case 'chat.turn.ended': {
      const { turn } = event;
      const current = activityOf(state, turn.chatId);
      return setActivity(state, { ...current, running: current.running?.id === turn.id ? null : current.running, lastEnded: turn });
    }
    case 'chat.queue.changed':
      return {
        ...setActivity(state, { ...activityOf(state, event.chatId), queued: event.queue.length }),
        queues: { ...state.queues, [event.chatId]: event.queue },
      };
    case 'changes.updated':
      return { ...state, changes: { ...state.changes, [event.sessionId]: event.summary } };
    case 'chat.agent.changed': {
      const meta = state.chatMeta[event.chatId];
      if (!meta) return state;
      const agents = meta.agents.some((agent) => agent.agentId === event.agent.agentId) ? meta.agents.map((agent) => (agent.agentId === event.agent.agentId ? event.agent : agent)) : [...meta.agents, event.agent];
      return { ...state, chatMeta: { ...state.chatMeta, [event.chatId]: { ...meta, agents } } };
    }
    case 'workspace.layout.changed':
      // A window's own saves come back as events; it already shows them.
      if (event.writer === windowId) return state;
      return { ...state, layouts: { ...state.layouts, [event.sessionId]: { layout: event.layout, notice: null } } };
    case 'terminal.record.changed':
      return { ...state, terminals: { ...state.terminals, [event.terminal.id]: event.terminal } };
    case 'terminal.record.removed':
      return { ...state, terminals: omitWhere(state.terminals, (terminal) => terminal.id === event.terminalId) };
    default:
      return assertNever(event);
  }
}

function describeDismissal(reason: 'user' | 'turn-cancelled' | 'agent-exited' | 'timeout'): string {
  switch (reason) {
    case 'user':
      return 'dismissed';
    case 'turn-cancelled':
      return 'not answered: the turn was stopped';
    case 'agent-exited':
      return 'not answered: the agent exited';
    case 'timeout':
      return 'not answered in time';
    default:
      return assertNever(reason);
  }
}

function withTranscript(state: ClientState, chatId: string, event: AppEvent): ClientState {
  const transcript = state.transcripts[chatId];
  if (!transcript) return state;
  const next = applyToTranscript(transcript, event);
  return next === transcript ? state : { ...state, transcripts: { ...state.transcripts, [chatId]: next } };
}

/** A permission request as kept while it waits: with the turn that asked, its chat's running turn. */
function pendingOf(request: PermissionRequest, activity: ClientState['activity']): PendingPermission {
  return { ...request, turnId: activity[request.chatId]?.running?.id ?? null };
}

/** Where an answer is kept: by the turn that asked as well as the tool call, which an agent may reuse across turns. */
export function answerKey(turnId: string | null, toolCallId: string): string {
  return `${turnId ?? ''}/${toolCallId}`;
}

function activityOf(state: ClientState, chatId: string): ChatActivity {
  return state.activity[chatId] ?? { chatId, running: null, queued: 0, lastEnded: null };
}

function setActivity(state: ClientState, activity: ChatActivity): ClientState {
  return { ...state, activity: { ...state.activity, [activity.chatId]: activity } };
}

export function processKey(process: Pick<AgentProcessInfo, 'chatId' | 'agentId'>): string {
  return `${process.chatId}/${process.agentId}`;
}

function omitWhere<T>(record: Readonly<Record<string, T>>, isGone: (value: T) => boolean): Record<string, T> {
  const kept: Record<string, T> = {};
  for (const [key, value] of Object.entries(record)) if (!isGone(value)) kept[key] = value;
  return kept;
}

function upsertProject(projects: readonly Project[], project: Project): readonly Project[] {
  return sortProjects([...projects.filter((existing) => existing.id !== project.id), project]);
}

function sortProjects(projects: readonly Project[]): readonly Project[] {
  return [...projects].sort((a, b) => a.name.localeCompare(b.name) || a.path.localeCompare(b.path));
}

function assertNever(value: never): never {
  throw new Error(`Unhandled ${JSON.stringify(value)}`);
}
