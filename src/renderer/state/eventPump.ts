// Events reach the window one by one but are applied in one batch per animation frame: a burst
// of ten thousand streaming deltas costs one state update and one render, not ten thousand.
// Hidden windows get no animation frames, so a timer stands in for them there.

export interface Scheduler {
  /** Runs `work` once, soon; returns a cancel. */
  schedule(work: () => void): () => void;
}

const hiddenFallbackMs = 100;

/** The next animation frame, or a timer when the window is hidden and frames do not come. */
export const frameScheduler: Scheduler = {
  schedule(work) {
    let isDone = false;
    const run = () => {
      if (isDone) return;
      isDone = true;
      cancelAnimationFrame(frame);
      clearTimeout(timer);
      work();
    };
    const frame = requestAnimationFrame(run);
    const timer = setTimeout(run, hiddenFallbackMs);
    return () => {
      isDone = true;
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  },
};

export interface EventPump<T> {
  push(item: T): void;
  /** Applies what is waiting now (before a snapshot replaces the state, say). */
  flush(): void;
  clear(): void;
}

export function createEventPump<T>(apply: (batch: T[]) => void, scheduler: Scheduler = frameScheduler): EventPump<T> {
  let waiting: T[] = [];
  let cancel: (() => void) | undefined;
  function flush(): void {
    cancel?.();
    cancel = undefined;
    if (waiting.length === 0) return;
    const batch = waiting;
    waiting = [];
    apply(batch);
  }
  return {
    push(item) {
      waiting.push(item);
      cancel ??= scheduler.schedule(flush);
    },
    flush,
    clear() {
      cancel?.();
      cancel = undefined;
      waiting = [];
    },
  };
}
