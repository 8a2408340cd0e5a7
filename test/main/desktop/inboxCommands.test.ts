// The core's side of the "needs you" inbox and the desktop screens: read marks on chats that
// every window shares, reveal requests for `boocode open`, and the agents screen's Stop, edit
// and clean-up commands. Real cores, real agent processes (the scripted ACP agent), real git.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { AppEvent } from '../../../src/shared/contract.ts';
import { STORE_FILE_NAME } from '../../../src/main/store/index.ts';
import { scriptedAgentCommand, type Scenario } from '../../fixtures/scripted-acp-agent.ts';
import { isAlive, waitForGroupGone } from '../../fixtures/processes.ts';
import { send, sendAndWait, setupChat, unwrap } from '../../helpers/chats.ts';
import { collectEvents, testCore } from '../../helpers/core.ts';
import { initRepo } from '../../helpers/git.ts';
import { tempDir } from '../../helpers/tempDir.ts';

const echo: Scenario = { default: { steps: [{ type: 'echo' }] } };

function chatChanges(events: readonly AppEvent[], chatId: string) {
  return events.flatMap((event) => (event.type === 'chat.record.changed' && event.chat.id === chatId ? [event.chat] : []));
}

describe('read marks', () => {
  test('a chat is read up to the turn the user saw, every client hears it, and a late mark of an older turn leaves the newer one read', async () => {
    const core = testCore();
    const { chatId } = await setupChat(core, echo);
    const first = await sendAndWait(core, chatId, 'one');
    const second = await sendAndWait(core, chatId, 'two');
    expect(unwrap(await core.api.call('chats.get', { chatId })).chat.seenTurnId).toBeNull();
    const events = collectEvents(core);

    expect(unwrap(await core.api.call('chats.markSeen', { chatId, turnId: second.id })).seenTurnId).toBe(second.id);
    expect(chatChanges(events, chatId).map((chat) => chat.seenTurnId)).toEqual([second.id]);
    // A window that showed the first turn answers late: the newer read mark stands, and nothing is announced.
    expect(unwrap(await core.api.call('chats.markSeen', { chatId, turnId: first.id })).seenTurnId).toBe(second.id);
    expect(chatChanges(events, chatId)).toHaveLength(1);
    // In the snapshot a reloaded window reads.
    expect(unwrap(await core.api.call('app.snapshot', {})).chats.find((chat) => chat.id === chatId)?.seenTurnId).toBe(second.id);
  });

  test("only an ended turn of that very chat can be marked as seen", async () => {
    const goAhead = join(tempDir('boo-signal-'), 'go');
    const core = testCore();
    const { chatId, sessionId } = await setupChat(core, { rules: [{ match: 'wait', steps: [{ type: 'wait_for_file', path: goAhead }] }], default: { steps: [{ type: 'echo' }] } });
    const other = unwrap(await core.api.call('chats.create', { sessionId, agentId: 'scripted' }));
    const ended = await sendAndWait(core, chatId, 'hello');
    expect(await core.api.call('chats.markSeen', { chatId: other.id, turnId: ended.id })).toMatchObject({ ok: false, error: { kind: 'not-found' } });
    const { turnId } = await send(core, chatId, 'wait for me');
    expect(await core.api.call('chats.markSeen', { chatId, turnId })).toMatchObject({ ok: false, error: { kind: 'invalid-state' } });
    writeFileSync(goAhead, '');
    await core.turns.whenEnded(turnId);
  });

  test('a data folder from before read marks counts every chat as read up to its last ended turn', async () => {
    const dataDir = tempDir('boo-data-');
    const before = testCore({ dataDir });
    const { chatId } = await setupChat(before, echo);
    await sendAndWait(before, chatId, 'one');
    const last = await sendAndWait(before, chatId, 'two');
    await before.close();
    // The file as version 9 left it: no read-mark column.
    const db = new Database(join(dataDir, STORE_FILE_NAME));
    db.exec('ALTER TABLE chats DROP COLUMN seen_turn_id');
    db.exec('DROP TABLE terminals'); // version 11
    db.pragma('user_version = 9');
    db.close();

    const after = testCore({ dataDir });
    expect(unwrap(await after.api.call('chats.get', { chatId })).chat.seenTurnId).toBe(last.id);
  });
});

describe('reveal requests', () => {
  test('revealing a folder opens it as a project once and asks every window to show it', async () => {
    const core = testCore();
    const folder = tempDir('boo-project-');
    const events = collectEvents(core);
    const first = unwrap(await core.api.call('projects.reveal', { path: folder }));
    const again = unwrap(await core.api.call('projects.reveal', { path: join(folder, '.') }));
    expect(again.id).toBe(first.id);
    expect(unwrap(await core.api.call('projects.list', {}))).toHaveLength(1);
    const revealed = events.flatMap((event) => (event.type === 'workspace.project.revealed' ? [event.project.id] : []));
    expect(revealed).toEqual([first.id, first.id]);
    expect(await core.api.call('projects.reveal', { path: join(folder, 'missing') })).toMatchObject({ ok: false, error: { kind: 'path-missing' } });
  });
});

describe('the agents screen', () => {
  test('Stop ends a warm agent and its whole process group; its next turn starts a new process', async () => {
    const core = testCore();
    const { chatId } = await setupChat(core, echo);
    await sendAndWait(core, chatId, 'warm up');
    const pid = core.agents.pool.list().find((entry) => entry.chatId === chatId)?.pid ?? 0;
    expect(isAlive(pid)).toBe(true);
    const events = collectEvents(core);

    expect(unwrap(await core.api.call('agents.stop', { chatId, agentId: 'scripted' }))).toEqual({ stopped: true });
    expect(await waitForGroupGone(pid)).toBe(true);
    expect(events.some((event) => event.type === 'agent.process.changed' && event.process.chatId === chatId && event.process.state === 'stopped')).toBe(true);
    expect(unwrap(await core.api.call('agents.stop', { chatId, agentId: 'scripted' }))).toEqual({ stopped: false });

    const next = await sendAndWait(core, chatId, 'and again');
    expect(next.state).toBe('completed');
    const respawned = core.agents.pool.list().find((entry) => entry.chatId === chatId)?.pid ?? 0;
    expect(respawned).not.toBe(pid);
  });

  test('Stop is refused while the agent runs a turn, and the turn goes on', async () => {
    const goAhead = join(tempDir('boo-signal-'), 'go');
    const core = testCore();
    const { chatId } = await setupChat(core, { default: { steps: [{ type: 'wait_for_file', path: goAhead }, { type: 'text', text: 'done' }] } });
    const { turnId } = await send(core, chatId, 'work');
    await expect.poll(() => core.agents.pool.list().find((entry) => entry.chatId === chatId)?.state, { timeout: 10_000 }).toBe('busy');
    expect(await core.api.call('agents.stop', { chatId, agentId: 'scripted' })).toMatchObject({ ok: false, error: { kind: 'busy' } });
    writeFileSync(goAhead, '');
    expect((await core.turns.whenEnded(turnId))?.state).toBe('completed');
  });

  test('an edited agent keeps its id and is checked like a new one; a built-in or unknown one cannot be edited', async () => {
    const core = testCore();
    const { command, args } = scriptedAgentCommand({});
    unwrap(await core.api.call('agents.add', { agent: { id: 'mine', name: 'Mine', command, args, env: {} } }));
    const events = collectEvents(core);
    const edited = unwrap(await core.api.call('agents.update', { agent: { id: 'mine', name: 'Mine, renamed', command, args: [...args, '--quiet'], env: { TOKEN: 'x' } } }));
    expect(edited).toMatchObject({ id: 'mine', name: 'Mine, renamed', args: [...args, '--quiet'] });
    expect(unwrap(await core.api.call('settings.get', {})).customAgents).toEqual([{ id: 'mine', name: 'Mine, renamed', command, args: [...args, '--quiet'], env: { TOKEN: 'x' } }]);
    expect(events.map((event) => event.type)).toEqual(['app.settings.changed', 'agent.catalog.changed']);

    expect(await core.api.call('agents.update', { agent: { id: 'mine', name: 'Mine', command, args, env: { '1BAD': 'x' } } })).toMatchObject({ ok: false, error: { kind: 'invalid-arguments' } });
    expect(await core.api.call('agents.update', { agent: { id: 'qwen', name: 'Mine', command, args, env: {} } })).toMatchObject({ ok: false, error: { kind: 'invalid-arguments' } });
    expect(await core.api.call('agents.update', { agent: { id: 'nobody', name: 'Nobody', command, args, env: {} } })).toMatchObject({ ok: false, error: { kind: 'not-found' } });
  });

  test('clean up removes the worktree folder an archived session still had, whatever its age, and keeps live ones', async () => {
    const core = testCore();
    const folder = join(tempDir('boo-git-'), 'app');
    mkdirSync(folder);
    initRepo(folder);
    const project = unwrap(await core.api.call('projects.open', { path: folder }));
    const kept = unwrap(await core.api.call('sessions.create', { projectId: project.id, name: 'kept' }));
    const old = unwrap(await core.api.call('sessions.create', { projectId: project.id, name: 'old' }));
    // An archive that kept its folder (the retention setting decides when it goes).
    unwrap(await core.worktrees.archive(old.id, { confirm: true, keepDirectory: true }));
    expect(existsSync(old.cwd)).toBe(true);
    expect(unwrap(await core.api.call('sessions.diskUsage', {})).map((usage) => usage.sessionId).sort()).toEqual([kept.id, old.id].sort());

    expect(unwrap(await core.api.call('sessions.cleanUpArchived', {}))).toEqual({ removed: [old.id] });
    expect(existsSync(old.cwd)).toBe(false);
    expect(existsSync(kept.cwd)).toBe(true);
    expect(unwrap(await core.api.call('sessions.diskUsage', {})).map((usage) => usage.sessionId)).toEqual([kept.id]);
  });
});
