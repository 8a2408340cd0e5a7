import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import type { AppEventDraft, ProjectId, SubscriptionMessage } from '../../src/shared/contract.ts';
import { createEventBus, eventTimings } from '../../src/main/events/index.ts';
import { createUnitOfWork } from '../../src/main/store/index.ts';
import { openStore } from '../../src/main/store/index.ts';
import { tempDir } from '../helpers/tempDir.ts';

function removed(n: number): AppEventDraft {
  return { type: 'workspace.project.removed', projectId: `p${n}` as ProjectId };
}

describe('event bus', () => {
  test('the replay buffer is bounded by bytes as well as count: 5,000 events of 100 KB keep at most the cap, and a subscriber asking for the dropped ones is told to resync', () => {
    const bus = createEventBus();
    const delta = 'z'.repeat(100_000);
    for (let index = 0; index < 5_000; index += 1) bus.publish([{ type: 'chat.part.delta', chatId: 'c', messageId: 'm', partId: 'p', offset: index * 100_000, delta }]);
    expect(bus.replayBytes()).toBeLessThanOrEqual(eventTimings.replayBytes);
    expect(bus.replayBytes()).toBeGreaterThan(eventTimings.replayBytes - 200_000);
    expect(bus.subscribe({ afterSeq: 0, epoch: bus.epoch }, () => {}).result.kind).toBe('resync');
    const recent = bus.subscribe({ afterSeq: 4_990, epoch: bus.epoch }, () => {}).result;
    expect(recent.kind === 'replay' && recent.events.map((event) => event.seq)).toEqual(Array.from({ length: 10 }, (_, index) => 4_991 + index));
  });

  test('seq grows by one per event across publishes', () => {
    const bus = createEventBus();
    const first = bus.publish([removed(1), removed(2)]);
    const second = bus.publish([removed(3)]);
    expect([...first, ...second].map((event) => event.seq)).toEqual([1, 2, 3]);
    expect(bus.lastSeq()).toBe(3);
  });

  test('a subscriber resuming after seq N gets exactly the events after N, then live ones', () => {
    const bus = createEventBus();
    bus.publish([removed(1), removed(2), removed(3), removed(4)]);
    const live: SubscriptionMessage[] = [];
    const { result } = bus.subscribe({ afterSeq: 2, epoch: bus.epoch }, (message) => live.push(message));
    expect(result.kind).toBe('replay');
    expect(result.kind === 'replay' && result.events.map((event) => event.seq)).toEqual([3, 4]);
    bus.publish([removed(5)]);
    expect(live).toEqual([{ kind: 'event', event: expect.objectContaining({ seq: 5 }) }]);
  });

  test('a subscriber that needs evicted events is told to resync', () => {
    const bus = createEventBus({ replayCapacity: 3 });
    for (let n = 1; n <= 10; n += 1) bus.publish([removed(n)]);
    expect(bus.subscribe({ afterSeq: 6 }, () => {}).result.kind).toBe('resync');
    const tail = bus.subscribe({ afterSeq: 7 }, () => {}).result;
    expect(tail.kind === 'replay' && tail.events.map((event) => event.seq)).toEqual([8, 9, 10]);
  });

  test('a subscriber from an earlier run, or from the future, is told to resync', () => {
    const bus = createEventBus();
    bus.publish([removed(1)]);
    expect(bus.subscribe({ afterSeq: 1, epoch: 'an-earlier-run' }, () => {}).result).toEqual({ kind: 'resync', epoch: bus.epoch, lastSeq: 1 });
    expect(bus.subscribe({ afterSeq: 99 }, () => {}).result.kind).toBe('resync');
  });

  test('unsubscribing stops delivery, and a throwing listener does not starve the others', () => {
    const errors: unknown[] = [];
    const bus = createEventBus({ onListenerError: (error) => errors.push(error) });
    const seen: number[] = [];
    bus.subscribe({ afterSeq: 0 }, () => {
      throw new Error('broken subscriber');
    });
    const { unsubscribe } = bus.subscribe({ afterSeq: 0 }, (message) => {
      if (message.kind === 'event') seen.push(message.event.seq);
    });
    bus.publish([removed(1)]);
    unsubscribe();
    bus.publish([removed(2)]);
    expect(seen).toEqual([1]);
    expect(errors).toHaveLength(2); // the broken listener is still subscribed for the second publish
  });
});

describe('unit of work', () => {
  test('events are published only after the write commits, and a listener can read the row', () => {
    const dir = tempDir();
    const store = openStore(dir);
    const bus = createEventBus();
    const unitOfWork = createUnitOfWork(store, bus);
    const reader = new Database(store.path, { readonly: true });
    const seenByListener: unknown[] = [];
    bus.subscribe({ afterSeq: 0 }, () => {
      seenByListener.push(reader.prepare("SELECT value FROM settings WHERE key = 'k'").pluck().get());
    });
    unitOfWork.run(() => {
      store.db.prepare("INSERT INTO settings (key, value) VALUES ('k', 'committed')").run();
      expect(bus.lastSeq()).toBe(0); // nothing published while the transaction is open
      return { value: undefined, events: [removed(1)] };
    });
    expect(seenByListener).toEqual(['committed']);
    reader.close();
    store.close();
  });

  test('a failed transaction publishes nothing and writes nothing', () => {
    const store = openStore(tempDir());
    const bus = createEventBus();
    const unitOfWork = createUnitOfWork(store, bus);
    expect(() =>
      unitOfWork.run(() => {
        store.db.prepare("INSERT INTO settings (key, value) VALUES ('k', 'v')").run();
        store.db.prepare("INSERT INTO settings (key, value) VALUES ('k', 'duplicate')").run();
        return { value: undefined, events: [removed(1)] };
      }),
    ).toThrow(/UNIQUE/);
    expect(bus.lastSeq()).toBe(0);
    expect(store.db.prepare('SELECT count(*) FROM settings').pluck().get()).toBe(0);
    store.close();
  });
});
