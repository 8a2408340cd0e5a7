// How a view follows one terminal of the core, apart from xterm and the DOM: it attaches (the
// core answers with the screen as escape sequences and the stream offset it covers), places
// every output event by its offset (skipping what it has, attaching again at a gap), hands the
// output to its terminal a slice at a time, and acknowledges what the terminal parsed so that
// the core can pause a shell whose views fall behind.
//
// Under a flood the browser's xterm parses more slowly than a pty writes: held to the view's
// pace, a `cat` of a big log or a `seq 1 2000000` takes as long as the page needs to parse every
// byte. When what arrived, or an acknowledgement's answer, shows the view far behind the
// stream's end, it steps aside (detaches, so the shell no longer waits for it) and looks at the
// core's screen a few times a second instead; once the output slows down it follows the stream
// again. Each look, and the last one, is exactly the screen and scrollback that parsing every
// byte would have left (the core's screen skips only text that could not have changed them);
// only the frames in between are never drawn.
import type { BooError, Result } from '../../shared/contract.ts';
import type { TerminalAttachment, TerminalOutputEvent } from '../../shared/terminals.ts';

export const followerFlow = {
  /**
   * Parsed output is acknowledged when this much has gathered, and whenever everything received
   * is parsed: the core's low watermark is 128k units, so a few acknowledgements per watermark
   * keep the shell going without a request per batch.
   */
  ackChunk: 64 * 1024,
  /** Output handed to the terminal and not parsed yet, at most: what stepping aside leaves to parse. */
  maxUnparsed: 128 * 1024,
  /** Output is handed to the terminal in writes of at most this much. */
  maxSlice: 16 * 1024,
  /**
   * This far behind the stream's end (in what arrived, or when an acknowledgement is answered),
   * the view steps aside: well below the core's high watermark (512k units), where the shell
   * would start waiting for it.
   */
  floodLag: 256 * 1024,
  /**
   * While a flood lasts, the view shows the core's screen at least this often. The core answers
   * a look sooner when the output pauses for `floodQuietMs`: the end of a flood shows at once,
   * and its middle costs the page a screen only now and then.
   */
  floodLookMs: 100,
  floodQuietMs: 8,
  /** Between one look and the next: a look answered at every short pause would cost a screen per pause. */
  floodLookGapMs: 16,
} as const;

export type FollowerFlow = { readonly [key in keyof typeof followerFlow]: number };

/** Where the output goes: an xterm in the page, a headless one in tests. */
export interface FollowerSink {
  readonly cols: number;
  readonly rows: number;
  /** Writes output; `parsed` runs once the terminal has parsed it (and everything before it). */
  write(data: string, parsed?: () => void): void;
  resize(cols: number, rows: number): void;
}

/** The core's terminal commands, for one terminal and one view. */
export interface FollowerApi {
  /** Past `detachBeyond` units behind, the core detaches the view rather than wait for it. */
  attach(detachBeyond: number): Promise<Result<TerminalAttachment>>;
  /** The screen, without following (`terminals.screen`), once the output paused for `quietMs` or after `atMostMs`. */
  look(wait: { quietMs: number; atMostMs: number }): Promise<Result<TerminalAttachment>>;
  detach(): void;
  ack(offset: number): Promise<Result<{ acknowledged: boolean; end: number }>>;
}

export interface FollowerOptions {
  /**
   * After each attachment, at the core's size (the view fits itself after); after a look at the
   * screen only when it changed the view's size (a glance during a flood leaves it as it was).
   */
  readonly onAttached?: (attachment: TerminalAttachment) => void;
  readonly onError?: (error: BooError) => void;
  readonly flow?: Partial<FollowerFlow>;
}

export interface TerminalFollower {
  /** An output event of this terminal, in the order the core published them. */
  take(event: TerminalOutputEvent): void;
  /** The core detached this view: it fell `floodLag` behind. */
  detached(): void;
  /** Attaches again from the core's screen (a reconnect, a resync). */
  reattach(): Promise<void>;
  /** Following the stream, as opposed to attaching or stepped aside during a flood. */
  isFollowing(): boolean;
  /** Stepped aside from a flood at least once, how many times (a figure for tests and benchmarks). */
  stepAsideCount(): number;
  /** Units handed to the terminal from the stream (not counting screens), since it started. */
  streamedUnits(): number;
  dispose(): void;
}

/** Full reset (RIS), in the stream: it takes effect after what the terminal still has to parse. */
const fullReset = '\x1bc';

export function createFollower(sink: FollowerSink, api: FollowerApi, options: FollowerOptions = {}): TerminalFollower {
  const flow: FollowerFlow = { ...followerFlow, ...options.flow };
  /** Stream offsets: everything received, handed to the terminal, parsed by it, acknowledged. */
  let received = 0;
  let handed = 0;
  let parsed = 0;
  let acknowledged = 0;
  /** Received, not yet handed to the terminal. */
  let waiting: { end: number; data: string }[] = [];
  /** Events that arrived while an attachment was under way. */
  let early: TerminalOutputEvent[] = [];
  let isAttached = false;
  /** An attachment is under way: events wait in `early` for its screen. */
  let isAttaching = false;
  /** The core detached this view before its attachment was answered (it fell behind while the screen was taken). */
  let isDetachedEarly = false;
  let lookTimer: ReturnType<typeof setTimeout> | undefined;
  let isDisposed = false;
  // Bumped by every attachment and every step aside: callbacks from before are ignored.
  let generation = 0;
  let stepAsides = 0;
  let streamed = 0;

  void attach();

  return {
    take(event) {
      if (isDisposed) return;
      if (isAttached) take(event);
      else if (isAttaching) early.push(event);
    },
    detached() {
      if (isDisposed) return;
      if (isAttached) stepAside();
      // The attachment under way was asked for after any older detachment: this one is about it.
      else if (isAttaching) isDetachedEarly = true;
    },
    reattach: () => attach(),
    isFollowing: () => isAttached,
    stepAsideCount: () => stepAsides,
    streamedUnits: () => streamed,
    dispose() {
      isDisposed = true;
      generation += 1;
      clearTimeout(lookTimer);
      lookTimer = undefined;
      waiting = [];
      early = [];
    },
  };

  /** Takes the core's screen and follows the stream from there. */
  async function attach(): Promise<void> {
    const mine = startOver();
    isAttaching = true;
    const attached = await api.attach(flow.floodLag);
    if (mine !== generation || isDisposed) return;
    isAttaching = false;
    if (!attached.ok) {
      options.onError?.(attached.error);
      return;
    }
    show(attached.value);
    isAttached = true;
    if (isDetachedEarly) {
      // No output follows this screen: the core stopped sending it. Look instead.
      stepAside();
      return;
    }
    const arrived = early;
    early = [];
    for (const event of arrived) take(event);
  }

  /** During a flood: shows the core's screen, and follows again once the stream has slowed down. */
  async function look(): Promise<void> {
    const mine = startOver();
    const looked = await api.look({ quietMs: flow.floodQuietMs, atMostMs: flow.floodLookMs });
    if (mine !== generation || isDisposed) return;
    if (!looked.ok) {
      options.onError?.(looked.error);
      return;
    }
    const isFlooding = looked.value.offset - received > flow.floodLag;
    show(looked.value, { isLook: true });
    if (isFlooding) lookTimer = setTimeout(() => void look(), flow.floodLookGapMs);
    else void attach();
  }

  function startOver(): number {
    generation += 1;
    isAttached = false;
    isAttaching = false;
    isDetachedEarly = false;
    early = [];
    clearTimeout(lookTimer);
    lookTimer = undefined;
    waiting = [];
    return generation;
  }

  function show(attachment: TerminalAttachment, { isLook = false } = {}): void {
    const { screen, offset, cols, rows } = attachment;
    received = offset;
    handed = offset;
    parsed = offset;
    acknowledged = offset;
    // The screen was serialized at the core's size: written at that size, then fitted, it reflows as xterm would have.
    const isResized = cols !== sink.cols || rows !== sink.rows;
    if (isResized) sink.resize(cols, rows);
    // What the terminal had not parsed yet of the old stream is parsed first, then wiped by the reset.
    sink.write(fullReset + screen);
    // Fitting measures the page (a forced layout): not for every glance of a flood.
    if (!isLook || isResized) options.onAttached?.(attachment);
  }

  function take(event: TerminalOutputEvent): void {
    const end = event.offset + event.data.length;
    if (end <= received) return; // already shown (it came before the attachment's screen)
    if (event.offset > received) {
      // Output went missing on the way (a client over its budget): the screen is the truth.
      void attach();
      return;
    }
    waiting.push({ end, data: event.offset === received ? event.data : event.data.slice(received - event.offset) });
    received = end;
    // Already this far behind what arrived: step aside now, before the shell has to wait for
    // this view (an acknowledgement's answer would tell the same a parse slice and a round trip later).
    if (received - parsed > flow.floodLag) {
      stepAside();
      return;
    }
    pump();
  }

  /** Hands the terminal what waits, so that what it has not parsed stays bounded. */
  function pump(): void {
    const mine = generation;
    while (waiting.length > 0 && handed - parsed < flow.maxUnparsed) {
      const next = waiting[0] as { end: number; data: string };
      let piece = next;
      if (next.data.length > flow.maxSlice) {
        // xterm parses a write whole before it looks at the clock: in slices, the page takes
        // the next output (and sees how far behind it is) between two of them. xterm joins a
        // character split between two writes.
        const rest = next.data.slice(flow.maxSlice);
        piece = { end: next.end - rest.length, data: next.data.slice(0, flow.maxSlice) };
        waiting[0] = { end: next.end, data: rest };
      } else {
        waiting.shift();
      }
      streamed += piece.end - handed;
      handed = piece.end;
      sink.write(piece.data, () => {
        if (mine !== generation) return;
        parsed = piece.end;
        acknowledge();
        pump();
      });
    }
  }

  function acknowledge(): void {
    if (parsed <= acknowledged) return;
    if (parsed - acknowledged < flow.ackChunk && parsed !== received) return;
    acknowledged = parsed;
    const mine = generation;
    const offset = parsed;
    void api.ack(offset).then((answer) => {
      if (answer.ok && mine === generation && isAttached && answer.value.end - offset > flow.floodLag) stepAside();
    });
  }

  /** Stops following (the shell no longer waits for this view) and looks at the screen once the flood pauses, or shortly. */
  function stepAside(): void {
    stepAsides += 1;
    api.detach();
    void look(); // which starts over: nothing of the stream it followed is taken any more
  }
}
