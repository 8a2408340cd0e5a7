// A project, session and chat wired to the scripted ACP agent, and helpers to send and wait.
import { expect } from 'vitest';
import type { Turn } from '../../src/shared/chats.ts';
import type { Core } from '../../src/main/core/index.ts';
import type { Scenario } from '../fixtures/scripted-acp-agent.ts';
import { addScriptedAgent } from './agents.ts';
import { tempDir } from './tempDir.ts';

export interface ChatFixture {
  readonly projectId: string;
  readonly sessionId: string;
  readonly chatId: string;
  readonly cwd: string;
}

export function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: { kind: string; message: string } }): T {
  if (!result.ok) throw new Error(`${result.error.kind}: ${result.error.message}`);
  return result.value;
}

export async function setupChat(core: Core, scenario: Scenario, options: { agentId?: string; folder?: string } = {}): Promise<ChatFixture> {
  const agentId = options.agentId ?? 'scripted';
  const listed = unwrap(await core.api.call('agents.list', {}));
  if (!listed.some((agent) => agent.id === agentId)) await addScriptedAgent(core, scenario, agentId);
  const folder = options.folder ?? tempDir('boo-project-');
  const project = unwrap(await core.api.call('projects.open', { path: folder }));
  const session = unwrap(await core.api.call('sessions.create', { projectId: project.id }));
  const chat = unwrap(await core.api.call('chats.create', { sessionId: session.id, agentId }));
  return { projectId: project.id, sessionId: session.id, chatId: chat.id, cwd: session.cwd };
}

export async function send(core: Core, chatId: string, text: string, options: { agent?: string; whenBusy?: 'queue' | 'interrupt' } = {}): Promise<{ turnId: string; queued: boolean }> {
  return unwrap(await core.api.call('chats.send', { chatId, text, ...options }));
}

export async function sendAndWait(core: Core, chatId: string, text: string, options: { agent?: string } = {}): Promise<Turn> {
  const { turnId } = await send(core, chatId, text, options);
  const ended = await core.turns.whenEnded(turnId);
  expect(ended).toBeDefined();
  return ended as Turn;
}

/** The assistant text of a turn as stored. */
export function assistantText(core: Core, chatId: string, turnId: string): string {
  const view = unwrap(core.turns.view(chatId, 500));
  const message = view.messages.find((candidate) => candidate.turnId === turnId && candidate.role === 'assistant');
  return (message?.parts ?? []).map((part) => (part.kind === 'text' ? part.text : '')).join('');
}
