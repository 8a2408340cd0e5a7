// A git command started ahead of its input: it runs only once what it waits for is done, and
// not at all if that fails.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { git as runBoo } from '../../../src/main/worktrees/git.ts';
import { git, initRepo } from '../../helpers/git.ts';
import { tempDir } from '../../helpers/tempDir.ts';

describe('git started ahead', () => {
  test('runs on what exists once its start is given, not on what existed when it was started', async () => {
    const repo = initRepo(tempDir('boo-git-start-'));
    const start = Promise.withResolvers<void>();
    const hashing = runBoo(repo, ['hash-object', 'later.txt'], { startOn: start.promise });
    await new Promise((resolve) => setTimeout(resolve, 100));
    writeFileSync(join(repo, 'later.txt'), 'written after git was started\n');
    start.resolve();
    expect((await hashing).trim()).toBe(git(repo, 'hash-object', 'later.txt'));
  });

  test('never runs when its start fails, and fails with the same reason', async () => {
    const repo = initRepo(tempDir('boo-git-start-'));
    writeFileSync(join(repo, 'file.txt'), 'x\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '--quiet', '-m', 'one');
    const start = Promise.withResolvers<void>();
    const updating = runBoo(repo, ['update-ref', 'refs/heads/never', 'HEAD'], { startOn: start.promise });
    start.reject(new Error('the staging failed'));
    await expect(updating).rejects.toThrow('the staging failed');
    expect(git(repo, 'for-each-ref', '--format=%(refname)', 'refs/heads/never')).toBe('');
  });
});
