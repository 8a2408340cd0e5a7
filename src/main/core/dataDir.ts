// Where BooCode keeps its data when no --data-dir is given: the same folder Electron's
// app.getPath('userData') gives the desktop app, so `boocode` and the app share one store.
import { homedir } from 'node:os';
import { join } from 'node:path';

export const PRODUCT_NAME = 'BooCode';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', PRODUCT_NAME);
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), PRODUCT_NAME);
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), PRODUCT_NAME);
}
