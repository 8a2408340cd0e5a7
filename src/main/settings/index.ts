// User settings: one row per key, JSON values, validated on the way in and on the way out so a
// value written by another version can never break start-up (it falls back to its default).
import { SettingsSchema, type Settings, type SettingsPatch } from '../../shared/contract.ts';
import type { UnitOfWork } from '../core/unitOfWork.ts';
import type { Store } from '../store/index.ts';

export interface SettingsService {
  get(): Settings;
  set(patch: SettingsPatch): Settings;
}

export function createSettingsService(deps: { store: Store; unitOfWork: UnitOfWork }): SettingsService {
  const { db } = deps.store;
  const selectAll = db.prepare<[], { key: string; value: string }>('SELECT key, value FROM settings');
  const upsert = db.prepare<[string, string]>(
    'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  );

  function get(): Settings {
    const defaults = SettingsSchema.parse({});
    const stored: Record<string, unknown> = {};
    for (const row of selectAll.all()) {
      try {
        stored[row.key] = JSON.parse(row.value);
      } catch {
        // An unreadable value is dropped: its default applies, as if it had never been set.
      }
    }
    const merged: Record<string, unknown> = { ...defaults };
    for (const [key, value] of Object.entries(stored)) {
      const candidate = SettingsSchema.safeParse({ ...merged, [key]: value });
      if (candidate.success) merged[key] = value;
    }
    return SettingsSchema.parse(merged);
  }

  return {
    get,
    set(patch) {
      return deps.unitOfWork.run(() => {
        for (const [key, value] of Object.entries(patch)) {
          if (value !== undefined) upsert.run(key, JSON.stringify(value));
        }
        const settings = get();
        return { value: settings, events: [{ type: 'app.settings.changed' as const, settings }] };
      });
    },
  };
}
