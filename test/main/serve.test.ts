import { spawnSync } from 'node:child_process';
import { createServer as createNetServer, connect, type AddressInfo } from 'node:net';
import { describe, expect, onTestFinished, test } from 'vitest';
import WebSocket from 'ws';
import { isLoopbackHost, startServer } from '../../src/main/serve/index.ts';
import { testCore } from '../helpers/core.ts';
import { connectWire, testServer } from '../helpers/serve.ts';
import { tempDir } from '../helpers/tempDir.ts';
import { unwrap } from '../helpers/chats.ts';

function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('open', () => {
      resolve(101);
      socket.close();
    });
    socket.once('error', (error) => {
      if (!String(error).includes('Unexpected server response')) reject(error);
    });
  });
}

describe('serve security', () => {
  test('a page request without the token gets 401', async () => {
    const { server } = await testServer();
    const response = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(response.status).toBe(401);
    expect(await response.text()).toMatch(/access token/);
  });

  test('the token in the URL opens the app and sets a cookie that loads its assets', async () => {
    const { server } = await testServer();
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const cookie = page.headers.get('set-cookie')?.split(';')[0] ?? '';
    expect(cookie).toMatch(/^boo_token=/);
    const asset = await fetch(`http://127.0.0.1:${server.port}/assets/app.js`, { headers: { cookie } });
    expect(asset.status).toBe(200);
    expect(await fetch(`http://127.0.0.1:${server.port}/assets/app.js`)).toHaveProperty('status', 401);
  });

  test('a wrong token is refused', async () => {
    const { server } = await testServer();
    expect((await fetch(`http://127.0.0.1:${server.port}/?token=not-the-token`)).status).toBe(401);
  });

  test('a WebSocket without the token gets 401, with a wrong Origin gets 403, with both right opens', async () => {
    const { server } = await testServer();
    const base = `ws://127.0.0.1:${server.port}/ws`;
    expect(await upgradeStatus(base)).toBe(401);
    expect(await upgradeStatus(`${base}?token=${server.token}`, { origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(`${base}?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}` })).toBe(101);
  });

  test('a page request with a foreign Origin or Host is refused (DNS rebinding)', async () => {
    const { server } = await testServer();
    const cross = await fetch(server.url, { headers: { origin: 'http://evil.example' } });
    expect(cross.status).toBe(403);
    const rebound = await upgradeStatus(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { host: `evil.example:${server.port}` });
    expect(rebound).toBe(403);
  });

  test('reached through a tunnel on another local port (ssh -L), the app and its socket open; a foreign name is still refused', async () => {
    const { server } = await testServer();
    // What `ssh -L PORT2:127.0.0.1:PORT` does locally: another port forwarding every byte.
    const tunnel = createNetServer((incoming) => {
      const outgoing = connect(server.port, '127.0.0.1');
      incoming.pipe(outgoing).pipe(incoming);
      incoming.on('error', () => outgoing.destroy());
      outgoing.on('error', () => incoming.destroy());
    });
    await new Promise<void>((resolve) => tunnel.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => {
      tunnel.close();
    });
    const port = (tunnel.address() as AddressInfo).port;
    expect((await fetch(`http://localhost:${port}/?token=${server.token}`)).status).toBe(200);
    expect(await upgradeStatus(`ws://127.0.0.1:${port}/ws?token=${server.token}`, { origin: `http://127.0.0.1:${port}` })).toBe(101);
    expect(await upgradeStatus(`ws://127.0.0.1:${port}/ws?token=${server.token}`, { host: `[::1]:${port}` })).toBe(101);
    expect(await upgradeStatus(`ws://127.0.0.1:${port}/ws?token=${server.token}`, { host: `evil.example:${port}` })).toBe(403);
    expect(await upgradeStatus(`ws://127.0.0.1:${port}/ws?token=${server.token}`, { host: `localhost.evil.example:${port}` })).toBe(403);
  });

  test('path traversal cannot read outside the renderer folder', async () => {
    const { server } = await testServer();
    const cookie = (await fetch(server.url)).headers.get('set-cookie')?.split(';')[0] ?? '';
    for (const path of ['/../../package.json', '/%2e%2e/%2e%2e/package.json', '/assets/../../secret.js']) {
      const response = await fetch(`http://127.0.0.1:${server.port}${path}`, { headers: { cookie } });
      expect(response.status).toBe(404);
    }
  });

  test('a non-loopback host is refused without --allow-remote', async () => {
    const core = testCore();
    const refused = await startServer({ core, rendererDir: tempDir(), host: '0.0.0.0' });
    expect(refused).toMatchObject({ ok: false, error: { kind: 'invalid-arguments', message: expect.stringContaining('--allow-remote') } });
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('::1')).toBe(true);
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('192.168.1.10')).toBe(false);
  });

  test('`boocode serve --host 0.0.0.0` exits with an error and never listens', () => {
    const run = spawnSync(process.execPath, ['src/main/cli/index.ts', 'serve', '--host', '0.0.0.0', '--data-dir', tempDir()], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Refusing to listen on 0\.0\.0\.0.*--allow-remote/);
  });
});

describe('serve protocol', () => {
  test('a command over the WebSocket is answered by the core', async () => {
    const { server } = await testServer();
    const client = await connectWire(server);
    expect(await client.request('app.info', {})).toMatchObject({ ok: true, value: { name: 'BooCode' } });
  });

  test('a subscriber gets live events after its replay, and resumes after a reconnect without gaps', async () => {
    const { core, server } = await testServer();
    const first = await connectWire(server);
    const subscribed = await first.request('events.subscribe', { afterSeq: 0 });
    expect(subscribed).toMatchObject({ ok: true, value: { kind: 'replay', events: [] } });
    await first.request('projects.open', { path: tempDir() });
    await expect.poll(() => first.live.length).toBe(1);
    first.close();
    await core.api.call('projects.open', { path: tempDir() });
    const second = await connectWire(server);
    const epoch = (subscribed as { value: { epoch: string } }).value.epoch;
    const resumed = await second.request('events.subscribe', { afterSeq: 1, epoch });
    expect(resumed).toMatchObject({ ok: true, value: { kind: 'replay', events: [{ seq: 2, type: 'workspace.project.opened' }] } });
  });
});

describe('serve stops', () => {
  test('close() returns at once while a browser holds connections open: a preconnect that never sent a request, a half-sent request, a live socket', async () => {
    const { server } = await testServer();
    const open = (): Promise<ReturnType<typeof connect>> =>
      new Promise((resolve, reject) => {
        const socket = connect(server.port, '127.0.0.1', () => resolve(socket));
        socket.once('error', reject);
      });
    // What Chromium does ahead of a navigation: a connection with nothing sent on it yet.
    const preconnect = await open();
    const halfSent = await open();
    halfSent.write(`GET /?token=${server.token} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n`);
    const client = await connectWire(server);
    expect(await client.request('app.info', {})).toMatchObject({ ok: true });
    const ended = (socket: ReturnType<typeof connect>) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
    const started = performance.now();
    await server.close();
    // Node keeps a connection that is waiting for its request's headers until headersTimeout (60 s).
    expect(performance.now() - started).toBeLessThan(2_000);
    await Promise.all([ended(preconnect), ended(halfSent)]);
  });
});

describe('serve memory stays bounded', () => {
  test('a client that sends 1,500 pipelined requests and never reads gets no more answers made than its budget holds; once it reads, every answer arrives in order', async () => {
    const core = testCore();
    for (let index = 0; index < 40; index += 1) unwrap(await core.api.call('projects.open', { path: tempDir(`boo-project-${'x'.repeat(200)}-`) }));
    let answered = 0;
    const counting = { ...core, dispatch: async (method: unknown, args: unknown) => {
      const result = await core.dispatch(method, args);
      answered += 1;
      return result;
    } } as typeof core;
    const { server } = await testServer(counting, { maxBufferedBytes: 256 * 1024 });
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
    await new Promise((resolve) => socket.once('open', resolve));
    const replies: number[] = [];
    socket.on('message', (data) => replies.push((JSON.parse(data.toString()) as { id: number }).id));
    socket.pause(); // a client that stops reading
    for (let id = 1; id <= 1500; id += 1) socket.send(JSON.stringify({ id, method: 'projects.list', args: {} }));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const answeredWhileStuck = answered;
    // Each answer is ~20 KB: even the largest kernel socket buffers and the budget hold far fewer.
    expect(answeredWhileStuck).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(answered).toBe(answeredWhileStuck);
    socket.resume();
    await expect.poll(() => replies.length, { timeout: 15_000 }).toBe(1500);
    expect(replies).toEqual(Array.from({ length: 1500 }, (_, index) => index + 1));
    socket.close();
  });

  test('a late subscriber asking for 10,000 events gets them all once, in order, in slices: another client is answered meanwhile', async () => {
    const core = testCore();
    const { server } = await testServer(core);
    const text = 'y'.repeat(2_000);
    for (let index = 0; index < 10_000; index += 1) core.events.publish([{ type: 'chat.part.delta', chatId: 'c', messageId: 'm', partId: 'p', offset: index * 2000, delta: text }]);
    const late = await connectWire(server);
    const other = await connectWire(server);
    const order: string[] = [];
    late.socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { kind: string; event?: { seq: number } };
      if (message.kind === 'event' && message.event?.seq === 10_000) order.push('replay done');
    });
    const subscribed = late.request('events.subscribe', { afterSeq: 0 });
    const info = other.request('app.info', {}).then(() => order.push('other answered'));
    const answer = (await subscribed) as { ok: true; value: { kind: string; events: { seq: number }[] } };
    await info;
    expect(answer.value.kind).toBe('replay');
    await expect.poll(() => order.length).toBe(2);
    expect(order).toEqual(['other answered', 'replay done']);
    const seqs = [...answer.value.events.map((event) => event.seq), ...late.live.flatMap((message) => (message.kind === 'event' ? [message.event.seq] : []))];
    expect(seqs).toEqual(Array.from({ length: 10_000 }, (_, index) => index + 1));
  });
});
