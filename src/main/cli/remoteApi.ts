// BooApi over the WebSocket of a running `boocode serve`, for `boocode run --attach`: the turn
// runs on that server's core and reuses its warm agents.
import WebSocket from 'ws';
import { fail, type BooApi, type Result } from '../../shared/contract.ts';
import { createWireClient } from '../../shared/wireClient.ts';

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

  const wire = createWireClient((text) => socket.send(text));
  socket.on('message', (data) => wire.receive(data.toString()));
  socket.on('close', () => wire.disconnect('The connection to the server was lost.'));

  function request(method: string, args: unknown): Promise<Result<unknown>> {
    if (socket.readyState !== WebSocket.OPEN) return Promise.resolve(fail('internal', 'Not connected to the server.'));
    return wire.request(method, args);
  }

  return {
    ok: true,
    value: {
      call: (name, args) => request(name, args) as never,
      async subscribe(position, onMessage) {
        wire.setListener(onMessage);
        const result = (await request('events.subscribe', position)) as never;
        return { result, unsubscribe: () => wire.setListener(undefined) };
      },
      close: () => socket.close(),
    },
  };
}
