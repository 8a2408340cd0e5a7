import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { isAlive, waitForGroupGone } from '../../fixtures/processes.ts';
import { testCore } from '../../helpers/core.ts';
import { assistantText, unwrap } from '../../helpers/chats.ts';
import { tempDir } from '../../helpers/tempDir.ts';

/** Starts test/fixtures/core-chat-child.ts and resolves once its turn has streamed some text. */
async function coreMidTurn(dataDir: string, folder: string, extraArgs: readonly string[] = []) {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', 'test/fixtures/core-chat-child.ts', dataDir, folder, ...extraArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
  const started = await new Promise<{ chatId: string; turnId: string; agentPid: number }>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((candidate) => candidate.startsWith('{'));
      if (line) resolve(JSON.parse(line) as { chatId: string; turnId: string; agentPid: number });
    });
    child.once('exit', (code) => reject(new Error(`core child exited early with ${code}`)));
  });
  return {
    ...started,
    async kill(): Promise<void> {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

describe('crash recovery', () => {
  test('a core killed mid-turn leaves an interrupted turn with its partial text, an intact store, no orphans, and a retry that completes', async () => {
    const dataDir = tempDir();
    const folder = tempDir();
    const started = await coreMidTurn(dataDir, folder);
    await started.kill();
    expect(isAlive(started.agentPid)).toBe(true);

    const core = testCore({ dataDir });
    expect(core.store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(core.agents.reapedAtStart).toEqual([started.agentPid]);
    expect(await waitForGroupGone(started.agentPid)).toBe(true);
    const turn = core.turns.turn(started.turnId);
    expect(turn).toMatchObject({ state: 'interrupted', error: { kind: 'interrupted' } });
    expect(assistantText(core, started.chatId, started.turnId)).toMatch(/^(partial )+$/);

    const retry = unwrap(await core.api.call('chats.retry', { turnId: started.turnId }));
    const retried = await core.turns.whenEnded(retry.turnId);
    expect(retried).toMatchObject({ state: 'completed', retryOf: started.turnId, origin: 'resumed', prompt: 'a long story' });
    expect(assistantText(core, started.chatId, retry.turnId)).toBe('partial '.repeat(200));
  });

  test('a turn found interrupted ended at its last heartbeat, not when the next core started', async () => {
    const dataDir = tempDir();
    const folder = tempDir();
    const heartbeatMs = 50;
    const started = await coreMidTurn(dataDir, folder, [String(heartbeatMs)]);
    // The turn keeps running, and heartbeating, for a while before the core dies.
    await sleep(400);
    const killedAt = new Date().toISOString();
    await started.kill();
    await sleep(1_000);
    const core = testCore({ dataDir });
    const turn = core.turns.turn(started.turnId);
    expect(turn).toMatchObject({ state: 'interrupted', error: { kind: 'interrupted' } });
    expect(turn?.endedAt).toBe(turn?.heartbeatAt);
    expect((turn?.endedAt ?? '') <= killedAt).toBe(true);
    // It heartbeated up to shortly before the kill (timers run late on a loaded machine), well after it started.
    expect(Date.parse(killedAt) - Date.parse(turn?.endedAt ?? '')).toBeLessThan(1_000);
    expect((turn?.endedAt ?? '') > (turn?.startedAt ?? '')).toBe(true);
  });
});
