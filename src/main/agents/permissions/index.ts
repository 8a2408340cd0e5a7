// The permission broker: an agent's "may I?" becomes a prompt every client sees, and whoever
// settles it first (the user's answer, a cancelled turn, a dead agent, the timeout) decides the
// one outcome the agent gets. Every request is audited with its outcome. For an agent that
// refuses its own "always" options (gemini in an untrusted folder), an "always" answer reaches
// the agent as the matching once-option and the broker remembers the rule itself for the rest
// of that agent session, answering later identical requests without asking.
import { randomUUID } from 'node:crypto';
import { fail, ok, type Result } from '../../../shared/contract.ts';
import type { PermissionOption, PermissionOutcome, PermissionRequest, ToolCallSnapshot } from '../../../shared/agents.ts';
import type { UnitOfWork } from '../../store/index.ts';
import type { Store } from '../../store/index.ts';

/** What an agent asks, before it gets an id. */
export interface PermissionAsk {
  readonly chatId: string;
  readonly agentId: string;
  readonly title: string;
  readonly toolCall: ToolCallSnapshot | null;
  readonly options: readonly PermissionOption[];
  /** The agent session asking; an "always" the broker remembers lasts as long as it. */
  readonly sessionId?: string;
  /** The agent refuses its own "always" options: send the once-option and remember the rule here. */
  readonly isAlwaysRefused?: boolean;
}

/** The outcome for the agent, and a sentence for the chat when the broker answered differently than asked. */
export type PermissionDecision = PermissionOutcome & { readonly notice?: string };

export type PermissionCancelReason = 'turn-cancelled' | 'agent-exited' | 'user';

export interface PermissionBroker {
  /**
   * Resolves when the user answers, the signal aborts (→ cancelled 'turn-cancelled'), cancelWhere() matches, or the timeout passes
   * (→ cancelled 'timeout'); at once when a rule remembered for the agent session answers it.
   */
  request(input: PermissionAsk, signal?: AbortSignal): Promise<PermissionDecision>;
  /** `optionId` omitted = the user dismissed it. A settled or unknown id is 'not-found'; an option not offered is 'invalid-arguments'. */
  /** `message` travels with the choice to agents that take feedback (opencode, on a reject). */
  answer(requestId: string, optionId?: string, message?: string): Result<{ answered: boolean }>;
  /** Pending requests, oldest first. */
  list(): PermissionRequest[];
  /** Cancels the pending requests matching every given field (an empty filter matches all); returns how many. */
  cancelWhere(filter: { chatId?: string; agentId?: string }, reason: PermissionCancelReason): number;
  /** Cancels everything pending as 'agent-exited'; later requests are cancelled at once. */
  dispose(): void;
}

interface Pending {
  readonly request: PermissionRequest;
  readonly ask: PermissionAsk;
  readonly resolve: (decision: PermissionDecision) => void;
  readonly cleanup: () => void;
}

type Polarity = 'allow' | 'reject';

export function createPermissionBroker(deps: { store: Store; unitOfWork: UnitOfWork; timeoutMs: () => number }): PermissionBroker {
  const { db } = deps.store;
  const insertAudit = db.prepare(
    `INSERT INTO permission_audit (id, chat_id, agent_id, title, tool_call, options, requested_at)
     VALUES (@id, @chat_id, @agent_id, @title, @tool_call, @options, @requested_at)`,
  );
  const resolveAudit = db.prepare<{ id: string; outcome: string; resolved_at: string }>(
    'UPDATE permission_audit SET outcome = @outcome, resolved_at = @resolved_at WHERE id = @id AND outcome IS NULL',
  );
  // Insertion order is request order, so list() needs no sort.
  const pending = new Map<string, Pending>();
  // "Always" answers the broker keeps for agents that refuse them, per agent session and request.
  const rules = new Map<string, Polarity>();
  let isDisposed = false;

  return { request, answer, list, cancelWhere, dispose };

  function request(input: PermissionAsk, signal?: AbortSignal): Promise<PermissionDecision> {
    if (isDisposed) return Promise.resolve({ outcome: 'cancelled', reason: 'agent-exited' });
    const remembered = rememberedAnswer(input);
    if (remembered) return Promise.resolve(remembered);
    const permissionRequest: PermissionRequest = {
      id: randomUUID(),
      chatId: input.chatId,
      agentId: input.agentId,
      title: input.title,
      toolCall: input.toolCall,
      options: input.options.map((option) => ({ ...option })),
      requestedAt: new Date().toISOString(),
    };
    const id = permissionRequest.id;
    let resolveOutcome: (decision: PermissionDecision) => void = () => {};
    const outcome = new Promise<PermissionDecision>((resolvePromise) => {
      resolveOutcome = resolvePromise;
    });
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => settle(id, { outcome: 'cancelled', reason: 'turn-cancelled' });
    // Registered before the event goes out: a listener may answer synchronously (a remembered
    // rule, a test), and that answer must find the request.
    pending.set(id, {
      request: permissionRequest,
      ask: input,
      resolve: resolveOutcome,
      cleanup: () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      },
    });
    try {
      deps.unitOfWork.run(() => {
        insertAudit.run({
          id,
          chat_id: input.chatId,
          agent_id: input.agentId,
          title: input.title,
          tool_call: input.toolCall === null ? null : JSON.stringify(input.toolCall),
          options: JSON.stringify(permissionRequest.options),
          requested_at: permissionRequest.requestedAt,
        });
        return { value: undefined, events: [{ type: 'agent.permission.requested' as const, request: permissionRequest }] };
      });
    } catch (error) {
      pending.delete(id);
      throw error;
    }
    if (!pending.has(id)) return outcome; // answered by a listener already
    if (signal?.aborted) {
      onAbort();
      return outcome;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    const timeoutMs = deps.timeoutMs();
    if (timeoutMs > 0) {
      timer = setTimeout(() => settle(id, { outcome: 'cancelled', reason: 'timeout' }), timeoutMs);
      // A prompt nobody answers is no reason to keep the process alive.
      timer.unref();
    }
    return outcome;
  }

  function answer(requestId: string, optionId?: string, message?: string): Result<{ answered: boolean }> {
    const entry = pending.get(requestId);
    if (!entry) return fail('not-found', `No pending permission request ${requestId}; it was already answered or cancelled.`);
    if (optionId === undefined) {
      settle(requestId, { outcome: 'cancelled', reason: 'user' });
      return ok({ answered: true });
    }
    const chosen = entry.request.options.find((option) => option.optionId === optionId);
    if (!chosen) return fail('invalid-arguments', `Option ${optionId} was not offered for permission request ${requestId}.`);
    const translated = onceInsteadOfAlways(entry.ask, chosen);
    const sent = translated?.once ?? chosen;
    const outcome: PermissionOutcome = message === undefined ? { outcome: 'selected', optionId: sent.optionId } : { outcome: 'selected', optionId: sent.optionId, message };
    if (translated) rules.set(ruleKey(entry.ask), translated.polarity);
    settle(
      requestId,
      outcome,
      translated
        ? `${entry.ask.agentId} refuses "${chosen.name}" here, so BooCode answered "${sent.name}" and will answer "${entry.ask.title}" the same way for the rest of this agent session.`
        : undefined,
    );
    return ok({ answered: true });
  }

  /** The once-option to send instead of an "always" the agent would refuse; undefined when none is needed. */
  function onceInsteadOfAlways(ask: PermissionAsk, chosen: PermissionOption): { once: PermissionOption; polarity: Polarity } | undefined {
    if (!ask.isAlwaysRefused || ask.sessionId === undefined) return undefined;
    const polarity = alwaysPolarity(chosen.kind);
    if (!polarity) return undefined;
    const once = ask.options.find((option) => option.kind === `${polarity}_once`);
    return once ? { once, polarity } : undefined;
  }

  /** A rule kept for this agent session answers the request at once; audited, never shown. */
  function rememberedAnswer(input: PermissionAsk): PermissionDecision | undefined {
    if (!input.isAlwaysRefused || input.sessionId === undefined) return undefined;
    const polarity = rules.get(ruleKey(input));
    const once = polarity && input.options.find((option) => option.kind === `${polarity}_once`);
    if (!once) return undefined;
    const outcome: PermissionOutcome = { outcome: 'selected', optionId: once.optionId };
    const now = new Date().toISOString();
    deps.unitOfWork.run(() => {
      const id = randomUUID();
      insertAudit.run({
        id,
        chat_id: input.chatId,
        agent_id: input.agentId,
        title: input.title,
        tool_call: input.toolCall === null ? null : JSON.stringify(input.toolCall),
        options: JSON.stringify(input.options),
        requested_at: now,
      });
      resolveAudit.run({ id, outcome: JSON.stringify(outcome), resolved_at: now });
      return { value: undefined, events: [] };
    });
    return { ...outcome, notice: `BooCode answered "${input.title}" with "${once.name}", as you chose "always" earlier in this agent session.` };
  }

  function list(): PermissionRequest[] {
    return [...pending.values()].map((entry) => entry.request);
  }

  function cancelWhere(filter: { chatId?: string; agentId?: string }, reason: PermissionCancelReason): number {
    const matching = [...pending.values()]
      .map((entry) => entry.request)
      .filter((each) => (filter.chatId === undefined || each.chatId === filter.chatId) && (filter.agentId === undefined || each.agentId === filter.agentId));
    let cancelled = 0;
    for (const each of matching) {
      if (settle(each.id, { outcome: 'cancelled', reason })) cancelled += 1;
    }
    return cancelled;
  }

  function dispose(): void {
    isDisposed = true;
    rules.clear();
    cancelWhere({}, 'agent-exited');
  }

  /**
   * The one place a request ends. Taking it out of `pending` first makes every later settle a
   * no-op, so a racing answer, abort and timeout yield exactly one outcome. The agent gets its
   * outcome even if the audit write throws: an agent left waiting would hang its turn.
   */
  function settle(id: string, outcome: PermissionOutcome, notice?: string): boolean {
    const entry = pending.get(id);
    if (!entry) return false;
    pending.delete(id);
    entry.cleanup();
    try {
      deps.unitOfWork.run(() => {
        resolveAudit.run({ id, outcome: JSON.stringify(outcome), resolved_at: new Date().toISOString() });
        return { value: undefined, events: [{ type: 'agent.permission.resolved' as const, requestId: id, outcome }] };
      });
    } finally {
      entry.resolve(notice === undefined ? outcome : { ...outcome, notice });
    }
    return true;
  }
}

function alwaysPolarity(kind: PermissionOption['kind']): Polarity | undefined {
  switch (kind) {
    case 'allow_always':
      return 'allow';
    case 'reject_always':
      return 'reject';
    case 'allow_once':
    case 'reject_once':
      return undefined;
    default:
      return assertNever(kind);
  }
}

/** Identical requests: same agent session, same tool kind and the same title (which names the path or command). */
function ruleKey(ask: PermissionAsk): string {
  return JSON.stringify([ask.chatId, ask.agentId, ask.sessionId ?? null, ask.toolCall?.kind ?? null, ask.title]);
}

function assertNever(value: never): never {
  throw new Error(`unexpected permission option kind ${JSON.stringify(value)}`);
}
