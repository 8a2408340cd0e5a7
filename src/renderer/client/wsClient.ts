// BooApi over the `boocode serve` WebSocket: request/response by id, one live subscription,
// and reconnection with backoff. After a reconnect the subscription is re-established by its
// owner (the app store) with the last seq it saw, so nothing is missed or shown twice.
import {
  fail,
  type BooApi,
  type CommandArgs,
  type CommandName,
  type CommandResult,
  type Result,
  type SubscribeResult,
  type SubscriptionMessage,
} from '../../shared/contract.ts';
import type { WireServerMessage } from '../../shared/wire.ts';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

export interface WebSocketClient extends BooApi {
  state(): ConnectionState;
  onStateChange(listener: (state: ConnectionState) => void): () => void;
  close(): void;
}

const reconnectDelaysMs = [250, 500, 1_000, 2_000, 5_000] as const;

export function createWebSocketClient(url: string): WebSocketClient {
  let socket: WebSocket | undefined;
  let state: ConnectionState = 'connecting';
  let attempt = 0;
  let nextId = 1;
  let isClosed = false;
  const pending = new Map<number, (result: Result<unknown>) => void>();
  const stateListeners = new Set<(state: ConnectionState) => void>();
  let liveListener: ((message: SubscriptionMessage) => void) | undefined;
  let opened: Promise<void>;
  let markOpened: () => void = () => {};

  function setState(next: ConnectionState): void {
    if (next === state) return;
    state = next;
    for (const listener of stateListeners) listener(next);
  }

  function connect(): void {
    opened = new Promise((resolve) => {
      markOpened = resolve;
    });
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      setState('connected');
      markOpened();
    };
    ws.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as WireServerMessage;
      if (message.kind === 'response') {
        if (typeof message.id !== 'number') return;
        pending.get(message.id)?.(message.result);
        pending.delete(message.id);
        return;
      }
      liveListener?.(message);
    };
    ws.onclose = () => {
      for (const resolve of pending.values()) resolve(fail('internal', 'The connection to BooCode was lost.'));
      pending.clear();
      if (isClosed) return;
      setState('reconnecting');
      const delay = reconnectDelaysMs[Math.min(attempt, reconnectDelaysMs.length - 1)];
      attempt += 1;
      setTimeout(connect, delay);
    };
  }

  async function request(method: string, args: unknown): Promise<Result<unknown>> {
    await opened;
    const ws = socket;
    if (!ws || ws.readyState !== WebSocket.OPEN) return fail('internal', 'Not connected to BooCode.');
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      ws.send(JSON.stringify({ id, method, args }));
    });
  }

  connect();

  return {
    call: <N extends CommandName>(name: N, args: CommandArgs<N>) => request(name, args) as Promise<Result<CommandResult<N>>>,
    async subscribe(position, listener) {
      liveListener = listener;
      const result = (await request('events.subscribe', position)) as Result<SubscribeResult>;
      return {
        result,
        unsubscribe: () => {
          if (liveListener === listener) liveListener = undefined;
          void request('events.unsubscribe', {});
        },
      };
    },
    state: () => state,
    onStateChange(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    close() {
      isClosed = true;
      socket?.close();
    },
  };
}

/** The socket URL of the page's own server, carrying the token from the page URL. */
export function socketUrlFor(location: Location): string {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${protocol}//${location.host}/ws?token=${encodeURIComponent(token)}`;
}
