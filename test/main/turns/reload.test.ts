import { describe, expect, test } from 'vitest';
import type { AppEvent } from '../../../src/shared/contract.ts';
import { createChatCopy } from '../../helpers/chatClient.ts';
import { testCore } from '../../helpers/core.ts';
import { assistantText, send, setupChat, unwrap } from '../../helpers/chats.ts';

// Distinct characters, so a duplicated or lost chunk changes the text.
const chunks = Array.from({ length: 300 }, (_, i) => `<${i}>`);
const scenario = { default: { steps: chunks.map((text) => ({ type: 'text' as const, text })).flatMap((step) => [step, { type: 'wait' as const, ms: 3 }]) } };
const expected = chunks.join('');

async function waitForText(core: ReturnType<typeof testCore>, chatId: string, turnId: string, minLength: number): Promise<void> {
  await expect.poll(() => assistantText(core, chatId, turnId).length, { timeout: 10_000, interval: 5 }).toBeGreaterThan(minLength);
}

describe('reloading mid-stream', () => {
  test('a client that reloads and resumes from an older seq shows every character exactly once', async () => {
    const core = testCore();
    const { chatId } = await setupChat(core, scenario);
    const accepted = await send(core, chatId, 'stream');
    await waitForText(core, chatId, accepted.turnId, 200);

    // The reloaded renderer: a snapshot, then events from a seq older than the snapshot's.
    const copy = createChatCopy(chatId);
    const view = unwrap(core.turns.view(chatId));
    expect(view.running?.id).toBe(accepted.turnId);
    copy.applySnapshot(view);
    const partial = copy.text(accepted.turnId);
    expect(partial.length).toBeGreaterThan(200);
    expect(expected.startsWith(partial)).toBe(true);
    const { result } = core.subscribe({ afterSeq: Math.max(0, view.seq - 25), epoch: view.epoch }, (message) => {
      if (message.kind === 'event') copy.apply(message.event);
    });
    expect(result.kind).toBe('replay');
    if (result.kind === 'replay') for (const event of result.events) copy.apply(event);
    await core.turns.whenEnded(accepted.turnId);
    expect(copy.text(accepted.turnId)).toBe(expected);
    expect(copy.gaps).toBe(0);
    expect(copy.duplicatesAvoided).toBeGreaterThan(0);
  });

  test('a client whose seq was evicted is told to resync, re-reads the chat, and still shows every character exactly once', async () => {
    const core = testCore({ replayCapacity: 4 });
    const { chatId } = await setupChat(core, scenario);
    const accepted = await send(core, chatId, 'stream');
    await waitForText(core, chatId, accepted.turnId, 700);
    const copy = createChatCopy(chatId);
    const live: AppEvent[] = [];
    let isSnapshotRead = false;
    const { result } = core.subscribe({ afterSeq: 1 }, (message) => {
      if (message.kind !== 'event') return;
      if (isSnapshotRead) copy.apply(message.event);
      else live.push(message.event);
    });
    expect(result.kind).toBe('resync');
    copy.applySnapshot(unwrap(core.turns.view(chatId)));
    isSnapshotRead = true;
    for (const event of live) copy.apply(event);
    await core.turns.whenEnded(accepted.turnId);
    expect(copy.text(accepted.turnId)).toBe(expected);
    expect(copy.gaps).toBe(0);
  });

  test('a subscriber that connects after the turn ended still learns how it ended', async () => {
    const core = testCore();
    const { chatId } = await setupChat(core, { default: { steps: [{ type: 'echo' }] } });
    const accepted = await send(core, chatId, 'quick');
    await core.turns.whenEnded(accepted.turnId);
    const replayed = core.subscribe({ afterSeq: 0 }, () => {}).result;
    expect(replayed.kind === 'replay' && replayed.events.filter((event) => event.type === 'chat.turn.ended')).toMatchObject([{ turn: { id: accepted.turnId, state: 'completed' } }]);
    expect(unwrap(core.turns.view(chatId)).recentTurns.at(-1)).toMatchObject({ id: accepted.turnId, state: 'completed' });
  });
});
