// Turns what needs the user into OS notifications without flooding them: at most one
// notification per entry (per turn, per permission request) for the life of the window, and
// entries that arrive together — twenty agents finishing at once — become one summary.

import type { InboxEntryKind } from './inboxModel.ts';

export const notificationTimings = {
  /** Entries closer together than this are one burst. */
  gatherMs: 400,
  /** A burst that keeps going is still told about this soon after it began. */
  maxWaitMs: 2_000,
} as const;

/** One thing to tell the user about. */
export interface NotificationCandidate {
  /** The inbox entry's key: one notification per key, ever. */
  readonly key: string;
  readonly kind: InboxEntryKind;
  readonly title: string;
  readonly body: string;
  /** What it is about, for a summary's list (the chat's title). */
  readonly subject: string;
  /** Where a click on it leads: the chat, at the turn when there is one. */
  readonly chatId: string;
  readonly turnId: string | undefined;
}

export type BatchedNotification =
  | { readonly kind: 'single'; readonly candidate: NotificationCandidate }
  | { readonly kind: 'summary'; readonly candidates: readonly NotificationCandidate[]; readonly title: string; readonly body: string };

export interface Timers {
  set(work: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (work, ms) => setTimeout(work, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface NotificationBatcher {
  /** Queues a candidate; one whose key was queued before is ignored. */
  offer(candidate: NotificationCandidate): void;
  dispose(): void;
}

export function createNotificationBatcher(deliver: (notification: BatchedNotification) => void, timers: Timers = realTimers, timings: typeof notificationTimings = notificationTimings): NotificationBatcher {
  const offered = new Set<string>();
  let waiting: NotificationCandidate[] = [];
  let quiet: unknown;
  let deadline: unknown;

  function flush(): void {
    timers.clear(quiet);
    timers.clear(deadline);
    quiet = undefined;
    deadline = undefined;
    const batch = waiting;
    waiting = [];
    if (batch.length === 0) return;
    const [only] = batch;
    if (batch.length === 1 && only) deliver({ kind: 'single', candidate: only });
    else deliver({ kind: 'summary', candidates: batch, ...summarize(batch) });
  }

  return {
    offer(candidate) {
      if (offered.has(candidate.key)) return;
      offered.add(candidate.key);
      waiting.push(candidate);
      timers.clear(quiet);
      quiet = timers.set(flush, timings.gatherMs);
      deadline ??= timers.set(flush, timings.maxWaitMs);
    },
    dispose() {
      timers.clear(quiet);
      timers.clear(deadline);
      waiting = [];
    },
  };
}

/** "20 turns finished", "2 permission requests, 1 turn failed"… */
export function summarize(batch: readonly NotificationCandidate[]): { title: string; body: string } {
  const count = (kind: InboxEntryKind) => batch.filter((candidate) => candidate.kind === kind).length;
  const parts = [
    plural(count('permission'), 'permission request', 'permission requests'),
    plural(count('failed'), 'turn failed', 'turns failed'),
    plural(count('finished'), 'turn finished', 'turns finished'),
  ].filter((part): part is string => part !== undefined);
  const names = [...new Set(batch.map((candidate) => candidate.subject))];
  const shown = names.slice(0, 3).join(', ');
  return {
    title: `BooCode: ${parts.join(', ')}`,
    body: names.length > 3 ? `${shown} and ${names.length - 3} more. Open "Needs you" to see them all.` : `${shown}. Open "Needs you" to see them.`,
  };
}

function plural(count: number, one: string, many: string): string | undefined {
  if (count === 0) return undefined;
  return `${count} ${count === 1 ? one : many}`;
}
