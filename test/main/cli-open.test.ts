// `boocode open PATH` and `npm start`, as real processes: the folder goes to the BooCode that
// has the data folder open; with none running and no Electron to be had, the user is told to
// use `npx boocode serve` — in words, not a stack trace.
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { collectEvents, testCore } from '../helpers/core.ts';
import { boocode } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tempDir.ts';

const repoRoot = resolve(import.meta.dirname, '../..');

/** An environment in which Electron cannot be downloaded, whatever the network: an unreachable mirror and an empty cache. */
function offlineElectronEnv(): NodeJS.ProcessEnv {
  return { ...process.env, ELECTRON_MIRROR: 'http://127.0.0.1:9/', electron_config_cache: tempDir('boo-electron-cache-'), ELECTRON_OVERRIDE_DIST_PATH: '' };
}

const isElectronInstalled = existsSync(join(repoRoot, 'node_modules/electron/path.txt'));

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('close', (code) => done({ code, output }));
  });
}

describe('boocode open', () => {
  test('the folder opens in the BooCode that has the data folder open, which asks its windows to show it', async () => {
    const dataDir = tempDir('boo-data-');
    const core = testCore({ dataDir, owner: { kind: 'app', label: 'the BooCode desktop app' } });
    await core.ready;
    const events = collectEvents(core);
    const folder = tempDir('boo-project-');
    const opened = await boocode(['open', '--data-dir', dataDir, folder]);
    expect(opened.code, opened.stderr).toBe(0);
    expect(opened.stdout).toMatch(/^Opened boo-project-\S+ \(.+\) in BooCode\.\n$/);
    const revealed = events.flatMap((event) => (event.type === 'workspace.project.revealed' ? [event.project.path] : []));
    expect(revealed).toHaveLength(1);
    expect(revealed[0]?.endsWith(folder.split('/').at(-1) ?? '')).toBe(true);
  });

  test('a missing path, a file, or not exactly one folder is refused with what was wrong', async () => {
    const dataDir = tempDir('boo-data-');
    const file = join(tempDir('boo-files-'), 'notes.txt');
    writeFileSync(file, 'hi');
    const missing = await boocode(['open', '--data-dir', dataDir, '/no/such/folder']);
    expect([missing.code, missing.stderr]).toEqual([1, 'boocode: /no/such/folder does not exist.\n']);
    const notFolder = await boocode(['open', '--data-dir', dataDir, file]);
    expect(notFolder.code).toBe(1);
    expect(notFolder.stderr).toMatch(/is not a folder/);
    const none = await boocode(['open', '--data-dir', dataDir]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/give one folder to open/);
  });

  test.skipIf(isElectronInstalled)('with no BooCode running and no Electron to be had, open and npm start both say to use npx boocode serve, without a stack trace', async () => {
    const env = offlineElectronEnv();
    const open = await boocode(['open', '--data-dir', tempDir('boo-data-'), tempDir('boo-project-')], { env });
    expect(open.code).toBe(1);
    expect(open.stderr).toMatch(/no BooCode is running to open/);
    expect(open.stderr).toMatch(/Electron is not available here: its download failed \(.+\)\./);
    expect(open.stderr).toContain('  npx boocode serve\n');
    expect(open.stderr).not.toMatch(/^\s+at /m);

    const start = await run(process.execPath, [join(repoRoot, 'scripts/start.ts')], env);
    expect(start.code).toBe(1);
    expect(start.output).toContain('  npx boocode serve\n');
    expect(start.output).not.toMatch(/^\s+at /m);
    expect(start.output.split('\n').length).toBeLessThan(15);
  });
});
