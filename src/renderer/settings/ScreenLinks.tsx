// The sidebar's way to the agents and settings screens.
import { Bot, Settings } from 'lucide-react';
import { useWindow, type AppStore } from '../state/store.ts';
import './settings.css';

export function ScreenLinks({ store }: { store: AppStore }) {
  const screen = useWindow(store, (state) => state.screen);
  return (
    <div className="sidebar-footer">
      <button type="button" className="sidebar-link" aria-current={screen === 'agents' ? 'page' : undefined} onClick={() => store.showScreen('agents')}>
        <Bot size={14} aria-hidden="true" /> Agents
      </button>
      <button type="button" className="sidebar-link" aria-current={screen === 'settings' ? 'page' : undefined} onClick={() => store.showScreen('settings')}>
        <Settings size={14} aria-hidden="true" /> Settings
      </button>
    </div>
  );
}
