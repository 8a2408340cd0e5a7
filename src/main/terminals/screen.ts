// A terminal's screen as the core keeps it: a headless xterm fed the same output the views get,
// so that a reloaded window (or a second one) reattaches to the exact screen and scrollback
// instead of a replay of raw bytes, and so that the screen can be saved for after a restart.
// xterm parses asynchronously, in slices; the output written but not parsed yet is kept beside
// it, so a snapshot taken at any moment covers everything up to the stream's end.
//
// Parsing costs more than reading (~20–30 MB/s against a pty's ~15–20), and under a flood most
// of it is wasted: of a `seq 1 2000000`, only the last screen and scrollback remain. So output is
// held back a few milliseconds before it is parsed, and held plain text (no escape or control
// sequence) that enough line feeds follow to push it out of the scrollback is skipped: it could
// not have changed what remains. Every snapshot, and everything a snapshot waits for, sees
// exactly the screen that parsing every byte would have left.
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
  /**
   * Stream offset of what the screen has taken in: parsed, skipped, or held back to be (a
   * bounded amount, see `screenHold`). What is past it waits in xterm's parser.
   */
  parsedOffset(): number;
  /** Everything written so far: the parsed screen plus the raw output behind it. */
  snapshot(): ScreenSnapshot;
  /**
   * Once everything written before the call is parsed, the parsed screen, covering every such
   * write. Output written meanwhile waits, held, and is left out (or included, when a snapshot
   * asked for later has had it parsed by then); with `isParsedOnly` false, it follows as raw
   * output.
   * `isViewportOnly`: only the visible rows, no scrollback (a glance during a flood).
   */
  parsedSnapshot(options?: SnapshotOptions): Promise<ScreenSnapshot>;
  resize(cols: number, rows: number): void;
  onParsed(listener: () => void): void;
  onTitle(listener: (title: string) => void): void;
  stats(): ScreenStats;
  dispose(): void;
}

export interface SnapshotOptions {
  readonly isParsedOnly?: boolean;
  readonly isViewportOnly?: boolean;
}

export const screenHold = {
  /** Output waits this long before it is parsed: long enough for a flood to gather what can be skipped. */
  holdMs: 50,
  /** Held output past this much is parsed (or skipped) at once: what a screen keeps unparsed is bounded. */
  maxHeldChars: 512 * 1024,
} as const;

export interface ScreenStats {
  /** Stream characters handed to xterm to parse. */
  readonly parsedChars: number;
  /** Stream characters skipped: plain text that enough line feeds after it pushed out of the scrollback. */
  readonly skippedChars: number;
}

export interface ScreenOptions {
  readonly cols: number;
  readonly rows: number;
  readonly scrollback: number;
  /** A saved snapshot to start from (a restored terminal's old screen). */
  readonly initial?: string;
  /** Where the stream stands when the screen starts (a restarted terminal continues its offsets). */
  readonly offset?: number;
  /** Parse every byte as it comes (for comparison). */
  readonly isHoldingOff?: boolean;
  /** Ends each hold; a screen made in this process only (a function does not cross to a worker). */
  readonly holdTimer?: HoldTimer;
}

/** Calls `release` when a hold is over, unless the function it returns is called first. */
export type HoldTimer = (release: () => void) => () => void;

const holdForHoldTime: HoldTimer = (release) => {
  const timer = setTimeout(release, screenHold.holdMs);
  timer.unref?.();
  return () => clearTimeout(timer);
};

export function createScreen(options: ScreenOptions): Screen {
  const terminal = new Terminal({ cols: options.cols, rows: options.rows, scrollback: options.scrollback, allowProposedApi: true });
  const serializer = new SerializeAddon();
  // The addon is written against the browser xterm's types; the headless one has the same API.
  serializer.activate(terminal as unknown as ViewTerminal);
  let written = options.offset ?? 0;
  // Handed to xterm but not parsed yet, oldest first, with how much of the stream each piece is.
  const unparsed: Piece[] = [];
  let unparsedStreamLength = 0;
  // Written but not handed to xterm yet: held back, to be parsed or skipped.
  let held: Piece[] = [];
  let heldStreamLength = 0;
  const holdTimer = options.holdTimer ?? holdForHoldTime;
  let cancelHold: (() => void) | undefined;
  // A release under way, waiting for xterm to parse before it looks at what to skip.
  let isReleasing = false;
  // Parsed snapshots waiting: while any does, nothing is skipped, so that what it waits for leaves the exact screen.
  let exactWaiters = 0;
  let parsedChars = 0;
  let skippedChars = 0;
  const parsedListeners: (() => void)[] = [];
  let isDisposed = false;

  function enqueue(piece: Piece): void {
    unparsed.push(piece);
    unparsedStreamLength += piece.streamLength;
    parsedChars += piece.streamLength;
    terminal.write(piece.data, () => {
      // xterm parses writes in order, each whole, so the callback of a piece means every piece
      // before it is parsed too.
      unparsedStreamLength -= unparsed.shift()?.streamLength ?? 0;
      if (unparsed.length === 0 && isReleasing && !isDisposed) carryOnReleasing();
      for (const listener of parsedListeners) listener();
    });
  }

  /**
   * Hands what is held to xterm, oldest first, skipping what cannot change the screen that
   * remains. Before plain text that could be skipped, it waits for xterm to parse what it has
   * (the callback carries on), since only then is the state that text would meet known.
   * `isWhole`: everything, now, nothing skipped from here on.
   */
  function release(isWhole = false): void {
    cancelHold?.();
    cancelHold = undefined;
    isReleasing = true;
    carryOnReleasing(isWhole);
  }

  function carryOnReleasing(isWhole = false): void {
    // A parsed snapshot under way releases what it covers itself; the rest waits for it to be taken.
    while (held.length > 0 && (isWhole || exactWaiters === 0)) {
      const isSkipping = !isWhole;
      if (isSkipping && unparsed.length === 0) skipPushedOut();
      const piece = held.shift();
      if (!piece) break;
      heldStreamLength -= piece.streamLength;
      enqueue(piece);
      if (isSkipping && canSkip()) return;
    }
    isReleasing = false;
  }

  /** Hands xterm, whole, the held pieces that start before stream offset `end`. */
  function releaseUpTo(end: number): void {
    for (const piece of held.splice(0, heldPiecesBefore(end))) {
      heldStreamLength -= piece.streamLength;
      enqueue(piece);
    }
  }

  /** How many held pieces start before stream offset `end`. */
  function heldPiecesBefore(end: number): number {
    let start = written - heldStreamLength;
    let count = 0;
    while (count < held.length && start < end) {
      start += (held[count] as Piece).streamLength;
      count += 1;
    }
    return count;
  }

  /** Once no parsed snapshot waits: what was held meanwhile is released (and skipped) as any output is. */
  function holdAgain(): void {
    if (isDisposed || exactWaiters > 0 || isReleasing || held.length === 0) return;
    if (heldStreamLength >= screenHold.maxHeldChars) release();
    else cancelHold ??= holdTimer(() => release());
  }

  /**
   * Line feeds that must follow skipped text, counted from the first carriage return after it:
   * up to rows − 1 of them may only walk the cursor down through lines already on the screen,
   * then scrollback + rows + 1 more scroll every line that was there, or was written before
   * the carriage return (at a column the skipped text decided), out of the scrollback.
   */
  function skipLineFeeds(): number {
    return (terminal.options.scrollback ?? options.scrollback) + 2 * terminal.rows + 1;
  }

  /**
   * Where the held plain text, from the oldest piece, can be cut: the pieces before `index`, and
   * the first `lineFeeds` line feeds of piece `index`, with `skipLineFeeds` line feeds of plain
   * text still after them. Plain text changes only the cells it writes and the cursor, so what
   * follows it leaves the same screen with or without it, once it has pushed every line it
   * wrote on out of the scrollback: as long as the whole normal screen scrolls (a scroll region
   * or the alternate screen keeps lines that line feeds do not push out; only plain text counts
   * after it, since anything else could set one). Counted from the end of the plain text, so
   * the line feeds of what is skipped are never counted.
   */
  function skipCut(limit = held.length): { index: number; lineFeeds: number } | undefined {
    let end = 0;
    while (end < limit && isPlain(held[end] as Piece)) end += 1;
    const needed = skipLineFeeds();
    let after = 0;
    for (let index = end - 1; index >= 0; index -= 1) {
      const count = lineFeedsOf(held[index] as Piece);
      if (after + count >= needed) return { index, lineFeeds: after + count - needed };
      after += count;
    }
    return undefined;
  }

  function canSkip(): boolean {
    const cut = skipCut();
    return cut !== undefined && (cut.index > 0 || cut.lineFeeds > 0);
  }

  /**
   * Skips what can be, once xterm has parsed everything before it (its state is the one that
   * text would meet), counting only the line feeds of the first `limit` held pieces.
   */
  function skipPushedOut(limit = held.length): void {
    if (unparsed.length > 0 || !isScrollingWholeScreen(terminal)) return;
    const cut = skipCut(limit);
    if (!cut || (cut.index === 0 && cut.lineFeeds === 0)) return;
    // Just after the cut's last line feed in piece `cut.index`.
    const data = (held[cut.index] as Piece).data;
    let offset = -1;
    for (let count = 0; count < cut.lineFeeds; count += 1) offset = data.indexOf('\n', offset + 1);
    offset += 1;
    if (!reachesCarriageReturnFirst(cut.index, offset)) return;
    for (const piece of held.splice(0, cut.index)) {
      heldStreamLength -= piece.streamLength;
      skippedChars += piece.streamLength;
    }
    if (offset === 0) return;
    const rest = data.slice(offset);
    if (rest.length === 0) held.shift();
    else held[0] = { data: rest, streamLength: rest.length, isPlain: true };
    heldStreamLength -= offset;
    skippedChars += offset;
  }

  /** Whether the plain text from piece `index` at `start` has a carriage return before any line feed. */
  function reachesCarriageReturnFirst(index: number, start: number): boolean {
    for (let at = index; at < held.length; at += 1) {
      const piece = held[at] as Piece;
      if (!isPlain(piece)) return false;
      const from = at === index ? start : 0;
      const carriageReturn = piece.data.indexOf('\r', from);
      const lineFeed = piece.data.indexOf('\n', from);
      if (carriageReturn !== -1 && (lineFeed === -1 || carriageReturn < lineFeed)) return true;
      if (lineFeed !== -1) return false;
    }
    return false;
  }

  /**
   * Parses everything written before the call. One skip first, once xterm has parsed what it
   * was handed (the state the held text would meet), counting only line feeds written before
   * the call: what follows the skipped text (the line feeds that push it out) is then all parsed
   * before the promise resolves, and nothing is skipped meanwhile, so the screen is exact when
   * it does. Output written after the call stays held until the snapshot is taken: under a
   * flood, a look neither waits for it nor parses it whole, and it is skipped afterwards.
   */
  async function exactParse(): Promise<void> {
    const end = written;
    if (exactWaiters === 1 && unparsed.length > 0) await parsedSoFar();
    if (exactWaiters === 1 && !isDisposed) skipPushedOut(heldPiecesBefore(end));
    releaseUpTo(end);
    await parsedSoFar();
  }

  function parsedSoFar(): Promise<void> {
    return new Promise((resolve) => terminal.write('', resolve));
  }

  if (options.initial) enqueue(newPiece(options.initial, 0));

  function serializeParsed(isViewportOnly: boolean): string {
    return serializer.serialize(isViewportOnly ? { scrollback: 0 } : undefined);
  }

  return {
    write(data) {
      if (isDisposed || data.length === 0) return;
      written += data.length;
      const piece = newPiece(data, data.length);
      if (options.isHoldingOff) {
        enqueue(piece);
        return;
      }
      held.push(piece);
      heldStreamLength += piece.streamLength;
      if (isReleasing) return; // the release under way takes it
      if (exactWaiters > 0) return; // released once the parsed snapshot under way is taken
      if (heldStreamLength >= screenHold.maxHeldChars) release();
      else cancelHold ??= holdTimer(() => release());
    },
    writtenOffset: () => written,
    parsedOffset: () => written - unparsedStreamLength,
    snapshot() {
      // Synchronous: between two of xterm's parse slices, the buffer holds exactly the pieces
      // whose callbacks ran, and the rest follow as raw output.
      if (unparsed.length === 0 && exactWaiters === 0) skipPushedOut();
      const screen = serializeParsed(false) + unparsed.map((piece) => piece.data).join('') + held.map((piece) => piece.data).join('');
      return { screen, offset: written, cols: terminal.cols, rows: terminal.rows };
    },
    async parsedSnapshot({ isParsedOnly = true, isViewportOnly = false } = {}) {
      if (isDisposed) return { screen: '', offset: written, cols: terminal.cols, rows: terminal.rows };
      exactWaiters += 1;
      try {
        await exactParse();
        // Taken in the same turn as the callback (between two parse slices), nothing having
        // been skipped since the release: the buffer is exact up to what xterm has parsed.
        const parsedTo = written - unparsedStreamLength - heldStreamLength;
        if (isParsedOnly) return { screen: serializeParsed(isViewportOnly), offset: parsedTo, cols: terminal.cols, rows: terminal.rows };
        const rest = unparsed.map((piece) => piece.data).join('') + held.map((piece) => piece.data).join('');
        return { screen: serializeParsed(false) + rest, offset: written, cols: terminal.cols, rows: terminal.rows };
      } finally {
        exactWaiters -= 1;
        holdAgain();
      }
    },
    resize(cols, rows) {
      if (isDisposed || (cols === terminal.cols && rows === terminal.rows)) return;
      // Output written at the old size is parsed before the new size applies, as far as the
      // screen can tell (xterm applies a resize at once, ahead of what it has not parsed).
      release(true);
      terminal.resize(cols, rows);
    },
    onParsed(listener) {
      parsedListeners.push(listener);
    },
    onTitle(listener) {
      terminal.onTitleChange(listener);
    },
    stats: () => ({ parsedChars, skippedChars }),
    dispose() {
      if (isDisposed) return;
      isDisposed = true;
      cancelHold?.();
      held = [];
      parsedListeners.length = 0;
      terminal.dispose();
    },
  };
}

interface Piece {
  readonly data: string;
  readonly streamLength: number;
  /** Once asked: whether it is plain text, and its line feeds. */
  isPlain?: boolean;
  lineFeeds?: number;
}

function newPiece(data: string, streamLength: number): Piece {
  return { data, streamLength };
}

function lineFeedsOf(piece: Piece): number {
  piece.lineFeeds ??= lineFeeds(piece.data);
  return piece.lineFeeds;
}

/** Printable text, line feeds, carriage returns, tabs and backspaces; no escape, no other control character (C0 or C1). */
const notPlain = /[^\x20-\x7e\n\r\t\b\u00a0-\uffff]/;

function isPlain(piece: Piece): boolean {
  piece.isPlain ??= !notPlain.test(piece.data);
  return piece.isPlain;
}

function lineFeeds(data: string): number {
  let count = 0;
  for (let index = data.indexOf('\n'); index !== -1; index = data.indexOf('\n', index + 1)) count += 1;
  return count;
}

/**
 * The normal screen, its scroll region the whole screen. xterm's public API does not tell the
 * scroll region; without the internal buffer to ask, nothing is skipped.
 */
function isScrollingWholeScreen(terminal: InstanceType<typeof Terminal>): boolean {
  if (terminal.buffer.active.type !== 'normal') return false;
  const buffer = (terminal as unknown as { _core?: { buffer?: { scrollTop?: unknown; scrollBottom?: unknown } } })._core?.buffer;
  return buffer?.scrollTop === 0 && buffer.scrollBottom === terminal.rows - 1;
}
