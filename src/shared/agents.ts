// Agents as every layer sees them: the catalog entry, the supervised process, the normalized
// events a turn produces (whatever protocol the agent speaks), and permission prompts.
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Catalog

export const AgentIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lowercase letters, digits, ".", "_" or "-", starting with a letter or digit');
export type AgentId = z.infer<typeof AgentIdSchema>;

const EnvNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');
const NoNul = (label: string) => z.string().refine((value) => !value.includes('\0'), `${label} must not contain NUL bytes`);

/** A user-defined ACP agent, as stored in settings. */
export const CustomAgentSchema = z
  .object({
    id: AgentIdSchema,
    name: z.string().trim().min(1, 'a name is required').max(80),
    command: NoNul('the command').pipe(z.string().trim().min(1, 'a command is required').max(4096)),
    args: z.array(NoNul('an argument').pipe(z.string().max(4096))).max(64).default([]),
    env: z.record(EnvNameSchema, NoNul('an environment value').pipe(z.string().max(32_768))).default({}),
  })
  .strict();
export type CustomAgent = z.infer<typeof CustomAgentSchema>;

/**
 * An id from a name, as `boocode agents add` and the agents screen make one: accents dropped,
 * lowercase, every run of other characters a single "-", no leading or trailing "-", at most
 * 64 characters (AgentIdSchema's limit). Empty when the name has no letter or digit.
 */
export function agentIdFromName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}

/** `KEY=VALUE` assignments (the CLI's --env, the agents screen's lines) as a record, or the first malformed one. */
export function parseEnvAssignments(pairs: readonly string[]): { ok: true; env: Record<string, string> } | { ok: false; malformed: string } {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const separator = pair.indexOf('=');
    if (separator <= 0) return { ok: false, malformed: pair };
    env[pair.slice(0, separator)] = pair.slice(separator + 1);
  }
  return { ok: true, env };
}

export const AgentSourceSchema = z.enum(['builtin', 'custom']);

/** One agent the user can pick, with where it was found (or how to install it). */
export const AgentDescriptorSchema = z.object({
  id: AgentIdSchema,
  name: z.string(),
  protocol: z.enum(['acp', 'opencode-server']),
  source: AgentSourceSchema,
  command: z.string(),
  args: z.array(z.string()),
  /** Absolute path of the executable found, or null when not installed. */
  resolvedPath: z.string().nullable(),
  /** Version as the agent reports it, or null when not installed or it would not say. */
  version: z.string().nullable(),
  installHint: z.string().nullable(),
});
export type AgentDescriptor = z.infer<typeof AgentDescriptorSchema>;

// ---------------------------------------------------------------------------------------------
// Supervised processes

/**
 * Where a warm agent process is in its life. `starting` until the handshake (initialize and
 * session/new) answers; `busy` during a turn; `idle` between turns; `crashed` when it exited on
 * its own; `failed` when it crashed too often (until the user resets it); `stopped` when we
 * stopped it.
 */
export const ProcessStateSchema = z.enum(['starting', 'ready', 'busy', 'idle', 'crashed', 'failed', 'stopped']);
export type ProcessState = z.infer<typeof ProcessStateSchema>;

export const AgentProcessInfoSchema = z.object({
  chatId: z.string(),
  agentId: z.string(),
  pid: z.number().int().nullable(),
  state: ProcessStateSchema,
  /** When the process entered `state`. */
  since: z.string(),
  /** Resident memory of the whole process group in bytes, when known. */
  rssBytes: z.number().int().nullable(),
  /** Exit code or signal of the last exit, and the tail of stderr, for crashed/failed. */
  exit: z
    .object({ code: z.number().int().nullable(), signal: z.string().nullable(), stderrTail: z.string() })
    .nullable(),
});
export type AgentProcessInfo = z.infer<typeof AgentProcessInfoSchema>;

// ---------------------------------------------------------------------------------------------
// Normalized turn events

export const ToolCallStatusSchema = z.enum(['pending', 'in_progress', 'completed', 'failed']);

export const ToolCallContentSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({ type: z.literal('diff'), path: z.string(), oldText: z.string().nullable(), newText: z.string() }),
  z.object({ type: z.literal('terminal'), terminalId: z.string() }),
]);

/** A tool call as last known: ACP sends a `tool_call` then partial `tool_call_update`s; this is their merge. */
export const ToolCallSnapshotSchema = z.object({
  id: z.string(),
  title: z.string(),
  kind: z.string(),
  status: ToolCallStatusSchema,
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  content: z.array(ToolCallContentSchema),
  locations: z.array(z.object({ path: z.string(), line: z.number().int().nullable() })),
});
export type ToolCallSnapshot = z.infer<typeof ToolCallSnapshotSchema>;

export const PlanEntrySchema = z.object({
  content: z.string(),
  priority: z.string(),
  status: z.string(),
});

export const ConfigOptionSchema = z.object({
  id: z.string(),
  name: z.string(),
  category: z.string().nullable(),
  currentValue: z.string(),
  options: z.array(z.object({ value: z.string(), name: z.string() })),
});
export type ConfigOption = z.infer<typeof ConfigOptionSchema>;

export const UsageSchema = z.object({
  inputTokens: z.number().nullable(),
  outputTokens: z.number().nullable(),
  /** Context window used and size, when the agent reports them. */
  contextUsed: z.number().nullable(),
  contextSize: z.number().nullable(),
  costAmount: z.number().nullable(),
  costCurrency: z.string().nullable(),
});
export type Usage = z.infer<typeof UsageSchema>;

/** Everything an agent can tell during a turn, the same for every protocol. */
export const AgentEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text'), delta: z.string() }),
  z.object({ kind: z.literal('reasoning'), delta: z.string() }),
  z.object({ kind: z.literal('tool-call'), call: ToolCallSnapshotSchema }),
  z.object({ kind: z.literal('plan'), entries: z.array(PlanEntrySchema) }),
  z.object({
    kind: z.literal('commands'),
    commands: z.array(z.object({ name: z.string(), description: z.string(), hint: z.string().nullable() })),
  }),
  z.object({ kind: z.literal('mode'), modeId: z.string(), available: z.array(z.object({ id: z.string(), name: z.string() })).nullable() }),
  z.object({ kind: z.literal('config-options'), options: z.array(ConfigOptionSchema) }),
  z.object({ kind: z.literal('session-info'), title: z.string().nullable() }),
  z.object({ kind: z.literal('usage'), usage: UsageSchema }),
  /** What the agent's prompts may carry, learnt when its session opened. */
  z.object({ kind: z.literal('capabilities'), canTakeImages: z.boolean() }),
  z.object({ kind: z.literal('notice'), level: z.enum(['info', 'warning', 'error']), message: z.string() }),
]);
export type AgentEvent = z.infer<typeof AgentEventSchema>;

/** How the agent session behind a turn came to be. */
export const SessionOriginSchema = z.enum(['warm', 'resumed', 'loaded', 'new']);
export type SessionOrigin = z.infer<typeof SessionOriginSchema>;

export const StopReasonSchema = z.enum(['end_turn', 'max_tokens', 'max_turn_requests', 'refusal', 'cancelled']);
export type StopReason = z.infer<typeof StopReasonSchema>;

// ---------------------------------------------------------------------------------------------
// Permissions

export const PermissionOptionSchema = z.object({
  optionId: z.string(),
  name: z.string(),
  kind: z.enum(['allow_once', 'allow_always', 'reject_once', 'reject_always']),
});
export type PermissionOption = z.infer<typeof PermissionOptionSchema>;

/** A question an agent asks the user before it acts. */
export const PermissionRequestSchema = z.object({
  id: z.string(),
  chatId: z.string(),
  agentId: z.string(),
  title: z.string(),
  toolCall: ToolCallSnapshotSchema.nullable(),
  options: z.array(PermissionOptionSchema),
  requestedAt: z.string(),
});
export type PermissionRequest = z.infer<typeof PermissionRequestSchema>;

/** The answer: one of the offered options, or the prompt was dismissed (cancelled turn, dead agent, timeout). */
export const PermissionOutcomeSchema = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('selected'), optionId: z.string(), /** Feedback for the agent, e.g. why an edit was rejected. */ message: z.string().optional() }),
  z.object({ outcome: z.literal('cancelled'), reason: z.enum(['user', 'turn-cancelled', 'agent-exited', 'timeout']) }),
]);
export type PermissionOutcome = z.infer<typeof PermissionOutcomeSchema>;
