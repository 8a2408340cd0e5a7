// The renderer's store: keeps AppState in step with the core through the Connection, plus the
// purely visual state (selection, toasts). Components read it with useSyncExternalStore.
import { useSyncExternalStore } from 'react';
import type { BooError, ProjectId, SubscriptionMessage } from '../../shared/contract.ts';
import type { Connection, ConnectionState } from '../client/index.ts';
import { initialAppState, reduceAppState, type AppAction, type AppState } from './appState.ts';

export interface Toast {
  readonly id: number;
  readonly tone: 'error' | 'info';
  readonly title: string;
  readonly detail?: string;
}

export interface ViewState {
  readonly app: AppState;
  readonly connection: ConnectionState;
  readonly selectedProjectId: ProjectId | undefined;
  readonly toasts: readonly Toast[];
}

const toastLifetimeMs = 6_000;

export interface Store {
  getState(): ViewState;
  subscribe(listener: () => void): () => void;
  selectProject(id: ProjectId | undefined): void;
  openProject(path: string): Promise<boolean>;
  removeProject(id: ProjectId): Promise<void>;
  pickFolder(): Promise<void>;
  notify(toast: Omit<Toast, 'id'>): void;
  dismissToast(id: number): void;
  readonly connection: Connection;
}

export function createStore(connection: Connection): Store {
  const listeners = new Set<() => void>();
  let state: ViewState = { app: initialAppState, connection: connection.state(), selectedProjectId: undefined, toasts: [] };
  let nextToastId = 1;
  // Live messages that arrive while a (re)subscription is being answered wait here.
  let backlog: SubscriptionMessage[] | undefined;
  let unsubscribeEvents: (() => void) | undefined;

  function set(next: Partial<ViewState>): void {
    state = { ...state, ...next };
    for (const listener of listeners) listener();
  }

  function dispatch(action: AppAction): void {
    set({ app: reduceAppState(state.app, action) });
  }

  function notify(toast: Omit<Toast, 'id'>): void {
    const id = nextToastId++;
    set({ toasts: [...state.toasts, { ...toast, id }] });
    setTimeout(() => dismissToast(id), toastLifetimeMs);
  }

  function dismissToast(id: number): void {
    set({ toasts: state.toasts.filter((toast) => toast.id !== id) });
  }

  function reportError(title: string, error: BooError): void {
    notify({ tone: 'error', title, detail: error.message });
  }

  async function loadSnapshot(lastSeq: number, epoch: string): Promise<void> {
    const [projects, settings] = await Promise.all([
      connection.api.call('projects.list', {}),
      connection.api.call('settings.get', {}),
    ]);
    if (!projects.ok) return reportError('Could not load projects', projects.error);
    if (!settings.ok) return reportError('Could not load settings', settings.error);
    dispatch({ type: 'snapshot', projects: projects.value, settings: settings.value, lastSeq, epoch });
  }

  function handleLive(message: SubscriptionMessage): void {
    if (backlog) {
      backlog.push(message);
      return;
    }
    if (message.kind === 'event') dispatch({ type: 'event', event: message.event });
    else void resubscribe();
  }

  async function resubscribe(): Promise<void> {
    unsubscribeEvents?.();
    backlog = [];
    const position = state.app.isLoaded ? { afterSeq: state.app.lastSeq, epoch: state.app.epoch } : { afterSeq: 0 };
    const { result, unsubscribe } = await connection.api.subscribe(position, handleLive);
    unsubscribeEvents = unsubscribe;
    if (!result.ok) {
      backlog = undefined;
      return reportError('Could not follow BooCode events', result.error);
    }
    const subscribed = result.value;
    if (subscribed.kind === 'resync' || !state.app.isLoaded) {
      await loadSnapshot(subscribed.lastSeq, subscribed.epoch);
    } else {
      for (const event of subscribed.events) dispatch({ type: 'event', event });
    }
    const waiting = backlog ?? [];
    backlog = undefined;
    for (const message of waiting) handleLive(message);
  }

  connection.onStateChange((next) => {
    set({ connection: next });
    if (next === 'connected') void resubscribe();
  });
  // A WebSocket announces its first connection through onStateChange; the desktop bridge is
  // connected from the start.
  if (connection.state() === 'connected') void resubscribe();

  return {
    connection,
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    selectProject: (id) => set({ selectedProjectId: id }),
    async openProject(path) {
      const result = await connection.api.call('projects.open', { path });
      if (!result.ok) {
        reportError('Could not open the folder', result.error);
        return false;
      }
      dispatch({ type: 'project.upserted', project: result.value });
      set({ selectedProjectId: result.value.id });
      return true;
    },
    async removeProject(id) {
      const result = await connection.api.call('projects.remove', { projectId: id });
      if (!result.ok) return reportError('Could not remove the project', result.error);
      if (state.selectedProjectId === id) set({ selectedProjectId: undefined });
    },
    async pickFolder() {
      const desktop = connection.api.desktop;
      if (!desktop) return;
      const result = await desktop.pickFolder();
      if (result === null) return;
      if (!result.ok) return reportError('Could not open the folder', result.error);
      dispatch({ type: 'project.upserted', project: result.value });
      set({ selectedProjectId: result.value.id });
    },
    notify,
    dismissToast,
  };
}

export function useStore<T>(store: Store, select: (state: ViewState) => T): T {
  return useSyncExternalStore(store.subscribe, () => select(store.getState()));
}
