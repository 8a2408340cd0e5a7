import { useEffect, useRef, useState, type DragEvent } from 'react';
import type { Store } from '../state/store.ts';
import { useStore } from '../state/store.ts';
import { findProject } from '../state/appState.ts';
import { OpenProjectPanel } from './OpenProjectPanel.tsx';
import { ProjectWorkspace } from './ProjectWorkspace.tsx';
import { Sidebar } from './Sidebar.tsx';
import { StatusBar } from './StatusBar.tsx';
import { Toasts } from './Toasts.tsx';

export function App({ store }: { store: Store }) {
  const selected = useStore(store, (state) => findProject(state.app, state.selectedProjectId));
  const isLoaded = useStore(store, (state) => state.app.isLoaded);
  const [isDragging, setDragging] = useState(false);
  const pathInput = useRef<HTMLInputElement>(null);
  const desktop = store.connection.api.desktop;

  useEffect(() => desktop?.onMenuOpenFolder(() => void store.pickFolder()), [desktop, store]);

  function onDrop(event: DragEvent): void {
    event.preventDefault();
    setDragging(false);
    const files = Array.from(event.dataTransfer.files);
    const paths = desktop ? files.map((file) => desktop.pathForFile(file)).filter((path) => path !== '') : [];
    if (paths.length === 0) {
      store.notify({
        tone: 'info',
        title: 'Type the folder path instead',
        detail: 'Browsers do not reveal where a dropped folder lives. Paste its path into the field.',
      });
      store.selectProject(undefined);
      requestAnimationFrame(() => pathInput.current?.focus());
      return;
    }
    for (const path of paths) void store.openProject(path);
  }

  return (
    <div
      className="app"
      onDragOver={(event) => {
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
        ) : selected ? (
          <ProjectWorkspace project={selected} />
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
      <Toasts store={store} />
    </div>
  );
}
