import { describe, expect, test } from 'vitest';
import { testCore } from '../helpers/core.ts';
import { tempDir } from '../helpers/tempDir.ts';
import { unwrap } from '../helpers/chats.ts';

describe('settings', () => {
  test('a fresh data dir has the defaults', async () => {
    const core = testCore();
    expect(await core.api.call('settings.get', {})).toEqual({
      ok: true,
      value: {
        theme: 'system',
        maxWarmAgents: 4,
        agentIdleTtlMinutes: 15,
        permissionTimeoutSeconds: 0,
        archivedWorktreeRetentionDays: 7,
        opencodeConfigOverlay: '',
        queueLimit: 20,
        enterToSend: true,
        notifyOnPermission: true,
        notifyOnFailure: true,
        notifyOnFinish: true,
        customAgents: [],
        terminalFontFamily: expect.stringContaining('monospace'),
        terminalFontSize: 13,
        terminalScrollback: 1000,
        terminalCopyOnSelect: false,
        terminalCursorBlink: false,
      },
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

  test('an update changes the stored value, not a copy read earlier, and a refused change writes nothing', async () => {
    const core = testCore();
    const agent = (id: string) => ({ id, name: id, command: 'x', args: [], env: {} });
    unwrap(await core.api.call('settings.get', {})); // the service now holds a parsed copy
    core.store.db.prepare("INSERT INTO settings (key, value) VALUES ('customAgents', ?)").run(JSON.stringify([agent('written-elsewhere')]));
    const seen: string[] = [];
    core.subscribe({ afterSeq: core.events.lastSeq() }, (message) => {
      if (message.kind === 'event') seen.push(message.event.type);
    });
    const updated = unwrap(core.settingsService.update('customAgents', (current) => ({ ok: true, value: [...current, agent('mine')] }), [{ type: 'agent.catalog.changed' }]));
    expect(updated.customAgents.map((custom) => custom.id)).toEqual(['written-elsewhere', 'mine']);
    expect(seen).toEqual(['app.settings.changed', 'agent.catalog.changed']);
    const refused = core.settingsService.update('customAgents', () => ({ ok: false, error: { kind: 'invalid-arguments', message: 'no' } }));
    expect(refused).toMatchObject({ ok: false, error: { message: 'no' } });
    expect(unwrap(await core.api.call('settings.get', {})).customAgents.map((custom) => custom.id)).toEqual(['written-elsewhere', 'mine']);
    expect(seen).toHaveLength(2);
  });
});
