// The transcript: a virtual list, so only what is on screen is in the DOM however long the chat.
// It sticks to the end while the agent writes unless the user scrolled up (then a pill offers
// the way back), reads older pages as the user nears the top with the position kept, reads let-go
// newer pages on the way down, and remembers where it was for the tab.
import { useVirtualizer } from '@tanstack/react-virtual';
import { ArrowDown } from 'lucide-react';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Message } from '../../shared/chats.ts';
import { useWindow, type AppStore } from '../state/store.ts';
import { MessageView } from './MessageView.tsx';
import { TurnState } from './TurnState.tsx';

const nearEdgePx = 400;
const pinnedWithinPx = 80;
const anchorSaveMs = 500;

export function Transcript({
  store,
  chatId,
  anchor,
  onAnchor,
}: {
  store: AppStore;
  chatId: string;
  anchor: { itemId: string; offset: number } | null | undefined;
  onAnchor: (anchor: { itemId: string; offset: number } | null) => void;
}) {
  const transcript = useWindow(store, (state) => state.client.transcripts[chatId]);
  const chatTitle = useWindow(store, (state) => state.client.chats[chatId]?.title ?? 'chat');
  const runningTurnId = useWindow(store, (state) => state.client.activity[chatId]?.running?.id ?? null);
  const scroller = useRef<HTMLDivElement>(null);
  const [hasUnseen, setUnseen] = useState(false);
  const loading = useRef(false);
  const restored = useRef(false);
  const order = transcript?.order ?? [];
  const count = order.length;

  // Pinned: the user is reading the end. Known from their scrolling alone: asking the list where
  // it is would force a layout on every streamed delta.
  const isPinned = useRef(true);
  const lastScrollTop = useRef(0);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => 96,
    getItemKey: (index) => order[index] ?? index,
    // Older pages put before the rows keep the one being read where it is; a viewport at the end
    // stays there as the last message grows, and follows new ones.
    anchorTo: 'end',
    followOnAppend: true,
    scrollEndThreshold: pinnedWithinPx,
    overscan: 6,
  });

  // Opened at a turn (a changed file's turn, the inbox, a notification): its first message comes
  // into sight once, and is marked until the user sends again.
  const focusTurnId = useWindow(store, (state) => (state.focusTurn?.chatId === chatId ? state.focusTurn.turnId : undefined));
  const shownTurn = useRef<string | undefined>(undefined);
  const focusIndex = focusTurnId && transcript ? order.findIndex((id) => transcript.messages[id]?.turnId === focusTurnId) : -1;
  useEffect(() => {
    if (!focusTurnId || shownTurn.current === focusTurnId) return;
    if (focusIndex < 0) {
      // Not in the loaded window: read the history from that turn on.
      if (transcript && !loading.current) {
        loading.current = true;
        void store.loadAroundTurn(chatId, focusTurnId).finally(() => (loading.current = false));
      }
      return;
    }
    shownTurn.current = focusTurnId;
    restored.current = true;
    isPinned.current = false;
    virtualizer.scrollToIndex(focusIndex, { align: 'start' });
  }, [focusTurnId, focusIndex, transcript !== undefined]);
  useEffect(() => {
    if (!focusTurnId) shownTurn.current = undefined;
  }, [focusTurnId]);

  // The list got shorter (a permission card or the queue opened below it): keep the end in view.
  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const observer = new ResizeObserver(() => {
      if (isPinned.current && restored.current) virtualizer.scrollToEnd();
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [virtualizer]);

  // First show: where the tab was left, else the end.
  useLayoutEffect(() => {
    if (restored.current || !transcript || order.length === 0) return;
    restored.current = true;
    const index = anchor ? order.indexOf(anchor.itemId) : -1;
    if (index >= 0 && anchor) {
      isPinned.current = false;
      virtualizer.scrollToIndex(index, { align: 'start' });
      requestAnimationFrame(() => {
        if (scroller.current) scroller.current.scrollTop += anchor.offset;
      });
    } else {
      virtualizer.scrollToEnd();
    }
  }, [transcript, order, anchor, virtualizer]);

  // New text while the user reads older messages: a pill says so instead of moving them.
  const lastMessage = order.at(-1);
  const lastParts = lastMessage ? transcript?.messages[lastMessage]?.parts : undefined;
  useEffect(() => {
    if (restored.current && !isPinned.current) setUnseen(true);
  }, [lastMessage, lastParts]);

  const saveTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const onScroll = useCallback(() => {
    const element = scroller.current;
    if (!element || !transcript) return;
    const distance = element.scrollHeight - element.scrollTop - element.clientHeight;
    // Only the user scrolls up; growing content moves the end away without anyone scrolling.
    if (distance <= pinnedWithinPx && !transcript.hasNewer) isPinned.current = true;
    else if (element.scrollTop < lastScrollTop.current) isPinned.current = false;
    lastScrollTop.current = element.scrollTop;
    if (isPinned.current) setUnseen(false);
    if (!loading.current && element.scrollTop < nearEdgePx && transcript.hasOlder) {
      loading.current = true;
      void store.loadOlder(chatId).finally(() => (loading.current = false));
    } else if (!loading.current && transcript.hasNewer && element.scrollHeight - element.scrollTop - element.clientHeight < nearEdgePx) {
      loading.current = true;
      void store.loadNewer(chatId).finally(() => (loading.current = false));
    }
    if (saveTimer.current) clearTimeout(saveTimer.current);
    saveTimer.current = setTimeout(() => {
      if (isPinned.current && !transcript.hasNewer) return onAnchor(null);
      const first = virtualizer.getVirtualItems().find((item) => item.end > element.scrollTop);
      const itemId = first ? order[first.index] : undefined;
      if (first && itemId) onAnchor({ itemId, offset: Math.round(element.scrollTop - first.start) });
    }, anchorSaveMs);
  }, [chatId, onAnchor, order, store, transcript, virtualizer]);

  useEffect(() => () => clearTimeout(saveTimer.current), []);

  function toEnd(): void {
    setUnseen(false);
    isPinned.current = true;
    if (transcript?.hasNewer) void store.refreshChat(chatId).then(() => virtualizer.scrollToEnd());
    else virtualizer.scrollToEnd({ behavior: 'smooth' });
  }

  if (!transcript) return <div className="transcript muted pad">Loading…</div>;
  const items = virtualizer.getVirtualItems();
  return (
    <div className="transcript-frame">
      <div ref={scroller} className="transcript" role="log" aria-label={`Transcript of ${chatTitle}`} aria-live="off" onScroll={onScroll}>
        <div className="transcript-inner" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const id = order[item.index];
            const message: Message | undefined = id ? transcript.messages[id] : undefined;
            return (
              <div key={item.key} ref={virtualizer.measureElement} data-index={item.index} className="transcript-row" style={{ transform: `translateY(${item.start}px)` }}>
                {message && <MessageView store={store} message={message} isStreaming={message.turnId !== null && message.turnId === runningTurnId && message.role === 'assistant'} isFocused={focusTurnId !== undefined && message.turnId === focusTurnId} />}
              </div>
            );
          })}
        </div>
        {!transcript.hasNewer && (
          <div className="transcript-end">
            <TurnState store={store} chatId={chatId} />
          </div>
        )}
      </div>
      {hasUnseen && (
        <button type="button" className="new-messages" onClick={toEnd}>
          <ArrowDown size={14} aria-hidden="true" /> New messages
        </button>
      )}
    </div>
  );
}
