// Ownership of what the core starts. A DisposableStore owns child processes, timers, listeners
// and streams from the moment they are created and disposes them in reverse order, so whatever
// was started last (a listener on a process) goes before what it depends on (the process). A
// KeyedMutex serializes work per key, so two callers can never both create what one key owns.
// (VS Code's DisposableStore and its `Sequencer` per resource are the models.)

/** Something that can be given back; dispose() may be called more than once. */
export interface Disposable {
  dispose(): unknown;
}

export interface DisposableStore extends Disposable {
  /**
   * Takes ownership of a cleanup. The returned function runs it now and forgets it (for things
   * that end early on their own, so a long-lived store does not pile up finished entries).
   * Added after the store was disposed, it runs at once: a process spawned by a start that was
   * cancelled meanwhile is stopped instead of leaking.
   */
  add(cleanup: () => unknown): () => Promise<void>;
  /** A timer cleared on disposal; the returned function clears it earlier. */
  timeout(ms: number, callback: () => void): () => void;
  /** Listens until disposal; the returned function stops listening earlier. */
  listen(target: EmitterLike | EventTarget, event: string, listener: (...args: never[]) => void): () => void;
  readonly isDisposed: boolean;
  /**
   * Runs every cleanup, last added first, each once; one that throws or rejects does not stop
   * the others. Resolves when all have finished. Idempotent: a second call waits for the first.
   */
  dispose(): Promise<void>;
}

/** An EventEmitter (or a child process, a stream), as far as listening goes. */
export interface EmitterLike {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

export function createDisposableStore(onCleanupError: (error: unknown) => void = () => undefined): DisposableStore {
  // A Set keeps insertion order, and deleting a finished entry is O(1) on a warm agent's store.
  const cleanups = new Set<() => unknown>();
  let disposing: Promise<void> | undefined;

  async function runCleanup(cleanup: () => unknown): Promise<void> {
    try {
      await cleanup();
    } catch (error) {
      onCleanupError(error);
    }
  }

  function add(cleanup: () => unknown): () => Promise<void> {
    if (disposing) {
      const ran = runCleanup(cleanup);
      return () => ran;
    }
    let ran: Promise<void> | undefined;
    const once = () => {
      ran ??= runCleanup(cleanup);
      return ran;
    };
    cleanups.add(once);
    return () => {
      cleanups.delete(once);
      return once();
    };
  }

  return {
    add,
    timeout(ms, callback) {
      const timer = setTimeout(() => {
        remove();
        callback();
      }, ms);
      // An owned timer never keeps the process alive by itself: its owner decides that.
      timer.unref();
      const remove = add(() => clearTimeout(timer));
      return () => void remove();
    },
    listen(target, event, listener) {
      // The caller knows what its event passes (an Event, an exit code…); the store only relays.
      const relay = listener as (...args: unknown[]) => void;
      if (target instanceof EventTarget) target.addEventListener(event, relay);
      else target.on(event, relay);
      const remove = add(() => {
        if (target instanceof EventTarget) target.removeEventListener(event, relay);
        else target.off(event, relay);
      });
      return () => void remove();
    },
    get isDisposed() {
      return disposing !== undefined;
    },
    dispose() {
      disposing ??= (async () => {
        const reversed = [...cleanups].reverse();
        cleanups.clear();
        for (const cleanup of reversed) await runCleanup(cleanup);
      })();
      return disposing;
    },
  };
}

/**
 * Serializes work per key: `lock(key)` resolves with a release function once every earlier
 * holder of that key has released. Keys with no holder and no waiter take no memory.
 */
export interface KeyedMutex {
  /** Undefined when `signal` aborted before the lock was obtained (the waiter leaves the line). */
  lock(key: string, signal?: AbortSignal): Promise<(() => void) | undefined>;
  /** The lock if it is free now, without waiting. */
  tryLock(key: string): (() => void) | undefined;
  isLocked(key: string): boolean;
}

export function createKeyedMutex(): KeyedMutex {
  // A key is held while it is in the map; its value is the line of waiters, first come first
  // served. An uncontended lock allocates nothing but the line (it is on every warm turn's path).
  const lines = new Map<string, (() => void)[]>();

  function holdFor(key: string): () => void {
    let isReleased = false;
    return () => {
      if (isReleased) return;
      isReleased = true;
      const line = lines.get(key);
      const next = line?.shift();
      if (next) next();
      else lines.delete(key);
    };
  }

  return {
    lock(key, signal) {
      if (signal?.aborted) return Promise.resolve(undefined);
      const line = lines.get(key);
      if (!line) {
        lines.set(key, []);
        return Promise.resolve(holdFor(key));
      }
      return new Promise((resolve) => {
        const onAbort = () => {
          // Leaves the line at once; the ones behind it keep their order.
          const index = line.indexOf(grant);
          if (index >= 0) line.splice(index, 1);
          resolve(undefined);
        };
        const grant = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(holdFor(key));
        };
        line.push(grant);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    tryLock(key) {
      if (lines.has(key)) return undefined;
      lines.set(key, []);
      return holdFor(key);
    },
    isLocked: (key) => lines.has(key),
  };
}
