// A chat's usage for its footer: tokens in and out and cost per agent (as the core accumulated
// them on each agent session), their sum over the chat, and the context window meter from the
// latest turn that reported one.
import type { Usage } from '../../shared/agents.ts';
import type { AgentContinuity, Turn } from '../../shared/chats.ts';

export interface UsageSummary {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Null when no agent reported a cost; per currency otherwise. */
  readonly cost: readonly { readonly currency: string; readonly amount: number }[] | null;
  readonly context: { readonly used: number; readonly size: number; readonly fraction: number } | null;
  readonly perAgent: readonly { readonly agentId: string; readonly inputTokens: number; readonly outputTokens: number; readonly cost: number; readonly currency: string | null }[];
}

export function summarizeUsage(agents: readonly AgentContinuity[], turns: readonly Turn[]): UsageSummary {
  const perAgent = agents
    .filter((agent) => agent.inputTokens > 0 || agent.outputTokens > 0 || agent.cost > 0)
    .map((agent) => ({ agentId: agent.agentId, inputTokens: agent.inputTokens, outputTokens: agent.outputTokens, cost: agent.cost, currency: agent.costCurrency }));
  const costs = new Map<string, number>();
  for (const agent of perAgent) {
    if (agent.cost > 0) costs.set(agent.currency ?? 'USD', (costs.get(agent.currency ?? 'USD') ?? 0) + agent.cost);
  }
  return {
    inputTokens: perAgent.reduce((sum, agent) => sum + agent.inputTokens, 0),
    outputTokens: perAgent.reduce((sum, agent) => sum + agent.outputTokens, 0),
    cost: costs.size === 0 ? null : [...costs].map(([currency, amount]) => ({ currency, amount })),
    context: latestContext(turns),
    perAgent,
  };
}

function latestContext(turns: readonly Turn[]): UsageSummary['context'] {
  for (let index = turns.length - 1; index >= 0; index -= 1) {
    const usage: Usage | null | undefined = turns[index]?.usage;
    if (usage?.contextUsed != null && usage.contextSize != null && usage.contextSize > 0) {
      return { used: usage.contextUsed, size: usage.contextSize, fraction: Math.min(1, usage.contextUsed / usage.contextSize) };
    }
  }
  return null;
}

/** 1234 → "1.2k", 2_500_000 → "2.5M". */
export function compactNumber(value: number): string {
  if (value < 1000) return String(value);
  if (value < 1_000_000) return `${(value / 1000).toFixed(value < 10_000 ? 1 : 0)}k`;
  return `${(value / 1_000_000).toFixed(1)}M`;
}
