// Projects: folders the user opened. Identity is the resolved real path, so a folder and a
// symlink to it are one project and opening it twice returns the first record.
import { randomUUID } from 'node:crypto';
import { realpath, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { fail, ok, ProjectSetupSchema, type Project, type ProjectId, type ProjectSetup, type Result } from '../../shared/contract.ts';
import type { UnitOfWork } from '../store/index.ts';
import type { Store } from '../store/index.ts';
import { inspectFolder } from '../worktrees/index.ts';

interface ProjectRow {
  id: string;
  name: string;
  path: string;
  is_git: number;
  branch: string | null;
  created_at: string;
  last_opened_at: string;
  setup: string | null;
}

export interface ProjectService {
  open(path: string): Promise<Result<Project>>;
  list(): Project[];
  get(id: ProjectId): Project | undefined;
  remove(id: ProjectId): Result<{ removed: boolean }>;
  /** What new session worktrees of the project get: files to copy in and a setup command. */
  configure(id: ProjectId, setup: ProjectSetup): Result<Project>;
}

export function createProjectService(deps: { store: Store; unitOfWork: UnitOfWork }): ProjectService {
  const { db } = deps.store;
  const selectByPath = db.prepare<[string], ProjectRow>('SELECT * FROM projects WHERE path = ?');
  const selectById = db.prepare<[string], ProjectRow>('SELECT * FROM projects WHERE id = ?');
  const selectAll = db.prepare<[], ProjectRow>('SELECT * FROM projects ORDER BY last_opened_at DESC, name');
  const insert = db.prepare(
    `INSERT INTO projects (id, name, path, is_git, branch, created_at, last_opened_at)
     VALUES (@id, @name, @path, @is_git, @branch, @created_at, @last_opened_at)
     ON CONFLICT(path) DO NOTHING`,
  );
  const deleteById = db.prepare<[string]>('DELETE FROM projects WHERE id = ?');
  const updateSetup = db.prepare<[string, string]>('UPDATE projects SET setup = ? WHERE id = ?');

  return {
    async open(path) {
      const located = await locateFolder(path);
      if (!located.ok) return located;
      // Checked on every open, so a folder recorded before it became unusable (or before this
      // check existed) is refused too rather than handed to agents.
      const repository = await inspectFolder(located.value);
      if (!repository.ok) return repository;
      const existing = selectByPath.get(located.value);
      if (existing) return ok(toProject(existing));
      const isGit = repository.value.kind === 'work-tree';
      const now = new Date().toISOString();
      const row: ProjectRow = {
        id: randomUUID(),
        name: basename(located.value) || located.value,
        path: located.value,
        is_git: isGit ? 1 : 0,
        branch: repository.value.kind === 'work-tree' ? repository.value.branch : null,
        created_at: now,
        last_opened_at: now,
        setup: null,
      };
      // Two opens of one folder can race through the awaits above; the UNIQUE path decides and
      // the loser returns the winner's record without publishing a second event.
      const project = deps.unitOfWork.run(() => {
        const inserted = insert.run(row).changes === 1;
        const stored = toProject(selectByPath.get(row.path) ?? row);
        return { value: stored, events: inserted ? [{ type: 'workspace.project.opened' as const, project: stored }] : [] };
      });
      return ok(project);
    },
    list: () => selectAll.all().map(toProject),
    get(id) {
      const row = selectById.get(id);
      return row ? toProject(row) : undefined;
    },
    configure(id, setup) {
      if (!selectById.get(id)) return fail('not-found', `No project with id ${id}.`);
      const project = deps.unitOfWork.run(() => {
        updateSetup.run(JSON.stringify(setup), id);
        const value = toProject(selectById.get(id) as ProjectRow);
        return { value, events: [{ type: 'workspace.project.changed' as const, project: value }] };
      });
      return ok(project);
    },
    remove(id) {
      const removed = deps.unitOfWork.run(() => {
        const changed = deleteById.run(id).changes === 1;
        return { value: changed, events: changed ? [{ type: 'workspace.project.removed' as const, projectId: id }] : [] };
      });
      if (!removed) return fail('not-found', `No project with id ${id}.`);
      return ok({ removed });
    },
  };
}

async function locateFolder(input: string): Promise<Result<string>> {
  const absolute = resolve(input);
  try {
    const info = await stat(absolute);
    if (!info.isDirectory()) return fail('not-a-directory', `${absolute} is a file, not a folder. Open the folder that contains it.`);
    return ok(await realpath(absolute));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return fail('path-missing', `${absolute} does not exist.`);
    if (code === 'EACCES' || code === 'EPERM') return fail('path-missing', `${absolute} cannot be read (permission denied).`);
    throw error;
  }
}

function toProject(row: ProjectRow): Project {
  return {
    id: row.id as ProjectId,
    name: row.name,
    path: row.path,
    isGit: row.is_git === 1,
    branch: row.branch,
    setup: parseSetup(row.setup),
    createdAt: row.created_at,
    lastOpenedAt: row.last_opened_at,
  };
}

const noSetup: ProjectSetup = { copyFiles: [], command: null };

function parseSetup(text: string | null): ProjectSetup {
  if (!text) return noSetup;
  try {
    const parsed = ProjectSetupSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : noSetup;
  } catch {
    return noSetup; // unreadable setup: a session still starts, without extras
  }
}
