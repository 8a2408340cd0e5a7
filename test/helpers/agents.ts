// The scripted ACP agent registered as a custom agent of a test core, and turns run straight
// on the pool, collecting what the agent streamed.
import { expect } from 'vitest';
import type { AgentEvent } from '../../src/shared/agents.ts';
import type { Result } from '../../src/shared/contract.ts';
import type { Core } from '../../src/main/core/index.ts';
import type { TurnOutcome } from '../../src/main/agents/index.ts';
import { scriptedAgentCommand, type Scenario } from '../fixtures/scripted-acp-agent.ts';

export async function addScriptedAgent(core: Core, scenario: Scenario, id = 'scripted'): Promise<void> {
  const { command, args, env } = scriptedAgentCommand(scenario);
  const added = await core.api.call('agents.add', { agent: { id, name: `Scripted ${id}`, command, args, env } });
  expect(added.ok, added.ok ? '' : added.error.message).toBe(true);
}

export interface TurnRun {
  readonly result: Result<TurnOutcome>;
  readonly events: AgentEvent[];
  readonly text: string;
}

export async function runTurn(
  core: Core,
  turn: { chatId: string; agentId?: string; cwd: string; text: string; signal?: AbortSignal; onEvent?: (event: AgentEvent) => void },
): Promise<TurnRun> {
  const events: AgentEvent[] = [];
  const result = await core.agents.pool.runTurn(
    { chatId: turn.chatId, agentId: turn.agentId ?? 'scripted', cwd: turn.cwd, input: { text: turn.text }, signal: turn.signal },
    (event) => {
      events.push(event);
      turn.onEvent?.(event);
    },
  );
  const text = events.map((event) => (event.kind === 'text' ? event.delta : '')).join('');
  return { result, events, text };
}

export function expectOutcome(run: TurnRun): TurnOutcome {
  if (!run.result.ok) throw new Error(`turn failed: ${run.result.error.kind}: ${run.result.error.message}`);
  return run.result.value;
}

/** The `[kind] {json}` reports the scripted agent writes as text. */
export function reports(text: string, kind: string): Record<string, unknown>[] {
  return [...text.matchAll(new RegExp(`\\[${kind}\\] (\\{.*\\})`, 'g'))].map((match) => JSON.parse(match[1] ?? '{}') as Record<string, unknown>);
}
