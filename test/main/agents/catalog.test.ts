import { chmodSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { AppEventType } from '../../../src/shared/contract.ts';
import { createAgentCatalog, type AgentCatalog } from '../../../src/main/agents/catalog/index.ts';
import { detectionTimings } from '../../../src/main/agents/catalog/detect.ts';
import { createUnitOfWork } from '../../../src/main/store/index.ts';
import { createSettingsService } from '../../../src/main/settings/index.ts';
import { testCore } from '../../helpers/core.ts';
import { tempDir } from '../../helpers/tempDir.ts';

/** A fake agent: a shell script that answers --version with `version` (and otherwise runs `body`). */
function fakeAgent(dir: string, name: string, options: { version?: string; body?: string; mode?: number } = {}): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  const body = options.body ?? `if [ "$1" = "--version" ]; then echo ""; echo "  ${options.version ?? '1.0.0'}  "; fi`;
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, options.mode ?? 0o755);
  return path;
}

/** A catalog over a real data dir, seeing only the environment the test gives it. */
function catalogOn(env: NodeJS.ProcessEnv, dataDir = tempDir('boo-data-')): { catalog: AgentCatalog; published: AppEventType[]; close: () => Promise<void> } {
  const core = testCore({ dataDir });
  const settings = createSettingsService({ store: core.store, unitOfWork: createUnitOfWork(core.store, core.events) });
  const published: AppEventType[] = [];
  core.subscribe({ afterSeq: 0 }, (message) => {
    if (message.kind === 'event') published.push(message.event.type);
  });
  const catalog = createAgentCatalog({ settings, env });
  return { catalog, published, close: () => core.close() };
}

function isGone(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}

describe('agent catalog', () => {
  test('a builtin found on PATH is listed with its path and its trimmed version', async () => {
    const bin = tempDir();
    const qwen = fakeAgent(bin, 'qwen', { version: 'qwen 9.9.9' });
    const { catalog } = catalogOn({ PATH: bin });
    const agents = await catalog.list();
    expect(agents.find((agent) => agent.id === 'qwen')).toEqual({
      id: 'qwen',
      name: 'Qwen Code',
      protocol: 'acp',
      source: 'builtin',
      command: 'qwen',
      args: ['--acp'],
      resolvedPath: qwen,
      version: 'qwen 9.9.9',
      installHint: null,
    });
    expect(agents.map((agent) => agent.id)).toEqual(['qwen', 'gemini', 'claude', 'codex', 'opencode', 'opencode-acp', 'goose']);
  });

  test("the project's node_modules/.bin wins over PATH", async () => {
    const bin = tempDir();
    const project = tempDir();
    fakeAgent(bin, 'qwen', { version: 'from PATH' });
    const local = fakeAgent(join(project, 'node_modules', '.bin'), 'qwen', { version: 'from project' });
    const { catalog } = catalogOn({ PATH: bin });
    const inProject = (await catalog.list({ projectPath: project })).find((agent) => agent.id === 'qwen');
    expect(inProject).toMatchObject({ resolvedPath: local, version: 'from project' });
    expect((await catalog.list()).find((agent) => agent.id === 'qwen')).toMatchObject({ version: 'from PATH' });
    expect(await catalog.resolve('qwen', { projectPath: project })).toMatchObject({ ok: true, value: { command: local, args: ['--acp'] } });
  });

  test('a missing builtin has no path or version, and resolving it says how to install it', async () => {
    const { catalog } = catalogOn({ PATH: tempDir() });
    expect((await catalog.list()).find((agent) => agent.id === 'gemini')).toMatchObject({
      resolvedPath: null,
      version: null,
      installHint: 'Install it with: npm install -g @google/gemini-cli',
    });
    const resolved = await catalog.resolve('gemini');
    expect(resolved).toMatchObject({ ok: false, error: { kind: 'agent-not-installed' } });
    expect(!resolved.ok && resolved.error.message).toContain('Install it with: npm install -g @google/gemini-cli');
    expect((await catalog.list()).find((agent) => agent.id === 'goose')?.installHint).toMatch(/goose's own installer/);
  });

  test('an unknown id is not found', async () => {
    const { catalog } = catalogOn({ PATH: tempDir() });
    expect(await catalog.resolve('nobody')).toMatchObject({ ok: false, error: { kind: 'not-found' } });
  });

  test('a file without the execute bit, or a directory, is not installed', async () => {
    const bin = tempDir();
    fakeAgent(bin, 'qwen', { mode: 0o644 });
    mkdirSync(join(bin, 'gemini'));
    const { catalog } = catalogOn({ PATH: bin });
    const agents = await catalog.list();
    expect(agents.find((agent) => agent.id === 'qwen')).toMatchObject({ resolvedPath: null, version: null });
    expect(agents.find((agent) => agent.id === 'gemini')).toMatchObject({ resolvedPath: null });
  });

  test('a --version that hangs gives version null within the timeout and leaves nothing running', async () => {
    const bin = tempDir();
    const childPidFile = join(bin, 'child.pid');
    // A wrapper that forks a child holding stdout open, as qwen's and gemini's launchers do.
    fakeAgent(bin, 'qwen', { body: `/bin/sleep 60 &\necho $! > "${childPidFile}"\nwait` });
    const { catalog } = catalogOn({ PATH: bin });
    const started = Date.now();
    const qwen = (await catalog.list()).find((agent) => agent.id === 'qwen');
    expect(Date.now() - started).toBeLessThan(detectionTimings.versionTimeoutMs + 3_000);
    expect(qwen).toMatchObject({ resolvedPath: join(bin, 'qwen'), version: null });
    const childPid = Number(readFileSync(childPidFile, 'utf8'));
    await expect.poll(() => isGone(childPid), { timeout: 2_000 }).toBe(true);
  });

  test('versions are read once per executable until the file changes', async () => {
    const bin = tempDir();
    const runs = join(bin, 'runs.log');
    const qwen = fakeAgent(bin, 'qwen', { body: `echo run >> "${runs}"\necho 2.0.0` });
    const { catalog } = catalogOn({ PATH: bin });
    await Promise.all([catalog.list(), catalog.list()]);
    await catalog.list();
    expect(readFileSync(runs, 'utf8').trim().split('\n')).toHaveLength(1);
    utimesSync(qwen, new Date(), new Date(Date.now() + 60_000));
    expect((await catalog.list()).find((agent) => agent.id === 'qwen')?.version).toBe('2.0.0');
    expect(readFileSync(runs, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  test('a custom agent is listed as custom, announced, and kept across a restart', async () => {
    const bin = tempDir();
    const dataDir = tempDir('boo-data-');
    const mine = fakeAgent(bin, 'my-agent', { version: 'mine 0.1' });
    const first = catalogOn({ PATH: bin }, dataDir);
    const added = await first.catalog.add({ id: 'mine', name: 'My agent', command: 'my-agent', args: ['--acp'], env: {} });
    expect(added).toEqual({
      ok: true,
      value: {
        id: 'mine',
        name: 'My agent',
        protocol: 'acp',
        source: 'custom',
        command: 'my-agent',
        args: ['--acp'],
        resolvedPath: mine,
        version: 'mine 0.1',
        installHint: null,
      },
    });
    expect(first.published).toEqual(['app.settings.changed', 'agent.catalog.changed']);
    await first.close();
    const second = catalogOn({ PATH: bin }, dataDir);
    expect((await second.catalog.list()).at(-1)).toMatchObject({ id: 'mine', source: 'custom', resolvedPath: mine });
  });

  test("resolving a custom agent gives its absolute command and its env over the user's", async () => {
    const bin = tempDir();
    const command = fakeAgent(tempDir(), 'agent');
    const { catalog } = catalogOn({ PATH: bin, HOME: '/home/someone', SHARED: 'user' });
    await catalog.add({ id: 'abs', name: 'Absolute', command, args: ['serve', '--stdio'], env: { SHARED: 'agent', OWN: '1' } });
    expect(await catalog.resolve('abs')).toEqual({
      ok: true,
      value: {
        agentId: 'abs',
        name: 'Absolute',
        protocol: 'acp',
        command,
        args: ['serve', '--stdio'],
        env: { PATH: bin, HOME: '/home/someone', SHARED: 'agent', OWN: '1' },
        quirks: { advertiseReadTextFile: true, initialModeId: null, trustLoadSession: true, acceptsAlwaysOptions: true },
      },
    });
  });

  test('a custom agent whose command is missing is listed with a hint and refused by resolve', async () => {
    const { catalog } = catalogOn({ PATH: tempDir() });
    await catalog.add({ id: 'ghost', name: 'Ghost', command: 'no-such-agent', args: [], env: {} });
    expect((await catalog.list()).find((agent) => agent.id === 'ghost')).toMatchObject({
      resolvedPath: null,
      installHint: expect.stringContaining('no-such-agent'),
    });
    expect(await catalog.resolve('ghost')).toMatchObject({ ok: false, error: { kind: 'agent-not-installed' } });
  });

  test.each([
    ['an empty name', { name: '  ' }, 'agents.add: name: a name is required'],
    ['an empty command', { command: '' }, 'agents.add: command: a command is required'],
    ['a bad env key', { env: { 'NOT-A-NAME': 'x' } }, 'agents.add: env.NOT-A-NAME: not an environment variable name'],
    ['a NUL byte', { args: ['ok', 'bad\0arg'] }, 'agents.add: args.1: an argument must not contain NUL bytes'],
    ['a bad id', { id: 'Has Spaces' }, 'agents.add: id: use lowercase letters'],
  ])('a definition with %s is refused with the field named', async (_label, change, message) => {
    const { catalog, published } = catalogOn({ PATH: tempDir() });
    const result = await catalog.add({ id: 'bad', name: 'Bad', command: 'bad', args: [], env: {}, ...change });
    expect(result).toMatchObject({ ok: false, error: { kind: 'invalid-arguments', message: expect.stringContaining(message) } });
    expect(published).toEqual([]);
    expect((await catalog.list()).some((agent) => agent.source === 'custom')).toBe(false);
  });

  test('an id taken by a builtin or by another custom agent is refused', async () => {
    const { catalog } = catalogOn({ PATH: tempDir() });
    expect(await catalog.add({ id: 'qwen', name: 'Impostor', command: 'x', args: [], env: {} })).toMatchObject({
      ok: false,
      error: { kind: 'invalid-arguments', message: expect.stringContaining('"qwen" is a built-in agent') },
    });
    expect(await catalog.add({ id: 'twice', name: 'Once', command: 'x', args: [], env: {} })).toMatchObject({ ok: true });
    expect(await catalog.add({ id: 'twice', name: 'Again', command: 'y', args: [], env: {} })).toMatchObject({
      ok: false,
      error: { kind: 'invalid-arguments', message: expect.stringContaining('"twice" already exists') },
    });
    expect((await catalog.list()).filter((agent) => agent.id === 'twice').map((agent) => agent.name)).toEqual(['Once']);
  });

  test('a builtin cannot be removed, an unknown id is not found, and a custom one is removed and announced', async () => {
    const { catalog, published } = catalogOn({ PATH: tempDir() });
    expect(catalog.remove('qwen')).toMatchObject({ ok: false, error: { kind: 'invalid-arguments' } });
    expect(catalog.remove('nobody')).toMatchObject({ ok: false, error: { kind: 'not-found' } });
    await catalog.add({ id: 'mine', name: 'Mine', command: 'x', args: [], env: {} });
    published.length = 0;
    expect(catalog.remove('mine')).toEqual({ ok: true, value: { removed: true } });
    expect(published).toContain('agent.catalog.changed');
    expect((await catalog.list()).some((agent) => agent.id === 'mine')).toBe(false);
  });

  test('quirks: gemini gets no readTextFile, no session/load and no "always" answers; codex starts in full-access; qwen gets the defaults', async () => {
    const bin = tempDir();
    for (const name of ['gemini', 'codex-acp', 'qwen']) fakeAgent(bin, name);
    const { catalog } = catalogOn({ PATH: bin });
    expect(await catalog.resolve('gemini')).toMatchObject({
      ok: true,
      value: { args: ['--acp'], quirks: { advertiseReadTextFile: false, trustLoadSession: false, initialModeId: null, acceptsAlwaysOptions: false } },
    });
    expect(await catalog.resolve('codex')).toMatchObject({ ok: true, value: { quirks: { initialModeId: 'full-access', advertiseReadTextFile: true } } });
    expect(await catalog.resolve('qwen')).toMatchObject({
      ok: true,
      value: { quirks: { advertiseReadTextFile: true, initialModeId: null, trustLoadSession: true, acceptsAlwaysOptions: true } },
    });
  });
});
