// The settings screen: every setting with its description, default and validation, grouped.
// A change is saved as soon as it is valid (text after a short pause), applies at once, and
// reaches every window through `app.settings.changed`; another window's change shows up here.
import { RotateCcw, X } from 'lucide-react';
import { useEffect, useId, useRef, useState } from 'react';
import type { Settings } from '../../shared/contract.ts';
import { useWindow, type AppStore } from '../state/store.ts';
import { choiceLabel, describeValue, parseSettingInput, settingFields, type SettingField } from './settingsFields.ts';
import './settings.css';

export const settingsTimings = {
  /** Typing pauses this long before a valid value is saved (each save reaches every window). */
  saveDebounceMs: 400,
} as const;

export function SettingsScreen({ store }: { store: AppStore }) {
  const settings = useWindow(store, (state) => state.client.settings);
  const fields = settingFields();
  const groups = [...new Set(fields.map((field) => field.group))];
  return (
    <div className="screen" role="region" aria-label="Settings">
      <header className="screen-header">
        <div>
          <h1 className="screen-title">Settings</h1>
          <p className="screen-subtitle">Changes apply at once, in every BooCode window.</p>
        </div>
        <span className="spacer" />
        <button type="button" onClick={() => store.showScreen('agents')}>
          Agents…
        </button>
        <button type="button" className="icon-button" aria-label="Close settings" title="Close" onClick={() => store.showScreen(undefined)}>
          <X size={16} aria-hidden="true" />
        </button>
      </header>
      {!settings ? (
        <p className="loading">Loading settings…</p>
      ) : (
        <div className="screen-body">
          {groups.map((group) => (
            <section key={group} className="settings-group" aria-label={group}>
              <h2 className="settings-group-title">{group}</h2>
              {fields
                .filter((field) => field.group === group)
                .map((field) => (
                  <SettingRow key={field.key} store={store} field={field} value={settings[field.key]} />
                ))}
              {group === 'Notifications' && !store.connection.api.desktop && <BrowserNotificationsRow />}
            </section>
          ))}
        </div>
      )}
    </div>
  );
}

function SettingRow({ store, field, value }: { store: AppStore; field: SettingField; value: Settings[SettingField['key']] }) {
  const id = useId();
  const [draft, setDraft] = useState<string | boolean | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [isSaving, setSaving] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  // What was typed gives way to the stored value once that value arrives (from this window's
  // save, through the event every window gets): until then the input keeps showing the typing.
  useEffect(() => {
    if (draft === undefined) return;
    const parsed = parseSettingInput(field, draft);
    if (parsed.ok && JSON.stringify(parsed.value) === JSON.stringify(value)) setDraft(undefined);
  }, [draft, field, value]);

  async function save(next: unknown): Promise<void> {
    setSaving(true);
    const saved = await store.call('settings.set', { patch: { [field.key]: next } });
    setSaving(false);
    if (!saved.ok) {
      // A switch or a choice goes back to what is stored; typed text stays for the user to fix.
      if (field.control.kind === 'toggle' || field.control.kind === 'choice') setDraft(undefined);
      return setProblem(saved.error.message);
    }
    setProblem(undefined);
  }

  function change(input: string | boolean, delay: number): void {
    clearTimeout(timer.current);
    // Shown at once, until the stored value catches up (it comes back as an event).
    setDraft(input);
    const parsed = parseSettingInput(field, input);
    if (!parsed.ok) return setProblem(parsed.message);
    setProblem(undefined);
    if (delay === 0) void save(parsed.value);
    else timer.current = setTimeout(() => void save(parsed.value), delay);
  }

  const descriptionId = `${id}-description`;
  const problemId = `${id}-problem`;
  const describedBy = problem ? `${descriptionId} ${problemId}` : descriptionId;
  const isDefault = JSON.stringify(value) === JSON.stringify(field.defaultValue);
  const shown = typeof draft === 'string' ? draft : String(value ?? '');
  const isOn = typeof draft === 'boolean' ? draft : value === true;
  const control = field.control;
  return (
    <div className={`setting${problem ? ' invalid' : ''}`}>
      <div className="setting-text">
        {control.kind === 'toggle' ? (
          <label className="setting-toggle">
            <input type="checkbox" checked={isOn} aria-describedby={describedBy} onChange={(event) => change(event.target.checked, 0)} />
            <span className="setting-title">{field.title}</span>
          </label>
        ) : (
          <label className="setting-title" htmlFor={id}>
            {field.title}
          </label>
        )}
        <p id={descriptionId} className="setting-description">
          {field.description} <span className="setting-default">Default: {describeValue(field, field.defaultValue)}.</span>
        </p>
        {problem && (
          <p id={problemId} className="setting-problem" role="alert">
            {problem}
          </p>
        )}
      </div>
      <div className="setting-control">
        {control.kind === 'choice' && (
          <select id={id} value={typeof draft === 'string' ? draft : String(value)} aria-describedby={describedBy} onChange={(event) => change(event.target.value, 0)}>
            {control.options.map((option) => (
              <option key={option} value={option}>
                {choiceLabel(option)}
              </option>
            ))}
          </select>
        )}
        {control.kind === 'number' && (
          <input
            id={id}
            type="number"
            inputMode="numeric"
            min={control.minimum}
            max={control.maximum}
            step={control.isInteger ? 1 : 'any'}
            value={shown}
            aria-invalid={problem ? true : undefined}
            aria-describedby={describedBy}
            onChange={(event) => change(event.target.value, settingsTimings.saveDebounceMs)}
            onBlur={() => {
              if (typeof draft === 'string' && !problem) change(draft, 0);
            }}
          />
        )}
        {control.kind === 'text' && (
          <input id={id} type="text" maxLength={control.maxLength} value={shown} aria-invalid={problem ? true : undefined} aria-describedby={describedBy} onChange={(event) => change(event.target.value, settingsTimings.saveDebounceMs)} />
        )}
        {control.kind === 'json' && (
          <textarea
            id={id}
            className="setting-json"
            rows={6}
            spellCheck={false}
            value={shown}
            placeholder='{ "provider": { … } }'
            aria-invalid={problem ? true : undefined}
            aria-describedby={describedBy}
            onChange={(event) => change(event.target.value, settingsTimings.saveDebounceMs)}
          />
        )}
        <div className="setting-status">
          {isSaving && <span className="muted">Saving…</span>}
          {!isDefault && (
            <button
              type="button"
              className="icon-button"
              aria-label={`Reset ${field.title} to its default`}
              title={`Reset to ${describeValue(field, field.defaultValue)}`}
              onClick={() => {
                setDraft(undefined);
                setProblem(undefined);
                void save(field.defaultValue);
              }}
            >
              <RotateCcw size={14} aria-hidden="true" />
            </button>
          )}
        </div>
      </div>
    </div>
  );
}

/** Web Notifications need this browser's permission too; asked only when the user says so. */
function BrowserNotificationsRow() {
  const [permission, setPermission] = useState(() => (typeof Notification === 'undefined' ? 'unsupported' : Notification.permission));
  const text: Record<string, string> = {
    granted: 'This browser shows BooCode notifications.',
    denied: "This browser blocks BooCode's notifications; allow them in the site's settings (the icon left of the address).",
    default: 'This browser has not been asked yet; BooCode asks the first time it has something to tell you.',
    unsupported: 'This browser cannot show notifications.',
  };
  return (
    <div className="setting">
      <div className="setting-text">
        <span className="setting-title">In this browser</span>
        <p className="setting-description">{text[permission]}</p>
      </div>
      <div className="setting-control">
        {permission === 'default' && (
          <button type="button" onClick={() => void Notification.requestPermission().then(setPermission)}>
            Allow notifications
          </button>
        )}
      </div>
    </div>
  );
}
