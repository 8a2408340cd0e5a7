import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';

function boocode(...args: string[]) {
  return spawnSync(process.execPath, ['src/main/cli/index.ts', ...args], { encoding: 'utf8', timeout: 20_000 });
}

describe('boocode command line', () => {
  test('--help lists the commands and exits 0', () => {
    const run = boocode('--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Usage: boocode <command>/);
    expect(run.stdout).toMatch(/serve/);
  });

  test('every command has its own --help', () => {
    const commands = [...boocode('--help').stdout.matchAll(/^ {2}(\w+) {2,}/gm)].map((match) => match[1]);
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      const run = boocode(command ?? '', '--help');
      expect(run.status, command).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`Usage: boocode ${command}`));
    }
  });

  test('an unknown command or option is a usage error (exit 2) that says what was wrong', () => {
    const unknown = boocode('frobnicate');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown command "frobnicate"/);
    const badOption = boocode('serve', '--colour');
    expect(badOption.status).toBe(2);
    expect(badOption.stderr).toMatch(/--colour/);
    const badPort = boocode('serve', '--port', 'eighty');
    expect(badPort.status).toBe(2);
    expect(badPort.stderr).toMatch(/--port/);
  });

  test('an empty --project or --data-dir is refused (exit 2) instead of meaning the current folder', () => {
    const cases = [
      ['run', '--project', '', '--agent', 'qwen', 'hi'],
      ['sessions', '--project', ''],
      ['agents', 'list', '--project', ''],
      ['sessions', '--project', '.', '--data-dir', ''],
      ['agents', '--data-dir', '  '],
    ];
    for (const args of cases) {
      const run = boocode(...args);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/--(project|data-dir) needs a path; it was given an empty one/);
    }
  });
});
