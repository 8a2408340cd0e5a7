// Whether the user can see this window (visible and focused), and the bookkeeping that follows
// from it: a chat on screen has its last ended turn marked seen, in the core, so every window
// and the OS badge agree and a reload does not bring it back.
import type { AppStore } from '../state/store.ts';
import { unseenTurn, visibleChats } from './inboxModel.ts';

export function isDocumentAttentive(): boolean {
  return document.visibilityState === 'visible' && document.hasFocus();
}

export function watchAttention(store: AppStore): () => void {
  const update = () => {
    const isAttentive = isDocumentAttentive();
    if (store.state.getState().isAttentive !== isAttentive) store.state.setState({ isAttentive });
  };
  window.addEventListener('focus', update);
  window.addEventListener('blur', update);
  document.addEventListener('visibilitychange', update);
  update();

  // Turns a markSeen is on its way for: one call per turn, however many frames show it.
  const marking = new Set<string>();
  const markVisible = () => {
    const state = store.state.getState();
    if (!state.client.isLoaded) return;
    for (const chatId of visibleChats(state)) {
      const turn = unseenTurn(state.client, chatId);
      if (!turn || marking.has(turn.id)) continue;
      marking.add(turn.id);
      void store.call('chats.markSeen', { chatId, turnId: turn.id }).then((marked) => {
        marking.delete(turn.id);
        // The chat record comes back as an event; a failure (the chat was archived meanwhile) only leaves it unread.
        if (!marked.ok && marked.error.kind !== 'not-found') store.reportError('Could not mark the chat as read', marked.error);
      });
    }
  };
  const unsubscribe = store.state.subscribe(markVisible);
  markVisible();
  return () => {
    unsubscribe();
    window.removeEventListener('focus', update);
    window.removeEventListener('blur', update);
    document.removeEventListener('visibilitychange', update);
  };
}
