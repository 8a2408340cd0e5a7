// The packaging configuration (electron-builder.config.ts), checked without packaging: that
// needs Electron downloaded, which these machines cannot do. electron-builder's own loader and
// schema validate it; the built app's imports are followed to every native module it loads.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Configuration } from 'electron-builder';
import { nativeModules, packaging } from '../../electron-builder.config.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const require = createRequire(join(repoRoot, 'package.json'));

/** electron-builder's own config loading and validation (app-builder-lib is electron-builder's engine; it exports these only by path). */
const builderConfig = require('app-builder-lib/out/util/config/config.js') as {
  getConfig(projectDir: string, configPath: string | null): Promise<Configuration>;
  validateConfiguration(config: Configuration, debugLogger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (isEnabled: boolean) => unknown };

describe('packaging', () => {
  test('electron-builder loads the configuration and finds it valid, and refuses a broken one', async () => {
    const loaded = await builderConfig.getConfig(repoRoot, 'electron-builder.config.ts');
    // The file electron-builder reads is this one (it normalizes `files` into file sets on the way).
    expect({ appId: loaded.appId, asarUnpack: loaded.asarUnpack, linux: loaded.linux }).toEqual({ appId: packaging.appId, asarUnpack: packaging.asarUnpack, linux: packaging.linux });
    await expect(builderConfig.validateConfiguration(loaded, new DebugLogger(false))).resolves.toBeUndefined();
    // A misspelt option is refused, so a typo cannot silently drop, say, the unpacking.
    await expect(builderConfig.validateConfiguration({ ...loaded, asarUnpak: loaded.asarUnpack } as never, new DebugLogger(false))).rejects.toThrow(/asarUnpak/);
  });

  test('it builds AppImage and deb, dmg and NSIS with the app icon, large enough for every platform', () => {
    expect(packaging.linux?.target).toEqual(['AppImage', 'deb']);
    expect(packaging.mac?.target).toEqual(['dmg']);
    expect(packaging.win?.target).toEqual(['nsis']);
    for (const icon of [packaging.icon, packaging.linux?.icon, packaging.mac?.icon, packaging.win?.icon]) expect(icon).toBe('resources/icon.png');
    // PNG width and height from the IHDR chunk; macOS wants at least 512 px.
    const png = readFileSync(join(repoRoot, 'resources/icon.png'));
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1024, 1024]);
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string>; devDependencies: Record<string, string> };
    expect(manifest.scripts.dist).toBe('electron-vite build && electron-builder --config electron-builder.config.ts');
    expect(manifest.main).toBe('out/main/index.js');
    expect(packaging.files).toContain('out/**/*');
    // electron-builder takes Electron's version from devDependencies, where it must be exact.
    expect(manifest.devDependencies.electron).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test('every native module the built app loads is unpacked from the asar', () => {
    expect(existsSync(join(repoRoot, 'out/main/index.js')), 'run `npm run build` before this test').toBe(true);
    const loaded = loadedPackages([join(repoRoot, 'out/main'), join(repoRoot, 'out/preload')]);
    const native = [...loaded].filter(isNative).sort();
    expect(native).toContain('better-sqlite3');
    const unpacked = new Set(packaging.asarUnpack as string[]);
    for (const name of native) expect(unpacked.has(`node_modules/${name}/**`), `${name} is native and must be in asarUnpack`).toBe(true);
    expect(nativeModules.every((name) => unpacked.has(`node_modules/${name}/**`))).toBe(true);
  });
});

/** Packages reached from the built files: their bare imports, then each package's dependencies. */
function loadedPackages(folders: readonly string[]): Set<string> {
  const found = new Set<string>();
  const pending: { name: string; from: string }[] = [];
  for (const file of folders.flatMap((folder) => filesUnder(folder).filter((path) => /\.(c|m)?js$/.test(path)))) {
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["']([^"'./][^"']*)["']/g)) {
      const name = packageName(match[1] ?? '');
      if (name && !name.startsWith('node:') && name !== 'electron') pending.push({ name, from: repoRoot });
    }
  }
  while (pending.length > 0) {
    const next = pending.pop();
    if (!next || found.has(next.name)) continue;
    const manifest = manifestOf(next.name, next.from);
    if (!manifest) continue; // a Node built-in written without node: (fs, path)
    found.add(next.name);
    const dependencies = { ...manifest.json.dependencies, ...manifest.json.optionalDependencies };
    for (const name of Object.keys(dependencies)) pending.push({ name, from: manifest.dir });
  }
  return found;
}

function packageName(specifier: string): string | undefined {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function manifestOf(name: string, from: string): { dir: string; json: { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> } } | undefined {
  for (let folder = from; ; folder = dirname(folder)) {
    const candidate = join(folder, 'node_modules', name, 'package.json');
    if (existsSync(candidate)) return { dir: dirname(candidate), json: JSON.parse(readFileSync(candidate, 'utf8')) };
    if (dirname(folder) === folder) return undefined;
  }
}

/** A package with a compiled addon: a node-gyp project or a shipped .node binary. */
function isNative(name: string): boolean {
  const manifest = manifestOf(name, repoRoot);
  if (!manifest) return false;
  if (existsSync(join(manifest.dir, 'binding.gyp'))) return true;
  return filesUnder(manifest.dir, ['node_modules']).some((path) => path.endsWith('.node'));
}

function filesUnder(folder: string, skip: readonly string[] = []): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder).flatMap((entry) => {
    if (skip.includes(entry)) return [];
    const path = join(folder, entry);
    return statSync(path).isDirectory() ? filesUnder(path, skip) : [path];
  });
}
