// Where the core keeps its terminals' screens: in one worker thread (screenWorker.ts), so that
// parsing a flood never keeps the core's thread from reading the ptys, or on the core's thread
// when the worker's file cannot be found (a bundle laid out differently). Both behave the same:
// a snapshot covers every write made before it was asked for.
import { Worker } from 'node:worker_threads';
import { createScreen, type ScreenOptions, type ScreenSnapshot, type SnapshotOptions } from './screen.ts';
import { workerFile } from './workerFile.ts';

export const screenWorkerLimits = {
  /**
   * Parsing makes short-lived garbage at the output's rate; V8 would grow the young generation
   * to ~48 MB for it and keep that resident. A small one is scavenged more often, cheaply.
   */
  maxYoungGenerationSizeMb: 8,
  /**
   * The worker's niceness (Linux). Under a flood the core's thread must drain each pty at once:
   * a pty holds ~4 KB, so a shell writes only as fast as it is read, and on a busy machine a
   * screen worker at the same priority takes turns with that reader (and the shells). Screens
   * are looked at now and then; the shells and the reads come first.
   */
  niceness: 10,
} as const;

export type ScreenRequest =
  | { readonly type: 'open'; readonly id: string; readonly options: ScreenOptions }
  | { readonly type: 'write'; readonly id: string; readonly data: string }
  | { readonly type: 'resize'; readonly id: string; readonly cols: number; readonly rows: number }
  | { readonly type: 'snapshot'; readonly id: string; readonly requestId: number; readonly whenParsed: boolean; readonly isParsedOnly: boolean; readonly isViewportOnly: boolean }
  | { readonly type: 'close'; readonly id: string };

export type ScreenReply =
  | { readonly type: 'parsed'; readonly id: string; readonly offset: number }
  | { readonly type: 'title'; readonly id: string; readonly title: string }
  | { readonly type: 'snapshot'; readonly requestId: number; readonly snapshot: ScreenSnapshot | undefined };

/** One terminal's screen, wherever it is kept. */
export interface ScreenHandle {
  /** Appends output that starts at the current end of the stream. */
  write(data: string): void;
  writtenOffset(): number;
  /** Stream offset the screen has parsed up to (as last reported by the worker). */
  parsedOffset(): number;
  /**
   * The screen covering every write made before this call; compact (all parsed) when
   * `whenParsed`. With `isParsedOnly` too, output written while it waited is left out: the
   * parsed screen alone, covering at least every write made before the call (for a view, which
   * gets the rest from the stream); with `isViewportOnly`, without the scrollback.
   */
  snapshot(options?: { whenParsed?: boolean } & SnapshotOptions): Promise<ScreenSnapshot>;
  resize(cols: number, rows: number): void;
  onParsed(listener: () => void): void;
  onTitle(listener: (title: string) => void): void;
  dispose(): void;
}

export interface ScreenHost {
  open(id: string, options: ScreenOptions): ScreenHandle;
  /** True when the screens live in a worker thread. */
  readonly isThreaded: boolean;
  dispose(): Promise<void>;
}

export function createScreenHost(options: { log: (line: string) => void; isThreaded?: boolean }): ScreenHost {
  const file = options.isThreaded === false ? undefined : workerFile('screenWorker');
  if (!file) {
    if (options.isThreaded !== false) options.log("terminal screens run on the core's thread: the screen worker's file was not found");
    return inThreadHost();
  }
  return threadedHost(file, options.log);
}

function threadedHost(file: URL, log: (line: string) => void): ScreenHost {
  interface Open {
    readonly options: ScreenOptions;
    written: number;
    parsed: number;
    cols: number;
    rows: number;
    readonly parsedListeners: (() => void)[];
    readonly titleListeners: ((title: string) => void)[];
  }
  const screens = new Map<string, Open>();
  const waiting = new Map<number, { resolve: (snapshot: ScreenSnapshot | undefined) => void }>();
  let nextRequest = 1;
  let isDisposed = false;
  let worker = start();

  function start(): Worker {
    const started = new Worker(file, { resourceLimits: { maxYoungGenerationSizeMb: screenWorkerLimits.maxYoungGenerationSizeMb } });
    // The core's life decides the process's; a screen worker never keeps it running.
    started.unref();
    started.on('message', (reply: ScreenReply) => {
      if (reply.type === 'snapshot') {
        waiting.get(reply.requestId)?.resolve(reply.snapshot);
        waiting.delete(reply.requestId);
        return;
      }
      const screen = screens.get(reply.id);
      if (!screen) return;
      if (reply.type === 'parsed') {
        screen.parsed = reply.offset;
        for (const listener of screen.parsedListeners) listener();
      } else {
        for (const listener of screen.titleListeners) listener(reply.title);
      }
    });
    started.on('error', (error) => log(`the terminal screen worker failed: ${error.stack ?? error.message}`));
    started.on('exit', (code) => {
      if (isDisposed) return;
      // The screens' contents are gone with it; the terminals go on from empty screens at the
      // same offsets, and nothing waits for a snapshot that will not come.
      log(`the terminal screen worker exited (code ${code}); terminal screens start over empty`);
      for (const { resolve } of waiting.values()) resolve(undefined);
      waiting.clear();
      worker = start();
      for (const [id, screen] of screens) {
        screen.parsed = screen.written;
        worker.postMessage({ type: 'open', id, options: { ...screen.options, cols: screen.cols, rows: screen.rows, initial: undefined, offset: screen.written } } satisfies ScreenRequest);
        for (const listener of screen.parsedListeners) listener();
      }
    });
    return started;
  }

  const post = (request: ScreenRequest) => {
    if (!isDisposed) worker.postMessage(request);
  };

  return {
    isThreaded: true,
    open(id, screenOptions) {
      const offset = screenOptions.offset ?? 0;
      const screen: Open = { options: screenOptions, written: offset, parsed: offset, cols: screenOptions.cols, rows: screenOptions.rows, parsedListeners: [], titleListeners: [] };
      screens.set(id, screen);
      post({ type: 'open', id, options: screenOptions });
      return {
        write(data) {
          if (data.length === 0) return;
          screen.written += data.length;
          post({ type: 'write', id, data });
        },
        writtenOffset: () => screen.written,
        parsedOffset: () => screen.parsed,
        snapshot({ whenParsed = false, isParsedOnly = false, isViewportOnly = false } = {}) {
          const empty = { screen: '', offset: screen.written, cols: screen.cols, rows: screen.rows };
          if (isDisposed) return Promise.resolve(empty);
          const requestId = nextRequest++;
          return new Promise((resolve) => {
            waiting.set(requestId, { resolve: (snapshot) => resolve(snapshot ?? empty) });
            post({ type: 'snapshot', id, requestId, whenParsed, isParsedOnly, isViewportOnly });
          });
        },
        resize(cols, rows) {
          screen.cols = cols;
          screen.rows = rows;
          post({ type: 'resize', id, cols, rows });
        },
        onParsed: (listener) => screen.parsedListeners.push(listener),
        onTitle: (listener) => screen.titleListeners.push(listener),
        dispose() {
          if (!screens.delete(id)) return;
          post({ type: 'close', id });
        },
      };
    },
    async dispose() {
      if (isDisposed) return;
      isDisposed = true;
      for (const { resolve } of waiting.values()) resolve(undefined);
      waiting.clear();
      await worker.terminate();
    },
  };
}

function inThreadHost(): ScreenHost {
  return {
    isThreaded: false,
    open(_id, screenOptions) {
      const screen = createScreen(screenOptions);
      return {
        write: (data) => screen.write(data),
        writtenOffset: () => screen.writtenOffset(),
        parsedOffset: () => screen.parsedOffset(),
        async snapshot({ whenParsed = false, isParsedOnly = false, isViewportOnly = false } = {}) {
          if (!whenParsed) return screen.snapshot();
          return screen.parsedSnapshot({ isParsedOnly, isViewportOnly });
        },
        resize: (cols, rows) => screen.resize(cols, rows),
        onParsed: (listener) => screen.onParsed(listener),
        onTitle: (listener) => screen.onTitle(listener),
        dispose: () => screen.dispose(),
      };
    },
    dispose: async () => {},
  };
}
