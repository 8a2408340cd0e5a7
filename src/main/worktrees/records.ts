// The worktree service's rows: one per session workspace, its pending change set and the
// attribution of its hunks and files.
import type { SessionWorkspace, SetupReport, WorkspaceNotice, WorktreeState } from '../../shared/changes.ts';
import type { Store } from '../store/index.ts';
import type { Attributions, TurnMark } from './attribution.ts';

export interface WorktreeRow {
  session_id: string;
  kind: 'worktree' | 'folder';
  project_path: string;
  path: string;
  root: string | null;
  repo_root: string | null;
  branch: string | null;
  base_commit: string | null;
  accepted_tree: string | null;
  snapshot_tree: string | null;
  turn_seq: number;
  state: WorktreeState;
  has_directory: number;
  copied_files: string;
  notices: string;
  setup: string | null;
  archive_ref: string | null;
  archive_commit: string | null;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
}

/** A row of kind 'worktree': every git field is set. */
export type GitRow = WorktreeRow & { kind: 'worktree'; root: string; repo_root: string; branch: string; base_commit: string; accepted_tree: string; snapshot_tree: string };

export function isGitRow(row: WorktreeRow): row is GitRow {
  return row.kind === 'worktree' && row.root !== null && row.repo_root !== null && row.accepted_tree !== null && row.snapshot_tree !== null;
}

interface AttributionRow {
  target: 'hunk' | 'file';
  key: string;
  agent_id: string;
  turn_id: string;
  turn_seq: number;
}

export interface ChangeSetRecord {
  readonly sessionId: string;
  readonly acceptedTree: string;
  readonly snapshotTree: string;
  readonly turnId: string | null;
  readonly summary: string;
  readonly computedAt: string;
}

export type Records = ReturnType<typeof createRecords>;

export function createRecords(store: Store) {
  const { db } = store;
  const selectOne = db.prepare<[string], WorktreeRow>('SELECT * FROM session_worktrees WHERE session_id = ?');
  const selectPresent = db.prepare<[], WorktreeRow>("SELECT * FROM session_worktrees WHERE kind = 'worktree' AND has_directory = 1");
  // Archived here, or archived as a session (the sessions service owns that column) long enough ago.
  const selectReapable = db.prepare<{ cutoff: string }, WorktreeRow>(
    `SELECT w.* FROM session_worktrees w LEFT JOIN sessions s ON s.id = w.session_id
     WHERE w.kind = 'worktree' AND w.has_directory = 1
       AND ((w.state = 'archived' AND w.archived_at <= @cutoff) OR (s.archived_at IS NOT NULL AND s.archived_at <= @cutoff))`,
  );
  const insert = db.prepare(
    `INSERT INTO session_worktrees (session_id, kind, project_path, path, root, repo_root, branch, base_commit, accepted_tree,
       snapshot_tree, turn_seq, state, has_directory, copied_files, notices, setup, archive_ref, archive_commit, created_at, updated_at, archived_at)
     VALUES (@session_id, @kind, @project_path, @path, @root, @repo_root, @branch, @base_commit, @accepted_tree,
       @snapshot_tree, @turn_seq, @state, @has_directory, @copied_files, @notices, @setup, @archive_ref, @archive_commit, @created_at, @updated_at, @archived_at)`,
  );
  const update = db.prepare(
    `UPDATE session_worktrees SET accepted_tree = @accepted_tree, snapshot_tree = @snapshot_tree, turn_seq = @turn_seq, state = @state,
       has_directory = @has_directory, notices = @notices, setup = @setup, archive_ref = @archive_ref, archive_commit = @archive_commit,
       updated_at = @updated_at, archived_at = @archived_at
     WHERE session_id = @session_id`,
  );
  const selectChangeSet = db.prepare<[string], { accepted_tree: string; snapshot_tree: string; turn_id: string | null; summary: string; computed_at: string }>(
    'SELECT accepted_tree, snapshot_tree, turn_id, summary, computed_at FROM change_sets WHERE session_id = ?',
  );
  const upsertChangeSet = db.prepare(
    `INSERT INTO change_sets (session_id, accepted_tree, snapshot_tree, turn_id, summary, computed_at)
     VALUES (@sessionId, @acceptedTree, @snapshotTree, @turnId, @summary, @computedAt)
     ON CONFLICT(session_id) DO UPDATE SET accepted_tree = excluded.accepted_tree, snapshot_tree = excluded.snapshot_tree,
       turn_id = excluded.turn_id, summary = excluded.summary, computed_at = excluded.computed_at`,
  );
  const selectAttributions = db.prepare<[string], AttributionRow>('SELECT target, key, agent_id, turn_id, turn_seq FROM change_attributions WHERE session_id = ?');
  const upsertAttribution = db.prepare(
    'INSERT OR REPLACE INTO change_attributions (session_id, target, key, agent_id, turn_id, turn_seq) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const deleteAttribution = db.prepare<[string, string, string]>('DELETE FROM change_attributions WHERE session_id = ? AND target = ? AND key = ?');
  const insertSnapshot = db.prepare(
    'INSERT OR REPLACE INTO turn_snapshots (session_id, turn_seq, turn_id, agent_id, tree, recorded_at) VALUES (?, ?, ?, ?, ?, ?)',
  );

  return {
    get: (sessionId: string): WorktreeRow | undefined => selectOne.get(sessionId),
    present: (): WorktreeRow[] => selectPresent.all(),
    reapable: (cutoff: string): WorktreeRow[] => selectReapable.all({ cutoff }),
    insert: (row: WorktreeRow): void => void insert.run(row),
    /** Writes the mutable fields of `row`; call inside a transaction with what goes with it. */
    update: (row: WorktreeRow): void => void update.run(row),
    changeSet(sessionId: string): ChangeSetRecord | undefined {
      const found = selectChangeSet.get(sessionId);
      if (!found) return undefined;
      return { sessionId, acceptedTree: found.accepted_tree, snapshotTree: found.snapshot_tree, turnId: found.turn_id, summary: found.summary, computedAt: found.computed_at };
    },
    saveChangeSet: (record: ChangeSetRecord): void => void upsertChangeSet.run(record),
    attributions(sessionId: string): Attributions {
      const hunks = new Map<string, TurnMark>();
      const files = new Map<string, TurnMark>();
      for (const row of selectAttributions.all(sessionId)) {
        const mark = { agentId: row.agent_id, turnId: row.turn_id, turnSeq: row.turn_seq };
        (row.target === 'hunk' ? hunks : files).set(row.key, mark);
      }
      return { hunks, files };
    },
    /**
     * Replaces the session's attribution, `previous` with `next`: only what is still pending is
     * kept. Only the rows that differ are written, so a turn that touched a few of many pending
     * files writes a few rows.
     */
    saveAttributions(sessionId: string, next: Attributions, previous: Attributions): void {
      for (const target of ['hunk', 'file'] as const) {
        const before = target === 'hunk' ? previous.hunks : previous.files;
        const after = target === 'hunk' ? next.hunks : next.files;
        for (const key of before.keys()) if (!after.has(key)) deleteAttribution.run(sessionId, target, key);
        for (const [key, mark] of after) {
          const old = before.get(key);
          if (old?.agentId === mark.agentId && old.turnId === mark.turnId && old.turnSeq === mark.turnSeq) continue;
          upsertAttribution.run(sessionId, target, key, mark.agentId, mark.turnId, mark.turnSeq);
        }
      }
    },
    saveSnapshot: (sessionId: string, mark: TurnMark, tree: string, at: string): void =>
      void insertSnapshot.run(sessionId, mark.turnSeq, mark.turnId, mark.agentId, tree, at),
  };
}

export function toWorkspace(row: WorktreeRow): SessionWorkspace {
  const notices = JSON.parse(row.notices) as WorkspaceNotice[];
  if (!isGitRow(row)) {
    return { kind: 'folder', sessionId: row.session_id, projectPath: row.project_path, path: row.path, notices, createdAt: row.created_at };
  }
  return {
    kind: 'worktree',
    sessionId: row.session_id,
    projectPath: row.project_path,
    path: row.path,
    root: row.root,
    branch: row.branch,
    baseCommit: row.base_commit,
    state: row.state,
    hasDirectory: row.has_directory === 1,
    archiveRef: row.archive_ref,
    notices,
    setup: row.setup === null ? null : (JSON.parse(row.setup) as SetupReport),
    createdAt: row.created_at,
    archivedAt: row.archived_at,
  };
}
