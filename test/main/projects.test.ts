import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
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
