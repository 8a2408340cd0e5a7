// Provisioning: a session's workspace. A git project with a commit gets its own worktree under
// <dataDir>/worktrees/<session-id> on branch `boo/<short-id>` from the project's HEAD, with its
// setup files copied in and its setup command run; any other folder is worked in directly.
import { mkdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { simpleGit } from 'simple-git';
import type { SessionWorkspace, SetupReport, WorkspaceNotice } from '../../shared/changes.ts';
import { fail, ok, type Result } from '../../shared/contract.ts';
import type { Capture } from './capture.ts';
import { setRefs, worktreeSettings, type WorktreeContext } from './context.ts';
import { git, runGit } from './git.ts';
import { toWorkspace, type GitRow, type WorktreeRow } from './records.ts';
import { inspectFolder } from './repository.ts';
import { copySetupFiles, normalizeSetupPath, runSetupCommand } from './setup.ts';

export interface PrepareInput {
  readonly sessionId: string;
  readonly projectPath: string;
  readonly setup?: { readonly copyFiles?: readonly string[]; readonly command?: string };
}

const sessionIdPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** A session id that can name a directory and a ref, or the failure to return. */
export function checkSessionId(sessionId: string): Result<string> {
  if (sessionIdPattern.test(sessionId)) return ok(sessionId);
  return fail('invalid-arguments', `Session id ${JSON.stringify(sessionId)} is not usable in a path or a ref.`);
}

export type Provisioner = ReturnType<typeof createProvisioner>;

export function createProvisioner(context: WorktreeContext, capture: Capture) {
  const { records } = context;

  return {
    /** The session's workspace, made on first call. Call under the session's lock. */
    async prepare(input: PrepareInput): Promise<Result<SessionWorkspace>> {
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
      const createdAt = context.isoNow();
      const repository = await inspectFolder(projectPath);
      if (!repository.ok) return repository;
      if (repository.value.kind === 'plain' || repository.value.head === null) {
        const notices: WorkspaceNotice[] =
          repository.value.kind === 'work-tree'
            ? [{ kind: 'no-commits', message: `${projectPath} is a git repository without a commit, so the session works in the folder itself. Commit once to give later sessions a worktree.` }]
            : [];
        const row: WorktreeRow = {
          ...emptyRow(input.sessionId, projectPath, createdAt),
          kind: 'folder',
          path: projectPath,
          notices: JSON.stringify(notices),
        };
        context.unitOfWork.run(() => ({ value: records.insert(row), events: [] }));
        return ok(toWorkspace(row));
      }
      const repoRoot = resolve(repository.value.topLevel);
      const prefix = repository.value.prefix;
      const baseCommit = repository.value.head;
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
      const root = join(context.worktreesDir, input.sessionId);
      await rm(root, { recursive: true, force: true }); // a leftover of a prepare that never got recorded
      await mkdir(context.worktreesDir, { recursive: true });
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
      await capture.seedIndex(row);
      await setRefs(row);
      context.unitOfWork.run(() => ({ value: records.insert(row), events: [] }));
      if (command === null) return ok(toWorkspace(row));
      const ran = await runSetupCommand(command, path);
      const report: SetupReport = { ...setup, exitCode: ran.exitCode, isCommandOk: ran.isOk, output: ran.output };
      if (!ran.isOk) {
        notices.push({
          kind: 'setup-command-failed',
          message: `The setup command \`${command}\` failed (${ran.exitCode === null ? 'stopped' : `exit ${ran.exitCode.toString()}`}); the worktree is ready, but may miss what it should have set up.`,
        });
      }
      const finished: GitRow = { ...row, setup: JSON.stringify(report), notices: JSON.stringify(notices), updated_at: context.isoNow() };
      context.unitOfWork.run(() => ({ value: records.update(finished), events: [] }));
      return ok(toWorkspace(finished));
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

async function pickBranch(repoRoot: string, sessionId: string): Promise<string> {
  const safe = sessionId.toLowerCase();
  for (const length of [worktreeSettings.shortIdLength, 12, safe.length]) {
    const branch = `${worktreeSettings.branchPrefix}${safe.slice(0, length)}`;
    const taken = await runGit(repoRoot, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`]);
    if (taken.code !== 0) return branch;
  }
  return `${worktreeSettings.branchPrefix}${safe}-${Date.now().toString(36)}`;
}
