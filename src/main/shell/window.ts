// The one app window, locked down: isolated, sandboxed renderer without Node; no navigation
// away from the app, no new windows, no middle-click windows; external http(s) links open in
// the user's browser. It comes back where it was (size, position, maximized).
import { BrowserWindow, screen, session } from 'electron';
import { join } from 'node:path';
import { openInBrowser } from './externalLinks.ts';
import { placeWindow, readWindowState, windowPlacement, writeWindowState } from './windowState.ts';

export const windowTimings = {
  /** Moves and resizes come in bursts; the state is written once they settle (and at close). */
  saveDebounceMs: 500,
} as const;

export interface WindowOptions {
  readonly rendererEntry: { readonly url?: string; readonly file: string };
  readonly preloadPath: string;
  /** Where the window's size and position are kept between runs. */
  readonly stateFile: string;
  /** Shown first (`?project=<id>`): a window opened for a folder. */
  readonly projectId?: string;
  readonly log: (line: string) => void;
}

export function createMainWindow(options: WindowOptions): BrowserWindow {
  const placement = placeWindow(
    readWindowState(options.stateFile),
    screen.getAllDisplays().map((display) => display.workArea),
  );
  const window = new BrowserWindow({
    ...placement.bounds,
    minWidth: windowPlacement.minWidth,
    minHeight: windowPlacement.minHeight,
    show: false,
    title: 'BooCode',
    backgroundColor: '#111318',
    icon: join(import.meta.dirname, '../../resources/icon.png'),
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      // A middle click on a link would open it in a new Electron window, past the handlers below.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  window.once('ready-to-show', () => {
    if (placement.isMaximized) window.maximize();
    window.show();
  });
  rememberPlacement(window, options.stateFile, options.log);

  const contents = window.webContents;
  contents.setWindowOpenHandler(({ url }) => {
    openInBrowser(url, options.log);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (url === contents.getURL()) return; // a reload of the app itself
    event.preventDefault();
    openInBrowser(url, options.log);
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  // Notifications come from the main process (Electron's Notification); the page needs no
  // camera, microphone, notifications or any other powerful web permission.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));

  const query = options.projectId ? { project: options.projectId } : undefined;
  if (options.rendererEntry.url) {
    const url = new URL(options.rendererEntry.url);
    if (options.projectId) url.searchParams.set('project', options.projectId);
    void window.loadURL(url.href);
  } else {
    void window.loadFile(options.rendererEntry.file, query ? { query } : undefined);
  }
  return window;
}

function rememberPlacement(window: BrowserWindow, stateFile: string, log: (line: string) => void): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const save = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (window.isDestroyed() || window.isMinimized() || window.isFullScreen()) return;
    try {
      writeWindowState(stateFile, { bounds: window.getNormalBounds(), isMaximized: window.isMaximized() });
    } catch (error) {
      log(`could not save the window's position: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const later = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, windowTimings.saveDebounceMs);
  };
  window.on('resize', later);
  window.on('move', later);
  window.on('maximize', later);
  window.on('unmaximize', later);
  window.on('close', save);
}
