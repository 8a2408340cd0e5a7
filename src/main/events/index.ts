// The app event stream: every event gets the next `seq`; a bounded replay buffer lets a client
// that reconnects (a reloaded renderer, a dropped WebSocket) pick up exactly where it left off,
// and a client that fell too far behind, or comes from an earlier run, is told to resync.
import { randomUUID } from 'node:crypto';
import type { AppEvent, AppEventDraft, SubscribeResult, SubscriptionMessage } from '../../shared/contract.ts';

export const eventTimings = {
  /**
   * Events kept for replay. A renderer reload takes well under a second; even a streaming
   * turn produces far fewer coalesced events than this in that time, so a reload replays
   * instead of re-reading every snapshot.
   */
  replayCapacity: 10_000,
} as const;

export type EventListener = (message: SubscriptionMessage) => void;

export interface EventBus {
  /** Identifies this run of the core; seqs restart with it. */
  readonly epoch: string;
  lastSeq(): number;
  /** Stamps and delivers events. Call only after the writes they describe have committed. */
  publish(drafts: readonly AppEventDraft[]): AppEvent[];
  /** Replay after `afterSeq` (or resync), then live delivery, with no gap between the two. */
  subscribe(position: { afterSeq: number; epoch?: string | undefined }, listener: EventListener): { result: SubscribeResult; unsubscribe: () => void };
  listenerCount(): number;
}

export function createEventBus(options: { replayCapacity?: number; onListenerError?: (error: unknown) => void } = {}): EventBus {
  const capacity = options.replayCapacity ?? eventTimings.replayCapacity;
  const epoch = randomUUID();
  // A ring: `buffer[(start + i) % capacity]` is the i-th oldest retained event.
  const buffer: AppEvent[] = [];
  let start = 0;
  let seq = 0;
  const listeners = new Set<EventListener>();

  function retained(): AppEvent[] {
    return buffer.length < capacity ? buffer.slice() : [...buffer.slice(start), ...buffer.slice(0, start)];
  }

  function remember(event: AppEvent): void {
    if (buffer.length < capacity) {
      buffer.push(event);
      return;
    }
    buffer[start] = event;
    start = (start + 1) % capacity;
  }

  function oldestSeq(): number {
    if (buffer.length === 0) return seq + 1;
    return (buffer.length < capacity ? buffer[0] : buffer[start])?.seq ?? seq + 1;
  }

  return {
    epoch,
    lastSeq: () => seq,
    publish(drafts) {
      const at = new Date().toISOString();
      const events = drafts.map((draft) => ({ ...draft, seq: ++seq, at }) as AppEvent);
      for (const event of events) remember(event);
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
  };
}
