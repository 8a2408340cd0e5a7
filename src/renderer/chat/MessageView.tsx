// One message: yours, or an agent's with its name, as parts in order — text as markdown,
// reasoning folded away, tool calls as cards, plans as checklists, notices where they happened.
import { Bot, Brain, CircleCheck, Circle, CircleDot, User } from 'lucide-react';
import { memo } from 'react';
import type { Message, Part } from '../../shared/chats.ts';
import { useWindow, type AppStore } from '../state/store.ts';
import { Markdown } from './markdown/Markdown.tsx';
import { ToolCard } from './ToolCard.tsx';

export const MessageView = memo(function MessageView({ store, message, isStreaming, isFocused = false }: { store: AppStore; message: Message; isStreaming: boolean; isFocused?: boolean }) {
  const agentName = useWindow(store, (state) => (message.agentId ? (state.agents?.list.find((agent) => agent.id === message.agentId)?.name ?? message.agentId) : null));
  const isUser = message.role === 'user';
  const lastTextIndex = message.parts.findLastIndex((part) => part.kind === 'text');
  return (
    <article className={`message ${message.role}`} aria-label={isUser ? 'You' : `${agentName ?? 'Agent'}`} data-turn-id={message.turnId ?? undefined} aria-current={isFocused ? 'true' : undefined}>
      <div className="message-author">
        {isUser ? <User size={13} aria-hidden="true" /> : <Bot size={13} aria-hidden="true" />}
        <span>{isUser ? 'You' : agentName}</span>
      </div>
      <div className="message-body">
        {message.parts.map((part, index) => (
          <PartView key={part.id} store={store} chatId={message.chatId} part={part} turnId={message.turnId} isStreaming={isStreaming && index === lastTextIndex} isTurnOver={!isStreaming} />
        ))}
        {isUser && message.parts.length === 0 && <span className="muted">(empty)</span>}
      </div>
    </article>
  );
});

function PartView({ store, chatId, turnId, part, isStreaming, isTurnOver }: { store: AppStore; chatId: string; turnId: string | null; part: Part; isStreaming: boolean; isTurnOver: boolean }) {
  switch (part.kind) {
    case 'text':
      return <Markdown text={part.text} isStreaming={isStreaming} />;
    case 'reasoning':
      return (
        <details className="reasoning">
          <summary>
            <Brain size={13} aria-hidden="true" /> Reasoning
          </summary>
          <Markdown text={part.text} />
        </details>
      );
    case 'tool-call':
      return <ToolCard store={store} chatId={chatId} turnId={turnId} call={part.call} isTurnOver={isTurnOver} />;
    case 'plan':
      return (
        <ul className="plan" aria-label="Plan">
          {part.entries.map((entry, index) => (
            <li key={index} className={`plan-entry ${entry.status}`}>
              {entry.status === 'completed' ? <CircleCheck size={14} aria-label="done" /> : entry.status === 'in_progress' ? <CircleDot size={14} aria-label="in progress" /> : <Circle size={14} aria-label="to do" />}
              <span>{entry.content}</span>
            </li>
          ))}
        </ul>
      );
    case 'notice':
      return (
        <div className={`notice ${part.level}`} role={part.level === 'error' ? 'alert' : undefined}>
          {part.message}
        </div>
      );
    default:
      return null;
  }
}
