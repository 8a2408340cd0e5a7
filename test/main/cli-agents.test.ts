import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { AgentDescriptorSchema } from '../../src/shared/agents.ts';
import { tempDir } from '../helpers/tempDir.ts';

function fakeAgent(dir: string, name: string, version: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n[ "$1" = "--version" ] && echo "${version}"\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Runs `boocode agents …` on Node 24 with the given PATH and nothing else from our environment. */
function agents(path: string, ...args: string[]) {
  return spawnSync(process.execPath, ['src/main/cli/index.ts', 'agents', ...args], {
    encoding: 'utf8',
    timeout: 20_000,
    env: { PATH: path, HOME: tempDir('boo-home-') },
  });
}

describe('boocode agents', () => {
  test('--help shows every form, whichever form asks', () => {
    for (const form of [[], ['list'], ['add'], ['remove']]) {
      const run = agents(tempDir(), ...form, '--help');
      expect(run.status, form.join(' ')).toBe(0);
      expect(run.stdout).toMatch(/^Usage: boocode agents \[list\]/);
      expect(run.stdout).toMatch(/boocode agents add .*--name NAME --command COMMAND/);
      expect(run.stdout).toMatch(/boocode agents remove/);
    }
  });

  test('list shows each agent with its command line, version or install hint, and source', () => {
    const bin = tempDir();
    fakeAgent(bin, 'qwen', 'qwen 0.24.4');
    const run = agents(bin, '--data-dir', tempDir('boo-data-'));
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+VERSION\s+SOURCE\s+COMMAND$/);
    expect(lines).toContainEqual(expect.stringMatching(/^qwen\s+Qwen Code\s+qwen 0\.24\.4\s+builtin\s+qwen --acp$/));
    expect(lines).toContainEqual(expect.stringMatching(/^gemini\s+Gemini CLI\s+not installed\s+builtin\s+gemini --acp$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\s+Install it with: npm install -g @google\/gemini-cli$/));
    expect(run.stdout).not.toMatch(/@qwen-code\/qwen-code/);
  });

  test('list --json prints the agent descriptors', () => {
    const bin = tempDir();
    const qwen = fakeAgent(bin, 'qwen', '0.24.4');
    const run = agents(bin, 'list', '--json', '--data-dir', tempDir('boo-data-'));
    expect(run.status, run.stderr).toBe(0);
    const listed = AgentDescriptorSchema.array().parse(JSON.parse(run.stdout));
    expect(listed.map((agent) => agent.id)).toEqual(['qwen', 'gemini', 'claude', 'codex', 'opencode', 'opencode-acp', 'goose']);
    expect(listed[0]).toMatchObject({ resolvedPath: qwen, version: '0.24.4', installHint: null });
  });

  test("list --project looks in the project's node_modules/.bin first", () => {
    const bin = tempDir();
    const project = tempDir();
    fakeAgent(bin, 'qwen', 'from PATH');
    const local = fakeAgent(join(project, 'node_modules', '.bin'), 'qwen', 'from project');
    const run = agents(bin, 'list', '--json', '--project', project, '--data-dir', tempDir('boo-data-'));
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)[0]).toMatchObject({ id: 'qwen', resolvedPath: local, version: 'from project' });
  });

  test('add stores a custom agent that list then shows and remove takes away', () => {
    const bin = tempDir();
    const dataDir = tempDir('boo-data-');
    const command = fakeAgent(tempDir(), 'my-agent', 'mine 1.2');
    const added = agents(bin, 'add', '--data-dir', dataDir, '--name', 'My Agent!', '--command', command, '--arg=--acp', '--arg', 'two words', '--env', 'TOKEN=a=b');
    expect(added.status, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/Added agent "my-agent"/);
    expect(added.stdout).toMatch(new RegExp(`^my-agent\\s+My Agent!\\s+mine 1\\.2\\s+custom\\s+${command} --acp 'two words'$`, 'm'));

    const listed = agents(bin, 'list', '--json', '--data-dir', dataDir);
    expect(JSON.parse(listed.stdout).at(-1)).toEqual({
      id: 'my-agent',
      name: 'My Agent!',
      protocol: 'acp',
      source: 'custom',
      command,
      args: ['--acp', 'two words'],
      resolvedPath: command,
      version: 'mine 1.2',
      installHint: null,
    });

    const removed = agents(bin, 'remove', 'my-agent', '--data-dir', dataDir);
    expect(removed.status, removed.stderr).toBe(0);
    expect(removed.stdout).toMatch(/Removed agent "my-agent"/);
    expect(agents(bin, 'list', '--data-dir', dataDir).stdout).not.toMatch(/my-agent/);
  });

  test('an invalid add exits 1 and says what was wrong', () => {
    const dataDir = tempDir('boo-data-');
    const cases: [string[], RegExp][] = [
      [['--name', '', '--command', 'x'], /name: a name is required/],
      [['--name', 'Fine', '--command', ' '], /command: a command is required/],
      [['--name', 'Impostor', '--id', 'qwen', '--command', 'x'], /"qwen" is a built-in agent/],
      [['--name', 'Env', '--command', 'x', '--env', 'BAD-KEY=1'], /env\.BAD-KEY/],
    ];
    for (const [args, message] of cases) {
      const run = agents(tempDir(), 'add', '--data-dir', dataDir, ...args);
      expect(run.status, args.join(' ')).toBe(1);
      expect(run.stderr).toMatch(message);
    }
    expect(agents(tempDir(), 'add', '--data-dir', dataDir, '--name', 'Twice', '--command', 'x').status).toBe(0);
    const duplicate = agents(tempDir(), 'add', '--data-dir', dataDir, '--name', 'Twice', '--command', 'y');
    expect(duplicate.status).toBe(1);
    expect(duplicate.stderr).toMatch(/"twice" already exists/);
  });

  test('removing a builtin or an unknown agent exits 1; a malformed command line exits 2', () => {
    const dataDir = tempDir('boo-data-');
    const builtin = agents(tempDir(), 'remove', '--id', 'qwen', '--data-dir', dataDir);
    expect(builtin.status).toBe(1);
    expect(builtin.stderr).toMatch(/built-in agent and cannot be removed/);
    expect(agents(tempDir(), 'remove', 'nobody', '--data-dir', dataDir).status).toBe(1);
    expect(agents(tempDir(), 'add', '--data-dir', dataDir, '--command', 'x').stderr).toMatch(/--name is required/);
    expect(agents(tempDir(), 'list', '--name', 'x', '--data-dir', dataDir).status).toBe(2);
    expect(agents(tempDir(), 'frobnicate', '--data-dir', dataDir).status).toBe(2);
  });
});
