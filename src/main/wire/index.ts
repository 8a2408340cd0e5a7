// The server half of the wire protocol (src/shared/wire.ts), for any transport that carries text
// messages: the WebSocket of `boocode serve` and the control socket of a data folder's owner.
// One session per connection: it validates each request, answers it through the endpoint (a
// core, or a link to the core that owns the data folder), and forwards the live event stream.
import { fail, ok, parseArgs, type AppEvent, type BooApi, type Result, type SubscriptionMessage, type TransientEvent } from '../../shared/contract.ts';
import { WireRequestSchema, type WireServerMessage } from '../../shared/wire.ts';

/** What a session needs of the core behind it. A Core and a CoreLink both are one. */
export interface WireEndpoint {
  /** Validates `args` against the contract, then runs the command. Never throws. */
  dispatch(method: unknown, args: unknown): Promise<Result<unknown>>;
  readonly api: BooApi;
  /** The event as JSON; a core serializes each event once for every client. */
  serializeEvent?(event: AppEvent): string;
}

export interface WireTransport {
  send(text: string): void;
  /** Bytes handed to `send` that the peer has not taken yet. */
  bufferedBytes(): number;
  /** Stop reading the peer's messages (they wait in the kernel) until `resumeInput`. */
  pauseInput(): void;
  resumeInput(): void;
}

export const wireLimits = {
  /**
   * One outbound budget per client, for replies and events alike. Past it, no further request
   * of that client is read, and its event stream is dropped with a `resync` (the client re-reads
   * snapshots) instead of the server buffering without bound. A reloaded window's catch-up
   * after a burst of 10k streaming events is about 2 MB, well inside it.
   */
  maxBufferedBytes: 8 * 1024 * 1024,
  /** Requests of one client answered at once; more wait unread, in order. */
  maxInFlight: 32,
  /** Replayed events sent per turn of the event loop, so one late subscriber never stalls others. */
  replaySlice: 500,
  /** How often a paused session looks whether its peer has taken enough to go on. */
  drainCheckMs: 10,
} as const;

export interface WireSession {
  /** One text message from the peer; null for a frame that is not text. */
  receive(text: string | null): Promise<void>;
  /** The connection ended: stop following events. */
  close(): void;
}

export function createWireSession(
  endpoint: WireEndpoint,
  transport: WireTransport,
  options: {
    maxBufferedBytes?: number;
    maxInFlight?: number;
    log?: (line: string) => void;
    /**
     * Forward every terminal's output, not only that of terminals this connection attached. The
     * control socket needs it: a client process there (a second `serve`) calls and subscribes on
     * separate connections, and filters for its own windows itself.
     */
    isFollowingAllOutput?: boolean;
  } = {},
): WireSession {
  const maxBufferedBytes = options.maxBufferedBytes ?? wireLimits.maxBufferedBytes;
  const maxInFlight = options.maxInFlight ?? wireLimits.maxInFlight;
  const log = options.log ?? (() => {});
  const serialize = (event: AppEvent): string => endpoint.serializeEvent?.(event) ?? JSON.stringify(event);
  let unsubscribe: (() => void) | undefined;
  let subscription = 0;
  let lastSeq = 0;
  let isClosed = false;
  // Requests read but not yet started, and how many are being answered.
  const waiting: (string | null)[] = [];
  let inFlight = 0;
  let isPaused = false;
  let drainTimer: ReturnType<typeof setTimeout> | undefined;
  const interest = createOutputInterest();

  const sendText = (text: string): void => {
    if (!isClosed) transport.send(text);
  };
  const send = (message: WireServerMessage): void => sendText(JSON.stringify(message));
  const sendEvent = (event: AppEvent): void => sendText(`{"kind":"event","event":${serialize(event)}}`);
  const isOverBudget = (): boolean => transport.bufferedBytes() > maxBufferedBytes;

  function forward(message: SubscriptionMessage): void {
    if (message.kind === 'transient') {
      if (!options.isFollowingAllOutput && !interest.wants(message.event)) return;
      // Terminal output over budget is left out rather than dropping the whole stream: the
      // terminal's view sees the gap in offsets and reattaches. Flow control keeps a terminal
      // far below the budget, so only a stalled client gets here. Word that a view was detached
      // always goes: no more output will come to show it a gap.
      if (message.event.type === 'terminal.viewer.detached' || !isOverBudget()) sendText(JSON.stringify(message));
      return;
    }
    if (message.kind === 'event') {
      if (message.event.seq <= lastSeq) return; // already sent in the replay
      lastSeq = message.event.seq;
    }
    if (isOverBudget()) {
      dropStream();
      return;
    }
    if (message.kind === 'event') sendEvent(message.event);
    else {
      send(message);
      stopFollowing(); // the source ended this subscription
    }
  }

  /** The client cannot keep up: stop queueing its events and tell it to re-read snapshots. */
  function dropStream(): void {
    stopFollowing();
    send({ kind: 'resync', lastSeq });
  }

  function stopFollowing(): void {
    subscription += 1;
    unsubscribe?.();
    unsubscribe = undefined;
  }

  async function follow(id: number | string, args: unknown): Promise<void> {
    const position = parseArgs('events.subscribe', args);
    if (!position.ok) {
      send({ kind: 'response', id, result: position });
      return;
    }
    stopFollowing();
    const mine = subscription;
    // Live messages that arrive before the replay is out wait, so that the client sees every
    // event once and in order.
    let early: SubscriptionMessage[] | undefined = [];
    const { result, unsubscribe: stop } = await endpoint.api.subscribe(position.value, (message) => {
      if (mine !== subscription) return;
      if (early) early.push(message);
      else forward(message);
    });
    if (mine !== subscription || isClosed) {
      stop();
      return;
    }
    unsubscribe = stop;
    if (!result.ok) {
      stopFollowing();
      send({ kind: 'response', id, result });
      return;
    }
    if (result.value.kind === 'resync') {
      lastSeq = result.value.lastSeq;
      send({ kind: 'response', id, result });
    } else {
      // A long replay goes out in slices: the answer carries the first, live-shaped events the
      // rest, each slice after a turn of the event loop so that other clients are served too.
      const events = result.value.events;
      const first = events.slice(0, wireLimits.replaySlice);
      lastSeq = first.at(-1)?.seq ?? result.value.lastSeq;
      const answerLastSeq = events.length > first.length ? lastSeq : result.value.lastSeq;
      send({ kind: 'response', id, result: ok({ ...result.value, events: first, lastSeq: answerLastSeq }) });
      for (let index = first.length; index < events.length; index += wireLimits.replaySlice) {
        await new Promise((resolve) => setImmediate(resolve));
        if (mine !== subscription || isClosed) return;
        if (isOverBudget()) {
          dropStream();
          return;
        }
        for (const event of events.slice(index, index + wireLimits.replaySlice)) {
          lastSeq = event.seq;
          sendEvent(event);
        }
      }
      lastSeq = Math.max(lastSeq, result.value.lastSeq);
    }
    const caughtUp = early;
    early = undefined;
    for (const message of caughtUp) {
      if (mine !== subscription) return;
      forward(message);
    }
  }

  async function handle(text: string | null): Promise<void> {
    if (text === null) {
      send({ kind: 'response', id: null, result: fail('invalid-message', 'Binary frames are not part of the protocol; send JSON text.') });
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      send({ kind: 'response', id: null, result: fail('invalid-message', 'The message is not valid JSON.') });
      return;
    }
    const request = WireRequestSchema.safeParse(raw);
    if (!request.success) {
      send({ kind: 'response', id: recoverId(raw), result: fail('invalid-message', 'Expected {"id", "method", "args"}.') });
      return;
    }
    const { id, method, args } = request.data;
    interest.note(method, args);
    if (method === 'events.subscribe') return follow(id, args);
    if (method === 'events.unsubscribe') {
      stopFollowing();
      send({ kind: 'response', id, result: ok({ unsubscribed: true }) });
      return;
    }
    send({ kind: 'response', id, result: await endpoint.dispatch(method, args) });
  }

  /** Starts waiting requests while the client takes its answers; pauses reading otherwise. */
  function pump(): void {
    while (!isClosed && waiting.length > 0 && inFlight < maxInFlight && !isOverBudget()) {
      const text = waiting.shift() as string | null;
      inFlight += 1;
      void handle(text)
        .catch((error: unknown) => log(`wire message failed: ${String(error)}`))
        .finally(() => {
          inFlight -= 1;
          pump();
        });
    }
    const isBlocked = waiting.length > 0 || inFlight >= maxInFlight || isOverBudget();
    if (isBlocked && !isPaused && !isClosed) {
      isPaused = true;
      transport.pauseInput();
    } else if (!isBlocked && isPaused) {
      isPaused = false;
      transport.resumeInput();
    }
    // A client over budget is looked at again shortly: there is no portable drain event.
    if (isPaused && isOverBudget() && drainTimer === undefined && !isClosed) {
      drainTimer = setTimeout(() => {
        drainTimer = undefined;
        pump();
      }, wireLimits.drainCheckMs);
    }
  }

  return {
    async receive(text) {
      waiting.push(text);
      pump();
    },
    close() {
      isClosed = true;
      waiting.length = 0;
      if (drainTimer) clearTimeout(drainTimer);
      stopFollowing();
    },
  };
}

/**
 * Which terminals' output one connection wants: those a view on it attached and has not
 * detached. A window that does not show a flooding terminal must not receive its output, nor
 * spend its outbound budget on it.
 */
export interface OutputInterest {
  /** Looks at a request going through the connection (before it is answered). */
  note(method: unknown, args: unknown): void;
  /** Whether the connection gets this event; word that the core detached one of its views also forgets that view. */
  wants(event: TransientEvent): boolean;
  clear(): void;
}

export function createOutputInterest(): OutputInterest {
  const viewers = new Map<string, Set<string>>();
  return {
    note(method, args) {
      if (method !== 'terminals.attach' && method !== 'terminals.detach') return;
      const parsed = parseArgs(method, args);
      if (!parsed.ok) return;
      const { terminalId, viewerId } = parsed.value;
      const current = viewers.get(terminalId) ?? new Set<string>();
      if (method === 'terminals.attach') current.add(viewerId);
      else current.delete(viewerId);
      if (current.size > 0) viewers.set(terminalId, current);
      else viewers.delete(terminalId);
    },
    wants(event) {
      if (event.type === 'terminal.output.appended') return viewers.has(event.terminalId);
      // The core detached a view of this connection: its output stops here too.
      const current = viewers.get(event.terminalId);
      if (!current?.delete(event.viewerId)) return false;
      if (current.size === 0) viewers.delete(event.terminalId);
      return true;
    },
    clear: () => viewers.clear(),
  };
}

/** Splits a byte stream into newline-delimited messages (the control socket's framing). */
export function createLineReader(onLine: (line: string) => void, options: { maxLineBytes: number; onOverflow: () => void }): (chunk: Buffer) => void {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  return (chunk) => {
    let start = 0;
    for (let index = chunk.indexOf(10, start); index !== -1; index = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, index);
      const line = pendingBytes === 0 ? piece.toString('utf8') : Buffer.concat([...pending, piece]).toString('utf8');
      pending = [];
      pendingBytes = 0;
      start = index + 1;
      if (line.length > 0) onLine(line);
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
      if (pendingBytes > options.maxLineBytes) {
        pending = [];
        pendingBytes = 0;
        options.onOverflow();
      }
    }
  };
}

function recoverId(raw: unknown): number | string | null {
  if (typeof raw !== 'object' || raw === null || !('id' in raw)) return null;
  const id = (raw as { id: unknown }).id;
  if (typeof id === 'number' && Number.isInteger(id)) return id;
  if (typeof id === 'string' && id.length <= 64) return id;
  return null;
}
