// BooChat: one chat — its header (agent, what the next turn does, mode, model, usage), the
// transcript, permission requests that need an answer, prompts waiting in the queue, and the
// composer.
import { useCallback, useEffect, useRef } from 'react';
import { useWindow, type AppStore } from '../state/store.ts';
import { ChatHeader } from './ChatHeader.tsx';
import { Composer, type ComposerHandle } from './Composer.tsx';
import { PermissionPanel } from './PermissionPanel.tsx';
import { QueueChips } from './QueueChips.tsx';
import { Transcript } from './Transcript.tsx';
import './chat.css';

export function ChatTab({ store, sessionId, chatId, tabId }: { store: AppStore; sessionId: string; chatId: string; tabId: string }) {
  const chat = useWindow(store, (state) => state.client.chats[chatId]);
  const hasMeta = useWindow(store, (state) => state.client.chatMeta[chatId] !== undefined);
  const isStale = useWindow(store, (state) => state.client.transcripts[chatId]?.isStale ?? false);
  const isRunning = useWindow(store, (state) => Boolean(state.client.activity[chatId]?.running));
  const current = useWindow(store, (state) => state.client.chatMeta[chatId]?.agents.find((agent) => agent.agentId === state.client.chats[chatId]?.agentId));
  const agentName = useWindow(store, (state) => state.agents?.list.find((agent) => agent.id === state.client.chats[chatId]?.agentId)?.name ?? state.client.chats[chatId]?.agentId ?? 'the agent');
  const enterToSend = useWindow(store, (state) => state.client.settings?.enterToSend ?? true);
  const anchor = useWindow(store, (state) => state.client.layouts[sessionId]?.layout.perTab[tabId]?.scrollAnchor);
  const composer = useRef<ComposerHandle>(null);

  useEffect(() => {
    void store.loadChat(chatId);
    return () => store.releaseChat(chatId);
  }, [store, chatId]);
  useEffect(() => {
    if (isStale) void store.refreshChat(chatId);
  }, [store, chatId, isStale]);
  const onAnchor = useCallback(
    (scrollAnchor: { itemId: string; offset: number } | null) => store.changeLayout(sessionId, { type: 'remember', tabId, memory: { scrollAnchor } }),
    [store, sessionId, tabId],
  );

  if (!chat) return <div className="empty-state">This chat no longer exists.</div>;
  return (
    <div className="chat">
      <ChatHeader store={store} chatId={chatId} />
      <Transcript store={store} chatId={chatId} anchor={anchor} onAnchor={onAnchor} />
      <PermissionPanel store={store} chatId={chatId} />
      <QueueChips store={store} chatId={chatId} onEdit={(text) => composer.current?.setText(text)} />
      {hasMeta ? (
        <Composer
          key={chatId}
          ref={composer}
          store={store}
          chatId={chatId}
          sessionId={sessionId}
          isRunning={isRunning}
          initialDraft={store.state.getState().client.chatMeta[chatId]?.draft ?? ''}
          commands={current?.commands ?? []}
          canTakeImages={current?.canTakeImages ?? false}
          agentName={agentName}
          enterToSend={enterToSend}
        />
      ) : (
        <div className="composer muted pad">Opening the chat…</div>
      )}
    </div>
  );
}
