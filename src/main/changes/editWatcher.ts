// Watches the worktrees whose changes someone is looking at, so edits made outside any turn
// (in an editor, a terminal) reach the change set as "you" without waiting for a refresh. A
// window asks for a watch while its changes tab is open and renews it; a watch nobody renews
// lapses, so a closed window or a crashed client leaves no watcher behind. Bursts of events
// (a save, a checkout, a build) become one recording after a quiet spell.
//
// Each folder gets its own watch, found by an asynchronous walk: Node's recursive watch on
// Linux walks the tree synchronously (over half a second for 20k files), which would stall
// the core. Dependency and git folders are left out, and so is anything past a cap of
// folders, so a huge tree cannot exhaust the system's watches; refresh still records it.
import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';

export interface EditWatcherOptions {
  /** Records the worktree's state; called once per burst of edits. */
  readonly record: (sessionId: string) => Promise<unknown>;
  /** How long the worktree must be quiet before it is recorded. */
  readonly quietMs?: number;
  /** How long a watch lasts without being renewed. */
  readonly leaseMs?: number;
  /** Most folders watched per worktree. */
  readonly maxFolders?: number;
}

/** Folders never watched: git's own, and dependency trees that are rebuilt, not edited. */
const skippedFolders = new Set(['.git', 'node_modules']);
const defaultMaxFolders = 5_000;

/** Watches every folder under a root (but skipped ones), following folders made and removed. */
class TreeWatch {
  readonly #watchers = new Map<string, FSWatcher>();
  #isClosed = false;

  readonly #onChange: () => void;
  readonly #maxFolders: number;

  constructor(root: string, onChange: () => void, maxFolders: number) {
    this.#onChange = onChange;
    this.#maxFolders = maxFolders;
    void this.#add(root);
  }

  get folders(): number {
    return this.#watchers.size;
  }

  async #add(folder: string): Promise<void> {
    if (this.#isClosed || this.#watchers.has(folder) || this.#watchers.size >= this.#maxFolders) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(folder, { persistent: false }, (event, name) => this.#onEvent(folder, event, name));
    } catch {
      return; // gone already, or not readable
    }
    watcher.on('error', () => this.#remove(folder));
    this.#watchers.set(folder, watcher);
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) if (entry.isDirectory() && !skippedFolders.has(entry.name)) await this.#add(join(folder, entry.name));
  }

  #onEvent(folder: string, event: string, name: string | null): void {
    if (this.#isClosed) return;
    if (name !== null && skippedFolders.has(name)) return;
    this.#onChange();
    if (event !== 'rename' || name === null) return;
    // A name came or went: a new folder is watched (with what it holds), a removed one dropped.
    const path = join(folder, name);
    stat(path).then(
      (found) => (found.isDirectory() ? this.#add(path) : undefined),
      () => this.#remove(path),
    );
  }

  #remove(folder: string): void {
    for (const [path, watcher] of this.#watchers) {
      if (path === folder || path.startsWith(folder + sep)) {
        watcher.close();
        this.#watchers.delete(path);
      }
    }
  }

  close(): void {
    this.#isClosed = true;
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }
}

interface Watch {
  readonly tree: TreeWatch;
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
    entry.tree.close();
  }

  return {
    watch(sessionId, folder) {
      const existing = watches.get(sessionId);
      if (existing) {
        existing.expiresAt = Date.now() + leaseMs;
        return leaseMs;
      }
      const entry: Watch = {
        tree: new TreeWatch(folder, () => schedule(sessionId, entry), options.maxFolders ?? defaultMaxFolders),
        expiresAt: Date.now() + leaseMs,
        timer: undefined,
        isRecording: false,
        isDirty: false,
      };
      watches.set(sessionId, entry);
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
