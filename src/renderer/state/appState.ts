// The renderer's view of the core: a pure reducer over snapshots and events, so that replay,
// resync and live delivery all go through one tested path. Applying an event is idempotent by
// seq: an event at or below `lastSeq` was already applied and is ignored.
import type { AppEvent, Project, ProjectId, Settings } from '../../shared/contract.ts';

export interface AppState {
  readonly projects: readonly Project[];
  readonly settings: Settings | undefined;
  readonly lastSeq: number;
  readonly epoch: string | undefined;
  /** True once the first snapshot arrived; before that the UI shows a loading state. */
  readonly isLoaded: boolean;
}

export const initialAppState: AppState = { projects: [], settings: undefined, lastSeq: 0, epoch: undefined, isLoaded: false };

export type AppAction =
  | { readonly type: 'snapshot'; readonly projects: readonly Project[]; readonly settings: Settings; readonly lastSeq: number; readonly epoch: string }
  | { readonly type: 'event'; readonly event: AppEvent }
  | { readonly type: 'project.upserted'; readonly project: Project };

export function reduceAppState(state: AppState, action: AppAction): AppState {
  switch (action.type) {
    case 'snapshot':
      return { projects: sortProjects(action.projects), settings: action.settings, lastSeq: action.lastSeq, epoch: action.epoch, isLoaded: true };
    case 'project.upserted':
      return { ...state, projects: upsertProject(state.projects, action.project) };
    case 'event':
      if (action.event.seq <= state.lastSeq) return state;
      return { ...applyEvent(state, action.event), lastSeq: action.event.seq };
    default:
      return assertNever(action);
  }
}

function applyEvent(state: AppState, event: AppEvent): AppState {
  switch (event.type) {
    case 'workspace.project.opened':
    case 'workspace.project.changed':
      return { ...state, projects: upsertProject(state.projects, event.project) };
    case 'workspace.project.removed':
      return { ...state, projects: state.projects.filter((project) => project.id !== event.projectId) };
    case 'app.settings.changed':
      return { ...state, settings: event.settings };
    case 'agent.catalog.changed':
    case 'agent.process.changed':
    case 'agent.permission.requested':
    case 'agent.permission.resolved':
    case 'workspace.session.changed':
    case 'chat.record.changed':
    case 'chat.message.created':
    case 'chat.part.updated':
    case 'chat.part.delta':
    case 'chat.turn.changed':
    case 'chat.turn.ended':
    case 'chat.queue.changed':
    case 'changes.updated':
    case 'workspace.layout.changed':
      return state; // shown by the session and chat views, which keep their own copies
    default:
      return assertNever(event);
  }
}

function upsertProject(projects: readonly Project[], project: Project): readonly Project[] {
  return sortProjects([...projects.filter((existing) => existing.id !== project.id), project]);
}

function sortProjects(projects: readonly Project[]): readonly Project[] {
  return [...projects].sort((a, b) => b.lastOpenedAt.localeCompare(a.lastOpenedAt) || a.name.localeCompare(b.name));
}

export function findProject(state: AppState, id: ProjectId | undefined): Project | undefined {
  return id === undefined ? undefined : state.projects.find((project) => project.id === id);
}

function assertNever(value: never): never {
  throw new Error(`Unhandled ${JSON.stringify(value)}`);
}
