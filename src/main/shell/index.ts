// The desktop app's entry: a thin shell that starts the core in Electron's userData folder and
// connects it to one window. Everything else lives in the core, which never imports electron.
import { app, BrowserWindow, dialog } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openDataDir, type CoreLink } from '../core/index.ts';
import { PRODUCT_NAME } from '../core/dataDir.ts';
import { StoreOpenError } from '../store/index.ts';
import { registerIpc } from './ipc.ts';
import { installMenu } from './menu.ts';
import { createMainWindow } from './window.ts';

const here = import.meta.dirname;
const rendererFile = join(here, '../renderer/index.html');
const preloadPath = join(here, '../preload/index.cjs');
// electron-vite sets this in `npm run dev` only.
const devServerUrl = process.env.ELECTRON_RENDERER_URL;

app.setName(PRODUCT_NAME);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let window: BrowserWindow | undefined;
  let core: CoreLink | undefined;
  let disposeIpc: (() => void) | undefined;

  const isAppUrl = (url: string): boolean =>
    devServerUrl ? url.startsWith(devServerUrl) : url.startsWith(pathToFileURL(rendererFile).href);

  const openWindow = (): void => {
    window = createMainWindow({ url: devServerUrl, file: rendererFile }, preloadPath);
    window.on('closed', () => {
      window = undefined;
    });
  };

  app.on('second-instance', () => {
    if (!window) return openWindow();
    if (window.isMinimized()) window.restore();
    window.focus();
  });

  app.whenReady().then(async () => {
    try {
      // When a `boocode` command or a `serve` has the data folder open, the app works as its
      // client and takes the folder over when that process ends (see core/link.ts).
      const opened = await openDataDir({
        dataDir: app.getPath('userData'),
        version: app.getVersion(),
        log: (line) => console.error(line),
        owner: { kind: 'app', label: 'the BooCode desktop app' },
      });
      if (!opened.ok) throw new Error(opened.error.message);
      core = opened.value;
    } catch (error) {
      const message = error instanceof StoreOpenError ? error.message : `BooCode could not start: ${error instanceof Error ? error.message : String(error)}`;
      dialog.showErrorBox('BooCode', message);
      app.exit(1);
      return;
    }
    disposeIpc = registerIpc(core, isAppUrl, () => window);
    installMenu(() => window);
    openWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) openWindow();
    });
  }, (error: unknown) => {
    console.error(error);
    app.exit(1);
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  let isQuitting = false;
  app.on('will-quit', (event) => {
    if (isQuitting || !core) return;
    // Give the core the chance to stop what it owns before the process goes away.
    event.preventDefault();
    isQuitting = true;
    disposeIpc?.();
    void core.close().finally(() => app.quit());
  });
}
