// Patching: moving chosen hunks and files out of the change set. Apply writes them into the
// project's working tree and advances the accepted tree; reject takes them out of the worktree
// and rewinds the snapshot; commit records the worktree on its own branch. Each is all or
// nothing: `git apply --check` runs first and names every file that would not fit.
import { lstat, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import type { ApplyConflict, ApplyOutcome, ChangeSetSummary, HunkId } from '../../shared/changes.ts';
import { fail, ok, type Result } from '../../shared/contract.ts';
import { excludes } from './capture.ts';
import type { ChangeSets } from './changeSet.ts';
import { firstError, gitRow, needsDirectory, setRefs, type WorktreeContext } from './context.ts';
import { partialPatch, wholeFilePatch, type FileDiff, type HunkDiff } from './diff.ts';
import { booIdentity, git, runGit } from './git.ts';
import type { GitRow } from './records.ts';

export interface ChangeSelectionInput {
  readonly hunkIds?: readonly string[];
  readonly files?: readonly string[];
}

interface Selected {
  readonly whole: FileDiff[];
  readonly partial: { file: FileDiff; hunks: HunkDiff[] }[];
  readonly files: string[];
  readonly hunkIds: HunkId[];
}

export type Patching = ReturnType<typeof createPatching>;

export function createPatching(context: WorktreeContext, changeSets: ChangeSets) {
  /** A tree with `patch` applied to (or, reversed, taken out of) `tree`, through a throwaway index. */
  async function patchTree(row: GitRow, tree: string, patch: Buffer, isReverse: boolean): Promise<string> {
    await mkdir(context.indexDir, { recursive: true });
    const scratch = `${context.privateIndex(row.session_id)}.scratch`;
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

  /** Each selected file that `git apply --check` refuses in `cwd`, or that needs a folder where `cwd` has none, with the reason. */
  async function findConflicts(cwd: string, row: GitRow, selected: Selected, isReverse: boolean): Promise<ApplyConflict[]> {
    const flags = ['apply', '--check', '--whitespace=nowarn', ...(isReverse ? ['-R'] : []), '-'];
    const whole = await buildPatch(row, selected);
    const all = await runGit(cwd, flags, { input: whole });
    const conflicts = await folderConflicts(cwd, selected, isReverse);
    if (all.code === 0) return conflicts;
    // One check per file, so that every conflicting file is named, not only the first.
    const units: Selected[] = [
      ...selected.whole.map((file) => ({ whole: [file], partial: [], files: [], hunkIds: [] })),
      ...selected.partial.map((entry) => ({ whole: [], partial: [entry], files: [], hunkIds: [] })),
    ];
    for (const unit of units) {
      const file = unit.whole[0] ?? unit.partial[0]?.file;
      if (!file) continue;
      if (conflicts.some((conflict) => conflict.path === file.path)) continue;
      const check = await runGit(cwd, flags, { input: await buildPatch(row, unit) });
      if (check.code !== 0) conflicts.push({ path: file.path, reason: firstError(check.stderr) });
    }
    if (conflicts.length === 0) conflicts.push({ path: '(several files)', reason: firstError(all.stderr) });
    return conflicts;
  }

  return {
    /** Applies the selection to the project's working tree, all or nothing. Call under the session's lock. */
    async apply(sessionId: string, selection: ChangeSelectionInput): Promise<Result<ApplyOutcome>> {
      const found = gitRow(context, sessionId);
      if (!found.ok) return found;
      const row = found.value;
      const pending = await changeSets.pendingOf(row);
      const chosen = select(pending.files, selection, false);
      if (!chosen.ok) return chosen;
      const selected = chosen.value;
      if (selected.files.length === 0) {
        return ok({ appliedFiles: [], appliedHunkIds: [], summary: changeSets.unchanged(sessionId, pending.files) });
      }
      // Sessions of one project apply one at a time, so a check cannot be overtaken by another apply.
      return context.locks.run(`project:${row.repo_root}`, async () => {
        const conflicts = await findConflicts(row.repo_root, row, selected, false);
        if (conflicts.length > 0) return fail('conflict', conflictMessage('apply', conflicts));
        const patch = await buildPatch(row, selected);
        const acceptedTree = await patchTree(row, row.accepted_tree, patch, false);
        const applied = await runGit(row.repo_root, ['apply', '--whitespace=nowarn', '-'], { input: patch });
        // The project changed between the check and now; git apply is atomic, so nothing landed.
        if (applied.code !== 0) return fail('conflict', conflictMessage('apply', [{ path: '(the project)', reason: firstError(applied.stderr) }]));
        const next: GitRow = { ...row, accepted_tree: acceptedTree };
        await setRefs(next);
        const files = await changeSets.diff(next);
        const summary = changeSets.commit(next, files, null);
        return ok({ appliedFiles: selected.files, appliedHunkIds: selected.hunkIds, summary });
      });
    },

    /** Files that would conflict if the selection were applied now, without changing anything. */
    async conflicts(sessionId: string, selection: ChangeSelectionInput): Promise<Result<ApplyConflict[]>> {
      const found = gitRow(context, sessionId);
      if (!found.ok) return found;
      const row = found.value;
      const chosen = select((await changeSets.pendingOf(row)).files, selection, false);
      if (!chosen.ok) return chosen;
      if (chosen.value.files.length === 0) return ok([]);
      return ok(await findConflicts(row.repo_root, row, chosen.value, false));
    },

    /** Reverts the selection in the worktree. Call under the session's lock. */
    async reject(sessionId: string, selection: ChangeSelectionInput): Promise<Result<ChangeSetSummary>> {
      const found = gitRow(context, sessionId);
      if (!found.ok) return found;
      const present = needsDirectory(found.value);
      if (!present.ok) return present;
      const row = present.value;
      const pending = await changeSets.pendingOf(row);
      const chosen = select(pending.files, selection, true);
      if (!chosen.ok) return chosen;
      const selected = chosen.value;
      if (selected.files.length === 0) return ok(changeSets.unchanged(sessionId, pending.files));
      const conflicts = await findConflicts(row.root, row, selected, true);
      if (conflicts.length > 0) return fail('conflict', conflictMessage('reject', conflicts));
      const patch = await buildPatch(row, selected);
      const snapshotTree = await patchTree(row, row.snapshot_tree, patch, true);
      await git(row.root, ['apply', '-R', '--whitespace=nowarn', '-'], { input: patch });
      const next: GitRow = { ...row, snapshot_tree: snapshotTree };
      await setRefs(next);
      const files = await changeSets.diff(next);
      return ok(changeSets.commit(next, files, null));
    },

    /** Commits the worktree's changes on its branch. Call under the session's lock. */
    async commit(sessionId: string, message: string): Promise<Result<{ commit: string }>> {
      const found = gitRow(context, sessionId);
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
    },
  };
}

/**
 * The pending files and hunks a selection names. `isReverse` is the direction the patch will
 * go: forward into the project (apply) or backward out of the worktree (reject).
 */
function select(files: readonly FileDiff[], selection: ChangeSelectionInput, isReverse: boolean): Result<Selected> {
  const isEverything = selection.hunkIds === undefined && selection.files === undefined;
  const wantedFiles = new Set(selection.files ?? []);
  const wantedHunks = new Set(selection.hunkIds ?? []);
  if (!isEverything && wantedFiles.size === 0 && wantedHunks.size === 0) return fail('invalid-arguments', 'Nothing was selected.');
  const selected: Selected = { whole: [], partial: [], files: [], hunkIds: [] };
  const chosen = new Set<FileDiff>();
  const foundFiles = new Set<string>();
  const foundHunks = new Set<string>();
  for (const file of files) {
    const isWhole = isEverything || wantedFiles.has(file.path) || (file.oldPath !== null && wantedFiles.has(file.oldPath));
    if (isWhole) {
      foundFiles.add(wantedFiles.has(file.path) ? file.path : (file.oldPath ?? file.path));
      for (const hunk of file.hunks) if (wantedHunks.has(hunk.id)) foundHunks.add(hunk.id);
      addWhole(selected, file);
      chosen.add(file);
      continue;
    }
    const hunks = file.hunks.filter((hunk) => wantedHunks.has(hunk.id));
    if (hunks.length === 0) continue;
    for (const hunk of hunks) foundHunks.add(hunk.id);
    selected.partial.push({ file, hunks });
    selected.files.push(file.path);
    selected.hunkIds.push(...hunks.map((hunk) => hunk.id));
    chosen.add(file);
  }
  const unknown = [...[...wantedFiles].filter((path) => !foundFiles.has(path)), ...[...wantedHunks].filter((id) => !foundHunks.has(id))];
  if (unknown.length > 0) {
    return fail('not-found', `Not pending in this session (already applied, rejected, or changed since): ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', …' : ''}.`);
  }
  if (!isEverything) for (const file of blockers(files, chosen, isReverse)) addWhole(selected, file);
  return ok(selected);
}

function addWhole(selected: Selected, file: FileDiff): void {
  if (file.isWholeOnly) selected.whole.push(file);
  else selected.partial.push({ file, hunks: [...file.hunks] });
  selected.files.push(file.path);
  selected.hunkIds.push(...file.hunks.map((hunk) => hunk.id));
}

/**
 * Pending files left out of `chosen` without which it cannot land: a file that becomes a folder
 * of the same name (`dir` deleted, `dir/new-file` added) or a folder that becomes a file. The
 * new path can only be created once the old one is gone, in the project and in git's index
 * alike, so the removal travels with it, as a rename's header travels with any of its hunks.
 */
function blockers(files: readonly FileDiff[], chosen: Set<FileDiff>, isReverse: boolean): FileDiff[] {
  const pulled: FileDiff[] = [];
  const createdPaths = new Set<string>();
  const createdFolders = new Set<string>();
  const noteCreated = (file: FileDiff) => {
    for (const path of pathsOf(file, isReverse).created) {
      createdPaths.add(path);
      for (const folder of ancestors(path)) createdFolders.add(folder);
    }
  };
  for (const file of chosen) noteCreated(file);
  if (createdPaths.size === 0) return pulled;
  // A pulled-in rename creates a path of its own, which may need another removal: repeat until nothing more is needed.
  for (let isGrowing = true; isGrowing; ) {
    isGrowing = false;
    for (const file of files) {
      if (chosen.has(file)) continue;
      const isBlocking = pathsOf(file, isReverse).removed.some((path) => createdFolders.has(path) || ancestors(path).some((folder) => createdPaths.has(folder)));
      if (!isBlocking) continue;
      chosen.add(file);
      pulled.push(file);
      noteCreated(file);
      isGrowing = true;
    }
  }
  return pulled;
}

/**
 * Selected files whose new path needs a folder where `cwd` has a file or a symlink that the
 * patch does not remove. `git apply --check` lets these through, and the apply itself would
 * then stop part-way, after writing the files before it.
 */
async function folderConflicts(cwd: string, selected: Selected, isReverse: boolean): Promise<ApplyConflict[]> {
  const files = [...selected.whole, ...selected.partial.map((entry) => entry.file)];
  const removed = new Set(files.flatMap((file) => pathsOf(file, isReverse).removed));
  const isBlockedFolder = new Map<string, boolean>();
  const conflicts: ApplyConflict[] = [];
  for (const file of files) {
    const blocked = await firstBlockedFolder(cwd, pathsOf(file, isReverse).created, removed, isBlockedFolder);
    if (blocked !== null) conflicts.push({ path: file.path, reason: `${blocked.folder} is not a folder here, and ${blocked.path} needs it to be one` });
  }
  return conflicts;
}

async function firstBlockedFolder(cwd: string, paths: readonly string[], removed: ReadonlySet<string>, cache: Map<string, boolean>): Promise<{ folder: string; path: string } | null> {
  for (const path of paths) {
    for (const folder of ancestors(path)) {
      if (removed.has(folder)) continue;
      let isBlocked = cache.get(folder);
      if (isBlocked === undefined) {
        isBlocked = await isNonFolder(join(cwd, folder));
        cache.set(folder, isBlocked);
      }
      if (isBlocked) return { folder, path };
    }
  }
  return null;
}

/** Something other than a folder is at `path` (a symlink to a folder counts: git will not write through it). */
async function isNonFolder(path: string): Promise<boolean> {
  try {
    return !(await lstat(path)).isDirectory();
  } catch {
    return false; // nothing there, or under a file (ENOTDIR): git apply makes the folders it needs
  }
}

/** The paths a file's change creates and removes, in the direction the patch goes. */
function pathsOf(file: FileDiff, isReverse: boolean): { created: string[]; removed: string[] } {
  const before = file.kind === 'added' ? [] : [file.oldPath ?? file.path];
  const after = file.kind === 'deleted' ? [] : [file.path];
  // A change that keeps its path (an edit, a mode or type change) creates and removes nothing.
  const created = after.filter((path) => !before.includes(path));
  const removed = before.filter((path) => !after.includes(path));
  return isReverse ? { created: removed, removed: created } : { created, removed };
}

/** 'a/b/c' → ['a', 'a/b']. */
function ancestors(path: string): string[] {
  const folders: string[] = [];
  for (let slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) folders.push(path.slice(0, slash));
  return folders;
}

function conflictMessage(action: 'apply' | 'reject', conflicts: readonly ApplyConflict[]): string {
  const where = action === 'apply' ? 'the project changed underneath' : 'the worktree changed since the last turn';
  return `Cannot ${action}: ${where} in ${conflicts.length.toString()} file(s); nothing was changed.\n${conflicts.map((c) => `${c.path}: ${c.reason}`).join('\n')}`;
}
