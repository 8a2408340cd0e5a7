// Lifecycle: a session worktree after its working days. Archive saves everything to a hidden
// ref before the directory goes; restore brings the directory back from it; reap removes the
// directories of long-archived sessions; disk usage and pruning keep track of what is on disk.
// Nothing here destroys work that is not saved in a ref first.
import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import type { SessionWorkspace } from '../../shared/changes.ts';
import { fail, ok, type Result } from '../../shared/contract.ts';
import type { Capture } from './capture.ts';
import type { ChangeSets } from './changeSet.ts';
import { firstError, gitRow, guard, hiddenRefs, setRefs, type WorktreeContext } from './context.ts';
import { booIdentity, git, runGit } from './git.ts';
import { isGitRow, toWorkspace, type GitRow } from './records.ts';
import { copySetupFiles } from './setup.ts';

export interface ArchiveOptions {
  readonly confirm: boolean;
  readonly keepDirectory?: boolean;
}

export type Lifecycle = ReturnType<typeof createLifecycle>;

export function createLifecycle(context: WorktreeContext, capture: Capture, changeSets: ChangeSets) {
  const { records } = context;

  async function removeDirectory(row: GitRow): Promise<void> {
    const removed = await runGit(row.repo_root, ['worktree', 'remove', '--force', '--force', row.root]);
    // git refuses a worktree it no longer knows (already pruned): the directory is all that is left.
    if (removed.code !== 0) context.log(`worktrees: git worktree remove ${row.root}: ${firstError(removed.stderr)}`);
    await rm(row.root, { recursive: true, force: true });
    await runGit(row.repo_root, ['worktree', 'prune']);
    await rm(context.privateIndex(row.session_id), { force: true });
  }

  async function archiveLocked(row: GitRow, options: ArchiveOptions): Promise<Result<{ ref: string; hadPendingChanges: boolean }>> {
    const ref = hiddenRefs.archive(row.session_id);
    if (row.has_directory === 0) {
      if (row.state === 'archived' && row.archive_commit !== null) {
        const archived = (await git(row.repo_root, ['rev-parse', `${row.archive_commit}^{tree}`])).trim();
        return ok({ ref, hadPendingChanges: await differs(row.repo_root, row.accepted_tree, archived) });
      }
      return fail('not-found', `The worktree of session ${row.session_id} is gone and was never archived; restore brings back its last snapshot.`);
    }
    const tree = await capture.captureTree(row);
    const head = (await git(row.root, ['rev-parse', 'HEAD'])).trim();
    const message = `BooCode archive of session ${row.session_id}\n\nAccepted-Tree: ${row.accepted_tree}\n`;
    const commit = (await git(row.root, ['commit-tree', tree, '-p', head], { env: booIdentity, input: message })).trim();
    await git(row.repo_root, ['update-ref', ref, commit]);
    const hadPendingChanges = await differs(row.repo_root, row.accepted_tree, tree);
    const saved: GitRow = { ...row, archive_ref: ref, archive_commit: commit, updated_at: context.isoNow() };
    context.unitOfWork.run(() => ({ value: records.update(saved), events: [] }));
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
      archived_at: saved.archived_at ?? context.isoNow(),
      updated_at: context.isoNow(),
    };
    context.unitOfWork.run(() => ({ value: records.update(archived), events: [] }));
    return ok({ ref, hadPendingChanges });
  }

  /** Turns the files a restored worktree checked out at its branch into the archived tree. */
  async function materialize(row: GitRow, tree: string): Promise<void> {
    const head = (await git(row.root, ['rev-parse', 'HEAD^{tree}'])).trim();
    const deleted = (await git(row.root, ['diff-tree', '-r', '-z', '--no-renames', '--diff-filter=D', '--name-only', head, tree])).split('\0').filter(Boolean);
    for (const path of deleted) await rm(join(row.root, path), { force: true });
    const written = (await git(row.root, ['diff-tree', '-r', '-z', '--no-renames', '--diff-filter=AMT', '--name-only', head, tree])).split('\0').filter(Boolean);
    if (written.length === 0) return;
    const scratch = `${context.privateIndex(row.session_id)}.restore`;
    const env = { GIT_INDEX_FILE: scratch };
    try {
      await git(row.root, ['read-tree', tree], { env });
      await git(row.root, ['checkout-index', '-f', '-z', '--stdin'], { env, input: `${written.join('\0')}\0` });
    } finally {
      await rm(scratch, { force: true });
    }
  }

  return {
    /** Saves everything to the archive ref, then removes the directory unless kept. Call under the session's lock. */
    async archive(sessionId: string, options: ArchiveOptions): Promise<Result<{ ref: string; hadPendingChanges: boolean }>> {
      const found = gitRow(context, sessionId);
      if (!found.ok) return found;
      return archiveLocked(found.value, options);
    },

    /**
     * Deletes the session's `boo/…` branch once its archive holds everything the branch does (the
     * archive commit descends from the branch's head): its project is being removed, and the
     * archive ref is what is kept. Call under the session's lock, after archive.
     */
    async dropBranch(sessionId: string): Promise<Result<{ dropped: boolean }>> {
      const found = gitRow(context, sessionId);
      if (!found.ok) return found;
      const row = found.value;
      const ref = hiddenRefs.archive(sessionId);
      const branch = `refs/heads/${row.branch}`;
      if ((await runGit(row.repo_root, ['show-ref', '--verify', '--quiet', branch])).code !== 0) return ok({ dropped: false });
      if ((await runGit(row.repo_root, ['merge-base', '--is-ancestor', branch, ref])).code !== 0) return ok({ dropped: false });
      // A branch still checked out in a worktree is left to that worktree.
      const deleted = await runGit(row.repo_root, ['branch', '--quiet', '-D', row.branch]);
      return ok({ dropped: deleted.code === 0 });
    },

    /** Brings the worktree back from its archive ref (or its branch). Call under the session's lock. */
    async restore(sessionId: string): Promise<Result<SessionWorkspace>> {
      const found = gitRow(context, sessionId);
      if (!found.ok) return found;
      const row = found.value;
      if (row.has_directory === 1) {
        if (row.state === 'active') return ok(toWorkspace(row));
        const reopened: GitRow = { ...row, state: 'active', archived_at: null, updated_at: context.isoNow() };
        context.unitOfWork.run(() => ({ value: records.update(reopened), events: [] }));
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
      await capture.seedIndex(row);
      const copied = JSON.parse(row.copied_files) as string[];
      await copySetupFiles(row.repo_root, row.root, copied);
      const next: GitRow = { ...row, state: 'active', has_directory: 1, archived_at: null, snapshot_tree: tree };
      await setRefs(next);
      const files = await changeSets.diff(next);
      changeSets.commit(next, files, null);
      return ok(toWorkspace(next));
    },

    /** Removes directories of worktrees archived longer ago than retentionMs (refs stay); returns their session ids. */
    async reap({ retentionMs }: { retentionMs: number }): Promise<{ removed: string[] }> {
      const cutoff = new Date(context.now() - retentionMs).toISOString();
      const removed: string[] = [];
      for (const candidate of records.reapable(cutoff)) {
        const result = await context.locks.run(candidate.session_id, () =>
          guard(async () => {
            const row = records.get(candidate.session_id);
            if (!row || !isGitRow(row) || row.has_directory === 0) return ok(false);
            // confirm: the archive ref written first keeps every pending change.
            const archived = await archiveLocked(row, { confirm: true });
            return archived.ok ? ok(true) : archived;
          }),
        );
        if (result.ok && result.value) removed.push(candidate.session_id);
        if (!result.ok) context.log(`worktrees: reaping ${candidate.session_id} failed: ${result.error.message}`);
      }
      return { removed };
    },

    async diskUsage(): Promise<{ sessionId: string; bytes: number }[]> {
      const usage: { sessionId: string; bytes: number }[] = [];
      for (const row of records.present()) {
        if (!isGitRow(row)) continue;
        usage.push({ sessionId: row.session_id, bytes: await directoryBytes(row.root) });
      }
      return usage;
    },

    /** Marks worktrees whose directory vanished and prunes git's records of them. */
    async pruneVanished(): Promise<void> {
      const repos = new Set<string>();
      for (const row of records.present()) {
        if (!isGitRow(row)) continue;
        if (await exists(join(row.root, '.git'))) continue;
        repos.add(row.repo_root);
        const next: GitRow = { ...row, has_directory: 0, state: row.state === 'archived' ? 'archived' : 'vanished', updated_at: context.isoNow() };
        context.unitOfWork.run(() => ({ value: records.update(next), events: [] }));
        changeSets.forget(row.session_id);
        await rm(context.privateIndex(row.session_id), { force: true });
        context.log(`worktrees: the worktree of session ${row.session_id} (${row.root}) vanished; its refs are kept, restore brings it back.`);
      }
      for (const repo of repos) {
        if (!(await exists(repo))) continue;
        const pruned = await runGit(repo, ['worktree', 'prune']);
        if (pruned.code !== 0) context.log(`worktrees: git worktree prune in ${repo} failed: ${firstError(pruned.stderr)}`);
      }
    },
  };
}

async function differs(repo: string, from: string, to: string): Promise<boolean> {
  if (from === to) return false;
  return (await runGit(repo, ['diff-tree', '--quiet', '-r', from, to])).code === 1;
}

async function changedCount(repo: string, from: string, to: string): Promise<number> {
  return (await git(repo, ['diff-tree', '-r', '-z', '-M', '--name-only', from, to])).split('\0').filter(Boolean).length;
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
