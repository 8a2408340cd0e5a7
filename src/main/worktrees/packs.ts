// Pack upkeep. Every recorded turn leaves packs in the project repository: the blobs its
// `git add` wrote and the trees fast-import wrote. Each pack is one more index that git searches
// for every object it looks up, and one more file it rescans whenever a lookup misses (every new
// blob), so recording a turn grew slower with every turn before it: in a 20k-file repository,
// turn 30 took a fifth longer than turn 3. Once a repository holds `packLimit` packs, they are
// rolled up geometrically (`git repack --geometric=2 -d --window=0`): the small packs join into
// one and the large ones stay as they are, so the work is about the size of the turns' own
// objects. It runs beside the sessions, one at a time per repository. Objects are moved, never
// dropped, reachable or not (a private index's blobs included). A repository whose owner turned
// automatic gc off (`gc.auto=0`) is left alone, and so is a partial clone.
import { readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { git, runGit } from './git.ts';

export const packUpkeepSettings = {
  /** Packs in a repository that start a roll-up: two per recorded turn, so every third or fourth turn. */
  packLimit: 8,
} as const;

export interface PackUpkeep {
  /** A command wrote objects into `repoRoot`'s repository: rolls its packs up if there are many. */
  afterWrite(repoRoot: string): void;
  /** Resolves when no roll-up runs (for tests and for a caller that wants the repository quiet). */
  idle(): Promise<void>;
  /** Stops a roll-up under way (git leaves the repository as it was) and starts no more. */
  close(): Promise<void>;
}

interface RepositoryState {
  /** The objects/pack folder, or undefined if the repository asked to be left alone. */
  packDir: Promise<string | undefined>;
  running?: Promise<void>;
}

export function createPackUpkeep(options: { log: (line: string) => void; packLimit?: number }): PackUpkeep {
  const packLimit = options.packLimit ?? packUpkeepSettings.packLimit;
  const repositories = new Map<string, RepositoryState>();
  const stopping = new AbortController();

  async function packDirOf(repoRoot: string): Promise<string | undefined> {
    // Left alone: an owner who turned automatic gc off, and a partial clone, whose packs from
    // its promisor remote must stay apart from the others.
    const settings = await runGit(repoRoot, ['config', '--get-regexp', '^(gc\\.auto|extensions\\.partialclone|remote\\..*\\.promisor)$'], { signal: stopping.signal });
    for (const line of settings.stdout.split('\n')) {
      const [key = '', value = ''] = line.trim().split(/\s+/, 2);
      if (key === 'gc.auto' && value === '0') return undefined;
      if (key === 'extensions.partialclone' || (key.endsWith('.promisor') && value === 'true')) return undefined;
    }
    const path = (await git(repoRoot, ['rev-parse', '--git-path', 'objects/pack'], { signal: stopping.signal })).trim();
    return resolve(repoRoot, path);
  }

  async function rollUpIfMany(repoRoot: string, state: RepositoryState): Promise<void> {
    const packDir = await state.packDir;
    if (!packDir || stopping.signal.aborted) return;
    const packs = (await readdir(packDir)).filter((name) => name.endsWith('.pack')).length;
    if (packs < packLimit || stopping.signal.aborted) return;
    // No delta search (--window=0): it took most of the time and saved a few percent of the
    // turns' packs; objects already stored as deltas stay so, and the owner's own gc still
    // finds the rest.
    await git(repoRoot, ['repack', '--geometric=2', '-d', '-q', '--window=0'], { signal: stopping.signal });
  }

  async function idle(): Promise<void> {
    await Promise.all([...repositories.values()].map((state) => state.running));
  }

  return {
    afterWrite(repoRoot) {
      if (stopping.signal.aborted) return;
      let state = repositories.get(repoRoot);
      if (!state) {
        state = { packDir: packDirOf(repoRoot) };
        // A failure here is reported once, when the roll-up waits for it.
        state.packDir.catch(() => undefined);
        repositories.set(repoRoot, state);
      }
      if (state.running) return;
      const current = state;
      current.running = rollUpIfMany(repoRoot, current)
        .catch((error: unknown) => {
          // Found again next time: the repository may have moved or been mended.
          repositories.delete(repoRoot);
          if (!stopping.signal.aborted) options.log(`rolling up the packs of ${repoRoot} failed: ${error instanceof Error ? error.message : String(error)}`);
        })
        .finally(() => {
          current.running = undefined;
        });
    },
    idle,
    close() {
      stopping.abort();
      return idle();
    },
  };
}
