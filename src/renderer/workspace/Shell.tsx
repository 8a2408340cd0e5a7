// The window: sidebar, the selected session's workspace (or the project and open-project
// pages), status bar, palette, dialogs and toasts; shortcuts and the window title follow the
// selection, and the theme follows the setting or the OS.
import { useEffect, useRef, useState, type DragEvent } from 'react';
import { Toaster } from 'sonner';
import { OpenProjectPanel } from '../app/OpenProjectPanel.tsx';
import { StatusBar } from '../app/StatusBar.tsx';
import { InboxPanel } from '../inbox/InboxPanel.tsx';
import { inboxOf } from '../inbox/inboxModel.ts';
import { startInbox } from '../inbox/startInbox.ts';
import { AgentsScreen } from '../settings/AgentsScreen.tsx';
import { SettingsScreen } from '../settings/SettingsScreen.tsx';
import { useWindow, type AppStore } from '../state/store.ts';
import { bindShortcuts, runCommand } from './commands.ts';
import { Palette } from './Palette.tsx';
import { ProjectPage } from './ProjectPage.tsx';
import { SessionWorkspace } from './SessionWorkspace.tsx';
import { WorkspaceDialogs } from './SessionDialogs.tsx';
import { Sidebar } from './Sidebar.tsx';

export function Shell({ store }: { store: AppStore }) {
  const isLoaded = useWindow(store, (state) => state.client.isLoaded);
  const sessionId = useWindow(store, (state) => (state.sessionId && state.client.sessions[state.sessionId]?.archivedAt === null ? state.sessionId : undefined));
  const projectId = useWindow(store, (state) => (state.isOpeningProject ? undefined : (state.projectId ?? state.client.projects[0]?.id)));
  const theme = useWindow(store, (state) => state.client.settings?.theme ?? 'system');
  const title = useWindow(store, (state) => {
    const session = state.sessionId ? state.client.sessions[state.sessionId] : undefined;
    const project = state.client.projects.find((candidate) => candidate.id === (session?.projectId ?? state.projectId));
    return [project?.name, session?.name].filter(Boolean).join(' · ');
  });
  const screen = useWindow(store, (state) => state.screen);
  const isInboxOpen = useWindow(store, (state) => state.isInboxOpen);
  const needsYou = useWindow(store, (state) => inboxOf(state).length);
  const [isDragging, setDragging] = useState(false);
  const pathInput = useRef<HTMLInputElement>(null);
  const desktop = store.connection.api.desktop;

  useEffect(() => bindShortcuts(store), [store]);
  useEffect(() => desktop?.onMenuCommand((commandId) => runCommand(store, commandId)), [desktop, store]);
  useEffect(() => startInbox(store), [store]);
  useEffect(() => {
    const count = needsYou > 0 ? `(${needsYou}) ` : '';
    document.title = title ? `${count}${title} — BooCode` : `${count}BooCode`;
  }, [title, needsYou]);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  useEffect(() => {
    // Layout changes not yet written go out before the window does.
    const flush = () => store.flushLayouts();
    const onVisibility = () => document.visibilityState === 'hidden' && flush();
    window.addEventListener('pagehide', flush);
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      window.removeEventListener('pagehide', flush);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [store]);

  function onDrop(event: DragEvent): void {
    if (event.dataTransfer.types.includes('application/x-boocode-tab')) return;
    event.preventDefault();
    setDragging(false);
    const files = Array.from(event.dataTransfer.files);
    const paths = desktop ? files.map((file) => desktop.pathForFile(file)).filter((path) => path !== '') : [];
    if (paths.length === 0) {
      store.notify('info', 'Type the folder path instead', 'Browsers do not reveal where a dropped folder lives. Paste its path into the field.');
      store.showOpenProject();
      requestAnimationFrame(() => pathInput.current?.focus());
      return;
    }
    for (const path of paths) void store.openProject(path);
  }

  return (
    <>
      <div
        className="app"
        onDragOver={(event) => {
          if (!event.dataTransfer.types.includes('Files')) return;
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={(event) => {
          if (event.currentTarget === event.target) setDragging(false);
        }}
        onDrop={onDrop}
      >
        <Sidebar store={store} />
        <main className="main">
          {!isLoaded ? (
            <div className="loading">Connecting to BooCode…</div>
          ) : screen === 'settings' ? (
            <SettingsScreen store={store} />
          ) : screen === 'agents' ? (
            <AgentsScreen store={store} />
          ) : sessionId ? (
            <SessionWorkspace key={sessionId} store={store} sessionId={sessionId} />
          ) : projectId ? (
            <ProjectPage store={store} projectId={projectId} />
          ) : (
            <OpenProjectPanel store={store} pathInput={pathInput} />
          )}
          <StatusBar store={store} />
        </main>
        {isDragging && (
          <div className="drop-overlay" aria-hidden="true">
            <div className="drop-overlay-card">Drop a folder to open it as a project</div>
          </div>
        )}
      </div>
      {isInboxOpen && <InboxPanel store={store} />}
      <Palette store={store} />
      <WorkspaceDialogs store={store} />
      <Toaster theme={theme === 'system' ? 'system' : theme} position="bottom-right" richColors closeButton />
    </>
  );
}
