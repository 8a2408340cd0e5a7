// BooCode's changes tab: the session's pending change set, file by file, with who made it.
import { useEffect, useState } from 'react';
import type { ChangeSet } from '../../shared/changes.ts';
import type { BooError } from '../../shared/contract.ts';
import { useWindow, type AppStore } from '../state/store.ts';

export function ChangesTab({ store, sessionId, isVisible }: { store: AppStore; sessionId: string; isVisible: boolean }) {
  const computedAt = useWindow(store, (state) => state.client.changes[sessionId]?.computedAt);
  const workspace = useWindow(store, (state) => state.client.workspaces[sessionId]);
  const [changes, setChanges] = useState<ChangeSet | undefined>();
  const [error, setError] = useState<BooError | undefined>();

  useEffect(() => {
    if (!isVisible) return;
    let isCurrent = true;
    void store.call('changes.get', { sessionId }).then((result) => {
      if (!isCurrent) return;
      if (result.ok) {
        setChanges(result.value);
        setError(undefined);
      } else {
        setError(result.error);
      }
    });
    return () => {
      isCurrent = false;
    };
  }, [store, sessionId, computedAt, isVisible]);

  if (workspace && workspace.kind !== 'worktree') return <div className="empty-state">This session works directly in {workspace.path}: its changes are already in the project, so there is nothing to review here.</div>;
  if (error) return <div className="empty-state error">Could not read the changes: {error.message}</div>;
  if (!changes) return <div className="muted pad">Reading the changes…</div>;
  if (changes.files.length === 0) return <div className="empty-state">No pending changes. What the agents change in this session's worktree shows up here, ready to apply to your project.</div>;
  return (
    <div className="changes">
      <p className="changes-summary">
        {changes.summary.files} {changes.summary.files === 1 ? 'file' : 'files'}, +{changes.summary.additions} −{changes.summary.deletions}
      </p>
      <ul className="changes-files" aria-label="Changed files">
        {changes.files.map((file) => (
          <li key={file.path}>
            <span className={`file-kind ${file.kind}`}>{file.kind}</span> <span className="file-path">{file.oldPath && file.oldPath !== file.path ? `${file.oldPath} → ${file.path}` : file.path}</span>{' '}
            <span className="muted">
              +{file.additions} −{file.deletions}
              {file.attribution ? ` · ${file.attribution.agentId}` : ''}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
