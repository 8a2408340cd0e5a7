// Watches the worktrees whose changes someone is looking at, so edits made outside any turn
// (in an editor, a terminal) reach the change set as "you" without waiting for a refresh. A
// window asks for a watch while its changes tab is open and renews it; a watch nobody renews
// lapses, so a closed window or a crashed client leaves no watcher behind. Bursts of events
// (a save, a checkout, a build) become one recording after a quiet spell.
import { watch, type FSWatcher } from 'node:fs';

export interface EditWatcherOptions {
  /** Records the worktree's state; called once per burst of edits. */
  readonly record: (sessionId: string) => Promise<unknown>;
  /** How long the worktree must be quiet before it is recorded. */
  readonly quietMs?: number;
  /** How long a watch lasts without being renewed. */
  readonly leaseMs?: number;
}

interface Watch {
  readonly watcher: FSWatcher;
  expiresAt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  isRecording: boolean;
  isDirty: boolean;
}

export interface EditWatcher {
  /** Starts watching the folder for the session, or renews its lease; returns the lease in ms. */
  watch(sessionId: string, folder: string): number;
  /** Stops watching the session's folder (the session was archived or removed). */
  unwatch(sessionId: string): void;
  /** Sessions watched now. */
  watched(): string[];
  close(): void;
}

export function createEditWatcher(options: EditWatcherOptions): EditWatcher {
  const quietMs = options.quietMs ?? 700;
  const leaseMs = options.leaseMs ?? 60_000;
  const watches = new Map<string, Watch>();
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const [sessionId, entry] of watches) if (entry.expiresAt < now) unwatch(sessionId);
  }, Math.min(leaseMs, 10_000));
  sweeper.unref();

  function schedule(sessionId: string, entry: Watch): void {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => void flush(sessionId, entry), quietMs);
  }

  async function flush(sessionId: string, entry: Watch): Promise<void> {
    entry.timer = undefined;
    if (watches.get(sessionId) !== entry) return;
    // One recording at a time; edits during it are recorded after it.
    if (entry.isRecording) {
      entry.isDirty = true;
      return;
    }
    entry.isRecording = true;
    try {
      await options.record(sessionId);
    } catch {
      // A failed recording is retried by the next edit or refresh.
    } finally {
      entry.isRecording = false;
    }
    if (entry.isDirty) {
      entry.isDirty = false;
      schedule(sessionId, entry);
    }
  }

  function unwatch(sessionId: string): void {
    const entry = watches.get(sessionId);
    if (!entry) return;
    watches.delete(sessionId);
    if (entry.timer) clearTimeout(entry.timer);
    entry.watcher.close();
  }

  return {
    watch(sessionId, folder) {
      const existing = watches.get(sessionId);
      if (existing) {
        existing.expiresAt = Date.now() + leaseMs;
        return leaseMs;
      }
      const watcher = watch(folder, { recursive: true, persistent: false }, (_event, name) => {
        const entry = watches.get(sessionId);
        if (!entry) return;
        // Git's own bookkeeping is not an edit.
        if (name !== null && (name === '.git' || name.startsWith('.git/'))) return;
        schedule(sessionId, entry);
      });
      // A folder that goes away (the worktree removed) ends the watch.
      watcher.on('error', () => unwatch(sessionId));
      watches.set(sessionId, { watcher, expiresAt: Date.now() + leaseMs, timer: undefined, isRecording: false, isDirty: false });
      return leaseMs;
    },
    unwatch,
    watched: () => [...watches.keys()],
    close() {
      clearInterval(sweeper);
      for (const sessionId of [...watches.keys()]) unwatch(sessionId);
    },
  };
}
