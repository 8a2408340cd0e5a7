// Every workspace action is one entry here: an id, a title, when it applies, what it does and
// its key binding. The palette lists them, the shortcuts bind them, menus point at them; a new
// action is one new entry.
import { tinykeys } from 'tinykeys';
import type { CommandArgs, ProjectId } from '../../shared/contract.ts';
import { keysOf, menuCommands, menuKeysOf } from '../../shared/keymap.ts';
import { installedAgentsOf, type AppStore, type WindowState } from '../state/store.ts';
import { focusedPane, leaves } from './layout.ts';

export interface CommandContext {
  readonly store: AppStore;
  readonly state: WindowState;
}

export interface WorkspaceCommand {
  readonly id: string;
  readonly title: string;
  /** tinykeys notation; `$mod` is Cmd on macOS and Ctrl elsewhere. */
  readonly keys?: readonly string[];
  readonly when?: (context: CommandContext) => boolean;
  readonly run: (context: CommandContext) => void | Promise<void>;
}

const hasSession = ({ state }: CommandContext) => state.sessionId !== undefined && state.client.sessions[state.sessionId]?.archivedAt === null;

function sessionLayout({ state }: CommandContext) {
  return state.sessionId ? state.client.layouts[state.sessionId]?.layout : undefined;
}

function focusedTabId(context: CommandContext): string | undefined {
  return sessionLayout(context)?.focusedTabId ?? undefined;
}

/** The terminal shown in the focused tab, if that tab is a terminal. */
function focusedTerminal(context: CommandContext): string | undefined {
  const layout = sessionLayout(context);
  const tab = layout?.focusedTabId ? layout.tabs[layout.focusedTabId] : undefined;
  if (tab?.kind !== 'terminal' || !tab.targetId) return undefined;
  return context.state.client.terminals[tab.targetId] ? tab.targetId : undefined;
}

function changeFocusedTab(context: CommandContext, change: (tabId: string, paneId: string) => Parameters<AppStore['changeLayout']>[1]): void {
  const layout = sessionLayout(context);
  const tabId = layout?.focusedTabId;
  const sessionId = context.state.sessionId;
  if (!layout || !tabId || !sessionId) return;
  context.store.changeLayout(sessionId, change(tabId, focusedPane(layout).id));
}

/** The project a "new session" applies to: the shown session's, else the shown project. */
export function currentProjectId(state: WindowState): ProjectId | undefined {
  const session = state.sessionId ? state.client.sessions[state.sessionId] : undefined;
  return (session?.projectId as ProjectId | undefined) ?? state.projectId ?? state.client.projects[0]?.id;
}

export const workspaceCommands: readonly WorkspaceCommand[] = [
  { id: 'palette.open', title: 'Show all commands', keys: keysOf('palette.open'), run: ({ store }) => store.setPaletteOpen(true) },
  {
    id: 'project.open',
    title: 'Open project…',
    keys: keysOf('project.open'),
    run: ({ store }) => (store.connection.api.desktop ? void store.pickFolder() : store.showOpenProject()),
  },
  {
    id: 'session.new',
    title: 'New session…',
    keys: keysOf('session.new'),
    when: ({ state }) => currentProjectId(state) !== undefined,
    run: ({ store, state }) => {
      const projectId = currentProjectId(state);
      if (projectId) store.openDialog({ kind: 'new-session', projectId });
    },
  },
  {
    id: 'session.rename',
    title: 'Rename session…',
    keys: keysOf('session.rename'),
    when: hasSession,
    run: ({ store, state }) => {
      if (state.sessionId) store.openDialog({ kind: 'rename-session', sessionId: state.sessionId });
    },
  },
  {
    id: 'session.archive',
    title: 'Archive session…',
    when: hasSession,
    run: ({ store, state }) => {
      if (state.sessionId) store.openDialog({ kind: 'archive-session', sessionId: state.sessionId });
    },
  },
  {
    id: 'tab.changes',
    title: 'Go to changes',
    keys: keysOf('tab.changes'),
    when: hasSession,
    run: ({ store, state }) => {
      if (state.sessionId) store.changeLayout(state.sessionId, { type: 'open', kind: 'changes', targetId: null });
    },
  },
  {
    id: 'terminal.new',
    title: 'New terminal',
    keys: keysOf('terminal.new'),
    when: hasSession,
    run: ({ store, state }) => {
      if (state.sessionId) void store.createTerminal(state.sessionId);
    },
  },
  {
    id: 'terminal.rename',
    title: 'Rename terminal…',
    when: (context) => focusedTerminal(context) !== undefined,
    run: (context) => {
      const terminalId = focusedTerminal(context);
      if (terminalId) context.store.openDialog({ kind: 'rename-terminal', terminalId });
    },
  },
  {
    id: 'tab.close',
    title: 'Close tab',
    keys: keysOf('tab.close'),
    when: (context) => focusedTabId(context) !== undefined,
    run: (context) => {
      const tabId = focusedTabId(context);
      if (context.state.sessionId && tabId) void context.store.closeTab(context.state.sessionId, tabId);
    },
  },
  {
    id: 'tab.reopen',
    title: 'Reopen closed tab',
    keys: keysOf('tab.reopen'),
    when: (context) => (sessionLayout(context)?.closedTabs.length ?? 0) > 0,
    run: ({ store, state }) => {
      if (state.sessionId) store.changeLayout(state.sessionId, { type: 'reopen' });
    },
  },
  {
    id: 'tab.moveNext',
    title: 'Move tab to the next pane',
    keys: keysOf('tab.moveNext'),
    when: (context) => focusedTabId(context) !== undefined,
    run: (context) => changeFocusedTab(context, (tabId) => ({ type: 'moveToNeighbour', tabId, direction: 1 })),
  },
  {
    id: 'tab.movePrevious',
    title: 'Move tab to the previous pane',
    keys: keysOf('tab.movePrevious'),
    when: (context) => focusedTabId(context) !== undefined,
    run: (context) => changeFocusedTab(context, (tabId) => ({ type: 'moveToNeighbour', tabId, direction: -1 })),
  },
  {
    id: 'tab.splitRight',
    title: 'Split tab to the right',
    keys: keysOf('tab.splitRight'),
    when: (context) => focusedTabId(context) !== undefined,
    run: (context) => changeFocusedTab(context, (tabId, paneId) => ({ type: 'split', tabId, paneId, side: 'right' })),
  },
  {
    id: 'tab.splitDown',
    title: 'Split tab down',
    keys: keysOf('tab.splitDown'),
    when: (context) => focusedTabId(context) !== undefined,
    run: (context) => changeFocusedTab(context, (tabId, paneId) => ({ type: 'split', tabId, paneId, side: 'bottom' })),
  },
  {
    id: 'pane.focusNext',
    title: 'Focus the next pane',
    keys: keysOf('pane.focusNext'),
    when: (context) => leaves(sessionLayout(context)?.root ?? { kind: 'pane', id: '', tabIds: [], activeTabId: null }).length > 1,
    run: (context) => {
      const layout = sessionLayout(context);
      if (!layout || !context.state.sessionId) return;
      const panes = leaves(layout.root);
      const index = panes.findIndex((pane) => pane.id === focusedPane(layout).id);
      const next = panes[(index + 1) % panes.length];
      if (next?.activeTabId) context.store.changeLayout(context.state.sessionId, { type: 'focus', tabId: next.activeTabId });
    },
  },
  ...Array.from({ length: 9 }, (_, index): WorkspaceCommand => ({
    id: `tab.focus${index + 1}`,
    title: `Focus tab ${index + 1}`,
    keys: keysOf(`tab.focus${index + 1}`),
    when: (context) => Object.values(sessionLayout(context)?.tabs ?? {}).some((tab) => tab.number === index + 1),
    run: ({ store, state }) => {
      if (state.sessionId) store.changeLayout(state.sessionId, { type: 'focusNumber', number: index + 1 });
    },
  })),
  { id: 'inbox.toggle', title: 'Show what needs you', keys: keysOf('inbox.toggle'), run: ({ store, state }) => store.setInboxOpen(!state.isInboxOpen) },
  { id: 'settings.open', title: 'Open settings', keys: keysOf('settings.open'), run: ({ store }) => store.showScreen('settings') },
  { id: 'agents.open', title: 'Open agents', keys: keysOf('agents.open'), run: ({ store }) => store.showScreen('agents') },
  {
    id: 'terminal.fontBigger',
    title: 'Terminal: larger font',
    run: ({ store, state }) => changeTerminalFont(store, (state.client.settings?.terminalFontSize ?? 13) + 1),
  },
  {
    id: 'terminal.fontSmaller',
    title: 'Terminal: smaller font',
    run: ({ store, state }) => changeTerminalFont(store, (state.client.settings?.terminalFontSize ?? 13) - 1),
  },
  {
    id: 'terminal.copyOnSelect',
    title: 'Terminal: copy on select',
    when: ({ state }) => state.client.settings?.terminalCopyOnSelect !== true,
    run: ({ store }) => changeSettings(store, { terminalCopyOnSelect: true }),
  },
  {
    id: 'terminal.noCopyOnSelect',
    title: 'Terminal: do not copy on select',
    when: ({ state }) => state.client.settings?.terminalCopyOnSelect === true,
    run: ({ store }) => changeSettings(store, { terminalCopyOnSelect: false }),
  },
  {
    id: 'terminal.cursorBlink',
    title: 'Terminal: blinking cursor',
    when: ({ state }) => state.client.settings?.terminalCursorBlink !== true,
    run: ({ store }) => changeSettings(store, { terminalCursorBlink: true }),
  },
  {
    id: 'terminal.noCursorBlink',
    title: 'Terminal: steady cursor',
    when: ({ state }) => state.client.settings?.terminalCursorBlink === true,
    run: ({ store }) => changeSettings(store, { terminalCursorBlink: false }),
  },
  ...(['system', 'light', 'dark'] as const).map(
    (theme): WorkspaceCommand => ({
      id: `theme.${theme}`,
      title: `Theme: ${theme === 'system' ? 'follow the system' : theme}`,
      when: ({ state }) => state.client.settings?.theme !== theme,
      run: async ({ store }) => {
        const saved = await store.call('settings.set', { patch: { theme } });
        if (!saved.ok) store.reportError('Could not change the theme', saved.error);
      },
    }),
  ),
];

async function changeSettings(store: AppStore, patch: CommandArgs<'settings.set'>['patch']): Promise<void> {
  const saved = await store.call('settings.set', { patch });
  if (!saved.ok) store.reportError('Could not change the setting', saved.error);
}

function changeTerminalFont(store: AppStore, size: number): Promise<void> {
  return changeSettings(store, { terminalFontSize: Math.min(40, Math.max(6, size)) });
}

/** Commands built from the data: one per session to switch to, one per agent to chat with. */
export function sessionCommands(state: WindowState): WorkspaceCommand[] {
  const chats: WorkspaceCommand[] = state.sessionId && state.client.sessions[state.sessionId]?.archivedAt === null
    ? installedAgentsOf(state).map((agent) => ({
        id: `chat.new.${agent.id}`,
        title: `New chat with ${agent.name}`,
        run: ({ store, state: current }) => {
          if (current.sessionId) void store.createChat(current.sessionId, agent.id);
        },
      }))
    : [];
  return chats.concat(Object.values(state.client.sessions)
    .filter((session) => session.archivedAt === null && session.id !== state.sessionId)
    .map((session) => {
      const project = state.client.projects.find((candidate) => candidate.id === session.projectId);
      return {
        id: `session.switch.${session.id}`,
        title: `Switch to ${session.name}${project ? ` — ${project.name}` : ''}`,
        run: ({ store }) => store.selectSession(session.id),
      };
    }));
}

/** Readable key names for the palette: `$mod+Shift+t` → `Ctrl+Shift+T` (⌘ on macOS). */
export function describeKeys(keys: string): string {
  const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
  return keys
    .split('+')
    .map((part) => {
      if (part === '$mod') return isMac ? '⌘' : 'Ctrl';
      if (part.startsWith('Digit')) return part.slice(5);
      if (part === 'Backquote') return '`';
      if (part === 'Backslash') return '\\';
      if (part === 'Comma') return ',';
      if (part.startsWith('Arrow')) return { ArrowLeft: '←', ArrowRight: '→', ArrowUp: '↑', ArrowDown: '↓' }[part] ?? part;
      return part.length === 1 ? part.toUpperCase() : part;
    })
    .join('+');
}

/** Runs a command by id, as the palette would (the desktop menus use this); false when it does not apply now. */
export function runCommand(store: AppStore, commandId: string): boolean {
  const command = workspaceCommands.find((candidate) => candidate.id === commandId);
  if (!command) return false;
  const context = { store, state: store.state.getState() };
  if (context.state.dialog) return false; // a dialog has the keyboard
  if (command.when && !command.when(context)) return false;
  void command.run(context);
  return true;
}

/**
 * In the desktop app a menu accelerator takes its key before the page sees it and runs the
 * command through runCommand; binding the same key here could run it twice where it does not.
 */
function menuOwnedKeys(store: AppStore): ReadonlySet<string> {
  if (!store.connection.api.desktop) return new Set();
  const owned = new Set<string>();
  for (const entry of Object.values(menuCommands).flat()) {
    if (entry === 'separator') continue;
    const keys = menuKeysOf(entry.command);
    if (keys) owned.add(keys);
  }
  return owned;
}

/** Binds every command's keys on the window; returns the unbind. */
export function bindShortcuts(store: AppStore): () => void {
  const map: Record<string, (event: KeyboardEvent) => void> = {};
  const owned = menuOwnedKeys(store);
  for (const command of workspaceCommands) {
    for (const keys of command.keys ?? []) {
      if (owned.has(keys)) continue;
      map[keys] = (event) => {
        const context = { store, state: store.state.getState() };
        if (context.state.dialog) return; // a dialog has the keyboard
        if (command.when && !command.when(context)) return;
        event.preventDefault();
        void command.run(context);
      };
    }
  }
  return tinykeys(window, map, {
    // Shortcuts with a modifier work everywhere, the composer included; bare keys (F2) not while typing.
    ignore: (event) => {
      const target = event.target as HTMLElement | null;
      const isTyping = target?.isContentEditable || target?.tagName === 'INPUT' || target?.tagName === 'TEXTAREA';
      return Boolean(isTyping && !event.ctrlKey && !event.metaKey && !event.altKey);
    },
  });
}
