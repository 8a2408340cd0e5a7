// A project with no session open: what it is, and the way to start working in it.
import { GitBranch } from 'lucide-react';
import type { ProjectId } from '../../shared/contract.ts';
import { useWindow, useWindowShallow, type AppStore } from '../state/store.ts';

export function ProjectPage({ store, projectId }: { store: AppStore; projectId: ProjectId }) {
  const project = useWindow(store, (state) => state.client.projects.find((candidate) => candidate.id === projectId));
  const sessions = useWindowShallow(store, (state) => Object.values(state.client.sessions).filter((session) => session.projectId === projectId && session.archivedAt === null));
  if (!project) return <div className="empty-state">This project was removed.</div>;
  return (
    <section className="project-page" aria-label={project.name}>
      <h1>{project.name}</h1>
      <p className="muted">{project.path}</p>
      <p className="badge-line">
        {project.isGit ? (
          <span className="branch-badge">
            <GitBranch size={13} aria-hidden="true" /> {project.branch ?? 'detached HEAD'}
          </span>
        ) : (
          <span className="branch-badge plain">not a git repository</span>
        )}
      </p>
      <div className="empty-state">
        <p>{sessions.length === 0 ? 'No sessions yet. A session is a line of work with its own chats, terminals and changes.' : 'Pick a session in the sidebar, or start another one.'}</p>
        <button type="button" className="primary" onClick={() => store.openDialog({ kind: 'new-session', projectId })}>
          New session
        </button>
      </div>
    </section>
  );
}
