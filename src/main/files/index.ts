// The files of a session's workspace, for `@` completion in the composer: what git tracks plus
// untracked files it does not ignore (a plain walk for a folder that is not a repository), read
// once and kept for a while, matched fuzzily as the user types.
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

export const fileIndexLimits = {
  /** A listing this young is reused: typing `@src/co` must not run git on every keystroke. */
  freshForMs: 5_000,
  /** Files listed at most: a monorepo's millions would cost memory for no benefit in a menu. */
  maxFiles: 200_000,
  /** git ls-files of a large repository takes a while; past this the walk answers without it. */
  listTimeoutMs: 10_000,
} as const;

export interface WorkspaceFiles {
  /** Paths relative to the workspace, best match first. */
  find(sessionId: string, cwd: string, query: string, limit: number): Promise<string[]>;
  /** Forget a session's listing (its turn ended, files may have come and gone). */
  invalidate(sessionId: string): void;
}

export function createWorkspaceFiles(): WorkspaceFiles {
  const listings = new Map<string, { at: number; files: Promise<string[]> }>();
  return {
    async find(sessionId, cwd, query, limit) {
      let listing = listings.get(sessionId);
      if (!listing || Date.now() - listing.at > fileIndexLimits.freshForMs) {
        listing = { at: Date.now(), files: list(cwd) };
        listings.set(sessionId, listing);
      }
      return rank(await listing.files, query, limit);
    },
    invalidate(sessionId) {
      listings.delete(sessionId);
    },
  };
}

async function list(cwd: string): Promise<string[]> {
  const tracked = await gitFiles(cwd);
  return tracked ?? walk(cwd);
}

function gitFiles(cwd: string): Promise<string[] | null> {
  return new Promise((resolve) => {
    execFile('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd, maxBuffer: 256 * 1024 * 1024, timeout: fileIndexLimits.listTimeoutMs }, (error, stdout) => {
      if (error) return resolve(null); // not a repository (or git failed): walk the folder instead
      resolve([...new Set(stdout.split('\0').filter((path) => path !== ''))].slice(0, fileIndexLimits.maxFiles));
    });
  });
}

const skippedFolders = new Set(['.git', 'node_modules', '.hg', '.svn', 'dist', 'out', 'build', '.venv', '__pycache__']);

async function walk(root: string): Promise<string[]> {
  const files: string[] = [];
  const folders = [root];
  while (folders.length > 0 && files.length < fileIndexLimits.maxFiles) {
    const folder = folders.pop() as string;
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      continue; // unreadable folder: its files are simply not offered
    }
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (!skippedFolders.has(entry.name)) folders.push(join(folder, entry.name));
      } else if (entry.isFile()) {
        files.push(relative(root, join(folder, entry.name)));
      }
    }
  }
  return files;
}

/**
 * Fuzzy ranking: every query character must appear in order; matches in the file name, at word
 * starts and in runs score higher, shorter paths break ties.
 */
export function rank(files: readonly string[], query: string, limit: number): string[] {
  const needle = query.toLowerCase();
  if (needle === '') return [...files].sort((a, b) => a.length - b.length || a.localeCompare(b)).slice(0, limit);
  const scored: { path: string; score: number }[] = [];
  for (const path of files) {
    const score = scoreOf(path, needle);
    if (score !== null) scored.push({ path, score });
  }
  scored.sort((a, b) => b.score - a.score || a.path.length - b.path.length || a.path.localeCompare(b.path));
  return scored.slice(0, limit).map((entry) => entry.path);
}

function scoreOf(path: string, needle: string): number | null {
  const haystack = path.toLowerCase();
  const nameStart = haystack.lastIndexOf('/') + 1;
  let score = 0;
  let at = -1;
  let run = 0;
  for (const character of needle) {
    const found = haystack.indexOf(character, at + 1);
    if (found === -1) return null;
    run = found === at + 1 ? run + 1 : 0;
    score += 1 + run * 2;
    if (found >= nameStart) score += 2;
    if (found === 0 || '/._-'.includes(haystack[found - 1] ?? '')) score += 3;
    at = found;
  }
  if (haystack.slice(nameStart).startsWith(needle)) score += 10;
  return score;
}
