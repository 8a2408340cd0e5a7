import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { testCore } from '../../helpers/core.ts';
import { setupChat, unwrap } from '../../helpers/chats.ts';

describe('history', () => {
  test('20,000 messages page back to the first, in order, with none missing or repeated', async () => {
    const core = testCore();
    const { chatId } = await setupChat(core, {});
    const insertMessage = core.store.db.prepare("INSERT INTO messages (id, chat_id, turn_id, role, ordinal, agent_id, created_at) VALUES (?, ?, NULL, ?, ?, NULL, '2026-01-01T00:00:00.000Z')");
    const insertPart = core.store.db.prepare("INSERT INTO parts (id, message_id, position, kind, body, updated_at) VALUES (?, ?, 0, 'text', ?, '2026-01-01T00:00:00.000Z')");
    core.store.transact(() => {
      for (let ordinal = 1; ordinal <= 20_000; ordinal += 1) {
        const id = randomUUID();
        insertMessage.run(id, chatId, ordinal % 2 === 1 ? 'user' : 'assistant', ordinal);
        insertPart.run(randomUUID(), id, `message ${ordinal}`);
      }
    });
    const seen: number[] = [];
    let before: number | undefined;
    let pages = 0;
    for (;;) {
      const page = unwrap(await core.api.call('chats.history', { chatId, before, limit: 500 }));
      pages += 1;
      seen.unshift(...page.messages.map((message) => message.ordinal));
      expect(page.messages.every((message) => message.parts[0]?.kind === 'text' && message.parts[0].text === `message ${message.ordinal}`)).toBe(true);
      if (!page.hasOlder) break;
      before = page.messages[0]?.ordinal;
    }
    expect(pages).toBe(40);
    expect(seen).toEqual(Array.from({ length: 20_000 }, (_, i) => i + 1));
    const view = unwrap(await core.api.call('chats.get', { chatId }));
    expect(view.messages.map((message) => message.ordinal)).toEqual(Array.from({ length: 50 }, (_, i) => 19_951 + i));
    expect(view.hasOlder).toBe(true);

    // And forward again from the first, as a window that let newer pages go reads them back.
    const forward: number[] = [];
    let after = 0;
    for (;;) {
      const page = unwrap(await core.api.call('chats.history', { chatId, after, limit: 500 }));
      forward.push(...page.messages.map((message) => message.ordinal));
      expect(page.hasOlder).toBe(after > 0);
      if (!page.hasNewer) break;
      after = page.messages.at(-1)?.ordinal ?? after;
    }
    expect(forward).toEqual(seen);
  });
});
