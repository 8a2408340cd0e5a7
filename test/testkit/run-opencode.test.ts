// `boocode run --agent opencode` end to end (the built-in preset, a warm `opencode serve`), and
// an opencode server left behind by a killed BooCode reaped by the next start.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../src/main/core/index.ts';
import { groupMembers, isAlive, waitForGroupGone } from '../fixtures/processes.ts';
import { createAgentEnv, createTempGitRepo, type IsolatedAgentEnv } from '../fixtures/real-agents.ts';
import { replies, startScriptedLlm, type ScriptedLlm } from '../fixtures/scripted-llm.ts';
import { boocode, jsonLines } from '../helpers/cli.ts';

describe('boocode run --agent opencode', () => {
  let llm: ScriptedLlm;
  let repo: Awaited<ReturnType<typeof createTempGitRepo>>;
  let isolated: IsolatedAgentEnv;
  let dataDir: string;

  beforeAll(async () => {
    llm = await startScriptedLlm();
    repo = await createTempGitRepo();
    isolated = await createAgentEnv('opencode', { url: llm.url }, { opencodeConfig: { permission: { edit: 'ask' } } });
    dataDir = mkdtempSync(join(tmpdir(), 'boo-run-oc-'));
  });

  afterAll(async () => {
    await isolated?.dispose();
    await repo?.dispose();
    await llm?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes a file in the session worktree, answering the permission request, and exits 0', async () => {
    llm.addRule({ match: '[write oc.txt]', reply: replies.writeFile('oc.txt', 'from opencode\n', replies.text('Wrote oc.txt.')), times: 1 });
    const run = await boocode(['run', '--data-dir', dataDir, '--project', repo.path, '--agent', 'opencode', '--approve', 'allow', '--json', 'Write it. [write oc.txt]'], { env: isolated.env });
    expect(run.code, run.stderr).toBe(0);
    const lines = jsonLines(run.stdout);
    const started = lines[0] as { type: string; cwd: string };
    expect(started.type).toBe('run.started');
    expect(readFileSync(join(started.cwd, 'oc.txt'), 'utf8')).toBe('from opencode\n');
    expect(lines.some((line) => line.type === 'agent.permission.requested')).toBe(true);
    expect(lines.at(-1)).toMatchObject({ type: 'chat.turn.ended', turn: { state: 'completed', agentId: 'opencode' } });
  });

  it('reaps the opencode server of a killed BooCode at the next start', async () => {
    llm.enqueue(replies.slow(2000, 20));
    const orphanData = mkdtempSync(join(tmpdir(), 'boo-oc-orphan-'));
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', 'test/fixtures/core-agent-child.ts', orphanData, repo.path, 'opencode', 'A long story.'], {
      env: isolated.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const { pids } = await new Promise<{ pids: number[] }>((resolve, reject) => {
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const line = output.split('\n').find((candidate) => candidate.startsWith('{'));
          if (line) resolve(JSON.parse(line) as { pids: number[] });
        });
        child.once('exit', (code) => reject(new Error(`core child exited early with ${code}`)));
      });
      expect(pids.length).toBe(1);
      const serverPid = pids[0] ?? 0;
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      // opencode serve outlives a SIGKILLed parent (reparented), as the field notes say.
      expect(isAlive(serverPid)).toBe(true);
      const next = createCore({ dataDir: orphanData, env: isolated.env });
      try {
        expect(next.agents.reapedAtStart).toEqual([serverPid]);
        expect(await waitForGroupGone(serverPid, 10_000)).toBe(true);
      } finally {
        await next.close();
      }
      expect(groupMembers(serverPid)).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(orphanData, { recursive: true, force: true });
    }
  });
});
