// User settings: one row per key, JSON values, validated on the way in and on the way out so a
// value written by another version can never break start-up (it falls back to its default).
import { SettingsSchema, type AppEventDraft, type Result, type Settings } from '../../shared/contract.ts';
import type { UnitOfWork } from '../store/index.ts';
import type { Store } from '../store/index.ts';

export interface SettingsService {
  get(): Settings;
  /** Any subset of fields; the contract's settings.set narrows what clients may change. */
  set(patch: Partial<Settings>): Settings;
  /**
   * Read-modify-write of one setting in one transaction, from the stored value (never a stale
   * copy); `change` returns the new value, or a failure that leaves everything as it was.
   * `events` are published with `app.settings.changed` once the write commits.
   */
  update<K extends keyof Settings>(key: K, change: (current: Settings[K]) => Result<Settings[K]>, events?: readonly AppEventDraft[]): Result<Settings>;
}

export function createSettingsService(deps: { store: Store; unitOfWork: UnitOfWork }): SettingsService {
  const { db } = deps.store;
  const selectAll = db.prepare<[], { key: string; value: string }>('SELECT key, value FROM settings');
  const upsert = db.prepare<[string, string]>(
    'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  );

  // Settings are read on hot paths (the pool's reaping after every turn); parse once, and again
  // only after a write. This core is the only writer of its data dir's settings: it owns the
  // folder, and every other process writes through it.
  let cached: Settings | undefined;

  function get(): Settings {
    cached ??= read();
    return cached;
  }

  function read(): Settings {
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
        cached = undefined;
        const settings = get();
        return { value: settings, events: [{ type: 'app.settings.changed' as const, settings }] };
      });
    },
    update(key, change, events = []) {
      return deps.unitOfWork.run(() => {
        cached = undefined;
        const next = change(get()[key]);
        if (!next.ok) return { value: next as Result<Settings>, events: [] };
        upsert.run(key, JSON.stringify(next.value));
        cached = undefined;
        const settings = get();
        return { value: { ok: true as const, value: settings }, events: [{ type: 'app.settings.changed' as const, settings }, ...events] };
      });
    },
  };
}
