// The Electron transport — the IPC adapter in the main process and the preload in the page —
// against a real core, over a small fake of the `electron` module that routes messages between
// them as Electron does (the one mock this project allows: the Electron binary cannot run here).
import { beforeEach, describe, expect, onTestFinished, test, vi } from 'vitest';
import type { BooApi, SubscriptionMessage } from '../../../src/shared/contract.ts';
import { ipcChannels } from '../../../src/shared/ipcChannels.ts';
import { registerIpc } from '../../../src/main/shell/ipc.ts';
import { fake, ipcRenderer, type FakeWebContents } from '../../fixtures/fakeElectron.ts';
import { testCore } from '../../helpers/core.ts';
import { tempDir } from '../../helpers/tempDir.ts';

vi.mock('electron', () => import('../../fixtures/fakeElectron.ts'));

const appUrl = 'file:///app/index.html';

/** The adapter over a fresh core, a window showing the app, and the preload loaded in it. */
async function desktop(options: { url?: string } = {}) {
  fake.reset(options.url ?? appUrl);
  const core = testCore();
  const shown: FakeWebContents[] = [];
  const dispose = registerIpc(core, {
    isAppUrl: (url) => url.startsWith(appUrl),
    getWindow: () => undefined,
    showWindow: () => {
      shown.push(fake.window);
      return { webContents: fake.window } as never;
    },
  });
  onTestFinished(dispose);
  vi.resetModules();
  await import('../../../src/preload/index.ts');
  const boo = fake.exposed.get('boo') as BooApi;
  return { core, boo, dispose, shown };
}

function events(messages: readonly SubscriptionMessage[]): string[] {
  return messages.flatMap((message) => (message.kind === 'event' ? [message.event.type] : []));
}

describe('the IPC adapter and the preload, over a fake electron', () => {
  beforeEach(() => {
    fake.reset();
  });

  test('a message from another frame, or from the window once it shows another page, is refused', async () => {
    const { boo } = await desktop();
    expect(await boo.call('settings.get', {})).toMatchObject({ ok: true });

    fake.frame = { url: appUrl }; // an iframe inside the app's page: not its main frame
    expect(await boo.call('settings.get', {})).toEqual({ ok: false, error: { kind: 'unauthorized', message: expect.any(String) } });
    expect((await boo.subscribe({ afterSeq: 0 }, () => {})).result).toMatchObject({ ok: false, error: { kind: 'unauthorized' } });
    expect(await boo.desktop?.pickFolder()).toMatchObject({ ok: false, error: { kind: 'unauthorized' } });
    boo.desktop?.notify({ id: 'n', title: 'from a frame', body: '' });
    boo.desktop?.setBadgeCount(3);

    fake.frame = undefined;
    fake.window.mainFrame.url = 'https://evil.example/'; // the main frame navigated away
    expect(await boo.call('settings.set', { patch: { theme: 'dark' } })).toMatchObject({ ok: false, error: { kind: 'unauthorized' } });
    expect(fake.notifications).toEqual([]);
    expect(fake.badgeCounts).toEqual([]);
  });

  test('malformed messages and arguments get typed errors, never a crash', async () => {
    const { boo } = await desktop();
    expect(await ipcRenderer.invoke(ipcChannels.call, 'not an object')).toMatchObject({ ok: false, error: { kind: 'invalid-message' } });
    expect(await boo.call('no.such.command' as never, {} as never)).toMatchObject({ ok: false, error: { kind: 'unknown-command' } });
    expect(await boo.call('settings.set', { patch: { maxWarmAgents: -1 } })).toMatchObject({ ok: false, error: { kind: 'invalid-arguments', message: expect.stringContaining('maxWarmAgents') } });
    expect(await boo.call('chats.markSeen', { chatId: '', turnId: 'x' })).toMatchObject({ ok: false, error: { kind: 'invalid-arguments' } });
    expect((await boo.subscribe({ afterSeq: -5 }, () => {})).result).toMatchObject({ ok: false, error: { kind: 'invalid-arguments' } });
    expect(await ipcRenderer.invoke(ipcChannels.subscribe, { position: { afterSeq: 0 } })).toMatchObject({ ok: false, error: { kind: 'invalid-message' } });
    // Fire-and-forget channels drop what they cannot read.
    ipcRenderer.send(ipcChannels.notify, { id: 'n', title: '', body: 'no title' });
    ipcRenderer.send(ipcChannels.notify, 'a string');
    ipcRenderer.send(ipcChannels.setBadgeCount, -1);
    ipcRenderer.send(ipcChannels.setBadgeCount, 'many');
    ipcRenderer.send(ipcChannels.unsubscribe, { not: 'an id' });
    expect(fake.notifications).toEqual([]);
    expect(fake.badgeCounts).toEqual([]);
    // And the channel still works afterwards.
    boo.desktop?.setBadgeCount(4);
    expect(fake.badgeCounts).toEqual([4]);
  });

  test('the preload exposes window.boo and nothing else: named functions, no ipcRenderer', async () => {
    const { boo } = await desktop();
    expect([...fake.exposed.keys()]).toEqual(['boo']);
    expect(Object.keys(boo).sort()).toEqual(['call', 'desktop', 'subscribe']);
    expect(Object.keys(boo.desktop ?? {}).sort()).toEqual(['notify', 'onMenuCommand', 'onNotificationClick', 'pathForFile', 'pickFolder', 'setBadgeCount']);
    for (const value of [...Object.values(boo), ...Object.values(boo.desktop ?? {})]) {
      if (value === boo.desktop) continue;
      expect(typeof value).toBe('function');
      expect(value).not.toBe(ipcRenderer);
      expect(Object.values(ipcRenderer)).not.toContain(value);
    }
  });

  test('two event subscribers in one window both receive every event, and one leaving does not stop the other', async () => {
    const { boo } = await desktop();
    const first: SubscriptionMessage[] = [];
    const second: SubscriptionMessage[] = [];
    const one = await boo.subscribe({ afterSeq: 0 }, (message) => first.push(message));
    const two = await boo.subscribe({ afterSeq: 0 }, (message) => second.push(message));
    expect(one.result.ok && two.result.ok).toBe(true);
    for (const theme of ['dark', 'light', 'system'] as const) expect(await boo.call('settings.set', { patch: { theme } })).toMatchObject({ ok: true });
    expect(events(first)).toEqual(['app.settings.changed', 'app.settings.changed', 'app.settings.changed']);
    expect(events(second)).toEqual(events(first));

    one.unsubscribe();
    expect(await boo.call('settings.set', { patch: { maxWarmAgents: 2 } })).toMatchObject({ ok: true });
    expect(events(first)).toHaveLength(3);
    expect(events(second)).toHaveLength(4);
  });

  test('a closed window leaves no subscription behind, and disposing the adapter unregisters every channel', async () => {
    const { core, boo, dispose } = await desktop();
    await boo.subscribe({ afterSeq: 0 }, () => {});
    await boo.subscribe({ afterSeq: 0 }, () => {});
    const before = core.events.listenerCount();
    fake.window.destroy();
    expect(core.events.listenerCount()).toBe(before - 2);
    // Publishing after the window is gone does not try to send to it.
    expect(await core.api.call('settings.set', { patch: { theme: 'dark' } })).toMatchObject({ ok: true });
    dispose();
    expect(fake.registered()).toEqual([]);
  });

  test('a notification is shown by the main process, and a click brings the window forward and tells the page which one', async () => {
    const { boo, shown } = await desktop();
    const clicked: string[] = [];
    boo.desktop?.onNotificationClick((id) => clicked.push(id));
    boo.desktop?.notify({ id: 'turn:42', title: 'qwen finished in Login form', body: 'Login page · acme-web' });
    expect(fake.notifications.map((notification) => [notification.title, notification.body, notification.isShown])).toEqual([['qwen finished in Login form', 'Login page · acme-web', true]]);
    fake.notifications[0]?.click();
    expect(shown).toHaveLength(1);
    expect(clicked).toEqual(['turn:42']);
  });

  test('a menu command reaches the page by id', async () => {
    const { boo } = await desktop();
    const commands: string[] = [];
    const stop = boo.desktop?.onMenuCommand((id) => commands.push(id));
    fake.window.send(ipcChannels.menuCommand, 'settings.open');
    stop?.();
    fake.window.send(ipcChannels.menuCommand, 'inbox.toggle');
    expect(commands).toEqual(['settings.open']);
  });

  test('the folder picker opens the chosen folder as a project; cancelling gives null', async () => {
    const { boo } = await desktop();
    expect(await boo.desktop?.pickFolder()).toBeNull();
    const folder = tempDir('boo-picked-');
    fake.pickedFolders.push(folder);
    expect(await boo.desktop?.pickFolder()).toMatchObject({ ok: true, value: { path: expect.any(String) } });
  });
});
