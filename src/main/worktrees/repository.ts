// What git makes of a folder someone wants to work in. A plain folder and a repository's work
// tree are both fine; a bare repository, a repository's own git directory, a repository whose
// work tree is elsewhere and a `.git` file pointing nowhere are not: there, agents would write
// into git's internal data, or beside a repository that cannot see their edits. Those fail
// here, with what the folder is and what to open instead.
import { lstat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fail, ok, type Result } from '../../shared/contract.ts';
import { runGit, type GitOutput } from './git.ts';

/** A folder agents can work in: outside any repository, or inside a repository's work tree. */
export type FolderRepository =
  | { readonly kind: 'plain' }
  | {
      readonly kind: 'work-tree';
      /** The work tree's top folder. */
      readonly topLevel: string;
      /** The folder's path below topLevel, '' or ending in '/'. */
      readonly prefix: string;
      /** The commit HEAD points at; null in a repository without a commit yet. */
      readonly head: string | null;
      /** The checked-out branch; null on a detached HEAD. */
      readonly branch: string | null;
    };

// git's two ways of saying it found no repository above the folder: the normal case of a plain
// folder. Any other failure means there is a repository git cannot use.
const noRepository = /not a git repository \(or any (of the parent directories|parent up to)/;

/** Reads the repository (if any) around `folder`, an existing directory. */
export async function inspectFolder(folder: string): Promise<Result<FolderRepository>> {
  const where = await tryGit(folder, ['rev-parse', '--is-bare-repository', '--is-inside-git-dir', '--is-inside-work-tree', '--absolute-git-dir']);
  // Without git installed every folder is a plain folder, as it is to the user's own tools.
  if (where === null) return ok({ kind: 'plain' });
  if (where.code !== 0) return noRepository.test(where.stderr) ? ok({ kind: 'plain' }) : unreadable(folder, where);
  const [isBare = '', isInGitDir = '', isInWorkTree = '', gitDir = ''] = where.stdout.split('\n').map((line) => line.trim());
  if (isBare === 'true') {
    return fail(
      'not-a-directory',
      `${folder} is ${gitDir === folder ? '' : 'inside '}a bare git repository (${gitDir}): it holds git's data but no working files, so there is nothing for agents to edit. Clone it (git clone ${gitDir}) and open the clone instead.`,
    );
  }
  if (isInGitDir === 'true') {
    const owner = basename(gitDir) === '.git' ? dirname(gitDir) : null;
    return fail(
      'not-a-directory',
      `${folder} is ${gitDir === folder ? '' : 'inside '}the git directory ${gitDir}, where git keeps a repository's data, not its files. ${owner === null ? "Open the folder that holds the repository's files instead." : `Open ${owner}, the folder that holds its files, instead.`}`,
    );
  }
  if (isInWorkTree !== 'true') {
    const configured = await tryGit(folder, ['rev-parse', '--show-toplevel']);
    const workTree = configured?.code === 0 ? configured.stdout.trim() : '';
    return fail(
      'not-a-directory',
      `${folder} belongs to the git repository ${gitDir} but is not in its work tree${workTree === '' ? '' : ` (core.worktree is ${workTree})`}, so git would not see what agents change here. Open the repository's work tree instead, or fix core.worktree.`,
    );
  }
  const located = await runGit(folder, ['rev-parse', '--show-toplevel', '--show-prefix']);
  if (located.code !== 0) return unreadable(folder, located);
  const [topLevel = '', prefix = ''] = located.stdout.split('\n');
  const head = await runGit(folder, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  // symbolic-ref works on a fresh repo with no commits, where rev-parse HEAD fails; it fails on a detached HEAD.
  const branch = await runGit(folder, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  return ok({
    kind: 'work-tree',
    topLevel,
    prefix,
    head: head.code === 0 ? head.stdout.trim() : null,
    branch: branch.code === 0 && branch.stdout.trim() !== '' ? branch.stdout.trim() : null,
  });
}

/** git found a repository at or above `folder` and refused to read it. */
async function unreadable(folder: string, output: GitOutput): Promise<Result<never>> {
  const reason = output.stderr.split('\n').map((line) => line.replace(/^fatal:\s*/, '').trim()).find(Boolean) ?? `git exited with ${output.code.toString()}`;
  const pointsNowhere = /^(not a git repository: |invalid gitfile format: )(.*)$/.exec(reason);
  if (pointsNowhere) {
    const gitFile = await findGitFile(folder);
    const target = pointsNowhere[1]?.startsWith('invalid') ? null : (pointsNowhere[2] ?? null);
    return fail(
      'git-failed',
      `${folder} is in a git repository whose .git file${gitFile === null ? '' : ` (${gitFile})`} ${target === null ? 'is not a valid "gitdir:" line' : `points to ${target}, which is not a repository`}: it was moved or deleted. If the repository moved, run \`git worktree repair\` in it; to work here without git, remove the .git file.`,
    );
  }
  return fail('git-failed', `git cannot read the repository of ${folder}: ${reason}`);
}

/** The nearest `.git` entry at or above `folder` that is a file, as git's own discovery would meet it. */
async function findGitFile(folder: string): Promise<string | null> {
  for (let current = folder; ; current = dirname(current)) {
    const candidate = join(current, '.git');
    try {
      // git's discovery stops at the first .git it meets, file or folder.
      return (await lstat(candidate)).isFile() ? candidate : null;
    } catch {
      // no .git here: look one folder up
    }
    if (dirname(current) === current) return null;
  }
}

/** runGit, or null when git itself cannot be started. */
async function tryGit(cwd: string, args: readonly string[]): Promise<GitOutput | null> {
  try {
    return await runGit(cwd, args);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
