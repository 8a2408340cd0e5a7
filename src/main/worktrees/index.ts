// Session worktrees and their change sets. Each session of a git project works in its own
// worktree on branch `boo/<short-id>`; after every turn the worktree's state is captured as a
// tree (through a private index, so the agent's own index is never touched) and compared with
// the "accepted" tree: the base commit's tree plus every hunk already applied to the project.
// That difference is the pending change set. Applying hunks advances the accepted tree;
// rejecting them rewinds the worktree. The accepted tree, the last snapshot and archives are
// kept reachable by hidden refs under refs/boocode/, so git gc never takes them
// (refs/boocode/capture/ only exists while a snapshot's trees are being written: trees.ts).
import { copyFile, mkdir, readdir, lstat, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { simpleGit } from 'simple-git';
import type {
  ApplyConflict,
  ApplyOutcome,
  Attribution,
  ChangedFile,
  ChangeSet,
  ChangeSetSummary,
  ChangesUpdatedEvent,
  HunkId,
  SessionWorkspace,
  SetupReport,
  WorkspaceNotice,
} from '../../shared/changes.ts';
import { fail, ok, type Result } from '../../shared/contract.ts';
import { ChangeSetSummarySchema } from '../../shared/changes.ts';
import type { UnitOfWork } from '../store/index.ts';
import type { Store } from '../store/index.ts';
import { attribute, type Attributions, type TurnMark } from './attribution.ts';
import { diffIndex, diffTrees, displayLines, partialPatch, wholeFilePatch, type FileDiff, type HunkDiff } from './diff.ts';
import { booIdentity, git, GitCommandError, objectWriterEnv, runGit } from './git.ts';
import { createRecords, isGitRow, toWorkspace, type GitRow, type WorktreeRow } from './records.ts';
import { copySetupFiles, normalizeSetupPath, runSetupCommand } from './setup.ts';
import { writeIndexTree } from './trees.ts';

export const worktreeSettings = {
  /** Context lines around each hunk: git's default, what reviewers are used to. */
  contextLines: 3,
  branchPrefix: 'boo/',
  /** Session-id characters in a branch name; more are taken only when that branch exists. */
  shortIdLength: 8,
} as const;

/** Hidden refs in the project repository; none of them shows in `git branch` or `git log --all` lists of branches. */
export const hiddenRefs = {
  archive: (sessionId: string) => `refs/boocode/archive/${sessionId}`,
  accepted: (sessionId: string) => `refs/boocode/accepted/${sessionId}`,
  snapshot: (sessionId: string) => `refs/boocode/snapshot/${sessionId}`,
} as const;

export interface ChangeSelectionInput {
  readonly hunkIds?: readonly string[];
  readonly files?: readonly string[];
}

export interface PrepareInput {
  readonly sessionId: string;
  readonly projectPath: string;
  readonly setup?: { readonly copyFiles?: readonly string[]; readonly command?: string };
}

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
  /** Applies the selection to the project's working tree, all or nothing; conflicts fail with kind 'conflict'. */
  apply(sessionId: string, selection: ChangeSelectionInput): Promise<Result<ApplyOutcome>>;
  /** Files that would conflict if the selection were applied now, without changing anything. */
  conflicts(sessionId: string, selection: ChangeSelectionInput): Promise<Result<ApplyConflict[]>>;
  /** Reverts the selection in the worktree. */
  reject(sessionId: string, selection: ChangeSelectionInput): Promise<Result<ChangeSetSummary>>;
  /** Commits the worktree's changes on its branch. */
  commit(sessionId: string, message: string): Promise<Result<{ commit: string }>>;
  /** Saves everything to `refs/boocode/archive/<session-id>`, then removes the worktree directory (kept until reaped with keepDirectory). */
  archive(sessionId: string, options: { confirm: boolean; keepDirectory?: boolean }): Promise<Result<{ ref: string; hadPendingChanges: boolean }>>;
  /** Brings the worktree back from its archive ref (or its branch), every file included. */
  restore(sessionId: string): Promise<Result<SessionWorkspace>>;
  /** Removes directories of worktrees archived longer ago than retentionMs (refs stay); returns their session ids. */
  reap(options: { retentionMs: number }): Promise<{ removed: string[] }>;
  diskUsage(): Promise<{ sessionId: string; bytes: number }[]>;
  /** Marks worktrees whose directory vanished and prunes git's records of them. */
  pruneVanished(): Promise<void>;
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

/** A session's pending diff, as last computed. */
interface Pending {
  readonly acceptedTree: string;
  readonly snapshotTree: string;
  readonly files: readonly FileDiff[];
}

interface Selected {
  readonly whole: FileDiff[];
  readonly partial: { file: FileDiff; hunks: HunkDiff[] }[];
  readonly files: string[];
  readonly hunkIds: HunkId[];
}

const sessionIdPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function createWorktreeService(deps: WorktreeServiceDeps): WorktreeService {
  const records = createRecords(deps.store);
  const now = deps.now ?? Date.now;
  const worktreesDir = join(deps.dataDir, 'worktrees');
  const indexDir = join(worktreesDir, '.index');
  const pendingCache = new Map<string, Pending>();
  const locks = createLocks();

  const privateIndex = (sessionId: string) => join(indexDir, sessionId);
  const isoNow = () => new Date(now()).toISOString();

  function folderMessage(row: WorktreeRow): string {
    return `This session works directly in ${row.project_path}, which is not a git repository with a commit: its edits land there as they happen, so there is no change set to review.`;
  }

  /** The row of a worktree session, or the failure to return for any other. */
  function gitRow(sessionId: string): Result<GitRow> {
    const row = records.get(sessionId);
    if (!row) return fail('not-found', `No workspace for session ${sessionId}.`);
    if (!isGitRow(row)) return fail('invalid-arguments', folderMessage(row));
    return ok(row);
  }

  function needsDirectory(row: GitRow): Result<GitRow> {
    if (row.has_directory === 1) return ok(row);
    return fail('invalid-arguments', `The worktree of session ${row.session_id} is ${row.state === 'vanished' ? 'gone' : 'archived'}: restore it first.`);
  }

  /** The worktree as a tree object: tracked and untracked files, ignored files and setup copies left out. */
  async function captureTree(row: GitRow): Promise<string> {
    await stageWorktree(row);
    return writeTree(row);
  }

  /** Brings the private index up to date with the worktree, every changed file's content stored as a blob. */
  async function stageWorktree(row: GitRow): Promise<void> {
    // core.bigFileThreshold=1 makes `git add` stream every new blob into one pack instead of
    // one loose object file each: after a turn that touched hundreds of files, creating those
    // files was most of the cost. Only this add sees the setting; diffs still see text as text.
    await git(row.root, ['-c', 'core.bigFileThreshold=1', 'add', '-A', '--', '.', ...excludes(row)], {
      env: { ...objectWriterEnv(), GIT_INDEX_FILE: privateIndex(row.session_id) },
    });
  }

  /** The private index's content as a tree object, built on the last snapshot. */
  function writeTree(row: GitRow): Promise<string> {
    return writeIndexTree(row.root, privateIndex(row.session_id), row.snapshot_tree, row.session_id);
  }

  async function pendingOf(row: GitRow): Promise<Pending> {
    const cached = pendingCache.get(row.session_id);
    if (cached && cached.acceptedTree === row.accepted_tree && cached.snapshotTree === row.snapshot_tree) return cached;
    const files = await diffTrees(row.repo_root, row.accepted_tree, row.snapshot_tree, worktreeSettings.contextLines);
    const pending = { acceptedTree: row.accepted_tree, snapshotTree: row.snapshot_tree, files };
    pendingCache.set(row.session_id, pending);
    return pending;
  }

  /**
   * Computes the change set for the row's new trees, stores it with its attribution, and
   * publishes `changes.updated` once that has committed. `turnDiff` holds what `turn` changed.
   */
  function commitChangeSet(row: GitRow, files: readonly FileDiff[], turnDiff: readonly FileDiff[], turn: TurnMark | null): ChangeSetSummary {
    const previous = records.attributions(row.session_id);
    const attributions = attribute(files, turnDiff, turn, previous);
    const lastTurnId = turn?.turnId ?? records.changeSet(row.session_id)?.turnId ?? null;
    const summary = summarize(files, lastTurnId, isoNow());
    const updated: GitRow = { ...row, updated_at: summary.computedAt };
    deps.unitOfWork.run(() => {
      records.update(updated);
      records.saveAttributions(row.session_id, attributions);
      records.saveChangeSet({
        sessionId: row.session_id,
        acceptedTree: row.accepted_tree,
        snapshotTree: row.snapshot_tree,
        turnId: lastTurnId,
        summary: JSON.stringify(summary),
        computedAt: summary.computedAt,
      });
      if (turn !== null) records.saveSnapshot(row.session_id, turn, row.snapshot_tree, summary.computedAt);
      // changes.updated is not in the contract's AppEvent union yet, so it goes out through
      // `publish` below, still only after this transaction has committed.
      return { value: undefined, events: [] };
    });
    pendingCache.set(row.session_id, { acceptedTree: row.accepted_tree, snapshotTree: row.snapshot_tree, files });
    deps.publish?.({ type: 'changes.updated', sessionId: row.session_id, summary });
    return summary;
  }

  async function setRefs(row: GitRow): Promise<void> {
    const lines = [
      `update ${hiddenRefs.accepted(row.session_id)} ${row.accepted_tree}`,
      `update ${hiddenRefs.snapshot(row.session_id)} ${row.snapshot_tree}`,
      '',
    ].join('\n');
    await git(row.repo_root, ['update-ref', '--stdin'], { input: lines });
  }

  /** A tree with `patch` applied to (or, reversed, taken out of) `tree`, through a throwaway index. */
  async function patchTree(row: GitRow, tree: string, patch: Buffer, isReverse: boolean): Promise<string> {
    await mkdir(indexDir, { recursive: true });
    const scratch = `${privateIndex(row.session_id)}.scratch`;
    const env = { GIT_INDEX_FILE: scratch };
    try {
      await git(row.repo_root, ['read-tree', tree], { env });
      await git(row.repo_root, ['apply', '--cached', '--whitespace=nowarn', ...(isReverse ? ['-R'] : []), '-'], { env, input: patch });
      return (await git(row.repo_root, ['write-tree'], { env })).trim();
    } finally {
      await rm(scratch, { force: true });
    }
  }

  async function buildPatch(row: GitRow, selected: Selected): Promise<Buffer> {
    const whole = await wholeFilePatch(row.repo_root, row.accepted_tree, row.snapshot_tree, selected.whole);
    return Buffer.concat([whole, ...selected.partial.map(({ file, hunks }) => partialPatch(file, hunks))]);
  }

  /** Each selected file that `git apply --check` refuses in `cwd`, with git's reason. */
  async function findConflicts(cwd: string, row: GitRow, selected: Selected, isReverse: boolean): Promise<ApplyConflict[]> {
    const flags = ['apply', '--check', '--whitespace=nowarn', ...(isReverse ? ['-R'] : []), '-'];
    const whole = await buildPatch(row, selected);
    const all = await runGit(cwd, flags, { input: whole });
    if (all.code === 0) return [];
    // One check per file, so that every conflicting file is named, not only the first.
    const conflicts: ApplyConflict[] = [];
    const units: Selected[] = [
      ...selected.whole.map((file) => ({ whole: [file], partial: [], files: [], hunkIds: [] })),
      ...selected.partial.map((entry) => ({ whole: [], partial: [entry], files: [], hunkIds: [] })),
    ];
    for (const unit of units) {
      const file = unit.whole[0] ?? unit.partial[0]?.file;
      if (!file) continue;
      const check = await runGit(cwd, flags, { input: await buildPatch(row, unit) });
      if (check.code !== 0) conflicts.push({ path: file.path, reason: firstError(check.stderr) });
    }
    if (conflicts.length === 0) conflicts.push({ path: '(several files)', reason: firstError(all.stderr) });
    return conflicts;
  }

  async function removeDirectory(row: GitRow): Promise<void> {
    const removed = await runGit(row.repo_root, ['worktree', 'remove', '--force', '--force', row.root]);
    // git refuses a worktree it no longer knows (already pruned): the directory is all that is left.
    if (removed.code !== 0) deps.log(`worktrees: git worktree remove ${row.root}: ${firstError(removed.stderr)}`);
    await rm(row.root, { recursive: true, force: true });
    await runGit(row.repo_root, ['worktree', 'prune']);
    await rm(privateIndex(row.session_id), { force: true });
  }

  async function archiveLocked(row: GitRow, options: { confirm: boolean; keepDirectory?: boolean }): Promise<Result<{ ref: string; hadPendingChanges: boolean }>> {
    const ref = hiddenRefs.archive(row.session_id);
    if (row.has_directory === 0) {
      if (row.state === 'archived' && row.archive_commit !== null) {
        const archived = (await git(row.repo_root, ['rev-parse', `${row.archive_commit}^{tree}`])).trim();
        return ok({ ref, hadPendingChanges: await differs(row.repo_root, row.accepted_tree, archived) });
      }
      return fail('not-found', `The worktree of session ${row.session_id} is gone and was never archived; restore brings back its last snapshot.`);
    }
    const tree = await captureTree(row);
    const head = (await git(row.root, ['rev-parse', 'HEAD'])).trim();
    const message = `BooCode archive of session ${row.session_id}\n\nAccepted-Tree: ${row.accepted_tree}\n`;
    const commit = (await git(row.root, ['commit-tree', tree, '-p', head], { env: booIdentity, input: message })).trim();
    await git(row.repo_root, ['update-ref', ref, commit]);
    const hadPendingChanges = await differs(row.repo_root, row.accepted_tree, tree);
    const saved: GitRow = { ...row, archive_ref: ref, archive_commit: commit, updated_at: isoNow() };
    deps.unitOfWork.run(() => ({ value: records.update(saved), events: [] }));
    if (hadPendingChanges && !options.confirm) {
      const count = (await changedCount(row.repo_root, row.accepted_tree, tree)).toString();
      return fail(
        'unapplied-changes',
        `Session ${row.session_id} has ${count} changed file(s) not applied to the project. They are saved in ${ref}; archive again with confirmation to remove the worktree.`,
      );
    }
    if (!options.keepDirectory) await removeDirectory(saved);
    const archived: GitRow = {
      ...saved,
      state: 'archived',
      has_directory: options.keepDirectory ? 1 : 0,
      archived_at: saved.archived_at ?? isoNow(),
      updated_at: isoNow(),
    };
    deps.unitOfWork.run(() => ({ value: records.update(archived), events: [] }));
    return ok({ ref, hadPendingChanges });
  }

  /** Turns the files a restored worktree checked out at its branch into the archived tree. */
  async function materialize(row: GitRow, tree: string): Promise<void> {
    const head = (await git(row.root, ['rev-parse', 'HEAD^{tree}'])).trim();
    const deleted = (await git(row.root, ['diff-tree', '-r', '-z', '--no-renames', '--diff-filter=D', '--name-only', head, tree])).split('\0').filter(Boolean);
    for (const path of deleted) await rm(join(row.root, path), { force: true });
    const written = (await git(row.root, ['diff-tree', '-r', '-z', '--no-renames', '--diff-filter=AMT', '--name-only', head, tree])).split('\0').filter(Boolean);
    if (written.length === 0) return;
    const scratch = `${privateIndex(row.session_id)}.restore`;
    const env = { GIT_INDEX_FILE: scratch };
    try {
      await git(row.root, ['read-tree', tree], { env });
      await git(row.root, ['checkout-index', '-f', '-z', '--stdin'], { env, input: `${written.join('\0')}\0` });
    } finally {
      await rm(scratch, { force: true });
    }
  }

  async function copyRealIndex(row: GitRow): Promise<void> {
    await mkdir(indexDir, { recursive: true });
    const realIndex = resolve(row.root, (await git(row.root, ['rev-parse', '--git-path', 'index'])).trim());
    // A copy keeps the stat data of the checkout, so the first capture hashes only what changed.
    await copyFile(realIndex, privateIndex(row.session_id));
  }

  async function prepareLocked(input: PrepareInput): Promise<Result<SessionWorkspace>> {
    const existing = records.get(input.sessionId);
    if (existing) return ok(toWorkspace(existing));
    const projectPath = resolve(input.projectPath);
    try {
      if (!(await stat(projectPath)).isDirectory()) return fail('not-a-directory', `${projectPath} is not a folder.`);
    } catch {
      return fail('path-missing', `${projectPath} does not exist.`);
    }
    const copyPaths: string[] = [];
    for (const path of input.setup?.copyFiles ?? []) {
      const normalized = normalizeSetupPath(path);
      if (normalized === null) return fail('invalid-arguments', `Setup file ${JSON.stringify(path)} must be a path inside the project.`);
      copyPaths.push(normalized);
    }
    const createdAt = isoNow();
    const topLevel = await runGit(projectPath, ['rev-parse', '--show-toplevel']);
    const head = topLevel.code === 0 ? await runGit(projectPath, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']) : undefined;
    if (topLevel.code !== 0 || !head || head.code !== 0) {
      const notices: WorkspaceNotice[] =
        topLevel.code === 0
          ? [{ kind: 'no-commits', message: `${projectPath} is a git repository without a commit, so the session works in the folder itself. Commit once to give later sessions a worktree.` }]
          : [];
      const row: WorktreeRow = {
        ...emptyRow(input.sessionId, projectPath, createdAt),
        kind: 'folder',
        path: projectPath,
        notices: JSON.stringify(notices),
      };
      deps.unitOfWork.run(() => ({ value: records.insert(row), events: [] }));
      return ok(toWorkspace(row));
    }
    const repoRoot = resolve(topLevel.stdout.trim());
    const prefix = (await git(projectPath, ['rev-parse', '--show-prefix'])).trim();
    const baseCommit = head.stdout.trim();
    const baseTree = (await git(repoRoot, ['rev-parse', `${baseCommit}^{tree}`])).trim();
    const notices: WorkspaceNotice[] = [];
    // GIT_OPTIONAL_LOCKS=0: a status must not take the project's index lock from under the user's own git.
    const status = await git(repoRoot, ['status', '--porcelain', '-z', '--untracked-files=normal'], { env: { GIT_OPTIONAL_LOCKS: '0' } });
    const dirtyCount = status.split('\0').filter((entry) => /^.. /.test(entry)).length;
    if (dirtyCount > 0) {
      notices.push({
        kind: 'uncommitted-project-changes',
        message: `The project has uncommitted changes in ${dirtyCount.toString()} file(s). The worktree starts from HEAD (${baseCommit.slice(0, 7)}) and does not include them.`,
      });
    }
    const root = join(worktreesDir, input.sessionId);
    await rm(root, { recursive: true, force: true }); // a leftover of a prepare that never got recorded
    await mkdir(worktreesDir, { recursive: true });
    await runGit(repoRoot, ['worktree', 'prune']);
    const branch = await pickBranch(repoRoot, input.sessionId);
    await simpleGit({ baseDir: repoRoot }).raw(['worktree', 'add', '--quiet', '-b', branch, root, baseCommit]);
    const path = prefix === '' ? root : join(root, prefix);
    const tracked = copyPaths.length === 0 ? [] : (await git(projectPath, ['ls-files', '-z', '--', ...copyPaths.map((p) => `:(literal)${p}`)])).split('\0').filter(Boolean);
    const trackedPaths = copyPaths.filter((p) => tracked.some((t) => t === p || t.startsWith(`${p}/`)));
    for (const p of trackedPaths) {
      notices.push({ kind: 'setup-file-tracked', message: `${p} is tracked by git, so the worktree already has it from HEAD; it was not copied.` });
    }
    const copies = await copySetupFiles(projectPath, path, copyPaths.filter((p) => !trackedPaths.includes(p)));
    for (const p of copies.missing) notices.push({ kind: 'setup-file-missing', message: `${p} is not in the project, so it was not copied.` });
    const copiedFromRoot = copies.copied.map((p) => (prefix === '' ? p : `${prefix}${p}`));
    const command = input.setup?.command?.trim() || null;
    const setup: SetupReport = { copiedFiles: copies.copied, command, exitCode: null, isCommandOk: command === null, output: '' };
    const row: GitRow = {
      ...emptyRow(input.sessionId, projectPath, createdAt),
      kind: 'worktree',
      path,
      root,
      repo_root: repoRoot,
      branch,
      base_commit: baseCommit,
      accepted_tree: baseTree,
      snapshot_tree: baseTree,
      has_directory: 1,
      copied_files: JSON.stringify(copiedFromRoot),
      notices: JSON.stringify(notices),
      setup: JSON.stringify(setup),
    };
    await copyRealIndex(row);
    await setRefs(row);
    deps.unitOfWork.run(() => ({ value: records.insert(row), events: [] }));
    if (command === null) return ok(toWorkspace(row));
    const ran = await runSetupCommand(command, path);
    const report: SetupReport = { ...setup, exitCode: ran.exitCode, isCommandOk: ran.isOk, output: ran.output };
    if (!ran.isOk) {
      notices.push({
        kind: 'setup-command-failed',
        message: `The setup command \`${command}\` failed (${ran.exitCode === null ? 'stopped' : `exit ${ran.exitCode.toString()}`}); the worktree is ready, but may miss what it should have set up.`,
      });
    }
    const finished: GitRow = { ...row, setup: JSON.stringify(report), notices: JSON.stringify(notices), updated_at: isoNow() };
    deps.unitOfWork.run(() => ({ value: records.update(finished), events: [] }));
    return ok(toWorkspace(finished));
  }

  return {
    prepare(input) {
      if (!sessionIdPattern.test(input.sessionId)) return Promise.resolve(fail('invalid-arguments', `Session id ${JSON.stringify(input.sessionId)} is not usable in a path or a ref.`));
      return locks.run(input.sessionId, () => guard(() => prepareLocked(input)));
    },

    summary(sessionId) {
      const stored = records.changeSet(sessionId);
      if (!stored) return undefined;
      try {
        const parsed = ChangeSetSummarySchema.safeParse(JSON.parse(stored.summary));
        return parsed.success ? parsed.data : undefined;
      } catch {
        return undefined; // an unreadable summary is recomputed by the next turn or refresh
      }
    },

    get(sessionId) {
      const row = records.get(sessionId);
      return row ? toWorkspace(row) : undefined;
    },

    recordTurn(sessionId, turn) {
      return locks.run(sessionId, () =>
        guard(async () => {
          const found = records.get(sessionId);
          if (!found) return fail('not-found', `No workspace for session ${sessionId}.`);
          // A folder session has nothing to compare with; a turn there is not an error.
          if (!isGitRow(found)) return ok(summarize([], turn.turnId, isoNow()));
          const present = needsDirectory(found);
          if (!present.ok) return present;
          const row = present.value;
          await stageWorktree(row);
          const mark: TurnMark = { agentId: turn.agentId, turnId: turn.turnId, turnSeq: row.turn_seq + 1 };
          // The diffs read the staged index rather than the new tree, so the three run together:
          // writing the tree's objects took as long as the diffs, and git does each in one thread.
          const index = privateIndex(row.session_id);
          const running = [
            writeTree(row),
            diffIndex(row.root, index, row.accepted_tree, worktreeSettings.contextLines),
            diffIndex(row.root, index, row.snapshot_tree, 0),
          ] as const;
          // Every git process ends before the session's lock is released, even when one fails:
          // the next capture's fast-import uses the same scratch ref.
          await Promise.allSettled(running);
          const [tree, files, turnDiff] = await Promise.all(running);
          const next: GitRow = { ...row, snapshot_tree: tree, turn_seq: mark.turnSeq };
          await setRefs(next);
          return ok(commitChangeSet(next, files, turnDiff, mark));
        }),
      );
    },

    changes(sessionId) {
      return guard(async () => {
        const found = gitRow(sessionId);
        if (!found.ok) return found;
        const row = found.value;
        const pending = await pendingOf(row);
        const attributions = records.attributions(sessionId);
        const stored = records.changeSet(sessionId);
        const summary = stored && stored.acceptedTree === row.accepted_tree && stored.snapshotTree === row.snapshot_tree
          ? (JSON.parse(stored.summary) as ChangeSetSummary)
          : summarize(pending.files, stored?.turnId ?? null, isoNow());
        return ok({ sessionId, baseCommit: row.base_commit, files: pending.files.map((file) => toChangedFile(file, attributions)), summary });
      });
    },

    apply(sessionId, selection) {
      return locks.run(sessionId, () =>
        guard(async () => {
          const found = gitRow(sessionId);
          if (!found.ok) return found;
          const row = found.value;
          const pending = await pendingOf(row);
          const chosen = select(pending.files, selection);
          if (!chosen.ok) return chosen;
          const selected = chosen.value;
          if (selected.files.length === 0) {
            return ok({ appliedFiles: [], appliedHunkIds: [], summary: summarize(pending.files, records.changeSet(sessionId)?.turnId ?? null, isoNow()) });
          }
          // Sessions of one project apply one at a time, so a check cannot be overtaken by another apply.
          return locks.run(`project:${row.repo_root}`, async () => {
            const conflicts = await findConflicts(row.repo_root, row, selected, false);
            if (conflicts.length > 0) return fail('conflict', conflictMessage('apply', conflicts));
            const patch = await buildPatch(row, selected);
            const acceptedTree = await patchTree(row, row.accepted_tree, patch, false);
            const applied = await runGit(row.repo_root, ['apply', '--whitespace=nowarn', '-'], { input: patch });
            // The project changed between the check and now; git apply is atomic, so nothing landed.
            if (applied.code !== 0) return fail('conflict', conflictMessage('apply', [{ path: '(the project)', reason: firstError(applied.stderr) }]));
            const next: GitRow = { ...row, accepted_tree: acceptedTree };
            await setRefs(next);
            const files = await diffTrees(row.repo_root, acceptedTree, row.snapshot_tree, worktreeSettings.contextLines);
            const summary = commitChangeSet(next, files, [], null);
            return ok({ appliedFiles: selected.files, appliedHunkIds: selected.hunkIds, summary });
          });
        }),
      );
    },

    conflicts(sessionId, selection) {
      return guard(async () => {
        const found = gitRow(sessionId);
        if (!found.ok) return found;
        const row = found.value;
        const chosen = select((await pendingOf(row)).files, selection);
        if (!chosen.ok) return chosen;
        if (chosen.value.files.length === 0) return ok([]);
        return ok(await findConflicts(row.repo_root, row, chosen.value, false));
      });
    },

    reject(sessionId, selection) {
      return locks.run(sessionId, () =>
        guard(async () => {
          const found = gitRow(sessionId);
          if (!found.ok) return found;
          const present = needsDirectory(found.value);
          if (!present.ok) return present;
          const row = present.value;
          const pending = await pendingOf(row);
          const chosen = select(pending.files, selection);
          if (!chosen.ok) return chosen;
          const selected = chosen.value;
          if (selected.files.length === 0) return ok(summarize(pending.files, records.changeSet(sessionId)?.turnId ?? null, isoNow()));
          const conflicts = await findConflicts(row.root, row, selected, true);
          if (conflicts.length > 0) return fail('conflict', conflictMessage('reject', conflicts));
          const patch = await buildPatch(row, selected);
          const snapshotTree = await patchTree(row, row.snapshot_tree, patch, true);
          await git(row.root, ['apply', '-R', '--whitespace=nowarn', '-'], { input: patch });
          const next: GitRow = { ...row, snapshot_tree: snapshotTree };
          await setRefs(next);
          const files = await diffTrees(row.repo_root, row.accepted_tree, snapshotTree, worktreeSettings.contextLines);
          return ok(commitChangeSet(next, files, [], null));
        }),
      );
    },

    commit(sessionId, message) {
      return locks.run(sessionId, () =>
        guard(async () => {
          const found = gitRow(sessionId);
          if (!found.ok) return found;
          const present = needsDirectory(found.value);
          if (!present.ok) return present;
          const row = present.value;
          if (message.trim() === '') return fail('invalid-arguments', 'A commit needs a message.');
          await git(row.root, ['add', '-A', '--', '.', ...excludes(row)]);
          if ((await runGit(row.root, ['diff', '--cached', '--quiet'])).code === 0) {
            return fail('invalid-arguments', `Nothing to commit in the worktree of session ${sessionId}.`);
          }
          const hasIdentity = (await runGit(row.root, ['config', '--get', 'user.email'])).code === 0;
          const repo = simpleGit({ baseDir: row.root });
          if (!hasIdentity) repo.env({ ...process.env, ...booIdentity });
          // --no-verify: hooks guard what reaches the project's branches; this is the session's
          // private branch, and a hook that needs the project's node_modules would fail here.
          await repo.commit(message, undefined, { '--no-verify': null, '--quiet': null });
          return ok({ commit: (await git(row.root, ['rev-parse', 'HEAD'])).trim() });
        }),
      );
    },

    archive(sessionId, options) {
      return locks.run(sessionId, () =>
        guard(async () => {
          const found = gitRow(sessionId);
          if (!found.ok) return found;
          return archiveLocked(found.value, options);
        }),
      );
    },

    restore(sessionId) {
      return locks.run(sessionId, () =>
        guard(async () => {
          const found = gitRow(sessionId);
          if (!found.ok) return found;
          const row = found.value;
          if (row.has_directory === 1) {
            if (row.state === 'active') return ok(toWorkspace(row));
            const reopened: GitRow = { ...row, state: 'active', archived_at: null, updated_at: isoNow() };
            deps.unitOfWork.run(() => ({ value: records.update(reopened), events: [] }));
            return ok(toWorkspace(reopened));
          }
          const archived = await runGit(row.repo_root, ['rev-parse', '--verify', '--quiet', `${hiddenRefs.archive(sessionId)}^{commit}`]);
          // Without an archive (the directory vanished before one was made) the last snapshot is what is left.
          const tree = archived.code === 0 ? (await git(row.repo_root, ['rev-parse', `${archived.stdout.trim()}^{tree}`])).trim() : row.snapshot_tree;
          await rm(row.root, { recursive: true, force: true });
          await runGit(row.repo_root, ['worktree', 'prune']);
          const hasBranch = (await runGit(row.repo_root, ['show-ref', '--verify', '--quiet', `refs/heads/${row.branch}`])).code === 0;
          const start = archived.code === 0 ? `${archived.stdout.trim()}^` : row.base_commit;
          await simpleGit({ baseDir: row.repo_root }).raw(['worktree', 'add', '--quiet', ...(hasBranch ? [row.root, row.branch] : ['-b', row.branch, row.root, start])]);
          await materialize(row, tree);
          await copyRealIndex(row);
          const copied = JSON.parse(row.copied_files) as string[];
          await copySetupFiles(row.repo_root, row.root, copied);
          const next: GitRow = { ...row, state: 'active', has_directory: 1, archived_at: null, snapshot_tree: tree };
          await setRefs(next);
          const files = await diffTrees(row.repo_root, row.accepted_tree, tree, worktreeSettings.contextLines);
          commitChangeSet(next, files, [], null);
          return ok(toWorkspace(next));
        }),
      );
    },

    async reap({ retentionMs }) {
      const cutoff = new Date(now() - retentionMs).toISOString();
      const removed: string[] = [];
      for (const candidate of records.reapable(cutoff)) {
        const result = await locks.run(candidate.session_id, () =>
          guard(async () => {
            const row = records.get(candidate.session_id);
            if (!row || !isGitRow(row) || row.has_directory === 0) return ok(false);
            // confirm: the archive ref written first keeps every pending change.
            const archived = await archiveLocked(row, { confirm: true });
            return archived.ok ? ok(true) : archived;
          }),
        );
        if (result.ok && result.value) removed.push(candidate.session_id);
        if (!result.ok) deps.log(`worktrees: reaping ${candidate.session_id} failed: ${result.error.message}`);
      }
      return { removed };
    },

    async diskUsage() {
      const usage: { sessionId: string; bytes: number }[] = [];
      for (const row of records.present()) {
        if (!isGitRow(row)) continue;
        usage.push({ sessionId: row.session_id, bytes: await directoryBytes(row.root) });
      }
      return usage;
    },

    async pruneVanished() {
      const repos = new Set<string>();
      for (const row of records.present()) {
        if (!isGitRow(row)) continue;
        if (await exists(join(row.root, '.git'))) continue;
        repos.add(row.repo_root);
        const next: GitRow = { ...row, has_directory: 0, state: row.state === 'archived' ? 'archived' : 'vanished', updated_at: isoNow() };
        deps.unitOfWork.run(() => ({ value: records.update(next), events: [] }));
        pendingCache.delete(row.session_id);
        await rm(privateIndex(row.session_id), { force: true });
        deps.log(`worktrees: the worktree of session ${row.session_id} (${row.root}) vanished; its refs are kept, restore brings it back.`);
      }
      for (const repo of repos) {
        if (!(await exists(repo))) continue;
        const pruned = await runGit(repo, ['worktree', 'prune']);
        if (pruned.code !== 0) deps.log(`worktrees: git worktree prune in ${repo} failed: ${firstError(pruned.stderr)}`);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Turns a git failure into a 'git-failed' result; anything else is unexpected and rethrown. */
async function guard<T>(work: () => Promise<Result<T>>): Promise<Result<T>> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof GitCommandError) return fail('git-failed', error.message);
    if (error instanceof Error && error.name === 'GitError') return fail('git-failed', error.message);
    throw error;
  }
}

/** One promise chain per key: calls for the same session (or project) run one after another. */
function createLocks() {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, work: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const current = previous.then(work, work);
      const tail = current.catch(() => undefined);
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return current;
    },
  };
}

function emptyRow(sessionId: string, projectPath: string, at: string): WorktreeRow {
  return {
    session_id: sessionId,
    kind: 'folder',
    project_path: projectPath,
    path: projectPath,
    root: null,
    repo_root: null,
    branch: null,
    base_commit: null,
    accepted_tree: null,
    snapshot_tree: null,
    turn_seq: 0,
    state: 'active',
    has_directory: 1,
    copied_files: '[]',
    notices: '[]',
    setup: null,
    archive_ref: null,
    archive_commit: null,
    created_at: at,
    updated_at: at,
    archived_at: null,
  };
}

function excludes(row: GitRow): string[] {
  return (JSON.parse(row.copied_files) as string[]).map((path) => `:(exclude,top,literal)${path}`);
}

async function pickBranch(repoRoot: string, sessionId: string): Promise<string> {
  const safe = sessionId.toLowerCase();
  for (const length of [worktreeSettings.shortIdLength, 12, safe.length]) {
    const branch = `${worktreeSettings.branchPrefix}${safe.slice(0, length)}`;
    const taken = await runGit(repoRoot, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`]);
    if (taken.code !== 0) return branch;
  }
  return `${worktreeSettings.branchPrefix}${safe}-${Date.now().toString(36)}`;
}

async function differs(repo: string, from: string, to: string): Promise<boolean> {
  if (from === to) return false;
  return (await runGit(repo, ['diff-tree', '--quiet', '-r', from, to])).code === 1;
}

async function changedCount(repo: string, from: string, to: string): Promise<number> {
  return (await git(repo, ['diff-tree', '-r', '-z', '-M', '--name-only', from, to])).split('\0').filter(Boolean).length;
}

function select(files: readonly FileDiff[], selection: ChangeSelectionInput): Result<Selected> {
  const isEverything = selection.hunkIds === undefined && selection.files === undefined;
  const wantedFiles = new Set(selection.files ?? []);
  const wantedHunks = new Set(selection.hunkIds ?? []);
  if (!isEverything && wantedFiles.size === 0 && wantedHunks.size === 0) return fail('invalid-arguments', 'Nothing was selected.');
  const selected: Selected = { whole: [], partial: [], files: [], hunkIds: [] };
  const foundFiles = new Set<string>();
  const foundHunks = new Set<string>();
  for (const file of files) {
    const isWhole = isEverything || wantedFiles.has(file.path) || (file.oldPath !== null && wantedFiles.has(file.oldPath));
    if (isWhole) {
      foundFiles.add(wantedFiles.has(file.path) ? file.path : (file.oldPath ?? file.path));
      for (const hunk of file.hunks) if (wantedHunks.has(hunk.id)) foundHunks.add(hunk.id);
      if (file.isWholeOnly) selected.whole.push(file);
      else selected.partial.push({ file, hunks: [...file.hunks] });
      selected.files.push(file.path);
      selected.hunkIds.push(...file.hunks.map((hunk) => hunk.id));
      continue;
    }
    const hunks = file.hunks.filter((hunk) => wantedHunks.has(hunk.id));
    if (hunks.length === 0) continue;
    for (const hunk of hunks) foundHunks.add(hunk.id);
    selected.partial.push({ file, hunks });
    selected.files.push(file.path);
    selected.hunkIds.push(...hunks.map((hunk) => hunk.id));
  }
  const unknown = [...[...wantedFiles].filter((path) => !foundFiles.has(path)), ...[...wantedHunks].filter((id) => !foundHunks.has(id))];
  if (unknown.length > 0) {
    return fail('not-found', `Not pending in this session (already applied, rejected, or changed since): ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', …' : ''}.`);
  }
  return ok(selected);
}

function summarize(files: readonly FileDiff[], turnId: string | null, computedAt: string): ChangeSetSummary {
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

function conflictMessage(action: 'apply' | 'reject', conflicts: readonly ApplyConflict[]): string {
  const where = action === 'apply' ? 'the project changed underneath' : 'the worktree changed since the last turn';
  return `Cannot ${action}: ${where} in ${conflicts.length.toString()} file(s); nothing was changed.\n${conflicts.map((c) => `${c.path}: ${c.reason}`).join('\n')}`;
}

function firstError(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter(Boolean);
  return lines.find((line) => line.startsWith('error:'))?.replace(/^error:\s*/, '') ?? lines[0] ?? 'git refused it';
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Apparent size of every file under `dir`, symlinks counted as links, not followed. */
async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0; // vanished or unreadable while walking: it holds nothing we can count
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await directoryBytes(path);
    else {
      try {
        total += (await lstat(path)).size;
      } catch {
        // removed while walking: nothing left to count
      }
    }
  }
  return total;
}
