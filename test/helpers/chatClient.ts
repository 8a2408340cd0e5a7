// A minimal client-side copy of one chat, as a renderer keeps it: a snapshot from chats.get,
// then events applied by id, text deltas by offset, so that overlap between a snapshot and
// replayed events is never shown twice and a gap is detected.
import type { ChatView, Part } from '../../src/shared/chats.ts';
import type { AppEvent } from '../../src/shared/contract.ts';

export interface ChatCopy {
  applySnapshot(view: ChatView): void;
  apply(event: AppEvent): void;
  /** Text of the assistant message of a turn, as the client shows it. */
  text(turnId: string): string;
  readonly gaps: number;
  readonly duplicatesAvoided: number;
}

export function createChatCopy(chatId: string): ChatCopy {
  const messages = new Map<string, { turnId: string | null; role: string; parts: Map<string, Part> }>();
  let gaps = 0;
  let duplicatesAvoided = 0;

  function upsert(part: Part): void {
    const message = messages.get(part.messageId);
    if (!message) return;
    const existing = message.parts.get(part.id);
    // A whole part never shortens what the client already shows (a snapshot may be newer).
    if (existing && (existing.kind === 'text' || existing.kind === 'reasoning') && (part.kind === 'text' || part.kind === 'reasoning') && existing.text.length > part.text.length) {
      duplicatesAvoided += 1;
      return;
    }
    message.parts.set(part.id, part);
  }

  return {
    applySnapshot(view) {
      for (const message of view.messages) {
        const parts = new Map(message.parts.map((part) => [part.id, part] as const));
        const known = messages.get(message.id);
        if (known) for (const part of message.parts) upsert(part);
        else messages.set(message.id, { turnId: message.turnId, role: message.role, parts });
      }
    },
    apply(event) {
      if (event.type === 'chat.message.created' && event.message.chatId === chatId) {
        if (!messages.has(event.message.id)) messages.set(event.message.id, { turnId: event.message.turnId, role: event.message.role, parts: new Map(event.message.parts.map((part) => [part.id, part] as const)) });
      } else if (event.type === 'chat.part.updated' && event.chatId === chatId) {
        upsert(event.part);
      } else if (event.type === 'chat.part.delta' && event.chatId === chatId) {
        const part = messages.get(event.messageId)?.parts.get(event.partId);
        if (!part || (part.kind !== 'text' && part.kind !== 'reasoning')) {
          gaps += 1;
          return;
        }
        const have = part.text.length;
        if (have < event.offset) {
          gaps += 1;
        } else if (have >= event.offset + event.delta.length) {
          duplicatesAvoided += 1;
        } else {
          messages.get(event.messageId)?.parts.set(part.id, { ...part, text: part.text + event.delta.slice(have - event.offset) });
        }
      }
    },
    text(turnId) {
      for (const message of messages.values()) {
        if (message.turnId === turnId && message.role === 'assistant') {
          return [...message.parts.values()].sort((a, b) => a.position - b.position).map((part) => (part.kind === 'text' ? part.text : '')).join('');
        }
      }
      return '';
    },
    get gaps() {
      return gaps;
    },
    get duplicatesAvoided() {
      return duplicatesAvoided;
    },
  };
}
