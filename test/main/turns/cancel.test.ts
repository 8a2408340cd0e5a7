// Stop always wins: a cancel that comes at any moment after a send ends the turn `cancelled`
// within a second, kills an agent that is still starting, and the prompt never reaches the
// agent afterwards. Driven through the contract, as a client would.
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readRecord, type HangPoint, type Scenario } from '../../fixtures/scripted-acp-agent.ts';
import { groupMembers, waitForGroupGone } from '../../fixtures/processes.ts';
import { testCore } from '../../helpers/core.ts';
import { setupChat, unwrap } from '../../helpers/chats.ts';
import { tempDir } from '../../helpers/tempDir.ts';

/** A stop must end the turn well within this (the handshake timeout is 30 s, the cancel grace 10 s). */
const promptlyMs = 1_000;

function recorded(file: string, method: string) {
  return readRecord(file).filter((call) => call.method === method);
}

async function waitForCall(file: string, method: string): Promise<number> {
  await expect.poll(() => recorded(file, method).length, { timeout: 10_000 }).toBeGreaterThan(0);
  return recorded(file, method)[0]?.pid ?? 0;
}

describe('stop always wins', () => {
  test('a cancel pipelined right after a send, before its reply, cancels that turn and no prompt reaches the agent', async () => {
    const core = testCore();
    const recordFile = join(tempDir(), 'record.jsonl');
    const { chatId } = await setupChat(core, { recordFile, default: { steps: [{ type: 'echo' }] } });
    const sending = core.api.call('chats.send', { chatId, text: 'never to be answered' });
    const cancelling = core.api.call('chats.cancel', { chatId });
    const { turnId } = unwrap(await sending);
    expect(unwrap(await cancelling)).toEqual({ cancelled: true });
    expect(core.turns.turn(turnId)).toMatchObject({ state: 'cancelled' });
    expect(recorded(recordFile, 'session/prompt')).toEqual([]);
  });

  const startHangs: readonly HangPoint[] = ['initialize', 'session/new'];
  for (const point of startHangs) {
    test(`a cancel while the agent hangs in ${point} ends the turn cancelled within a second and kills the agent's process group`, async () => {
      const core = testCore();
      const recordFile = join(tempDir(), 'record.jsonl');
      const { chatId } = await setupChat(core, { recordFile, hangIn: [point], default: { steps: [{ type: 'echo' }] } });
      const { turnId } = unwrap(await core.api.call('chats.send', { chatId, text: 'hello' }));
      const pid = await waitForCall(recordFile, point);
      const stoppedAt = performance.now();
      expect(unwrap(await core.api.call('chats.cancel', { chatId }))).toEqual({ cancelled: true });
      expect(performance.now() - stoppedAt).toBeLessThan(promptlyMs);
      expect(core.turns.turn(turnId)).toMatchObject({ state: 'cancelled' });
      expect(await waitForGroupGone(pid, 3_000)).toBe(true);
      expect(recorded(recordFile, 'session/prompt')).toEqual([]);
    });
  }

  const settingHangs: readonly { point: HangPoint; send: { mode?: string; model?: string } }[] = [
    { point: 'session/set_mode', send: { mode: 'plan' } },
    { point: 'session/set_config_option', send: { model: 'scripted-smart' } },
  ];
  for (const { point, send } of settingHangs) {
    test(`a cancel while the agent hangs in ${point} ends the turn cancelled within a second and the prompt is never sent`, async () => {
      const core = testCore();
      const recordFile = join(tempDir(), 'record.jsonl');
      const { chatId } = await setupChat(core, { recordFile, hangIn: [point], default: { steps: [{ type: 'echo' }] } });
      const { turnId } = unwrap(await core.api.call('chats.send', { chatId, text: 'switch first', ...send }));
      await waitForCall(recordFile, point);
      const stoppedAt = performance.now();
      expect(unwrap(await core.api.call('chats.cancel', { chatId }))).toEqual({ cancelled: true });
      expect(performance.now() - stoppedAt).toBeLessThan(promptlyMs);
      expect(core.turns.turn(turnId)).toMatchObject({ state: 'cancelled' });
      // Give a prompt that was (wrongly) sent after the cancel time to arrive.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(recorded(recordFile, 'session/prompt')).toEqual([]);
    });
  }

  test('a turn whose stop was asked is recorded cancelled even when the agent ignores the cancel and finishes it', async () => {
    const core = testCore();
    const recordFile = join(tempDir(), 'record.jsonl');
    const scenario: Scenario = { recordFile, ignoreCancel: true, default: { steps: [{ type: 'slow', chunks: 8, intervalMs: 40, text: 'x' }] } };
    const { chatId } = await setupChat(core, scenario);
    const { turnId } = unwrap(await core.api.call('chats.send', { chatId, text: 'go on regardless' }));
    await waitForCall(recordFile, 'session/prompt');
    expect(unwrap(await core.api.call('chats.cancel', { chatId }))).toEqual({ cancelled: true });
    expect(recorded(recordFile, 'session/cancel')).toHaveLength(1);
    expect(core.turns.turn(turnId)).toMatchObject({ state: 'cancelled', stopReason: 'end_turn' });
  });

  test('closing the core while an agent hangs in initialize stops its process group before close() returns', async () => {
    const core = testCore();
    const recordFile = join(tempDir(), 'record.jsonl');
    const { chatId } = await setupChat(core, { recordFile, hangInitialize: true, surviveStdinEnd: true });
    unwrap(await core.api.call('chats.send', { chatId, text: 'hello' }));
    const pid = await waitForCall(recordFile, 'initialize');
    await core.close();
    expect(groupMembers(pid)).toEqual([]);
  });
});
