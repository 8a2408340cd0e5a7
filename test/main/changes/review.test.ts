// The changes tab's core: reviewed marks that lapse when the file changes, the turns behind the
// changes, and a rejection whose reason reaches the chat that made the change.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createEditWatcher } from '../../../src/main/changes/editWatcher.ts';
import { scriptedAgentCommand } from '../../fixtures/scripted-acp-agent.ts';
import { sendAndWait, setupChat, unwrap } from '../../helpers/chats.ts';
import { testCore } from '../../helpers/core.ts';
import { git, initRepo } from '../../helpers/git.ts';
import { tempDir } from '../../helpers/tempDir.ts';

function gitProject(): string {
  const folder = join(tempDir('boo-git-'), 'app');
  mkdirSync(folder);
  initRepo(folder);
  writeFileSync(join(folder, 'a.txt'), 'one\ntwo\n');
  git(folder, 'add', '.');
  git(folder, 'commit', '--quiet', '-m', 'a');
  return folder;
}

/** An agent that writes `text` into a.txt of the worktree when asked `write <text>`. */
async function writer(core: ReturnType<typeof testCore>, cwd: string, agentId: string): Promise<void> {
  const { command, args, env } = scriptedAgentCommand({
    rules: ['first', 'second', 'third'].map((word) => ({ match: word, steps: [{ type: 'write_file' as const, path: join(cwd, 'a.txt'), content: `one\ntwo\n${word}\n` }] })),
    default: { steps: [{ type: 'echo' }] },
  });
  const listed = unwrap(await core.api.call('agents.list', {}));
  if (listed.some((agent) => agent.id === agentId)) unwrap(await core.api.call('agents.remove', { agentId }));
  unwrap(await core.api.call('agents.add', { agent: { id: agentId, name: agentId, command, args, env } }));
}

describe('reviewing changes', () => {
  test('a reviewed mark stays while the file is the same and lapses when a turn changes it again; the turns behind the changes are named', async () => {
    const core = testCore();
    const { chatId, sessionId, cwd } = await setupChat(core, {}, { folder: gitProject() });
    await writer(core, cwd, 'scripted');
    const first = await sendAndWait(core, chatId, 'first');
    await expect.poll(async () => unwrap(await core.api.call('changes.get', { sessionId })).files.length).toBe(1);
    const changes = unwrap(await core.api.call('changes.get', { sessionId }));
    expect(changes.files[0]).toMatchObject({ path: 'a.txt', reviewed: false });
    expect(changes.turns).toEqual([{ id: first.id, chatId, agentId: 'scripted', number: 1, prompt: 'first', messageId: first.userMessageId }]);
    // The list can come without the hunks' lines; one file's come with `changes.file`.
    const list = unwrap(await core.api.call('changes.get', { sessionId, lines: 'none' }));
    expect(list.files[0]?.hunks.map((hunk) => [hunk.id, hunk.lines])).toEqual(changes.files[0]?.hunks.map((hunk) => [hunk.id, []]));
    expect(unwrap(await core.api.call('changes.file', { sessionId, path: 'a.txt' })).hunks[0]?.lines).toContain('+first');
    expect(await core.api.call('changes.file', { sessionId, path: 'b.txt' })).toMatchObject({ ok: false, error: { kind: 'not-found' } });

    unwrap(await core.api.call('changes.review', { sessionId, path: 'a.txt', reviewed: true }));
    expect(unwrap(await core.api.call('changes.get', { sessionId })).files[0]?.reviewed).toBe(true);
    await sendAndWait(core, chatId, 'nothing to write');
    expect(unwrap(await core.api.call('changes.get', { sessionId })).files[0]?.reviewed).toBe(true);

    const second = await sendAndWait(core, chatId, 'second');
    await expect.poll(async () => unwrap(await core.api.call('changes.get', { sessionId })).files[0]?.reviewed).toBe(false);
    expect(unwrap(await core.api.call('changes.get', { sessionId })).turns).toEqual([expect.objectContaining({ id: second.id, number: 3 })]);
    expect(await core.api.call('changes.review', { sessionId, path: 'missing.txt', reviewed: true })).toMatchObject({ ok: false, error: { kind: 'not-found' } });
  });

  test('rejecting with a reason reverts the change and queues the reason as the next prompt of the chat that made it', async () => {
    const core = testCore();
    const { chatId, sessionId, cwd } = await setupChat(core, {}, { folder: gitProject() });
    await writer(core, cwd, 'scripted');
    await sendAndWait(core, chatId, 'first');
    await expect.poll(async () => unwrap(await core.api.call('changes.get', { sessionId })).files.length).toBe(1);
    const hunk = unwrap(await core.api.call('changes.get', { sessionId })).files[0]?.hunks[0]?.id ?? '';
    unwrap(await core.api.call('changes.reject', { sessionId, selection: { hunkIds: [hunk] }, reason: 'the third line belongs in b.txt' }));
    expect(unwrap(await core.api.call('changes.get', { sessionId })).files).toEqual([]);
    await expect.poll(() => unwrap(core.turns.view(chatId)).recentTurns.map((turn) => turn.prompt)).toContain('I rejected your change to a.txt because the third line belongs in b.txt');
  });
});

describe('your own edits', () => {
  test('an edit made outside any turn is yours after a refresh, and the next agent turn is credited only with what it wrote', async () => {
    const core = testCore();
    const { chatId, sessionId, cwd } = await setupChat(core, {}, { folder: gitProject() });
    await writer(core, cwd, 'scripted');
    writeFileSync(join(cwd, 'notes.md'), 'mine\n');
    unwrap(await core.api.call('changes.refresh', { sessionId }));
    const before = unwrap(await core.api.call('changes.get', { sessionId }));
    expect(before.files.map((file) => [file.path, file.attribution?.agentId])).toEqual([['notes.md', 'you']]);

    await sendAndWait(core, chatId, 'first');
    await expect.poll(async () => unwrap(await core.api.call('changes.get', { sessionId })).files.length).toBe(2);
    const after = unwrap(await core.api.call('changes.get', { sessionId }));
    const attributions = Object.fromEntries(after.files.map((file) => [file.path, [file.attribution?.agentId, ...file.hunks.map((hunk) => hunk.attribution?.agentId)]]));
    expect(attributions['notes.md']?.every((agentId) => agentId === 'you')).toBe(true);
    expect(attributions['a.txt']?.every((agentId) => agentId === 'scripted')).toBe(true);
  });

  test('a refresh after the project folder vanished under its worktree is a typed error, with nothing left unhandled', async () => {
    const core = testCore();
    const folder = gitProject();
    const { sessionId } = await setupChat(core, {}, { folder });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      rmSync(folder, { recursive: true, force: true });
      expect(await core.api.call('changes.refresh', { sessionId })).toMatchObject({ ok: false });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  test('a watched worktree records an edit as yours without a refresh; a folder session cannot be watched', async () => {
    const core = testCore();
    const { sessionId, cwd } = await setupChat(core, {}, { folder: gitProject() });
    expect(unwrap(await core.api.call('changes.watch', { sessionId })).leaseMs).toBeGreaterThan(0);
    mkdirSync(join(cwd, 'docs'));
    writeFileSync(join(cwd, 'docs', 'plan.md'), 'step one\n');
    await expect.poll(async () => unwrap(await core.api.call('changes.get', { sessionId })).files.map((file) => [file.path, file.attribution?.agentId]), { timeout: 10_000 }).toEqual([['docs/plan.md', 'you']]);

    const folderSession = await setupChat(core, {}, { folder: tempDir('boo-plain-') });
    expect(await core.api.call('changes.watch', { sessionId: folderSession.sessionId })).toMatchObject({ ok: false, error: { kind: 'invalid-arguments' } });
  });

  test('a watch nobody renews lapses, and a burst of edits is recorded once', async () => {
    const folder = tempDir('boo-watch-');
    const recorded: string[] = [];
    const watcher = createEditWatcher({ record: async (sessionId) => void recorded.push(sessionId), quietMs: 100, leaseMs: 300 });
    try {
      watcher.watch('s1', folder);
      for (let index = 0; index < 20; index += 1) writeFileSync(join(folder, `file-${index}.txt`), `${index}\n`);
      await expect.poll(() => recorded).toEqual(['s1']);
      await expect.poll(() => watcher.watched(), { timeout: 5_000 }).toEqual([]);
      writeFileSync(join(folder, 'late.txt'), 'late\n');
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(recorded).toEqual(['s1']);
    } finally {
      watcher.close();
    }
  });

  test('a folder made after the watch began is watched too; dependency folders are not', async () => {
    const folder = tempDir('boo-watch-');
    mkdirSync(join(folder, 'node_modules', 'left-pad'), { recursive: true });
    let recordings = 0;
    const watcher = createEditWatcher({ record: async () => void (recordings += 1), quietMs: 50, leaseMs: 60_000 });
    try {
      watcher.watch('s1', folder);
      mkdirSync(join(folder, 'src', 'deep'), { recursive: true });
      await expect.poll(() => recordings).toBe(1);
      // The new folders are watched once the walk reaches them; a write deep inside is seen.
      await expect
        .poll(
          async () => {
            writeFileSync(join(folder, 'src', 'deep', 'file.ts'), `${Date.now()}\n`);
            await new Promise((resolve) => setTimeout(resolve, 150));
            return recordings;
          },
          { timeout: 5_000 },
        )
        .toBeGreaterThan(1);
      const settled = recordings;
      writeFileSync(join(folder, 'node_modules', 'left-pad', 'index.js'), 'module.exports = 1;\n');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(recordings).toBe(settled);
    } finally {
      watcher.close();
    }
  });
});
