// The sidebar: projects, their sessions with a live status (an agent is working, waiting for
// you, or failed) and unapplied-change counts, new session, rename, archive, and the archived
// sessions to restore.
import { Archive, FolderOpen, GitBranch, Pencil, Plus, RotateCcw, X } from 'lucide-react';
import { NeedsYouButton } from '../inbox/NeedsYouButton.tsx';
import { ScreenLinks } from '../settings/ScreenLinks.tsx';
import type { Session } from '../../shared/chats.ts';
import type { Project, ProjectId } from '../../shared/contract.ts';
import type { ClientState } from '../state/clientState.ts';
import { useWindow, useWindowShallow, type AppStore } from '../state/store.ts';

/** What a session's dot says, most urgent first. */
export type SessionStatus = 'waiting' | 'failed' | 'running' | 'idle';

export function sessionStatus(client: ClientState, sessionId: string): SessionStatus {
  const chats = Object.values(client.chats).filter((chat) => chat.sessionId === sessionId);
  const chatIds = new Set(chats.map((chat) => chat.id));
  if (Object.values(client.permissions).some((request) => chatIds.has(request.chatId))) return 'waiting';
  const hasFailed = (chatId: string) => ['failed', 'interrupted'].includes(client.activity[chatId]?.lastEnded?.state ?? '') && !client.activity[chatId]?.running;
  if (chats.some((chat) => hasFailed(chat.id))) return 'failed';
  if (chats.some((chat) => client.activity[chat.id]?.running)) return 'running';
  return 'idle';
}

const statusText: Record<SessionStatus, string> = {
  waiting: 'waiting for you',
  failed: 'a turn failed or was interrupted',
  running: 'an agent is working',
  idle: 'idle',
};

export function Sidebar({ store }: { store: AppStore }) {
  const projects = useWindow(store, (state) => state.client.projects);
  return (
    <nav className="sidebar" aria-label="Projects and sessions">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          ◐
        </span>
        <span className="brand-name">BooCode</span>
        <span className="spacer" />
        <button type="button" className="icon-button" aria-label="Open a project" title="Open a project" onClick={() => (store.connection.api.desktop ? void store.pickFolder() : store.showOpenProject())}>
          <FolderOpen size={16} aria-hidden="true" />
        </button>
      </div>
      <NeedsYouButton store={store} />
      {projects.length === 0 ? (
        <p className="sidebar-empty">No projects yet. Drop a folder on the window or open one by path.</p>
      ) : (
        <div className="project-tree">
          {projects.map((project) => (
            <ProjectEntry key={project.id} store={store} project={project} />
          ))}
        </div>
      )}
      <ScreenLinks store={store} />
    </nav>
  );
}

function ProjectEntry({ store, project }: { store: AppStore; project: Project }) {
  const sessions = useWindowShallow(store, (state) => Object.values(state.client.sessions).filter((session) => session.projectId === project.id));
  const live = sessions.filter((session) => session.archivedAt === null).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const archived = sessions.filter((session) => session.archivedAt !== null).sort((a, b) => (b.archivedAt ?? '').localeCompare(a.archivedAt ?? ''));
  const isShown = useWindow(store, (state) => state.sessionId === undefined && state.projectId === project.id && !state.isOpeningProject);
  return (
    <section className="project" aria-label={`Project ${project.name}`}>
      <div className="project-row">
        <button type="button" className={`project-name-button${isShown ? ' selected' : ''}`} title={project.path} aria-current={isShown ? 'page' : undefined} onClick={() => store.selectProject(project.id)}>
          <span className="project-name">{project.name}</span>
          {project.isGit && project.branch && (
            <span className="project-branch">
              <GitBranch size={12} aria-hidden="true" /> {project.branch}
            </span>
          )}
        </button>
        <button type="button" className="icon-button" aria-label={`New session in ${project.name}`} title="New session" onClick={() => store.openDialog({ kind: 'new-session', projectId: project.id })}>
          <Plus size={15} aria-hidden="true" />
        </button>
        <button type="button" className="icon-button quiet" aria-label={`Remove ${project.name} from BooCode`} title="Remove from BooCode (the folder stays on disk)" onClick={() => store.openDialog({ kind: 'remove-project', projectId: project.id })}>
          <X size={14} aria-hidden="true" />
        </button>
      </div>
      {live.length === 0 ? (
        <button type="button" className="session-empty" onClick={() => store.openDialog({ kind: 'new-session', projectId: project.id as ProjectId })}>
          No sessions yet — start one
        </button>
      ) : (
        <ul className="session-list" aria-label={`Sessions of ${project.name}`}>
          {live.map((session) => (
            <SessionEntry key={session.id} store={store} session={session} />
          ))}
        </ul>
      )}
      {archived.length > 0 && (
        <details className="archived">
          <summary>Archived ({archived.length})</summary>
          <ul className="session-list" aria-label={`Archived sessions of ${project.name}`}>
            {archived.map((session) => (
              <li key={session.id} className="session archived-session">
                <span className="session-name">{session.name}</span>
                <button type="button" className="icon-button" aria-label={`Restore ${session.name}`} title="Restore" onClick={() => void store.restoreSession(session.id)}>
                  <RotateCcw size={14} aria-hidden="true" />
                </button>
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

function SessionEntry({ store, session }: { store: AppStore; session: Session }) {
  const isSelected = useWindow(store, (state) => state.sessionId === session.id);
  const status = useWindow(store, (state) => sessionStatus(state.client, session.id));
  const branch = useWindow(store, (state) => {
    const workspace = state.client.workspaces[session.id];
    return workspace?.kind === 'worktree' ? workspace.branch : null;
  });
  const pending = useWindow(store, (state) => state.client.changes[session.id]?.files ?? 0);
  const describedBy = `session-${session.id}-detail`;
  return (
    <li className={`session${isSelected ? ' selected' : ''}`}>
      <button type="button" className="session-button" aria-current={isSelected ? 'page' : undefined} aria-describedby={describedBy} onClick={() => store.selectSession(session.id)}>
        <span className={`status-dot ${status}`} aria-hidden="true" />
        <span className="session-name">{session.name}</span>
        {pending > 0 && (
          <span className="badge" aria-hidden="true">
            {pending}
          </span>
        )}
      </button>
      <span id={describedBy} className="session-detail">
        {branch ? `⎇ ${branch}` : 'in the project folder'} · {statusText[status]}
        {pending > 0 ? ` · ${pending} unapplied ${pending === 1 ? 'file' : 'files'}` : ''}
      </span>
      <span className="session-actions">
        <button type="button" className="icon-button" aria-label={`Rename ${session.name}`} title="Rename" onClick={() => store.openDialog({ kind: 'rename-session', sessionId: session.id })}>
          <Pencil size={13} aria-hidden="true" />
        </button>
        <button type="button" className="icon-button" aria-label={`Archive ${session.name}`} title="Archive" onClick={() => store.openDialog({ kind: 'archive-session', sessionId: session.id })}>
          <Archive size={13} aria-hidden="true" />
        </button>
      </span>
    </li>
  );
}
