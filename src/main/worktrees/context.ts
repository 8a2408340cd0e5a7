// What the parts of the worktree service share: its settings, the hidden refs it keeps in the
// project repository, where the private indexes live, the per-key locks, and the lookups and
// error handling every command starts with. Only the service's own files import this.
import type { ChangesUpdatedEvent } from '../../shared/changes.ts';
import { fail, ok, type Result } from '../../shared/contract.ts';
import type { UnitOfWork } from '../store/index.ts';
import { git, GitCommandError } from './git.ts';
import { isGitRow, type GitRow, type Records, type WorktreeRow } from './records.ts';

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

/** One promise chain per key: calls for the same session (or project) run one after another. */
export interface Locks {
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
}

/** The service's state and collaborators, handed to each of its parts by the entry file. */
export interface WorktreeContext {
  readonly records: Records;
  readonly unitOfWork: UnitOfWork;
  /** Receives `changes.updated` after the write it describes has committed. */
  readonly publish: (event: ChangesUpdatedEvent) => void;
  readonly log: (line: string) => void;
  readonly now: () => number;
  readonly isoNow: () => string;
  /** <dataDir>/worktrees: one directory per session worktree. */
  readonly worktreesDir: string;
  /** Where the private indexes live, beside the worktrees and outside every repository. */
  readonly indexDir: string;
  /** The session's private index: the capture stages the worktree here, never in the agent's own index. */
  privateIndex(sessionId: string): string;
  readonly locks: Locks;
}

export function createLocks(): Locks {
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

function folderMessage(row: WorktreeRow): string {
  return `This session works directly in ${row.project_path}, which is not a git repository with a commit: its edits land there as they happen, so there is no change set to review.`;
}

/** The row of a worktree session, or the failure to return for any other. */
export function gitRow(context: WorktreeContext, sessionId: string): Result<GitRow> {
  const row = context.records.get(sessionId);
  if (!row) return fail('not-found', `No workspace for session ${sessionId}.`);
  if (!isGitRow(row)) return fail('invalid-arguments', folderMessage(row));
  return ok(row);
}

export function needsDirectory(row: GitRow): Result<GitRow> {
  if (row.has_directory === 1) return ok(row);
  return fail('invalid-arguments', `The worktree of session ${row.session_id} is ${row.state === 'vanished' ? 'gone' : 'archived'}: restore it first.`);
}

/** Points the session's hidden refs at the row's accepted and snapshot trees, so gc keeps them. */
export async function setRefs(row: GitRow): Promise<void> {
  const lines = [
    `update ${hiddenRefs.accepted(row.session_id)} ${row.accepted_tree}`,
    `update ${hiddenRefs.snapshot(row.session_id)} ${row.snapshot_tree}`,
    '',
  ].join('\n');
  await git(row.repo_root, ['update-ref', '--stdin'], { input: lines });
}

/** Turns a git failure into a 'git-failed' result; anything else is unexpected and rethrown. */
export async function guard<T>(work: () => Promise<Result<T>>): Promise<Result<T>> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof GitCommandError) return fail('git-failed', error.message);
    if (error instanceof Error && error.name === 'GitError') return fail('git-failed', error.message);
    throw error;
  }
}

/** Both results, once both have settled: no git process is left running when one fails. */
export async function settleAll<A, B>(first: Promise<A>, second: Promise<B>): Promise<[A, B]> {
  await Promise.allSettled([first, second]);
  return Promise.all([first, second]);
}

export function firstError(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter(Boolean);
  return lines.find((line) => line.startsWith('error:'))?.replace(/^error:\s*/, '') ?? lines[0] ?? 'git refused it';
}
