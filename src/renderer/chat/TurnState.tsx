// How the chat's latest turn stands, said plainly: working (with the time it has taken), failed
// with its typed reason and what to do, interrupted when BooCode stopped, cancelled — with Retry,
// and Reset for an agent switched off after crashing again and again.
import { AlertTriangle, Loader, OctagonX, RotateCw, Square } from 'lucide-react';
import { useEffect, useState } from 'react';
import type { Turn } from '../../shared/chats.ts';
import { useWindow, type AppStore } from '../state/store.ts';

export function TurnState({ store, chatId }: { store: AppStore; chatId: string }) {
  const running = useWindow(store, (state) => state.client.activity[chatId]?.running ?? null);
  const last = useWindow(store, (state) => state.client.activity[chatId]?.lastEnded ?? null);
  const isAgentFailed = useWindow(store, (state) => Object.values(state.client.processes).some((process) => process.chatId === chatId && process.state === 'failed'));
  if (running) return <Working store={store} turn={running} />;
  if (!last && !isAgentFailed) return <div className="turn-state-spacer" />;
  return (
    <div className="turn-state-row">
      {last && last.state !== 'completed' && <Ended store={store} turn={last} />}
      {isAgentFailed && last && (
        <div className="turn-state failed" role="alert">
          <OctagonX size={15} aria-hidden="true" />
          <span>{agentName(store, last.agentId)} crashed too often and was switched off.</span>
          <button
            type="button"
            onClick={async () => {
              const reset = await store.call('agents.reset', { chatId, agentId: last.agentId });
              if (!reset.ok) store.reportError('Could not reset the agent', reset.error);
            }}
          >
            Reset {agentName(store, last.agentId)}
          </button>
        </div>
      )}
    </div>
  );
}

function Working({ store, turn }: { store: AppStore; turn: Turn }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const seconds = turn.startedAt ? Math.max(0, Math.round((now - Date.parse(turn.startedAt)) / 1000)) : 0;
  return (
    <div className="turn-state running" role="status">
      <Loader size={14} className="spin" aria-hidden="true" />
      <span>
        {agentName(store, turn.agentId)} is working · {seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${seconds % 60}s`}
      </span>
    </div>
  );
}

function Ended({ store, turn }: { store: AppStore; turn: Turn }) {
  const retry = async () => {
    const retried = await store.call('chats.retry', { turnId: turn.id });
    if (!retried.ok) store.reportError('Could not retry the turn', retried.error);
  };
  const name = agentName(store, turn.agentId);
  switch (turn.state) {
    case 'cancelled':
      return (
        <div className="turn-state cancelled" role="status">
          <Square size={13} aria-hidden="true" /> Stopped. {name} was told to stop, and the work so far is kept.
        </div>
      );
    case 'interrupted':
      return (
        <div className="turn-state interrupted" role="alert">
          <AlertTriangle size={14} aria-hidden="true" />
          <span>Interrupted when BooCode stopped. The output so far is kept.</span>
          <button type="button" onClick={() => void retry()}>
            <RotateCw size={13} aria-hidden="true" /> Retry
          </button>
        </div>
      );
    case 'failed':
      return (
        <div className="turn-state failed" role="alert">
          <OctagonX size={15} aria-hidden="true" />
          <div className="turn-failure">
            <span>{failureTitle(turn, name)}</span>
            {failureDetail(turn) && (
              <details>
                <summary>Details</summary>
                <pre>{failureDetail(turn)}</pre>
              </details>
            )}
          </div>
          <button type="button" onClick={() => void retry()}>
            <RotateCw size={13} aria-hidden="true" /> Retry
          </button>
        </div>
      );
    default:
      return null;
  }
}

function failureTitle(turn: Turn, name: string): string {
  const message = turn.error?.message ?? '';
  const firstLine = message.split('\n')[0] ?? '';
  switch (turn.error?.kind) {
    case 'agent-crashed':
      return `${name} crashed: ${firstLine}`;
    case 'handshake-timeout':
      return `${name} did not start in time: ${firstLine}`;
    case 'agent-not-installed':
      return `${name} is not installed. ${firstLine}`;
    case 'agent-failed':
      return `${name} is switched off after crashing repeatedly.`;
    case 'agent-error':
      return `${name} answered with an error: ${firstLine}`;
    default:
      return `The turn failed: ${firstLine || 'no reason given'}`;
  }
}

function failureDetail(turn: Turn): string | null {
  const lines = (turn.error?.message ?? '').split('\n');
  return lines.length > 1 ? lines.slice(1).join('\n').trim() || null : null;
}

function agentName(store: AppStore, agentId: string): string {
  return store.state.getState().agents?.list.find((agent) => agent.id === agentId)?.name ?? agentId;
}
