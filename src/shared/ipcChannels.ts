// Electron IPC channel names, shared by the preload and the main-process adapter. Kept apart
// from the schemas so the sandboxed preload bundle stays tiny.
export const ipcChannels = {
  call: 'boo:call',
  subscribe: 'boo:subscribe',
  unsubscribe: 'boo:unsubscribe',
  message: 'boo:message',
  pickFolder: 'boo:pick-folder',
  menuOpenFolder: 'boo:menu-open-folder',
} as const;
