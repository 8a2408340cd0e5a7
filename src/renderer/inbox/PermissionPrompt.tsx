// An agent's permission request with its own options (allow once, always allow, reject…),
// answerable wherever it shows: in its chat and in the "Needs you" panel.
import { useState } from 'react';
import type { PermissionRequest } from '../../shared/agents.ts';
import type { AppStore } from '../state/store.ts';
import './permission.css';

export function PermissionPrompt({ store, request, showTitle = true }: { store: AppStore; request: PermissionRequest; showTitle?: boolean }) {
  const [isAnswering, setAnswering] = useState(false);
  async function answer(optionId: string | undefined): Promise<void> {
    setAnswering(true);
    const answered = await store.call('permissions.answer', { requestId: request.id, ...(optionId ? { optionId } : {}) });
    setAnswering(false);
    if (!answered.ok) store.reportError('Could not answer the agent', answered.error);
    else if (!answered.value.answered) store.notify('info', 'That request was already answered', 'The agent moved on (answered elsewhere, or its turn ended).');
  }
  return (
    <div className="permission-prompt" role="group" aria-label={`Permission request: ${request.title}`}>
      {showTitle && (
        <p className="permission-title">
          <strong>{request.agentId}</strong> asks to: {request.title}
        </p>
      )}
      <div className="permission-options">
        {request.options.map((option) => (
          <button
            key={option.optionId}
            type="button"
            className={option.kind.startsWith('allow') ? (option.kind === 'allow_once' ? 'primary' : '') : 'reject'}
            disabled={isAnswering}
            onClick={() => void answer(option.optionId)}
          >
            {option.name}
          </button>
        ))}
        <button type="button" className="quiet" disabled={isAnswering} title="Dismiss: the agent is told no answer came" onClick={() => void answer(undefined)}>
          Dismiss
        </button>
      </div>
    </div>
  );
}
