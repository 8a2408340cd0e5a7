import { describe, expect, test } from 'vitest';
import { defaultLayout, LAYOUT_VERSION, type LayoutEnvelope } from '../../../src/shared/layout.ts';
import { send, setupChat, unwrap } from '../../helpers/chats.ts';
import { collectEvents, testCore } from '../../helpers/core.ts';
import { tempDir } from '../../helpers/tempDir.ts';

function twoPanes(chatId: string): LayoutEnvelope {
  return {
    version: LAYOUT_VERSION,
    root: {
      kind: 'split',
      id: 's1',
      direction: 'row',
      sizes: [60, 40],
      children: [
        { kind: 'pane', id: 'p1', tabIds: ['t1'], activeTabId: 't1' },
        { kind: 'pane', id: 'p2', tabIds: ['t2'], activeTabId: 't2' },
      ],
    },
    tabs: { t1: { id: 't1', number: 1, kind: 'chat', targetId: chatId }, t2: { id: 't2', number: 3, kind: 'changes', targetId: null } },
    nextTabNumber: 4,
    closedTabs: [{ id: 't0', number: 2, kind: 'terminal', targetId: 'term-1' }],
    focusedTabId: 't2',
    perTab: { t1: { scrollAnchor: { itemId: 'm1', offset: 12 }, draft: 'half a thought' } },
  };
}

describe('session layouts in the core', () => {
  test('a session without a saved layout gets one pane with a tab per chat', async () => {
    const core = testCore();
    const { sessionId, chatId } = await setupChat(core, {});
    expect(unwrap(await core.api.call('sessions.layout.get', { sessionId }))).toEqual({ layout: defaultLayout([chatId]), notice: null });
  });

  test('a saved layout comes back as saved, after a restart too, and every window is told who saved it', async () => {
    const dataDir = tempDir('boo-data-');
    const core = testCore({ dataDir });
    const { sessionId, chatId } = await setupChat(core, {});
    const events = collectEvents(core);
    const layout = twoPanes(chatId);
    expect(unwrap(await core.api.call('sessions.layout.set', { sessionId, layout, writer: 'window-a' }))).toEqual({ saved: true });
    expect(events).toMatchObject([{ type: 'workspace.layout.changed', sessionId, layout, writer: 'window-a' }]);
    await core.close();
    const again = testCore({ dataDir });
    expect(unwrap(await again.api.call('sessions.layout.get', { sessionId }))).toEqual({ layout, notice: null });
  });

  test('a layout whose parts disagree is refused with what is wrong, and nothing is saved', async () => {
    const core = testCore();
    const { sessionId, chatId } = await setupChat(core, {});
    const layout = twoPanes(chatId);
    const broken = { ...layout, tabs: { ...layout.tabs, t2: { ...layout.tabs.t2, number: 1 } } };
    expect(await core.api.call('sessions.layout.set', { sessionId, layout: broken as LayoutEnvelope, writer: 'w' })).toMatchObject({ ok: false, error: { kind: 'invalid-arguments', message: expect.stringContaining('two tabs have number 1') } });
    expect(unwrap(await core.api.call('sessions.layout.get', { sessionId })).notice).toBeNull();
  });

  test('a malformed or unknown-version layout in the database gives the default layout and a notice, never an error', async () => {
    const core = testCore();
    const { sessionId, chatId } = await setupChat(core, {});
    const write = (text: string) => core.store.db.prepare('INSERT OR REPLACE INTO session_layouts (session_id, layout, updated_at) VALUES (?, ?, ?)').run(sessionId, text, '');
    for (const [stored, expected] of [
      ['{"version": 1, "root": {"kind": "pane"}}', /could not be read \(root/],
      ['{"version": 99, "whatever": true}', /from a newer version of BooCode \(version 99\)/],
      ['not json at all', /it is not JSON/],
      ['{"version": 1, "root": {"kind":"pane","id":"p1","tabIds":["t9"],"activeTabId":null}, "tabs": {}, "nextTabNumber": 1, "closedTabs": [], "focusedTabId": null, "perTab": {}}', /unknown tab t9/],
    ] as const) {
      write(stored);
      const read = unwrap(await core.api.call('sessions.layout.get', { sessionId }));
      expect(read.layout).toEqual(defaultLayout([chatId]));
      expect(read.notice).toMatch(expected);
    }
  });

  test('the workspace snapshot has every project, session, chat and what each chat is doing, at one seq', async () => {
    const core = testCore();
    const { sessionId, chatId, projectId } = await setupChat(core, { rules: [{ match: 'slow', steps: [{ type: 'slow', chunks: 50, intervalMs: 10 }] }] });
    const done = await send(core, chatId, 'quick');
    await core.turns.whenEnded(done.turnId);
    const running = await send(core, chatId, 'slow one');
    await send(core, chatId, 'waiting');
    const snapshot = unwrap(await core.api.call('app.snapshot', {}));
    expect(snapshot).toMatchObject({
      seq: core.events.lastSeq(),
      epoch: core.events.epoch,
      projects: [{ id: projectId }],
      sessions: [{ id: sessionId }],
      workspaces: [{ sessionId, kind: 'folder' }],
      chats: [{ id: chatId }],
      activity: [{ chatId, running: { id: running.turnId, state: 'running' }, queued: 1, lastEnded: { id: done.turnId, state: 'completed' } }],
      permissions: [],
    });
    await core.api.call('chats.cancel', { chatId });
  });
});
