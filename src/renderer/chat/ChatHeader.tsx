// Above the transcript: the chat's agent (installed ones first, with versions; the others with
// how to install them), a chip saying what its next turn does — warm, resume or fresh, and why —
// its mode and model as it offers them, and what the chat has used.
import { Gauge } from 'lucide-react';
import { useEffect } from 'react';
import type { AgentContinuity } from '../../shared/chats.ts';
import { useWindow, type AppStore } from '../state/store.ts';
import { compactNumber, summarizeUsage } from './usage.ts';

const chipText: Record<AgentContinuity['next'], string> = { warm: 'warm', resume: 'resume', fresh: 'fresh' };

export function ChatHeader({ store, chatId }: { store: AppStore; chatId: string }) {
  const chat = useWindow(store, (state) => state.client.chats[chatId]);
  const meta = useWindow(store, (state) => state.client.chatMeta[chatId]);
  const agents = useWindow(store, (state) => state.agents?.list);
  const catalogVersion = useWindow(store, (state) => state.client.catalogVersion);
  useEffect(() => {
    void store.loadAgents();
  }, [store, catalogVersion]);
  if (!chat) return null;
  const current = meta?.agents.find((agent) => agent.agentId === chat.agentId);
  const installed = (agents ?? []).filter((agent) => agent.resolvedPath !== null);
  const missing = (agents ?? []).filter((agent) => agent.resolvedPath === null);
  const modelOption = current?.configOptions.find((option) => option.category === 'model' || option.id === 'model');
  const usage = summarizeUsage(meta?.agents ?? [], meta?.recentTurns ?? []);

  async function configure(choice: { agentId?: string; mode?: string | null; model?: string | null }): Promise<void> {
    const configured = await store.call('chats.configure', { chatId, ...choice });
    if (!configured.ok) store.reportError('Could not change the chat', configured.error);
  }

  return (
    <div className="chat-header">
      <label className="picker">
        <span className="visually-hidden">Agent</span>
        <select aria-label="Agent" value={chat.agentId} onChange={(event) => void configure({ agentId: event.target.value })}>
          {installed.map((agent) => (
            <option key={agent.id} value={agent.id}>
              {agent.name}
              {agent.version ? ` ${agent.version}` : ''}
            </option>
          ))}
          {!installed.some((agent) => agent.id === chat.agentId) && <option value={chat.agentId}>{chat.agentId}</option>}
          {missing.length > 0 && (
            <optgroup label="Not installed">
              {missing.map((agent) => (
                <option key={agent.id} value={agent.id} disabled title={agent.installHint ?? undefined}>
                  {agent.name} — {agent.installHint ?? 'not installed'}
                </option>
              ))}
            </optgroup>
          )}
        </select>
      </label>
      {current && (
        <span className={`continuity ${current.next}`} aria-label={`Next turn: ${continuityText(current)}`} title={continuityText(current)}>
          {chipText[current.next]}
        </span>
      )}
      {current && current.modes.length > 0 && (
        <select aria-label="Mode" value={current.preferredMode ?? ''} onChange={(event) => void configure({ mode: event.target.value === '' ? null : event.target.value })}>
          <option value="">Mode: {current.modes.find((mode) => mode.id === current.currentModeId)?.name ?? 'as the agent has it'}</option>
          {current.modes.map((mode) => (
            <option key={mode.id} value={mode.id}>
              {mode.name}
            </option>
          ))}
        </select>
      )}
      {modelOption && current && (
        <select aria-label="Model" value={current.preferredModel ?? ''} onChange={(event) => void configure({ model: event.target.value === '' ? null : event.target.value })}>
          <option value="">Model: {modelOption.options.find((option) => option.value === modelOption.currentValue)?.name ?? modelOption.currentValue}</option>
          {modelOption.options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.name}
            </option>
          ))}
        </select>
      )}
      <span className="spacer" />
      {(usage.inputTokens > 0 || usage.outputTokens > 0) && (
        <span className="usage" aria-label="Usage" title={usage.perAgent.map((agent) => `${agent.agentId}: ${agent.inputTokens} in, ${agent.outputTokens} out`).join('\n')}>
          {compactNumber(usage.inputTokens)} in · {compactNumber(usage.outputTokens)} out
          {usage.cost?.map((cost) => ` · ${cost.currency === 'USD' ? '$' : `${cost.currency} `}${cost.amount.toFixed(cost.amount < 1 ? 3 : 2)}`).join('')}
        </span>
      )}
      {usage.context && (
        <span className="context-meter" title={`${usage.context.used.toLocaleString()} of ${usage.context.size.toLocaleString()} tokens of context used`}>
          <Gauge size={13} aria-hidden="true" />
          <meter aria-label="Context window" min={0} max={1} value={usage.context.fraction} high={0.8} optimum={0.2} />
          {Math.round(usage.context.fraction * 100)}%
        </span>
      )}
    </div>
  );
}

function continuityText(agent: AgentContinuity): string {
  switch (agent.next) {
    case 'warm':
      return 'warm — the agent is running and answers at once';
    case 'resume':
      return 'resume — the agent starts and picks up its saved session';
    case 'fresh':
      return `fresh — a new session, because ${agent.freshReason ?? 'none was saved'}`;
    default:
      return agent.next;
  }
}
