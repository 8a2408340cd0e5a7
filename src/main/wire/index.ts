// The server half of the wire protocol (src/shared/wire.ts), for any transport that carries text
// messages: the WebSocket of `boocode serve` and the control socket of a data folder's owner.
// One session per connection: it validates each request, answers it through the endpoint (a
// core, or a link to the core that owns the data folder), and forwards the live event stream.
import { fail, ok, parseArgs, type BooApi, type Result, type SubscriptionMessage } from '../../shared/contract.ts';
import { WireRequestSchema, type WireServerMessage } from '../../shared/wire.ts';

/** What a session needs of the core behind it. A Core and a CoreLink both are one. */
export interface WireEndpoint {
  /** Validates `args` against the contract, then runs the command. Never throws. */
  dispatch(method: unknown, args: unknown): Promise<Result<unknown>>;
  readonly api: BooApi;
}

export interface WireTransport {
  send(text: string): void;
  /** Bytes handed to `send` that the peer has not taken yet. */
  bufferedBytes(): number;
}

export const wireLimits = {
  /**
   * Bytes queued to a slow peer before its subscription is dropped with a `resync`: the client
   * re-reads snapshots instead of the server buffering without bound.
   */
  maxBufferedBytes: 64 * 1024 * 1024,
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
  options: { maxBufferedBytes?: number; log?: (line: string) => void } = {},
): WireSession {
  const maxBufferedBytes = options.maxBufferedBytes ?? wireLimits.maxBufferedBytes;
  let unsubscribe: (() => void) | undefined;
  let subscription = 0;
  let lastSeq = 0;
  let isClosed = false;

  const send = (message: WireServerMessage): void => {
    if (!isClosed) transport.send(JSON.stringify(message));
  };

  function forward(message: SubscriptionMessage): void {
    if (message.kind === 'event') {
      if (message.event.seq <= lastSeq) return; // already sent in the replay
      lastSeq = message.event.seq;
    }
    if (transport.bufferedBytes() > maxBufferedBytes) {
      // The client cannot keep up: stop queueing and tell it to re-read snapshots.
      stopFollowing();
      send({ kind: 'resync', lastSeq });
      return;
    }
    send(message);
    if (message.kind === 'resync') stopFollowing(); // the source ended this subscription
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
    // Live messages that arrive before the answer wait, so the answer precedes every live event.
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
    if (result.ok) lastSeq = result.value.kind === 'replay' ? Math.max(result.value.lastSeq, ...result.value.events.map((event) => event.seq)) : result.value.lastSeq;
    else stopFollowing();
    send({ kind: 'response', id, result });
    const waiting = early;
    early = undefined;
    for (const message of waiting) forward(message);
  }

  return {
    async receive(text) {
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
      if (method === 'events.subscribe') return follow(id, args);
      if (method === 'events.unsubscribe') {
        stopFollowing();
        send({ kind: 'response', id, result: ok({ unsubscribed: true }) });
        return;
      }
      send({ kind: 'response', id, result: await endpoint.dispatch(method, args) });
    },
    close() {
      isClosed = true;
      stopFollowing();
    },
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
