// Change sets of a session worktree: what the agents changed, who changed it, and moving it
// hunk by hunk into the project (apply) or out of the worktree (reject).
import { existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { ChangedFile } from '../../../src/shared/changes.ts';
import { expectFailure, fixture, lines, makeExecutable, prepared, read, unwrap, write } from './fixture.ts';

const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02, 0x00, 0xff, 0xfe]);

function byPath(files: readonly ChangedFile[], path: string): ChangedFile {
  const file = files.find((candidate) => candidate.path === path);
  if (!file) throw new Error(`${path} is not in the change set: ${files.map((f) => f.path).join(', ')}`);
  return file;
}

describe('the change set', () => {
  test('lists created, edited, deleted, renamed, binary and mode-changed files with their hunks', async () => {
    const f = fixture({ files: { 'edit.txt': lines(30), 'gone.txt': 'bye\n', 'old-name.txt': lines(20), 'run.sh': 'echo hi\n' } });
    const wt = await prepared(f);
    write(wt, 'new.txt', 'fresh\nfile\n');
    write(wt, 'edit.txt', lines(30, { 3: 'third', 25: 'twenty-fifth' }));
    rmSync(join(wt, 'gone.txt'));
    renameSync(join(wt, 'old-name.txt'), join(wt, 'new-name.txt'));
    write(wt, 'image.bin', binary);
    makeExecutable(wt, 'run.sh');

    const summary = unwrap(await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'agent-a' }));
    expect(summary).toMatchObject({ files: 6, turnId: 't1' });
    const { files } = unwrap(await f.service.changes('session-1'));

    expect(byPath(files, 'new.txt')).toMatchObject({ kind: 'added', additions: 2, deletions: 0, isBinary: false, newMode: '100644', oldMode: null });
    expect(byPath(files, 'new.txt').hunks[0]?.lines).toEqual(['+fresh', '+file']);
    const edit = byPath(files, 'edit.txt');
    expect(edit).toMatchObject({ kind: 'modified', additions: 2, deletions: 2 });
    expect(edit.hunks.map((hunk) => hunk.lines.filter((line) => !line.startsWith(' ')))).toEqual([
      ['-line 3', '+third'],
      ['-line 25', '+twenty-fifth'],
    ]);
    expect(byPath(files, 'gone.txt')).toMatchObject({ kind: 'deleted', deletions: 1, newMode: null, oldMode: '100644' });
    expect(byPath(files, 'new-name.txt')).toMatchObject({ kind: 'renamed', oldPath: 'old-name.txt', similarity: 100, hunks: [] });
    expect(byPath(files, 'image.bin')).toMatchObject({ kind: 'added', isBinary: true, hunks: [] });
    expect(byPath(files, 'run.sh')).toMatchObject({ kind: 'modified', oldMode: '100644', newMode: '100755', hunks: [] });
    expect(new Set(files.flatMap((file) => file.hunks.map((hunk) => hunk.id))).size).toBe(summary.hunks);
  });

  test('publishes changes.updated with the summary after each recorded turn', async () => {
    const f = fixture();
    const wt = await prepared(f);
    write(wt, 'a.txt', 'a\n');
    const summary = unwrap(await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'agent-a' }));
    expect(f.events).toEqual([{ type: 'changes.updated', sessionId: 'session-1', summary }]);
    expect(summary).toMatchObject({ files: 1, hunks: 1, additions: 1, deletions: 0 });
  });

  test('keeps a hunk id while the hunk itself does not change', async () => {
    const f = fixture({ files: { 'x.txt': lines(40) } });
    const wt = await prepared(f);
    write(wt, 'x.txt', lines(40, { 30: 'thirty' }));
    await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'a' });
    const before = unwrap(await f.service.changes('session-1')).files[0]?.hunks[0]?.id;
    // Lines added at the top move the hunk down; it is still the same change.
    write(wt, 'x.txt', `new 1\nnew 2\n${lines(40, { 30: 'thirty' })}`);
    await f.service.recordTurn('session-1', { turnId: 't2', agentId: 'a' });
    const after = unwrap(await f.service.changes('session-1')).files[0]?.hunks;
    expect(after).toHaveLength(2);
    expect(after?.[1]?.id).toBe(before);
    expect(after?.[1]?.newStart).toBe(29);
  });

  test('attributes each hunk to the agent and turn that last changed it', async () => {
    const f = fixture({ files: { 'x.txt': lines(40), 'y.txt': lines(5) } });
    const wt = await prepared(f);
    write(wt, 'x.txt', lines(40, { 5: 'five by A' }));
    await f.service.recordTurn('session-1', { turnId: 'turn-1', agentId: 'agent-a' });
    write(wt, 'x.txt', lines(40, { 5: 'five by A', 35: 'thirty-five by B' }));
    write(wt, 'y.txt', lines(5, { 2: 'two by B' }));
    await f.service.recordTurn('session-1', { turnId: 'turn-2', agentId: 'agent-b' });

    const { files } = unwrap(await f.service.changes('session-1'));
    const x = byPath(files, 'x.txt');
    expect(x.hunks.map((hunk) => [hunk.lines.find((line) => line.startsWith('+')), hunk.attribution])).toEqual([
      ['+five by A', { agentId: 'agent-a', turnId: 'turn-1' }],
      ['+thirty-five by B', { agentId: 'agent-b', turnId: 'turn-2' }],
    ]);
    expect(x.attribution).toEqual({ agentId: 'agent-b', turnId: 'turn-2' });
    expect(byPath(files, 'y.txt').hunks[0]?.attribution).toEqual({ agentId: 'agent-b', turnId: 'turn-2' });
    expect(byPath(files, 'y.txt').attribution).toEqual({ agentId: 'agent-b', turnId: 'turn-2' });
  });

  test('gives a hunk to the later turn when that turn rewrites it, and keeps untouched files', async () => {
    const f = fixture({ files: { 'x.txt': lines(10), 'z.txt': lines(3) } });
    const wt = await prepared(f);
    write(wt, 'x.txt', lines(10, { 4: 'by A' }));
    write(wt, 'z.txt', lines(3, { 1: 'z by A' }));
    await f.service.recordTurn('session-1', { turnId: 'turn-1', agentId: 'agent-a' });
    write(wt, 'x.txt', lines(10, { 4: 'by B' }));
    await f.service.recordTurn('session-1', { turnId: 'turn-2', agentId: 'agent-b' });
    const { files } = unwrap(await f.service.changes('session-1'));
    expect(byPath(files, 'x.txt').hunks[0]?.attribution).toEqual({ agentId: 'agent-b', turnId: 'turn-2' });
    expect(byPath(files, 'z.txt').hunks[0]?.attribution).toEqual({ agentId: 'agent-a', turnId: 'turn-1' });
    expect(byPath(files, 'z.txt').attribution).toEqual({ agentId: 'agent-a', turnId: 'turn-1' });
  });
  test('attributes a turn recorded after a restart as it would have without one', async () => {
    const f = fixture({ files: { 'x.txt': lines(40) } });
    const wt = await prepared(f);
    write(wt, 'x.txt', lines(40, { 5: 'five by A' }));
    await f.service.recordTurn('session-1', { turnId: 'turn-1', agentId: 'agent-a' });
    const service = f.restarted();
    write(wt, 'x.txt', lines(40, { 5: 'five by A', 35: 'thirty-five by B' }));
    await service.recordTurn('session-1', { turnId: 'turn-2', agentId: 'agent-b' });
    const x = byPath(unwrap(await service.changes('session-1')).files, 'x.txt');
    expect(x.hunks.map((hunk) => hunk.attribution?.agentId)).toEqual(['agent-a', 'agent-b']);
    expect(x.attribution?.agentId).toBe('agent-b');
  });

  test('stores the attribution it shows: a restarted service reads back the same change set after turns, an apply and a reject', async () => {
    const f = fixture({ files: { 'x.txt': lines(40), 'y.txt': lines(10), 'z.txt': lines(10) } });
    const wt = await prepared(f);
    write(wt, 'x.txt', lines(40, { 5: 'five by A', 30: 'thirty by A' }));
    write(wt, 'y.txt', lines(10, { 2: 'two by A' }));
    write(wt, 'new.txt', 'new by A\n');
    await f.service.recordTurn('session-1', { turnId: 'turn-1', agentId: 'agent-a' });
    write(wt, 'x.txt', lines(40, { 5: 'five by A', 30: 'thirty by B' }));
    rmSync(join(wt, 'z.txt'));
    await f.service.recordTurn('session-1', { turnId: 'turn-2', agentId: 'agent-b' });
    unwrap(await f.service.apply('session-1', { files: ['y.txt'] }));
    unwrap(await f.service.reject('session-1', { files: ['new.txt'] }));
    const live = unwrap(await f.service.changes('session-1'));
    expect(live.files.map((file) => [file.path, file.attribution?.agentId, file.hunks.map((hunk) => hunk.attribution?.agentId)])).toEqual([
      ['x.txt', 'agent-b', ['agent-a', 'agent-b']],
      ['z.txt', 'agent-b', ['agent-b']],
    ]);
    expect(unwrap(await f.restarted().changes('session-1'))).toEqual(live);
  });

  test('gives a binary file to the turn that last rewrote it, and keeps a file a turn left alone', async () => {
    const f = fixture();
    const wt = await prepared(f);
    write(wt, 'image.bin', binary);
    write(wt, 'notes.txt', 'notes\n');
    await f.service.recordTurn('session-1', { turnId: 'turn-1', agentId: 'agent-a' });
    write(wt, 'image.bin', Buffer.concat([binary, binary]));
    write(wt, 'notes.txt', 'notes\n');
    await f.service.recordTurn('session-1', { turnId: 'turn-2', agentId: 'agent-b' });
    const { files } = unwrap(await f.service.changes('session-1'));
    expect(byPath(files, 'image.bin').attribution).toEqual({ agentId: 'agent-b', turnId: 'turn-2' });
    expect(byPath(files, 'notes.txt').attribution).toEqual({ agentId: 'agent-a', turnId: 'turn-1' });
    expect(byPath(files, 'notes.txt').hunks[0]?.attribution).toEqual({ agentId: 'agent-a', turnId: 'turn-1' });
  });

  test('gives a deleted file and its hunk to the turn that deleted it', async () => {
    const f = fixture({ files: { 'gone.txt': lines(5), 'kept.txt': lines(5) } });
    const wt = await prepared(f);
    write(wt, 'kept.txt', lines(5, { 2: 'two by A' }));
    await f.service.recordTurn('session-1', { turnId: 'turn-1', agentId: 'agent-a' });
    rmSync(join(wt, 'gone.txt'));
    await f.service.recordTurn('session-1', { turnId: 'turn-2', agentId: 'agent-b' });
    const gone = byPath(unwrap(await f.service.changes('session-1')).files, 'gone.txt');
    expect(gone.attribution).toEqual({ agentId: 'agent-b', turnId: 'turn-2' });
    expect(gone.hunks.map((hunk) => hunk.attribution)).toEqual([{ agentId: 'agent-b', turnId: 'turn-2' }]);
  });

  test('gives a file that one turn renamed and a later turn deleted to the turn that deleted it', async () => {
    const f = fixture({ files: { 'old.txt': lines(20) } });
    const wt = await prepared(f);
    renameSync(join(wt, 'old.txt'), join(wt, 'moved.txt'));
    await f.service.recordTurn('session-1', { turnId: 'turn-1', agentId: 'agent-a' });
    rmSync(join(wt, 'moved.txt'));
    await f.service.recordTurn('session-1', { turnId: 'turn-2', agentId: 'agent-b' });
    const { files } = unwrap(await f.service.changes('session-1'));
    expect(files.map((file) => [file.path, file.kind])).toEqual([['old.txt', 'deleted']]);
    expect(byPath(files, 'old.txt').attribution).toEqual({ agentId: 'agent-b', turnId: 'turn-2' });
    expect(byPath(files, 'old.txt').hunks.map((hunk) => hunk.attribution)).toEqual([{ agentId: 'agent-b', turnId: 'turn-2' }]);
  });

  test('gives a file renamed by a later turn to that turn, each hunk keeping the turn that made it', async () => {
    const f = fixture({ files: { 'old.txt': lines(40) } });
    const wt = await prepared(f);
    write(wt, 'old.txt', lines(40, { 5: 'five by A' }));
    await f.service.recordTurn('session-1', { turnId: 'turn-1', agentId: 'agent-a' });
    write(wt, 'old.txt', lines(40, { 5: 'five by A', 35: 'thirty-five by B' }));
    await f.service.recordTurn('session-1', { turnId: 'turn-2', agentId: 'agent-b' });
    renameSync(join(wt, 'old.txt'), join(wt, 'new.txt'));
    await f.service.recordTurn('session-1', { turnId: 'turn-3', agentId: 'agent-c' });
    const renamed = byPath(unwrap(await f.service.changes('session-1')).files, 'new.txt');
    expect(renamed).toMatchObject({ kind: 'renamed', oldPath: 'old.txt', attribution: { agentId: 'agent-c' } });
    expect(renamed.hunks.map((hunk) => hunk.attribution?.agentId)).toEqual(['agent-a', 'agent-b']);
  });
});

describe('apply', () => {
  test('applies a subset of hunks to the project and leaves the rest pending with their ids', async () => {
    const f = fixture({ files: { 'x.txt': lines(40), 'y.txt': lines(5) } });
    const wt = await prepared(f);
    write(wt, 'x.txt', lines(40, { 5: 'five', 35: 'thirty-five' }));
    write(wt, 'y.txt', lines(5, { 2: 'two' }));
    write(wt, 'added.txt', 'hello\n');
    await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'a' });
    const before = unwrap(await f.service.changes('session-1'));
    const x = byPath(before.files, 'x.txt');
    const firstOfX = x.hunks[0]?.id ?? '';
    const secondOfX = x.hunks[1]?.id ?? '';
    const ofY = byPath(before.files, 'y.txt').hunks[0]?.id ?? '';

    const outcome = unwrap(await f.service.apply('session-1', { hunkIds: [secondOfX], files: ['added.txt'] }));
    expect(outcome.appliedFiles.sort()).toEqual(['added.txt', 'x.txt']);
    expect(outcome.summary).toMatchObject({ files: 2, hunks: 2 });

    expect(read(f.project, 'x.txt')).toBe(lines(40, { 35: 'thirty-five' }));
    expect(read(f.project, 'y.txt')).toBe(lines(5));
    expect(read(f.project, 'added.txt')).toBe('hello\n');
    const after = unwrap(await f.service.changes('session-1'));
    expect(after.files.map((file) => file.path).sort()).toEqual(['x.txt', 'y.txt']);
    expect(byPath(after.files, 'x.txt').hunks.map((hunk) => hunk.id)).toEqual([firstOfX]);
    expect(byPath(after.files, 'y.txt').hunks.map((hunk) => hunk.id)).toEqual([ofY]);
    // The worktree itself still holds everything.
    expect(read(wt, 'x.txt')).toBe(lines(40, { 5: 'five', 35: 'thirty-five' }));
    expect(f.events.at(-1)).toMatchObject({ type: 'changes.updated', summary: { files: 2 } });
  });

  test('applies everything, binary files, deletions, renames and modes included, when nothing is selected', async () => {
    const f = fixture({ files: { 'gone.txt': 'bye\n', 'old-name.txt': lines(20), 'run.sh': 'echo hi\n' } });
    const wt = await prepared(f);
    rmSync(join(wt, 'gone.txt'));
    renameSync(join(wt, 'old-name.txt'), join(wt, 'new-name.txt'));
    write(wt, 'image.bin', binary);
    makeExecutable(wt, 'run.sh');
    write(wt, 'sub/dir/deep.txt', 'deep\n');
    await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'a' });

    const outcome = unwrap(await f.service.apply('session-1', {}));
    expect(outcome.summary.files).toBe(0);
    expect(existsSync(join(f.project, 'gone.txt'))).toBe(false);
    expect(existsSync(join(f.project, 'old-name.txt'))).toBe(false);
    expect(read(f.project, 'new-name.txt')).toBe(lines(20));
    expect(readFileSync(join(f.project, 'image.bin')).equals(binary)).toBe(true);
    expect(statSync(join(f.project, 'run.sh')).mode & 0o111).not.toBe(0);
    expect(read(f.project, 'sub/dir/deep.txt')).toBe('deep\n');
    expect(unwrap(await f.service.changes('session-1')).files).toEqual([]);
  });

  test('refuses a conflicting apply, names the file and leaves the project untouched', async () => {
    const f = fixture({ files: { 'x.txt': lines(10), 'y.txt': lines(10) } });
    const wt = await prepared(f);
    write(wt, 'x.txt', lines(10, { 5: 'agent five' }));
    write(wt, 'y.txt', lines(10, { 2: 'agent two' }));
    await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'a' });
    write(f.project, 'x.txt', lines(10, { 5: 'user five' }));
    const projectX = readFileSync(join(f.project, 'x.txt'));
    const projectY = readFileSync(join(f.project, 'y.txt'));

    const message = expectFailure(await f.service.apply('session-1', {}), 'conflict');
    expect(message).toContain('x.txt');
    expect(message).not.toContain('y.txt:');
    expect(readFileSync(join(f.project, 'x.txt')).equals(projectX)).toBe(true);
    expect(readFileSync(join(f.project, 'y.txt')).equals(projectY)).toBe(true);
    expect(unwrap(await f.service.conflicts('session-1', {})).map((conflict) => conflict.path)).toEqual(['x.txt']);
    expect(unwrap(await f.service.changes('session-1')).summary.files).toBe(2);
  });

  test('applies over unrelated edits the user made in the project', async () => {
    const f = fixture({ files: { 'x.txt': lines(40) } });
    const wt = await prepared(f);
    write(wt, 'x.txt', lines(40, { 35: 'agent' }));
    await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'a' });
    write(f.project, 'x.txt', lines(40, { 2: 'user' }));
    unwrap(await f.service.apply('session-1', { files: ['x.txt'] }));
    expect(read(f.project, 'x.txt')).toBe(lines(40, { 2: 'user', 35: 'agent' }));
  });

  test('applies new files in new folders whole, by hunk, and binary or empty', async () => {
    const f = fixture();
    const wt = await prepared(f);
    write(wt, 'dir/new-file', 'new\nfile\n');
    write(wt, 'a/b/c/deep.txt', 'deep\n');
    write(wt, 'assets/image.bin', binary);
    write(wt, 'empty/.keep', '');
    await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'a' });
    const deep = byPath(unwrap(await f.service.changes('session-1')).files, 'a/b/c/deep.txt').hunks[0]?.id ?? '';

    expect(unwrap(await f.service.apply('session-1', { files: ['dir/new-file'] })).appliedFiles).toEqual(['dir/new-file']);
    expect(unwrap(await f.service.apply('session-1', { hunkIds: [deep] })).appliedFiles).toEqual(['a/b/c/deep.txt']);
    expect(unwrap(await f.service.apply('session-1', { files: ['assets/image.bin', 'empty/.keep'] })).summary.files).toBe(0);
    expect(read(f.project, 'dir/new-file')).toBe('new\nfile\n');
    expect(read(f.project, 'a/b/c/deep.txt')).toBe('deep\n');
    expect(readFileSync(join(f.project, 'assets/image.bin')).equals(binary)).toBe(true);
    expect(read(f.project, 'empty/.keep')).toBe('');
  });

  test('applies a new file whose folder replaced a file of the same name, the file\'s deletion going with it', async () => {
    const f = fixture({ files: { dir: 'I was a file\n', 'other.txt': 'other\n' } });
    const wt = await prepared(f);
    rmSync(join(wt, 'dir'));
    write(wt, 'dir/new-file', 'new\n');
    write(wt, 'other.txt', 'changed\n');
    await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'a' });

    const outcome = unwrap(await f.service.apply('session-1', { files: ['dir/new-file'] }));
    expect(outcome.appliedFiles.sort()).toEqual(['dir', 'dir/new-file']);
    expect(read(f.project, 'dir/new-file')).toBe('new\n');
    expect(read(f.project, 'other.txt')).toBe('other\n');
    expect(unwrap(await f.service.changes('session-1')).files.map((file) => file.path)).toEqual(['other.txt']);
  });

  test('applies a hunk of a new file whose folder replaced a file of the same name', async () => {
    const f = fixture({ files: { 'src/config': 'key=value\n' } });
    const wt = await prepared(f);
    rmSync(join(wt, 'src/config'));
    write(wt, 'src/config/index.ts', 'export const key = "value";\n');
    await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'a' });
    const hunk = byPath(unwrap(await f.service.changes('session-1')).files, 'src/config/index.ts').hunks[0]?.id ?? '';

    const outcome = unwrap(await f.service.apply('session-1', { hunkIds: [hunk] }));
    expect(outcome.appliedHunkIds).toContain(hunk);
    expect(read(f.project, 'src/config/index.ts')).toBe('export const key = "value";\n');
    expect(unwrap(await f.service.changes('session-1')).files).toEqual([]);
  });

  test('applies a file that replaced a folder of the same name, the folder\'s deletions going with it', async () => {
    const f = fixture({ files: { 'lib/a.txt': 'a\n', 'lib/sub/b.txt': 'b\n' } });
    const wt = await prepared(f);
    rmSync(join(wt, 'lib'), { recursive: true });
    write(wt, 'lib', 'now a file\n');
    await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'a' });

    expect(unwrap(await f.service.apply('session-1', { files: ['lib'] })).appliedFiles.sort()).toEqual(['lib', 'lib/a.txt', 'lib/sub/b.txt']);
    expect(read(f.project, 'lib')).toBe('now a file\n');
  });

  test('refuses a new file whose folder the user made a file of in the project, naming it, and writes nothing', async () => {
    const f = fixture();
    const wt = await prepared(f);
    write(wt, 'a-first.txt', 'first\n');
    write(wt, 'dir/new-file', 'new\n');
    await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'a' });
    write(f.project, 'dir', 'the user\'s own file\n');

    expect(unwrap(await f.service.conflicts('session-1', {}))).toEqual([{ path: 'dir/new-file', reason: 'dir is not a folder here, and dir/new-file needs it to be one' }]);
    expect(expectFailure(await f.service.apply('session-1', {}), 'conflict')).toContain('dir/new-file: dir is not a folder here');
    expect(existsSync(join(f.project, 'a-first.txt'))).toBe(false);
    expect(read(f.project, 'dir')).toBe('the user\'s own file\n');
    expect(unwrap(await f.service.changes('session-1')).summary.files).toBe(2);
  });

  test('refuses ids that are not pending', async () => {
    const f = fixture();
    const wt = await prepared(f);
    write(wt, 'a.txt', 'a\n');
    await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'a' });
    expect(expectFailure(await f.service.apply('session-1', { hunkIds: ['hnope'] }), 'not-found')).toContain('hnope');
    expect(existsSync(join(f.project, 'a.txt'))).toBe(false);
  });
});

describe('reject', () => {
  test('restores the worktree for the rejected hunks and keeps the others', async () => {
    const f = fixture({ files: { 'x.txt': lines(40) } });
    const wt = await prepared(f);
    write(wt, 'x.txt', lines(40, { 5: 'five', 35: 'thirty-five' }));
    write(wt, 'new.txt', 'new\n');
    await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'a' });
    const x = byPath(unwrap(await f.service.changes('session-1')).files, 'x.txt');
    const summary = unwrap(await f.service.reject('session-1', { hunkIds: [x.hunks[0]?.id ?? ''], files: ['new.txt'] }));
    expect(summary).toMatchObject({ files: 1, hunks: 1 });
    expect(read(wt, 'x.txt')).toBe(lines(40, { 35: 'thirty-five' }));
    expect(existsSync(join(wt, 'new.txt'))).toBe(false);
    expect(byPath(unwrap(await f.service.changes('session-1')).files, 'x.txt').hunks.map((hunk) => hunk.id)).toEqual([x.hunks[1]?.id]);
    // A later turn that changes nothing does not bring the rejected hunks back.
    const next = unwrap(await f.service.recordTurn('session-1', { turnId: 't2', agentId: 'a' }));
    expect(next).toMatchObject({ files: 1, hunks: 1 });
  });

  test('takes a file in a new folder out of the worktree', async () => {
    const f = fixture();
    const wt = await prepared(f);
    write(wt, 'dir/new-file', 'new\n');
    write(wt, 'dir/kept', 'kept\n');
    await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'a' });
    const kept = byPath(unwrap(await f.service.changes('session-1')).files, 'dir/kept').hunks[0]?.id ?? '';
    unwrap(await f.service.reject('session-1', { files: ['dir/new-file'] }));
    expect(existsSync(join(wt, 'dir/new-file'))).toBe(false);
    unwrap(await f.service.reject('session-1', { hunkIds: [kept] }));
    expect(existsSync(join(wt, 'dir'))).toBe(false);
    expect(unwrap(await f.service.changes('session-1')).files).toEqual([]);
  });

  test('brings back a file whose name a new folder took, the folder\'s files going with it', async () => {
    const f = fixture({ files: { dir: 'I was a file\n' } });
    const wt = await prepared(f);
    rmSync(join(wt, 'dir'));
    write(wt, 'dir/new-file', 'new\n');
    await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'a' });

    unwrap(await f.service.reject('session-1', { files: ['dir'] }));
    expect(read(wt, 'dir')).toBe('I was a file\n');
    expect(unwrap(await f.service.changes('session-1')).files).toEqual([]);
  });

  test('brings back a deleted file', async () => {
    const f = fixture({ files: { 'keep.txt': 'keep\n' } });
    const wt = await prepared(f);
    rmSync(join(wt, 'keep.txt'));
    await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'a' });
    unwrap(await f.service.reject('session-1', { files: ['keep.txt'] }));
    expect(read(wt, 'keep.txt')).toBe('keep\n');
  });
});
