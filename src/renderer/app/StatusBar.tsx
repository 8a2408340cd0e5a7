import { useWindow, type AppStore } from '../state/store.ts';

const labels = { connecting: 'Connecting…', connected: 'Connected', reconnecting: 'Reconnecting…' } as const;

export function StatusBar({ store }: { store: AppStore }) {
  const connection = useWindow(store, (state) => state.connection);
  const running = useWindow(store, (state) => Object.values(state.client.activity).filter((activity) => activity.running).length);
  const waiting = useWindow(store, (state) => Object.keys(state.client.permissions).length);
  const transport = store.connection.transport === 'desktop' ? 'Desktop' : 'Browser';
  return (
    <footer className="status-bar">
      <span className={`status-dot ${connection}`} aria-hidden="true" />
      <span role="status" aria-label="Connection">
        {labels[connection]}
      </span>
      <span className="status-sep">·</span>
      <span>{transport}</span>
      <span className="status-spacer" />
      {waiting > 0 && <span className="status-waiting">{waiting} waiting for you</span>}
      <span>
        {running} {running === 1 ? 'agent' : 'agents'} working
      </span>
    </footer>
  );
}
