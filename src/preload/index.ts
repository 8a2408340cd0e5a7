// The preload exposes window.boo — the contract's BooApi — and nothing else: named functions
// that forward to ipcMain, never ipcRenderer itself. Listeners get payloads, not IPC events.
// Each subscription carries its own id, so two subscribers in one window each get every event
// and one unsubscribing leaves the other running.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { BooApi, DesktopBridge, SubscriptionMessage } from '../shared/contract.ts';
import { ipcChannels } from '../shared/ipcChannels.ts';

let nextSubscription = 0;

/** Listens on a channel whose payload is one string (a command id, a notification id). */
function onText(channel: string, listener: (text: string) => void): () => void {
  const handler = (_event: IpcRendererEvent, text: unknown) => {
    if (typeof text === 'string') listener(text);
  };
  ipcRenderer.on(channel, handler);
  return () => ipcRenderer.removeListener(channel, handler);
}

const desktop: DesktopBridge = {
  pickFolder: () => ipcRenderer.invoke(ipcChannels.pickFolder),
  pathForFile: (file) => (file instanceof File ? webUtils.getPathForFile(file) : ''),
  onMenuCommand: (listener) => onText(ipcChannels.menuCommand, listener),
  notify: (notification) => ipcRenderer.send(ipcChannels.notify, notification),
  onNotificationClick: (listener) => onText(ipcChannels.notificationClick, listener),
  setBadgeCount: (count) => ipcRenderer.send(ipcChannels.setBadgeCount, count),
};

const boo: BooApi = {
  desktop,
  call: (name, args) => ipcRenderer.invoke(ipcChannels.call, { method: name, args }),
  async subscribe(position, listener) {
    nextSubscription += 1;
    const subscriptionId = `s${nextSubscription}`;
    const handler = (_event: IpcRendererEvent, envelope: { subscriptionId?: unknown; message?: SubscriptionMessage }) => {
      if (envelope?.subscriptionId === subscriptionId && envelope.message) listener(envelope.message);
    };
    ipcRenderer.on(ipcChannels.message, handler);
    const result = await ipcRenderer.invoke(ipcChannels.subscribe, { subscriptionId, position });
    return {
      result,
      unsubscribe: () => {
        ipcRenderer.removeListener(ipcChannels.message, handler);
        ipcRenderer.send(ipcChannels.unsubscribe, subscriptionId);
      },
    };
  },
};

contextBridge.exposeInMainWorld('boo', boo);
