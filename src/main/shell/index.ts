// The desktop app's entry: a thin shell that starts the core in Electron's userData folder (or
// --data-dir) and connects it to one window. Everything else lives in the core, which never
// imports electron. A second launch (`boocode open`, "Open with", a double click) hands its
// folder to this one through the single-instance lock and ends.
import { app, BrowserWindow, dialog } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openDataDir, type CoreLink } from '../core/index.ts';
import { PRODUCT_NAME } from '../core/dataDir.ts';
import { StoreOpenError } from '../store/index.ts';
import { registerIpc } from './ipc.ts';
import { folderOfSecondLaunch, parseLaunchArguments, type SecondLaunch } from './launchArguments.ts';
import { installMenu } from './menu.ts';
import { followRevealRequests } from './revealRequests.ts';
import { createMainWindow } from './window.ts';
import { ipcChannels } from '../../shared/ipcChannels.ts';

const here = import.meta.dirname;
const rendererFile = join(here, '../renderer/index.html');
const preloadPath = join(here, '../preload/index.cjs');
// electron-vite sets this in `npm run dev` only.
const devServerUrl = process.env.ELECTRON_RENDERER_URL;
const log = (line: string) => console.error(line);

app.setName(PRODUCT_NAME);
const launch = parseLaunchArguments(process.argv, { isPackaged: app.isPackaged, cwd: process.cwd() });
// Before the lock: the lock lives in userData, so two data folders are two independent apps.
if (launch.dataDir) app.setPath('userData', launch.dataDir);

const secondLaunch: SecondLaunch = { folder: launch.folder ?? null };
if (!app.requestSingleInstanceLock(secondLaunch)) {
  app.quit();
} else {
  let window: BrowserWindow | undefined;
  let core: CoreLink | undefined;
  let disposeIpc: (() => void) | undefined;
  let stopFollowing: (() => void) | undefined;
  const stateFile = join(app.getPath('userData'), 'window-state.json');

  const isAppUrl = (url: string): boolean =>
    devServerUrl ? url.startsWith(devServerUrl) : url.startsWith(pathToFileURL(rendererFile).href);

  const openWindow = (projectId?: string): BrowserWindow => {
    const opened = createMainWindow({ rendererEntry: { url: devServerUrl, file: rendererFile }, preloadPath, stateFile, projectId, log });
    window = opened;
    opened.on('closed', () => {
      if (window === opened) window = undefined;
    });
    return opened;
  };

  /** Brings the window forward; a new window shows `projectId` first. */
  const showWindow = (projectId?: string): BrowserWindow => {
    if (!window || window.isDestroyed()) return openWindow(projectId);
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
    return window;
  };

  /** Runs a workspace command in the window once its page can hear it. */
  const runCommand = (commandId: string): void => {
    const target = showWindow();
    const send = () => target.webContents.send(ipcChannels.menuCommand, commandId);
    if (target.webContents.isLoading()) target.webContents.once('did-finish-load', send);
    else send();
  };

  app.on('second-instance', (_event, argv, workingDirectory, additionalData) => {
    const folder = folderOfSecondLaunch(additionalData, argv, workingDirectory, app.isPackaged);
    if (!folder || !core) {
      showWindow();
      return;
    }
    // The core opens the folder and tells every window (this one through the reveal below).
    void core.dispatch('projects.reveal', { path: folder }).then((revealed) => {
      if (!revealed.ok) {
        showWindow();
        dialog.showErrorBox('BooCode', `Could not open ${folder}: ${revealed.error.message}`);
      }
    });
  });

  app.whenReady().then(async () => {
    try {
      // When a `boocode` command or a `serve` has the data folder open, the app works as its
      // client and takes the folder over when that process ends (see core/link.ts).
      const opened = await openDataDir({
        dataDir: app.getPath('userData'),
        version: app.getVersion(),
        log,
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
    disposeIpc = registerIpc(core, { isAppUrl, getWindow: () => window, showWindow: () => showWindow(), log });
    installMenu({ runCommand });
    stopFollowing = followRevealRequests(core, (project) => showWindow(project.id), log);
    let firstProject: string | undefined;
    if (launch.folder) {
      const project = await core.dispatch('projects.open', { path: launch.folder });
      if (project.ok) firstProject = (project.value as { id: string }).id;
      else dialog.showErrorBox('BooCode', `Could not open ${launch.folder}: ${project.error.message}`);
    }
    openWindow(firstProject);
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
    stopFollowing?.();
    disposeIpc?.();
    app.setBadgeCount(0);
    void core.close().finally(() => app.quit());
  });
}
