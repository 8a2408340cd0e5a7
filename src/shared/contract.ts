// The one contract between the core and every client (Electron renderer, browser, CLI).
// Each command is declared once with zod schemas for its arguments and result; the Electron
// IPC adapter and the WebSocket server both validate against these before the core sees them.
import { z } from 'zod';
import {
  AgentDescriptorSchema,
  AgentIdSchema,
  AgentProcessInfoSchema,
  CustomAgentSchema,
  PermissionOutcomeSchema,
  PermissionRequestSchema,
} from './agents.ts';
import { ApplyOutcomeSchema, ChangeSelectionSchema, ChangeSetSummarySchema, ChangeSetViewSchema, ReviewedFileSchema, SessionWorkspaceSchema } from './changes.ts';
import { AgentContinuitySchema, AttachmentSchema, ChatSchema, ChatViewSchema, MessageSchema, PartSchema, SessionSchema, TurnSchema, WhenBusySchema } from './chats.ts';
import { LayoutEnvelopeSchema } from './layout.ts';
import { TerminalAttachmentSchema, TerminalOutputEventSchema, TerminalSchema, TerminalSizeSchema, TerminalViewerDetachedEventSchema } from './terminals.ts';

/** Longest string the contract accepts in a path-like field; longer input is refused early. */
export const MAX_PATH_LENGTH = 4096;

// ---------------------------------------------------------------------------------------------
// Errors

/** Every expected failure, as a value a client can switch over. */
export const ErrorKindSchema = z.enum([
  'invalid-message', // not JSON, or not shaped like a command
  'unknown-command',
  'invalid-arguments',
  'not-found',
  'invalid-state', // well-formed, but the thing is not in a state that allows it (retrying a completed turn)
  'path-missing',
  'not-a-directory',
  'store-corrupt',
  'unauthorized',
  'agent-not-installed',
  'agent-crashed', // the agent process exited during a turn
  'agent-failed', // it crashed too often; reset it to try again
  'handshake-timeout', // initialize or session/new did not answer in time
  'agent-error', // the agent answered a request with an error
  'cancelled',
  'interrupted', // BooCode itself stopped while the turn ran; its output so far is kept
  'busy', // the chat's queue is full, or work is running that a confirmation would stop
  'conflict', // the project changed underneath: a change cannot be applied cleanly
  'unapplied-changes', // refused because work would be lost; confirm to go ahead
  'git-failed',
  'owner-unreachable', // another process owns the data folder and does not answer
  'internal',
]);
export type ErrorKind = z.infer<typeof ErrorKindSchema>;

export const BooErrorSchema = z.object({ kind: ErrorKindSchema, message: z.string() });
/** A typed error: `kind` for code, `message` for people. */
export type BooError = z.infer<typeof BooErrorSchema>;

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: BooError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(kind: ErrorKind, message: string): Result<T> {
  return { ok: false, error: { kind, message } };
}

// ---------------------------------------------------------------------------------------------
// Entities

export const ProjectIdSchema = z.string().min(1).max(64).brand<'ProjectId'>();
export type ProjectId = z.infer<typeof ProjectIdSchema>;

/** ISO-8601 timestamps cross the boundary as strings so that every transport carries them as-is. */
const Timestamp = z.string();

/** What every new session worktree of a project gets beyond the checkout. */
export const ProjectSetupSchema = z.object({
  /** Project-relative files to copy in (untracked ones such as `.env`). */
  copyFiles: z.array(z.string().min(1).max(1024)).max(100),
  /** A command run in the new worktree (e.g. `npm ci`); its failure is reported, not fatal. */
  command: z.string().max(4096).nullable(),
});
export type ProjectSetup = z.infer<typeof ProjectSetupSchema>;

export const ProjectSchema = z.object({
  id: ProjectIdSchema,
  name: z.string(),
  /** Resolved real path: a folder and a symlink to it are one project. */
  path: z.string(),
  isGit: z.boolean(),
  /** Current branch; null for a non-git folder or a detached HEAD. */
  branch: z.string().nullable(),
  setup: ProjectSetupSchema,
  createdAt: Timestamp,
  lastOpenedAt: Timestamp,
});
export type Project = z.infer<typeof ProjectSchema>;

export const ThemeSchema = z.enum(['system', 'light', 'dark']);

/**
 * User settings. Every field has a default, so a fresh data dir needs no setup. Each one a user
 * may change carries a title, a description and a group (`.meta`): the settings screen is built
 * from them (z.toJSONSchema), so a new setting shows up there once it is in both schemas.
 */
export const SettingsSchema = z.object({
  theme: ThemeSchema.default('system').meta({ title: 'Theme', description: 'Colours of the window: follow the system, or always light or dark.', group: 'Appearance' }),
  /** Idle warm agents kept beyond which the least recently used is stopped. */
  maxWarmAgents: z.number().int().min(0).max(64).default(4).meta({
    title: 'Warm agents',
    description: 'Idle agent processes kept running between turns, so that the next turn starts at once. Past this many, the one used least recently is stopped; a busy agent never is.',
    group: 'Agents',
  }),
  /** Minutes an idle warm agent may live before it is stopped. */
  agentIdleTtlMinutes: z.number().int().min(1).max(24 * 60).default(15).meta({
    title: 'Idle minutes',
    description: 'Minutes an idle agent process stays warm before it is stopped. Its next turn starts a new one and resumes the conversation where the agent can.',
    group: 'Agents',
  }),
  /** Seconds a permission prompt waits for an answer before it is dismissed; 0 waits forever. */
  permissionTimeoutSeconds: z.number().int().min(0).max(24 * 60 * 60).default(0).meta({
    title: 'Permission timeout (seconds)',
    description: 'How long a permission request waits for your answer before it is dismissed (the agent is told no). 0 waits for as long as it takes.',
    group: 'Agents',
  }),
  /** Days an archived session's worktree directory is kept before it is removed (its hidden ref stays). */
  archivedWorktreeRetentionDays: z.number().int().min(0).max(3650).default(7).meta({
    title: 'Keep archived worktrees (days)',
    description: "Days an archived session's worktree folder stays on disk. Then the folder is removed; its work stays in a hidden ref of the project, so restoring the session brings it back.",
    group: 'Sessions',
  }),
  /** Merged into OPENCODE_CONFIG_CONTENT of every opencode server BooCode starts (JSON); empty for none. */
  opencodeConfigOverlay: z.string().max(100_000).default('').meta({
    title: 'opencode configuration overlay',
    description: 'A JSON object merged into the configuration of every opencode server BooCode starts (providers, models, permissions…). Leave it empty for none. Applies to servers started from now on.',
    group: 'Agents',
    contentMediaType: 'application/json',
  }),
  /** Prompts a chat may hold waiting behind its running turn. */
  queueLimit: z.number().int().min(1).max(1000).default(20).meta({
    title: 'Queue limit',
    description: 'Prompts a chat may hold waiting behind its running turn.',
    group: 'Chats',
  }),
  /** Enter sends (Shift+Enter is a new line); off, Enter is a new line and Ctrl/⌘+Enter sends. */
  enterToSend: z.boolean().default(true).meta({
    title: 'Enter sends',
    description: 'Enter sends the message and Shift+Enter starts a new line. Off: Enter starts a new line and Ctrl+Enter (⌘+Enter on a Mac) sends.',
    group: 'Chats',
  }),
  /** Notify when an agent asks for permission while you look elsewhere. */
  notifyOnPermission: z.boolean().default(true).meta({
    title: 'Permission requests',
    description: 'Notify when an agent asks for your permission in a chat you are not looking at, or while BooCode is in the background.',
    group: 'Notifications',
  }),
  /** Notify when a turn fails or is interrupted while you look elsewhere. */
  notifyOnFailure: z.boolean().default(true).meta({
    title: 'Failed turns',
    description: 'Notify when a turn fails or is interrupted (the agent crashed, BooCode stopped) in a chat you are not looking at.',
    group: 'Notifications',
  }),
  /** Notify when a turn finishes while you look elsewhere. */
  notifyOnFinish: z.boolean().default(true).meta({
    title: 'Finished turns',
    description: 'Notify when an agent finishes a turn in a chat you are not looking at. Many at once become one summary.',
    group: 'Notifications',
  }),
  /** ACP agents the user added, beside the built-in ones. */
  customAgents: z.array(CustomAgentSchema).max(100).default([]),
  /** CSS font family of terminal tabs; the first installed one is used. */
  terminalFontFamily: z.string().min(1).max(500).default('"JetBrains Mono", "Cascadia Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace').meta({
    title: 'Font family',
    description: 'CSS font families for terminal tabs, most wanted first; the first one installed is used.',
    group: 'Terminal',
  }),
  terminalFontSize: z.number().int().min(6).max(40).default(13).meta({
    title: 'Font size',
    description: 'Terminal text size in pixels.',
    group: 'Terminal',
  }),
  /**
   * Lines a terminal keeps above its screen, in the tab and in the core's copy that a reloaded
   * window reattaches to (VS Code's default: each line costs the core and every window memory).
   */
  terminalScrollback: z.number().int().min(0).max(100_000).default(1000).meta({
    title: 'Scrollback',
    description: 'Lines a terminal keeps above its screen. Each line costs memory in BooCode and in every window showing the terminal. Applies to terminals opened from now on.',
    group: 'Terminal',
  }),
  /** Selecting text in a terminal copies it to the clipboard. */
  terminalCopyOnSelect: z.boolean().default(false).meta({
    title: 'Copy on select',
    description: 'Selecting text in a terminal copies it to the clipboard.',
    group: 'Terminal',
  }),
  /**
   * A blinking cursor in terminal tabs. Off by default, as in VS Code: restarting the blink on a
   * key press asks the browser for a frame, and the browser then holds the echo back until that
   * frame is drawn, so every echoed key shows a frame (~16 ms) later.
   */
  terminalCursorBlink: z.boolean().default(false).meta({
    title: 'Blinking cursor',
    description: 'The cursor of terminal tabs blinks. Typed characters then show up about one frame later.',
    group: 'Terminal',
  }),
});
export type Settings = z.infer<typeof SettingsSchema>;
export const SettingsPatchSchema = z
  .object({
    theme: ThemeSchema,
    maxWarmAgents: SettingsSchema.shape.maxWarmAgents.unwrap(),
    agentIdleTtlMinutes: SettingsSchema.shape.agentIdleTtlMinutes.unwrap(),
    permissionTimeoutSeconds: SettingsSchema.shape.permissionTimeoutSeconds.unwrap(),
    queueLimit: SettingsSchema.shape.queueLimit.unwrap(),
    archivedWorktreeRetentionDays: SettingsSchema.shape.archivedWorktreeRetentionDays.unwrap(),
    opencodeConfigOverlay: SettingsSchema.shape.opencodeConfigOverlay.unwrap().refine(isJsonObjectOrEmpty, 'must be a JSON object'),
    enterToSend: SettingsSchema.shape.enterToSend.unwrap(),
    notifyOnPermission: SettingsSchema.shape.notifyOnPermission.unwrap(),
    notifyOnFailure: SettingsSchema.shape.notifyOnFailure.unwrap(),
    notifyOnFinish: SettingsSchema.shape.notifyOnFinish.unwrap(),
    terminalFontFamily: SettingsSchema.shape.terminalFontFamily.unwrap(),
    terminalFontSize: SettingsSchema.shape.terminalFontSize.unwrap(),
    terminalScrollback: SettingsSchema.shape.terminalScrollback.unwrap(),
    terminalCopyOnSelect: SettingsSchema.shape.terminalCopyOnSelect.unwrap(),
    terminalCursorBlink: SettingsSchema.shape.terminalCursorBlink.unwrap(),
  })
  .partial()
  .strict();
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

function isJsonObjectOrEmpty(text: string): boolean {
  if (text.trim() === '') return true;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

export const AppInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  dataDir: z.string(),
  platform: z.string(),
  runtime: z.string(),
  /** Changes at every start of the core; a subscriber from an earlier run must resync. */
  epoch: z.string(),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

// ---------------------------------------------------------------------------------------------
// Events

const eventBase = { seq: z.number().int().positive(), at: Timestamp };

export const AppEventSchema = z.discriminatedUnion('type', [
  z.object({ ...eventBase, type: z.literal('workspace.project.opened'), project: ProjectSchema }),
  z.object({ ...eventBase, type: z.literal('workspace.project.changed'), project: ProjectSchema }),
  z.object({ ...eventBase, type: z.literal('workspace.project.removed'), projectId: ProjectIdSchema }),
  /** `boocode open` or a second launch of the app asked every window to show this project. */
  z.object({ ...eventBase, type: z.literal('workspace.project.revealed'), project: ProjectSchema }),
  z.object({ ...eventBase, type: z.literal('app.settings.changed'), settings: SettingsSchema }),
  z.object({ ...eventBase, type: z.literal('agent.catalog.changed') }),
  z.object({ ...eventBase, type: z.literal('agent.process.changed'), process: AgentProcessInfoSchema }),
  z.object({ ...eventBase, type: z.literal('agent.permission.requested'), request: PermissionRequestSchema }),
  z.object({ ...eventBase, type: z.literal('agent.permission.resolved'), requestId: z.string(), outcome: PermissionOutcomeSchema }),
  z.object({ ...eventBase, type: z.literal('workspace.session.changed'), session: SessionSchema }),
  z.object({ ...eventBase, type: z.literal('chat.record.changed'), chat: ChatSchema }),
  z.object({ ...eventBase, type: z.literal('chat.message.created'), message: MessageSchema }),
  /** A part whose whole value changed (or that was just created): upsert it by id. */
  z.object({ ...eventBase, type: z.literal('chat.part.updated'), chatId: z.string(), part: PartSchema }),
  /**
   * Text appended to a text or reasoning part. `offset` is the part's length before the delta:
   * a client whose copy has another length re-reads the chat instead of showing text twice.
   */
  z.object({
    ...eventBase,
    type: z.literal('chat.part.delta'),
    chatId: z.string(),
    messageId: z.string(),
    partId: z.string(),
    offset: z.number().int(),
    delta: z.string(),
  }),
  z.object({ ...eventBase, type: z.literal('chat.turn.changed'), turn: TurnSchema }),
  /** The one terminal event of a turn: completed, failed, cancelled or interrupted. */
  z.object({ ...eventBase, type: z.literal('chat.turn.ended'), turn: TurnSchema }),
  z.object({ ...eventBase, type: z.literal('chat.queue.changed'), chatId: z.string(), queue: z.array(TurnSchema) }),
  /** What an agent in a chat offers or was asked for changed (modes, settings, commands, preferences). */
  z.object({ ...eventBase, type: z.literal('chat.agent.changed'), chatId: z.string(), agent: AgentContinuitySchema }),
  /** A session's pending change set was recomputed (after a turn, an apply, a reject or a restore). */
  z.object({ ...eventBase, type: z.literal('changes.updated'), sessionId: z.string(), summary: ChangeSetSummarySchema }),
  /** A window saved a session's layout; `writer` names that window, so it can skip its own echo. */
  z.object({ ...eventBase, type: z.literal('workspace.layout.changed'), sessionId: z.string(), layout: LayoutEnvelopeSchema, writer: z.string() }),
  /** A terminal was started, renamed, retitled, ended or restarted: upsert it by id. */
  z.object({ ...eventBase, type: z.literal('terminal.record.changed'), terminal: TerminalSchema }),
  /** A terminal was closed and forgotten. */
  z.object({ ...eventBase, type: z.literal('terminal.record.removed'), terminalId: z.string(), sessionId: z.string() }),
]);
/** Everything the core tells its clients. `type` is `domain.subject.verb`; `seq` only grows. */
export type AppEvent = z.infer<typeof AppEventSchema>;
export type AppEventType = AppEvent['type'];
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An event before the bus stamps it with `seq` and `at`. */
export type AppEventDraft = DistributiveOmit<AppEvent, 'seq' | 'at'>;

/**
 * What the core streams live but never keeps for replay: terminal output, whose volume (a `yes`
 * in a tab) would evict every other event from the replay buffer in a second. They carry no
 * `seq`; a client that missed some reattaches (`terminals.attach`) instead of replaying.
 */
export const TransientEventSchema = z.discriminatedUnion('type', [TerminalOutputEventSchema, TerminalViewerDetachedEventSchema]);
export type TransientEvent = z.infer<typeof TransientEventSchema>;

export const SubscribeResultSchema = z.discriminatedUnion('kind', [
  /** Every event after `afterSeq` that was missed; live events follow from `lastSeq` on. */
  z.object({ kind: z.literal('replay'), epoch: z.string(), events: z.array(AppEventSchema), lastSeq: z.number().int() }),
  /** The missed events are gone (evicted, or from an earlier run): re-read snapshots, then follow live. */
  z.object({ kind: z.literal('resync'), epoch: z.string(), lastSeq: z.number().int() }),
]);
export type SubscribeResult = z.infer<typeof SubscribeResultSchema>;

/** What a chat is doing now, for lists that show every chat at once (the sidebar, the inbox). */
export const ChatActivitySchema = z.object({
  chatId: z.string(),
  running: TurnSchema.nullable(),
  queued: z.number().int(),
  /** The chat's most recent ended turn. */
  lastEnded: TurnSchema.nullable(),
});
export type ChatActivity = z.infer<typeof ChatActivitySchema>;

/**
 * Everything the workspace frame shows, read in one step at one `seq`: a window loads it at
 * start and after a resync, then follows events from `seq` on.
 */
export const WorkspaceSnapshotSchema = z.object({
  seq: z.number().int(),
  epoch: z.string(),
  projects: z.array(ProjectSchema),
  settings: SettingsSchema,
  /** Archived ones included. */
  sessions: z.array(SessionSchema),
  workspaces: z.array(SessionWorkspaceSchema),
  /** Archived ones included. */
  chats: z.array(ChatSchema),
  activity: z.array(ChatActivitySchema),
  changes: z.array(z.object({ sessionId: z.string(), summary: ChangeSetSummarySchema })),
  permissions: z.array(PermissionRequestSchema),
  processes: z.array(AgentProcessInfoSchema),
  /** Every session's terminals, agents' ones included. */
  terminals: z.array(TerminalSchema),
});
export type WorkspaceSnapshot = z.infer<typeof WorkspaceSnapshotSchema>;

// ---------------------------------------------------------------------------------------------
// Commands

const NoArgs = z.object({}).strict();
const IdArg = z.string().min(1).max(64);

export const commands = {
  'app.info': { args: NoArgs, result: AppInfoSchema },
  'app.snapshot': { args: NoArgs, result: WorkspaceSnapshotSchema },
  'projects.open': {
    args: z.object({ path: z.string().min(1).max(MAX_PATH_LENGTH) }).strict(),
    result: ProjectSchema,
  },
  'projects.list': { args: NoArgs, result: z.array(ProjectSchema) },
  /** Opens the folder as a project (or finds it) and asks every window to show it (`boocode open`). */
  'projects.reveal': {
    args: z.object({ path: z.string().min(1).max(MAX_PATH_LENGTH) }).strict(),
    result: ProjectSchema,
  },
  'projects.configure': {
    args: z.object({ projectId: ProjectIdSchema, setup: ProjectSetupSchema }).strict(),
    result: ProjectSchema,
  },
  'projects.remove': {
    args: z.object({ projectId: ProjectIdSchema }).strict(),
    result: z.object({ removed: z.boolean() }),
  },
  'settings.get': { args: NoArgs, result: SettingsSchema },
  'settings.set': { args: z.object({ patch: SettingsPatchSchema }).strict(), result: SettingsSchema },
  'agents.list': {
    args: z.object({ projectId: ProjectIdSchema.optional() }).strict(),
    result: z.array(AgentDescriptorSchema),
  },
  'agents.add': { args: z.object({ agent: CustomAgentSchema }).strict(), result: AgentDescriptorSchema },
  /** Replaces the custom agent with this id (validated like agents.add); its chats keep it. */
  'agents.update': { args: z.object({ agent: CustomAgentSchema }).strict(), result: AgentDescriptorSchema },
  'agents.remove': { args: z.object({ agentId: AgentIdSchema }).strict(), result: z.object({ removed: z.boolean() }) },
  'agents.processes': { args: NoArgs, result: z.array(AgentProcessInfoSchema) },
  'agents.reset': {
    args: z.object({ chatId: z.string().min(1).max(64), agentId: AgentIdSchema }).strict(),
    result: z.object({ reset: z.boolean() }),
  },
  /**
   * Stops a chat's warm agent process now (its next turn starts a new one and resumes the
   * conversation where the agent can). Refused with `busy` while that agent runs a turn.
   */
  'agents.stop': {
    args: z.object({ chatId: z.string().min(1).max(64), agentId: AgentIdSchema }).strict(),
    result: z.object({ stopped: z.boolean() }),
  },
  'permissions.list': { args: NoArgs, result: z.array(PermissionRequestSchema) },
  'permissions.answer': {
    args: z
      .object({
        requestId: z.string().min(1).max(128),
        /** One of the request's options; omitted means the user dismissed the prompt. */
        optionId: z.string().min(1).max(256).optional(),
        /** Told to the agent with the answer (opencode takes it as feedback on a reject). */
        message: z.string().max(4000).optional(),
      })
      .strict(),
    result: z.object({ answered: z.boolean() }),
  },
  'sessions.create': {
    args: z
      .object({
        projectId: ProjectIdSchema,
        name: z.string().trim().min(1).max(120).optional(),
        /** Defaults to true for git projects; a non-git folder never gets one. */
        useWorktree: z.boolean().optional(),
      })
      .strict(),
    result: SessionSchema,
  },
  'sessions.rename': { args: z.object({ sessionId: IdArg, name: z.string().trim().min(1).max(120) }).strict(), result: SessionSchema },
  'sessions.archive': {
    args: z.object({ sessionId: IdArg, /** Archive even with unapplied changes (they stay recoverable). */ confirm: z.boolean().optional() }).strict(),
    result: SessionSchema,
  },
  'sessions.restore': { args: z.object({ sessionId: IdArg }).strict(), result: SessionSchema },
  /** Where the session works: its worktree (branch, base commit, setup report, notices) or the folder. */
  'sessions.workspace': { args: z.object({ sessionId: IdArg }).strict(), result: SessionWorkspaceSchema },
  /** Files of the session's workspace matching `query` (fuzzy), for `@` completion. */
  'sessions.files': {
    args: z.object({ sessionId: IdArg, query: z.string().max(512), limit: z.number().int().min(1).max(500).optional() }).strict(),
    result: z.array(z.string()),
  },
  /** The session's layout, or the default with a notice when the saved one cannot be read. */
  'sessions.layout.get': {
    args: z.object({ sessionId: IdArg }).strict(),
    result: z.object({ layout: LayoutEnvelopeSchema, notice: z.string().nullable() }),
  },
  'sessions.layout.set': {
    args: z.object({ sessionId: IdArg, layout: LayoutEnvelopeSchema, /** The window saving it (echoed in the event). */ writer: z.string().min(1).max(64) }).strict(),
    result: z.object({ saved: z.boolean() }),
  },
  'sessions.diskUsage': { args: NoArgs, result: z.array(z.object({ sessionId: z.string(), bytes: z.number() })) },
  /** Removes the worktree folders of every archived session now, whatever their age (their work stays in hidden refs). */
  'sessions.cleanUpArchived': { args: NoArgs, result: z.object({ removed: z.array(z.string()) }) },
  'changes.get': {
    args: z
      .object({
        sessionId: IdArg,
        /** `none`: hunks without their lines (a list of files to show); read a file's with `changes.file`. */
        lines: z.enum(['all', 'none']).optional(),
      })
      .strict(),
    result: ChangeSetViewSchema,
  },
  /** One file of the pending change set with its hunks' lines; not-found when it has no pending change. */
  'changes.file': { args: z.object({ sessionId: IdArg, path: z.string().min(1).max(4096) }).strict(), result: ReviewedFileSchema },
  /** Applies hunks or files to the project, all or nothing; a conflict fails with kind `conflict`. */
  'changes.apply': { args: z.object({ sessionId: IdArg, selection: ChangeSelectionSchema.optional() }).strict(), result: ApplyOutcomeSchema },
  /**
   * Reverts hunks or files in the session's worktree. With a reason, the reason is queued as the
   * next prompt of each chat whose turn made a rejected change.
   */
  'changes.reject': {
    args: z.object({ sessionId: IdArg, selection: ChangeSelectionSchema.optional(), reason: z.string().trim().min(1).max(10_000).optional() }).strict(),
    result: ChangeSetSummarySchema,
  },
  /**
   * Records the worktree as it is now: edits no turn made (yours, in an editor or a terminal)
   * join the change set attributed to "you".
   */
  'changes.refresh': { args: z.object({ sessionId: IdArg }).strict(), result: ChangeSetSummarySchema },
  /**
   * Records edits in the session's worktree as they happen (as "you", outside turns) for the
   * lease returned; a window renews it while its changes tab is open.
   */
  'changes.watch': { args: z.object({ sessionId: IdArg }).strict(), result: z.object({ leaseMs: z.number().int() }) },
  /** Marks a file of the pending change set reviewed (or not); the mark lasts until the file changes. */
  'changes.review': {
    args: z.object({ sessionId: IdArg, path: z.string().min(1).max(4096), reviewed: z.boolean() }).strict(),
    result: z.object({ reviewed: z.boolean() }),
  },
  'changes.commit': { args: z.object({ sessionId: IdArg, message: z.string().trim().min(1).max(10_000) }).strict(), result: z.object({ commit: z.string() }) },
  'sessions.list': {
    args: z.object({ projectId: ProjectIdSchema, includeArchived: z.boolean().optional() }).strict(),
    result: z.array(SessionSchema.extend({ chats: z.array(ChatSchema) })),
  },
  'sessions.get': { args: z.object({ sessionId: IdArg }).strict(), result: SessionSchema.extend({ chats: z.array(ChatSchema) }) },
  'chats.create': {
    args: z.object({ sessionId: IdArg, agentId: AgentIdSchema, title: z.string().trim().min(1).max(200).optional() }).strict(),
    result: ChatSchema,
  },
  'chats.rename': { args: z.object({ chatId: IdArg, title: z.string().trim().min(1).max(200) }).strict(), result: ChatSchema },
  'chats.archive': { args: z.object({ chatId: IdArg }).strict(), result: ChatSchema },
  /**
   * The user has seen the chat up to this ended turn (it was on screen, or they dismissed it
   * from the inbox). Kept in the core so that every window and the OS badge agree.
   */
  'chats.markSeen': { args: z.object({ chatId: IdArg, turnId: IdArg }).strict(), result: ChatSchema },
  'chats.list': { args: z.object({ sessionId: IdArg, includeArchived: z.boolean().optional() }).strict(), result: z.array(ChatSchema) },
  'chats.get': {
    args: z.object({ chatId: IdArg, limit: z.number().int().min(1).max(500).optional() }).strict(),
    result: ChatViewSchema,
  },
  'chats.send': {
    args: z
      .object({
        chatId: IdArg,
        text: z.string().max(1_000_000),
        /** Switch the chat to this agent for this turn and the next ones. */
        agent: AgentIdSchema.optional(),
        mode: z.string().min(1).max(128).optional(),
        model: z.string().min(1).max(256).optional(),
        /** When a turn is running: wait in the queue (default), or cancel it and run this one. */
        whenBusy: WhenBusySchema.optional(),
        /** Files of the workspace and pasted images sent with the text. */
        attachments: z.array(AttachmentSchema).max(50).optional(),
      })
      .strict(),
    result: z.object({ turnId: z.string(), queued: z.boolean() }),
  },
  /** Keeps the composer's unsent text with the chat (a reload or a restart finds it again). */
  'chats.draft': { args: z.object({ chatId: IdArg, text: z.string().max(1_000_000) }).strict(), result: z.object({ saved: z.boolean() }) },
  /** The chat's agent, and the mode and model its next turns ask that agent for (null: the agent's own). */
  'chats.configure': {
    args: z
      .object({ chatId: IdArg, agentId: AgentIdSchema.optional(), mode: z.string().min(1).max(128).nullable().optional(), model: z.string().min(1).max(256).nullable().optional() })
      .strict(),
    result: z.array(AgentContinuitySchema),
  },
  'chats.cancel': { args: z.object({ chatId: IdArg }).strict(), result: z.object({ cancelled: z.boolean() }) },
  'chats.retry': { args: z.object({ turnId: IdArg }).strict(), result: z.object({ turnId: z.string(), queued: z.boolean() }) },
  'chats.history': {
    args: z
      .object({
        chatId: IdArg,
        /** Messages before this ordinal; the newest page when neither is given. */
        before: z.number().int().optional(),
        /** Messages after this ordinal, oldest first (a window that let newer pages go reads them back). */
        after: z.number().int().optional(),
        /** Messages from this turn's first one on (a link to a turn outside the loaded window). */
        fromTurn: z.string().optional(),
        limit: z.number().int().min(1).max(500).optional(),
      })
      .strict(),
    result: z.object({ messages: z.array(MessageSchema), hasOlder: z.boolean(), hasNewer: z.boolean() }),
  },
  'chats.queue.list': { args: z.object({ chatId: IdArg }).strict(), result: z.array(TurnSchema) },
  'chats.queue.promote': { args: z.object({ turnId: IdArg }).strict(), result: z.array(TurnSchema) },
  'chats.queue.remove': { args: z.object({ turnId: IdArg }).strict(), result: z.array(TurnSchema) },
  'chats.queue.clear': { args: z.object({ chatId: IdArg }).strict(), result: z.array(TurnSchema) },
  'terminals.create': {
    args: z
      .object({
        sessionId: IdArg,
        ...TerminalSizeSchema,
        /** The program to run; the user's login shell ($SHELL, else /bin/bash) by default. */
        shell: z.string().min(1).max(MAX_PATH_LENGTH).optional(),
        /** Where it starts; relative to the session's folder; the session's folder by default. */
        cwd: z.string().min(1).max(MAX_PATH_LENGTH).optional(),
        name: z.string().trim().min(1).max(120).optional(),
      })
      .strict(),
    result: TerminalSchema,
  },
  'terminals.list': { args: z.object({ sessionId: IdArg }).strict(), result: z.array(TerminalSchema) },
  /**
   * Starts following a terminal: the answer holds its screen up to an offset, and its output from
   * that offset on arrives as `terminal.output.appended`. `viewerId` names this view (one per
   * xterm) in acknowledgements. A view that falls behind holds the shell back (it is paused at
   * the pty), unless it gives `detachBeyond`: that far behind, the core detaches it instead
   * (`terminal.viewer.detached`).
   */
  'terminals.attach': {
    args: z.object({ terminalId: IdArg, viewerId: IdArg, detachBeyond: z.number().int().min(1).optional() }).strict(),
    result: TerminalAttachmentSchema,
  },
  /**
   * The terminal's visible screen (no scrollback), without following it: what a view shows while
   * it stands aside from a flood. With `quietMs`, the answer waits until the output has paused
   * that long, or `atMostMs` (default 100) has passed, or the shell ended.
   */
  'terminals.screen': {
    args: z
      .object({ terminalId: IdArg, quietMs: z.number().int().min(1).max(1000).optional(), atMostMs: z.number().int().min(0).max(5000).optional() })
      .strict(),
    result: TerminalAttachmentSchema,
  },
  'terminals.detach': { args: z.object({ terminalId: IdArg, viewerId: IdArg }).strict(), result: z.object({ detached: z.boolean() }) },
  /**
   * The view has parsed the output up to `offset`; the core pauses a terminal whose views fall
   * behind. The answer holds the stream's end, so a view that far behind can step aside.
   */
  'terminals.ack': {
    args: z.object({ terminalId: IdArg, viewerId: IdArg, offset: z.number().int().min(0) }).strict(),
    result: z.object({ acknowledged: z.boolean(), /** The stream's end when the acknowledgement arrived. */ end: z.number().int().min(0) }),
  },
  'terminals.input': { args: z.object({ terminalId: IdArg, data: z.string().min(1).max(1_000_000) }).strict(), result: z.object({ written: z.boolean() }) },
  'terminals.resize': { args: z.object({ terminalId: IdArg, ...TerminalSizeSchema }).strict(), result: z.object({ resized: z.boolean() }) },
  /** Ends the shell (its whole process group); the terminal stays, showing how it ended. */
  'terminals.kill': {
    args: z.object({ terminalId: IdArg, /** Kill even though a program runs in the foreground. */ confirm: z.boolean().optional() }).strict(),
    result: TerminalSchema,
  },
  /** Ends the shell if it runs and forgets the terminal (its tab is closing). */
  'terminals.close': {
    args: z.object({ terminalId: IdArg, /** Close even though a program runs in the foreground. */ confirm: z.boolean().optional() }).strict(),
    result: z.object({ closed: z.boolean() }),
  },
  'terminals.rename': {
    args: z.object({ terminalId: IdArg, /** Null goes back to the program's title. */ name: z.string().trim().min(1).max(120).nullable() }).strict(),
    result: TerminalSchema,
  },
  /** A new shell in the place of one that ended (a restored terminal, say), in the same folder, below its old screen. */
  'terminals.restart': { args: z.object({ terminalId: IdArg, ...TerminalSizeSchema }).strict(), result: TerminalSchema },
  'events.subscribe': {
    args: z
      .object({
        afterSeq: z.number().int().min(0),
        /** The epoch the client last saw; a different one means a restarted core. */
        epoch: z.string().max(64).optional(),
      })
      .strict(),
    result: SubscribeResultSchema,
  },
} as const;

export type CommandMap = typeof commands;
export type CommandName = keyof CommandMap;
export type CommandArgs<N extends CommandName> = z.input<CommandMap[N]['args']>;
export type CommandResult<N extends CommandName> = z.infer<CommandMap[N]['result']>;

export const commandNames = Object.keys(commands) as CommandName[];

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.hasOwn(commands, name);
}

/** Parses a command's arguments; the error names the first offending field. */
export function parseArgs<N extends CommandName>(name: N, args: unknown): Result<z.infer<CommandMap[N]['args']>> {
  const parsed = commands[name].args.safeParse(args ?? {});
  if (parsed.success) return ok(parsed.data as z.infer<CommandMap[N]['args']>);
  return fail('invalid-arguments', `${name}: ${describeIssues(parsed.error)}`);
}

function describeIssues(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid arguments';
  const where = issue.path.length > 0 ? issue.path.join('.') : 'arguments';
  return `${where}: ${issue.message}`;
}

// ---------------------------------------------------------------------------------------------
// The API every client sees (window.boo in Electron, the WebSocket client in a browser)

/**
 * What a subscriber receives after its replay: live events, transient ones (terminal output,
 * never replayed), or a request to re-read snapshots.
 */
export type SubscriptionMessage =
  | { readonly kind: 'event'; readonly event: AppEvent }
  | { readonly kind: 'transient'; readonly event: TransientEvent }
  | { readonly kind: 'resync'; readonly lastSeq: number };

/** An OS notification the window asks the desktop app to show; `id` comes back when it is clicked. */
export const DesktopNotificationSchema = z
  .object({
    id: z.string().min(1).max(200),
    title: z.string().min(1).max(200),
    body: z.string().max(2000),
  })
  .strict();
export type DesktopNotification = z.infer<typeof DesktopNotificationSchema>;

/** Abilities only the desktop app has; absent in a browser. */
export interface DesktopBridge {
  /** Shows the native folder picker; the chosen folder is opened as a project. Null when cancelled. */
  pickFolder(): Promise<Result<Project> | null>;
  /** The file-system path of a dropped file or folder (browsers never reveal it). */
  pathForFile(file: unknown): string;
  /** Called with a workspace command's id when the application menu runs it. */
  onMenuCommand(listener: (commandId: string) => void): () => void;
  /** Shows an OS notification (Electron's Notification, from the main process). */
  notify(notification: DesktopNotification): void;
  /** Called with a notification's id when the user clicks it (the window is focused first). */
  onNotificationClick(listener: (id: string) => void): () => void;
  /** The count on the dock or taskbar icon; 0 removes it. */
  setBadgeCount(count: number): void;
}

export interface BooApi {
  readonly desktop?: DesktopBridge;
  call<N extends CommandName>(name: N, args: CommandArgs<N>): Promise<Result<CommandResult<N>>>;
  /**
   * Replays what was missed after `afterSeq` (or asks for a resync), then delivers live messages
   * to `listener` until the returned function is called.
   */
  subscribe(
    position: { afterSeq: number; epoch?: string },
    listener: (message: SubscriptionMessage) => void,
  ): Promise<{ result: Result<SubscribeResult>; unsubscribe: () => void }>;
}
