// Pack upkeep: the packs recorded turns leave in a project repository are rolled up once there
// are many, every object kept (reachable or not), and a repository whose owner turned automatic
// gc off is left alone.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createPackUpkeep } from '../../../src/main/worktrees/packs.ts';
import { git, initRepo } from '../../helpers/git.ts';
import { tempDir } from '../../helpers/tempDir.ts';
import { write } from './fixture.ts';

function packCount(repo: string): number {
  return readdirSync(join(repo, '.git', 'objects', 'pack')).filter((name) => name.endsWith('.pack')).length;
}

/** One pack per call, as a turn's `git add` writes it: blobs no commit reaches, staged in a scratch index. */
function writeTurnPacks(repo: string, turns: number, first = 0): string[] {
  const blobs: string[] = [];
  const index = join(tempDir('boo-packs-index-'), 'index');
  for (let turn = first; turn < first + turns; turn += 1) {
    write(repo, `turn-${turn}.txt`, `written by turn ${turn}\n`);
    execFileSync('git', ['-c', 'core.bigFileThreshold=1', 'add', '-A'], { cwd: repo, env: { ...process.env, GIT_INDEX_FILE: index } });
    blobs.push(git(repo, 'hash-object', `turn-${turn}.txt`));
  }
  return blobs;
}

function exists(repo: string, object: string): boolean {
  try {
    execFileSync('git', ['cat-file', '-e', object], { cwd: repo, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('pack upkeep', () => {
  test('many packs are rolled up into few, and every object in them is kept, reachable or not', async () => {
    const repo = initRepo(tempDir('boo-packs-'));
    write(repo, 'base.txt', 'base\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '--quiet', '-m', 'base');
    const logs: string[] = [];
    const upkeep = createPackUpkeep({ log: (line) => logs.push(line), packLimit: 6 });
    const blobs = writeTurnPacks(repo, 5);
    expect(packCount(repo)).toBe(5);
    // Below the limit: nothing is done.
    upkeep.afterWrite(repo);
    await upkeep.idle();
    expect(packCount(repo)).toBe(5);

    blobs.push(...writeTurnPacks(repo, 5, 5));
    expect(packCount(repo)).toBe(10);
    upkeep.afterWrite(repo);
    await upkeep.idle();
    expect(packCount(repo)).toBeLessThanOrEqual(2);
    for (const blob of blobs) expect(exists(repo, blob), blob).toBe(true);
    expect(git(repo, 'fsck', '--no-dangling')).toBe('');
    expect(logs).toEqual([]);
    await upkeep.close();
  });

  test('a repository with automatic gc turned off and a partial clone are left alone; after close nothing more is started', async () => {
    const repo = initRepo(tempDir('boo-packs-'));
    git(repo, 'config', 'gc.auto', '0');
    const logs: string[] = [];
    const upkeep = createPackUpkeep({ log: (line) => logs.push(line), packLimit: 2 });
    writeTurnPacks(repo, 4);
    upkeep.afterWrite(repo);
    await upkeep.idle();
    expect(packCount(repo)).toBe(4);

    // A partial clone: its promisor packs must stay apart.
    const source = initRepo(tempDir('boo-packs-'));
    write(source, 'a.txt', 'a\n');
    git(source, 'add', '-A');
    git(source, 'commit', '--quiet', '-m', 'a');
    git(source, 'config', 'uploadpack.allowFilter', 'true');
    const partial = join(tempDir('boo-packs-'), 'clone');
    execFileSync('git', ['clone', '--quiet', '--no-local', '--filter=blob:none', `file://${source}`, partial], { stdio: 'ignore' });
    writeTurnPacks(partial, 4);
    const packsBefore = packCount(partial);
    upkeep.afterWrite(partial);
    await upkeep.idle();
    expect(packCount(partial)).toBe(packsBefore);
    // Not even tried (git refuses a geometric roll-up there, and would say so every turn).
    expect(logs).toEqual([]);

    const other = initRepo(tempDir('boo-packs-'));
    writeTurnPacks(other, 4);
    await upkeep.close();
    upkeep.afterWrite(other);
    await upkeep.idle();
    expect(packCount(other)).toBe(4);
  });
});
