import { describe, expect, test } from 'vitest';
import type { ChatView, Message, Part, Turn } from '../../src/shared/chats.ts';
import { SettingsSchema, type AppEvent, type ProjectId, type WorkspaceSnapshot } from '../../src/shared/contract.ts';
import type { LayoutEnvelope } from '../../src/shared/layout.ts';
import { answerKey, initialClientState, reduceClient, type ClientState } from '../../src/renderer/state/clientState.ts';
import { createEventPump } from '../../src/renderer/state/eventPump.ts';
import { assistantTextOf } from '../../src/renderer/state/transcript.ts';

const settings: WorkspaceSnapshot['settings'] = SettingsSchema.parse({});

function snapshot(seq: number, epoch = 'e1'): WorkspaceSnapshot {
  return {
    seq,
    epoch,
    projects: [{ id: 'p' as ProjectId, name: 'app', path: '/code/app', isGit: true, branch: 'main', setup: { copyFiles: [], command: null }, createdAt: '', lastOpenedAt: '' }],
    settings,
    sessions: [{ id: 's', projectId: 'p', name: 'Session 1', usesWorktree: true, cwd: '/wt/s', createdAt: '', updatedAt: '', archivedAt: null }],
    workspaces: [],
    chats: [{ id: 'c', sessionId: 's', title: 'Chat', isTitleFromUser: false, agentId: 'qwen', createdAt: '', updatedAt: '', archivedAt: null, seenTurnId: null }],
    activity: [{ chatId: 'c', running: null, queued: 0, lastEnded: null }],
    changes: [],
    permissions: [],
    processes: [],
    terminals: [],
  };
}

const textPart = (text: string): Part => ({ id: 'part', messageId: 'm2', position: 0, kind: 'text', text });
const assistant = (parts: Part[]): Message => ({ id: 'm2', chatId: 'c', turnId: 'turn', role: 'assistant', ordinal: 2, agentId: 'qwen', createdAt: '', parts });

function view(text: string, seq: number): ChatView {
  const state = reduceClient(initialClientState, { type: 'snapshot', snapshot: snapshot(0) });
  return {
    chat: state.chats.c as ChatView['chat'],
    session: state.sessions.s as ChatView['session'],
    messages: [assistant([textPart(text)])],
    hasOlder: false,
    running: null,
    queue: [],
    recentTurns: [],
    agents: [],
    draft: '',
    seq,
    epoch: 'e1',
  };
}

function delta(seq: number, offset: number, text: string): AppEvent {
  return { seq, at: '', type: 'chat.part.delta', chatId: 'c', messageId: 'm2', partId: 'part', offset, delta: text };
}

function events(state: ClientState, list: AppEvent[]): ClientState {
  return reduceClient(state, { type: 'events', events: list, windowId: 'me' });
}

describe('the window state', () => {
  test('deltas are applied by offset exactly once, also when a reconnect replays from an older seq', () => {
    let state = reduceClient(initialClientState, { type: 'snapshot', snapshot: snapshot(10) });
    state = reduceClient(state, { type: 'chat.loaded', view: view('Hel', 10) });
    state = events(state, [delta(11, 3, 'lo'), delta(12, 5, ', wor')]);
    // The socket dropped; the window resubscribed after seq 11 and the core replays 12 and 13.
    state = events(state, [delta(12, 5, ', wor'), delta(13, 10, 'ld')]);
    expect(assistantTextOf(state.transcripts.c as never, 'turn')).toBe('Hello, world');
    expect(state.lastSeq).toBe(13);
    // Even a replayed delta with a newer seq but old text is not shown twice.
    state = events(state, [delta(14, 3, 'lo, world')]);
    expect(assistantTextOf(state.transcripts.c as never, 'turn')).toBe('Hello, world');
    expect(state.transcripts.c?.isStale).toBe(false);
  });

  test('after a resync the snapshot replaces the state, and a chat read again keeps the text it already showed', () => {
    let state = reduceClient(initialClientState, { type: 'snapshot', snapshot: snapshot(10) });
    state = reduceClient(state, { type: 'chat.loaded', view: view('Hello', 10) });
    state = events(state, [delta(11, 5, ' there')]);
    // Another run of the core: seqs start again, the open chat is marked to be read again.
    state = reduceClient(state, { type: 'snapshot', snapshot: snapshot(3, 'e2') });
    expect([state.lastSeq, state.epoch, state.transcripts.c?.isStale]).toEqual([3, 'e2', true]);
    // The read is older than what was shown (the last batch was not saved yet): nothing shrinks.
    state = reduceClient(state, { type: 'chat.loaded', view: view('Hello', 3) });
    expect(assistantTextOf(state.transcripts.c as never, 'turn')).toBe('Hello there');
    state = events(state, [delta(4, 11, '!')]);
    expect(assistantTextOf(state.transcripts.c as never, 'turn')).toBe('Hello there!');
  });

  test('a delta past the end of what the window has marks the chat to be read again instead of showing a gap', () => {
    let state = reduceClient(initialClientState, { type: 'snapshot', snapshot: snapshot(10) });
    state = reduceClient(state, { type: 'chat.loaded', view: view('Hel', 10) });
    state = events(state, [delta(12, 5, 'xx')]);
    expect(state.transcripts.c?.isStale).toBe(true);
    expect(assistantTextOf(state.transcripts.c as never, 'turn')).toBe('Hel');
  });

  test('turns, queues, permissions and layouts follow their events; a window skips the echo of its own layout save', () => {
    let state = reduceClient(initialClientState, { type: 'snapshot', snapshot: snapshot(0) });
    const turn = { id: 'turn', chatId: 'c', agentId: 'qwen', state: 'running', prompt: 'hi', mode: null, model: null, queuePosition: null, origin: null, stopReason: null, error: null, usage: null, userMessageId: null, assistantMessageId: null, retryOf: null, createdAt: '', startedAt: '', endedAt: null, heartbeatAt: null, attachments: [] } as Turn;
    state = events(state, [
      { seq: 1, at: '', type: 'chat.turn.changed', turn },
      { seq: 2, at: '', type: 'chat.queue.changed', chatId: 'c', queue: [{ ...turn, id: 'q', state: 'queued', queuePosition: 1 }] },
      { seq: 3, at: '', type: 'agent.permission.requested', request: { id: 'r', chatId: 'c', agentId: 'qwen', title: 'Edit', toolCall: null, options: [], requestedAt: '' } },
    ]);
    expect(state.activity.c).toMatchObject({ running: { id: 'turn' }, queued: 1 });
    expect(Object.keys(state.permissions)).toEqual(['r']);
    state = events(state, [
      { seq: 4, at: '', type: 'chat.turn.ended', turn: { ...turn, state: 'completed' } },
      { seq: 5, at: '', type: 'agent.permission.resolved', requestId: 'r', outcome: { outcome: 'cancelled', reason: 'user' } },
    ]);
    expect(state.activity.c).toMatchObject({ running: null, lastEnded: { id: 'turn', state: 'completed' } });
    expect(state.permissions).toEqual({});
    const layout: LayoutEnvelope = { version: 1, root: { kind: 'pane', id: 'p1', tabIds: [], activeTabId: null }, tabs: {}, nextTabNumber: 1, closedTabs: [], focusedTabId: null, perTab: {} };
    const mine = events(state, [{ seq: 6, at: '', type: 'workspace.layout.changed', sessionId: 's', layout, writer: 'me' }]);
    expect(mine.layouts.s).toBeUndefined();
    const theirs = events(state, [{ seq: 6, at: '', type: 'workspace.layout.changed', sessionId: 's', layout, writer: 'other' }]);
    expect(theirs.layouts.s?.layout).toEqual(layout);
  });

  test('an answer is kept by the turn that asked as well as the tool call: two turns using one tool-call id each keep their own answer, even one resolved after its turn ended', () => {
    let state = reduceClient(initialClientState, { type: 'snapshot', snapshot: snapshot(0) });
    const turn = (id: string) => ({ id, chatId: 'c', agentId: 'qwen', state: 'running', prompt: 'hi', mode: null, model: null, queuePosition: null, origin: null, stopReason: null, error: null, usage: null, userMessageId: null, assistantMessageId: null, retryOf: null, createdAt: '', startedAt: '', endedAt: null, heartbeatAt: null, attachments: [] }) as Turn;
    const call = { id: 'edit-1', title: 'Edit login.ts', kind: 'edit', status: 'pending' as const, content: [], locations: [] };
    const options = [
      { optionId: 'allow-once', name: 'Allow once', kind: 'allow_once' as const },
      { optionId: 'reject-once', name: 'Reject', kind: 'reject_once' as const },
    ];
    state = events(state, [
      { seq: 1, at: '', type: 'chat.turn.changed', turn: turn('t1') },
      { seq: 2, at: '', type: 'agent.permission.requested', request: { id: 'r1', chatId: 'c', agentId: 'qwen', title: 'Edit', toolCall: call, options, requestedAt: '' } },
      { seq: 3, at: '1', type: 'agent.permission.resolved', requestId: 'r1', outcome: { outcome: 'selected', optionId: 'allow-once' } },
      { seq: 4, at: '', type: 'chat.turn.ended', turn: { ...turn('t1'), state: 'completed' } },
      { seq: 5, at: '', type: 'chat.turn.changed', turn: turn('t2') },
      { seq: 6, at: '', type: 'agent.permission.requested', request: { id: 'r2', chatId: 'c', agentId: 'qwen', title: 'Edit', toolCall: call, options, requestedAt: '' } },
      // Stopped while it waited: the answer comes after the turn's end.
      { seq: 7, at: '', type: 'chat.turn.ended', turn: { ...turn('t2'), state: 'cancelled' } },
      { seq: 8, at: '2', type: 'agent.permission.resolved', requestId: 'r2', outcome: { outcome: 'cancelled', reason: 'turn-cancelled' } },
    ]);
    expect(state.answered[answerKey('t1', 'edit-1')]).toMatchObject({ turnId: 't1', answer: 'Allow once', isAllowed: true });
    expect(state.answered[answerKey('t2', 'edit-1')]).toMatchObject({ turnId: 't2', answer: 'not answered: the turn was stopped', isAllowed: false });
    expect(state.permissions).toEqual({});
  });

  test('terminals are upserted by their record events and dropped when removed', () => {
    const state = reduceClient(initialClientState, { type: 'snapshot', snapshot: snapshot(1) });
    const terminal = { id: 't1', sessionId: 's', kind: 'shell' as const, chatId: null, name: null, title: 'bash', cwd: '/wt/s', command: '/bin/bash', state: 'running' as const, exitCode: null, signal: null, createdAt: '', endedAt: null };
    const started = events(state, [{ seq: 2, at: '', type: 'terminal.record.changed', terminal }]);
    expect(started.terminals.t1?.title).toBe('bash');
    const ended = events(started, [{ seq: 3, at: '', type: 'terminal.record.changed', terminal: { ...terminal, state: 'exited', exitCode: 2 } }]);
    expect(ended.terminals.t1).toMatchObject({ state: 'exited', exitCode: 2 });
    const removed = events(ended, [{ seq: 4, at: '', type: 'terminal.record.removed', terminalId: 't1', sessionId: 's' }]);
    expect(removed.terminals).toEqual({});
  });

  test('a burst of 10,000 events is applied in one batch, as one state change', () => {
    const batches: number[] = [];
    let scheduled: (() => void) | undefined;
    let state = reduceClient(initialClientState, { type: 'snapshot', snapshot: snapshot(0) });
    state = reduceClient(state, { type: 'chat.loaded', view: view('', 0) });
    let changes = 0;
    const pump = createEventPump<AppEvent>(
      (batch) => {
        batches.push(batch.length);
        state = events(state, batch);
        changes += 1;
      },
      { schedule: (work) => ((scheduled = work), () => (scheduled = undefined)) },
    );
    for (let index = 0; index < 10_000; index += 1) pump.push(delta(index + 1, index, 'x'));
    expect(batches).toEqual([]);
    scheduled?.();
    expect(batches).toEqual([10_000]);
    expect(changes).toBe(1);
    expect(assistantTextOf(state.transcripts.c as never, 'turn')).toBe('x'.repeat(10_000));
  });
});

describe('a long chat in a bounded window', () => {
  const message = (ordinal: number): Message => ({ id: `m${ordinal}`, chatId: 'c', turnId: null, role: 'user', ordinal, agentId: null, createdAt: '', parts: [] });
  const pageOf = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => message(from + index));

  test('scrolling back through pages keeps at most the window, lets the newest go, and reads them back on the way down', () => {
    let state = reduceClient(initialClientState, { type: 'snapshot', snapshot: snapshot(0) });
    const base = view('', 0);
    state = reduceClient(state, { type: 'chat.loaded', view: { ...base, messages: pageOf(951, 1000), hasOlder: true } });
    for (let end = 950; end > 0; end -= 50) {
      state = reduceClient(state, { type: 'chat.history', chatId: 'c', direction: 'older', messages: pageOf(end - 49, end), hasOlder: end - 49 > 1, hasNewer: true });
      expect(state.transcripts.c?.order.length).toBeLessThanOrEqual(300);
    }
    const top = state.transcripts.c;
    expect([top?.order[0], top?.order.at(-1), top?.hasOlder, top?.hasNewer]).toEqual(['m1', 'm300', false, true]);
    expect(Object.keys(top?.messages ?? {})).toHaveLength(300);
    // A message created meanwhile is not applied to a window that does not reach the end.
    state = events(state, [{ seq: 1, at: '', type: 'chat.message.created', message: message(1001) }]);
    expect(state.transcripts.c?.messages.m1001).toBeUndefined();
    state = reduceClient(state, { type: 'chat.history', chatId: 'c', direction: 'newer', messages: pageOf(301, 350), hasOlder: true, hasNewer: true });
    expect([state.transcripts.c?.order[0], state.transcripts.c?.order.at(-1), state.transcripts.c?.hasOlder]).toEqual(['m51', 'm350', true]);
  });
});
