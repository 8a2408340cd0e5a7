import { spawn } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { descendants, groupMembers, isAlive, killGroup, waitForGroupGone } from '../../fixtures/processes.ts';
import { testCore } from '../../helpers/core.ts';
import { tempDir } from '../../helpers/tempDir.ts';

describe('orphaned agents', () => {
  test('agents left running by a killed core are reaped by the next core on the same data dir, and nothing else is', async () => {
    const dataDir = tempDir();
    const cwd = tempDir();
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', 'test/fixtures/core-child.ts', dataDir, cwd], { stdio: ['ignore', 'pipe', 'inherit'] });
    const agentPid = await new Promise<number>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /AGENT_PID (\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`core child exited early with ${code}`)));
    });
    const grandchildren = descendants(agentPid).map((stat) => stat.pid);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    // The agent runs in its own process group and, like codex-acp, ignores the end of its stdin,
    // so it outlives the core that started it.
    expect(isAlive(agentPid)).toBe(true);

    // An unrelated process in its own group must survive the reaping.
    const bystander = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      const next = testCore({ dataDir });
      expect(next.agents.reapedAtStart).toEqual([agentPid]);
      expect(await waitForGroupGone(agentPid, 5_000)).toBe(true);
      for (const pid of grandchildren) expect(isAlive(pid)).toBe(false);
      expect(isAlive(bystander.pid ?? 0)).toBe(true);
      expect(next.store.db.prepare('SELECT count(*) FROM agent_processes').pluck().get()).toBe(0);
    } finally {
      bystander.kill('SIGKILL');
    }
  });

  test('a terminal an agent opened is reaped by the next core after its core was killed', async () => {
    const dataDir = tempDir();
    const cwd = tempDir();
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', 'test/fixtures/core-terminal-child.ts', dataDir, cwd], { stdio: ['ignore', 'pipe', 'inherit'] });
    const terminalPid = await new Promise<number>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /TERMINAL_PID (\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`core child exited early with ${code}`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    try {
      // The terminal leads its own process group, so the core's death leaves it running.
      expect(isAlive(terminalPid)).toBe(true);
      const next = testCore({ dataDir });
      expect(next.agents.reapedAtStart).toContain(terminalPid);
      expect(await waitForGroupGone(terminalPid, 5_000)).toBe(true);
    } finally {
      await killGroup(terminalPid, 100);
    }
  });

  test('a second core cannot open a folder a live core owns, and the owner\'s agents are left alone', async () => {
    const dataDir = tempDir();
    const cwd = tempDir();
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', 'test/fixtures/core-child.ts', dataDir, cwd], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const agentPid = await new Promise<number>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          const match = /AGENT_PID (\d+)/.exec(chunk.toString());
          if (match) resolve(Number(match[1]));
        });
      });
      expect(() => testCore({ dataDir })).toThrow(new RegExp(`in use by .*\\(pid ${child.pid}\\)`));
      expect(groupMembers(agentPid).length).toBeGreaterThan(0);
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      // Clean up the agent the killed core left behind, as the next core would.
      testCore({ dataDir });
    }
  });
});
