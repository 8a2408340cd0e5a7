// The client half of the WebSocket protocol (wire.ts), for any socket: numbered requests paired
// with their responses, and pushed subscription messages handed to one listener. The browser
// renderer and `boocode run --attach` each wrap their own socket around it.
import { fail, type Result, type SubscriptionMessage } from './contract.ts';
import type { WireServerMessage } from './wire.ts';

export interface WireClient {
  /** Sends a command; resolves with its result, or a typed error if the connection drops first. */
  request(method: string, args: unknown): Promise<Result<unknown>>;
  /** Feed every text frame the socket receives. */
  receive(text: string): void;
  /** The socket closed: every pending request resolves with `reason`. */
  disconnect(reason: string): void;
  /** Where live events and resync notices go. */
  setListener(listener: ((message: SubscriptionMessage) => void) | undefined): void;
}

export function createWireClient(send: (text: string) => void): WireClient {
  let nextId = 1;
  const pending = new Map<number, (result: Result<unknown>) => void>();
  let listener: ((message: SubscriptionMessage) => void) | undefined;
  return {
    request(method, args) {
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        send(JSON.stringify({ id, method, args }));
      });
    },
    receive(text) {
      const message = JSON.parse(text) as WireServerMessage;
      if (message.kind !== 'response') {
        listener?.(message);
        return;
      }
      if (typeof message.id !== 'number') return; // an answer to a frame we never sent
      pending.get(message.id)?.(message.result);
      pending.delete(message.id);
    },
    disconnect(reason) {
      for (const resolve of pending.values()) resolve(fail('internal', reason));
      pending.clear();
    },
    setListener(next) {
      listener = next;
    },
  };
}
