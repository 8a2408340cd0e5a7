import { describe, expect, test } from 'vitest';
import { collectEvents, testCore } from '../../helpers/core.ts';
import { assistantText, send, sendAndWait, setupChat, unwrap } from '../../helpers/chats.ts';
import { tempDir } from '../../helpers/tempDir.ts';

const slow = { rules: [{ match: 'slow', steps: [{ type: 'slow' as const, chunks: 300, intervalMs: 5, text: 'x' }] }], default: { steps: [{ type: 'echo' as const }] } };


describe('sending', () => {
  test('a send is accepted at once and the turn runs on the core to completion', async () => {
    const core = testCore();
    const { chatId } = await setupChat(core, slow);
    const accepted = await send(core, chatId, 'slow please');
    expect(accepted.queued).toBe(false);
    expect(core.turns.turn(accepted.turnId)?.state).toBe('running');
    const ended = await core.turns.whenEnded(accepted.turnId);
    expect(ended).toMatchObject({ state: 'completed', stopReason: 'end_turn', origin: 'new' });
    expect(assistantText(core, chatId, accepted.turnId)).toBe('x'.repeat(300));
    const view = unwrap(core.turns.view(chatId));
    expect(view.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(view.messages[0]?.parts).toMatchObject([{ kind: 'text', text: 'slow please' }]);
  });

  test('every turn ends in exactly one terminal state and one chat.turn.ended event', async () => {
    const core = testCore();
    const events = collectEvents(core);
    const { chatId } = await setupChat(core, slow);
    const turn = await sendAndWait(core, chatId, 'hello');
    const ended = events.filter((event) => event.type === 'chat.turn.ended');
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ turn: { id: turn.id, state: 'completed' } });
  });

  test('each refused send gets its typed error', async () => {
    const core = testCore();
    const { chatId, sessionId } = await setupChat(core, slow);
    expect(await core.api.call('chats.send', { chatId, text: '   ' })).toMatchObject({ ok: false, error: { kind: 'invalid-arguments', message: 'The prompt is empty.' } });
    expect(await core.api.call('chats.send', { chatId: 'no-such-chat', text: 'hi' })).toMatchObject({ ok: false, error: { kind: 'not-found' } });
    expect(await core.api.call('chats.send', { chatId, text: 'hi', agent: 'gemini' }), 'gemini is not installed here').toMatchObject({
      ok: false,
      error: { kind: 'agent-not-installed', message: expect.stringContaining('npm install') },
    });
    const other = unwrap(await core.api.call('chats.create', { sessionId, agentId: 'scripted' }));
    unwrap(await core.api.call('chats.archive', { chatId: other.id }));
    expect(await core.api.call('chats.send', { chatId: other.id, text: 'hi' })).toMatchObject({ ok: false, error: { kind: 'invalid-state', message: expect.stringContaining('archived') } });
  });

  test('a full queue refuses more prompts with a busy error', async () => {
    const core = testCore();
    unwrap(await core.api.call('settings.set', { patch: { queueLimit: 2 } }));
    const { chatId } = await setupChat(core, slow);
    await send(core, chatId, 'slow one');
    await send(core, chatId, 'two');
    await send(core, chatId, 'three');
    expect(await core.api.call('chats.send', { chatId, text: 'four' })).toMatchObject({ ok: false, error: { kind: 'busy' } });
    unwrap(await core.api.call('chats.cancel', { chatId }));
  });
});

describe('the queue', () => {
  test('a busy chat queues; the queue can be listed, promoted, trimmed and cleared; queued turns run in order', async () => {
    const core = testCore();
    const { chatId } = await setupChat(core, slow);
    const running = await send(core, chatId, 'slow first');
    const a = await send(core, chatId, 'a');
    const b = await send(core, chatId, 'b');
    const c = await send(core, chatId, 'c');
    expect([a.queued, b.queued, c.queued]).toEqual([true, true, true]);
    expect(unwrap(await core.api.call('chats.queue.list', { chatId })).map((turn) => turn.prompt)).toEqual(['a', 'b', 'c']);
    expect(unwrap(await core.api.call('chats.queue.promote', { turnId: c.turnId })).map((turn) => turn.prompt)).toEqual(['c', 'a', 'b']);
    expect(unwrap(await core.api.call('chats.queue.remove', { turnId: a.turnId })).map((turn) => turn.prompt)).toEqual(['c', 'b']);
    await core.turns.whenEnded(running.turnId);
    const lastB = await core.turns.whenEnded(b.turnId);
    const lastC = core.turns.turn(c.turnId);
    expect(lastB?.state).toBe('completed');
    expect(lastC?.state).toBe('completed');
    expect((lastC?.startedAt ?? '') <= (lastB?.startedAt ?? '')).toBe(true);
    expect(core.turns.turn(a.turnId)).toBeUndefined();

    await send(core, chatId, 'slow again');
    await send(core, chatId, 'x');
    await send(core, chatId, 'y');
    expect(unwrap(await core.api.call('chats.queue.clear', { chatId }))).toEqual([]);
    expect(unwrap(await core.api.call('chats.queue.list', { chatId }))).toEqual([]);
    unwrap(await core.api.call('chats.cancel', { chatId }));
  });

  test('the queue survives a restart and runs when the core starts again', async () => {
    const dataDir = tempDir();
    const first = testCore({ dataDir });
    const { chatId } = await setupChat(first, slow);
    const running = await send(first, chatId, 'slow first');
    const waiting = await send(first, chatId, 'after the restart');
    await first.close();
    const second = testCore({ dataDir });
    expect(second.turns.turn(running.turnId)?.state).toBe('interrupted');
    const ended = await second.turns.whenEnded(waiting.turnId);
    expect(ended?.state).toBe('completed');
    expect(assistantText(second, chatId, waiting.turnId)).toBe('after the restart');
  });

  test('promoting or removing a turn that is no longer queued is refused as invalid-state', async () => {
    const core = testCore();
    const { chatId } = await setupChat(core, slow);
    const running = await send(core, chatId, 'slow');
    const waiting = await send(core, chatId, 'next');
    unwrap(await core.api.call('chats.cancel', { chatId }));
    await core.turns.whenEnded(waiting.turnId);
    // One that ran to its end, one that was cancelled while running: neither is queued any more.
    for (const turnId of [running.turnId, waiting.turnId]) {
      expect(await core.api.call('chats.queue.promote', { turnId })).toMatchObject({ ok: false, error: { kind: 'invalid-state', message: expect.stringContaining('not queued') } });
      expect(await core.api.call('chats.queue.remove', { turnId })).toMatchObject({ ok: false, error: { kind: 'invalid-state' } });
    }
  });

  test('cancel stops the running turn and the next queued turn starts', async () => {
    const core = testCore();
    const { chatId } = await setupChat(core, slow);
    const running = await send(core, chatId, 'slow');
    const next = await send(core, chatId, 'next');
    expect(unwrap(await core.api.call('chats.cancel', { chatId }))).toEqual({ cancelled: true });
    expect(core.turns.turn(running.turnId)?.state).toBe('cancelled');
    expect((await core.turns.whenEnded(next.turnId))?.state).toBe('completed');
    expect(unwrap(await core.api.call('chats.cancel', { chatId }))).toEqual({ cancelled: false });
  });

  test('interrupt cancels the running turn and runs the new prompt before the rest of the queue', async () => {
    const core = testCore();
    const { chatId } = await setupChat(core, slow);
    const running = await send(core, chatId, 'slow');
    const queued = await send(core, chatId, 'queued');
    const urgent = await send(core, chatId, 'urgent', { whenBusy: 'interrupt' });
    const urgentEnd = await core.turns.whenEnded(urgent.turnId);
    const queuedEnd = await core.turns.whenEnded(queued.turnId);
    expect(core.turns.turn(running.turnId)?.state).toBe('cancelled');
    expect(urgentEnd?.state).toBe('completed');
    expect((urgentEnd?.startedAt ?? '') <= (queuedEnd?.startedAt ?? '')).toBe(true);
  });

  test('a failed turn can be retried; retrying a completed one is refused as invalid-state', async () => {
    const core = testCore();
    const { chatId } = await setupChat(core, { rules: [{ match: 'fail', steps: [{ type: 'exit', code: 2 }] }], default: { steps: [{ type: 'echo' }] } });
    const failed = await sendAndWait(core, chatId, 'fail once');
    expect(failed).toMatchObject({ state: 'failed', error: { kind: 'agent-crashed' } });
    const completed = await sendAndWait(core, chatId, 'fine');
    expect(await core.api.call('chats.retry', { turnId: completed.id })).toMatchObject({ ok: false, error: { kind: 'invalid-state' } });
    const retry = unwrap(await core.api.call('chats.retry', { turnId: failed.id }));
    expect(core.turns.turn(retry.turnId)).toMatchObject({ retryOf: failed.id, prompt: 'fail once' });
  });
});

describe('many chats', () => {
  test('50 concurrent chats on the scripted agent all end in a terminal state', async () => {
    const core = testCore({ agentLimits: () => ({ maxWarm: 8, idleTtlMs: 60_000 }) });
    const folder = tempDir();
    const first = await setupChat(core, { default: { steps: [{ type: 'text', text: 'a', chunkSize: 1 }, { type: 'echo' }] } }, { folder });
    const chats = [first.chatId];
    for (let i = 1; i < 50; i += 1) chats.push(unwrap(await core.api.call('chats.create', { sessionId: first.sessionId, agentId: 'scripted' })).id);
    const sent = await Promise.all(chats.map((chatId, i) => send(core, chatId, `chat ${i}`)));
    const ended = await Promise.all(sent.map((accepted) => core.turns.whenEnded(accepted.turnId)));
    expect(ended.map((turn) => turn?.state)).toEqual(Array(50).fill('completed'));
    expect(chats.map((chatId, i) => assistantText(core, chatId, sent[i]?.turnId ?? ''))).toEqual(chats.map((_, i) => `achat ${i}`));
    await expect.poll(() => core.agents.pool.liveCount()).toBeLessThanOrEqual(8);
  }, 60_000);
});

describe('agents per chat', () => {
  test('switching agents and back continues the first agent\'s session, and chats.get says what the next turn does', async () => {
    const core = testCore();
    const { chatId } = await setupChat(core, { capabilities: { resume: true }, default: { steps: [{ type: 'echo' }] } }, { agentId: 'alpha' });
    await setupChat(core, { default: { steps: [{ type: 'echo' }] } }, { agentId: 'beta' });
    const one = await sendAndWait(core, chatId, 'to alpha');
    const two = await sendAndWait(core, chatId, 'to beta', { agent: 'beta' });
    expect(two).toMatchObject({ agentId: 'beta', origin: 'new' });
    expect(unwrap(core.turns.view(chatId)).chat.agentId).toBe('beta');
    const three = await sendAndWait(core, chatId, 'back to alpha', { agent: 'alpha' });
    expect(three).toMatchObject({ agentId: 'alpha', origin: 'warm' });
    const firstSession = core.agents.sessions.get(chatId, 'alpha')?.sessionId;
    expect(firstSession).toBeTruthy();
    expect(unwrap(core.turns.view(chatId)).agents).toEqual(
      expect.arrayContaining([expect.objectContaining({ agentId: 'alpha', next: 'warm', sessionId: firstSession }), expect.objectContaining({ agentId: 'beta', next: 'warm' })]),
    );
    expect(one.origin).toBe('new');

    // After the processes are gone, the next turn resumes the stored session.
    await core.agents.pool.shutdown();
    const dataDir = core.dataDir;
    await core.close();
    const again = testCore({ dataDir });
    expect(unwrap(again.turns.view(chatId)).agents.find((agent) => agent.agentId === 'alpha')).toMatchObject({ next: 'resume' });
    const four = await sendAndWait(again, chatId, 'alpha after restart', { agent: 'alpha' });
    expect(four).toMatchObject({ origin: 'resumed', state: 'completed' });
    expect(again.agents.sessions.get(chatId, 'alpha')?.sessionId).toBe(firstSession);
  });

  test('an agent\'s suggested title names the chat unless the user named it', async () => {
    const core = testCore();
    const { chatId } = await setupChat(core, { default: { steps: [{ type: 'session_info', title: 'Fixing the parser' }, { type: 'echo' }] } });
    await sendAndWait(core, chatId, 'hi');
    expect(unwrap(core.turns.view(chatId)).chat.title).toBe('Fixing the parser');
    unwrap(await core.api.call('chats.rename', { chatId, title: 'Mine' }));
    await sendAndWait(core, chatId, 'again');
    expect(unwrap(core.turns.view(chatId)).chat).toMatchObject({ title: 'Mine', isTitleFromUser: true });
  });
});
