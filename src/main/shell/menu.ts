// The application menu: the platform's standard roles plus File › Open Folder….
import { Menu, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';
import { ipcChannels } from '../../shared/ipcChannels.ts';

export function installMenu(getWindow: () => BrowserWindow | undefined): void {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        {
          label: 'Open Folder…',
          accelerator: 'CmdOrCtrl+O',
          click: () => getWindow()?.webContents.send(ipcChannels.menuOpenFolder),
        },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
