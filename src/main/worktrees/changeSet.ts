// The change set: the difference between a session's accepted tree (base commit plus every
// applied hunk) and its last snapshot, with each hunk and file attributed to the agent and
// turn that last changed it. Stored with its summary, published after the write commits.
import { ChangeSetSummarySchema, type Attribution, type ChangedFile, type ChangeSet, type ChangeSetSummary } from '../../shared/changes.ts';
import { ok, type Result } from '../../shared/contract.ts';
import { attribute, type Attributions, type TurnChange, type TurnMark } from './attribution.ts';
import { gitRow, worktreeSettings, type WorktreeContext } from './context.ts';
import { diffTrees, displayLines, type FileDiff } from './diff.ts';
import type { GitRow } from './records.ts';

/** A session's pending diff, as last computed. */
export interface Pending {
  readonly acceptedTree: string;
  readonly snapshotTree: string;
  readonly files: readonly FileDiff[];
}

export type ChangeSets = ReturnType<typeof createChangeSets>;

export function createChangeSets(context: WorktreeContext) {
  const { records } = context;
  const pendingCache = new Map<string, Pending>();
  // What the store holds, kept from the last write: a turn and the change set view read it again at once.
  const marksCache = new Map<string, Attributions>();

  function marksOf(sessionId: string): Attributions {
    const cached = marksCache.get(sessionId);
    if (cached !== undefined) return cached;
    const stored = records.attributions(sessionId);
    marksCache.set(sessionId, stored);
    return stored;
  }

  /** The row's pending files, computed once per pair of trees. */
  async function pendingOf(row: GitRow): Promise<Pending> {
    const cached = pendingCache.get(row.session_id);
    if (cached && cached.acceptedTree === row.accepted_tree && cached.snapshotTree === row.snapshot_tree) return cached;
    const files = await diffTrees(row.repo_root, row.accepted_tree, row.snapshot_tree, worktreeSettings.contextLines);
    const pending = { acceptedTree: row.accepted_tree, snapshotTree: row.snapshot_tree, files };
    pendingCache.set(row.session_id, pending);
    return pending;
  }

  return {
    pendingOf,

    /** The pending files between the row's accepted and snapshot trees, computed afresh. */
    diff(row: GitRow): Promise<FileDiff[]> {
      return diffTrees(row.repo_root, row.accepted_tree, row.snapshot_tree, worktreeSettings.contextLines);
    },

    /**
     * Stores the change set for the row's new trees with its attribution, and publishes
     * `changes.updated` once that has committed. `turn` is the turn that made it, if one did.
     */
    commit(row: GitRow, files: readonly FileDiff[], turn: TurnChange | null): ChangeSetSummary {
      const previous = marksOf(row.session_id);
      const attributions = attribute(files, turn, previous);
      const lastTurnId = turn?.mark.turnId ?? records.changeSet(row.session_id)?.turnId ?? null;
      const summary = summarize(files, lastTurnId, context.isoNow());
      const updated: GitRow = { ...row, updated_at: summary.computedAt };
      context.unitOfWork.run(() => {
        records.update(updated);
        records.saveAttributions(row.session_id, attributions, previous);
        records.saveChangeSet({
          sessionId: row.session_id,
          acceptedTree: row.accepted_tree,
          snapshotTree: row.snapshot_tree,
          turnId: lastTurnId,
          summary: JSON.stringify(summary),
          computedAt: summary.computedAt,
        });
        if (turn !== null) records.saveSnapshot(row.session_id, turn.mark, row.snapshot_tree, summary.computedAt);
        // changes.updated is not in the contract's AppEvent union yet, so it goes out through
        // `publish` below, still only after this transaction has committed.
        return { value: undefined, events: [] };
      });
      pendingCache.set(row.session_id, { acceptedTree: row.accepted_tree, snapshotTree: row.snapshot_tree, files });
      marksCache.set(row.session_id, attributions);
      context.publish({ type: 'changes.updated', sessionId: row.session_id, summary });
      return summary;
    },

    /** The counts of the pending change set, as last recorded (cheap: nothing is recomputed). */
    summary(sessionId: string): ChangeSetSummary | undefined {
      const stored = records.changeSet(sessionId);
      if (!stored) return undefined;
      try {
        const parsed = ChangeSetSummarySchema.safeParse(JSON.parse(stored.summary));
        return parsed.success ? parsed.data : undefined;
      } catch {
        return undefined; // an unreadable summary is recomputed by the next turn or refresh
      }
    },

    /** The summary of `files` as they stand, for a command that changed nothing. */
    unchanged(sessionId: string, files: readonly FileDiff[]): ChangeSetSummary {
      return summarize(files, records.changeSet(sessionId)?.turnId ?? null, context.isoNow());
    },

    /** The pending change set as of the last recorded turn (or apply, reject, restore). */
    async changes(sessionId: string): Promise<Result<ChangeSet>> {
      const found = gitRow(context, sessionId);
      if (!found.ok) return found;
      const row = found.value;
      const pending = await pendingOf(row);
      const attributions = marksOf(sessionId);
      const stored = records.changeSet(sessionId);
      const summary = stored && stored.acceptedTree === row.accepted_tree && stored.snapshotTree === row.snapshot_tree
        ? (JSON.parse(stored.summary) as ChangeSetSummary)
        : summarize(pending.files, stored?.turnId ?? null, context.isoNow());
      return ok({ sessionId, baseCommit: row.base_commit, files: pending.files.map((file) => toChangedFile(file, attributions)), summary });
    },

    /** Drops what is cached for a session whose worktree is gone. */
    forget(sessionId: string): void {
      pendingCache.delete(sessionId);
      marksCache.delete(sessionId);
    },
  };
}

export function summarize(files: readonly FileDiff[], turnId: string | null, computedAt: string): ChangeSetSummary {
  let hunks = 0;
  let additions = 0;
  let deletions = 0;
  for (const file of files) {
    hunks += file.hunks.length;
    additions += file.additions;
    deletions += file.deletions;
  }
  return { files: files.length, hunks, additions, deletions, turnId, computedAt };
}

function toChangedFile(file: FileDiff, attributions: Attributions): ChangedFile {
  return {
    path: file.path,
    oldPath: file.oldPath,
    kind: file.kind,
    isBinary: file.isBinary,
    oldMode: file.oldMode,
    newMode: file.newMode,
    similarity: file.similarity,
    additions: file.additions,
    deletions: file.deletions,
    hunks: file.hunks.map((hunk) => ({
      id: hunk.id,
      oldStart: hunk.oldStart,
      oldLines: hunk.oldLines,
      newStart: hunk.newStart,
      newLines: hunk.newLines,
      lines: displayLines(hunk.lines),
      additions: hunk.additions,
      deletions: hunk.deletions,
      attribution: publicMark(attributions.hunks.get(hunk.id)),
    })),
    attribution: publicMark(attributions.files.get(file.path)),
  };
}

function publicMark(mark: TurnMark | undefined): Attribution | null {
  return mark === undefined ? null : { agentId: mark.agentId, turnId: mark.turnId };
}
