// Where the desktop window opens: back where it was, unless that place is no longer on a screen.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { placeWindow, readWindowState, windowPlacement, writeWindowState, type Rectangle } from '../../../src/main/shell/windowState.ts';
import { tempDir } from '../../helpers/tempDir.ts';

const laptop: Rectangle = { x: 0, y: 0, width: 1440, height: 875 };
const monitorOnTheRight: Rectangle = { x: 1440, y: 0, width: 2560, height: 1415 };

describe('window placement', () => {
  test('a first start opens at the default size, centred', () => {
    expect(placeWindow(undefined, [laptop])).toEqual({ bounds: { width: windowPlacement.width, height: windowPlacement.height }, isMaximized: false });
  });

  test('the saved size, position and maximized state come back, on whichever screen they were', () => {
    const saved = { bounds: { x: 1600, y: 80, width: 1800, height: 1100 }, isMaximized: true };
    expect(placeWindow(saved, [laptop, monitorOnTheRight])).toEqual({ bounds: saved.bounds, isMaximized: true });
  });

  test('a window saved on a monitor that is gone opens centred on the screen that is left, no larger than it', () => {
    const saved = { bounds: { x: 1600, y: 80, width: 1800, height: 1100 }, isMaximized: false };
    expect(placeWindow(saved, [laptop])).toEqual({ bounds: { width: laptop.width, height: laptop.height }, isMaximized: false });
  });

  test('a window whose title bar is off the top or almost off the side is brought back', () => {
    expect(placeWindow({ bounds: { x: 100, y: -500, width: 900, height: 600 }, isMaximized: false }, [laptop]).bounds).toEqual({ width: 900, height: 600 });
    expect(placeWindow({ bounds: { x: laptop.width - 40, y: 100, width: 900, height: 600 }, isMaximized: false }, [laptop]).bounds).toEqual({ width: 900, height: 600 });
    expect(placeWindow({ bounds: { x: laptop.width - 400, y: 100, width: 900, height: 600 }, isMaximized: false }, [laptop]).bounds).toEqual({ x: laptop.width - 400, y: 100, width: 900, height: 600 });
  });

  test('a saved size below the minimum is raised to it', () => {
    expect(placeWindow({ bounds: { x: 10, y: 10, width: 200, height: 100 }, isMaximized: false }, [laptop]).bounds).toEqual({ x: 10, y: 10, width: windowPlacement.minWidth, height: windowPlacement.minHeight });
  });

  test('the state is written and read back; a missing or damaged file gives no state', () => {
    const file = join(tempDir('boo-window-'), 'nested', 'window-state.json');
    expect(readWindowState(file)).toBeUndefined();
    writeWindowState(file, { bounds: { x: 1, y: 2, width: 1000, height: 700 }, isMaximized: true });
    expect(readWindowState(file)).toEqual({ bounds: { x: 1, y: 2, width: 1000, height: 700 }, isMaximized: true });
    writeFileSync(file, '{"bounds": {"x": "left"}}');
    expect(readWindowState(file)).toBeUndefined();
    writeFileSync(file, 'not json');
    expect(readWindowState(file)).toBeUndefined();
  });
});
