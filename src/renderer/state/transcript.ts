// One chat's transcript as a window keeps it: a page of messages from `chats.get` or
// `chats.history`, then the chat's events applied by id, text deltas by offset, so that overlap
// between a snapshot and replayed events is never shown twice and a gap is noticed (the chat is
// then read again). Immutable: a streaming delta replaces only its message, so views of other
// messages do not re-render.
import type { ChatView, Message, Part } from '../../shared/chats.ts';
import type { AppEvent } from '../../shared/contract.ts';

export interface Transcript {
  readonly chatId: string;
  /** Message ids, oldest first. */
  readonly order: readonly string[];
  readonly messages: Readonly<Record<string, Message>>;
  readonly hasOlder: boolean;
  /**
   * The window was scrolled back and let the newest pages go (a long chat keeps at most
   * `transcriptWindow` messages in memory): new messages are read when it comes back down.
   */
  readonly hasNewer: boolean;
  /** A delta arrived for text the copy does not have: the chat must be read again. */
  readonly isStale: boolean;
}

/** Messages a window keeps for one chat: six pages, so scrolling through 50k costs no memory. */
export const transcriptWindow = 300;

export function transcriptFromView(view: Pick<ChatView, 'chat' | 'messages' | 'hasOlder'>): Transcript {
  const messages: Record<string, Message> = {};
  for (const message of view.messages) messages[message.id] = message;
  return { chatId: view.chat.id, order: view.messages.map((message) => message.id), messages, hasOlder: view.hasOlder, hasNewer: false, isStale: false };
}

/**
 * Lays a fresh read of the chat over the copy: messages in it replace the copy's, except that a
 * text part never shrinks (events applied meanwhile may be newer than the read).
 */
export function mergeView(transcript: Transcript | undefined, view: Pick<ChatView, 'chat' | 'messages' | 'hasOlder'>): Transcript {
  const fresh = transcriptFromView(view);
  // A window scrolled far back shows the newest page again from scratch.
  if (!transcript || transcript.hasNewer) return fresh;
  const messages: Record<string, Message> = { ...transcript.messages };
  for (const message of view.messages) {
    const known = messages[message.id];
    messages[message.id] = known ? { ...message, parts: mergeParts(known.parts, message.parts) } : message;
  }
  const order = [...new Set([...fresh.order, ...transcript.order])].sort((a, b) => (messages[a]?.ordinal ?? 0) - (messages[b]?.ordinal ?? 0));
  // The window starts where its oldest message comes from: the copy (it had read further back) or the read.
  const startsInCopy = order[0] !== undefined && order[0] !== fresh.order[0] && !fresh.messages[order[0]];
  return { chatId: transcript.chatId, order, messages, hasOlder: startsInCopy ? transcript.hasOlder : view.hasOlder, hasNewer: false, isStale: false };
}

/**
 * A page from `chats.history` joined to the window: older pages go before, newer after; the far
 * end is let go past `limit` messages.
 */
export function joinHistory(
  transcript: Transcript,
  page: { direction: 'older' | 'newer' | 'at'; messages: readonly Message[]; hasOlder: boolean; hasNewer: boolean },
  limit = transcriptWindow,
): Transcript {
  if (page.direction === 'at') {
    // A jump to a place outside the window: the window becomes that page.
    const messages = Object.fromEntries(page.messages.map((message) => [message.id, message]));
    return { ...transcript, order: page.messages.map((message) => message.id), messages, hasOlder: page.hasOlder, hasNewer: page.hasNewer };
  }
  const messages: Record<string, Message> = { ...transcript.messages };
  const added: string[] = [];
  for (const message of page.messages) {
    if (messages[message.id]) continue;
    messages[message.id] = message;
    added.push(message.id);
  }
  let order = page.direction === 'older' ? [...added, ...transcript.order] : [...transcript.order, ...added];
  let { hasOlder, hasNewer } = page.direction === 'older' ? { hasOlder: page.hasOlder, hasNewer: transcript.hasNewer } : { hasOlder: transcript.hasOlder, hasNewer: page.hasNewer };
  if (order.length > limit) {
    const dropped = page.direction === 'older' ? order.slice(limit) : order.slice(0, order.length - limit);
    order = page.direction === 'older' ? order.slice(0, limit) : order.slice(order.length - limit);
    for (const id of dropped) delete messages[id];
    if (page.direction === 'older') hasNewer = true;
    else hasOlder = true;
  }
  return { ...transcript, order, messages, hasOlder, hasNewer };
}

export function applyToTranscript(transcript: Transcript, event: AppEvent): Transcript {
  switch (event.type) {
    case 'chat.message.created': {
      const message = event.message;
      // A window scrolled back reads new messages when it comes down again.
      if (message.chatId !== transcript.chatId || transcript.messages[message.id] || transcript.hasNewer) return transcript;
      return { ...transcript, order: [...transcript.order, message.id], messages: { ...transcript.messages, [message.id]: message } };
    }
    case 'chat.part.updated': {
      if (event.chatId !== transcript.chatId) return transcript;
      const message = transcript.messages[event.part.messageId];
      if (!message) return transcript;
      const parts = mergeParts(message.parts, [event.part]);
      if (parts === message.parts) return transcript;
      return withMessage(transcript, { ...message, parts });
    }
    case 'chat.part.delta': {
      if (event.chatId !== transcript.chatId) return transcript;
      const message = transcript.messages[event.messageId];
      if (!message) return transcript; // a message older than the loaded page, or not ours
      const index = message.parts.findIndex((part) => part.id === event.partId);
      const part = message.parts[index];
      if (!part || (part.kind !== 'text' && part.kind !== 'reasoning')) return { ...transcript, isStale: true };
      const have = part.text.length;
      if (have < event.offset) return { ...transcript, isStale: true };
      if (have >= event.offset + event.delta.length) return transcript; // already shown
      const grown: Part = { ...part, text: part.text + event.delta.slice(have - event.offset) };
      const parts = message.parts.slice();
      parts[index] = grown;
      return withMessage(transcript, { ...message, parts });
    }
    default:
      return transcript;
  }
}

function withMessage(transcript: Transcript, message: Message): Transcript {
  return { ...transcript, messages: { ...transcript.messages, [message.id]: message } };
}

/** Upserts parts by id, in position order; a streaming text part never gets shorter. */
function mergeParts(existing: readonly Part[], incoming: readonly Part[]): Part[] {
  let changed = false;
  const byId = new Map(existing.map((part) => [part.id, part] as const));
  for (const part of incoming) {
    const known = byId.get(part.id);
    if (known && isText(known) && isText(part) && known.text.length > part.text.length) continue;
    if (known === part) continue;
    byId.set(part.id, part);
    changed = true;
  }
  if (!changed) return existing as Part[];
  return [...byId.values()].sort((a, b) => a.position - b.position);
}

function isText(part: Part): part is Extract<Part, { kind: 'text' | 'reasoning' }> {
  return part.kind === 'text' || part.kind === 'reasoning';
}

/** The text of a turn's assistant message, as shown. */
export function assistantTextOf(transcript: Transcript, turnId: string): string {
  for (const id of transcript.order) {
    const message = transcript.messages[id];
    if (message?.turnId === turnId && message.role === 'assistant') {
      return message.parts.map((part) => (part.kind === 'text' ? part.text : '')).join('');
    }
  }
  return '';
}
