import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { hiddenRefs } from '../../../src/main/worktrees/index.ts';
import { git } from '../../helpers/git.ts';
import { tempDir } from '../../helpers/tempDir.ts';
import { expectFailure, fixture, lines, makeExecutable, prepared, unwrap, write } from './fixture.ts';
import { execFileSync } from 'node:child_process';

/** The tree plain git makes of a worktree (tracked and untracked, ignores honoured), through a scratch index. */
function plainGitTree(worktree: string): string {
  const index = join(tempDir('boo-index-'), 'index');
  const env = { ...process.env, GIT_INDEX_FILE: index };
  execFileSync('git', ['add', '-A'], { cwd: worktree, env });
  return execFileSync('git', ['write-tree'], { cwd: worktree, env, encoding: 'utf8' }).trim();
}

describe('turn snapshots', () => {
  test('each recorded snapshot is exactly the tree git itself makes of the worktree, whatever the paths and changes', async () => {
    const f = fixture({ files: { 'a/b/c.txt': 'deep\n', 'plain.txt': 'plain\n', 'dir-to-file/x.txt': 'x\n', 'file-to-dir': 'f\n', 'link-me.txt': 'target\n', 'renamed-away': lines(30) } });
    const wt = await prepared(f);
    const snapshot = () => git(f.project, 'rev-parse', `${hiddenRefs.snapshot('session-1')}^{tree}`);
    const turns: (() => void)[] = [
      () => {
        write(wt, 'quote"d and spaced.txt', 'q\n');
        write(wt, 'new\nline.txt', 'n\n');
        write(wt, 'back\\slash.txt', 'b\n');
        write(wt, Buffer.from([0x6c, 0x61, 0x74, 0x69, 0x6e, 0xe9, 0x2e, 0x74, 0x78, 0x74]).toString('latin1'), 'l\n');
        write(wt, 'a/b/c.txt', 'deeper\n');
        makeExecutable(wt, 'plain.txt');
      },
      () => {
        rmSync(join(wt, 'dir-to-file'), { recursive: true });
        write(wt, 'dir-to-file', 'now a file\n');
        rmSync(join(wt, 'file-to-dir'));
        mkdirSync(join(wt, 'file-to-dir'));
        write(wt, 'file-to-dir/inside.txt', 'now a folder\n');
        symlinkSync('link-me.txt', join(wt, 'a-link'));
      },
      () => {
        rmSync(join(wt, 'a'), { recursive: true });
        rmSync(join(wt, 'a-link'));
        write(wt, 'a-link', 'a symlink that became a file\n');
      },
      () => {
        for (const name of ['plain.txt', 'dir-to-file', 'link-me.txt', 'a-link']) rmSync(join(wt, name));
      },
      () => undefined, // a turn that changed nothing
      () => {
        // A rename whose source name becomes a folder: git lists the rename where its destination
        // sorts, after the new folder's file.
        renameSync(join(wt, 'renamed-away'), join(wt, 'zz-destination'));
        write(wt, 'renamed-away/inside.txt', 'a folder where the file was\n');
      },
    ];
    for (const [index, change] of turns.entries()) {
      change();
      unwrap(await f.service.recordTurn('session-1', { turnId: `t${index}`, agentId: 'agent' }));
      expect(snapshot(), `after turn ${index}`).toBe(plainGitTree(wt));
    }
    // Hidden refs survive garbage collection, so every snapshot stays readable.
    git(f.project, 'gc', '--prune=now', '--quiet');
    expect(snapshot()).toBe(plainGitTree(wt));
    expect(unwrap(await f.service.changes('session-1')).files.length).toBeGreaterThan(0);
  });

  test('a capture that fails reports git-failed, leaves the snapshot where it was, and leaves no git process waiting', async () => {
    const f = fixture();
    const wt = await prepared(f);
    const snapshot = () => git(f.project, 'rev-parse', hiddenRefs.snapshot('session-1'));
    const before = snapshot();
    write(wt, 'new.txt', 'new\n');
    writeFileSync(join(f.dataDir, 'worktrees', '.index', 'session-1'), 'not an index');
    const message = expectFailure(await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'agent' }), 'git-failed');
    expect(message).toContain('git');
    expect(snapshot()).toBe(before);
    expect(childGitProcesses()).toEqual([]);
  });
});

/** git processes started by this test process that are still running. */
function childGitProcesses(): string[] {
  const children = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' }).split('\n');
  return children.map((line) => line.trim()).filter((line) => line.endsWith(' git'));
}
