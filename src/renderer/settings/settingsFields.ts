// The settings screen's fields, read from the contract's own schemas: z.toJSONSchema gives each
// setting's title, description, group, default and limits (from its `.meta` and checks), and the
// patch schema validates a value exactly as the core will. A setting added to both schemas
// shows up here without a change to this screen.
import { z } from 'zod';
import { SettingsPatchSchema, SettingsSchema, type Settings, type SettingsPatch } from '../../shared/contract.ts';

export type SettingKey = keyof SettingsPatch & keyof Settings;

export type SettingControl =
  | { readonly kind: 'toggle' }
  | { readonly kind: 'choice'; readonly options: readonly string[] }
  | { readonly kind: 'number'; readonly minimum: number | undefined; readonly maximum: number | undefined; readonly isInteger: boolean }
  | { readonly kind: 'json' }
  | { readonly kind: 'text'; readonly maxLength: number | undefined };

export interface SettingField {
  readonly key: SettingKey;
  readonly title: string;
  readonly description: string;
  readonly group: string;
  readonly defaultValue: unknown;
  readonly control: SettingControl;
}

interface JsonProperty {
  readonly title?: string;
  readonly description?: string;
  readonly group?: string;
  readonly default?: unknown;
  readonly type?: string;
  readonly enum?: readonly string[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly maxLength?: number;
  readonly contentMediaType?: string;
}

/** Groups in the order the screen shows them; a setting with another group goes after these. */
export const groupOrder = ['Appearance', 'Chats', 'Notifications', 'Agents', 'Sessions', 'Terminal'];

let cached: readonly SettingField[] | undefined;

/** Every setting a user may change, in screen order. */
export function settingFields(): readonly SettingField[] {
  if (cached) return cached;
  const properties = (z.toJSONSchema(SettingsSchema, { io: 'input' }) as { properties?: Record<string, JsonProperty> }).properties ?? {};
  const fields = (Object.keys(SettingsPatchSchema.shape) as SettingKey[]).map((key): SettingField => {
    const property = properties[key] ?? {};
    return {
      key,
      title: property.title ?? humanize(key),
      description: property.description ?? '',
      group: property.group ?? 'Other',
      defaultValue: property.default,
      control: controlOf(property),
    };
  });
  const rank = (group: string) => (groupOrder.includes(group) ? groupOrder.indexOf(group) : groupOrder.length);
  cached = fields.map((field, index) => ({ field, index })).sort((a, b) => rank(a.field.group) - rank(b.field.group) || a.index - b.index).map(({ field }) => field);
  return cached;
}

function controlOf(property: JsonProperty): SettingControl {
  if (property.type === 'boolean') return { kind: 'toggle' };
  if (property.enum) return { kind: 'choice', options: property.enum };
  if (property.type === 'integer' || property.type === 'number') {
    return { kind: 'number', minimum: property.minimum, maximum: property.maximum, isInteger: property.type === 'integer' };
  }
  if (property.contentMediaType === 'application/json') return { kind: 'json' };
  return { kind: 'text', maxLength: property.maxLength };
}

/** A value the user typed, as the setting's type; or why it cannot be used, in words for them. */
export function parseSettingInput(field: SettingField, input: string | boolean): { ok: true; value: unknown } | { ok: false; message: string } {
  const control = field.control;
  let value: unknown = input;
  if (control.kind === 'number') {
    const text = String(input).trim();
    const number = Number(text);
    const range = describeRange(control.minimum, control.maximum);
    if (text === '' || !Number.isFinite(number) || (control.isInteger && !Number.isInteger(number))) {
      return { ok: false, message: `Enter a ${control.isInteger ? 'whole ' : ''}number${range}.` };
    }
    if ((control.minimum !== undefined && number < control.minimum) || (control.maximum !== undefined && number > control.maximum)) {
      return { ok: false, message: `Enter a number${range}.` };
    }
    value = number;
  }
  if (control.kind === 'json') {
    const text = String(input);
    if (text.trim() !== '') {
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, message: 'This must be a JSON object ({ … }), or empty.' };
      } catch (error) {
        return { ok: false, message: `Not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
      }
    }
  }
  const checked = SettingsPatchSchema.shape[field.key].safeParse(value);
  if (!checked.success) return { ok: false, message: checked.error.issues[0]?.message ?? 'This value is not allowed.' };
  return { ok: true, value: checked.data };
}

/** " from 0 to 64", " of at least 1"… */
function describeRange(minimum: number | undefined, maximum: number | undefined): string {
  if (minimum !== undefined && maximum !== undefined) return ` from ${minimum} to ${maximum}`;
  if (minimum !== undefined) return ` of at least ${minimum}`;
  if (maximum !== undefined) return ` of at most ${maximum}`;
  return '';
}

/** How a choice reads on screen. */
export function choiceLabel(option: string): string {
  if (option === 'system') return 'Follow the system';
  return option.charAt(0).toUpperCase() + option.slice(1);
}

/** How a value reads in "Default: …". */
export function describeValue(field: SettingField, value: unknown): string {
  if (field.control.kind === 'toggle') return value ? 'on' : 'off';
  if (field.control.kind === 'choice') return choiceLabel(String(value));
  if (value === '') return 'empty';
  return String(value);
}

function humanize(key: string): string {
  const words = key.replace(/([A-Z])/g, ' $1').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
