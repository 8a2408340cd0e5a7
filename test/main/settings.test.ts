import { describe, expect, test } from 'vitest';
import { testCore } from '../helpers/core.ts';
import { tempDir } from '../helpers/tempDir.ts';

describe('settings', () => {
  test('a fresh data dir has the defaults', async () => {
    const core = testCore();
    expect(await core.api.call('settings.get', {})).toEqual({
      ok: true,
      value: { theme: 'system', maxWarmAgents: 4, agentIdleTtlMinutes: 15, permissionTimeoutSeconds: 0, archivedWorktreeRetentionDays: 7, opencodeConfigOverlay: '', queueLimit: 20, customAgents: [] },
    });
  });

  test('a change is validated, persisted across restarts, and announced', async () => {
    const dataDir = tempDir();
    const core = testCore({ dataDir });
    const seen: string[] = [];
    core.subscribe({ afterSeq: 0 }, (message) => {
      if (message.kind === 'event') seen.push(message.event.type);
    });
    expect(await core.api.call('settings.set', { patch: { maxWarmAgents: 2 } })).toMatchObject({ ok: true, value: { maxWarmAgents: 2 } });
    expect(seen).toEqual(['app.settings.changed']);
    await core.close();
    const reopened = testCore({ dataDir });
    expect(await reopened.api.call('settings.get', {})).toMatchObject({ ok: true, value: { maxWarmAgents: 2, theme: 'system' } });
  });

  test('an invalid value or unknown key is refused with the field named', async () => {
    const core = testCore();
    expect(await core.dispatch('settings.set', { patch: { maxWarmAgents: -1 } })).toMatchObject({
      ok: false,
      error: { kind: 'invalid-arguments', message: expect.stringContaining('patch.maxWarmAgents') },
    });
    expect(await core.dispatch('settings.set', { patch: { colour: 'blue' } })).toMatchObject({ ok: false, error: { kind: 'invalid-arguments' } });
  });

  test('a stored value that no longer validates falls back to its default', async () => {
    const dataDir = tempDir();
    const core = testCore({ dataDir });
    core.store.db.prepare("INSERT INTO settings (key, value) VALUES ('theme', '\"sepia\"'), ('maxWarmAgents', 'not json')").run();
    expect(await core.api.call('settings.get', {})).toMatchObject({ ok: true, value: { theme: 'system', maxWarmAgents: 4 } });
  });
});
