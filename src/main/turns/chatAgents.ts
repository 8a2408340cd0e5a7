// chat_agents: what each agent of a chat offers (its modes, settings such as the model, slash
// commands, whether it takes images) as it last said, and what the chat chose for it. Agents
// announce these during turns; the composer and the pickers read them between turns.
import { z } from 'zod';
import { ConfigOptionSchema, type ConfigOption } from '../../shared/agents.ts';
import type { Store } from '../store/index.ts';

export interface ChatAgentRecord {
  readonly chatId: string;
  readonly agentId: string;
  readonly modes: readonly { id: string; name: string }[];
  readonly currentModeId: string | null;
  readonly configOptions: readonly ConfigOption[];
  readonly commands: readonly { name: string; description: string }[];
  readonly canTakeImages: boolean;
  readonly preferredMode: string | null;
  readonly preferredModel: string | null;
}

export type ChatAgentOffer = Partial<Pick<ChatAgentRecord, 'modes' | 'currentModeId' | 'configOptions' | 'commands' | 'canTakeImages'>>;

interface Row {
  chat_id: string;
  agent_id: string;
  modes: string | null;
  current_mode: string | null;
  config_options: string | null;
  commands: string | null;
  can_take_images: number;
  preferred_mode: string | null;
  preferred_model: string | null;
}

const ModesSchema = z.array(z.object({ id: z.string(), name: z.string() }));
const CommandsSchema = z.array(z.object({ name: z.string(), description: z.string() }));

export function createChatAgentStore(store: Store) {
  const { db } = store;
  const select = db.prepare<[string, string], Row>('SELECT * FROM chat_agents WHERE chat_id = ? AND agent_id = ?');
  const selectChat = db.prepare<[string], Row>('SELECT * FROM chat_agents WHERE chat_id = ?');
  const ensure = db.prepare<[string, string, string]>('INSERT INTO chat_agents (chat_id, agent_id, updated_at) VALUES (?, ?, ?) ON CONFLICT(chat_id, agent_id) DO NOTHING');
  const update = db.prepare(
    `UPDATE chat_agents SET modes = @modes, current_mode = @currentMode, config_options = @configOptions, commands = @commands,
       can_take_images = @canTakeImages, preferred_mode = @preferredMode, preferred_model = @preferredModel, updated_at = @now
     WHERE chat_id = @chatId AND agent_id = @agentId`,
  );

  function get(chatId: string, agentId: string): ChatAgentRecord {
    const row = select.get(chatId, agentId);
    return row ? toRecord(row) : empty(chatId, agentId);
  }

  function write(record: ChatAgentRecord): ChatAgentRecord {
    ensure.run(record.chatId, record.agentId, new Date().toISOString());
    update.run({
      chatId: record.chatId,
      agentId: record.agentId,
      modes: JSON.stringify(record.modes),
      currentMode: record.currentModeId,
      configOptions: JSON.stringify(record.configOptions),
      commands: JSON.stringify(record.commands),
      canTakeImages: record.canTakeImages ? 1 : 0,
      preferredMode: record.preferredMode,
      preferredModel: record.preferredModel,
      now: new Date().toISOString(),
    });
    return record;
  }

  return {
    get,
    listForChat: (chatId: string): ChatAgentRecord[] => selectChat.all(chatId).map(toRecord),
    /** Inside a unit of work: merges what the agent said; returns the record, or undefined when nothing changed. */
    offer(chatId: string, agentId: string, offer: ChatAgentOffer): ChatAgentRecord | undefined {
      const current = get(chatId, agentId);
      const next = { ...current, ...offer };
      if (JSON.stringify(next) === JSON.stringify(current)) return undefined;
      return write(next);
    },
    /** Inside a unit of work: what the chat chose for the agent's next turns (undefined keeps, null clears). */
    prefer(chatId: string, agentId: string, choice: { mode?: string | null; model?: string | null }): ChatAgentRecord {
      const current = get(chatId, agentId);
      return write({
        ...current,
        preferredMode: choice.mode === undefined ? current.preferredMode : choice.mode,
        preferredModel: choice.model === undefined ? current.preferredModel : choice.model,
      });
    },
  };
}

export type ChatAgentStore = ReturnType<typeof createChatAgentStore>;

function empty(chatId: string, agentId: string): ChatAgentRecord {
  return { chatId, agentId, modes: [], currentModeId: null, configOptions: [], commands: [], canTakeImages: false, preferredMode: null, preferredModel: null };
}

function toRecord(row: Row): ChatAgentRecord {
  return {
    chatId: row.chat_id,
    agentId: row.agent_id,
    modes: parse(ModesSchema, row.modes),
    currentModeId: row.current_mode,
    configOptions: parse(z.array(ConfigOptionSchema), row.config_options),
    commands: parse(CommandsSchema, row.commands),
    canTakeImages: row.can_take_images === 1,
    preferredMode: row.preferred_mode,
    preferredModel: row.preferred_model,
  };
}

function parse<T>(schema: z.ZodType<T[]>, text: string | null): T[] {
  if (!text) return [];
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : [];
  } catch {
    return []; // unreadable: the agent says it again at its next turn
  }
}
