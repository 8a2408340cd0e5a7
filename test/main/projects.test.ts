import { chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Project, SubscriptionMessage } from '../../src/shared/contract.ts';
import { testCore } from '../helpers/core.ts';
import { git, initRepo } from '../helpers/git.ts';
import { tempDir } from '../helpers/tempDir.ts';

function expectOk<T>(result: { ok: true; value: T } | { ok: false; error: { kind: string; message: string } }): T {
  if (!result.ok) throw new Error(`expected success, got ${result.error.kind}: ${result.error.message}`);
  return result.value;
}

describe('projects', () => {
  test('a git repository is opened with its branch recorded', async () => {
    const core = testCore();
    const repo = initRepo(tempDir(), 'trunk');
    const project = expectOk(await core.api.call('projects.open', { path: repo }));
    expect(project).toMatchObject({ isGit: true, branch: 'trunk', path: repo });
  });

  test('a plain folder is opened as a non-git project', async () => {
    const core = testCore();
    const folder = tempDir();
    const project = expectOk(await core.api.call('projects.open', { path: folder }));
    expect(project).toMatchObject({ isGit: false, branch: null });
  });

  test('a detached HEAD records no branch', async () => {
    const core = testCore();
    const repo = initRepo(tempDir());
    git(repo, 'checkout', '--quiet', '--detach');
    expect(expectOk(await core.api.call('projects.open', { path: repo }))).toMatchObject({ isGit: true, branch: null });
  });

  test('a folder and a symlink to it are one project, and opening twice returns the first', async () => {
    const core = testCore();
    const root = tempDir();
    const folder = join(root, 'real');
    mkdirSync(folder);
    symlinkSync(folder, join(root, 'link'));
    const first = expectOk(await core.api.call('projects.open', { path: folder }));
    const viaLink = expectOk(await core.api.call('projects.open', { path: join(root, 'link') }));
    const again = expectOk(await core.api.call('projects.open', { path: `${folder}/./` }));
    expect(viaLink).toEqual(first);
    expect(again).toEqual(first);
    expect(expectOk(await core.api.call('projects.list', {}))).toHaveLength(1);
  });

  test('concurrent opens of one folder create one project and one event', async () => {
    const core = testCore();
    const folder = tempDir();
    const opened: SubscriptionMessage[] = [];
    core.subscribe({ afterSeq: 0 }, (message) => opened.push(message));
    const results = await Promise.all(Array.from({ length: 8 }, () => core.api.call('projects.open', { path: folder })));
    const ids = new Set(results.map((result) => expectOk(result).id));
    expect(ids.size).toBe(1);
    expect(opened).toHaveLength(1);
  });

  test('a missing path is a typed error', async () => {
    const core = testCore();
    const result = await core.api.call('projects.open', { path: join(tempDir(), 'nope') });
    expect(result).toEqual({ ok: false, error: { kind: 'path-missing', message: expect.stringContaining('does not exist') } });
  });

  test('a file instead of a folder is a typed error', async () => {
    const core = testCore();
    const file = join(tempDir(), 'notes.txt');
    writeFileSync(file, 'hello');
    const result = await core.api.call('projects.open', { path: file });
    expect(result).toEqual({ ok: false, error: { kind: 'not-a-directory', message: expect.stringContaining('is a file') } });
  });

  test('a bare repository is refused as having no working files, with a clone suggested', async () => {
    const core = testCore();
    const bare = join(tempDir(), 'bare.git');
    git(tempDir(), 'init', '--quiet', '--bare', bare);
    const result = await core.api.call('projects.open', { path: bare });
    expect(result).toEqual({ ok: false, error: { kind: 'not-a-directory', message: expect.stringContaining(`${bare} is a bare git repository`) } });
    if (!result.ok) expect(result.error.message).toContain(`git clone ${bare}`);
    expect(expectOk(await core.api.call('projects.list', {}))).toEqual([]);
  });

  test('a folder inside a bare repository is refused too', async () => {
    const core = testCore();
    const bare = join(tempDir(), 'bare.git');
    git(tempDir(), 'init', '--quiet', '--bare', bare);
    const result = await core.api.call('projects.open', { path: join(bare, 'refs') });
    expect(result).toMatchObject({ ok: false, error: { kind: 'not-a-directory', message: expect.stringContaining(`inside a bare git repository (${bare})`) } });
  });

  test('a repository\'s .git folder is refused, pointing at the folder that holds its files', async () => {
    const core = testCore();
    const repo = initRepo(tempDir());
    const result = await core.api.call('projects.open', { path: join(repo, '.git') });
    expect(result).toEqual({ ok: false, error: { kind: 'not-a-directory', message: expect.stringContaining(`Open ${repo}, the folder that holds its files`) } });
  });

  test('a repository without a work tree is refused as git data, not a folder of files', async () => {
    const core = testCore();
    const repository = join(tempDir(), 'data.git');
    git(tempDir(), 'init', '--quiet', '--bare', repository);
    git(repository, 'config', 'core.bare', 'false');
    const result = await core.api.call('projects.open', { path: repository });
    expect(result).toEqual({ ok: false, error: { kind: 'not-a-directory', message: expect.stringContaining(`${repository} is the git directory ${repository}`) } });
  });

  test('a repository whose work tree is configured elsewhere is refused, naming that work tree', async () => {
    const core = testCore();
    const repo = initRepo(tempDir());
    const elsewhere = join(tempDir(), 'elsewhere');
    git(repo, 'config', 'core.worktree', elsewhere);
    const result = await core.api.call('projects.open', { path: repo });
    expect(result).toEqual({ ok: false, error: { kind: 'not-a-directory', message: expect.stringContaining(`core.worktree is ${elsewhere}`) } });
  });

  test('a .git file pointing nowhere is a typed error naming the file and the missing repository', async () => {
    const core = testCore();
    const folder = tempDir();
    mkdirSync(join(folder, 'src'));
    writeFileSync(join(folder, '.git'), 'gitdir: /nonexistent/repo/.git/worktrees/gone\n');
    for (const path of [folder, join(folder, 'src')]) {
      const result = await core.api.call('projects.open', { path });
      expect(result).toEqual({ ok: false, error: { kind: 'git-failed', message: expect.stringContaining(`(${join(folder, '.git')}) points to /nonexistent/repo/.git/worktrees/gone, which is not a repository`) } });
    }
  });

  test('a .git file that is not a gitdir line is a typed error naming the file', async () => {
    const core = testCore();
    const folder = tempDir();
    writeFileSync(join(folder, '.git'), 'not what git expects\n');
    const result = await core.api.call('projects.open', { path: folder });
    expect(result).toEqual({ ok: false, error: { kind: 'git-failed', message: expect.stringContaining(`.git file (${join(folder, '.git')}) is not a valid "gitdir:" line`) } });
  });

  // git refuses a repository owned by someone else (safe.directory); only root can hand one to another user.
  test.runIf(process.getuid?.() === 0)('a repository git refuses to read is a typed error with git\'s reason', async () => {
    const core = testCore();
    const repo = initRepo(tempDir());
    chownSync(repo, 65534, 65534);
    const result = await core.api.call('projects.open', { path: repo });
    expect(result).toEqual({ ok: false, error: { kind: 'git-failed', message: expect.stringContaining(`git cannot read the repository of ${repo}: detected dubious ownership`) } });
  });

  test('a folder recorded as a project before it became a bare repository is refused on the next open', async () => {
    const core = testCore();
    const folder = tempDir();
    expectOk(await core.api.call('projects.open', { path: folder }));
    git(folder, 'init', '--quiet', '--bare');
    expect(await core.api.call('projects.open', { path: folder })).toMatchObject({ ok: false, error: { kind: 'not-a-directory' } });
  });

  test('opening publishes workspace.project.opened; removing publishes workspace.project.removed', async () => {
    const core = testCore();
    const events: SubscriptionMessage[] = [];
    core.subscribe({ afterSeq: 0 }, (message) => events.push(message));
    const project = expectOk(await core.api.call('projects.open', { path: tempDir() }));
    expect(expectOk(await core.api.call('projects.remove', { projectId: project.id }))).toEqual({ removed: true });
    expect(events.map((message) => message.kind === 'event' && message.event.type)).toEqual(['workspace.project.opened', 'workspace.project.removed']);
    expect(await core.api.call('projects.remove', { projectId: project.id })).toMatchObject({ ok: false, error: { kind: 'not-found' } });
  });

  test('projects survive a restart of the core', async () => {
    const dataDir = tempDir();
    const folder = tempDir();
    const first = testCore({ dataDir });
    const project: Project = expectOk(await first.api.call('projects.open', { path: folder }));
    await first.close();
    const second = testCore({ dataDir });
    expect(expectOk(await second.api.call('projects.list', {}))).toEqual([project]);
  });
});
