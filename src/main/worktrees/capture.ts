// Capture: the worktree as a tree object. The worktree is staged through the session's private
// index (the agent's own index is never touched) and written as a tree, built on the accepted
// tree after a turn and on the last snapshot for an archive; setup copies and ignored files are
// left out.
import { copyFile, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { hiddenRefs, settleAll, worktreeSettings, type WorktreeContext } from './context.ts';
import { diffIndex, type FileDiff, type RawEntry } from './diff.ts';
import { git, objectWriterEnv } from './git.ts';
import type { GitRow } from './records.ts';
import { writeIndexTree, writeTree } from './trees.ts';

/** A turn's capture: the new snapshot tree and its difference from the accepted tree. */
export interface TurnCapture {
  /** The new snapshot; the session's snapshot ref already points at it. */
  readonly tree: string;
  /** The pending change set: accepted tree → new snapshot, with context. */
  readonly files: FileDiff[];
}

export type Capture = ReturnType<typeof createCapture>;

export function createCapture(context: WorktreeContext) {
  /** Brings the private index up to date with the worktree, every changed file's content stored as a blob. */
  async function stageWorktree(row: GitRow): Promise<void> {
    // core.bigFileThreshold=1 makes `git add` stream every new blob into one pack instead of
    // one loose object file each: after a turn that touched hundreds of files, creating those
    // files was most of the cost. Only this add sees the setting; diffs still see text as text.
    await git(row.root, ['-c', 'core.bigFileThreshold=1', 'add', '-A', '--', '.', ...excludes(row)], {
      env: { ...objectWriterEnv(), GIT_INDEX_FILE: context.privateIndex(row.session_id) },
    });
  }

  return {
    /** The worktree as a tree object: tracked and untracked files, ignored files and setup copies left out. */
    async captureTree(row: GitRow): Promise<string> {
      await stageWorktree(row);
      return writeIndexTree(row.root, context.privateIndex(row.session_id), row.snapshot_tree, row.session_id);
    },

    /** Captures the worktree after a turn, with its difference from the accepted tree, and points the snapshot ref at it. */
    async captureTurn(row: GitRow): Promise<TurnCapture> {
      // Starting a process holds this one for a few milliseconds. `git add` is started first, and
      // the others while it works, so that they are running when it ends: diff-index starts on
      // the index once `git add` is done, fast-import and update-ref get their input on stdin
      // once it exists.
      const staging = stageWorktree(row);
      staging.catch(() => undefined);
      const records = Promise.withResolvers<readonly RawEntry[]>();
      const writing = writeTree(row.root, row.accepted_tree, records.promise, row.session_id);
      const refUpdate = Promise.withResolvers<string>();
      const referencing = git(row.repo_root, ['update-ref', '--stdin'], { input: refUpdate.promise });
      // One diff of the staged index against the accepted tree gives the change set, and its
      // raw records, which git prints before it starts on the patches, give the new tree:
      // written from them while the patches are still being made.
      const diffing = diffIndex(row.root, context.privateIndex(row.session_id), row.accepted_tree, worktreeSettings.contextLines, { onRaw: records.resolve, startOn: staging });
      // All are awaited below, but any may fail (its folder gone) while another still runs:
      // marked handled now so that such a failure is this capture's error, not an unhandled one.
      writing.catch(() => undefined);
      referencing.catch(() => undefined);
      diffing.catch(() => undefined);
      try {
        await staging;
        const [files, tree] = await settleAll(
          diffing.finally(() => records.reject(new Error('git diff-index ended without its raw records'))),
          writing,
        );
        // Only once both succeeded: a capture that fails leaves the ref where it was.
        refUpdate.resolve(tree === row.snapshot_tree ? '' : `update ${hiddenRefs.snapshot(row.session_id)} ${tree}\n`);
        await referencing;
        return { tree, files };
      } finally {
        // On a failure the waiting processes are told to end without doing anything; every git
        // process ends before the session's lock is released (the next fast-import uses the same scratch ref).
        records.reject(new Error('the capture failed'));
        refUpdate.resolve('');
        await Promise.allSettled([writing, referencing, diffing]);
      }
    },

    /** Starts the private index as a copy of the worktree's own index. */
    async seedIndex(row: GitRow): Promise<void> {
      await mkdir(context.indexDir, { recursive: true });
      const realIndex = resolve(row.root, (await git(row.root, ['rev-parse', '--git-path', 'index'])).trim());
      // A copy keeps the stat data of the checkout, so the first capture hashes only what changed.
      await copyFile(realIndex, context.privateIndex(row.session_id));
    },
  };
}

/** Pathspecs that keep the setup copies (.env and the like) out of every capture and commit. */
export function excludes(row: GitRow): string[] {
  return (JSON.parse(row.copied_files) as string[]).map((path) => `:(exclude,top,literal)${path}`);
}
