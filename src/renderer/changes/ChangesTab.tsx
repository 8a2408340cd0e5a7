// BooCode's changes tab: what the session's agents (and you) changed in its worktree that the
// project has not taken — file by file and hunk by hunk, each with who made it — to apply,
// reject (with a reason sent back to the agent), mark reviewed, and commit. It follows the
// change set live, keeping the selection and the scroll position, and records your own edits
// as they happen (a watch on the worktree while the tab is open) and when the window regains focus.
import { Archive, Check, GitCommitHorizontal, Undo2, X } from 'lucide-react';
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { ChangeSetView, ChangeTurn, Hunk, ReviewedFile } from '../../shared/changes.ts';
import type { BooError, Result } from '../../shared/contract.ts';
import { Dialog } from '../ui/Dialog.tsx';
import { useWindow, type AppStore } from '../state/store.ts';
import { DiffView } from './DiffView.tsx';
import { FileList } from './FileList.tsx';
import './changes.css';

type Filter = { readonly agentId: string; readonly turnId: string; readonly isUnreviewedOnly: boolean };
type Target = { readonly label: string; readonly hunkIds?: string[]; readonly files?: string[] };

export function ChangesTab({ store, sessionId, isVisible }: { store: AppStore; sessionId: string; isVisible: boolean }) {
  const computedAt = useWindow(store, (state) => state.client.changes[sessionId]?.computedAt);
  const workspace = useWindow(store, (state) => state.client.workspaces[sessionId]);
  const agents = useWindow(store, (state) => state.agents?.list);
  const [changes, setChanges] = useState<ChangeSetView | undefined>();
  const [error, setError] = useState<BooError | undefined>();
  const [selected, setSelected] = useState<string | undefined>();
  const [filter, setFilter] = useState<Filter>({ agentId: '', turnId: '', isUnreviewedOnly: false });
  const [mode, setMode] = useState<'unified' | 'split'>('unified');
  const [focusedHunk, setFocusedHunk] = useState(0);
  const [isBusy, setBusy] = useState(false);
  const [conflict, setConflict] = useState<string | undefined>();
  const [rejecting, setRejecting] = useState<Target | undefined>();
  const [isCommitting, setCommitting] = useState(false);
  const frame = useRef<HTMLDivElement>(null);
  /** What the list shows, for a reload to ask for the shown file's diff before the list is drawn. */
  const choice = useRef({ filter, selected });
  useEffect(() => {
    choice.current = { filter, selected };
  }, [filter, selected]);
  /** The shown file's diff, asked for as soon as its change set arrived: read while the list is drawn. */
  const early = useRef<{ changes: ChangeSetView; path: string; read: Promise<Result<ReviewedFile>> } | undefined>(undefined);

  const reload = useCallback(async () => {
    // The list without the hunks' lines: a big change set stays small; the shown file's diff is read apart.
    const read = await store.call('changes.get', { sessionId, lines: 'none' });
    if (read.ok) {
      const { filter: shownFilter, selected: shownPath } = choice.current;
      const shown = shownFile(read.value.files.filter((entry) => matches(entry, shownFilter)), shownPath);
      early.current = shown ? { changes: read.value, path: shown.path, read: store.call('changes.file', { sessionId, path: shown.path }) } : undefined;
      setChanges(read.value);
      setError(undefined);
    } else {
      setError(read.error);
    }
  }, [store, sessionId]);

  useEffect(() => {
    if (isVisible) void reload();
  }, [reload, computedAt, isVisible]);
  // A conflict is about the change set it was found in.
  useEffect(() => setConflict(undefined), [computedAt]);

  const agentName = useCallback((agentId: string) => (agentId === 'you' ? 'you' : (agents?.find((agent) => agent.id === agentId)?.name ?? agentId)), [agents]);
  const files = useMemo(() => (changes?.files ?? []).filter((file) => matches(file, filter)), [changes, filter]);
  const file = shownFile(files, selected);
  const contributors = useMemo(() => [...new Set((changes?.files ?? []).flatMap((entry) => [entry.attribution?.agentId, ...entry.hunks.map((hunk) => hunk.attribution?.agentId)]).filter((id): id is string => id !== undefined))], [changes]);

  useEffect(() => setFocusedHunk(0), [file?.path]);

  // The shown file's diff, read again with each change set; the last one stays up meanwhile.
  const [detail, setDetail] = useState<ReviewedFile | undefined>();
  /** The first diff was answered (shown, or failed): the tab is on screen. */
  const [isDiffAnswered, setDiffAnswered] = useState(false);
  const filePath = file?.path;
  useEffect(() => {
    if (filePath === undefined || !changes) return;
    let isCurrent = true;
    const asked = early.current?.changes === changes && early.current.path === filePath ? early.current.read : store.call('changes.file', { sessionId, path: filePath });
    void asked.then((read) => {
      if (!isCurrent) return;
      if (read.ok) setDetail(read.value);
      setDiffAnswered(true);
    });
    return () => {
      isCurrent = false;
    };
  }, [store, sessionId, filePath, changes]);
  const shownDiff = detail?.path === filePath ? detail : undefined;

  // While the tab is on screen the core watches the worktree (a lease renewed here), and coming
  // back to the window records what was edited meanwhile: edits outside turns show as yours.
  // Started once the change set as recorded is on screen, its first diff included: recording
  // the worktree takes a moment on a big repository (git runs over every file), and the user
  // reads meanwhile instead of waiting for it.
  const isWorktree = workspace?.kind === 'worktree';
  const hasLoaded = changes !== undefined && (filePath === undefined || isDiffAnswered);
  useEffect(() => {
    if (!isVisible || !isWorktree || !hasLoaded) return;
    let renewal: ReturnType<typeof setTimeout> | undefined;
    let isGone = false;
    const renew = async (): Promise<void> => {
      const watched = await store.call('changes.watch', { sessionId });
      if (!isGone && watched.ok) renewal = setTimeout(() => void renew(), watched.value.leaseMs / 2);
    };
    const refresh = (): void => void store.call('changes.refresh', { sessionId });
    refresh();
    void renew();
    window.addEventListener('focus', refresh);
    return () => {
      isGone = true;
      if (renewal) clearTimeout(renewal);
      window.removeEventListener('focus', refresh);
    };
  }, [store, sessionId, isVisible, isWorktree, hasLoaded]);

  async function act(kind: 'apply' | 'reject', target: Target, reason?: string): Promise<void> {
    setBusy(true);
    setConflict(undefined);
    const selection = { hunkIds: target.hunkIds, files: target.files };
    const result = kind === 'apply' ? await store.call('changes.apply', { sessionId, selection }) : await store.call('changes.reject', { sessionId, selection, reason });
    setBusy(false);
    if (!result.ok) {
      if (result.error.kind === 'conflict') setConflict(result.error.message);
      else store.reportError(kind === 'apply' ? 'Could not apply' : 'Could not reject', result.error);
      return;
    }
    store.notify('success', kind === 'apply' ? `Applied ${target.label} to the project` : `Rejected ${target.label}${reason ? '; the reason went to the agent' : ''}`);
    await reload();
  }

  function openTurn(turn: ChangeTurn): void {
    void store.openChat(turn.chatId, turn.id);
  }

  function onKeyDown(event: KeyboardEvent): void {
    const target = event.target as HTMLElement;
    if (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT' || event.ctrlKey || event.metaKey || event.altKey || !file) return;
    const hunk = file.hunks[focusedHunk];
    if (event.key === 'j' || event.key === 'k') {
      event.preventDefault();
      const next = focusedHunk + (event.key === 'j' ? 1 : -1);
      if (next >= 0 && next < file.hunks.length) setFocusedHunk(next);
      else {
        // Past the last hunk of a file: on to the next (or previous) file.
        const index = files.indexOf(file) + (event.key === 'j' ? 1 : -1);
        const other = files[index];
        if (other) setSelected(other.path);
      }
    } else if (event.key === 'a' && hunk) {
      event.preventDefault();
      void act('apply', { label: `hunk ${focusedHunk + 1} of ${file.path}`, hunkIds: [hunk.id] });
    } else if (event.key === 'r' && hunk) {
      event.preventDefault();
      setRejecting({ label: `hunk ${focusedHunk + 1} of ${file.path}`, hunkIds: [hunk.id] });
    }
  }

  if (workspace && workspace.kind !== 'worktree') return <div className="empty-state">This session works directly in {workspace.path}: its changes are already in the project, so there is nothing to review here.</div>;
  if (error) return <div className="empty-state error">Could not read the changes: {error.message}</div>;
  if (!changes) return <div className="muted pad">Reading the changes…</div>;
  if (changes.files.length === 0) return <div className="empty-state">No pending changes. What the agents change in this session's worktree shows up here, ready to apply to your project.</div>;
  const pendingFiles = changes.files.map((entry) => entry.path);
  return (
    <div ref={frame} className="changes" tabIndex={-1} onKeyDown={onKeyDown}>
      <header className="changes-head">
        <span className="changes-summary">
          {changes.summary.files} {changes.summary.files === 1 ? 'file' : 'files'}, <span className="added">+{changes.summary.additions}</span> <span className="removed">−{changes.summary.deletions}</span>
        </span>
        {contributors.length > 0 && <span className="contributors">Changes from {contributors.map(agentName).join(', ')}</span>}
        <span className="spacer" />
        <div className="segmented" role="group" aria-label="Diff layout">
          <button type="button" aria-pressed={mode === 'unified'} onClick={() => setMode('unified')}>
            Unified
          </button>
          <button type="button" aria-pressed={mode === 'split'} onClick={() => setMode('split')}>
            Side by side
          </button>
        </div>
        <button type="button" disabled={isBusy} onClick={() => void act('apply', { label: 'every change', files: pendingFiles })}>
          <Check size={13} aria-hidden="true" /> Apply all
        </button>
        <button type="button" disabled={isBusy} onClick={() => setRejecting({ label: 'every change', files: pendingFiles })}>
          <Undo2 size={13} aria-hidden="true" /> Reject all…
        </button>
        <button type="button" className="primary" disabled={isBusy} onClick={() => setCommitting(true)}>
          <GitCommitHorizontal size={13} aria-hidden="true" /> Commit…
        </button>
        <button type="button" disabled={isBusy} onClick={() => store.openDialog({ kind: 'archive-session', sessionId })}>
          <Archive size={13} aria-hidden="true" /> Archive…
        </button>
      </header>
      {conflict && (
        <div className="conflict" role="alert">
          <strong>Nothing was applied:</strong> {conflict}
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => setConflict(undefined)}>
            <X size={13} aria-hidden="true" />
          </button>
        </div>
      )}
      <div className="changes-body">
        <aside className="file-pane">
          <div className="file-filters">
            <select aria-label="Filter by agent" value={filter.agentId} onChange={(event) => setFilter({ ...filter, agentId: event.target.value })}>
              <option value="">Every agent</option>
              {contributors.map((agentId) => (
                <option key={agentId} value={agentId}>
                  {agentName(agentId)}
                </option>
              ))}
            </select>
            <select aria-label="Filter by turn" value={filter.turnId} onChange={(event) => setFilter({ ...filter, turnId: event.target.value })}>
              <option value="">Every turn</option>
              {changes.turns.map((turn) => (
                <option key={turn.id} value={turn.id}>
                  {agentName(turn.agentId)} · turn {turn.number}: {turn.prompt.slice(0, 40)}
                </option>
              ))}
            </select>
            <label className="check">
              <input type="checkbox" checked={filter.isUnreviewedOnly} onChange={(event) => setFilter({ ...filter, isUnreviewedOnly: event.target.checked })} /> Unreviewed only
            </label>
          </div>
          <FileList files={files} selected={file} onSelect={setSelected} agentsOf={agentsOf} agentName={agentName} />
        </aside>
        <section className="diff-pane" aria-label="Selected file">
          {file ? (
            <>
              <div className="file-head">
                <span className="file-path">{file.path}</span>
                <span className="muted">
                  {file.kind}
                  {file.isBinary ? ' · binary' : ''}
                  {file.oldMode !== file.newMode && file.oldMode && file.newMode ? ` · mode ${file.oldMode} → ${file.newMode}` : ''}
                </span>
                <span className="spacer" />
                <label className="check">
                  <input
                    type="checkbox"
                    checked={file.reviewed}
                    onChange={async (event) => {
                      const reviewed = event.target.checked;
                      const path = file.path;
                      // Shown at once; the core's answer (and the next change set) has the last word.
                      setChanges((current) => current && { ...current, files: current.files.map((entry) => (entry.path === path ? { ...entry, reviewed } : entry)) });
                      const marked = await store.call('changes.review', { sessionId, path, reviewed });
                      if (!marked.ok) store.reportError('Could not mark the file', marked.error);
                      await reload();
                    }}
                  />{' '}
                  Reviewed
                </label>
                <button type="button" className="small" disabled={isBusy} onClick={() => void act('apply', { label: file.path, files: [file.path] })}>
                  Apply file
                </button>
                <button type="button" className="small" disabled={isBusy} onClick={() => setRejecting({ label: file.path, files: [file.path] })}>
                  Reject file…
                </button>
              </div>
              {shownDiff === undefined && file.hunks.length > 0 ? (
                <div className="muted pad">Reading the diff…</div>
              ) : (
                <DiffView
                  file={shownDiff ?? file}
                  mode={mode}
                  turns={changes.turns}
                  agentName={agentName}
                  focusedHunk={focusedHunk}
                  onFocusHunk={setFocusedHunk}
                  onApply={(hunk: Hunk) => void act('apply', { label: `a hunk of ${file.path}`, hunkIds: [hunk.id] })}
                  onReject={(hunk: Hunk) => setRejecting({ label: `a hunk of ${file.path}`, hunkIds: [hunk.id] })}
                  onOpenTurn={openTurn}
                  isBusy={isBusy}
                />
              )}
            </>
          ) : (
            <div className="empty-state">No file matches the filters.</div>
          )}
        </section>
      </div>
      {rejecting && <RejectDialog target={rejecting} onClose={() => setRejecting(undefined)} onReject={(reason) => void act('reject', rejecting, reason).then(() => setRejecting(undefined))} />}
      {isCommitting && <CommitDialog store={store} sessionId={sessionId} changes={changes} agentName={agentName} onClose={() => setCommitting(false)} />}
    </div>
  );
}

function RejectDialog({ target, onClose, onReject }: { target: Target; onClose: () => void; onReject: (reason: string | undefined) => void }) {
  const [reason, setReason] = useState('');
  return (
    <Dialog title={`Reject ${target.label}?`} description={<p>It is reverted in the session's worktree. Say why, and the agent that made it gets the reason as its next prompt.</p>} onClose={onClose}>
      <form
        className="dialog-form"
        onSubmit={(event: FormEvent) => {
          event.preventDefault();
          onReject(reason.trim() || undefined);
        }}
      >
        <label>
          Reason <span className="optional">(optional, sent to the agent)</span>
          <textarea rows={3} value={reason} onChange={(event) => setReason(event.target.value)} autoFocus />
        </label>
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="danger">
            Reject
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function CommitDialog({ store, sessionId, changes, agentName, onClose }: { store: AppStore; sessionId: string; changes: ChangeSetView; agentName: (agentId: string) => string; onClose: () => void }) {
  const agents = [...new Set(changes.turns.map((turn) => agentName(turn.agentId)))];
  const [message, setMessage] = useState(() => [`Changes from ${agents.join(' and ') || 'this session'}`, '', ...changes.turns.map((turn) => `- ${turn.prompt.split('\n')[0]}`)].join('\n'));
  const [isBusy, setBusy] = useState(false);
  return (
    <Dialog title="Commit the session's changes" description={<p>Commits everything pending on the session's branch, to merge your own way.</p>} onClose={onClose}>
      <form
        className="dialog-form"
        onSubmit={async (event: FormEvent) => {
          event.preventDefault();
          setBusy(true);
          const committed = await store.call('changes.commit', { sessionId, message });
          setBusy(false);
          if (!committed.ok) return store.reportError('Could not commit', committed.error);
          store.notify('success', `Committed ${committed.value.commit.slice(0, 8)} on the session's branch`);
          onClose();
        }}
      >
        <label>
          Message
          <textarea rows={6} value={message} onChange={(event) => setMessage(event.target.value)} autoFocus />
        </label>
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={isBusy || message.trim() === ''}>
            {isBusy ? 'Committing…' : 'Commit'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Of the files the filter keeps, the one the tab shows: the selected one, else the first. */
function shownFile(kept: readonly ReviewedFile[], selected: string | undefined): ReviewedFile | undefined {
  return kept.find((candidate) => candidate.path === selected) ?? kept[0];
}

function matches(file: ReviewedFile, filter: Filter): boolean {
  if (filter.isUnreviewedOnly && file.reviewed) return false;
  if (filter.agentId && !agentsOf(file).includes(filter.agentId)) return false;
  if (filter.turnId && file.attribution?.turnId !== filter.turnId && !file.hunks.some((hunk) => hunk.attribution?.turnId === filter.turnId)) return false;
  return true;
}

function agentsOf(file: ReviewedFile): string[] {
  return [...new Set([file.attribution?.agentId, ...file.hunks.map((hunk) => hunk.attribution?.agentId)].filter((id): id is string => id !== undefined))];
}
