// The window's store: the client state kept in step with the core (snapshot, then events in one
// batch per frame, a resync re-reads the snapshot), the purely visual state (selection, open
// dialogs, the palette), and the actions every view, menu, shortcut and palette entry calls.
// Only this folder and client/ talk to BooApi.
import { toast } from 'sonner';
import { createStore as createZustand, type StoreApi } from 'zustand/vanilla';
import { useStore as useZustand } from 'zustand';
import { useShallow } from 'zustand/shallow';
import type { AgentDescriptor } from '../../shared/agents.ts';
import type { Session } from '../../shared/chats.ts';
import type { AppEvent, BooError, CommandArgs, CommandName, CommandResult, ProjectId, Result, SubscriptionMessage, TransientEvent } from '../../shared/contract.ts';
import type { LayoutEnvelope } from '../../shared/layout.ts';
import type { Connection, ConnectionState } from '../client/index.ts';
import { reduceLayout, type LayoutAction } from '../workspace/layout.ts';
import { initialClientState, reduceClient, type ClientAction, type ClientState } from './clientState.ts';
import { createEventPump, type Scheduler } from './eventPump.ts';

export type DialogState =
  | { readonly kind: 'new-session'; readonly projectId: ProjectId }
  | { readonly kind: 'rename-session'; readonly sessionId: string }
  | { readonly kind: 'rename-terminal'; readonly terminalId: string }
  | { readonly kind: 'archive-session'; readonly sessionId: string }
  | { readonly kind: 'remove-project'; readonly projectId: ProjectId }
  /** A terminal tab is closing while a program runs in it: `reason` names the program. */
  | { readonly kind: 'close-terminal'; readonly sessionId: string; readonly tabId: string; readonly reason: string };

export interface WindowState {
  readonly client: ClientState;
  readonly connection: ConnectionState;
  /** The session whose workspace the main area shows. */
  readonly sessionId: string | undefined;
  /** The project of the open-project page or of a session-less project view. */
  readonly projectId: ProjectId | undefined;
  /** The open-project page is shown (no session selected). */
  readonly isOpeningProject: boolean;
  readonly isPaletteOpen: boolean;
  readonly dialog: DialogState | undefined;
  /** The agent catalog, read when first needed and again after it changes. */
  readonly agents: { readonly version: number; readonly list: readonly AgentDescriptor[] } | undefined;
  /** The "needs you" panel is open. */
  readonly isInboxOpen: boolean;
  /** A screen shown in place of the workspace (settings, agents), until a session or project is picked. */
  readonly screen: AppScreen | undefined;
  /** The window is visible and focused: the user can see the chats on screen. */
  readonly isAttentive: boolean;
  /** The turn a chat view should bring into view once (opened from the inbox or a notification). */
  readonly focusTurn: { readonly chatId: string; readonly turnId: string } | undefined;
}

/** Messages read per page while scrolling a long chat: a few screens, one round trip. */
const historyPage = 100;

export type AppScreen = 'settings' | 'agents';

export const layoutTimings = {
  /** Resizes and scroll positions come in bursts; one write per this much quiet. */
  saveDebounceMs: 300,
} as const;

export interface AppStore {
  readonly state: StoreApi<WindowState>;
  readonly connection: Connection;
  /** This window's name in layout events, so it can skip its own echoes. */
  readonly windowId: string;
  call<N extends CommandName>(name: N, args: CommandArgs<N>): Promise<Result<CommandResult<N>>>;
  notify(tone: 'error' | 'info' | 'success', title: string, detail?: string): void;
  reportError(title: string, error: BooError): void;

  openProject(path: string): Promise<boolean>;
  pickFolder(): Promise<void>;
  removeProject(projectId: ProjectId): Promise<boolean>;
  showOpenProject(): void;
  selectProject(projectId: ProjectId): void;
  selectSession(sessionId: string | undefined): void;
  createSession(input: { projectId: ProjectId; name?: string; useWorktree?: boolean }): Promise<Session | undefined>;
  renameSession(sessionId: string, name: string): Promise<boolean>;
  /** Archives; resolves to the error when the core refused (unapplied changes, work running). */
  archiveSession(sessionId: string, confirm: boolean): Promise<BooError | undefined>;
  restoreSession(sessionId: string): Promise<boolean>;
  openDialog(dialog: DialogState | undefined): void;
  setPaletteOpen(isOpen: boolean): void;
  setInboxOpen(isOpen: boolean): void;
  showScreen(screen: AppScreen | undefined): void;
  /** Shows a chat: its session, its tab (opened in the focused pane when it has none), scrolled to `turnId`. */
  openChat(chatId: string, turnId?: string): Promise<void>;
  /** The chat view has brought the focused turn into view. */
  clearFocusTurn(): void;

  /** Reads (or returns) a session's layout. */
  ensureLayout(sessionId: string): Promise<void>;
  changeLayout(sessionId: string, action: LayoutAction): void;
  /** The user has been told why the saved layout was replaced. */
  dismissLayoutNotice(sessionId: string): void;
  /** Writes every layout change not saved yet (the window is going away). */
  flushLayouts(): void;
  /** The agent catalog, read when first asked for and whenever it changed since. */
  loadAgents(): Promise<readonly AgentDescriptor[]>;
  /** Installed agents, the ones used most recently first. */
  installedAgents(): readonly AgentDescriptor[];
  /** Creates a chat and opens it in a tab (in `paneId`, or the focused pane). */
  createChat(sessionId: string, agentId: string, paneId?: string): Promise<string | undefined>;
  /** Starts a shell in the session's folder and opens it in a tab (in `paneId`, or the focused pane). */
  createTerminal(sessionId: string, paneId?: string): Promise<string | undefined>;
  /**
   * Closes a tab. A shell's tab ends the shell first; while a program runs in it, the user is
   * asked (a dialog) unless `confirm`.
   */
  closeTab(sessionId: string, tabId: string, confirm?: boolean): Promise<void>;
  /** A terminal's output, and word that the core detached one of its views, for its views; returns the unsubscribe. */
  onTerminalEvents(terminalId: string, listener: (event: TransientEvent) => void): () => void;
  /** Called each time the event stream is (re)established: output may have been missed, views attach again. */
  onStreamRestart(listener: () => void): () => void;

  /** Loads (or reloads, when stale) a chat's transcript for a view that shows it. */
  loadChat(chatId: string): Promise<void>;
  /** Reads an open chat again (its copy fell behind). */
  refreshChat(chatId: string): Promise<void>;
  loadOlder(chatId: string): Promise<void>;
  /** Reads back newer messages a window let go when it scrolled far up. */
  loadNewer(chatId: string): Promise<void>;
  /** Makes the loaded window start at a turn's first message (a link to a turn not loaded). */
  loadAroundTurn(chatId: string, turnId: string): Promise<void>;
  releaseChat(chatId: string): void;
}

export function createAppStore(connection: Connection, options: { scheduler?: Scheduler; windowId?: string } = {}): AppStore {
  const windowId = options.windowId ?? randomId();
  const state = createZustand<WindowState>(() => ({
    client: initialClientState,
    connection: connection.state(),
    sessionId: undefined,
    projectId: undefined,
    isOpeningProject: false,
    isPaletteOpen: false,
    dialog: undefined,
    agents: undefined,
    isInboxOpen: false,
    screen: undefined,
    isAttentive: typeof document === 'undefined' || (document.visibilityState === 'visible' && document.hasFocus()),
    focusTurn: undefined,
  }));
  const api = connection.api;
  const set = (partial: Partial<WindowState>) => state.setState(partial);
  const dispatch = (action: ClientAction) => state.setState((current) => ({ client: reduceClient(current.client, action) }));
  const pump = createEventPump<AppEvent>((events) => {
    dispatch({ type: 'events', events, windowId });
    for (const event of events) {
      // A session changed (created, archived, restored elsewhere): where it works may have too.
      if (event.type === 'workspace.session.changed') void readWorkspace(event.session.id);
      // Only a live request moves the window; one replayed after a reconnect is old news.
      if (event.type === 'workspace.project.revealed' && Date.now() - Date.parse(event.at) < revealFreshnessMs) store.selectProject(event.project.id);
      // An open chat's turn ended or its agent process changed: what the next turn does changed.
      const chatId = event.type === 'chat.turn.ended' ? event.turn.chatId : event.type === 'agent.process.changed' ? event.process.chatId : undefined;
      if (chatId && chatUsers.has(chatId)) refreshMetaSoon(chatId);
    }
  }, options.scheduler);
  const metaTimers = new Map<string, ReturnType<typeof setTimeout>>();
  function refreshMetaSoon(chatId: string): void {
    if (metaTimers.has(chatId)) return;
    metaTimers.set(
      chatId,
      setTimeout(() => {
        metaTimers.delete(chatId);
        void api.call('chats.get', { chatId, limit: 1 }).then((view) => {
          const draft = state.getState().client.chatMeta[chatId]?.draft ?? '';
          if (view.ok) dispatch({ type: 'chat.meta', chatId, meta: { agents: view.value.agents, recentTurns: view.value.recentTurns, draft } });
        });
      }, 150),
    );
  }

  async function readWorkspace(sessionId: string): Promise<void> {
    const workspace = await api.call('sessions.workspace', { sessionId });
    if (workspace.ok) dispatch({ type: 'workspace.upserted', workspace: workspace.value });
  }
  // Live messages that arrive while a (re)subscription is being answered wait here.
  let backlog: SubscriptionMessage[] | undefined;
  let unsubscribeEvents: (() => void) | undefined;
  const chatUsers = new Map<string, number>();
  /** The agents listing under way, for the catalog version it was asked for. */
  let agentsLoading: { version: number; listed: Promise<readonly AgentDescriptor[]> } | undefined;
  const terminalListeners = new Map<string, Set<(event: TransientEvent) => void>>();
  const restartListeners = new Set<() => void>();
  const pendingSaves = new Map<string, { layout: LayoutEnvelope; timer: ReturnType<typeof setTimeout> | undefined }>();

  function notify(tone: 'error' | 'info' | 'success', title: string, detail?: string): void {
    const show = tone === 'error' ? toast.error : tone === 'success' ? toast.success : toast.info;
    show(title, detail ? { description: detail } : undefined);
  }

  function reportError(title: string, error: BooError): void {
    notify('error', title, error.message);
  }

  async function loadSnapshot(): Promise<void> {
    const snapshot = await api.call('app.snapshot', {});
    if (!snapshot.ok) return reportError('Could not load the workspace', snapshot.error);
    pump.clear();
    const isFirst = !state.getState().client.isLoaded;
    dispatch({ type: 'snapshot', snapshot: snapshot.value });
    const { client, sessionId } = state.getState();
    if (sessionId && !client.sessions[sessionId]) set({ sessionId: undefined });
    // A window opened for a folder (`boocode open`, a second launch) shows that project; a
    // reloaded window comes back to the session it showed.
    const asked = isFirst ? requestedProject() : undefined;
    if (asked && client.projects.some((project) => project.id === asked)) set({ projectId: asked as ProjectId });
    else if (isFirst && !sessionId) {
      const remembered = rememberedSelection();
      if (remembered.sessionId && client.sessions[remembered.sessionId]?.archivedAt === null) store.selectSession(remembered.sessionId);
      else if (remembered.projectId && client.projects.some((project) => project.id === remembered.projectId)) set({ projectId: remembered.projectId as ProjectId });
    }
    // Open views read their chats and layouts again.
    for (const chatId of chatUsers.keys()) void loadChat(chatId);
    for (const id of Object.keys(client.layouts)) void readLayout(id);
  }

  function handleLive(message: SubscriptionMessage): void {
    // Terminal output goes straight to its views: it is not part of the state, and a view
    // places it by its offset whatever arrived before.
    if (message.kind === 'transient') {
      for (const listener of terminalListeners.get(message.event.terminalId) ?? []) listener(message.event);
      return;
    }
    if (backlog) {
      backlog.push(message);
      return;
    }
    if (message.kind === 'event') pump.push(message.event);
    else void resubscribe();
  }

  async function resubscribe(): Promise<void> {
    unsubscribeEvents?.();
    backlog = [];
    pump.flush();
    const { client } = state.getState();
    // A window with nothing loaded yet reads the snapshot, not the core's whole replay buffer
    // (tens of megabytes on a busy core): a position past the end is answered with a resync and
    // then live events, which wait in the backlog until the snapshot is applied.
    const position = client.isLoaded && client.epoch ? { afterSeq: client.lastSeq, epoch: client.epoch } : { afterSeq: Number.MAX_SAFE_INTEGER };
    const { result, unsubscribe } = await api.subscribe(position, handleLive);
    unsubscribeEvents = unsubscribe;
    if (!result.ok) {
      backlog = undefined;
      return reportError('Could not follow BooCode', result.error);
    }
    if (result.value.kind === 'resync' || !client.isLoaded) await loadSnapshot();
    else dispatch({ type: 'events', events: result.value.events, windowId });
    const waiting = backlog ?? [];
    backlog = undefined;
    for (const message of waiting) handleLive(message);
    for (const listener of restartListeners) listener();
  }

  connection.onStateChange((next) => {
    set({ connection: next });
    if (next === 'connected') void resubscribe();
  });
  // A WebSocket announces its first connection through onStateChange; the desktop bridge is
  // connected from the start.
  if (connection.state() === 'connected') void resubscribe();

  const layoutReads = new Map<string, Promise<void>>();
  function readLayout(sessionId: string): Promise<void> {
    const inFlight = layoutReads.get(sessionId);
    if (inFlight) return inFlight;
    const reading = readLayoutNow(sessionId).finally(() => layoutReads.delete(sessionId));
    layoutReads.set(sessionId, reading);
    return reading;
  }

  async function readLayoutNow(sessionId: string): Promise<void> {
    const read = await api.call('sessions.layout.get', { sessionId });
    if (!read.ok) return reportError('Could not read the session layout', read.error);
    if (pendingSaves.has(sessionId)) return; // this window's newer change wins
    dispatch({ type: 'layout.loaded', sessionId, layout: read.value.layout, notice: read.value.notice });
  }

  function save(sessionId: string): void {
    const pending = pendingSaves.get(sessionId);
    if (!pending) return;
    if (pending.timer) clearTimeout(pending.timer);
    pendingSaves.delete(sessionId);
    void api.call('sessions.layout.set', { sessionId, layout: pending.layout, writer: windowId }).then((saved) => {
      if (!saved.ok) reportError('Could not save the layout', saved.error);
    });
  }

  async function loadChat(chatId: string): Promise<void> {
    const view = await api.call('chats.get', { chatId });
    if (!view.ok) return reportError('Could not open the chat', view.error);
    dispatch({ type: 'chat.loaded', view: view.value });
  }

  const store: AppStore = {
    state,
    connection,
    windowId,
    call: (name, args) => api.call(name, args),
    notify,
    reportError,

    async openProject(path) {
      const opened = await api.call('projects.open', { path });
      if (!opened.ok) {
        reportError('Could not open the folder', opened.error);
        return false;
      }
      dispatch({ type: 'project.upserted', project: opened.value });
      set({ projectId: opened.value.id, isOpeningProject: false, sessionId: undefined });
      return true;
    },
    async pickFolder() {
      const desktop = api.desktop;
      if (!desktop) return;
      const picked = await desktop.pickFolder();
      if (picked === null) return;
      if (!picked.ok) return reportError('Could not open the folder', picked.error);
      dispatch({ type: 'project.upserted', project: picked.value });
      set({ projectId: picked.value.id, isOpeningProject: false, sessionId: undefined });
    },
    async removeProject(projectId) {
      const removed = await api.call('projects.remove', { projectId });
      if (!removed.ok) {
        reportError('Could not remove the project', removed.error);
        return false;
      }
      const { projectId: shown, sessionId, client } = state.getState();
      if (shown === projectId) set({ projectId: undefined });
      if (sessionId && client.sessions[sessionId]?.projectId === projectId) set({ sessionId: undefined });
      return true;
    },
    showOpenProject: () => set({ isOpeningProject: true, sessionId: undefined, screen: undefined }),
    selectProject: (projectId) => set({ projectId, sessionId: undefined, isOpeningProject: false, screen: undefined }),
    selectSession(sessionId) {
      const session = sessionId ? state.getState().client.sessions[sessionId] : undefined;
      set({ sessionId, isOpeningProject: false, screen: undefined, projectId: (session?.projectId as ProjectId | undefined) ?? state.getState().projectId });
      if (sessionId) void store.ensureLayout(sessionId);
    },
    async createSession(input) {
      const created = await api.call('sessions.create', input);
      if (!created.ok) {
        reportError('Could not create the session', created.error);
        return undefined;
      }
      dispatch({ type: 'session.upserted', session: created.value });
      await readWorkspace(created.value.id);
      store.selectSession(created.value.id);
      return created.value;
    },
    async renameSession(sessionId, name) {
      const renamed = await api.call('sessions.rename', { sessionId, name });
      if (!renamed.ok) reportError('Could not rename the session', renamed.error);
      else dispatch({ type: 'session.upserted', session: renamed.value });
      return renamed.ok;
    },
    async archiveSession(sessionId, confirm) {
      const archived = await api.call('sessions.archive', { sessionId, confirm });
      if (!archived.ok) return archived.error;
      dispatch({ type: 'session.upserted', session: archived.value });
      return undefined;
    },
    async restoreSession(sessionId) {
      const restored = await api.call('sessions.restore', { sessionId });
      if (!restored.ok) {
        reportError('Could not restore the session', restored.error);
        return false;
      }
      dispatch({ type: 'session.upserted', session: restored.value });
      await readWorkspace(sessionId);
      store.selectSession(sessionId);
      return true;
    },
    openDialog: (dialog) => set({ dialog }),
    setPaletteOpen: (isPaletteOpen) => set({ isPaletteOpen }),
    setInboxOpen: (isInboxOpen) => set({ isInboxOpen }),
    showScreen: (screen) => set({ screen }),
    async openChat(chatId, turnId) {
      const chat = state.getState().client.chats[chatId];
      if (!chat) return;
      store.selectSession(chat.sessionId);
      await store.ensureLayout(chat.sessionId);
      // `open` focuses the chat's tab where it is, or opens one in the focused pane.
      store.changeLayout(chat.sessionId, { type: 'open', kind: 'chat', targetId: chatId });
      if (turnId) set({ focusTurn: { chatId, turnId } });
    },
    clearFocusTurn: () => set({ focusTurn: undefined }),

    async ensureLayout(sessionId) {
      if (state.getState().client.layouts[sessionId]) return;
      await readLayout(sessionId);
    },
    changeLayout(sessionId, action) {
      const current = state.getState().client.layouts[sessionId];
      if (!current) return;
      const layout = reduceLayout(current.layout, action);
      if (layout === current.layout) return;
      dispatch({ type: 'layout.changed', sessionId, layout });
      const pending = pendingSaves.get(sessionId);
      if (pending?.timer) clearTimeout(pending.timer);
      pendingSaves.set(sessionId, { layout, timer: undefined });
      // Tabs and panes are saved at once; resizes and scroll positions once they settle.
      if (action.type === 'resize' || action.type === 'remember') {
        const entry = pendingSaves.get(sessionId);
        if (entry) entry.timer = setTimeout(() => save(sessionId), layoutTimings.saveDebounceMs);
      } else {
        save(sessionId);
      }
    },
    dismissLayoutNotice: (sessionId) => dispatch({ type: 'layout.noticeSeen', sessionId }),
    flushLayouts() {
      for (const sessionId of [...pendingSaves.keys()]) save(sessionId);
    },
    loadAgents() {
      const { agents, client } = state.getState();
      if (agents && agents.version === client.catalogVersion) return Promise.resolve(agents.list);
      // One request per catalog version: the first listing probes each agent (`--version`, seconds
      // for some), and views that ask meanwhile (every session shown) wait for that one instead of
      // piling up requests whose answers would then re-render the window once each.
      if (agentsLoading?.version === client.catalogVersion) return agentsLoading.listed;
      const version = client.catalogVersion;
      const listed = (async () => {
        const read = await api.call('agents.list', {});
        if (!read.ok) {
          reportError('Could not list the agents', read.error);
          return agents?.list ?? [];
        }
        set({ agents: { version, list: read.value } });
        return read.value;
      })().finally(() => {
        if (agentsLoading?.listed === listed) agentsLoading = undefined;
      });
      agentsLoading = { version, listed };
      return listed;
    },
    installedAgents: () => installedAgentsOf(state.getState()),
    async createChat(sessionId, agentId, paneId) {
      const created = await api.call('chats.create', { sessionId, agentId });
      if (!created.ok) {
        reportError('Could not create the chat', created.error);
        return undefined;
      }
      await store.ensureLayout(sessionId);
      store.changeLayout(sessionId, { type: 'open', kind: 'chat', targetId: created.value.id, paneId });
      return created.value.id;
    },

    async createTerminal(sessionId, paneId) {
      // The view fits the pty to its box as soon as it shows; this is only the first size.
      const created = await api.call('terminals.create', { sessionId, cols: 80, rows: 24 });
      if (!created.ok) {
        reportError('Could not start a terminal', created.error);
        return undefined;
      }
      dispatch({ type: 'terminal.upserted', terminal: created.value });
      await store.ensureLayout(sessionId);
      store.changeLayout(sessionId, { type: 'open', kind: 'terminal', targetId: created.value.id, paneId });
      return created.value.id;
    },
    async closeTab(sessionId, tabId, confirm = false) {
      const { client } = state.getState();
      const tab = client.layouts[sessionId]?.layout.tabs[tabId];
      const terminal = tab?.kind === 'terminal' && tab.targetId ? client.terminals[tab.targetId] : undefined;
      // An agent's terminal ends with its command; closing its tab only stops showing it.
      if (terminal?.kind === 'shell') {
        const closed = await api.call('terminals.close', { terminalId: terminal.id, confirm });
        if (!closed.ok && closed.error.kind === 'busy') return set({ dialog: { kind: 'close-terminal', sessionId, tabId, reason: closed.error.message } });
        if (!closed.ok) return reportError('Could not close the terminal', closed.error);
      }
      store.changeLayout(sessionId, { type: 'close', tabId });
    },
    onTerminalEvents(terminalId, listener) {
      const listeners = terminalListeners.get(terminalId) ?? new Set();
      listeners.add(listener);
      terminalListeners.set(terminalId, listeners);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) terminalListeners.delete(terminalId);
      };
    },
    onStreamRestart(listener) {
      restartListeners.add(listener);
      return () => restartListeners.delete(listener);
    },

    async loadChat(chatId) {
      chatUsers.set(chatId, (chatUsers.get(chatId) ?? 0) + 1);
      await loadChat(chatId);
    },
    refreshChat: (chatId) => loadChat(chatId),
    async loadOlder(chatId) {
      const transcript = state.getState().client.transcripts[chatId];
      const oldest = transcript?.order[0];
      const ordinal = oldest ? transcript.messages[oldest]?.ordinal : undefined;
      if (!transcript?.hasOlder || ordinal === undefined) return;
      const page = await api.call('chats.history', { chatId, before: ordinal, limit: historyPage });
      if (!page.ok) return reportError('Could not load older messages', page.error);
      dispatch({ type: 'chat.history', chatId, direction: 'older', ...page.value });
    },
    async loadNewer(chatId) {
      const transcript = state.getState().client.transcripts[chatId];
      const newest = transcript?.order.at(-1);
      const ordinal = newest ? transcript?.messages[newest]?.ordinal : undefined;
      if (!transcript?.hasNewer || ordinal === undefined) return;
      const page = await api.call('chats.history', { chatId, after: ordinal, limit: historyPage });
      if (!page.ok) return reportError('Could not load newer messages', page.error);
      dispatch({ type: 'chat.history', chatId, direction: 'newer', ...page.value });
      // Back at the live end: messages created meanwhile were not applied; read the end again.
      if (!page.value.hasNewer) await loadChat(chatId);
    },
    async loadAroundTurn(chatId, turnId) {
      const page = await api.call('chats.history', { chatId, fromTurn: turnId, limit: historyPage });
      if (!page.ok) return reportError('Could not open that turn', page.error);
      dispatch({ type: 'chat.history', chatId, direction: 'at', ...page.value });
    },
    releaseChat(chatId) {
      const users = (chatUsers.get(chatId) ?? 1) - 1;
      if (users > 0) {
        chatUsers.set(chatId, users);
        return;
      }
      chatUsers.delete(chatId);
      dispatch({ type: 'chat.closed', chatId });
    },
  };
  state.subscribe((current, previous) => {
    if (current.sessionId !== previous.sessionId || current.projectId !== previous.projectId) {
      rememberSelection({ sessionId: current.sessionId, projectId: current.projectId });
    }
  });
  return store;
}

const selectionKey = 'boocode.selection';

/** A reveal request older than this (replayed after a reconnect) no longer moves the window. */
const revealFreshnessMs = 10_000;

/** The project a window was opened for: `?project=<id>` in its address (set by the desktop app). */
function requestedProject(): string | undefined {
  try {
    const url = new URL(window.location.href);
    const projectId = url.searchParams.get('project') ?? undefined;
    if (projectId === undefined) return undefined;
    // Asked once: a reload comes back to whatever the user picked since.
    url.searchParams.delete('project');
    window.history.replaceState(window.history.state, '', url.href);
    return projectId;
  } catch {
    return undefined; // no location (tests): nothing was asked for
  }
}

function rememberSelection(selection: { sessionId: string | undefined; projectId: string | undefined }): void {
  try {
    localStorage.setItem(selectionKey, JSON.stringify(selection));
  } catch {
    // storage refused (a private window): the window simply starts on the project list
  }
}

function rememberedSelection(): { sessionId?: string; projectId?: string } {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(selectionKey) ?? '{}');
    return typeof stored === 'object' && stored !== null ? (stored as { sessionId?: string; projectId?: string }) : {};
  } catch {
    return {};
  }
}

/** Installed agents, the ones used most recently first. */
export function installedAgentsOf({ agents, client }: WindowState): AgentDescriptor[] {
  const lastUsed = new Map<string, string>();
  for (const chat of Object.values(client.chats)) {
    if ((lastUsed.get(chat.agentId) ?? '') < chat.updatedAt) lastUsed.set(chat.agentId, chat.updatedAt);
  }
  return (agents?.list ?? []).filter((agent) => agent.resolvedPath !== null).sort((a, b) => (lastUsed.get(b.id) ?? '').localeCompare(lastUsed.get(a.id) ?? ''));
}

/** Reads the window state in a component; re-renders only when the selected value changes. */
export function useWindow<T>(store: AppStore, select: (state: WindowState) => T): T {
  return useZustand(store.state, select);
}

/** Like useWindow, for selectors that build arrays or objects (compared item by item). */
export function useWindowShallow<T>(store: AppStore, select: (state: WindowState) => T): T {
  return useZustand(store.state, useShallow(select));
}

function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
