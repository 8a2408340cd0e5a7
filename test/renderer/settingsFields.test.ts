// The settings screen is built from the contract's schemas: every setting a user may change has
// a title, a description, a group and a default, and input is checked as the core checks it.
import { describe, expect, test } from 'vitest';
import { SettingsPatchSchema } from '../../src/shared/contract.ts';
import { parseSettingInput, settingFields } from '../../src/renderer/settings/settingsFields.ts';

const field = (key: string) => {
  const found = settingFields().find((candidate) => candidate.key === key);
  if (!found) throw new Error(`no field ${key}`);
  return found;
};

describe('settings fields', () => {
  test('every setting a user may change is on the screen with a title, a description, a group and a default', () => {
    const fields = settingFields();
    expect(fields.map((entry) => entry.key).sort()).toEqual(Object.keys(SettingsPatchSchema.shape).sort());
    for (const entry of fields) {
      expect(entry.title, entry.key).not.toBe('');
      expect(entry.description.length, `${entry.key} needs a description (.meta in SettingsSchema)`).toBeGreaterThan(20);
      expect(entry.group, entry.key).not.toBe('Other');
      expect(entry.defaultValue, entry.key).not.toBeUndefined();
    }
    expect(field('enterToSend').control).toEqual({ kind: 'toggle' });
    expect(field('theme').control).toEqual({ kind: 'choice', options: ['system', 'light', 'dark'] });
    expect(field('maxWarmAgents').control).toEqual({ kind: 'number', minimum: 0, maximum: 64, isInteger: true });
    expect(field('opencodeConfigOverlay').control).toEqual({ kind: 'json' });
  });

  test('numbers must be whole and in range, and the message says which range', () => {
    expect(parseSettingInput(field('maxWarmAgents'), '6')).toEqual({ ok: true, value: 6 });
    expect(parseSettingInput(field('maxWarmAgents'), '65')).toEqual({ ok: false, message: 'Enter a number from 0 to 64.' });
    expect(parseSettingInput(field('maxWarmAgents'), '2.5')).toEqual({ ok: false, message: 'Enter a whole number from 0 to 64.' });
    expect(parseSettingInput(field('maxWarmAgents'), '')).toEqual({ ok: false, message: 'Enter a whole number from 0 to 64.' });
  });

  test('the opencode overlay must be a JSON object or empty, and a syntax error is shown as JSON reports it', () => {
    expect(parseSettingInput(field('opencodeConfigOverlay'), '{"model": "mock/m"}')).toEqual({ ok: true, value: '{"model": "mock/m"}' });
    expect(parseSettingInput(field('opencodeConfigOverlay'), '  ')).toEqual({ ok: true, value: '  ' });
    expect(parseSettingInput(field('opencodeConfigOverlay'), '[1, 2]')).toEqual({ ok: false, message: 'This must be a JSON object ({ … }), or empty.' });
    const broken = parseSettingInput(field('opencodeConfigOverlay'), '{"model": }');
    expect(broken.ok).toBe(false);
    expect(broken.ok ? '' : broken.message).toMatch(/^Not valid JSON: /);
  });
});
