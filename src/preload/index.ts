// The preload exposes window.boo — the contract's BooApi — and nothing else: named functions
// that forward to ipcMain, never ipcRenderer itself. Listeners get payloads, not IPC events.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { BooApi, DesktopBridge, SubscriptionMessage } from '../shared/contract.ts';
import { ipcChannels } from '../shared/ipcChannels.ts';

const desktop: DesktopBridge = {
  pickFolder: () => ipcRenderer.invoke(ipcChannels.pickFolder),
  pathForFile: (file) => (file instanceof File ? webUtils.getPathForFile(file) : ''),
  onMenuOpenFolder(listener) {
    const handler = () => listener();
    ipcRenderer.on(ipcChannels.menuOpenFolder, handler);
    return () => ipcRenderer.removeListener(ipcChannels.menuOpenFolder, handler);
  },
};

const boo: BooApi = {
  desktop,
  call: (name, args) => ipcRenderer.invoke(ipcChannels.call, { method: name, args }),
  async subscribe(position, listener) {
    const handler = (_event: IpcRendererEvent, message: SubscriptionMessage) => listener(message);
    ipcRenderer.on(ipcChannels.message, handler);
    const result = await ipcRenderer.invoke(ipcChannels.subscribe, position);
    return {
      result,
      unsubscribe: () => {
        ipcRenderer.removeListener(ipcChannels.message, handler);
        ipcRenderer.send(ipcChannels.unsubscribe);
      },
    };
  },
};

contextBridge.exposeInMainWorld('boo', boo);
