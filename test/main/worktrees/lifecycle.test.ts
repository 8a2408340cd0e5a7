// A session worktree's life: prepared from the project's HEAD with its setup, committed to,
// archived to a hidden ref, restored, reaped, and noticed when it vanished.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { git } from '../../helpers/git.ts';
import { tempDir } from '../../helpers/tempDir.ts';
import { expectFailure, fixture, lines, prepared, read, unwrap, write } from './fixture.ts';

describe('prepare', () => {
  test('makes a worktree on boo/<short-id> from the project HEAD under the data dir, once', async () => {
    const f = fixture();
    const head = git(f.project, 'rev-parse', 'HEAD');
    const workspace = unwrap(await f.service.prepare({ sessionId: 'abcdef123456', projectPath: f.project }));
    expect(workspace).toMatchObject({ kind: 'worktree', branch: 'boo/abcdef12', baseCommit: head, state: 'active', notices: [] });
    if (workspace.kind !== 'worktree') return;
    expect(workspace.path.startsWith(join(f.dataDir, 'worktrees'))).toBe(true);
    expect(read(workspace.path, 'README.md')).toBe('# test\n');
    expect(git(workspace.path, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('boo/abcdef12');
    const again = unwrap(await f.service.prepare({ sessionId: 'abcdef123456', projectPath: f.project }));
    expect(again).toEqual(workspace);
    expect(f.service.get('abcdef123456')).toEqual(workspace);
    expect(git(f.project, 'worktree', 'list').split('\n')).toHaveLength(2);
  });

  test('notes that uncommitted project changes are not in the worktree', async () => {
    const f = fixture({ files: { 'a.txt': 'committed\n' } });
    write(f.project, 'a.txt', 'uncommitted\n');
    write(f.project, 'scratch.txt', 'untracked\n');
    const workspace = unwrap(await f.service.prepare({ sessionId: 's1', projectPath: f.project }));
    expect(workspace.notices.map((notice) => notice.kind)).toEqual(['uncommitted-project-changes']);
    expect(workspace.notices[0]?.message).toContain('2 file(s)');
    expect(read(workspace.path, 'a.txt')).toBe('committed\n');
    expect(existsSync(join(workspace.path, 'scratch.txt'))).toBe(false);
  });

  test('copies untracked setup files, which then stay out of the change set', async () => {
    const f = fixture();
    write(f.project, '.env', 'SECRET=1\n');
    const workspace = unwrap(
      await f.service.prepare({ sessionId: 's1', projectPath: f.project, setup: { copyFiles: ['.env', 'missing.env', 'README.md'] } }),
    );
    expect(read(workspace.path, '.env')).toBe('SECRET=1\n');
    expect(workspace.notices.map((notice) => notice.kind).sort()).toEqual(['setup-file-missing', 'setup-file-tracked', 'uncommitted-project-changes']);
    if (workspace.kind !== 'worktree') return;
    expect(workspace.setup?.copiedFiles).toEqual(['.env']);
    write(workspace.path, '.env', 'SECRET=changed by the agent\n');
    const summary = unwrap(await f.service.recordTurn('s1', { turnId: 't1', agentId: 'a' }));
    expect(summary.files).toBe(0);
  });

  test('runs the setup command in the worktree and keeps its output', async () => {
    const f = fixture();
    const workspace = unwrap(await f.service.prepare({ sessionId: 's1', projectPath: f.project, setup: { command: 'echo installing; echo done > setup-ran.txt' } }));
    if (workspace.kind !== 'worktree') throw new Error('expected a worktree');
    expect(workspace.setup).toMatchObject({ command: 'echo installing; echo done > setup-ran.txt', exitCode: 0, isCommandOk: true });
    expect(workspace.setup?.output).toContain('installing');
    expect(read(workspace.path, 'setup-ran.txt')).toBe('done\n');
  });

  test('reports a failing setup command and still prepares the worktree', async () => {
    const f = fixture();
    const workspace = unwrap(await f.service.prepare({ sessionId: 's1', projectPath: f.project, setup: { command: 'echo broken >&2; exit 3' } }));
    if (workspace.kind !== 'worktree') throw new Error('expected a worktree');
    expect(workspace.setup).toMatchObject({ exitCode: 3, isCommandOk: false });
    expect(workspace.setup?.output).toContain('broken');
    expect(workspace.notices.map((notice) => notice.kind)).toContain('setup-command-failed');
    expect(existsSync(join(workspace.path, 'README.md'))).toBe(true);
  });

  test('works in a non-git folder itself, with no change sets', async () => {
    const f = fixture();
    const folder = tempDir('boo-wt-plain-');
    writeFileSync(join(folder, 'notes.txt'), 'plain\n');
    const workspace = unwrap(await f.service.prepare({ sessionId: 's1', projectPath: folder }));
    expect(workspace).toMatchObject({ kind: 'folder', path: folder });
    unwrap(await f.service.recordTurn('s1', { turnId: 't1', agentId: 'a' }));
    expect(expectFailure(await f.service.changes('s1'), 'invalid-arguments')).toContain('not a git repository');
    expectFailure(await f.service.apply('s1', {}), 'invalid-arguments');
    expect(f.events).toEqual([]);
  });

  test('refuses a bare repository instead of working in it as a folder, and records nothing', async () => {
    const f = fixture();
    const bare = join(tempDir('boo-wt-bare-'), 'bare.git');
    git(f.project, 'clone', '--quiet', '--bare', f.project, bare);
    const before = readdirSync(bare).sort();
    expect(expectFailure(await f.service.prepare({ sessionId: 's1', projectPath: bare }), 'not-a-directory')).toContain('is a bare git repository');
    expect(f.service.get('s1')).toBeUndefined();
    expect(readdirSync(bare).sort()).toEqual(before);
  });

  test('refuses a folder under a .git file that points nowhere, naming the file', async () => {
    const f = fixture();
    const folder = tempDir('boo-wt-orphan-');
    writeFileSync(join(folder, '.git'), 'gitdir: /nonexistent/worktrees/gone\n');
    expect(expectFailure(await f.service.prepare({ sessionId: 's1', projectPath: folder }), 'git-failed')).toContain(`${join(folder, '.git')}) points to /nonexistent/worktrees/gone`);
    expect(f.service.get('s1')).toBeUndefined();
  });

  test('refuses a setup file outside the project', async () => {
    const f = fixture();
    expectFailure(await f.service.prepare({ sessionId: 's1', projectPath: f.project, setup: { copyFiles: ['../elsewhere'] } }), 'invalid-arguments');
  });
});

describe('commit', () => {
  test('commits the worktree on its branch, leaving the changes pending for the project', async () => {
    const f = fixture();
    const wt = await prepared(f);
    write(wt, 'a.txt', 'a\n');
    const { commit } = unwrap(await f.service.commit('session-1', 'add a'));
    expect(git(wt, 'log', '-1', '--format=%s', commit)).toBe('add a');
    expect(git(f.project, 'rev-parse', 'boo/session-')).toBe(commit);
    const summary = unwrap(await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'a' }));
    expect(summary.files).toBe(1);
  });
});

describe('archive and restore', () => {
  test('refuses to archive pending changes without confirmation, saves them to the hidden ref either way, and restores every file', async () => {
    const f = fixture({ files: { 'x.txt': lines(10), 'gone.txt': 'bye\n' } });
    const wt = await prepared(f);
    write(wt, 'x.txt', lines(10, { 3: 'three' }));
    rmSync(join(wt, 'gone.txt'));
    await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'a' });
    write(wt, 'untracked/late.txt', 'written after the last turn\n');

    const message = expectFailure(await f.service.archive('session-1', { confirm: false }), 'unapplied-changes');
    expect(message).toContain('refs/boocode/archive/session-1');
    const firstRef = git(f.project, 'rev-parse', 'refs/boocode/archive/session-1');
    expect(existsSync(wt)).toBe(true);
    expect(git(f.project, 'show', 'refs/boocode/archive/session-1:untracked/late.txt')).toBe('written after the last turn');

    const archived = unwrap(await f.service.archive('session-1', { confirm: true }));
    expect(archived).toEqual({ ref: 'refs/boocode/archive/session-1', hadPendingChanges: true });
    expect(git(f.project, 'rev-parse', 'refs/boocode/archive/session-1^{tree}')).toBe(git(f.project, 'rev-parse', `${firstRef}^{tree}`));
    expect(existsSync(wt)).toBe(false);
    expect(f.service.get('session-1')).toMatchObject({ state: 'archived', hasDirectory: false });
    expectFailure(await f.service.recordTurn('session-1', { turnId: 't2', agentId: 'a' }), 'invalid-arguments');

    const restored = unwrap(await f.service.restore('session-1'));
    expect(restored).toMatchObject({ kind: 'worktree', state: 'active', hasDirectory: true, path: wt });
    expect(read(wt, 'x.txt')).toBe(lines(10, { 3: 'three' }));
    expect(read(wt, 'untracked/late.txt')).toBe('written after the last turn\n');
    expect(existsSync(join(wt, 'gone.txt'))).toBe(false);
    const { files } = unwrap(await f.service.changes('session-1'));
    expect(files.map((file) => file.path).sort()).toEqual(['gone.txt', 'untracked/late.txt', 'x.txt']);
    expect(files.find((file) => file.path === 'x.txt')?.hunks[0]?.attribution).toEqual({ agentId: 'a', turnId: 't1' });
  });

  test('archives without asking when nothing is pending', async () => {
    const f = fixture();
    const wt = await prepared(f);
    write(wt, 'a.txt', 'a\n');
    await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'a' });
    unwrap(await f.service.apply('session-1', {}));
    expect(unwrap(await f.service.archive('session-1', { confirm: false }))).toEqual({ ref: 'refs/boocode/archive/session-1', hadPendingChanges: false });
    expect(existsSync(wt)).toBe(false);
  });

  test('applies from an archived session whose directory is gone', async () => {
    const f = fixture();
    const wt = await prepared(f);
    write(wt, 'a.txt', 'a\n');
    await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'a' });
    unwrap(await f.service.archive('session-1', { confirm: true }));
    unwrap(await f.service.apply('session-1', {}));
    expect(read(f.project, 'a.txt')).toBe('a\n');
  });
});

describe('reap, disk usage and vanished worktrees', () => {
  test('reaps archived worktrees past their retention and keeps the ref', async () => {
    const f = fixture();
    const wt = await prepared(f);
    write(wt, 'a.txt', 'pending\n');
    await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'a' });
    unwrap(await f.service.archive('session-1', { confirm: true, keepDirectory: true }));
    const retentionMs = 7 * 24 * 60 * 60 * 1000;
    expect(await f.service.reap({ retentionMs })).toEqual({ removed: [] });
    expect(existsSync(wt)).toBe(true);
    f.advance(retentionMs + 1);
    expect(await f.service.reap({ retentionMs })).toEqual({ removed: ['session-1'] });
    expect(existsSync(wt)).toBe(false);
    expect(git(f.project, 'show', 'refs/boocode/archive/session-1:a.txt')).toBe('pending');
    unwrap(await f.service.restore('session-1'));
    expect(read(wt, 'a.txt')).toBe('pending\n');
  });

  test('reaps the worktree of a session archived by the sessions service', async () => {
    const f = fixture();
    const wt = await prepared(f, 'session-2');
    const at = '2029-01-01T00:00:00.000Z';
    f.store.db.prepare('INSERT INTO projects (id, name, path, is_git, branch, created_at, last_opened_at) VALUES (?, ?, ?, 1, ?, ?, ?)').run('p1', 'p', f.project, 'main', at, at);
    f.store.db
      .prepare('INSERT INTO sessions (id, project_id, name, uses_worktree, worktree_path, created_at, updated_at, archived_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?)')
      .run('session-2', 'p1', 'two', wt, at, at, at);
    expect(await f.service.reap({ retentionMs: 1000 })).toEqual({ removed: ['session-2'] });
    expect(existsSync(wt)).toBe(false);
  });

  test('reports the disk usage of each worktree', async () => {
    const f = fixture();
    const wt = await prepared(f);
    write(wt, 'big.bin', Buffer.alloc(100_000));
    const usage = await f.service.diskUsage();
    expect(usage).toHaveLength(1);
    expect(usage[0]?.sessionId).toBe('session-1');
    expect(usage[0]?.bytes).toBeGreaterThanOrEqual(100_000);
  });

  test('prunes a worktree whose directory was deleted, and restores it from its last snapshot', async () => {
    const f = fixture();
    const wt = await prepared(f);
    write(wt, 'a.txt', 'recorded\n');
    await f.service.recordTurn('session-1', { turnId: 't1', agentId: 'a' });
    rmSync(wt, { recursive: true, force: true });
    await f.service.pruneVanished();
    expect(f.service.get('session-1')).toMatchObject({ state: 'vanished', hasDirectory: false });
    expect(git(f.project, 'worktree', 'list').split('\n')).toHaveLength(1);
    expect(f.logs.some((line) => line.includes('vanished'))).toBe(true);
    unwrap(await f.service.restore('session-1'));
    expect(read(wt, 'a.txt')).toBe('recorded\n');
  });

  test('keeps a restored worktree\'s setup copies', async () => {
    const f = fixture();
    mkdirSync(join(f.project, 'conf'));
    writeFileSync(join(f.project, 'conf', 'local.json'), '{}\n');
    const workspace = unwrap(await f.service.prepare({ sessionId: 's1', projectPath: f.project, setup: { copyFiles: ['conf'] } }));
    unwrap(await f.service.archive('s1', { confirm: true }));
    unwrap(await f.service.restore('s1'));
    expect(readFileSync(join(workspace.path, 'conf', 'local.json'), 'utf8')).toBe('{}\n');
  });
});
