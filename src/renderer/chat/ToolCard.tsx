// A tool call as a card: what kind of work, on which files, how it went; an edit's line diff,
// a command's output in monospace (cut to a few lines until "show all"), and the permission
// it waits for or the answer it got.
import { BookOpen, FilePen, FolderInput, Globe, Search, SquareTerminal, Trash2, Wrench, Brain, ArrowRightLeft, Hourglass } from 'lucide-react';
import { useState, type ComponentType } from 'react';
import type { ToolCallSnapshot } from '../../shared/agents.ts';
import { answerKey } from '../state/clientState.ts';
import { useWindow, type AppStore } from '../state/store.ts';
import { collapsedOutputLines, toolCard, type ToolKind } from './toolCards.ts';
import { AgentTerminalCard } from '../terminal/TerminalTab.tsx';

const icons: Record<ToolKind, ComponentType<{ size?: number; 'aria-hidden'?: boolean }>> = {
  read: BookOpen,
  edit: FilePen,
  delete: Trash2,
  move: FolderInput,
  search: Search,
  execute: SquareTerminal,
  think: Brain,
  fetch: Globe,
  switch_mode: ArrowRightLeft,
  other: Wrench,
};

export function ToolCard({ store, chatId, turnId, call, isTurnOver }: { store: AppStore; chatId: string; turnId: string | null; call: ToolCallSnapshot; isTurnOver: boolean }) {
  const card = toolCard(call, { isTurnOver });
  const [isOutputOpen, setOutputOpen] = useState(false);
  const isWaiting = useWindow(store, (state) => Object.values(state.client.permissions).some((request) => request.chatId === chatId && request.toolCall?.id === call.id));
  const answered = useWindow(store, (state) => state.client.answered[answerKey(turnId, call.id)]);
  const Icon = icons[card.kind];
  const output = isOutputOpen ? card.output : card.output.split('\n').slice(0, collapsedOutputLines).join('\n');
  return (
    <section className={`tool-card ${card.status}`} aria-label={`${card.verb}: ${card.title}`}>
      <header className="tool-head">
        <Icon size={14} aria-hidden />
        <span className="tool-verb">{card.verb}</span>
        <span className="tool-title">{card.title}</span>
        <span className={`tool-status ${card.status}`} title={card.status === 'unfinished' ? 'The turn ended before the agent said how this call went' : undefined}>
          {isWaiting ? 'waiting for you' : card.statusLabel}
        </span>
      </header>
      {card.paths.length > 0 && (
        <ul className="tool-paths">
          {card.paths.map((path) => (
            <li key={path}>{path}</li>
          ))}
        </ul>
      )}
      {card.diffs.map((diff) => (
        <div key={diff.path} className="tool-diff" aria-label={`Changes to ${diff.path}`}>
          <div className="tool-diff-head">
            {diff.isNewFile ? 'new file' : 'edit'} · <span className="added">+{diff.added}</span> <span className="removed">−{diff.removed}</span>
          </div>
          <pre>
            {diff.lines.map((line, index) => (
              <div key={index} className={`diff-line ${line.kind}`}>
                {line.kind === 'added' ? '+ ' : line.kind === 'removed' ? '− ' : '  '}
                {line.text}
              </div>
            ))}
          </pre>
        </div>
      ))}
      {card.input && card.kind !== 'edit' && (
        <details className="tool-input">
          <summary>Input</summary>
          <pre>{card.input}</pre>
        </details>
      )}
      {card.terminalIds.map((terminalId) => (
        <AgentTerminalCard key={terminalId} store={store} terminalId={terminalId} />
      ))}
      {card.output !== '' && (
        <div className="tool-output">
          <pre>{output}</pre>
          {card.outputLineCount > collapsedOutputLines && (
            <button type="button" className="link-button" onClick={() => setOutputOpen(!isOutputOpen)}>
              {isOutputOpen ? 'Show less' : `Show all ${card.outputLineCount} lines`}
            </button>
          )}
        </div>
      )}
      {isWaiting && (
        <p className="tool-waiting">
          <Hourglass size={13} aria-hidden="true" /> The agent asks your permission for this — answer below the transcript.
        </p>
      )}
      {answered && (
        <p className={`tool-answered ${answered.isAllowed ? 'allowed' : 'refused'}`}>
          You answered “{answered.answer}” at {new Date(answered.at).toLocaleTimeString()}.
        </p>
      )}
    </section>
  );
}
