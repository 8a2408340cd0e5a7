// The app event stream: every event gets the next `seq`; a bounded replay buffer lets a client
// that reconnects (a reloaded renderer, a dropped WebSocket) pick up exactly where it left off,
// and a client that fell too far behind, or comes from an earlier run, is told to resync.
import { randomUUID } from 'node:crypto';
import type { AppEvent, AppEventDraft, SubscribeResult, SubscriptionMessage, TransientEvent } from '../../shared/contract.ts';

export const eventTimings = {
  /**
   * Events kept for replay. A renderer reload takes well under a second; even a streaming
   * turn produces far fewer coalesced events than this in that time, so a reload replays
   * instead of re-reading every snapshot.
   */
  replayCapacity: 10_000,
  /**
   * Bytes of events kept for replay, whatever their count: a burst of large events (tool output,
   * whole parts) must not pin hundreds of megabytes. A client that asks for what was dropped
   * gets `resync` and re-reads snapshots, which is cheap next to that.
   */
  replayBytes: 32 * 1024 * 1024,
} as const;

export type EventListener = (message: SubscriptionMessage) => void;

export interface EventBus {
  /** Identifies this run of the core; seqs restart with it. */
  readonly epoch: string;
  lastSeq(): number;
  /** Stamps and delivers events. Call only after the writes they describe have committed. */
  publish(drafts: readonly AppEventDraft[]): AppEvent[];
  /**
   * Delivers an event to the live subscribers only: it takes no `seq` and is never replayed
   * (terminal output, which a reattaching client reads as a screen instead).
   */
  publishTransient(event: TransientEvent): void;
  /** Replay after `afterSeq` (or resync), then live delivery, with no gap between the two. */
  subscribe(position: { afterSeq: number; epoch?: string | undefined }, listener: EventListener): { result: SubscribeResult; unsubscribe: () => void };
  listenerCount(): number;
  /** The event as JSON, serialized once at publish time and shared by every transport. */
  serialized(event: AppEvent): string;
  /** Bytes (of JSON) the replay buffer holds now. */
  replayBytes(): number;
}

export function createEventBus(options: { replayCapacity?: number; replayBytes?: number; onListenerError?: (error: unknown) => void } = {}): EventBus {
  const capacity = options.replayCapacity ?? eventTimings.replayCapacity;
  const byteCapacity = options.replayBytes ?? eventTimings.replayBytes;
  const epoch = randomUUID();
  // A queue with a moving head: `buffer[head…]` are the retained events, oldest first. The
  // consumed prefix is cut off once it is as long as what remains, so it costs O(1) amortized.
  let buffer: AppEvent[] = [];
  let head = 0;
  let bytes = 0;
  let seq = 0;
  const listeners = new Set<EventListener>();
  const texts = new WeakMap<AppEvent, string>();

  function retained(): AppEvent[] {
    return buffer.slice(head);
  }

  function remember(event: AppEvent, size: number): void {
    buffer.push(event);
    bytes += size;
    while (buffer.length - head > capacity || (bytes > byteCapacity && buffer.length - head > 1)) {
      const oldest = buffer[head] as AppEvent;
      bytes -= texts.get(oldest)?.length ?? 0;
      head += 1;
    }
    if (head > 1024 && head * 2 > buffer.length) {
      buffer = buffer.slice(head);
      head = 0;
    }
  }

  function oldestSeq(): number {
    return buffer[head]?.seq ?? seq + 1;
  }

  return {
    epoch,
    lastSeq: () => seq,
    publish(drafts) {
      const at = new Date().toISOString();
      const events = drafts.map((draft) => ({ ...draft, seq: ++seq, at }) as AppEvent);
      for (const event of events) {
        const text = JSON.stringify(event);
        texts.set(event, text);
        remember(event, text.length);
      }
      for (const event of events) {
        for (const listener of listeners) {
          try {
            listener({ kind: 'event', event });
          } catch (error) {
            // One broken subscriber must not starve the others; it is reported, not rethrown.
            options.onListenerError?.(error);
          }
        }
      }
      return events;
    },
    publishTransient(event) {
      const message = { kind: 'transient' as const, event };
      for (const listener of listeners) {
        try {
          listener(message);
        } catch (error) {
          // As in publish: one broken subscriber must not starve the others.
          options.onListenerError?.(error);
        }
      }
    },
    subscribe(position, listener) {
      listeners.add(listener);
      const unsubscribe = () => {
        listeners.delete(listener);
      };
      const isOtherRun = position.epoch !== undefined && position.epoch !== epoch;
      const isFromFuture = position.afterSeq > seq;
      const isEvicted = position.afterSeq < oldestSeq() - 1;
      if (isOtherRun || isFromFuture || isEvicted) {
        return { result: { kind: 'resync', epoch, lastSeq: seq }, unsubscribe };
      }
      const events = retained().filter((event) => event.seq > position.afterSeq);
      return { result: { kind: 'replay', epoch, events, lastSeq: seq }, unsubscribe };
    },
    listenerCount: () => listeners.size,
    serialized(event) {
      const cached = texts.get(event);
      if (cached !== undefined) return cached;
      const text = JSON.stringify(event);
      texts.set(event, text);
      return text;
    },
    replayBytes: () => bytes,
  };
}
