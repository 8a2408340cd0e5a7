// opencode's `permission.asked` → BooCode's permission broker → `permission.reply`. A request
// that belongs to no live turn (an aborted turn's tool still waiting) is rejected at once, and
// opencode keeps an aborted turn's requests listed, so they are answered when the turn ends.
import type { Event as OpencodeEvent } from '@opencode-ai/sdk/v2';
import type { PermissionOption, PermissionOutcome } from '../../../shared/agents.ts';
import type { PermissionAsk, PermissionBroker } from '../permissions/index.ts';
import { errorText, permissionTitle } from './mapEvent.ts';
import type { OpencodeServerHandle } from './servers.ts';
import type { RunningTurn } from './turnSettling.ts';

/**
 * The broker's answer, which may carry the user's reason for a rejection. With a message,
 * opencode gets it as feedback and carries on with the turn; without, a reject ends the turn.
 */
export type PermissionAnswer = PermissionOutcome & { readonly message?: string };

export interface PermissionGate {
  request(input: PermissionAsk, signal?: AbortSignal): Promise<PermissionAnswer>;
  cancelWhere: PermissionBroker['cancelWhere'];
}

/** opencode's own answers to a permission request, offered as the broker's options. */
const permissionOptions: readonly PermissionOption[] = [
  { optionId: 'once', name: 'Allow once', kind: 'allow_once' },
  { optionId: 'always', name: 'Always allow', kind: 'allow_always' },
  { optionId: 'reject', name: 'Reject', kind: 'reject_once' },
];

type Asked = Extract<OpencodeEvent, { type: 'permission.asked' }>['properties'];

export interface PermissionBridge {
  onAsked(current: OpencodeServerHandle, running: RunningTurn | undefined, asked: Asked): Promise<void>;
  /** Answers (rejects) requests still open on the server for the session, `known` among them. */
  rejectStale(current: OpencodeServerHandle, sessionId: string, known: readonly string[]): Promise<void>;
}

export function createPermissionBridge(options: {
  readonly chatId: string;
  readonly agentId: string;
  readonly agentName: string;
  readonly permissions: PermissionGate;
  readonly log: (line: string) => void;
}): PermissionBridge {
  const { chatId, agentId, agentName } = options;

  async function onAsked(current: OpencodeServerHandle, running: RunningTurn | undefined, asked: Asked): Promise<void> {
    const belongsToTurn = running !== undefined && !running.isCancelRequested && (asked.tool === undefined || running.mapper.hasAssistant(asked.tool.messageID));
    if (!running || !belongsToTurn) {
      // An aborted turn's tool still waiting: nobody will ever answer it.
      await reply(current, asked.id, 'reject');
      return;
    }
    running.openPermissions.add(asked.id);
    const call = asked.tool ? (running.mapper.toolCall(asked.tool.callID) ?? null) : null;
    const answer = await options.permissions.request(
      { chatId, agentId, title: permissionTitle(asked.permission, asked.patterns), toolCall: call, options: permissionOptions },
      running.abort.signal,
    );
    running.openPermissions.delete(asked.id);
    if (answer.outcome === 'selected' && (answer.optionId === 'once' || answer.optionId === 'always')) {
      await reply(current, asked.id, answer.optionId);
    } else {
      await reply(current, asked.id, 'reject', answer.outcome === 'selected' ? answer.message : undefined);
    }
  }

  async function reply(current: OpencodeServerHandle, requestID: string, answer: 'once' | 'always' | 'reject', message?: string): Promise<void> {
    try {
      const replied = await current.client.permission.reply({ requestID, reply: answer, ...(message ? { message } : {}) });
      if (replied.error) options.log(`${agentName}: permission reply ${answer} for ${requestID} was refused: ${errorText(replied.error)}`);
    } catch (error) {
      // The server is gone; its exit already failed the turn.
      options.log(`${agentName}: permission reply ${answer} for ${requestID} failed: ${errorText(error)}`);
    }
  }

  async function rejectStale(current: OpencodeServerHandle, sessionId: string, known: readonly string[]): Promise<void> {
    const ids = new Set(known);
    try {
      const listed = await current.client.permission.list({});
      for (const request of listed.data ?? []) if (request.sessionID === sessionId) ids.add(request.id);
    } catch (error) {
      options.log(`${agentName}: could not list permission requests: ${errorText(error)}`);
    }
    await Promise.all([...ids].map((id) => reply(current, id, 'reject')));
  }

  return { onAsked, rejectStale };
}
