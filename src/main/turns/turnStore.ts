// SQL for turns, messages and parts. Statements are prepared once; callers wrap writes in the
// unit of work so that events follow commits.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AttachmentSchema, type Attachment } from '../../shared/chats.ts';
import type { Usage } from '../../shared/agents.ts';
import type { Message, Part, Turn, TurnState } from '../../shared/chats.ts';
import type { BooError } from '../../shared/contract.ts';
import type { Store } from '../store/index.ts';

interface TurnRow {
  id: string;
  chat_id: string;
  agent_id: string;
  state: TurnState;
  prompt: string;
  mode: string | null;
  model: string | null;
  queue_position: number | null;
  origin: Turn['origin'];
  stop_reason: Turn['stopReason'];
  error_kind: string | null;
  error_message: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost: number | null;
  cost_currency: string | null;
  user_message_id: string | null;
  assistant_message_id: string | null;
  retry_of: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  heartbeat_at: string | null;
  attachments: string | null;
}

interface MessageRow {
  id: string;
  chat_id: string;
  turn_id: string | null;
  role: 'user' | 'assistant';
  ordinal: number;
  agent_id: string | null;
  created_at: string;
}

interface PartRow {
  id: string;
  message_id: string;
  position: number;
  kind: Part['kind'];
  body: string;
}

export interface NewTurn {
  readonly chatId: string;
  readonly agentId: string;
  readonly prompt: string;
  readonly mode: string | null;
  readonly model: string | null;
  readonly state: 'queued' | 'running';
  readonly queuePosition: number | null;
  readonly retryOf: string | null;
  readonly attachments?: readonly Attachment[];
}

export interface TurnEnd {
  readonly state: Exclude<TurnState, 'queued' | 'running'>;
  readonly stopReason: Turn['stopReason'];
  readonly origin: Turn['origin'];
  /** Typed, so the turn runner's switch over the kind is checked for every kind there is. */
  readonly error: BooError | null;
  readonly usage: Usage | null;
  /** When it ended, if not now (a turn found interrupted ended at its last heartbeat). */
  readonly endedAt?: string;
}

export type TurnStore = ReturnType<typeof createTurnStore>;

export function createTurnStore(store: Store) {
  const { db } = store;
  const statements = {
    insertTurn: db.prepare(
      `INSERT INTO turns (id, chat_id, agent_id, state, prompt, mode, model, queue_position, retry_of, created_at, started_at, heartbeat_at, attachments)
       VALUES (@id, @chatId, @agentId, @state, @prompt, @mode, @model, @queuePosition, @retryOf, @now, @startedAt, @startedAt, @attachments)`,
    ),
    turn: db.prepare<[string], TurnRow>('SELECT * FROM turns WHERE id = ?'),
    runningOfChat: db.prepare<[string], TurnRow>("SELECT * FROM turns WHERE chat_id = ? AND state = 'running'"),
    queueOfChat: db.prepare<[string], TurnRow>("SELECT * FROM turns WHERE chat_id = ? AND state = 'queued' ORDER BY queue_position, created_at"),
    recentOfChat: db.prepare<[string, number], TurnRow>('SELECT * FROM (SELECT rowid AS r, * FROM turns WHERE chat_id = ? ORDER BY rowid DESC LIMIT ?) ORDER BY r'),
    numberInChat: db.prepare<[{ id: string }], { number: number }>(
      'SELECT COUNT(*) AS number FROM turns WHERE chat_id = (SELECT chat_id FROM turns WHERE id = @id) AND rowid <= (SELECT rowid FROM turns WHERE id = @id)',
    ),
    lastEndedOfChat: db.prepare<[string], TurnRow>("SELECT * FROM turns WHERE chat_id = ? AND state NOT IN ('queued', 'running') ORDER BY rowid DESC LIMIT 1"),
    allRunning: db.prepare<[], TurnRow & { owner: string | null }>("SELECT * FROM turns WHERE state = 'running'"),
    chatsWithQueue: db.prepare<[], { chat_id: string }>("SELECT DISTINCT chat_id FROM turns WHERE state = 'queued'"),
    maxQueuePosition: db.prepare<[string], { position: number | null }>("SELECT MAX(queue_position) AS position FROM turns WHERE chat_id = ? AND state = 'queued'"),
    minQueuePosition: db.prepare<[string], { position: number | null }>("SELECT MIN(queue_position) AS position FROM turns WHERE chat_id = ? AND state = 'queued'"),
    setQueuePosition: db.prepare<[number, string]>('UPDATE turns SET queue_position = ? WHERE id = ?'),
    start: db.prepare<[string, string, string | null, string, string]>(
      "UPDATE turns SET state = 'running', queue_position = NULL, started_at = ?, heartbeat_at = ?, owner = ? WHERE id = ? AND state = ?",
    ),
    attachMessages: db.prepare<[string | null, string | null, string]>('UPDATE turns SET user_message_id = COALESCE(?, user_message_id), assistant_message_id = COALESCE(?, assistant_message_id) WHERE id = ?'),
    heartbeat: db.prepare<[string, string]>("UPDATE turns SET heartbeat_at = ? WHERE id = ? AND state = 'running'"),
    end: db.prepare(
      `UPDATE turns SET state = @state, stop_reason = @stopReason, origin = COALESCE(@origin, origin), error_kind = @errorKind,
         error_message = @errorMessage, input_tokens = @inputTokens, output_tokens = @outputTokens, cost = @cost,
         cost_currency = @costCurrency, ended_at = @now, queue_position = NULL
       WHERE id = @id AND state IN ('queued', 'running')`,
    ),
    deleteQueued: db.prepare<[string]>("DELETE FROM turns WHERE id = ? AND state = 'queued'"),
    insertMessage: db.prepare(
      `INSERT INTO messages (id, chat_id, turn_id, role, ordinal, agent_id, created_at)
       VALUES (@id, @chatId, @turnId, @role, (SELECT COALESCE(MAX(ordinal), 0) + 1 FROM messages WHERE chat_id = @chatId), @agentId, @now)`,
    ),
    message: db.prepare<[string], MessageRow>('SELECT * FROM messages WHERE id = ?'),
    deleteMessage: db.prepare<[string]>('DELETE FROM messages WHERE id = ?'),
    page: db.prepare<[string, number, number], MessageRow>(
      'SELECT * FROM (SELECT * FROM messages WHERE chat_id = ? AND ordinal < ? ORDER BY ordinal DESC LIMIT ?) ORDER BY ordinal',
    ),
    hasBefore: db.prepare<[string, number], { found: number }>('SELECT EXISTS(SELECT 1 FROM messages WHERE chat_id = ? AND ordinal < ?) AS found'),
    pageAfter: db.prepare<[string, number, number], MessageRow>('SELECT * FROM messages WHERE chat_id = ? AND ordinal > ? ORDER BY ordinal LIMIT ?'),
    firstOrdinalOfTurn: db.prepare<[string, string], { ordinal: number | null }>('SELECT MIN(ordinal) AS ordinal FROM messages WHERE chat_id = ? AND turn_id = ?'),
    hasAfter: db.prepare<[string, number], { found: number }>('SELECT EXISTS(SELECT 1 FROM messages WHERE chat_id = ? AND ordinal > ?) AS found'),
    partsOf: db.prepare<[string], PartRow>('SELECT id, message_id, position, kind, body FROM parts WHERE message_id = ? ORDER BY position'),
    insertPart: db.prepare(
      'INSERT INTO parts (id, message_id, position, kind, body, updated_at) VALUES (@id, @messageId, @position, @kind, @body, @now)',
    ),
    updatePartBody: db.prepare<[string, string, string]>('UPDATE parts SET body = ?, updated_at = ? WHERE id = ?'),
  };

  function toTurn(row: TurnRow): Turn {
    const hasUsage = row.input_tokens !== null || row.output_tokens !== null || row.cost !== null;
    return {
      id: row.id,
      chatId: row.chat_id,
      agentId: row.agent_id,
      state: row.state,
      prompt: row.prompt,
      mode: row.mode,
      model: row.model,
      queuePosition: row.queue_position,
      origin: row.origin,
      stopReason: row.stop_reason,
      error: row.error_kind ? { kind: row.error_kind, message: row.error_message ?? '' } : null,
      usage: hasUsage
        ? { inputTokens: row.input_tokens, outputTokens: row.output_tokens, contextUsed: null, contextSize: null, costAmount: row.cost, costCurrency: row.cost_currency }
        : null,
      userMessageId: row.user_message_id,
      assistantMessageId: row.assistant_message_id,
      retryOf: row.retry_of,
      createdAt: row.created_at,
      startedAt: row.started_at,
      endedAt: row.ended_at,
      heartbeatAt: row.heartbeat_at,
      attachments: parseAttachments(row.attachments),
    };
  }

  function toPart(row: PartRow): Part {
    const base = { id: row.id, messageId: row.message_id, position: row.position };
    switch (row.kind) {
      case 'text':
      case 'reasoning':
        return { ...base, kind: row.kind, text: row.body };
      case 'tool-call':
        return { ...base, kind: 'tool-call', call: JSON.parse(row.body) as Extract<Part, { kind: 'tool-call' }>['call'] };
      case 'plan':
        return { ...base, kind: 'plan', entries: JSON.parse(row.body) as Extract<Part, { kind: 'plan' }>['entries'] };
      case 'notice': {
        const notice = JSON.parse(row.body) as { level: 'info' | 'warning' | 'error'; message: string };
        return { ...base, kind: 'notice', level: notice.level, message: notice.message };
      }
    }
  }

  function toMessage(row: MessageRow): Message {
    return {
      id: row.id,
      chatId: row.chat_id,
      turnId: row.turn_id,
      role: row.role,
      ordinal: row.ordinal,
      agentId: row.agent_id,
      createdAt: row.created_at,
      parts: statements.partsOf.all(row.id).map(toPart),
    };
  }

  return {
    insertTurn(turn: NewTurn): Turn {
      const id = randomUUID();
      const now = new Date().toISOString();
      const attachments = turn.attachments && turn.attachments.length > 0 ? JSON.stringify(turn.attachments) : null;
      statements.insertTurn.run({ ...turn, attachments, id, now, startedAt: turn.state === 'running' ? now : null });
      return toTurn(statements.turn.get(id) as TurnRow);
    },
    turn(id: string): Turn | undefined {
      const row = statements.turn.get(id);
      return row ? toTurn(row) : undefined;
    },
    running(chatId: string): Turn | undefined {
      const row = statements.runningOfChat.get(chatId);
      return row ? toTurn(row) : undefined;
    },
    queue: (chatId: string): Turn[] => statements.queueOfChat.all(chatId).map(toTurn),
    /** The turn's place in its chat: 1 for the chat's first turn. */
    numberInChat: (turnId: string): number => statements.numberInChat.get({ id: turnId })?.number ?? 0,
    lastEnded(chatId: string): Turn | undefined {
      const row = statements.lastEndedOfChat.get(chatId);
      return row ? toTurn(row) : undefined;
    },
    recent: (chatId: string, limit: number): Turn[] => statements.recentOfChat.all(chatId, limit).map(toTurn),
    /** Every running turn with the identity of the core that runs it (null: an older BooCode). */
    allRunning: (): { turn: Turn; owner: string | null }[] => statements.allRunning.all().map((row) => ({ turn: toTurn(row), owner: row.owner })),
    chatsWithQueue: (): string[] => statements.chatsWithQueue.all().map((row) => row.chat_id),
    nextQueuePosition: (chatId: string): number => (statements.maxQueuePosition.get(chatId)?.position ?? 0) + 1,
    frontQueuePosition: (chatId: string): number => (statements.minQueuePosition.get(chatId)?.position ?? 1) - 1,
    setQueuePosition: (turnId: string, position: number) => statements.setQueuePosition.run(position, turnId),
    /** Moves a queued (or new) turn to running; false when it was no longer queued. */
    start(turnId: string, fromState: 'queued' | 'running', owner: string | null): boolean {
      const now = new Date().toISOString();
      return statements.start.run(now, now, owner, turnId, fromState).changes === 1;
    },
    attachMessages: (turnId: string, userMessageId: string | null, assistantMessageId: string | null) =>
      statements.attachMessages.run(userMessageId, assistantMessageId, turnId),
    heartbeat: (turnId: string) => statements.heartbeat.run(new Date().toISOString(), turnId),
    /** Writes the terminal state; false when the turn had already ended (exactly one end per turn). */
    end(turnId: string, end: TurnEnd): boolean {
      return (
        statements.end.run({
          id: turnId,
          state: end.state,
          stopReason: end.stopReason,
          origin: end.origin,
          errorKind: end.error?.kind ?? null,
          errorMessage: end.error?.message ?? null,
          inputTokens: end.usage?.inputTokens ?? null,
          outputTokens: end.usage?.outputTokens ?? null,
          cost: end.usage?.costAmount ?? null,
          costCurrency: end.usage?.costCurrency ?? null,
          now: end.endedAt ?? new Date().toISOString(),
        }).changes === 1
      );
    },
    deleteQueued: (turnId: string): boolean => statements.deleteQueued.run(turnId).changes === 1,
    insertMessage(message: { chatId: string; turnId: string | null; role: 'user' | 'assistant'; agentId: string | null }): Message {
      const id = randomUUID();
      statements.insertMessage.run({ ...message, id, now: new Date().toISOString() });
      return toMessage(statements.message.get(id) as MessageRow);
    },
    message(id: string): Message | undefined {
      const row = statements.message.get(id);
      return row ? toMessage(row) : undefined;
    },
    deleteMessage: (id: string) => statements.deleteMessage.run(id),
    /** The `limit` messages before `beforeOrdinal` (all when omitted), oldest first. */
    page(chatId: string, beforeOrdinal: number | undefined, limit: number): { messages: Message[]; hasOlder: boolean } {
      const rows = statements.page.all(chatId, beforeOrdinal ?? Number.MAX_SAFE_INTEGER, limit);
      const first = rows[0];
      return { messages: rows.map(toMessage), hasOlder: first ? statements.hasBefore.get(chatId, first.ordinal)?.found === 1 : false };
    },
    /** Messages after an ordinal, oldest first: a window that dropped newer pages reads them back. */
    pageAfter(chatId: string, afterOrdinal: number, limit: number): { messages: Message[]; hasNewer: boolean } {
      const rows = statements.pageAfter.all(chatId, afterOrdinal, limit);
      const last = rows.at(-1);
      return { messages: rows.map(toMessage), hasNewer: last ? statements.hasAfter.get(chatId, last.ordinal)?.found === 1 : false };
    },
    /** The ordinal of a turn's first message in its chat, if it has one. */
    firstOrdinalOfTurn(chatId: string, turnId: string): number | undefined {
      return statements.firstOrdinalOfTurn.get(chatId, turnId)?.ordinal ?? undefined;
    },
    insertPart(part: { messageId: string; position: number; kind: Part['kind']; body: string }): string {
      const id = randomUUID();
      statements.insertPart.run({ ...part, id, now: new Date().toISOString() });
      return id;
    },
    updatePartBody: (partId: string, body: string) => statements.updatePartBody.run(body, new Date().toISOString(), partId),
    toPart,
  };
}

function parseAttachments(text: string | null): Attachment[] {
  if (!text) return [];
  try {
    const parsed = z.array(AttachmentSchema).safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : [];
  } catch {
    return []; // written by this core as JSON; an unreadable value sends the text alone
  }
}
