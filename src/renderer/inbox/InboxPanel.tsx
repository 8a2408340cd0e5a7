// The "Needs you" panel: every permission request, failed or interrupted turn and unread
// finished turn across projects and sessions. A request is answered right here; a turn opens
// its chat at that turn; "Mark as read" clears one without opening it.
import { AlertTriangle, CheckCircle2, Hand, X } from 'lucide-react';
import { useWindow, type AppStore } from '../state/store.ts';
import { describePlace, inboxOf, type InboxEntry } from './inboxModel.ts';
import { PermissionPrompt } from './PermissionPrompt.tsx';
import './inbox.css';

export function InboxPanel({ store }: { store: AppStore }) {
  const entries = useWindow(store, inboxOf);
  const turnEntries = entries.filter((entry) => entry.kind !== 'permission');
  return (
    <aside className="inbox" aria-label="Needs you">
      <header className="inbox-header">
        <h2 className="inbox-title">
          Needs you <span className="inbox-count">{entries.length}</span>
        </h2>
        <span className="spacer" />
        {turnEntries.length > 0 && (
          <button type="button" className="inbox-clear" onClick={() => void markAllRead(store, turnEntries)}>
            Mark all as read
          </button>
        )}
        <button type="button" className="icon-button" aria-label="Close Needs you" title="Close" onClick={() => store.setInboxOpen(false)}>
          <X size={15} aria-hidden="true" />
        </button>
      </header>
      {entries.length === 0 ? (
        <p className="inbox-empty">Nothing needs you. Permission requests, failed turns and turns that finish while you look elsewhere show up here, from every session.</p>
      ) : (
        <ul className="inbox-list" aria-label="What needs you">
          {entries.map((entry) => (
            <InboxItem key={entry.key} store={store} entry={entry} />
          ))}
        </ul>
      )}
    </aside>
  );
}

function InboxItem({ store, entry }: { store: AppStore; entry: InboxEntry }) {
  const place = describePlace(entry);
  const when = new Date(entry.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (entry.kind === 'permission') {
    return (
      <li className="inbox-item permission">
        <button type="button" className="inbox-open" onClick={() => void store.openChat(entry.chat.id)}>
          <Hand size={14} aria-hidden="true" className="inbox-icon" />
          <span className="inbox-what">{entry.request.title}</span>
          <span className="inbox-where">
            {place} · {when}
          </span>
        </button>
        <PermissionPrompt store={store} request={entry.request} showTitle={false} />
      </li>
    );
  }
  const { turn } = entry;
  const isFailure = entry.kind === 'failed';
  const what = isFailure ? (turn.state === 'interrupted' ? 'Interrupted' : 'Failed') : 'Finished';
  return (
    <li className={`inbox-item ${entry.kind}`}>
      <button type="button" className="inbox-open" onClick={() => void store.openChat(entry.chat.id, turn.id)}>
        {isFailure ? <AlertTriangle size={14} aria-hidden="true" className="inbox-icon" /> : <CheckCircle2 size={14} aria-hidden="true" className="inbox-icon" />}
        <span className="inbox-what">
          {what}: {entry.chat.title}
        </span>
        <span className="inbox-where">
          {[entry.session.name, entry.project?.name].filter(Boolean).join(' · ')} · {when}
        </span>
        {isFailure && turn.error?.message && <span className="inbox-detail">{turn.error.message}</span>}
        {!isFailure && <span className="inbox-detail">{firstLine(turn.prompt)}</span>}
      </button>
      <button type="button" className="inbox-dismiss" aria-label={`Mark ${entry.chat.title} as read`} title="Mark as read" onClick={() => void markRead(store, entry.chat.id, turn.id)}>
        <X size={13} aria-hidden="true" />
      </button>
    </li>
  );
}

async function markRead(store: AppStore, chatId: string, turnId: string): Promise<void> {
  const marked = await store.call('chats.markSeen', { chatId, turnId });
  if (!marked.ok) store.reportError('Could not mark the chat as read', marked.error);
}

async function markAllRead(store: AppStore, entries: readonly InboxEntry[]): Promise<void> {
  await Promise.all(entries.map((entry) => (entry.kind === 'permission' ? undefined : markRead(store, entry.chat.id, entry.turn.id))));
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}
