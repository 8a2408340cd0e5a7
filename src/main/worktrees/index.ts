// Session worktrees and their change sets. Each session of a git project works in its own
// worktree on branch `boo/<short-id>`; after every turn the worktree's state is captured as a
// tree (through a private index, so the agent's own index is never touched) and compared with
// the "accepted" tree: the base commit's tree plus every hunk already applied to the project.
// That difference is the pending change set. Applying hunks advances the accepted tree;
// rejecting them rewinds the worktree. The accepted tree, the last snapshot and archives are
// kept reachable by hidden refs under refs/boocode/, so git gc never takes them
// (refs/boocode/capture/ only exists while a snapshot's trees are being written: trees.ts).
//
// This entry file composes the parts, each of which does one job: provision.ts makes the
// workspace, capture.ts turns the worktree into a tree, changeSet.ts diffs and attributes,
// patching.ts applies, rejects and commits, lifecycle.ts archives, restores, reaps and prunes.
// Every command that changes a session runs under that session's lock.
import { join } from 'node:path';
import type { ApplyConflict, ApplyOutcome, ChangeSet, ChangeSetSummary, ChangesUpdatedEvent, SessionWorkspace } from '../../shared/changes.ts';
import { fail, ok, type Result } from '../../shared/contract.ts';
import type { Store, UnitOfWork } from '../store/index.ts';
import type { TurnMark } from './attribution.ts';
import { createCapture } from './capture.ts';
import { createChangeSets, summarize } from './changeSet.ts';
import { createLocks, guard, needsDirectory, settleAll, type WorktreeContext } from './context.ts';
import { createLifecycle } from './lifecycle.ts';
import { createPackUpkeep } from './packs.ts';
import { createPatching, type ChangeSelectionInput } from './patching.ts';
import { checkSessionId, createProvisioner, type PrepareInput } from './provision.ts';
import { createRecords, isGitRow, toWorkspace, type GitRow } from './records.ts';

export { hiddenRefs, worktreeSettings } from './context.ts';
export type { ChangeSelectionInput } from './patching.ts';
export type { PrepareInput } from './provision.ts';
export { inspectFolder, type FolderRepository } from './repository.ts';

export interface WorktreeService {
  /** For a git project: a worktree under <dataDir>/worktrees/<session-id> on branch `boo/<short-session-id>` from the project's HEAD; a non-git folder: kind 'folder'. Idempotent. */
  prepare(input: PrepareInput): Promise<Result<SessionWorkspace>>;
  get(sessionId: string): SessionWorkspace | undefined;
  /** Captures the worktree after a turn; its difference from the accepted tree becomes the pending change set. Publishes `changes.updated`. */
  recordTurn(sessionId: string, turn: { turnId: string; agentId: string }): Promise<Result<ChangeSetSummary>>;
  /** The pending change set as of the last recorded turn (or apply, reject, restore). */
  changes(sessionId: string): Promise<Result<ChangeSet>>;
  /** The counts of the pending change set, as last recorded (cheap: nothing is recomputed). */
  summary(sessionId: string): ChangeSetSummary | undefined;
  /** Applies the selection to the project's working tree, all or nothing; conflicts fail with kind 'conflict'. A removal the selection cannot land without (a file replaced by a folder of its name) goes with it. */
  apply(sessionId: string, selection: ChangeSelectionInput): Promise<Result<ApplyOutcome>>;
  /** Files that would conflict if the selection were applied now, without changing anything. */
  conflicts(sessionId: string, selection: ChangeSelectionInput): Promise<Result<ApplyConflict[]>>;
  /** Reverts the selection in the worktree, with any change it cannot be reverted without (as apply). */
  reject(sessionId: string, selection: ChangeSelectionInput): Promise<Result<ChangeSetSummary>>;
  /** Commits the worktree's changes on its branch. */
  commit(sessionId: string, message: string): Promise<Result<{ commit: string }>>;
  /** Saves everything to `refs/boocode/archive/<session-id>`, then removes the worktree directory (kept until reaped with keepDirectory). */
  archive(sessionId: string, options: { confirm: boolean; keepDirectory?: boolean }): Promise<Result<{ ref: string; hadPendingChanges: boolean }>>;
  /** Brings the worktree back from its archive ref (or its branch), every file included. */
  restore(sessionId: string): Promise<Result<SessionWorkspace>>;
  /** Deletes the session's branch when its archive ref holds all of it (its project is removed). */
  dropBranch(sessionId: string): Promise<Result<{ dropped: boolean }>>;
  /** Removes directories of worktrees archived longer ago than retentionMs (refs stay); returns their session ids. */
  reap(options: { retentionMs: number }): Promise<{ removed: string[] }>;
  diskUsage(): Promise<{ sessionId: string; bytes: number }[]>;
  /** Marks worktrees whose directory vanished and prunes git's records of them. */
  pruneVanished(): Promise<void>;
  /** Resolves when no pack upkeep runs in the background (see packs.ts). */
  packsIdle(): Promise<void>;
  /** Stops the background pack upkeep; the sessions' own commands are the caller's to finish. */
  close(): Promise<void>;
}

export interface WorktreeServiceDeps {
  readonly store: Store;
  readonly unitOfWork: UnitOfWork;
  /** Receives `changes.updated` after the write it describes has committed. */
  readonly publish?: (event: ChangesUpdatedEvent) => void;
  readonly dataDir: string;
  readonly log: (line: string) => void;
  /** The clock retention is measured with. */
  readonly now?: () => number;
}

export function createWorktreeService(deps: WorktreeServiceDeps): WorktreeService {
  const now = deps.now ?? Date.now;
  const worktreesDir = join(deps.dataDir, 'worktrees');
  const indexDir = join(worktreesDir, '.index');
  const context: WorktreeContext = {
    records: createRecords(deps.store),
    unitOfWork: deps.unitOfWork,
    publish: (event) => deps.publish?.(event),
    log: deps.log,
    now,
    isoNow: () => new Date(now()).toISOString(),
    worktreesDir,
    indexDir,
    privateIndex: (sessionId) => join(indexDir, sessionId),
    locks: createLocks(),
  };
  const capture = createCapture(context);
  const changeSets = createChangeSets(context);
  const provisioner = createProvisioner(context, capture);
  const patching = createPatching(context, changeSets);
  const lifecycle = createLifecycle(context, capture, changeSets);
  const packs = createPackUpkeep({ log: deps.log });

  /** Runs `work` under the session's lock, a git failure turned into a 'git-failed' result. */
  function locked<T>(sessionId: string, work: () => Promise<Result<T>>): Promise<Result<T>> {
    return context.locks.run(sessionId, () => guard(work));
  }

  async function recordTurnLocked(sessionId: string, turn: { turnId: string; agentId: string }): Promise<Result<ChangeSetSummary>> {
    const found = context.records.get(sessionId);
    if (!found) return fail('not-found', `No workspace for session ${sessionId}.`);
    // A folder session has nothing to compare with; a turn there is not an error.
    if (!isGitRow(found)) return ok(summarize([], turn.turnId, context.isoNow()));
    const present = needsDirectory(found);
    if (!present.ok) return present;
    const row = present.value;
    const mark: TurnMark = { agentId: turn.agentId, turnId: turn.turnId, turnSeq: row.turn_seq + 1 };
    // What was pending before the turn is what the turn is measured against (cached after the
    // last record, apply or reject; recomputed only after a restart).
    const before = changeSets.pendingOf(row);
    const [captured, pending] = await settleAll(capture.captureTurn(row), before);
    packs.afterWrite(row.repo_root);
    const next: GitRow = { ...row, snapshot_tree: captured.tree, turn_seq: mark.turnSeq };
    return ok(changeSets.commit(next, captured.files, { mark, before: pending.files }));
  }

  return {
    prepare(input) {
      const checked = checkSessionId(input.sessionId);
      if (!checked.ok) return Promise.resolve(checked);
      return locked(input.sessionId, () => provisioner.prepare(input));
    },
    summary: (sessionId) => changeSets.summary(sessionId),
    get(sessionId) {
      const row = context.records.get(sessionId);
      return row ? toWorkspace(row) : undefined;
    },
    recordTurn: (sessionId, turn) => locked(sessionId, () => recordTurnLocked(sessionId, turn)),
    changes: (sessionId) => guard(() => changeSets.changes(sessionId)),
    apply: (sessionId, selection) => locked(sessionId, () => patching.apply(sessionId, selection)),
    conflicts: (sessionId, selection) => guard(() => patching.conflicts(sessionId, selection)),
    reject: (sessionId, selection) => locked(sessionId, () => patching.reject(sessionId, selection)),
    commit: (sessionId, message) => locked(sessionId, () => patching.commit(sessionId, message)),
    archive: (sessionId, options) => locked(sessionId, () => lifecycle.archive(sessionId, options)),
    dropBranch: (sessionId) => locked(sessionId, () => lifecycle.dropBranch(sessionId)),
    restore: (sessionId) => locked(sessionId, () => lifecycle.restore(sessionId)),
    reap: (options) => lifecycle.reap(options),
    diskUsage: () => lifecycle.diskUsage(),
    pruneVanished: () => lifecycle.pruneVanished(),
    packsIdle: () => packs.idle(),
    close: () => packs.close(),
  };
}
