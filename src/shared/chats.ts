// Sessions, chats, messages and turns as clients see them.
import { z } from 'zod';
import { ConfigOptionSchema, PlanEntrySchema, SessionOriginSchema, StopReasonSchema, ToolCallSnapshotSchema, UsageSchema } from './agents.ts';

const Timestamp = z.string();
const Id = z.string().min(1).max(64);

/** A line of work in a project: its own worktree (for git projects) and its chats. */
export const SessionSchema = z.object({
  id: Id,
  projectId: z.string(),
  name: z.string(),
  usesWorktree: z.boolean(),
  /** Where the session's agents work: its worktree, or the project folder itself. */
  cwd: z.string(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  archivedAt: Timestamp.nullable(),
});
export type Session = z.infer<typeof SessionSchema>;

export const ChatSchema = z.object({
  id: Id,
  sessionId: z.string(),
  title: z.string(),
  isTitleFromUser: z.boolean(),
  /** The agent the next turn goes to unless the send names another. */
  agentId: z.string(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  archivedAt: Timestamp.nullable(),
  /** The latest ended turn the user has seen (on screen, or dismissed from the inbox); null for none. */
  seenTurnId: z.string().nullable(),
});
export type Chat = z.infer<typeof ChatSchema>;

/** One piece of a message, in order. Text and reasoning grow while a turn streams. */
export const PartSchema = z.discriminatedUnion('kind', [
  z.object({ id: Id, messageId: z.string(), position: z.number().int(), kind: z.literal('text'), text: z.string() }),
  z.object({ id: Id, messageId: z.string(), position: z.number().int(), kind: z.literal('reasoning'), text: z.string() }),
  z.object({ id: Id, messageId: z.string(), position: z.number().int(), kind: z.literal('tool-call'), call: ToolCallSnapshotSchema }),
  z.object({ id: Id, messageId: z.string(), position: z.number().int(), kind: z.literal('plan'), entries: z.array(PlanEntrySchema) }),
  z.object({
    id: Id,
    messageId: z.string(),
    position: z.number().int(),
    kind: z.literal('notice'),
    level: z.enum(['info', 'warning', 'error']),
    message: z.string(),
  }),
]);
export type Part = z.infer<typeof PartSchema>;
export type PartKind = Part['kind'];

export const MessageSchema = z.object({
  id: Id,
  chatId: z.string(),
  turnId: z.string().nullable(),
  role: z.enum(['user', 'assistant']),
  /** Position of the message in its chat; history pages are cut by it. */
  ordinal: z.number().int(),
  agentId: z.string().nullable(),
  createdAt: Timestamp,
  parts: z.array(PartSchema),
});
export type Message = z.infer<typeof MessageSchema>;

/**
 * A turn's life: `queued` behind a running turn, `running`, then exactly one terminal state.
 * `interrupted` means BooCode itself stopped while the turn ran (a crash or a kill): its
 * partial output is kept and it can be retried.
 */
export const TurnStateSchema = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted']);
export type TurnState = z.infer<typeof TurnStateSchema>;
export const terminalTurnStates: readonly TurnState[] = ['completed', 'failed', 'cancelled', 'interrupted'];

export const TurnSchema = z.object({
  id: Id,
  chatId: z.string(),
  agentId: z.string(),
  state: TurnStateSchema,
  prompt: z.string(),
  mode: z.string().nullable(),
  model: z.string().nullable(),
  /** Order among the chat's queued turns; null once it left the queue. */
  queuePosition: z.number().int().nullable(),
  origin: SessionOriginSchema.nullable(),
  stopReason: StopReasonSchema.nullable(),
  error: z.object({ kind: z.string(), message: z.string() }).nullable(),
  usage: UsageSchema.nullable(),
  userMessageId: z.string().nullable(),
  assistantMessageId: z.string().nullable(),
  retryOf: z.string().nullable(),
  createdAt: Timestamp,
  startedAt: Timestamp.nullable(),
  endedAt: Timestamp.nullable(),
  heartbeatAt: Timestamp.nullable(),
  /** Files and images sent with the prompt. */
  attachments: z.array(z.lazy(() => AttachmentSchema)).default([]),
});
export type Turn = z.infer<typeof TurnSchema>;

/**
 * An agent in a chat: what its next turn will do (continue a live process, resume a saved session,
 * or start afresh, and why), what it offers (modes, settings such as the model, slash commands,
 * images) as it last said, what the chat chose for it, and what it has used.
 */
export const AgentContinuitySchema = z.object({
  agentId: z.string(),
  next: z.enum(['warm', 'resume', 'fresh']),
  /** Why the next turn starts fresh, for people. */
  freshReason: z.string().nullable().default(null),
  sessionId: z.string().nullable(),
  modes: z.array(z.object({ id: z.string(), name: z.string() })).default([]),
  currentModeId: z.string().nullable().default(null),
  configOptions: z.array(ConfigOptionSchema).default([]),
  commands: z.array(z.object({ name: z.string(), description: z.string() })).default([]),
  canTakeImages: z.boolean().default(false),
  /** What the chat chose for the agent's next turns (sent with each turn). */
  preferredMode: z.string().nullable().default(null),
  preferredModel: z.string().nullable().default(null),
  inputTokens: z.number(),
  outputTokens: z.number(),
  cost: z.number(),
  costCurrency: z.string().nullable(),
});
export type AgentContinuity = z.infer<typeof AgentContinuitySchema>;

/** A chat as a client opens it: the newest page of messages, live turn included, and where the stream stands. */
export const ChatViewSchema = z.object({
  chat: ChatSchema,
  session: SessionSchema,
  messages: z.array(MessageSchema),
  hasOlder: z.boolean(),
  /** The running turn, if any; its assistant message in `messages` holds the parts streamed so far. */
  running: TurnSchema.nullable(),
  queue: z.array(TurnSchema),
  /** The latest turns (newest last), enough to show their states. */
  recentTurns: z.array(TurnSchema),
  agents: z.array(AgentContinuitySchema),
  /** The composer's unsent text, as last saved. */
  draft: z.string().default(''),
  /** Every event up to this seq is reflected here; follow live from it. */
  seq: z.number().int(),
  epoch: z.string(),
});
export type ChatView = z.infer<typeof ChatViewSchema>;

export const WhenBusySchema = z.enum(['queue', 'interrupt']);

/** What a prompt carries beside its text: files of the workspace (by path) and pasted images. */
export const AttachmentSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('file'), path: z.string().min(1).max(4096) }),
  z.object({ kind: z.literal('image'), mimeType: z.string().regex(/^image\/[\w.+-]+$/), data: z.string().max(20_000_000) }),
]);
export type Attachment = z.infer<typeof AttachmentSchema>;
