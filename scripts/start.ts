// `npm start`: builds and runs the desktop app (electron-vite preview). Where the Electron binary
// cannot be downloaded (no access to GitHub), it says so in a few lines and points to
// `npx boocode serve`, instead of failing with a stack trace from Electron's installer.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { desktopUnavailableMessage, findElectron } from '../src/main/cli/desktopApp.ts';

const root = join(import.meta.dirname, '..');
const electron = findElectron({ onDownload: () => process.stderr.write('Downloading Electron for the desktop app (once)…\n') });
if (!electron.ok) {
  process.stderr.write(`\n${desktopUnavailableMessage(electron.reason)}`);
  process.exit(1);
}
const preview = spawnSync(join(root, 'node_modules', '.bin', 'electron-vite'), ['preview', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(preview.status ?? 1);
