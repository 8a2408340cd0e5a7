// The command palette: every action of the workspace, filtered as you type, with its shortcut.
import { Command } from 'cmdk';
import { useEffect } from 'react';
import { useWindow, type AppStore } from '../state/store.ts';
import { describeKeys, sessionCommands, workspaceCommands, type WorkspaceCommand } from './commands.ts';

export function Palette({ store }: { store: AppStore }) {
  const isOpen = useWindow(store, (state) => state.isPaletteOpen);
  useWindow(store, (state) => state.agents);
  useEffect(() => {
    if (isOpen) void store.loadAgents();
  }, [isOpen, store]);
  if (!isOpen) return null;
  const state = store.state.getState();
  const context = { store, state };
  const available = [...workspaceCommands, ...sessionCommands(state)].filter((command) => command.id !== 'palette.open' && (!command.when || command.when(context)));
  const close = () => store.setPaletteOpen(false);
  function run(command: WorkspaceCommand): void {
    close();
    void command.run({ store, state: store.state.getState() });
  }
  return (
    <Command.Dialog open onOpenChange={(open) => !open && close()} label="Command palette" className="palette" overlayClassName="palette-overlay" contentClassName="palette-content">
      <Command.Input placeholder="Type a command…" aria-label="Command" />
      <Command.List>
        <Command.Empty>No command matches.</Command.Empty>
        {available.map((command) => (
          <Command.Item key={command.id} value={`${command.title} ${command.id}`} onSelect={() => run(command)}>
            <span>{command.title}</span>
            {command.keys?.[0] && <kbd>{describeKeys(command.keys[0])}</kbd>}
          </Command.Item>
        ))}
      </Command.List>
    </Command.Dialog>
  );
}
