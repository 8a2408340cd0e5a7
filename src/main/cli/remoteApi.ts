// BooApi over the WebSocket of a running `boocode serve`, for `boocode run --attach`: the turn
// runs on that server's core and reuses its warm agents.
import WebSocket from 'ws';
import { fail, type BooApi, type Result, type SubscriptionMessage } from '../../shared/contract.ts';
import type { WireServerMessage } from '../../shared/wire.ts';

export interface RemoteApi extends BooApi {
  close(): void;
}

/** Connects to the URL `boocode serve` printed (http://host:port/?token=…). */
export async function connectRemote(pageUrl: string): Promise<Result<RemoteApi>> {
  let url: URL;
  try {
    url = new URL(pageUrl);
  } catch {
    return fail('invalid-arguments', `--attach needs the URL that \`boocode serve\` printed, not "${pageUrl}".`);
  }
  const token = url.searchParams.get('token');
  if (!token) return fail('unauthorized', 'The --attach URL has no ?token=…; use the URL that `boocode serve` printed.');
  const socketUrl = `${url.protocol === 'https:' ? 'wss' : 'ws'}://${url.host}/ws?token=${encodeURIComponent(token)}`;
  const socket = new WebSocket(socketUrl);
  const opened = await new Promise<Result<void>>((resolve) => {
    socket.once('open', () => resolve({ ok: true, value: undefined }));
    socket.once('unexpected-response', (_request, response) =>
      resolve(fail(response.statusCode === 401 ? 'unauthorized' : 'internal', `The server refused the connection (HTTP ${response.statusCode}).`)),
    );
    socket.once('error', (error) => resolve(fail('internal', `Cannot reach ${url.host}: ${error.message}`)));
  });
  if (!opened.ok) return opened;

  let nextId = 1;
  const pending = new Map<number, (result: Result<unknown>) => void>();
  let listener: ((message: SubscriptionMessage) => void) | undefined;
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as WireServerMessage;
    if (message.kind !== 'response') return listener?.(message);
    if (typeof message.id !== 'number') return;
    pending.get(message.id)?.(message.result);
    pending.delete(message.id);
  });
  socket.on('close', () => {
    for (const resolve of pending.values()) resolve(fail('internal', 'The connection to the server was lost.'));
    pending.clear();
  });

  function request(method: string, args: unknown): Promise<Result<unknown>> {
    if (socket.readyState !== WebSocket.OPEN) return Promise.resolve(fail('internal', 'Not connected to the server.'));
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      socket.send(JSON.stringify({ id, method, args }));
    });
  }

  return {
    ok: true,
    value: {
      call: (name, args) => request(name, args) as never,
      async subscribe(position, onMessage) {
        listener = onMessage;
        const result = (await request('events.subscribe', position)) as never;
        return {
          result,
          unsubscribe: () => {
            listener = undefined;
          },
        };
      },
      close: () => socket.close(),
    },
  };
}
