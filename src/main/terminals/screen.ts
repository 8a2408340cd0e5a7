// A terminal's screen as the core keeps it: a headless xterm fed the same output the views get,
// so that a reloaded window (or a second one) reattaches to the exact screen and scrollback
// instead of a replay of raw bytes, and so that the screen can be saved for after a restart.
// xterm parses asynchronously, in slices; the output written but not parsed yet is kept beside
// it, so a snapshot taken at any moment covers everything up to the stream's end.
import headless from '@xterm/headless';
import serialize from '@xterm/addon-serialize';
import type { Terminal as ViewTerminal } from '@xterm/xterm';

const { Terminal } = headless;
const { SerializeAddon } = serialize;

export interface ScreenSnapshot {
  /** Escape sequences that rebuild the screen and scrollback in a fresh terminal of this size. */
  readonly screen: string;
  /** Stream offset the snapshot covers. */
  readonly offset: number;
  readonly cols: number;
  readonly rows: number;
}

export interface Screen {
  /** Appends output that starts at the current end of the stream. */
  write(data: string): void;
  /** Stream offset of everything written. */
  writtenOffset(): number;
  /** Stream offset of what the screen has parsed so far. */
  parsedOffset(): number;
  /**
   * Everything written so far: the parsed screen plus the raw output behind it; with
   * `isParsedOnly`, the parsed screen alone, covering the stream up to what is parsed, and with
   * `isViewportOnly` too, only its visible rows (no scrollback: a glance during a flood).
   */
  snapshot(options?: SnapshotOptions): ScreenSnapshot;
  /** Resolves once everything written so far is parsed. */
  whenParsed(): Promise<void>;
  resize(cols: number, rows: number): void;
  onParsed(listener: () => void): void;
  onTitle(listener: (title: string) => void): void;
  dispose(): void;
}

export interface SnapshotOptions {
  readonly isParsedOnly?: boolean;
  readonly isViewportOnly?: boolean;
}

export interface ScreenOptions {
  readonly cols: number;
  readonly rows: number;
  readonly scrollback: number;
  /** A saved snapshot to start from (a restored terminal's old screen). */
  readonly initial?: string;
  /** Where the stream stands when the screen starts (a restarted terminal continues its offsets). */
  readonly offset?: number;
}

export function createScreen(options: ScreenOptions): Screen {
  const terminal = new Terminal({ cols: options.cols, rows: options.rows, scrollback: options.scrollback, allowProposedApi: true });
  const serializer = new SerializeAddon();
  // The addon is written against the browser xterm's types; the headless one has the same API.
  serializer.activate(terminal as unknown as ViewTerminal);
  let written = options.offset ?? 0;
  // Written but not parsed yet, oldest first, with how much of the stream each piece is.
  const unparsed: { data: string; streamLength: number }[] = [];
  let unparsedStreamLength = 0;
  const parsedListeners: (() => void)[] = [];
  let isDisposed = false;

  function enqueue(data: string, streamLength: number): void {
    unparsed.push({ data, streamLength });
    unparsedStreamLength += streamLength;
    terminal.write(data, () => {
      // xterm parses writes in order, each whole, so the callback of a piece means every piece
      // before it is parsed too.
      unparsedStreamLength -= unparsed.shift()?.streamLength ?? 0;
      for (const listener of parsedListeners) listener();
    });
  }

  if (options.initial) enqueue(options.initial, 0);

  return {
    write(data) {
      if (isDisposed || data.length === 0) return;
      written += data.length;
      enqueue(data, data.length);
    },
    writtenOffset: () => written,
    parsedOffset: () => written - unparsedStreamLength,
    snapshot({ isParsedOnly = false, isViewportOnly = false } = {}) {
      // Synchronous: between two of xterm's parse slices, the buffer holds exactly the pieces
      // whose callbacks ran, and the rest follow as raw output.
      if (isParsedOnly) {
        const screen = serializer.serialize(isViewportOnly ? { scrollback: 0 } : undefined);
        return { screen, offset: written - unparsedStreamLength, cols: terminal.cols, rows: terminal.rows };
      }
      const screen = serializer.serialize() + unparsed.map((piece) => piece.data).join('');
      return { screen, offset: written, cols: terminal.cols, rows: terminal.rows };
    },
    whenParsed() {
      if (unparsed.length === 0 || isDisposed) return Promise.resolve();
      return new Promise((resolve) => terminal.write('', resolve));
    },
    resize(cols, rows) {
      if (!isDisposed && (cols !== terminal.cols || rows !== terminal.rows)) terminal.resize(cols, rows);
    },
    onParsed(listener) {
      parsedListeners.push(listener);
    },
    onTitle(listener) {
      terminal.onTitleChange(listener);
    },
    dispose() {
      if (isDisposed) return;
      isDisposed = true;
      parsedListeners.length = 0;
      terminal.dispose();
    },
  };
}
