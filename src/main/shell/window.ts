// The one app window, locked down: isolated, sandboxed renderer without Node; no navigation
// away from the app, no new windows; external http(s) links open in the user's browser.
import { BrowserWindow, session, shell } from 'electron';
import { join } from 'node:path';

export function createMainWindow(rendererEntry: { url?: string; file: string }, preloadPath: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'BooCode',
    backgroundColor: '#111318',
    icon: join(import.meta.dirname, '../../resources/icon.png'),
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());

  const contents = window.webContents;
  contents.setWindowOpenHandler(({ url }) => {
    openExternally(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (url === contents.getURL()) return; // a reload of the app itself
    event.preventDefault();
    openExternally(url);
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  // The app needs no camera, microphone, notifications or other powerful web permissions.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));

  if (rendererEntry.url) void window.loadURL(rendererEntry.url);
  else void window.loadFile(rendererEntry.file);
  return window;
}

function openExternally(url: string): void {
  if (/^https?:\/\//i.test(url)) void shell.openExternal(url);
}

