// Prompts waiting behind the running turn, as chips above the composer: run one next, take it
// back to edit, drop it, or clear them all.
import { ArrowUpToLine, Pencil, Trash2, X } from 'lucide-react';
import type { Turn } from '../../shared/chats.ts';
import { useWindow, type AppStore } from '../state/store.ts';

const emptyQueue: readonly Turn[] = [];

export function QueueChips({ store, chatId, onEdit }: { store: AppStore; chatId: string; onEdit: (text: string) => void }) {
  const queue = useWindow(store, (state) => state.client.queues[chatId] ?? emptyQueue);
  if (queue.length === 0) return null;
  const act = async (name: 'chats.queue.promote' | 'chats.queue.remove', turnId: string, failure: string) => {
    const result = await store.call(name, { turnId });
    if (!result.ok) store.reportError(failure, result.error);
  };
  return (
    <section className="queue" aria-label="Queued prompts">
      <div className="queue-head">
        <span>
          {queue.length} waiting {queue.length === 1 ? 'prompt' : 'prompts'}
        </span>
        <button
          type="button"
          className="link-button"
          onClick={async () => {
            const cleared = await store.call('chats.queue.clear', { chatId });
            if (!cleared.ok) store.reportError('Could not clear the queue', cleared.error);
          }}
        >
          <Trash2 size={12} aria-hidden="true" /> Clear queue
        </button>
      </div>
      <ol className="queue-list">
        {queue.map((turn, index) => (
          <li key={turn.id} className="queue-chip" aria-label={`Queued prompt ${index + 1}: ${turn.prompt}`}>
            <span className="queue-text">{turn.prompt}</span>
            {index > 0 && (
              <button type="button" className="icon-button" aria-label={`Run next: ${turn.prompt}`} title="Run next" onClick={() => void act('chats.queue.promote', turn.id, 'Could not move the prompt')}>
                <ArrowUpToLine size={13} aria-hidden="true" />
              </button>
            )}
            <button
              type="button"
              className="icon-button"
              aria-label={`Edit: ${turn.prompt}`}
              title="Take back to edit"
              onClick={async () => {
                const removed = await store.call('chats.queue.remove', { turnId: turn.id });
                if (!removed.ok) return store.reportError('Could not take the prompt back', removed.error);
                onEdit(turn.prompt);
              }}
            >
              <Pencil size={12} aria-hidden="true" />
            </button>
            <button type="button" className="icon-button" aria-label={`Remove: ${turn.prompt}`} title="Remove" onClick={() => void act('chats.queue.remove', turn.id, 'Could not remove the prompt')}>
              <X size={13} aria-hidden="true" />
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
