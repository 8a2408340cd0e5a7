// Output read close together leaves as one piece: the first after a quiet spell leaves at once
// (an echoed keystroke never waits), then at most once per window, or at once when a piece
// reaches its size. The pty worker hands output to the core's thread this way, and the core
// publishes it to views this way, each with its own window and size.

export interface CoalescerOptions {
  readonly windowMs: number;
  readonly maxChars: number;
  readonly emit: (data: string) => void;
}

export interface Coalescer {
  /** Output gathered and not emitted yet, in UTF-16 code units. */
  readonly pendingChars: number;
  push(data: string): void;
  /** Emits what gathered now (a view attaching, a resize, the program's exit). */
  flush(): void;
  /** Stops the timer; what gathered is dropped. */
  dispose(): void;
}

export function createCoalescer({ windowMs, maxChars, emit }: CoalescerOptions): Coalescer {
  let pending: string[] = [];
  let pendingChars = 0;
  let timer: NodeJS.Timeout | undefined;
  let lastEmittedAt = Number.NEGATIVE_INFINITY;

  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pendingChars === 0) return;
    const data = pending.length === 1 ? (pending[0] as string) : pending.join('');
    pending = [];
    pendingChars = 0;
    lastEmittedAt = performance.now();
    emit(data);
  }

  return {
    get pendingChars() {
      return pendingChars;
    },
    push(data) {
      if (data.length === 0) return;
      pending.push(data);
      pendingChars += data.length;
      if (pendingChars >= maxChars) return flush();
      if (timer) return;
      const wait = lastEmittedAt + windowMs - performance.now();
      if (wait <= 0) flush();
      else timer = setTimeout(flush, wait);
    },
    flush,
    dispose() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending = [];
      pendingChars = 0;
    },
  };
}
