// Finding and starting the desktop app from a command line (`npm start`, `boocode open`). The
// Electron binary is not in the npm package: it is downloaded from GitHub the first time it is
// needed, which fails on a machine without that access. Then the user gets a plain message and
// the way that works everywhere — BooCode in the browser — instead of a stack trace.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const desktopAppTimings = {
  /** Electron is ~100 MB; a slow connection needs minutes, a missing one fails in seconds. */
  downloadTimeoutMs: 10 * 60 * 1000,
} as const;

export type ElectronBinary = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly reason: string };

/** The message for a machine that cannot run the desktop app. */
export function desktopUnavailableMessage(reason: string): string {
  return [
    `BooCode's desktop app needs Electron, and Electron is not available here: ${reason}`,
    'Electron downloads its binary from GitHub the first time the app starts; on this machine that did not work.',
    '',
    'Use BooCode in your browser instead — same projects, same agents:',
    '',
    '  npx boocode serve',
    '',
  ].join('\n');
}

/** The folder of this package (where its package.json is), from the source tree or the build. */
export function packageRoot(from: string = import.meta.dirname): string | undefined {
  for (let folder = from; ; folder = dirname(folder)) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'boocode') return folder;
      } catch {
        // an unreadable package.json on the way up is not ours
      }
    }
    if (dirname(folder) === folder) return undefined;
  }
}

/**
 * The Electron executable, downloading it first when it is missing (as `require('electron')`
 * would, but with its output captured so a failure becomes one line instead of a stack).
 */
export function findElectron(options: { onDownload?: () => void } = {}): ElectronBinary {
  const root = packageRoot();
  let electronDir: string;
  try {
    electronDir = dirname(createRequire(join(root ?? import.meta.dirname, 'package.json')).resolve('electron/package.json'));
  } catch {
    return { ok: false, reason: 'the electron package is not installed (run npm install).' };
  }
  const found = installedElectron(electronDir);
  if (found) return { ok: true, path: found };
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return { ok: false, reason: `there is no Electron in ELECTRON_OVERRIDE_DIST_PATH (${process.env.ELECTRON_OVERRIDE_DIST_PATH}).` };
  options.onDownload?.();
  const install = spawnSync(process.execPath, [join(electronDir, 'install.js')], { encoding: 'utf8', timeout: desktopAppTimings.downloadTimeoutMs });
  const downloaded = installedElectron(electronDir);
  if (downloaded) return { ok: true, path: downloaded };
  return { ok: false, reason: `its download failed (${lastMeaningfulLine(`${install.stderr ?? ''}\n${install.stdout ?? ''}`) ?? `exit code ${install.status}`}).` };
}

/** Starts the desktop app on `args` (a folder, --data-dir) in the background; it outlives this command. */
export function launchDesktopApp(electron: string, appRoot: string, args: readonly string[]): void {
  const child = spawn(electron, [appRoot, ...args], { detached: true, stdio: 'ignore', windowsHide: false });
  child.unref();
}

/** Where electron's own index.js would look: dist/<path.txt>, or ELECTRON_OVERRIDE_DIST_PATH. */
function installedElectron(electronDir: string): string | undefined {
  const pathFile = join(electronDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override ? join(override, relative ?? 'electron') : relative ? join(electronDir, 'dist', relative) : undefined;
  return candidate && existsSync(candidate) ? candidate : undefined;
}

/** The error line of a failed download ("TypeError: fetch failed"), without the stack under it. */
function lastMeaningfulLine(output: string): string | undefined {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('at ') && !line.startsWith('^') && !/^Node\.js v/.test(line) && !/^\{|^\}/.test(line));
  return lines.find((line) => /error|fail/i.test(line)) ?? lines.at(-1);
}
