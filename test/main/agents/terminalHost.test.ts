import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import { createTerminalHost, type TerminalHost, type TerminalHostOptions, type TerminalProcess } from '../../../src/main/agents/acp/terminalHost.ts';
import { groupMembers, isAlive, killGroup } from '../../fixtures/processes.ts';
import { tempDir } from '../../helpers/tempDir.ts';

interface Setup {
  readonly host: TerminalHost;
  readonly root: string;
  readonly spawned: TerminalProcess[];
}

function setup(options: Partial<TerminalHostOptions> = {}): Setup {
  const root = realpathSync(tempDir('boo-term-'));
  const spawned: TerminalProcess[] = [];
  const host = createTerminalHost({ root, ...options, onSpawn: (process) => spawned.push(process) });
  onTestFinished(async () => {
    await host.disposeAll();
    // Belt and braces: a failing test must not leave its processes behind.
    for (const { pid } of spawned) await killGroup(pid);
  });
  return { host, root, spawned };
}

function created(result: ReturnType<TerminalHost['create']>): string {
  if (!result.ok) throw new Error(`create failed: ${result.error.kind}: ${result.error.message}`);
  return result.terminalId;
}

/** Waits until the output contains `text` by polling the API the agent polls. */
async function outputContaining(host: TerminalHost, id: string, text: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(host.output(id)?.output.includes(text) ?? false)) {
    if (Date.now() > deadline) throw new Error(`output never contained ${text}: ${host.output(id)?.output}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('terminal host', () => {
  test('runs a command with args in the root and reports its output and exit code', async () => {
    const { host, root } = setup();
    const id = created(host.create({ command: process.execPath, args: ['-e', 'console.log(process.cwd()); console.error("to stderr"); process.exit(3)'] }));
    expect(await host.waitForExit(id)).toEqual({ exitCode: 3, signal: null });
    expect(host.output(id)).toEqual({ output: expect.stringContaining(root), truncated: false, exitStatus: { exitCode: 3, signal: null } });
    expect(host.output(id)?.output).toContain('to stderr');
  });

  test('a whole shell line without args runs through /bin/sh, with request env on top of the base env', async () => {
    const { host } = setup({ env: { ...process.env, BASE_VAR: 'base' } });
    const id = created(host.create({ command: 'echo "$BASE_VAR $EXTRA" | tr a-z A-Z && exit 7', env: [{ name: 'EXTRA', value: 'extra' }] }));
    expect(await host.waitForExit(id)).toEqual({ exitCode: 7, signal: null });
    expect(host.output(id)?.output).toBe('BASE EXTRA\n');
  });

  test('runs in a cwd inside the root', async () => {
    const { host, root } = setup();
    mkdirSync(join(root, 'pkg'));
    const id = created(host.create({ command: 'pwd', args: [], cwd: 'pkg' }));
    await host.waitForExit(id);
    expect(host.output(id)?.output).toBe(`${join(root, 'pkg')}\n`);
  });

  test('output over the byte limit keeps the tail, cut at a character boundary, and says it was truncated', async () => {
    const { host } = setup();
    // 'é' is two bytes: a 7-byte limit over "aéééé" (9 bytes) would cut inside a character.
    const id = created(host.create({ command: 'printf', args: ['aéééé'], outputByteLimit: 7 }));
    await host.waitForExit(id);
    const result = host.output(id);
    expect(result?.truncated).toBe(true);
    expect(result?.output).toBe('ééé');
    expect(Buffer.byteLength(result?.output ?? '')).toBeLessThanOrEqual(7);
  });

  test('output within the limit is not truncated', async () => {
    const { host } = setup();
    const id = created(host.create({ command: 'printf', args: ['ééé'], outputByteLimit: 6 }));
    await host.waitForExit(id);
    expect(host.output(id)).toMatchObject({ output: 'ééé', truncated: false });
  });

  test('a large output is read completely before the exit is reported', async () => {
    const { host } = setup();
    const id = created(host.create({ command: process.execPath, args: ['-e', 'process.stdout.write("x".repeat(300000) + "END")'], outputByteLimit: 1_000_000 }));
    await host.waitForExit(id);
    const output = host.output(id)?.output ?? '';
    expect(output.length).toBe(300_003);
    expect(output.endsWith('END')).toBe(true);
  });

  test('waitForExit and output are undefined for an unknown id; kill and release are false', async () => {
    const { host } = setup();
    expect(host.output('nope')).toBeUndefined();
    expect(host.waitForExit('nope')).toBeUndefined();
    expect(await host.kill('nope')).toBe(false);
    expect(await host.release('nope')).toBe(false);
  });

  test('kill ends a long sleep and the children it started (the whole group)', async () => {
    const { host, spawned } = setup();
    const id = created(host.create({ command: 'sleep 300 & sleep 300 & echo started; wait' }));
    await outputContaining(host, id, 'started');
    const pgid = spawned[0]?.pid ?? 0;
    expect(groupMembers(pgid).length).toBe(3); // the shell and two sleeps
    expect(host.output(id)?.exitStatus).toBeNull();
    expect(await host.kill(id)).toBe(true);
    expect(groupMembers(pgid)).toEqual([]);
    expect(isAlive(pgid)).toBe(false);
    expect(host.output(id)?.exitStatus).toEqual({ exitCode: null, signal: 'SIGTERM' });
    expect(host.count()).toBe(1); // killed, but still known until released
  });

  test('a command that ignores SIGTERM is killed with SIGKILL', async () => {
    const { host } = setup();
    const id = created(host.create({ command: 'trap "" TERM; echo ready; while :; do sleep 1; done' }));
    await outputContaining(host, id, 'ready');
    await host.kill(id);
    expect(host.output(id)?.exitStatus?.signal).toBe('SIGKILL');
  });

  test('release kills a running terminal and forgets it', async () => {
    const { host, spawned } = setup();
    const id = created(host.create({ command: 'sleep', args: ['300'] }));
    const pgid = spawned[0]?.pid ?? 0;
    expect(host.count()).toBe(1);
    expect(await host.release(id)).toBe(true);
    expect(host.count()).toBe(0);
    expect(host.output(id)).toBeUndefined();
    expect(groupMembers(pgid)).toEqual([]);
    expect(await host.release(id)).toBe(false);
  });

  test('release after exit also ends a background child the command left running', async () => {
    const { host, spawned } = setup();
    const id = created(host.create({ command: 'sleep 300 >/dev/null 2>&1 & echo bye' }));
    expect(await host.waitForExit(id)).toEqual({ exitCode: 0, signal: null });
    const pgid = spawned[0]?.pid ?? 0;
    expect(groupMembers(pgid).length).toBe(1); // the sleep
    await host.release(id);
    expect(groupMembers(pgid)).toEqual([]);
  });

  test('a background child that keeps the pipes open does not hold back the exit', async () => {
    const { host, spawned } = setup();
    const id = created(host.create({ command: 'sleep 300 & echo done' }));
    expect(await host.waitForExit(id)).toEqual({ exitCode: 0, signal: null });
    expect(host.output(id)?.output).toBe('done\n');
    await host.release(id);
    expect(groupMembers(spawned[0]?.pid ?? 0)).toEqual([]);
  });

  test('a missing binary exits with 127 and says why in the output', async () => {
    const { host } = setup();
    const id = created(host.create({ command: 'boo-no-such-binary-here' }));
    expect(await host.waitForExit(id)).toEqual({ exitCode: 127, signal: null });
    expect(host.output(id)?.output).toContain('ENOENT');
  });

  test('a cwd outside the root is refused, and a missing cwd fails to spawn', () => {
    const { host } = setup();
    const outside = realpathSync(tempDir('boo-term-outside-'));
    const absolute = host.create({ command: 'pwd', cwd: outside });
    const relative = host.create({ command: 'pwd', cwd: '..' });
    const missing = host.create({ command: 'pwd', cwd: 'nowhere' });
    expect(absolute.ok === false && absolute.error.kind).toBe('outside-workspace');
    expect(relative.ok === false && relative.error.kind).toBe('outside-workspace');
    expect(missing.ok === false && missing.error.kind).toBe('spawn-failed');
    expect(host.count()).toBe(0);
  });

  test('running terminals are capped', async () => {
    const { host } = setup({ maxTerminals: 2 });
    created(host.create({ command: 'sleep', args: ['300'] }));
    const second = created(host.create({ command: 'sleep', args: ['300'] }));
    const third = host.create({ command: 'sleep', args: ['300'] });
    expect(third.ok === false && third.error.kind).toBe('spawn-failed');
    await host.kill(second);
    expect(host.create({ command: 'true', args: [] }).ok).toBe(true);
  });

  test('disposeAll leaves no process running and refuses new terminals', async () => {
    const { host, spawned, root } = setup();
    writeFileSync(join(root, 'spawn-children.sh'), 'sleep 300 &\nsleep 300 &\necho up\nwait\n');
    const ids = [created(host.create({ command: 'sh spawn-children.sh' })), created(host.create({ command: 'sleep', args: ['300'] }))];
    await outputContaining(host, ids[0] ?? '', 'up');
    await host.disposeAll();
    expect(host.count()).toBe(0);
    expect(spawned).toHaveLength(2);
    for (const { pid } of spawned) expect(groupMembers(pid)).toEqual([]);
    const after = host.create({ command: 'true', args: [] });
    expect(after.ok === false && after.error.kind).toBe('spawn-failed');
  });
});
