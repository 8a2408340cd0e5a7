// The "needs you" inbox as the window computes it from the client state: what is listed, in
// which order, and what is left out (seen, cancelled, on screen, archived, still running).
import { describe, expect, test } from 'vitest';
import type { PermissionRequest } from '../../src/shared/agents.ts';
import type { Chat, Session, Turn } from '../../src/shared/chats.ts';
import { SettingsSchema, type ProjectId, type WorkspaceSnapshot } from '../../src/shared/contract.ts';
import { defaultLayout } from '../../src/shared/layout.ts';
import { initialClientState, reduceClient, type ClientState } from '../../src/renderer/state/clientState.ts';
import type { WindowState } from '../../src/renderer/state/store.ts';
import { inboxEntries, inboxOf, visibleChats } from '../../src/renderer/inbox/inboxModel.ts';
import { newsToTell } from '../../src/renderer/inbox/notifications.ts';

const session = (id: string, archivedAt: string | null = null): Session => ({ id, projectId: 'p', name: `Session ${id}`, usesWorktree: false, cwd: '/code/app', createdAt: '', updatedAt: '', archivedAt });
const chat = (id: string, sessionId: string, seenTurnId: string | null = null): Chat => ({ id, sessionId, title: `Chat ${id}`, isTitleFromUser: true, agentId: 'qwen', createdAt: '', updatedAt: '', archivedAt: null, seenTurnId });
const turn = (id: string, chatId: string, state: Turn['state'], endedAt: string): Turn => ({
  id,
  chatId,
  agentId: 'qwen',
  state,
  prompt: `do ${id}`,
  mode: null,
  model: null,
  queuePosition: null,
  origin: null,
  stopReason: null,
  error: state === 'failed' ? { kind: 'agent-crashed', message: 'qwen exited with code 1' } : null,
  usage: null,
  userMessageId: null,
  assistantMessageId: null,
  retryOf: null,
  createdAt: endedAt,
  startedAt: endedAt,
  endedAt,
  heartbeatAt: null,
  attachments: [],
});
const permission = (id: string, chatId: string, requestedAt: string): PermissionRequest => ({ id, chatId, agentId: 'qwen', title: `Edit ${id}`, toolCall: null, options: [], requestedAt });

function clientWith(parts: { sessions: Session[]; chats: Chat[]; ended: Turn[]; running?: Turn[]; permissions?: PermissionRequest[] }): ClientState {
  const snapshot: WorkspaceSnapshot = {
    seq: 1,
    epoch: 'e',
    projects: [{ id: 'p' as ProjectId, name: 'acme', path: '/code/app', isGit: false, branch: null, setup: { copyFiles: [], command: null }, createdAt: '', lastOpenedAt: '' }],
    settings: SettingsSchema.parse({}),
    sessions: parts.sessions,
    workspaces: [],
    chats: parts.chats,
    activity: parts.chats.map((entry) => ({
      chatId: entry.id,
      running: parts.running?.find((candidate) => candidate.chatId === entry.id) ?? null,
      queued: 0,
      lastEnded: parts.ended.find((candidate) => candidate.chatId === entry.id) ?? null,
    })),
    changes: [],
    permissions: parts.permissions ?? [],
    processes: [],
    terminals: [],
  };
  return reduceClient(initialClientState, { type: 'snapshot', snapshot });
}

function windowOf(client: ClientState, overrides: Partial<WindowState> = {}): WindowState {
  return { client, connection: 'connected', sessionId: undefined, projectId: undefined, isOpeningProject: false, isPaletteOpen: false, dialog: undefined, agents: undefined, isInboxOpen: false, screen: undefined, isAttentive: true, focusTurn: undefined, ...overrides };
}

describe('the needs-you inbox', () => {
  test('lists permission requests first, then failed and interrupted turns, then unread finished ones, newest first within each', () => {
    const client = clientWith({
      sessions: [session('a'), session('b')],
      chats: [chat('done-early', 'a'), chat('done-late', 'b'), chat('broken', 'a'), chat('stopped', 'b'), chat('asking', 'b')],
      ended: [turn('t1', 'done-early', 'completed', '2025-01-01T10:00:00Z'), turn('t2', 'done-late', 'completed', '2025-01-01T11:00:00Z'), turn('t3', 'broken', 'failed', '2025-01-01T09:00:00Z'), turn('t4', 'stopped', 'interrupted', '2025-01-01T08:00:00Z')],
      permissions: [permission('r1', 'asking', '2025-01-01T07:00:00Z')],
    });
    expect(inboxEntries(client, new Set()).map((entry) => [entry.kind, entry.key])).toEqual([
      ['permission', 'permission:r1'],
      ['failed', 'turn:t3'],
      ['failed', 'turn:t4'],
      ['finished', 'turn:t2'],
      ['finished', 'turn:t1'],
    ]);
  });

  test('a seen turn, a cancelled one, a running chat, an archived session and a chat on screen are left out', () => {
    const client = clientWith({
      sessions: [session('a'), session('old', '2025-01-01T00:00:00Z')],
      chats: [chat('seen', 'a', 't1'), chat('cancelled', 'a'), chat('busy', 'a'), chat('archived', 'old'), chat('on-screen', 'a'), chat('unread', 'a')],
      ended: [
        turn('t1', 'seen', 'completed', '2025-01-01T10:00:00Z'),
        turn('t2', 'cancelled', 'cancelled', '2025-01-01T10:00:00Z'),
        turn('t3', 'busy', 'failed', '2025-01-01T10:00:00Z'),
        turn('t4', 'archived', 'completed', '2025-01-01T10:00:00Z'),
        turn('t5', 'on-screen', 'completed', '2025-01-01T10:00:00Z'),
        turn('t6', 'unread', 'completed', '2025-01-01T10:00:00Z'),
      ],
      running: [turn('t7', 'busy', 'running', '')],
      permissions: [permission('r-old', 'archived', '2025-01-01T07:00:00Z')],
    });
    expect(inboxEntries(client, new Set(['on-screen'])).map((entry) => entry.key)).toEqual(['turn:t6']);
  });

  test("a chat is on screen when it is a pane's active tab in the shown session of a focused, visible window", () => {
    const client0 = clientWith({ sessions: [session('a')], chats: [chat('one', 'a'), chat('two', 'a')], ended: [] });
    const layout = defaultLayout(['one', 'two']);
    const client = reduceClient(client0, { type: 'layout.loaded', sessionId: 'a', layout, notice: null });
    const active = Object.values(layout.tabs).find((tab) => layout.root.kind === 'pane' && tab.id === layout.root.activeTabId)?.targetId;
    expect([...visibleChats(windowOf(client, { sessionId: 'a' }))]).toEqual([active]);
    expect([...visibleChats(windowOf(client, { sessionId: 'a', isAttentive: false }))]).toEqual([]);
    expect([...visibleChats(windowOf(client, { sessionId: 'a', screen: 'settings' }))]).toEqual([]);
    expect([...visibleChats(windowOf(client, { sessionId: undefined }))]).toEqual([]);
  });

  test('the same inbox comes back while nothing it is made of changed, so views do not re-render on every streamed delta', () => {
    const client = clientWith({ sessions: [session('a')], chats: [chat('c', 'a')], ended: [turn('t', 'c', 'completed', '2025-01-01T10:00:00Z')] });
    const state = windowOf(client);
    const first = inboxOf(state);
    expect(inboxOf({ ...state, isPaletteOpen: true })).toBe(first);
    expect(inboxOf({ ...state, client: { ...client, chats: { ...client.chats } } })).not.toBe(first);
  });
});

describe('what is worth a notification', () => {
  test('a new entry is told once; one in a chat on screen, or of a kind turned off in the settings, is not told at all', () => {
    const base = clientWith({
      sessions: [session('a')],
      chats: [chat('on-screen', 'a'), chat('elsewhere', 'a'), chat('asking', 'a')],
      ended: [turn('t1', 'on-screen', 'completed', '2025-01-01T10:00:00Z'), turn('t2', 'elsewhere', 'completed', '2025-01-01T10:00:00Z'), turn('t3', 'asking', 'failed', '2025-01-01T10:00:00Z')],
      permissions: [permission('r1', 'asking', '2025-01-01T11:00:00Z')],
    });
    const layout = defaultLayout(['on-screen', 'elsewhere', 'asking']);
    const client = reduceClient(base, { type: 'layout.loaded', sessionId: 'a', layout, notice: null });
    const known = new Set<string>();
    expect(newsToTell(windowOf(client, { sessionId: 'a' }), known).map((entry) => entry.key)).toEqual(['permission:r1', 'turn:t3', 'turn:t2']);
    expect(known).toEqual(new Set(['permission:r1', 'turn:t1', 'turn:t2', 'turn:t3']));
    expect(newsToTell(windowOf(client, { sessionId: 'a' }), known)).toEqual([]);

    const quiet = { ...client, settings: { ...SettingsSchema.parse({}), notifyOnFinish: false, notifyOnPermission: false } };
    expect(newsToTell(windowOf(quiet, { sessionId: 'a' }), new Set()).map((entry) => entry.key)).toEqual(['turn:t3']);
    // In a window in the background nothing is on screen: the finished turn of the first tab is news too.
    expect(newsToTell(windowOf(client, { sessionId: 'a', isAttentive: false }), new Set()).map((entry) => entry.key)).toContain('turn:t1');
  });
});
