// BooApi over the `boocode serve` WebSocket, with reconnection and backoff. After a reconnect
// the subscription is re-established by its owner (the app store) with the last seq it saw,
// so nothing is missed or shown twice. Framing lives in the shared wire client.
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
import { createWireClient, type WireClient } from '../../shared/wireClient.ts';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

export interface WebSocketClient extends BooApi {
  state(): ConnectionState;
  onStateChange(listener: (state: ConnectionState) => void): () => void;
  close(): void;
}

const reconnectDelaysMs = [250, 500, 1_000, 2_000, 5_000] as const;

export function createWebSocketClient(url: string): WebSocketClient {
  let socket: WebSocket | undefined;
  let wire: WireClient | undefined;
  let state: ConnectionState = 'connecting';
  let attempt = 0;
  let isClosed = false;
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
    const client = createWireClient((text) => ws.send(text));
    client.setListener((message) => liveListener?.(message));
    socket = ws;
    wire = client;
    ws.onopen = () => {
      attempt = 0;
      setState('connected');
      markOpened();
    };
    ws.onmessage = (event) => client.receive(String(event.data));
    ws.onclose = () => {
      client.disconnect('The connection to BooCode was lost.');
      if (isClosed) return;
      setState('reconnecting');
      const delay = reconnectDelaysMs[Math.min(attempt, reconnectDelaysMs.length - 1)];
      attempt += 1;
      setTimeout(connect, delay);
    };
  }

  async function request(method: string, args: unknown): Promise<Result<unknown>> {
    await opened;
    if (!socket || !wire || socket.readyState !== WebSocket.OPEN) return fail('internal', 'Not connected to BooCode.');
    return wire.request(method, args);
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
