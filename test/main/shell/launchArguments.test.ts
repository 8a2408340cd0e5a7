// What a launch of the desktop app asks for, and what a second launch hands the first.
import { describe, expect, test } from 'vitest';
import { folderOfSecondLaunch, parseLaunchArguments } from '../../../src/main/shell/launchArguments.ts';

describe('launch arguments', () => {
  test('a packaged app opens the folder it was given, resolved where it was launched', () => {
    expect(parseLaunchArguments(['/opt/BooCode/boocode', 'src/acme'], { isPackaged: true, cwd: '/home/ada' })).toEqual({ folder: '/home/ada/src/acme', dataDir: undefined });
    expect(parseLaunchArguments(['/opt/BooCode/boocode'], { isPackaged: true, cwd: '/home/ada' })).toEqual({ folder: undefined, dataDir: undefined });
  });

  test("an unpackaged app skips its own path (electron . folder) and Chromium's switches", () => {
    expect(parseLaunchArguments(['/x/electron', '.', '--no-sandbox', '--inspect=9229', '/srv/acme'], { isPackaged: false, cwd: '/repo' })).toEqual({ folder: '/srv/acme', dataDir: undefined });
    expect(parseLaunchArguments(['/x/electron', '/repo'], { isPackaged: false, cwd: '/repo' }).folder).toBeUndefined();
  });

  test('--data-dir is read in both spellings and resolved', () => {
    expect(parseLaunchArguments(['/x/electron', '.', '--data-dir', 'profile', 'acme'], { isPackaged: false, cwd: '/home/ada' })).toEqual({ folder: '/home/ada/acme', dataDir: '/home/ada/profile' });
    expect(parseLaunchArguments(['/opt/boocode', '--data-dir=/tmp/boo'], { isPackaged: true, cwd: '/' })).toEqual({ folder: undefined, dataDir: '/tmp/boo' });
  });

  test("a second launch's folder comes from its additional data, else from its argv, resolved in its own directory", () => {
    expect(folderOfSecondLaunch({ folder: '/srv/acme' }, ['/opt/boocode', '--whatever'], '/home', true)).toBe('/srv/acme');
    expect(folderOfSecondLaunch({ folder: null }, ['/opt/boocode', 'ignored'], '/home', true)).toBeUndefined();
    expect(folderOfSecondLaunch(undefined, ['/opt/boocode', '--allow-file-access-from-files', 'acme'], '/home/ada', true)).toBe('/home/ada/acme');
    expect(folderOfSecondLaunch({ folder: 42 }, ['/opt/boocode'], '/home/ada', true)).toBeUndefined();
  });
});
