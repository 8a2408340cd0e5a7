import { mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createWorkspaceFs, type WorkspaceFs } from '../../../src/main/agents/acp/workspaceFs.ts';
import { tempDir } from '../../helpers/tempDir.ts';

interface Setup {
  readonly fs: WorkspaceFs;
  readonly root: string;
  readonly outside: string;
  readonly logged: string[];
}

function setup(options: { maxReadBytes?: number } = {}): Setup {
  const base = realpathSync(tempDir('boo-wsfs-'));
  const root = join(base, 'work');
  const outside = join(base, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  const logged: string[] = [];
  return { fs: createWorkspaceFs(root, { ...options, log: (line) => logged.push(line) }), root, outside, logged };
}

describe('workspace fs: inside the root', () => {
  test('reads a file by relative path and by absolute path', async () => {
    const { fs, root } = setup();
    writeFileSync(join(root, 'a.txt'), 'héllo\nworld\n');
    expect(await fs.readTextFile('a.txt')).toEqual({ ok: true, value: 'héllo\nworld\n' });
    expect(await fs.readTextFile(join(root, 'a.txt'))).toEqual({ ok: true, value: 'héllo\nworld\n' });
  });

  test('root is the real path of the working directory, even when given through a symlink', () => {
    const { root } = setup();
    const alias = join(tempDir('boo-wsfs-alias-'), 'alias');
    symlinkSync(root, alias);
    expect(createWorkspaceFs(alias).root).toBe(root);
  });

  test('line and limit select 1-based lines and keep line endings', async () => {
    const { fs, root } = setup();
    writeFileSync(join(root, 'lines.txt'), 'one\r\ntwo\nthree\nfour');
    expect(await fs.readTextFile('lines.txt', { line: 2, limit: 2 })).toEqual({ ok: true, value: 'two\nthree\n' });
    expect(await fs.readTextFile('lines.txt', { line: 3 })).toEqual({ ok: true, value: 'three\nfour' });
    expect(await fs.readTextFile('lines.txt', { limit: 1 })).toEqual({ ok: true, value: 'one\r\n' });
    expect(await fs.readTextFile('lines.txt', { line: 10, limit: 5 })).toEqual({ ok: true, value: '' });
    expect(await fs.readTextFile('lines.txt', { line: null, limit: null })).toEqual({ ok: true, value: 'one\r\ntwo\nthree\nfour' });
  });

  test('writes a new file in new nested folders, and replaces an existing file', async () => {
    const { fs, root } = setup();
    expect(await fs.writeTextFile('src/deep/er/new.ts', 'export {};\n')).toEqual({ ok: true, value: undefined });
    expect(readFileSync(join(root, 'src/deep/er/new.ts'), 'utf8')).toBe('export {};\n');
    writeFileSync(join(root, 'long.txt'), 'a much longer original content');
    expect((await fs.writeTextFile(join(root, 'long.txt'), 'short')).ok).toBe(true);
    expect(readFileSync(join(root, 'long.txt'), 'utf8')).toBe('short');
  });

  test('a symlink that stays inside the root is followed', async () => {
    const { fs, root } = setup();
    mkdirSync(join(root, 'real'));
    writeFileSync(join(root, 'real/file.txt'), 'inside');
    symlinkSync(join(root, 'real'), join(root, 'linked'));
    expect(await fs.readTextFile('linked/file.txt')).toEqual({ ok: true, value: 'inside' });
    expect((await fs.writeTextFile('linked/other.txt', 'x')).ok).toBe(true);
    expect(readFileSync(join(root, 'real/other.txt'), 'utf8')).toBe('x');
  });

  test('.. that stays inside the root is fine', async () => {
    const { fs, root } = setup();
    mkdirSync(join(root, 'sub'));
    writeFileSync(join(root, 'top.txt'), 'top');
    expect(await fs.readTextFile('sub/../top.txt')).toEqual({ ok: true, value: 'top' });
  });
});

describe('workspace fs: failures', () => {
  test('a missing file is not-found', async () => {
    const { fs } = setup();
    const result = await fs.readTextFile('nope/missing.txt');
    expect(result.ok === false && result.error.kind).toBe('not-found');
  });

  test('a folder is not-a-file, for read and write', async () => {
    const { fs, root } = setup();
    mkdirSync(join(root, 'folder'));
    const read = await fs.readTextFile('folder');
    const write = await fs.writeTextFile('folder', 'x');
    expect(read.ok === false && read.error.kind).toBe('not-a-file');
    expect(write.ok === false && write.error.kind).toBe('not-a-file');
  });

  test('a file larger than maxReadBytes is too-large, but a ranged read of its start is served', async () => {
    const { fs, root } = setup({ maxReadBytes: 1000 });
    writeFileSync(join(root, 'big.log'), 'line\n'.repeat(1000));
    const whole = await fs.readTextFile('big.log');
    expect(whole.ok === false && whole.error.kind).toBe('too-large');
    expect(await fs.readTextFile('big.log', { line: 1, limit: 2 })).toEqual({ ok: true, value: 'line\nline\n' });
    const tooFar = await fs.readTextFile('big.log', { line: 900, limit: 1 });
    expect(tooFar.ok === false && tooFar.error.kind).toBe('too-large');
  });
});

describe('workspace fs: confinement', () => {
  async function expectRefused(setupValue: Setup, action: () => Promise<{ ok: boolean; error?: { kind: string } }>): Promise<void> {
    const before = setupValue.logged.length;
    const result = await action();
    expect(result.ok).toBe(false);
    expect(result.error?.kind).toBe('outside-workspace');
    expect(setupValue.logged.length).toBe(before + 1);
  }

  test('../ that leads outside is refused for read and write, and logged', async () => {
    const context = setup();
    await expectRefused(context, () => context.fs.readTextFile('../outside/secret.txt'));
    await expectRefused(context, () => context.fs.writeTextFile('../outside/new.txt', 'x'));
    await expectRefused(context, () => context.fs.writeTextFile('sub/../../escape.txt', 'x'));
    expect(existsSync(join(context.outside, 'new.txt'))).toBe(false);
    expect(context.logged[0]).toContain('refused read');
  });

  test('an absolute path outside is refused, even when the file does not exist', async () => {
    const context = setup();
    await expectRefused(context, () => context.fs.readTextFile(join(context.outside, 'secret.txt')));
    await expectRefused(context, () => context.fs.readTextFile(join(context.outside, 'missing.txt')));
    await expectRefused(context, () => context.fs.writeTextFile(join(context.outside, 'new/deep.txt'), 'x'));
    expect(existsSync(join(context.outside, 'new'))).toBe(false);
  });

  test('a symlinked file pointing outside is refused for read and write, and the target is untouched', async () => {
    const context = setup();
    symlinkSync(join(context.outside, 'secret.txt'), join(context.root, 'link.txt'));
    await expectRefused(context, () => context.fs.readTextFile('link.txt'));
    await expectRefused(context, () => context.fs.writeTextFile('link.txt', 'overwritten'));
    expect(readFileSync(join(context.outside, 'secret.txt'), 'utf8')).toBe('secret');
  });

  test('a dangling symlink is never written through, even when its target would be outside', async () => {
    const context = setup();
    symlinkSync(join(context.outside, 'not-yet.txt'), join(context.root, 'dangling.txt'));
    await expectRefused(context, () => context.fs.writeTextFile('dangling.txt', 'x'));
    expect(existsSync(join(context.outside, 'not-yet.txt'))).toBe(false);
  });

  test('a symlinked folder pointing outside is refused for read, write of an existing file and write of a new nested file', async () => {
    const context = setup();
    symlinkSync(context.outside, join(context.root, 'door'));
    await expectRefused(context, () => context.fs.readTextFile('door/secret.txt'));
    await expectRefused(context, () => context.fs.writeTextFile('door/secret.txt', 'overwritten'));
    await expectRefused(context, () => context.fs.writeTextFile('door/new/deeper.txt', 'x'));
    expect(readFileSync(join(context.outside, 'secret.txt'), 'utf8')).toBe('secret');
    expect(existsSync(join(context.outside, 'new'))).toBe(false);
  });

  test('a path with a NUL byte is refused', async () => {
    const context = setup();
    await expectRefused(context, () => context.fs.readTextFile('a.txt\0../../etc/passwd'));
    await expectRefused(context, () => context.fs.writeTextFile('a\0.txt', 'x'));
  });
});
