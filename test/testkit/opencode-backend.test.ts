// The opencode backend with the real `opencode serve` against the scripted LLM, driven through a
// core's pool like every other agent. One core and one warm server serve the whole describe
// block, in order: that is the product's shape (one server per working directory) and keeps the
// run short on two cores. The built-in `opencode` preset is the agent under test: the core's PATH
// finds node_modules/.bin/opencode, and its environment carries the isolated HOME/XDG and the
// offline config (with `edit: ask`, so file writes go through the permission broker).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AgentEvent, PermissionRequest } from '../../src/shared/agents.ts';
import { createCore, type Core } from '../../src/main/core/index.ts';
import { descendants, groupMembers, isAlive, waitForGroupGone, type ProcStat } from '../fixtures/processes.ts';
import { createAgentEnv, createTempGitRepo, type IsolatedAgentEnv } from '../fixtures/real-agents.ts';
import { replies, startScriptedLlm, type ChatMessage, type ScriptedLlm } from '../fixtures/scripted-llm.ts';
import { expectOutcome, runTurn, type TurnRun } from '../helpers/agents.ts';
import { unwrap } from '../helpers/chats.ts';

type PermissionPolicy = (request: PermissionRequest) => string | undefined;

describe('the opencode backend on a warm opencode serve, through the pool', () => {
  let llm: ScriptedLlm;
  let repo: Awaited<ReturnType<typeof createTempGitRepo>>;
  let isolated: IsolatedAgentEnv;
  let core: Core | undefined;
  let dataDir: string;
  const asked: PermissionRequest[] = [];
  const firstTurnEvents: AgentEvent[] = [];
  let policy: PermissionPolicy = () => undefined;
  /** Sent with the next answer, as a user's note on a rejection. */
  let feedback: string | undefined;
  /** Every server pid seen, with its process family, to prove nothing survives close(). */
  const families = new Map<number, ProcStat[]>();
  const scratchFolders: string[] = [];

  beforeAll(async () => {
    llm = await startScriptedLlm();
    repo = await createTempGitRepo();
    isolated = await createAgentEnv('opencode', { url: llm.url }, { opencodeConfig: { permission: { edit: 'ask' } } });
    dataDir = mkdtempSync(join(tmpdir(), 'boo-oc-data-'));
    const started = createCore({ dataDir, env: isolated.env });
    core = started;
    started.subscribe({ afterSeq: 0 }, (message) => {
      if (message.kind !== 'event' || message.event.type !== 'agent.permission.requested') return;
      const request = message.event.request;
      asked.push(request);
      const optionId = policy(request);
      if (optionId !== undefined) started.api.call('permissions.answer', { requestId: request.id, optionId, message: feedback }).catch(() => undefined);
    });
  });

  afterAll(async () => {
    await core?.close();
    await isolated?.dispose();
    await repo?.dispose();
    await llm?.close();
    rmSync(dataDir, { recursive: true, force: true });
    for (const folder of scratchFolders) rmSync(folder, { recursive: true, force: true });
  });

  function live(): Core {
    if (!core) throw new Error('the core was closed by an earlier test');
    return core;
  }

  function turn(chatId: string, text: string, extra: { signal?: AbortSignal; onEvent?: (event: AgentEvent) => void } = {}): Promise<TurnRun> {
    return runTurn(live(), { chatId, agentId: 'opencode', cwd: repo.path, text, ...extra });
  }

  function serverPid(chatId: string): number {
    const pid = live().agents.pool.list().find((entry) => entry.chatId === chatId)?.pid;
    if (typeof pid !== 'number') throw new Error(`no process for ${chatId}`);
    if (!families.has(pid)) families.set(pid, descendants(pid));
    return pid;
  }

  test('the built-in opencode preset resolves to the opencode-server protocol', async () => {
    const spec = await live().agents.catalog.resolve('opencode', { projectPath: repo.path });
    expect(spec).toMatchObject({ ok: true, value: { protocol: 'opencode-server', args: ['serve'] } });
  });

  test('a text turn streams its answer on a new session and leaves the server warm and registered', async () => {
    llm.addRule({ match: '[hello]', reply: replies.text('Hello from opencode serve.'), times: 1 });
    const run = await turn('chat-a', 'Say hello. [hello]');
    firstTurnEvents.push(...run.events);
    const outcome = expectOutcome(run);
    expect(run.text).toBe('Hello from opencode serve.');
    expect(outcome).toMatchObject({ stopReason: 'end_turn', origin: 'new' });
    expect(outcome.sessionId).toMatch(/^ses_/);
    const pid = serverPid('chat-a');
    expect(live().agents.pool.list()).toEqual([expect.objectContaining({ chatId: 'chat-a', agentId: 'opencode', state: 'idle', pid })]);
    expect(live().agents.sessions.get('chat-a', 'opencode')).toMatchObject({ backend: 'opencode', sessionId: outcome.sessionId });
    // Registered, so that a crashed BooCode's next start can reap it.
    const registered = live().store.db.prepare('SELECT pid FROM agent_processes').all() as { pid: number }[];
    expect(registered.map((row) => row.pid)).toContain(pid);
  });

  test('reasoning and text arrive as deltas, each character once, and the title comes as session-info', async () => {
    llm.addRule({ match: '[think]', reply: replies.reasoning('Weighing the options.', 'Second answer.'), times: 1 });
    const run = await turn('chat-a', 'Think first. [think]');
    expect(expectOutcome(run)).toMatchObject({ stopReason: 'end_turn', origin: 'warm' });
    expect(run.text).toBe('Second answer.');
    expect(run.events.filter((event) => event.kind === 'reasoning').map((event) => event.delta).join('')).toBe('Weighing the options.');
    // opencode titles a session with a side call during its first turn; it shows up by now.
    expect([...firstTurnEvents, ...run.events]).toContainEqual({ kind: 'session-info', title: 'Scripted side reply' });
  });

  test('a file-writing turn asks for permission, writes after "allow once", and shows the tool call', async () => {
    policy = () => 'once';
    const before = asked.length;
    llm.addRule({ match: '[write once]', reply: replies.writeFile('once.txt', 'written once\n', replies.text('Wrote once.txt.')), times: 1 });
    const run = await turn('chat-a', 'Create the file. [write once]');
    const outcome = expectOutcome(run);
    expect(run.text).toBe('Wrote once.txt.');
    expect(readFileSync(join(repo.path, 'once.txt'), 'utf8')).toBe('written once\n');
    const request = asked.slice(before);
    expect(request).toHaveLength(1);
    expect(request[0]).toMatchObject({ chatId: 'chat-a', agentId: 'opencode', title: 'Edit once.txt' });
    expect(request[0]?.options.map((option) => option.kind)).toEqual(['allow_once', 'allow_always', 'reject_once']);
    const calls = run.events.flatMap((event) => (event.kind === 'tool-call' ? [event.call] : []));
    expect(calls.map((call) => call.status)).toEqual(expect.arrayContaining(['pending', 'in_progress', 'completed']));
    expect(calls.at(-1)).toMatchObject({ kind: 'edit', status: 'completed', locations: [{ path: join(repo.path, 'once.txt'), line: null }] });
    // Two LLM steps (the tool call, then the answer), 100 + 20 tokens each from the script.
    expect(outcome.usage).toMatchObject({ inputTokens: 200, outputTokens: 40, costCurrency: 'USD' });
  });

  test('a rejected edit is not written, its tool call fails, and the turn still settles', async () => {
    policy = () => 'reject';
    const before = asked.length;
    llm.addRule({ match: '[write rejected]', reply: replies.writeFile('rejected.txt', 'nope\n', replies.text('Understood.')), times: 1 });
    const run = await turn('chat-r', 'Try it. [write rejected]');
    expect(run.result.ok).toBe(true);
    expect(asked.length - before).toBe(1);
    expect(existsSync(join(repo.path, 'rejected.txt'))).toBe(false);
    const last = run.events.filter((event) => event.kind === 'tool-call').at(-1);
    expect(last).toMatchObject({ call: { status: 'failed' } });
    expect(live().agents.permissions.list()).toEqual([]);
  });

  test('"allow always" is remembered by opencode: the next edit asks nothing', async () => {
    policy = () => 'always';
    const before = asked.length;
    llm.addRule({ match: '[write always 1]', reply: replies.writeFile('always1.txt', 'one\n', replies.text('ok 1')), times: 1 });
    llm.addRule({ match: '[write always 2]', reply: replies.writeFile('always2.txt', 'two\n', replies.text('ok 2')), times: 1 });
    // opencode 1.18 keeps an "always" for the project, not only the session: a reject now would show.
    expectOutcome(await turn('chat-a', 'First. [write always 1]'));
    policy = () => 'reject';
    expectOutcome(await turn('chat-a', 'Second. [write always 2]'));
    expect(asked.length - before).toBe(1);
    expect(readFileSync(join(repo.path, 'always2.txt'), 'utf8')).toBe('two\n');
  });

  test('a stored session the server no longer has is replaced by a new one, and the turn says so', async () => {
    live().agents.sessions.save({ chatId: 'chat-lost', agentId: 'opencode', backend: 'opencode', sessionId: 'ses_00000000000000000000000000', status: 'idle' });
    const run = await turn('chat-lost', 'Hello again.');
    const outcome = expectOutcome(run);
    expect(outcome.origin).toBe('new');
    expect(outcome.sessionId).not.toBe('ses_00000000000000000000000000');
    expect(run.events).toContainEqual({ kind: 'notice', level: 'warning', message: expect.stringContaining('no longer has the previous session') });
    expect(live().agents.sessions.get('chat-lost', 'opencode')?.sessionId).toBe(outcome.sessionId);
  });

  test('an aborted slow turn is followed at once by a turn that streams to its end, untouched by the late idle', async () => {
    llm.addRule({ match: '[slow]', reply: replies.slow(200, 40, 'slow'), times: 1 });
    llm.addRule({ match: '[after abort]', reply: replies.slow(6, 60, 'fresh'), times: 1 });
    const abort = new AbortController();
    let chunks = 0;
    const aborted = await turn('chat-a', 'Tell a long story. [slow]', {
      signal: abort.signal,
      onEvent: (event) => {
        if (event.kind === 'text' && ++chunks === 3) abort.abort();
      },
    });
    expect(expectOutcome(aborted).stopReason).toBe('cancelled');
    const next = await turn('chat-a', 'Now something else. [after abort]');
    expect(expectOutcome(next).stopReason).toBe('end_turn');
    expect(next.text).toBe('fresh 1. fresh 2. fresh 3. fresh 4. fresh 5. fresh 6. ');
    expect(next.text).not.toContain('slow');
  });

  test('an LLM that answers HTTP 500 shows the retry as a warning notice, and cancel ends the turn', async () => {
    const removeRule = llm.addRule({ match: '[fail]', reply: replies.error(500, 'scripted outage') });
    const abort = new AbortController();
    const run = await turn('chat-a', 'This will fail. [fail]', {
      signal: abort.signal,
      onEvent: (event) => {
        if (event.kind === 'notice' && event.message.startsWith('retrying (attempt 1)')) abort.abort();
      },
    });
    removeRule();
    expect(expectOutcome(run).stopReason).toBe('cancelled');
    expect(run.events).toContainEqual({ kind: 'notice', level: 'warning', message: expect.stringMatching(/^retrying \(attempt 1\)… .*scripted outage/) });
    expect(live().agents.pool.list().find((entry) => entry.chatId === 'chat-a')?.state).toBe('idle');
  });

  test('two chats in one working directory share one server and never see each other\'s events', async () => {
    llm.addRule({ match: '[from b]', reply: replies.slow(5, 30, 'bravo'), times: 1 });
    llm.addRule({ match: '[from a]', reply: replies.slow(5, 30, 'alpha'), times: 1 });
    const [a, b] = await Promise.all([turn('chat-a', 'Talk. [from a]'), turn('chat-b', 'Talk. [from b]')]);
    expect(a.text).toBe('alpha 1. alpha 2. alpha 3. alpha 4. alpha 5. ');
    expect(b.text).toBe('bravo 1. bravo 2. bravo 3. bravo 4. bravo 5. ');
    expect(expectOutcome(a).sessionId).not.toBe(expectOutcome(b).sessionId);
    expect(serverPid('chat-b')).toBe(serverPid('chat-a'));
  });

  test('usage per turn is what the scripted LLM reported, and accumulates on agent_sessions', async () => {
    const before = live().agents.sessions.get('chat-b', 'opencode');
    llm.addRule({ match: '[usage 1]', reply: replies.text('u1', { prompt: 70, completion: 7 }), times: 1 });
    llm.addRule({ match: '[usage 2]', reply: replies.text('u2', { prompt: 90, completion: 9 }), times: 1 });
    const first = expectOutcome(await turn('chat-b', 'Count. [usage 1]'));
    const second = expectOutcome(await turn('chat-b', 'Count. [usage 2]'));
    expect(first.usage).toMatchObject({ inputTokens: 70, outputTokens: 7, costCurrency: 'USD' });
    expect(first.usage?.costAmount).toBeCloseTo((70 * 1 + 7 * 2) / 1e6, 12);
    expect(second.usage).toMatchObject({ inputTokens: 90, outputTokens: 9 });
    const after = live().agents.sessions.get('chat-b', 'opencode');
    expect((after?.inputTokens ?? 0) - (before?.inputTokens ?? 0)).toBe(160);
    expect((after?.outputTokens ?? 0) - (before?.outputTokens ?? 0)).toBe(16);
    expect((after?.cost ?? 0) - (before?.cost ?? 0)).toBeCloseTo((160 + 16 * 2) / 1e6, 12);
  });

  test('a SIGKILLed server fails the running turn within a second; the next turn continues the same session with its history', async () => {
    llm.addRule({ match: '[remember]', reply: replies.text('I will remember the word pelican.'), times: 1 });
    const first = expectOutcome(await turn('chat-k', 'Remember the word pelican. [remember]'));
    const pid = serverPid('chat-k');
    llm.addRule({ match: '[doomed]', reply: replies.slow(400, 50, 'doomed'), times: 1 });
    let killedAt = 0;
    let texts = 0;
    const crashed = await turn('chat-k', 'Take your time. [doomed]', {
      onEvent: (event) => {
        if (event.kind === 'text' && ++texts === 2) {
          killedAt = performance.now();
          process.kill(-pid, 'SIGKILL');
        }
      },
    });
    const failedAfterMs = performance.now() - killedAt;
    expect(crashed.result).toMatchObject({ ok: false, error: { kind: 'agent-crashed', message: expect.stringContaining('SIGKILL') } });
    expect(failedAfterMs).toBeLessThan(1000);
    expect(live().agents.pool.list().find((entry) => entry.chatId === 'chat-k')?.state).toBe('crashed');
    expect(live().agents.sessions.get('chat-k', 'opencode')?.status).toBe('crashed');

    llm.addRule({ match: '[recall]', reply: replies.text('The word was pelican.'), times: 1 });
    const recalled = await turn('chat-k', 'Which word? [recall]');
    expect(expectOutcome(recalled)).toMatchObject({ origin: 'resumed', sessionId: first.sessionId, stopReason: 'end_turn' });
    expect(recalled.text).toBe('The word was pelican.');
    const request = llm.turnRequests.findLast((each) => each.lastUserText.includes('[recall]'));
    const history = (request?.body?.messages ?? []).map(messageText).join('\n');
    expect(history).toContain('Remember the word pelican. [remember]');
    expect(history).toContain('I will remember the word pelican.');
    expect(serverPid('chat-k')).not.toBe(pid);
  });

  test('a rejection with a message reaches opencode as feedback and the turn carries on', async () => {
    policy = () => 'reject';
    feedback = 'Use notes.md instead.';
    try {
      llm.addRule({ match: '[write feedback]', reply: replies.writeFile('feedback.txt', 'x\n', replies.text('Will use notes.md.')), times: 1 });
      const run = await turn('chat-f', 'Write it. [write feedback]');
      expect(run.result).toMatchObject({ ok: true, value: { stopReason: 'end_turn' } });
      expect(existsSync(join(repo.path, 'feedback.txt'))).toBe(false);
      expect(run.events.filter((event) => event.kind === 'tool-call').at(-1)).toMatchObject({ call: { status: 'failed', output: expect.stringContaining('Use notes.md instead.') } });
      expect(run.text).toBe('Will use notes.md.');
      const followUp = llm.turnRequests.findLast((each) => each.source === 'tool-follow-up');
      expect(JSON.stringify(followUp?.body?.messages?.at(-1))).toContain('Use notes.md instead.');
    } finally {
      feedback = undefined;
    }
  });

  test('a cancel while opencode serve is starting ends the turn cancelled within a second, stops the server and the LLM hears nothing', async () => {
    const core = live();
    // A folder of its own, so that its chat's first turn has to start a server.
    const folder = mkdtempSync(join(tmpdir(), 'boo-oc-stop-'));
    try {
      const registered = () => core.store.db.prepare('SELECT pid FROM agent_processes').pluck().all() as number[];
      const before = new Set(registered());
      const project = unwrap(await core.api.call('projects.open', { path: folder }));
      const session = unwrap(await core.api.call('sessions.create', { projectId: project.id }));
      const chat = unwrap(await core.api.call('chats.create', { sessionId: session.id, agentId: 'opencode' }));
      const marker = '[stopped while starting]';
      const { turnId } = unwrap(await core.api.call('chats.send', { chatId: chat.id, text: `Say hello. ${marker}` }));
      // The server is registered as soon as it is spawned, long before it listens (1.3–3 s here).
      await expect.poll(() => registered().filter((pid) => !before.has(pid)).length, { timeout: 10_000, interval: 10 }).toBe(1);
      const serverPid = registered().find((pid) => !before.has(pid)) ?? 0;
      expect(core.agents.pool.list().find((entry) => entry.chatId === chat.id)?.state).toBe('starting');
      const stoppedAt = performance.now();
      expect(unwrap(await core.api.call('chats.cancel', { chatId: chat.id }))).toEqual({ cancelled: true });
      expect(performance.now() - stoppedAt).toBeLessThan(1_000);
      expect(core.turns.turn(turnId)).toMatchObject({ state: 'cancelled' });
      // Another chat there, at once: it must not join the start being torn down, but start anew.
      const other = unwrap(await core.api.call('chats.create', { sessionId: session.id, agentId: 'opencode' }));
      llm.addRule({ match: '[after the stop]', reply: replies.text('A fresh server.'), times: 1 });
      const next = unwrap(await core.api.call('chats.send', { chatId: other.id, text: 'Hello again. [after the stop]' }));
      expect(await waitForGroupGone(serverPid, 5_000)).toBe(true);
      expect(llm.requests.filter((request) => JSON.stringify(request.body ?? null).includes(marker))).toEqual([]);
      expect(await core.turns.whenEnded(next.turnId)).toMatchObject({ state: 'completed' });
      expect(core.agents.pool.list().find((entry) => entry.chatId === other.id)?.pid).not.toBe(serverPid);
    } finally {
      // Removed after close(): the new server still works in it.
      scratchFolders.push(folder);
    }
  });

  test('no opencode process is left after core.close()', async () => {
    serverPid('chat-a');
    const closing = live();
    core = undefined;
    await closing.close();
    for (const [pid, family] of families) {
      expect(groupMembers(pid)).toEqual([]);
      expect(family.filter((member) => isAlive(member.pid))).toEqual([]);
    }
    expect(families.size).toBeGreaterThanOrEqual(2);
  });
});

function messageText(message: ChatMessage): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  return (content ?? []).map((part) => part.text ?? '').join('\n');
}
