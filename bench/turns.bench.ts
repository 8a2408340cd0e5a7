// Turns: the whole stream pipeline (agent → pool → batched SQLite writes → events → WebSocket
// subscriber) against the same agent read by the bare SDK client; and opening a chat with
// 50k messages against an empty one.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { createCore, type Core } from '../src/main/core/index.ts';
import { startServer } from '../src/main/serve/index.ts';
import { spawnBareAcpClient } from '../test/fixtures/bare-acp-client.ts';
import { scriptedAgentCommand } from '../test/fixtures/scripted-acp-agent.ts';
import { median, row, type Benchmark } from './harness.ts';

const CHUNKS = 100_000;
const CHUNK_BYTES = 10; // 1 MB of text in all
const ROUNDS = 3;

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

async function chatOn(core: Core, folder: string, agent: ReturnType<typeof scriptedAgentCommand>): Promise<string> {
  unwrap(await core.api.call('agents.add', { agent: { id: 'scripted', name: 'Scripted', command: agent.command, args: agent.args, env: agent.env } }));
  const project = unwrap(await core.api.call('projects.open', { path: folder }));
  const session = unwrap(await core.api.call('sessions.create', { projectId: project.id }));
  return unwrap(await core.api.call('chats.create', { sessionId: session.id, agentId: 'scripted' })).id;
}

const flood = scriptedAgentCommand({ rules: [{ match: 'flood', steps: [{ type: 'flood', bytes: CHUNKS * CHUNK_BYTES, chunkBytes: CHUNK_BYTES }] }], default: { steps: [{ type: 'echo' }] } });

/** Send → every byte persisted and delivered to a WebSocket subscriber. */
async function throughBooCode(root: string): Promise<number> {
  const rendererDir = join(root, 'renderer');
  mkdirSync(rendererDir, { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '');
  const core = createCore({ dataDir: join(root, `data-${randomUUID()}`) });
  const server = unwrap(await startServer({ core, rendererDir }));
  const folder = join(root, 'project');
  mkdirSync(folder, { recursive: true });
  const chatId = await chatOn(core, folder, flood);
  // A first turn starts the agent: the benchmark measures the warm pipeline, as the baseline does.
  const warm = unwrap(await core.api.call('chats.send', { chatId, text: 'warm up' }));
  await core.turns.whenEnded(warm.turnId);
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
  await new Promise((resolve) => socket.once('open', resolve));
  let delivered = 0;
  let turnEnded = false;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { kind: string; event?: { type: string; delta?: string; part?: { kind: string; text?: string }; chatId?: string; turn?: { chatId: string } } };
    const event = message.event;
    if (!event || (event.chatId ?? event.turn?.chatId) !== chatId) return;
    if (event.type === 'chat.part.delta') delivered += event.delta?.length ?? 0;
    else if (event.type === 'chat.part.updated' && event.part?.kind === 'text') delivered += event.part.text?.length ?? 0;
    else if (event.type === 'chat.turn.ended') turnEnded = true;
    if (turnEnded && delivered >= CHUNKS * CHUNK_BYTES) done();
  });
  await new Promise<void>((resolve) => {
    socket.once('message', () => resolve());
    socket.send(JSON.stringify({ id: 1, method: 'events.subscribe', args: { afterSeq: core.events.lastSeq() } }));
  });
  delivered = 0;
  turnEnded = false;
  const started = performance.now();
  const sent = unwrap(await core.api.call('chats.send', { chatId, text: 'flood' }));
  await core.turns.whenEnded(sent.turnId);
  await finished;
  const elapsed = performance.now() - started;
  const stored = core.store.db.prepare("SELECT sum(length(body)) FROM parts p JOIN messages m ON m.id = p.message_id WHERE m.turn_id = ? AND m.role = 'assistant' AND p.kind = 'text'").pluck().get(sent.turnId);
  if (stored !== CHUNKS * CHUNK_BYTES) throw new Error(`stored ${String(stored)} bytes, expected ${CHUNKS * CHUNK_BYTES}`);
  socket.close();
  await server.close();
  await core.close();
  return elapsed;
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 1));
}

async function throughBareClient(root: string): Promise<number> {
  const client = await spawnBareAcpClient({ command: flood.command, args: flood.args, cwd: root, env: flood.env });
  await client.initialize();
  const { sessionId } = await client.newSession(root);
  await client.prompt(sessionId, 'warm up');
  let received = 0;
  client.onUpdate((notification) => {
    const update = notification.update;
    if (update.sessionUpdate === 'agent_message_chunk' && update.content.type === 'text') received += update.content.text.length;
  });
  const started = performance.now();
  await client.prompt(sessionId, 'flood');
  await waitFor(() => received >= CHUNKS * CHUNK_BYTES);
  const elapsed = performance.now() - started;
  await client.close();
  return elapsed;
}

async function openChat(messageCount: number): Promise<{ firstPageMs: number; rssMb: number }> {
  const root = mkdtempSync(join(tmpdir(), 'boo-bench-open-'));
  const dataDir = join(root, 'data');
  const folder = join(root, 'project');
  mkdirSync(folder);
  let chatId: string;
  {
    const core = createCore({ dataDir });
    chatId = await chatOn(core, folder, scriptedAgentCommand({}));
    const insertMessage = core.store.db.prepare("INSERT INTO messages (id, chat_id, turn_id, role, ordinal, agent_id, created_at) VALUES (?, ?, NULL, ?, ?, NULL, '2026-01-01T00:00:00.000Z')");
    const insertPart = core.store.db.prepare("INSERT INTO parts (id, message_id, position, kind, body, updated_at) VALUES (?, ?, 0, 'text', ?, '2026-01-01T00:00:00.000Z')");
    core.store.transact(() => {
      for (let ordinal = 1; ordinal <= messageCount; ordinal += 1) {
        const id = randomUUID();
        insertMessage.run(id, chatId, ordinal % 2 === 1 ? 'user' : 'assistant', ordinal);
        insertPart.run(randomUUID(), id, `Message ${ordinal}: ${'lorem ipsum dolor sit amet '.repeat(8)}`);
      }
    });
    await core.close();
  }
  // What opening costs, not what earlier benchmarks in this process left behind: RSS growth.
  const rssBefore = process.memoryUsage().rss;
  const core = createCore({ dataDir });
  const started = performance.now();
  unwrap(await core.api.call('chats.get', { chatId }));
  const firstPageMs = performance.now() - started;
  const rssMb = (process.memoryUsage().rss - rssBefore) / (1024 * 1024);
  await core.close();
  rmSync(root, { recursive: true, force: true });
  return { firstPageMs, rssMb };
}

export const benchmarks: Benchmark[] = [
  {
    name: 'turns: 100k chunks persisted and delivered to a WebSocket subscriber',
    async run() {
      const root = mkdtempSync(join(tmpdir(), 'boo-bench-stream-'));
      const boo: number[] = [];
      const bare: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        bare.push(await throughBareClient(root));
        boo.push(await throughBooCode(root));
      }
      rmSync(root, { recursive: true, force: true });
      return [row('turns.stream.100k_chunks', median(boo), 'ms', median(bare), '<= 1.5')];
    },
  },
  {
    name: 'turns: open a chat with 50k messages',
    async run() {
      const empty = await openChat(0);
      const large = await openChat(50_000);
      return [
        row('turns.open_chat.50k.first_page', large.firstPageMs, 'ms', empty.firstPageMs, null),
        row('turns.open_chat.50k.rss_growth', large.rssMb, 'MB', empty.rssMb, null),
      ];
    },
  },
];
