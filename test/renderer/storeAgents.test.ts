// The window's list of agents over a real core: views that ask for it while the first listing is
// under way (each session shown asks) share that one request, and a changed catalog is listed again.
import { describe, expect, test } from 'vitest';
import type { BooApi } from '../../src/shared/contract.ts';
import { createAppStore } from '../../src/renderer/state/store.ts';
import { testCore } from '../helpers/core.ts';
import { unwrap } from '../helpers/chats.ts';

const immediate = { schedule: (work: () => void) => (queueMicrotask(work), () => {}) };

describe("a window's list of agents", () => {
  test('asked for by many views at once, it is listed once; after the catalog changes, once more', async () => {
    const core = testCore();
    let listings = 0;
    const api: BooApi = {
      ...core.api,
      call: ((name, args) => {
        if (name === 'agents.list') listings += 1;
        return core.api.call(name, args);
      }) as BooApi['call'],
    };
    const store = createAppStore({ api, transport: 'desktop', state: () => 'connected', onStateChange: () => () => {} }, { scheduler: immediate });
    await expect.poll(() => store.state.getState().client.isLoaded).toBe(true);

    const lists = await Promise.all(Array.from({ length: 12 }, () => store.loadAgents()));
    expect(listings).toBe(1);
    for (const list of lists) expect(list).toBe(lists[0]);
    expect(store.state.getState().agents?.list).toBe(lists[0]);
    // Listed already: answered from the window.
    await store.loadAgents();
    expect(listings).toBe(1);

    const version = store.state.getState().client.catalogVersion;
    unwrap(await core.api.call('agents.add', { agent: { id: 'extra', name: 'Extra', command: '/bin/true', args: [], env: {} } }));
    await expect.poll(() => store.state.getState().client.catalogVersion).toBeGreaterThan(version);
    const relisted = await Promise.all([store.loadAgents(), store.loadAgents(), store.loadAgents()]);
    expect(listings).toBe(2);
    expect(relisted[0]?.map((agent) => agent.id)).toContain('extra');
    await core.close();
  });
});
