// One key table for the palette, the shortcuts and the desktop menus.
import { describe, expect, test } from 'vitest';
import { keysOf, menuCommands, menuKeysOf, toAccelerator } from '../../src/shared/keymap.ts';
import { workspaceCommands } from '../../src/renderer/workspace/commands.ts';

describe('the shared key table', () => {
  test('every menu entry runs a workspace command, and each command binds exactly the keys of the table', () => {
    const ids = new Set(workspaceCommands.map((command) => command.id));
    for (const entry of Object.values(menuCommands).flat()) {
      if (entry === 'separator') continue;
      expect(ids.has(entry.command), entry.command).toBe(true);
    }
    for (const command of workspaceCommands) expect(command.keys ?? [], command.id).toEqual(keysOf(command.id));
  });

  test('menus show the same keys as the palette, in Electron accelerator form', () => {
    expect(toAccelerator('$mod+Shift+n')).toBe('CmdOrCtrl+Shift+N');
    expect(toAccelerator('$mod+Backslash')).toBe('CmdOrCtrl+\\');
    expect(toAccelerator('$mod+Alt+ArrowRight')).toBe('CmdOrCtrl+Alt+Right');
    expect(toAccelerator('$mod+Digit3')).toBe('CmdOrCtrl+3');
    expect(toAccelerator('$mod+Comma')).toBe('CmdOrCtrl+,');
    expect(toAccelerator('F2')).toBe('F2');
    expect(toAccelerator('g g')).toBeUndefined();
    expect(menuKeysOf('tab.close')).toBe('$mod+w');
    expect(menuKeysOf('inbox.toggle')).toBe('$mod+i');
  });
});
