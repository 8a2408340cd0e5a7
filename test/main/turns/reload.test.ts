import { describe, expect, test } from 'vitest';
import type { AppEvent } from '../../../src/shared/contract.ts';
import { applyToTranscript, assistantTextOf, mergeView, transcriptFromView, type Transcript } from '../../../src/renderer/state/transcript.ts';
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

    // The reloaded window, with the app's own transcript: a snapshot, then events from a seq
    // older than the snapshot's.
    const view = unwrap(core.turns.view(chatId));
    expect(view.running?.id).toBe(accepted.turnId);
    let copy: Transcript = transcriptFromView(view);
    const partial = assistantTextOf(copy, accepted.turnId);
    expect(partial.length).toBeGreaterThan(200);
    expect(expected.startsWith(partial)).toBe(true);
    const { result } = core.subscribe({ afterSeq: Math.max(0, view.seq - 25), epoch: view.epoch }, (message) => {
      if (message.kind === 'event') copy = applyToTranscript(copy, message.event);
    });
    expect(result.kind).toBe('replay');
    // The replay overlaps the snapshot: text the window already shows arrives again.
    expect(result.kind === 'replay' && result.events.some((event) => event.type === 'chat.part.delta' && event.seq <= view.seq)).toBe(true);
    if (result.kind === 'replay') for (const event of result.events) copy = applyToTranscript(copy, event);
    await core.turns.whenEnded(accepted.turnId);
    expect(assistantTextOf(copy, accepted.turnId)).toBe(expected);
    expect(copy.isStale).toBe(false);
  });

  test('a client whose seq was evicted is told to resync, re-reads the chat, and still shows every character exactly once', async () => {
    const core = testCore({ replayCapacity: 4 });
    const { chatId } = await setupChat(core, scenario);
    const accepted = await send(core, chatId, 'stream');
    await waitForText(core, chatId, accepted.turnId, 700);
    let copy: Transcript | undefined;
    const live: AppEvent[] = [];
    const { result } = core.subscribe({ afterSeq: 1 }, (message) => {
      if (message.kind !== 'event') return;
      if (copy) copy = applyToTranscript(copy, message.event);
      else live.push(message.event);
    });
    expect(result.kind).toBe('resync');
    copy = mergeView(undefined, unwrap(core.turns.view(chatId)));
    for (const event of live) copy = applyToTranscript(copy, event);
    await core.turns.whenEnded(accepted.turnId);
    expect(assistantTextOf(copy, accepted.turnId)).toBe(expected);
    expect(copy.isStale).toBe(false);
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
