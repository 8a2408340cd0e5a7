// An agent asking permission: a card above the composer with the agent's own options and an
// optional message back, so it is never scrolled out of sight; keys 1–4 pick an option once the
// card has focus. The tool call it is about says so in the transcript.
import { ShieldQuestion } from 'lucide-react';
import { useState, type KeyboardEvent } from 'react';
import type { PermissionRequest } from '../../shared/agents.ts';
import { useWindowShallow, type AppStore } from '../state/store.ts';

export function PermissionPanel({ store, chatId }: { store: AppStore; chatId: string }) {
  const requests = useWindowShallow(store, (state) => Object.values(state.client.permissions).filter((request) => request.chatId === chatId).sort((a, b) => a.requestedAt.localeCompare(b.requestedAt)));
  if (requests.length === 0) return null;
  return (
    <div className="permissions">
      {requests.map((request) => (
        <PermissionCard key={request.id} store={store} request={request} />
      ))}
    </div>
  );
}

function PermissionCard({ store, request }: { store: AppStore; request: PermissionRequest }) {
  const [message, setMessage] = useState('');
  const [isBusy, setBusy] = useState(false);
  async function answer(optionId: string | undefined): Promise<void> {
    setBusy(true);
    const answered = await store.call('permissions.answer', { requestId: request.id, optionId, message: message.trim() || undefined });
    setBusy(false);
    if (!answered.ok) store.reportError('Could not answer the agent', answered.error);
  }
  function onKeyDown(event: KeyboardEvent): void {
    if ((event.target as HTMLElement).tagName === 'INPUT') return;
    const option = request.options[Number(event.key) - 1];
    if (option) {
      event.preventDefault();
      void answer(option.optionId);
    }
  }
  const files = request.toolCall?.locations.map((location) => location.path) ?? [];
  return (
    <section className="permission-card" aria-label={`Permission request: ${request.title}`} tabIndex={-1} onKeyDown={onKeyDown}>
      <header>
        <ShieldQuestion size={16} aria-hidden="true" />
        <span>
          <strong>{request.agentId}</strong> asks: {request.title}
        </span>
      </header>
      {files.length > 0 && <p className="permission-files">{files.join(', ')}</p>}
      <input type="text" aria-label="Message to the agent (optional)" placeholder="Tell the agent why, or what to do instead (optional)" value={message} onChange={(event) => setMessage(event.target.value)} />
      <div className="permission-options">
        {request.options.map((option, index) => (
          <button key={option.optionId} type="button" className={option.kind.startsWith('allow') ? 'primary' : 'secondary'} disabled={isBusy} onClick={() => void answer(option.optionId)} aria-keyshortcuts={String(index + 1)}>
            <kbd>{index + 1}</kbd> {option.name}
          </button>
        ))}
        <button type="button" className="link-button" disabled={isBusy} onClick={() => void answer(undefined)}>
          Dismiss
        </button>
      </div>
    </section>
  );
}
