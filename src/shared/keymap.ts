// The key bindings of workspace commands, in one table: the renderer binds them (tinykeys) and
// lists them in the palette, the desktop app puts the same keys on its native menus. Keys use
// tinykeys notation: `$mod` is Cmd on macOS and Ctrl elsewhere; other keys are
// KeyboardEvent.key values or KeyboardEvent.code names (`Digit1`, `Backslash`, `Comma`).

export const commandKeys = {
  'palette.open': ['$mod+k', '$mod+Shift+p'],
  'project.open': ['$mod+o'],
  'session.new': ['$mod+Shift+n'],
  'session.rename': ['F2'],
  'tab.changes': ['$mod+Shift+g'],
  'terminal.new': ['$mod+Shift+Backquote'],
  'tab.close': ['$mod+w', 'Alt+w'],
  'tab.reopen': ['$mod+Shift+t', 'Alt+Shift+t'],
  'tab.moveNext': ['$mod+Alt+ArrowRight'],
  'tab.movePrevious': ['$mod+Alt+ArrowLeft'],
  'tab.splitRight': ['$mod+Backslash'],
  'tab.splitDown': ['$mod+Shift+Backslash'],
  'pane.focusNext': ['$mod+Alt+ArrowDown'],
  'inbox.toggle': ['$mod+i'],
  'settings.open': ['$mod+Comma'],
  'agents.open': ['$mod+Shift+Comma'],
  ...Object.fromEntries(Array.from({ length: 9 }, (_, index) => [`tab.focus${index + 1}`, [`$mod+Digit${index + 1}`]])),
} as const satisfies Readonly<Record<string, readonly string[]>>;

/** What the desktop app's menus hold, in order: command ids, or a separator. */
export type MenuEntry = { readonly command: string; readonly label: string } | 'separator';

/**
 * The workspace commands on the native menus (the platform's own roles — copy, paste, reload,
 * zoom… — are added by the shell). The first key of a command is its menu accelerator.
 */
export const menuCommands: Readonly<Record<'file' | 'view' | 'window' | 'help', readonly MenuEntry[]>> = {
  file: [
    { command: 'project.open', label: 'Open Folder…' },
    { command: 'session.new', label: 'New Session…' },
    { command: 'terminal.new', label: 'New Terminal' },
    'separator',
    { command: 'settings.open', label: 'Settings…' },
    { command: 'agents.open', label: 'Agents…' },
    'separator',
    { command: 'tab.reopen', label: 'Reopen Closed Tab' },
    { command: 'tab.close', label: 'Close Tab' },
  ],
  view: [
    { command: 'palette.open', label: 'Show All Commands…' },
    { command: 'inbox.toggle', label: 'Needs You' },
    { command: 'tab.changes', label: 'Go to Changes' },
    'separator',
    { command: 'tab.splitRight', label: 'Split Tab Right' },
    { command: 'tab.splitDown', label: 'Split Tab Down' },
  ],
  window: [
    { command: 'pane.focusNext', label: 'Focus Next Pane' },
    { command: 'tab.moveNext', label: 'Move Tab to Next Pane' },
    { command: 'tab.movePrevious', label: 'Move Tab to Previous Pane' },
  ],
  help: [{ command: 'palette.open', label: 'Keyboard Shortcuts…' }],
};

/** The keys of a command, or none. */
export function keysOf(commandId: string): readonly string[] {
  return (commandKeys as Readonly<Record<string, readonly string[]>>)[commandId] ?? [];
}

/** The one key combination a menu shows for a command: its first. */
export function menuKeysOf(commandId: string): string | undefined {
  return keysOf(commandId)[0];
}

const acceleratorKeys: Readonly<Record<string, string>> = {
  $mod: 'CmdOrCtrl',
  Backslash: '\\',
  Backquote: '`',
  Comma: ',',
  Period: '.',
  Slash: '/',
  Semicolon: ';',
  Quote: "'",
  BracketLeft: '[',
  BracketRight: ']',
  Minus: '-',
  Equal: '=',
  ArrowLeft: 'Left',
  ArrowRight: 'Right',
  ArrowUp: 'Up',
  ArrowDown: 'Down',
  Escape: 'Esc',
};

/**
 * The Electron accelerator for one tinykeys combination (`$mod+Shift+t` → `CmdOrCtrl+Shift+T`),
 * or undefined for one a menu cannot show (a key sequence, "a b").
 */
export function toAccelerator(keys: string): string | undefined {
  if (keys.includes(' ')) return undefined;
  return keys
    .split('+')
    .map((part) => {
      const named = acceleratorKeys[part];
      if (named) return named;
      if (/^Digit\d$/.test(part)) return part.slice(5);
      if (/^Key[A-Z]$/.test(part)) return part.slice(3);
      return part.length === 1 ? part.toUpperCase() : part;
    })
    .join('+');
}
