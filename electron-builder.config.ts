// Packaging for `npm run dist`: AppImage and deb on Linux, dmg on macOS, NSIS on Windows.
// electron-builder downloads Electron (and, for some targets, its own tools) while it packages,
// so this needs internet access; it cannot finish on an offline machine. Package each platform
// on that platform: node-pty is compiled for the machine it was installed on.
import type { Configuration } from 'electron-builder';

/**
 * Native modules the app loads. Node cannot load a `.node` file from inside the asar archive,
 * so each stays unpacked beside it (Electron redirects `require` there). test/desktop checks
 * that every native module the built app reaches is listed.
 */
export const nativeModules = ['better-sqlite3', 'node-pty'] as const;

export const packaging: Configuration = {
  appId: 'dev.boocode.desktop',
  productName: 'BooCode',
  executableName: 'boocode',
  copyright: 'Copyright © BooCode authors',
  directories: { output: 'dist', buildResources: 'resources' },
  // The built app (main, preload, renderer) and its icon; production dependencies are added by
  // electron-builder itself. Sources, tests and source maps stay out.
  files: ['out/**/*', 'resources/icon.png', 'package.json', '!**/*.map'],
  asar: true,
  asarUnpack: nativeModules.map((name) => `node_modules/${name}/**`),
  // better-sqlite3 ships prebuilt N-API binaries for every platform and node-pty is N-API too:
  // the same binaries load in Electron, so nothing is rebuilt against Electron's headers.
  npmRebuild: false,
  icon: 'resources/icon.png',
  linux: {
    target: ['AppImage', 'deb'],
    category: 'Development',
    icon: 'resources/icon.png',
    synopsis: 'Run several coding agents on your projects at once',
    // File managers offer "Open with BooCode" on folders; the folder arrives as the launch argument.
    mimeTypes: ['inode/directory'],
    maintainer: 'BooCode authors',
  },
  deb: { depends: ['git'] },
  mac: {
    target: ['dmg'],
    category: 'public.app-category.developer-tools',
    icon: 'resources/icon.png',
  },
  dmg: { title: 'BooCode ${version}' },
  win: {
    target: ['nsis'],
    icon: 'resources/icon.png',
  },
  nsis: {
    oneClick: false,
    perMachine: false,
    allowToChangeInstallationDirectory: true,
    createDesktopShortcut: true,
  },
};

export default packaging;
