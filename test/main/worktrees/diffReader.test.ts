// git's diff output is parsed as it arrives: however the output is cut into pieces, the files,
// hunks and raw records are the same as from the whole output at once.
import { execFileSync } from 'node:child_process';
import { rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { diffReader, type FileDiff, type RawEntry } from '../../../src/main/worktrees/diff.ts';
import { git, initRepo } from '../../helpers/git.ts';
import { tempDir } from '../../helpers/tempDir.ts';
import { lines, makeExecutable, write } from './fixture.ts';

function commitAll(repo: string, message: string): string {
  git(repo, 'add', '-A');
  git(repo, 'commit', '--quiet', '--allow-empty', '-m', message);
  return git(repo, 'rev-parse', 'HEAD^{tree}');
}

function read(output: Buffer, pieces: number[]): { files: FileDiff[]; raw: RawEntry[][] } {
  const raw: RawEntry[][] = [];
  const reader = diffReader((records) => raw.push(records));
  let at = 0;
  for (let index = 0; at < output.length; index += 1) {
    const size = pieces[index % pieces.length] ?? 1;
    reader.push(output.subarray(at, at + size));
    at += size;
  }
  return { files: reader.end(), raw };
}

describe('reading a diff as it arrives', () => {
  test('every way of cutting the output gives the same files, hunks and raw records as the whole', () => {
    const repo = initRepo(tempDir('boo-diff-reader-'));
    write(repo, 'modified.txt', lines(40));
    write(repo, 'deleted.txt', 'gone soon\n');
    write(repo, 'renamed-from.txt', lines(60));
    write(repo, 'mode.sh', 'echo hi\n');
    write(repo, 'becomes-link.txt', 'a file for now\n');
    write(repo, 'binary.bin', Buffer.from([0, 1, 2, 3, 255, 0, 7]));
    const before = commitAll(repo, 'before');

    write(repo, 'modified.txt', lines(40).replace('line 5\n', 'line five\n').replace('line 30\n', 'line thirty\n'));
    rmSync(join(repo, 'deleted.txt'));
    rmSync(join(repo, 'renamed-from.txt'));
    write(repo, 'renamed-to.txt', lines(60).replace('line 59\n', 'line 59 changed\n'));
    makeExecutable(repo, 'mode.sh');
    rmSync(join(repo, 'becomes-link.txt'));
    symlinkSync('modified.txt', join(repo, 'becomes-link.txt'));
    write(repo, 'binary.bin', Buffer.from([0, 1, 2, 3, 254, 0, 7]));
    write(repo, 'new\nline "quoted" é.txt', 'odd name\n');
    write(repo, 'looks like a header.txt', 'diff --git a/x b/x\n\ndiff --git a/y b/y\nno newline at the end');
    // A long section, spread over many pieces of output.
    write(repo, 'long.txt', Array.from({ length: 20_000 }, (_, index) => `long line ${index}`).join('\n') + '\n');
    const after = commitAll(repo, 'after');

    const output = execFileSync('git', ['-c', 'core.quotepath=false', 'diff-tree', '-r', '--no-commit-id', '-M', '--no-ext-diff', '--no-textconv', '-z', '--raw', '-p', '--unified=3', before, after], {
      cwd: repo,
      maxBuffer: 64 * 1024 * 1024,
    });
    const whole = read(output, [output.length]);
    // What the whole output holds, so that the comparisons below compare something.
    const byPath = new Map(whole.files.map((file) => [file.path, file]));
    expect(whole.files).toHaveLength(9);
    expect(whole.raw).toHaveLength(1);
    expect(whole.raw[0]).toHaveLength(9);
    expect(byPath.get('renamed-to.txt')).toMatchObject({ kind: 'renamed', oldPath: 'renamed-from.txt' });
    expect(byPath.get('binary.bin')).toMatchObject({ isBinary: true });
    expect(byPath.get('mode.sh')).toMatchObject({ newMode: '100755' });
    expect(byPath.get('new\nline "quoted" é.txt')).toMatchObject({ kind: 'added' });
    expect(byPath.get('modified.txt')?.hunks).toHaveLength(2);
    expect(byPath.get('looks like a header.txt')?.hunks[0]?.lines).toContain('+diff --git a/x b/x');
    expect(byPath.get('long.txt')?.additions).toBe(20_000);

    let seed = 7;
    const randomPieces = Array.from({ length: 500 }, () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return 1 + (seed % 9000);
    });
    for (const pieces of [[1], [2], [7], [13, 1, 4096], [64 * 1024], randomPieces]) {
      const cut = read(output, pieces);
      expect(cut.files, `pieces ${pieces.slice(0, 3).join(',')}`).toEqual(whole.files);
      expect(cut.raw, `pieces ${pieces.slice(0, 3).join(',')}`).toEqual(whole.raw);
    }
  });

  test('output with no change gives no files, and raw records are still handed over', () => {
    const raw: RawEntry[][] = [];
    const reader = diffReader((records) => raw.push(records));
    expect(reader.end()).toEqual([]);
    expect(raw).toEqual([[]]);
  });
});
