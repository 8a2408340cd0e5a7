// One client for the whole renderer: window.boo inside Electron, the WebSocket in a browser.
import type { BooApi } from '../../shared/contract.ts';
import { createWebSocketClient, socketUrlFor, type ConnectionState } from './wsClient.ts';

export type { ConnectionState };

export interface Connection {
  readonly api: BooApi;
  readonly transport: 'desktop' | 'browser';
  state(): ConnectionState;
  onStateChange(listener: (state: ConnectionState) => void): () => void;
}

declare global {
  interface Window {
    boo?: BooApi;
  }
}

export function connect(): Connection {
  if (window.boo) {
    const api = window.boo;
    return { api, transport: 'desktop', state: () => 'connected', onStateChange: () => () => {} };
  }
  const client = createWebSocketClient(socketUrlFor(window.location));
  return { api: client, transport: 'browser', state: client.state, onStateChange: client.onStateChange };
}
