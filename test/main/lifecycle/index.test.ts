import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { createDisposableStore, createKeyedMutex } from '../../../src/main/lifecycle/index.ts';
import { isAlive, killGroup, waitForGroupGone } from '../../fixtures/processes.ts';

describe('disposable store', () => {
  test('disposes what it owns last-added first, each cleanup once, however often it is disposed', async () => {
    const store = createDisposableStore();
    const order: string[] = [];
    store.add(() => order.push('process'));
    store.add(async () => {
      await sleep(5);
      order.push('stream');
    });
    store.add(() => order.push('listener'));
    await Promise.all([store.dispose(), store.dispose()]);
    await store.dispose();
    expect(order).toEqual(['listener', 'stream', 'process']);
    expect(store.isDisposed).toBe(true);
  });

  test('a cleanup that throws is reported and the others still run', async () => {
    const errors: unknown[] = [];
    const store = createDisposableStore((error) => errors.push(error));
    const ran: string[] = [];
    store.add(() => ran.push('first'));
    store.add(() => {
      throw new Error('broken cleanup');
    });
    store.add(() => Promise.reject(new Error('broken async cleanup')));
    await store.dispose();
    expect(ran).toEqual(['first']);
    expect(errors.map((error) => (error as Error).message)).toEqual(['broken async cleanup', 'broken cleanup']);
  });

  test('a process added after the store was disposed is stopped at once', async () => {
    const store = createDisposableStore();
    await store.dispose();
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const pid = child.pid ?? 0;
    try {
      await store.add(() => killGroup(pid, 500))();
      expect(await waitForGroupGone(pid, 2_000)).toBe(true);
      expect(isAlive(pid)).toBe(false);
    } finally {
      await killGroup(pid, 100);
    }
  });

  test('an entry removed early runs its cleanup then, and not again at disposal', async () => {
    const store = createDisposableStore();
    let runs = 0;
    const remove = store.add(() => {
      runs += 1;
    });
    await remove();
    await remove();
    await store.dispose();
    expect(runs).toBe(1);
  });

  test('an owned timer fires once when due and never after disposal', async () => {
    const store = createDisposableStore();
    let due = 0;
    let late = 0;
    store.timeout(5, () => {
      due += 1;
    });
    store.timeout(50, () => {
      late += 1;
    });
    await sleep(20);
    await store.dispose();
    await sleep(60);
    expect([due, late]).toEqual([1, 0]);
  });

  test('listeners on an emitter and on an event target are removed at disposal', async () => {
    const store = createDisposableStore();
    const emitter = new EventEmitter();
    const target = new EventTarget();
    let heard = 0;
    store.listen(emitter, 'data', () => {
      heard += 1;
    });
    store.listen(target, 'ping', () => {
      heard += 1;
    });
    emitter.emit('data');
    target.dispatchEvent(new Event('ping'));
    await store.dispose();
    emitter.emit('data');
    target.dispatchEvent(new Event('ping'));
    expect(heard).toBe(2);
    expect(emitter.listenerCount('data')).toBe(0);
  });
});

describe('keyed mutex', () => {
  test('holders of one key run one at a time in arrival order, while another key runs at once', async () => {
    const mutex = createKeyedMutex();
    const log: string[] = [];
    const hold = async (key: string, name: string, ms: number) => {
      const release = await mutex.lock(key);
      log.push(`${name} in`);
      await sleep(ms);
      log.push(`${name} out`);
      release?.();
    };
    await Promise.all([hold('chat', 'first', 30), hold('chat', 'second', 5), hold('other', 'other', 1)]);
    expect(log).toEqual(['first in', 'other in', 'other out', 'first out', 'second in', 'second out']);
    expect(mutex.isLocked('chat')).toBe(false);
  });

  test('a waiter whose signal aborts leaves at once, and the ones behind it keep their order', async () => {
    const mutex = createKeyedMutex();
    const first = await mutex.lock('k');
    const giveUp = new AbortController();
    const quitter = mutex.lock('k', giveUp.signal);
    const order: string[] = [];
    const patient = mutex.lock('k').then((release) => {
      order.push('patient');
      return release;
    });
    giveUp.abort();
    expect(await quitter).toBeUndefined();
    expect(order).toEqual([]);
    first?.();
    (await patient)?.();
    expect(order).toEqual(['patient']);
    expect(mutex.isLocked('k')).toBe(false);
  });

  test('tryLock fails while a key is held and succeeds the moment its last holder releases', async () => {
    const mutex = createKeyedMutex();
    const release = await mutex.lock('k');
    expect(mutex.tryLock('k')).toBeUndefined();
    release?.();
    const again = mutex.tryLock('k');
    expect(again).toBeTypeOf('function');
    again?.();
    expect(mutex.isLocked('k')).toBe(false);
  });
});
