import type { Project } from '../../shared/contract.ts';

export function ProjectWorkspace({ project }: { project: Project }) {
  return (
    <section className="workspace" aria-label={`${project.name} workspace`}>
      <header className="workspace-header">
        <div>
          <h1 className="workspace-title">{project.name}</h1>
          <div className="workspace-path">{project.path}</div>
        </div>
        <div className="badges">
          {project.isGit ? (
            <span className="badge git" title="A git repository">
              ⎇ {project.branch ?? 'detached HEAD'}
            </span>
          ) : (
            <span className="badge warn" title="Sessions run directly in this folder; changes cannot be reviewed before they land">
              not a git repository
            </span>
          )}
        </div>
      </header>
      <div className="workspace-empty">
        <h2>No sessions yet</h2>
        <p>Sessions, with their chats, terminals and changes, will open here.</p>
      </div>
    </section>
  );
}
