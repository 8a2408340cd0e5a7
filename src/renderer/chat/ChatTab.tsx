// BooChat: one chat's transcript and its composer.
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { Message, Part } from '../../shared/chats.ts';
import { useWindow, type AppStore } from '../state/store.ts';
import { AgentTerminalCard } from '../terminal/TerminalTab.tsx';

export function ChatTab({ store, chatId, isVisible }: { store: AppStore; chatId: string; isVisible: boolean }) {
  const transcript = useWindow(store, (state) => state.client.transcripts[chatId]);
  const chat = useWindow(store, (state) => state.client.chats[chatId]);
  const activity = useWindow(store, (state) => state.client.activity[chatId]);
  const list = useRef<HTMLDivElement>(null);

  useEffect(() => {
    void store.loadChat(chatId);
    return () => store.releaseChat(chatId);
  }, [store, chatId]);
  useEffect(() => {
    if (transcript?.isStale) void store.refreshChat(chatId);
  }, [store, chatId, transcript?.isStale]);
  useEffect(() => {
    const element = list.current;
    if (element && isVisible) element.scrollTop = element.scrollHeight;
  }, [transcript, isVisible]);

  if (!chat) return <div className="empty-state">This chat no longer exists.</div>;
  const messages = transcript ? transcript.order.map((id) => transcript.messages[id]).filter((message): message is Message => message !== undefined) : [];
  const running = activity?.running;
  const lastEnded = activity?.lastEnded;
  return (
    <div className="chat">
      <div ref={list} className="transcript" role="log" aria-label={`Transcript of ${chat.title}`}>
        {!transcript && <p className="muted">Loading…</p>}
        {transcript && messages.length === 0 && <p className="empty-state">Say what you want {chat.agentId} to do.</p>}
        {messages.map((message) => (
          <MessageView key={message.id} message={message} store={store} />
        ))}
        {running && <p className="turn-state running">{running.agentId} is working…</p>}
        {!running && lastEnded && lastEnded.state !== 'completed' && (
          <div className={`turn-state ${lastEnded.state}`}>
            {lastEnded.state === 'failed' && <span>The turn failed: {lastEnded.error?.message ?? 'unknown reason'}</span>}
            {lastEnded.state === 'interrupted' && <span>Interrupted when BooCode stopped.</span>}
            {lastEnded.state === 'cancelled' && <span>Cancelled.</span>}
            {(lastEnded.state === 'failed' || lastEnded.state === 'interrupted') && (
              <button type="button" onClick={() => void store.call('chats.retry', { turnId: lastEnded.id }).then((result) => !result.ok && store.reportError('Could not retry', result.error))}>
                Retry
              </button>
            )}
          </div>
        )}
      </div>
      <Composer store={store} chatId={chatId} isRunning={running !== null && running !== undefined} />
    </div>
  );
}

function MessageView({ message, store }: { message: Message; store: AppStore }) {
  return (
    <article className={`message ${message.role}`} aria-label={message.role === 'user' ? 'You' : (message.agentId ?? 'Agent')}>
      {message.parts.map((part) => (
        <PartView key={part.id} part={part} store={store} />
      ))}
    </article>
  );
}

function PartView({ part, store }: { part: Part; store: AppStore }) {
  switch (part.kind) {
    case 'text':
      return <div className="part-text">{part.text}</div>;
    case 'reasoning':
      return (
        <details className="part-reasoning">
          <summary>Reasoning</summary>
          <div>{part.text}</div>
        </details>
      );
    case 'tool-call':
      return (
        <div className="part-tool">
          {part.call.title} <span className="muted">[{part.call.status}]</span>
          {part.call.content.map((content) => (content.type === 'terminal' ? <AgentTerminalCard key={content.terminalId} store={store} terminalId={content.terminalId} /> : null))}
        </div>
      );
    case 'plan':
      return (
        <ul className="part-plan">
          {part.entries.map((entry, index) => (
            <li key={index}>{entry.content}</li>
          ))}
        </ul>
      );
    case 'notice':
      return <div className={`part-notice ${part.level}`}>{part.message}</div>;
    default:
      return null;
  }
}

function Composer({ store, chatId, isRunning }: { store: AppStore; chatId: string; isRunning: boolean }) {
  const [text, setText] = useState('');
  async function send(event?: FormEvent): Promise<void> {
    event?.preventDefault();
    if (text.trim() === '') {
      if (isRunning) {
        const cancelled = await store.call('chats.cancel', { chatId });
        if (!cancelled.ok) store.reportError('Could not stop the turn', cancelled.error);
      }
      return;
    }
    const sent = await store.call('chats.send', { chatId, text });
    if (!sent.ok) return store.reportError('Could not send', sent.error);
    setText('');
  }
  function onKeyDown(event: KeyboardEvent): void {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      void send();
    }
  }
  const label = text.trim() !== '' ? (isRunning ? 'Queue' : 'Send') : isRunning ? 'Stop' : 'Send';
  return (
    <form className="composer" onSubmit={(event) => void send(event)}>
      <textarea aria-label="Message" rows={3} value={text} onChange={(event) => setText(event.target.value)} onKeyDown={onKeyDown} placeholder="Ask the agent…" />
      <button type="submit" className="primary" disabled={label === 'Send' && text.trim() === ''}>
        {label}
      </button>
    </form>
  );
}
