import type { Store } from '../state/store.ts';
import { useStore } from '../state/store.ts';

const labels = { connecting: 'Connecting…', connected: 'Connected', reconnecting: 'Reconnecting…' } as const;

export function StatusBar({ store }: { store: Store }) {
  const connection = useStore(store, (state) => state.connection);
  const count = useStore(store, (state) => state.app.projects.length);
  const transport = store.connection.transport === 'desktop' ? 'Desktop' : 'Browser';
  return (
    <footer className="status-bar">
      <span className={`status-dot ${connection}`} aria-hidden="true" />
      <span data-testid="connection-status">{labels[connection]}</span>
      <span className="status-sep">·</span>
      <span>{transport}</span>
      <span className="status-spacer" />
      <span>
        {count} {count === 1 ? 'project' : 'projects'}
      </span>
    </footer>
  );
}
