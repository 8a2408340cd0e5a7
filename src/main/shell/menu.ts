// The application menu: File, Edit, View, Window and Help. The workspace commands on it come
// from the shared key table (src/shared/keymap.ts), so a menu shows the same keys as the palette
// and runs the same command; the platform's own roles (copy, reload, zoom…) fill the rest.
import { app, Menu, shell, type MenuItemConstructorOptions } from 'electron';
import { menuCommands, menuKeysOf, toAccelerator, type MenuEntry } from '../../shared/keymap.ts';

export interface MenuActions {
  /** Runs a workspace command in the window (opening it when there is none). */
  runCommand(commandId: string): void;
}

export function installMenu(actions: MenuActions): void {
  const isMac = process.platform === 'darwin';
  const commandItems = (entries: readonly MenuEntry[]): MenuItemConstructorOptions[] =>
    entries.map((entry) => {
      if (entry === 'separator') return { type: 'separator' };
      const keys = menuKeysOf(entry.command);
      return {
        label: entry.label,
        accelerator: keys ? toAccelerator(keys) : undefined,
        click: () => actions.runCommand(entry.command),
      };
    });
  const separator: MenuItemConstructorOptions = { type: 'separator' };
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        ...commandItems(menuCommands.file),
        separator,
        // Cmd/Ctrl+W closes a tab (as in the palette), so closing the window moves to Shift.
        { role: 'close', label: 'Close Window', accelerator: 'CmdOrCtrl+Shift+W' },
        ...(isMac ? [] : [separator, { role: 'quit' as const }]),
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        ...commandItems(menuCommands.view),
        separator,
        { role: 'reload' },
        { role: 'forceReload' },
        { role: 'toggleDevTools' },
        separator,
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        separator,
        { role: 'togglefullscreen' },
      ],
    },
    {
      label: 'Window',
      submenu: [
        { role: 'minimize' },
        { role: 'zoom' },
        separator,
        ...commandItems(menuCommands.window),
        ...(isMac ? [separator, { role: 'front' as const }] : []),
      ],
    },
    {
      role: 'help',
      submenu: [
        ...commandItems(menuCommands.help),
        { label: 'Open Data Folder', click: () => void shell.openPath(app.getPath('userData')) },
        ...(isMac ? [] : [separator, { role: 'about' as const, label: 'About BooCode' }]),
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
