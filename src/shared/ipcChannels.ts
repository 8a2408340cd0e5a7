// Electron IPC channel names, shared by the preload and the main-process adapter. Kept apart
// from the schemas so the sandboxed preload bundle stays tiny.
export const ipcChannels = {
  call: 'boo:call',
  /** Carries `{ subscriptionId, position }`: one window may hold several subscriptions. */
  subscribe: 'boo:subscribe',
  unsubscribe: 'boo:unsubscribe',
  /** Carries `{ subscriptionId, message }`, so each subscriber gets its own stream. */
  message: 'boo:message',
  pickFolder: 'boo:pick-folder',
  menuCommand: 'boo:menu-command',
  notify: 'boo:notify',
  notificationClick: 'boo:notification-click',
  setBadgeCount: 'boo:set-badge-count',
} as const;
