import type { Store } from '../state/store.ts';
import { useStore } from '../state/store.ts';

export function Sidebar({ store }: { store: Store }) {
  const projects = useStore(store, (state) => state.app.projects);
  const selectedId = useStore(store, (state) => state.selectedProjectId);

  return (
    <nav className="sidebar" aria-label="Projects">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          ◐
        </span>
        <span className="brand-name">BooCode</span>
      </div>
      <div className="sidebar-heading">
        <span>Projects</span>
        <button type="button" className="icon-button" title="Open a project" aria-label="Open a project" onClick={() => store.selectProject(undefined)}>
          +
        </button>
      </div>
      {projects.length === 0 ? (
        <p className="sidebar-empty">No projects yet. Drop a folder on the window or open one by path.</p>
      ) : (
        <ul className="project-list" data-testid="project-list">
          {projects.map((project) => (
            <li key={project.id} className={project.id === selectedId ? 'project-item selected' : 'project-item'}>
              <button type="button" className="project-button" onClick={() => store.selectProject(project.id)} title={project.path}>
                <span className="project-name">{project.name}</span>
                <span className="project-path">{project.path}</span>
              </button>
              <button
                type="button"
                className="icon-button remove"
                aria-label={`Remove ${project.name} from BooCode`}
                title="Remove from BooCode (the folder stays on disk)"
                onClick={() => void store.removeProject(project.id)}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}
