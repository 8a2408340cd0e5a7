// agent_sessions: one row per (chat, agent) — which agent session to resume, its status, and
// the usage its turns accumulated.
import type { Usage } from '../../shared/agents.ts';
import type { Store } from '../store/index.ts';

/** `active` during a turn, `idle` between turns, `crashed` after an exit mid-turn, `closed` when stopped. */
export type AgentSessionStatus = 'active' | 'idle' | 'crashed' | 'closed';

export interface AgentSessionRecord {
  readonly chatId: string;
  readonly agentId: string;
  readonly backend: 'acp' | 'opencode';
  readonly sessionId: string | null;
  readonly status: AgentSessionStatus;
  readonly lastActiveAt: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cost: number;
  readonly costCurrency: string | null;
}

export interface AgentSessionStore {
  get(chatId: string, agentId: string): AgentSessionRecord | undefined;
  listForChat(chatId: string): AgentSessionRecord[];
  /** Records the agent session a (chat, agent) now uses. */
  save(record: { chatId: string; agentId: string; backend: 'acp' | 'opencode'; sessionId: string | null; status: AgentSessionStatus }): void;
  setStatus(chatId: string, agentId: string, status: AgentSessionStatus): void;
  addUsage(chatId: string, agentId: string, usage: Usage): void;
}

interface Row {
  chat_id: string;
  agent_id: string;
  backend: 'acp' | 'opencode';
  session_id: string | null;
  status: AgentSessionStatus;
  last_active_at: string;
  input_tokens: number;
  output_tokens: number;
  cost: number;
  cost_currency: string | null;
}

export function createAgentSessionStore(store: Store): AgentSessionStore {
  const { db } = store;
  const select = db.prepare<[string, string], Row>('SELECT * FROM agent_sessions WHERE chat_id = ? AND agent_id = ?');
  const selectChat = db.prepare<[string], Row>('SELECT * FROM agent_sessions WHERE chat_id = ? ORDER BY last_active_at DESC');
  const upsert = db.prepare(
    `INSERT INTO agent_sessions (chat_id, agent_id, backend, session_id, status, last_active_at)
     VALUES (@chatId, @agentId, @backend, @sessionId, @status, @now)
     ON CONFLICT(chat_id, agent_id) DO UPDATE SET backend = excluded.backend, session_id = excluded.session_id,
       status = excluded.status, last_active_at = excluded.last_active_at`,
  );
  const updateStatus = db.prepare<[string, string, string, string]>(
    'UPDATE agent_sessions SET status = ?, last_active_at = ? WHERE chat_id = ? AND agent_id = ?',
  );
  const updateUsage = db.prepare(
    `UPDATE agent_sessions SET input_tokens = input_tokens + @input, output_tokens = output_tokens + @output,
       cost = cost + @cost, cost_currency = COALESCE(@currency, cost_currency)
     WHERE chat_id = @chatId AND agent_id = @agentId`,
  );

  return {
    get(chatId, agentId) {
      const row = select.get(chatId, agentId);
      return row ? toRecord(row) : undefined;
    },
    listForChat: (chatId) => selectChat.all(chatId).map(toRecord),
    save(record) {
      upsert.run({ ...record, now: new Date().toISOString() });
    },
    setStatus(chatId, agentId, status) {
      updateStatus.run(status, new Date().toISOString(), chatId, agentId);
    },
    addUsage(chatId, agentId, usage) {
      updateUsage.run({
        chatId,
        agentId,
        input: usage.inputTokens ?? 0,
        output: usage.outputTokens ?? 0,
        cost: usage.costAmount ?? 0,
        currency: usage.costCurrency,
      });
    },
  };
}

function toRecord(row: Row): AgentSessionRecord {
  return {
    chatId: row.chat_id,
    agentId: row.agent_id,
    backend: row.backend,
    sessionId: row.session_id,
    status: row.status,
    lastActiveAt: row.last_active_at,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    cost: row.cost,
    costCurrency: row.cost_currency,
  };
}
