// Notifications without a flood: one per entry ever, and a burst becomes one summary.
import { describe, expect, test } from 'vitest';
import { createNotificationBatcher, notificationTimings, summarize, type BatchedNotification, type NotificationCandidate, type Timers } from '../../src/renderer/inbox/notificationBatcher.ts';

/** A clock the test moves by hand, so bursts and pauses are exact. */
function manualClock(): Timers & { advance(ms: number): void } {
  let now = 0;
  let nextId = 0;
  const pending = new Map<number, { at: number; work: () => void }>();
  return {
    set(work, ms) {
      nextId += 1;
      pending.set(nextId, { at: now + ms, work });
      return nextId;
    },
    clear(handle) {
      pending.delete(handle as number);
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...pending.entries()].filter(([, timer]) => timer.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        pending.delete(due[0]);
        now = due[1].at;
        due[1].work();
      }
      now = until;
    },
  };
}

const finished = (index: number): NotificationCandidate => ({ key: `turn:${index}`, kind: 'finished', title: `qwen finished in Chat ${index}`, body: 'Session · acme', subject: `Chat ${index}`, chatId: `c${index}`, turnId: `${index}` });

describe('notification batching', () => {
  test('one entry on its own is one notification about it', () => {
    const clock = manualClock();
    const delivered: BatchedNotification[] = [];
    const batcher = createNotificationBatcher((notification) => delivered.push(notification), clock);
    batcher.offer(finished(1));
    clock.advance(notificationTimings.gatherMs);
    expect(delivered).toEqual([{ kind: 'single', candidate: finished(1) }]);
  });

  test('twenty turns finishing at once become one summary notification', () => {
    const clock = manualClock();
    const delivered: BatchedNotification[] = [];
    const batcher = createNotificationBatcher((notification) => delivered.push(notification), clock);
    for (let index = 1; index <= 20; index += 1) {
      batcher.offer(finished(index));
      clock.advance(30);
    }
    clock.advance(notificationTimings.maxWaitMs);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({ kind: 'summary', title: 'BooCode: 20 turns finished', body: 'Chat 1, Chat 2, Chat 3 and 17 more. Open "Needs you" to see them all.' });
  });

  test('a burst that never pauses is still told within the longest wait, and what follows is a new notification', () => {
    const clock = manualClock();
    const delivered: BatchedNotification[] = [];
    const batcher = createNotificationBatcher((notification) => delivered.push(notification), clock);
    for (let index = 1; index <= 30; index += 1) {
      batcher.offer(finished(index));
      clock.advance(100);
    }
    clock.advance(notificationTimings.gatherMs);
    expect(delivered.length).toBeGreaterThanOrEqual(2);
    expect(delivered.flatMap((notification) => (notification.kind === 'summary' ? notification.candidates : [notification.candidate]))).toHaveLength(30);
  });

  test('an entry offered twice is told once, however far apart', () => {
    const clock = manualClock();
    const delivered: BatchedNotification[] = [];
    const batcher = createNotificationBatcher((notification) => delivered.push(notification), clock);
    batcher.offer(finished(1));
    batcher.offer(finished(1));
    clock.advance(10_000);
    batcher.offer(finished(1));
    clock.advance(10_000);
    expect(delivered).toHaveLength(1);
  });

  test('a summary counts each kind', () => {
    const permission: NotificationCandidate = { ...finished(9), key: 'permission:r', kind: 'permission', subject: 'Chat 9' };
    const failed: NotificationCandidate = { ...finished(8), key: 'turn:8', kind: 'failed' };
    expect(summarize([permission, failed, finished(1), finished(2)])).toEqual({ title: 'BooCode: 1 permission request, 1 turn failed, 2 turns finished', body: 'Chat 9, Chat 8, Chat 1 and 1 more. Open "Needs you" to see them all.' });
  });
});
