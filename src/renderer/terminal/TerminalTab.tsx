// BooTerm in a tab: the terminal, and when its shell is not running, why (restored after a
// restart of BooCode, or exited with a code) with a one-click restart in the same folder. An
// agent's terminal shows read-only, with the command that runs in it.
import { useRef, useState, type RefObject } from 'react';
import { RotateCcw, SquareTerminal } from 'lucide-react';
import type { Terminal } from '../../shared/terminals.ts';
import { useWindow, type AppStore } from '../state/store.ts';
import { TerminalView } from './TerminalView.tsx';
import type { XtermView } from './xtermView.ts';

export function TerminalTab({ store, sessionId, terminalId, tabNumber, isVisible, isFocused }: { store: AppStore; sessionId: string; terminalId: string; tabNumber: number; isVisible: boolean; isFocused: boolean }) {
  const terminal = useWindow(store, (state) => state.client.terminals[terminalId]);
  const view = useRef<XtermView | undefined>(undefined);
  if (!terminal) {
    return (
      <div className="empty-state">
        <p>This terminal was closed.</p>
        <div className="empty-actions">
          <button type="button" className="primary" onClick={() => void store.createTerminal(sessionId)}>
            New terminal
          </button>
        </div>
      </div>
    );
  }
  return (
    <div className="terminal-tab">
      <TerminalStatus store={store} terminal={terminal} view={view} />
      <TerminalView store={store} terminalId={terminalId} isVisible={isVisible} isFocused={isFocused} isReadOnly={terminal.kind === 'agent'} label={`Terminal in tab ${tabNumber}`} viewRef={view} />
    </div>
  );
}

/** Says why a terminal takes no input, and offers what the user can do about it. */
function TerminalStatus({ store, terminal, view }: { store: AppStore; terminal: Terminal; view: RefObject<XtermView | undefined> }) {
  const [isRestarting, setRestarting] = useState(false);
  const agentName = useWindow(store, (state) => (terminal.chatId ? state.client.chats[terminal.chatId]?.agentId : undefined));
  if (terminal.kind === 'agent') {
    return (
      <div className="terminal-status" role="status">
        <SquareTerminal size={14} aria-hidden="true" />
        <span>
          Read-only: <code>{terminal.command}</code>, run by {agentName ?? 'an agent'}
          {terminal.state === 'running' ? '' : ` — ${describeEnd(terminal)}`}
        </span>
      </div>
    );
  }
  if (terminal.state === 'running') return null;
  async function restart(): Promise<void> {
    setRestarting(true);
    const size = view.current?.size() ?? { cols: 80, rows: 24 };
    const restarted = await store.call('terminals.restart', { terminalId: terminal.id, ...size });
    setRestarting(false);
    if (!restarted.ok) store.reportError('Could not restart the shell', restarted.error);
    else view.current?.focus();
  }
  return (
    <div className={`terminal-status ${terminal.state}`} role="status">
      <span>{terminal.state === 'restored' ? 'Restored — the shell ended when BooCode stopped' : `The shell ${describeEnd(terminal)}`}</span>
      <button type="button" className="primary" disabled={isRestarting} onClick={() => void restart()}>
        <RotateCcw size={13} aria-hidden="true" />
        {isRestarting ? 'Starting…' : 'Restart shell'}
      </button>
    </div>
  );
}

function describeEnd(terminal: Terminal): string {
  if (terminal.signal) return `was ended by ${terminal.signal}`;
  if (terminal.exitCode === null) return 'ended';
  return `exited with code ${terminal.exitCode}`;
}

/** An agent's command in the chat's tool card: its live output, read-only, and a way to open it in a tab. */
export function AgentTerminalCard({ store, terminalId }: { store: AppStore; terminalId: string }) {
  const terminal = useWindow(store, (state) => state.client.terminals[terminalId]);
  if (!terminal) return null;
  return (
    <div className="agent-terminal">
      <TerminalView store={store} terminalId={terminalId} isVisible isReadOnly fixedRows={10} label={`Output of ${terminal.command}`} />
      <div className="agent-terminal-actions">
        <span className="muted">{terminal.state === 'running' ? 'Running' : describeEnd(terminal)}</span>
        <button type="button" onClick={() => store.changeLayout(terminal.sessionId, { type: 'open', kind: 'terminal', targetId: terminal.id })}>
          Open in a tab
        </button>
      </div>
    </div>
  );
}
