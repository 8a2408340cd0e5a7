// The inbox's entry point in the sidebar: how many things need the user, across every session.
import { Bell } from 'lucide-react';
import { useWindow, type AppStore } from '../state/store.ts';
import { describeKeys } from '../workspace/commands.ts';
import { keysOf } from '../../shared/keymap.ts';
import { inboxOf } from './inboxModel.ts';
import './inbox.css';

export function NeedsYouButton({ store }: { store: AppStore }) {
  const count = useWindow(store, (state) => inboxOf(state).length);
  const isOpen = useWindow(store, (state) => state.isInboxOpen);
  const keys = keysOf('inbox.toggle')[0];
  return (
    <button
      type="button"
      className={`needs-you-button${count > 0 ? ' has-entries' : ''}`}
      aria-expanded={isOpen}
      aria-label={`Needs you: ${count}`}
      title={`What needs you${keys ? ` (${describeKeys(keys)})` : ''}`}
      onClick={() => store.setInboxOpen(!isOpen)}
    >
      <Bell size={14} aria-hidden="true" />
      <span>Needs you</span>
      <span className="spacer" />
      <span className="needs-you-count" aria-hidden="true">
        {count}
      </span>
    </button>
  );
}
