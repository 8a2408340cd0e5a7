// Streams one assistant message into SQLite. Agent events are buffered and written in small
// batches — one transaction per batch, at most `flushIntervalMs` after the first buffered
// change or as soon as `flushBytes` are waiting — and the events describing a batch are
// published after it commits. Text deltas are coalesced per part, carrying the offset they
// start at, so a client that reloads mid-stream can tell what it already has.
import type { AgentEvent, ToolCallSnapshot } from '../../shared/agents.ts';
import type { AppEventDraft } from '../../shared/contract.ts';
import type { Part } from '../../shared/chats.ts';
import type { UnitOfWork } from '../store/index.ts';
import type { TurnStore } from './turnStore.ts';

export const partTimings = {
  /** ~one frame: the renderer sees text as it streams, and SQLite sees at most ~60 commits a second per turn. */
  flushIntervalMs: 16,
} as const;

export const partLimits = {
  /** Buffered bytes that force a flush before the interval ends (the 64 KB bound). */
  flushBytes: 64 * 1024,
  /**
   * A text part is rewritten whole at each flush; past this size the stream continues in a new
   * part, so a long answer costs linear, not quadratic, writes. Clients show consecutive text
   * parts as one text.
   */
  maxTextPartBytes: 256 * 1024,
} as const;

interface TextState {
  id: string;
  readonly kind: 'text' | 'reasoning';
  readonly position: number;
  text: string;
  /** Text not yet written; `text` already includes it. */
  pending: string;
  isNew: boolean;
}

interface ValueState {
  id: string | undefined;
  readonly key: string;
  readonly kind: 'tool-call' | 'plan' | 'notice';
  readonly position: number;
  body: string;
  isNew: boolean;
}

export interface PartWriter {
  apply(event: AgentEvent): void;
  /** Writes everything buffered now. */
  flush(): void;
  /** Final flush; later events are ignored. */
  close(): void;
}

export function createPartWriter(deps: {
  chatId: string;
  messageId: string;
  turns: TurnStore;
  unitOfWork: UnitOfWork;
  /** Events that are not parts (a title, say) become extra writes in the next batch. */
  onSideEvent: (event: AgentEvent) => (() => AppEventDraft | undefined) | undefined;
  timings?: Partial<Record<keyof typeof partTimings, number>>;
  /**
   * A batch could not be written (the chat was deleted under the turn, the disk is full): the
   * writer stops and says so once, so that the turn ends failed instead of a timer throwing.
   */
  onWriteFailed?: (error: unknown) => void;
}): PartWriter {
  const interval = deps.timings?.flushIntervalMs ?? partTimings.flushIntervalMs;
  const texts: TextState[] = [];
  const values = new Map<string, ValueState>();
  const sideWrites: (() => AppEventDraft | undefined)[] = [];
  let nextPosition = 0;
  let open: TextState | undefined; // the text part the next delta of its kind extends
  let bufferedBytes = 0;
  let timer: NodeJS.Timeout | undefined;
  let isClosed = false;
  let isBroken = false;
  const dirtyTexts = new Set<TextState>();
  const dirtyValues = new Set<ValueState>();

  function schedule(): void {
    if (bufferedBytes >= partLimits.flushBytes) return flush();
    timer ??= setTimeout(flush, interval);
  }

  function appendText(kind: 'text' | 'reasoning', delta: string): void {
    if (delta === '') return;
    if (!open || open.kind !== kind || open.text.length >= partLimits.maxTextPartBytes) {
      open = { id: '', kind, position: nextPosition++, text: '', pending: '', isNew: true };
      texts.push(open);
    }
    open.text += delta;
    open.pending += delta;
    bufferedBytes += delta.length;
    dirtyTexts.add(open);
    schedule();
  }

  function setValue(key: string, kind: ValueState['kind'], body: string): void {
    const existing = values.get(key);
    if (existing) {
      if (existing.body === body) return;
      existing.body = body;
      dirtyValues.add(existing);
    } else {
      const state: ValueState = { id: undefined, key, kind, position: nextPosition++, body, isNew: true };
      values.set(key, state);
      dirtyValues.add(state);
    }
    open = undefined; // text after a tool call or a plan starts a new part
    bufferedBytes += body.length;
    schedule();
  }

  function apply(event: AgentEvent): void {
    if (isClosed) return;
    switch (event.kind) {
      case 'text':
      case 'reasoning':
        return appendText(event.kind, event.delta);
      case 'tool-call':
        return setValue(`tool:${event.call.id}`, 'tool-call', JSON.stringify(event.call satisfies ToolCallSnapshot));
      case 'plan':
        return setValue('plan', 'plan', JSON.stringify(event.entries));
      case 'notice':
        return setValue(`notice:${nextPosition}`, 'notice', JSON.stringify({ level: event.level, message: event.message }));
      default: {
        const write = deps.onSideEvent(event);
        if (write) {
          sideWrites.push(write);
          schedule();
        }
      }
    }
  }

  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (isBroken) return;
    try {
      write();
    } catch (error) {
      isBroken = true;
      isClosed = true;
      deps.onWriteFailed?.(error);
    }
  }

  function write(): void {
    if (dirtyTexts.size === 0 && dirtyValues.size === 0 && sideWrites.length === 0) return;
    const textsNow = [...dirtyTexts];
    const valuesNow = [...dirtyValues];
    const sideNow = sideWrites.splice(0);
    dirtyTexts.clear();
    dirtyValues.clear();
    bufferedBytes = 0;
    deps.unitOfWork.run(() => {
      const events: AppEventDraft[] = [];
      for (const state of textsNow) {
        if (state.isNew) {
          const id = deps.turns.insertPart({ messageId: deps.messageId, position: state.position, kind: state.kind, body: state.text });
          state.id = id;
          state.isNew = false;
          events.push({ type: 'chat.part.updated', chatId: deps.chatId, part: { id, messageId: deps.messageId, position: state.position, kind: state.kind, text: state.text } });
        } else {
          deps.turns.updatePartBody(state.id, state.text);
          events.push({
            type: 'chat.part.delta',
            chatId: deps.chatId,
            messageId: deps.messageId,
            partId: state.id,
            offset: state.text.length - state.pending.length,
            delta: state.pending,
          });
        }
        state.pending = '';
      }
      for (const state of valuesNow) {
        let id = state.id;
        if (state.isNew) {
          id = deps.turns.insertPart({ messageId: deps.messageId, position: state.position, kind: state.kind, body: state.body });
          state.id = id;
          state.isNew = false;
        } else if (id) {
          deps.turns.updatePartBody(id, state.body);
        }
        if (id) {
          const part: Part = deps.turns.toPart({ id, message_id: deps.messageId, position: state.position, kind: state.kind, body: state.body });
          events.push({ type: 'chat.part.updated', chatId: deps.chatId, part });
        }
      }
      for (const write of sideNow) {
        const event = write();
        if (event) events.push(event);
      }
      return { value: undefined, events };
    });
  }

  return {
    apply,
    flush,
    close() {
      flush();
      isClosed = true;
    },
  };
}
