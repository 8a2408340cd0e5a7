// Browser mode: the built renderer over HTTP and the contract over a WebSocket, on loopback by
// default. Every request needs the access token (query on first load, then an HttpOnly cookie),
// a Host we serve (against DNS rebinding) and, when the browser sends one, our own Origin.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP, type Socket } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { fail, ok, type Result } from '../../shared/contract.ts';
import { contentSecurityPolicyHeader } from '../../shared/csp.ts';
import { createWireSession, wireLimits, type WireEndpoint } from '../wire/index.ts';

export const serveLimits = {
  /** Largest WebSocket frame accepted; bigger ones close the socket (1009) before parsing. */
  maxMessageBytes: 16 * 1024 * 1024,
  /** Bytes queued to a slow socket before its subscription is dropped with a `resync`. */
  maxBufferedBytes: wireLimits.maxBufferedBytes,
} as const;

export interface ServeOptions {
  /** The core, or a link to the core that owns the data folder. */
  readonly core: WireEndpoint;
  readonly rendererDir: string;
  readonly host?: string;
  readonly port?: number;
  readonly allowRemote?: boolean;
  /** Fixed token (tests); a random one otherwise. */
  readonly token?: string;
  /** The outbound budget per client (tests use a small one); see wireLimits. */
  readonly maxBufferedBytes?: number;
  readonly log?: (line: string) => void;
}

export interface RunningServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

const TOKEN_COOKIE = 'boo_token';

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

export async function startServer(options: ServeOptions): Promise<Result<RunningServer>> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host) && !options.allowRemote) {
    return fail(
      'invalid-arguments',
      `Refusing to listen on ${host}: anyone who can reach it could drive your agents. Pass --allow-remote to do it anyway.`,
    );
  }
  const token = options.token ?? randomBytes(24).toString('base64url');
  const log = options.log ?? (() => {});
  const sockets = new Set<WebSocket>();
  let isClosing = false;
  const wss = new WebSocketServer({ noServer: true, maxPayload: serveLimits.maxMessageBytes });
  let port = options.port ?? 0;

  const server = createServer((request, response) => {
    void handleHttp(request, response).catch((error: unknown) => {
      log(`http ${request.url ?? ''} failed: ${String(error)}`);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });

  function guard(request: IncomingMessage): { allowed: false; status: 401 | 403; reason: string } | { allowed: true; viaQuery: boolean } {
    const requestHost = request.headers.host ?? '';
    if (!options.allowRemote && !isServedHost(requestHost)) {
      return { allowed: false, status: 403, reason: `Host ${requestHost} is not served here.` };
    }
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `http://${requestHost}`) {
      return { allowed: false, status: 403, reason: `Origin ${origin} is not allowed.` };
    }
    const url = new URL(request.url ?? '/', 'http://placeholder');
    const queryToken = url.searchParams.get('token');
    if (queryToken !== null && sameToken(queryToken, token)) return { allowed: true, viaQuery: true };
    const cookieToken = readCookie(request.headers.cookie, TOKEN_COOKIE);
    if (cookieToken !== undefined && sameToken(cookieToken, token)) return { allowed: true, viaQuery: false };
    return { allowed: false, status: 401, reason: 'An access token is required: open the URL that `boocode serve` printed.' };
  }

  /**
   * DNS rebinding needs a name that resolves elsewhere: refuse every name but loopback ones (and
   * the host we listen on). The port is not checked, so a tunnel to another local port
   * (`ssh -L 8123:127.0.0.1:PORT`) works.
   */
  function isServedHost(requestHost: string): boolean {
    const name = hostName(requestHost).toLowerCase();
    return name !== '' && (isLoopbackHost(name) || name === host.toLowerCase());
  }

  async function handleHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const verdict = guard(request);
    if (!verdict.allowed) {
      response.writeHead(verdict.status, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`${verdict.reason}\n`);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' });
      response.end();
      return;
    }
    const headers: Record<string, string | string[]> = {
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
    };
    if (verdict.viaQuery) headers['set-cookie'] = `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    const file = await resolveAsset(options.rendererDir, new URL(request.url ?? '/', 'http://placeholder').pathname);
    if (!file) {
      response.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
      response.end('Not found. Was the renderer built (npm run build)?\n');
      return;
    }
    const type = contentTypes[extname(file)] ?? 'application/octet-stream';
    if (type.startsWith('text/html')) {
      headers['content-security-policy'] = contentSecurityPolicyHeader;
      headers['cache-control'] = 'no-store';
    }
    response.writeHead(200, { ...headers, 'content-type': type });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    createReadStream(file).pipe(response);
  }

  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    if (isClosing) {
      socket.destroy();
      return;
    }
    const verdict = guard(request);
    const path = new URL(request.url ?? '/', 'http://placeholder').pathname;
    if (!verdict.allowed || path !== '/ws') {
      const status = verdict.allowed ? 404 : verdict.status;
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Not Found'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      sockets.add(ws);
      serveSocket(ws, options.core, options.maxBufferedBytes ?? serveLimits.maxBufferedBytes, log, () => sockets.delete(ws));
    });
  });

  const listening = await new Promise<Result<number>>((resolve) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      resolve(fail('invalid-arguments', `Cannot listen on ${host}:${port}: ${error.code ?? error.message}.`));
    });
    server.listen(port, host, () => {
      const address = server.address();
      resolve(ok(typeof address === 'object' && address ? address.port : port));
    });
  });
  if (!listening.ok) return listening;
  port = listening.value;
  const urlHost = isIP(host) === 6 ? `[${host}]` : host;

  return ok({
    url: `http://${urlHost}:${port}/?token=${token}`,
    host,
    port,
    token,
    async close() {
      isClosing = true;
      for (const ws of sockets) ws.terminate();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // At once, not after: a connection still waiting for its request (a browser's preconnect, a
      // request half sent) would otherwise hold the close until Node's 60 s headers timeout.
      server.closeAllConnections();
      await closed;
    },
  });
}

function serveSocket(ws: WebSocket, endpoint: WireEndpoint, maxBufferedBytes: number, log: (line: string) => void, onClose: () => void): void {
  const session = createWireSession(endpoint, {
    send: (text) => {
      if (ws.readyState === ws.OPEN) ws.send(text);
    },
    bufferedBytes: () => ws.bufferedAmount,
    pauseInput: () => ws.pause(),
    resumeInput: () => ws.resume(),
  }, { maxBufferedBytes, log });
  ws.on('message', (data, isBinary) => {
    void session.receive(isBinary ? null : data.toString()).catch((error: unknown) => {
      log(`websocket message failed: ${String(error)}`);
    });
  });
  ws.on('close', () => {
    session.close();
    onClose();
  });
  ws.on('error', (error) => log(`websocket error: ${error.message}`));
}

/** The name part of a Host header: `[::1]:80` → `::1`, `localhost:80` → `localhost`. */
function hostName(header: string): string {
  if (header.startsWith('[')) return header.slice(1, header.indexOf(']') === -1 ? undefined : header.indexOf(']'));
  const colon = header.lastIndexOf(':');
  return colon === -1 ? header : header.slice(0, colon);
}

function sameToken(candidate: string, token: string): boolean {
  const a = Buffer.from(candidate);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

async function resolveAsset(root: string, pathname: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  const relative = normalize(decoded).replace(/^([/\\])+/, '');
  const candidate = join(root, relative);
  if (candidate !== root && !candidate.startsWith(root.endsWith(sep) ? root : root + sep)) return undefined;
  for (const file of [candidate, join(root, 'index.html')]) {
    try {
      if ((await stat(file)).isFile()) return file;
    } catch {
      // not there: an app route falls back to index.html below
    }
    if (extname(relative) !== '') return undefined; // a missing asset is a 404, not the app
  }
  return undefined;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};
