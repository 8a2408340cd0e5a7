// The window's store over a real core: a window that opens on a core with a long event history
// reads the snapshot and follows from there, instead of having the core replay its history.
import { describe, expect, test } from 'vitest';
import type { BooApi } from '../../src/shared/contract.ts';
import { createAppStore } from '../../src/renderer/state/store.ts';
import { testCore } from '../helpers/core.ts';
import { tempDir } from '../helpers/tempDir.ts';
import { unwrap } from '../helpers/chats.ts';

const immediate = { schedule: (work: () => void) => (queueMicrotask(work), () => {}) };

describe('a window following the core', () => {
  test('a window with nothing loaded gets the snapshot and live events, and no replay of the history before it', async () => {
    const core = testCore();
    // History: projects opened and removed, each a few events in the replay buffer.
    for (let index = 0; index < 40; index += 1) {
      const project = unwrap(await core.api.call('projects.open', { path: tempDir('boo-history-') }));
      unwrap(await core.api.call('projects.remove', { projectId: project.id }));
    }
    const kept = unwrap(await core.api.call('projects.open', { path: tempDir('boo-kept-') }));
    const replayed: number[] = [];
    const api: BooApi = {
      ...core.api,
      async subscribe(position, listener) {
        const subscription = await core.api.subscribe(position, listener);
        if (subscription.result.ok && subscription.result.value.kind === 'replay') replayed.push(subscription.result.value.events.length);
        return subscription;
      },
    };
    const store = createAppStore({ api, transport: 'desktop', state: () => 'connected', onStateChange: () => () => {} }, { scheduler: immediate });
    await expect.poll(() => store.state.getState().client.isLoaded).toBe(true);
    expect(store.state.getState().client.projects.map((project) => project.id)).toEqual([kept.id]);
    expect(replayed.reduce((sum, count) => sum + count, 0)).toBe(0);

    // Live from there on.
    unwrap(await core.api.call('settings.set', { patch: { queueLimit: 7 } }));
    await expect.poll(() => store.state.getState().client.settings?.queueLimit).toBe(7);
  });
});
