// The dialogs of the workspace: new session, renaming a session or a terminal, the archive guard
// (which names what is kept and where), and removing a project.
import { useState, type FormEvent } from 'react';
import type { BooError } from '../../shared/contract.ts';
import { Dialog } from '../ui/Dialog.tsx';
import { useWindow, type AppStore, type DialogState } from '../state/store.ts';

export function WorkspaceDialogs({ store }: { store: AppStore }) {
  const dialog = useWindow(store, (state) => state.dialog);
  if (!dialog) return null;
  const close = () => store.openDialog(undefined);
  switch (dialog.kind) {
    case 'new-session':
      return <NewSessionDialog key={dialog.projectId} store={store} dialog={dialog} onClose={close} />;
    case 'rename-session':
      return <RenameSessionDialog key={dialog.sessionId} store={store} sessionId={dialog.sessionId} onClose={close} />;
    case 'rename-terminal':
      return <RenameTerminalDialog key={dialog.terminalId} store={store} terminalId={dialog.terminalId} onClose={close} />;
    case 'archive-session':
      return <ArchiveSessionDialog key={dialog.sessionId} store={store} sessionId={dialog.sessionId} onClose={close} />;
    case 'remove-project':
      return <RemoveProjectDialog key={dialog.projectId} store={store} dialog={dialog} onClose={close} />;
    case 'close-terminal':
      return <CloseTerminalDialog key={dialog.tabId} store={store} dialog={dialog} onClose={close} />;
    default:
      return assertNever(dialog);
  }
}

function NewSessionDialog({ store, dialog, onClose }: { store: AppStore; dialog: Extract<DialogState, { kind: 'new-session' }>; onClose: () => void }) {
  const project = useWindow(store, (state) => state.client.projects.find((candidate) => candidate.id === dialog.projectId));
  const [name, setName] = useState('');
  const [useWorktree, setUseWorktree] = useState(project?.isGit ?? false);
  const [isBusy, setBusy] = useState(false);
  if (!project) return null;
  async function onSubmit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setBusy(true);
    const created = await store.createSession({ projectId: dialog.projectId, name: name.trim() || undefined, useWorktree: project?.isGit ? useWorktree : undefined });
    setBusy(false);
    if (created) onClose();
  }
  return (
    <Dialog title={`New session in ${project.name}`} onClose={onClose}>
      <form className="dialog-form" onSubmit={(event) => void onSubmit(event)}>
        <label>
          Name <span className="optional">(optional)</span>
          <input type="text" value={name} onChange={(event) => setName(event.target.value)} placeholder="Session 1, 2, 3… when left empty" autoFocus />
        </label>
        <label className="check">
          <input type="checkbox" checked={project.isGit && useWorktree} disabled={!project.isGit} onChange={(event) => setUseWorktree(event.target.checked)} />
          Work in its own git worktree
        </label>
        <p className="hint">
          {project.isGit
            ? useWorktree
              ? 'Agents work on a branch of their own; you review their changes and apply what you want to your checkout.'
              : 'Agents work directly in your checkout; their edits land there as they happen.'
            : `${project.path} is not a git repository, so the session works in the folder itself.`}
        </p>
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={isBusy}>
            {isBusy ? 'Creating…' : 'Create session'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function RenameSessionDialog({ store, sessionId, onClose }: { store: AppStore; sessionId: string; onClose: () => void }) {
  const session = useWindow(store, (state) => state.client.sessions[sessionId]);
  if (!session) return null;
  return <RenameDialog title={`Rename ${session.name}`} initial={session.name} onRename={(name) => (name === '' ? Promise.resolve(false) : store.renameSession(sessionId, name))} isEmptyAllowed={false} onClose={onClose} />;
}

/** A terminal's own name, shown on its tab; left empty, the tab follows the program's title again. */
function RenameTerminalDialog({ store, terminalId, onClose }: { store: AppStore; terminalId: string; onClose: () => void }) {
  const terminal = useWindow(store, (state) => state.client.terminals[terminalId]);
  if (!terminal) return null;
  async function rename(name: string): Promise<boolean> {
    const renamed = await store.call('terminals.rename', { terminalId, name: name === '' ? null : name });
    if (!renamed.ok) store.reportError('Could not rename the terminal', renamed.error);
    return renamed.ok;
  }
  return (
    <RenameDialog
      title="Rename terminal"
      initial={terminal.name ?? ''}
      placeholder={terminal.title}
      hint={`Left empty, the tab shows what the program in it calls itself (${terminal.title}).`}
      isEmptyAllowed
      onRename={rename}
      onClose={onClose}
    />
  );
}

/** One name field: the session's or the terminal's rename. `onRename` gets the trimmed name and says whether it took. */
function RenameDialog({
  title,
  initial,
  placeholder,
  hint,
  isEmptyAllowed,
  onRename,
  onClose,
}: {
  title: string;
  initial: string;
  placeholder?: string;
  hint?: string;
  isEmptyAllowed: boolean;
  onRename: (name: string) => Promise<boolean>;
  onClose: () => void;
}) {
  const [name, setName] = useState(initial);
  const [isBusy, setBusy] = useState(false);
  const isRefused = !isEmptyAllowed && name.trim() === '';
  async function onSubmit(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (isRefused) return;
    setBusy(true);
    const isRenamed = await onRename(name.trim());
    setBusy(false);
    if (isRenamed) onClose();
  }
  return (
    <Dialog title={title} onClose={onClose}>
      <form className="dialog-form" onSubmit={(event) => void onSubmit(event)}>
        <label>
          Name
          <input type="text" value={name} maxLength={120} placeholder={placeholder} onChange={(event) => setName(event.target.value)} autoFocus onFocus={(event) => event.target.select()} />
        </label>
        {hint && <p className="hint">{hint}</p>}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={isRefused || isBusy}>
            Rename
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function ArchiveSessionDialog({ store, sessionId, onClose }: { store: AppStore; sessionId: string; onClose: () => void }) {
  const session = useWindow(store, (state) => state.client.sessions[sessionId]);
  const project = useWindow(store, (state) => state.client.projects.find((candidate) => candidate.id === state.client.sessions[sessionId]?.projectId));
  const workspace = useWindow(store, (state) => state.client.workspaces[sessionId]);
  const changes = useWindow(store, (state) => state.client.changes[sessionId]);
  const running = useWindow(store, (state) => Object.values(state.client.chats).filter((chat) => chat.sessionId === sessionId && (state.client.activity[chat.id]?.running || (state.client.activity[chat.id]?.queued ?? 0) > 0)).length);
  const [refusal, setRefusal] = useState<BooError | undefined>();
  const [isBusy, setBusy] = useState(false);
  if (!session) return null;
  const pendingFiles = changes?.files ?? 0;
  const needsConfirmation = pendingFiles > 0 || running > 0 || refusal !== undefined;
  const ref = `refs/boocode/archive/${sessionId}`;

  async function archive(confirm: boolean): Promise<void> {
    setBusy(true);
    const error = await store.archiveSession(sessionId, confirm);
    setBusy(false);
    if (!error) {
      onClose();
      if (store.state.getState().sessionId === sessionId) store.selectSession(undefined);
      return;
    }
    if (error.kind === 'unapplied-changes' || error.kind === 'busy') setRefusal(error);
    else store.reportError('Could not archive the session', error);
  }

  return (
    <Dialog
      title={`Archive ${session.name}?`}
      description={
        <>
          {running > 0 && <p>An agent is working in {running === 1 ? 'one chat' : `${running} chats`} of this session; archiving stops it.</p>}
          {pendingFiles > 0 && (
            <p>
              It has unapplied changes in {pendingFiles} {pendingFiles === 1 ? 'file' : 'files'} (+{changes?.additions ?? 0} −{changes?.deletions ?? 0}).
            </p>
          )}
          {workspace?.kind === 'worktree' ? (
            <p>
              Everything in its worktree, untracked files included, is kept in <code>{ref}</code> in {project?.name ?? 'the project'}, and restoring the session brings it back. The worktree folder is removed.
            </p>
          ) : (
            <p>Its chats are kept; restore the session to continue them.</p>
          )}
          {refusal && <p className="warning">{refusal.message}</p>}
        </>
      }
      onClose={onClose}
    >
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className={needsConfirmation ? 'danger' : 'primary'} disabled={isBusy} onClick={() => void archive(needsConfirmation)} autoFocus>
          {isBusy ? 'Archiving…' : needsConfirmation ? 'Archive anyway' : 'Archive'}
        </button>
      </div>
    </Dialog>
  );
}

function CloseTerminalDialog({ store, dialog, onClose }: { store: AppStore; dialog: Extract<DialogState, { kind: 'close-terminal' }>; onClose: () => void }) {
  const [isBusy, setBusy] = useState(false);
  return (
    <Dialog title="Close the terminal?" description={<p>{dialog.reason.replace(/; confirm to stop it\.$/, '.')} Closing the tab stops it.</p>} onClose={onClose}>
      <div className="dialog-actions">
        <button type="button" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button
          type="button"
          className="danger"
          disabled={isBusy}
          onClick={async () => {
            setBusy(true);
            await store.closeTab(dialog.sessionId, dialog.tabId, true);
            setBusy(false);
            onClose();
          }}
        >
          {isBusy ? 'Closing…' : 'Close and stop it'}
        </button>
      </div>
    </Dialog>
  );
}

function RemoveProjectDialog({ store, dialog, onClose }: { store: AppStore; dialog: Extract<DialogState, { kind: 'remove-project' }>; onClose: () => void }) {
  const project = useWindow(store, (state) => state.client.projects.find((candidate) => candidate.id === dialog.projectId));
  const sessionCount = useWindow(store, (state) => Object.values(state.client.sessions).filter((session) => session.projectId === dialog.projectId && session.archivedAt === null).length);
  const [isBusy, setBusy] = useState(false);
  if (!project) return null;
  return (
    <Dialog
      title={`Remove ${project.name} from BooCode?`}
      description={
        <>
          <p>
            {sessionCount > 0 ? `Its ${sessionCount === 1 ? 'session stops' : `${sessionCount} sessions stop`} (running agents are stopped) and their chats are removed from BooCode. ` : ''}
            Worktrees are saved to hidden refs in the repository first, so no work is lost.
          </p>
          <p>The folder {project.path} itself is not touched.</p>
        </>
      }
      onClose={onClose}
    >
      <div className="dialog-actions">
        <button type="button" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button
          type="button"
          className="danger"
          disabled={isBusy}
          onClick={async () => {
            setBusy(true);
            const removed = await store.removeProject(dialog.projectId);
            setBusy(false);
            if (removed) onClose();
          }}
        >
          {isBusy ? 'Removing…' : 'Remove project'}
        </button>
      </div>
    </Dialog>
  );
}

function assertNever(value: never): never {
  throw new Error(`Unhandled dialog ${JSON.stringify(value)}`);
}
