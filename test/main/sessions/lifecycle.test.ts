// Archiving or removing while an agent streams: the work ends first, exactly once, and nothing
// is left running or written into a folder that is gone.
import { existsSync, mkdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { AppEvent } from '../../../src/shared/contract.ts';
import type { Scenario } from '../../fixtures/scripted-acp-agent.ts';
import { groupMembers, waitForGroupGone } from '../../fixtures/processes.ts';
import { send, setupChat, unwrap } from '../../helpers/chats.ts';
import { collectEvents, testCore } from '../../helpers/core.ts';
import { git, initRepo } from '../../helpers/git.ts';
import { tempDir } from '../../helpers/tempDir.ts';

function gitProject(): string {
  const folder = join(tempDir('boo-git-'), 'app');
  mkdirSync(folder);
  initRepo(folder);
  return folder;
}

/** Streams text, then keeps sending reasoning and tool calls, for long enough to be interrupted. */
const streaming: Scenario = {
  rules: [
    {
      match: 'stream',
      steps: [
        { type: 'slow', chunks: 10, intervalMs: 10, text: 'before ' },
        ...Array.from({ length: 50 }, (_, index) => [
          { type: 'thought' as const, text: `thinking ${index}` },
          { type: 'tool_call' as const, id: `t${index}`, title: `Step ${index}`, kind: 'read' as const },
          { type: 'wait' as const, ms: 20 },
        ]).flat(),
        { type: 'text', text: 'finished' },
      ],
    },
  ],
  default: { steps: [{ type: 'echo' }] },
};

function endsOf(events: readonly AppEvent[], turnId: string): AppEvent[] {
  return events.filter((event) => event.type === 'chat.turn.ended' && event.turn.id === turnId);
}

async function streamingTurn(core: ReturnType<typeof testCore>, folder: string) {
  const fixture = await setupChat(core, streaming, { folder });
  const events = collectEvents(core);
  const { turnId } = await send(core, fixture.chatId, 'stream please');
  // Wait until the agent is answering: reasoning and tool calls are arriving.
  await expect.poll(() => events.some((event) => event.type === 'chat.part.updated' && event.part.kind === 'tool-call'), { timeout: 10_000 }).toBe(true);
  const pid = core.agents.pool.list().find((entry) => entry.chatId === fixture.chatId)?.pid ?? 0;
  expect(groupMembers(pid).length).toBeGreaterThan(0);
  return { ...fixture, events, turnId, pid };
}

describe('archive and removal in the middle of a turn', () => {
  test('removing the project while the agent streams reasoning and tool calls ends the turn cancelled, once; its agent and worktree are gone and the core carries on', async () => {
    const core = testCore();
    const folder = gitProject();
    const { events, turnId, pid, cwd, projectId } = await streamingTurn(core, folder);
    expect(unwrap(await core.api.call('projects.remove', { projectId: projectId as never }))).toEqual({ removed: true });

    expect(endsOf(events, turnId)).toHaveLength(1);
    expect(endsOf(events, turnId)[0]).toMatchObject({ turn: { state: 'cancelled' } });
    expect(await waitForGroupGone(pid)).toBe(true);
    expect(core.agents.pool.list()).toEqual([]);
    expect(existsSync(cwd)).toBe(false);
    // Nothing was lost: the worktree's state is kept in the project repository.
    expect(git(folder, 'for-each-ref', '--format=%(refname)', 'refs/boocode/archive/')).toMatch(/^refs\/boocode\/archive\//);
    // …and the session's branch, which the archive holds all of, is gone from the user's branches.
    expect(git(folder, 'branch', '--list', 'boo/*').trim()).toBe('');
    // Later writes of the stopped agent found nothing to crash on, and the core still answers.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(unwrap(await core.api.call('projects.list', {}))).toEqual([]);
    expect(endsOf(events, turnId)).toHaveLength(1);
  });

  test('archiving mid-turn without confirmation is refused and the turn goes on; with confirmation the turn ends cancelled, the agent stops, and after restore the next turn runs in the restored folder', async () => {
    const core = testCore();
    const folder = gitProject();
    const { events, turnId, pid, cwd, sessionId, chatId } = await streamingTurn(core, folder);
    const refused = await core.api.call('sessions.archive', { sessionId });
    expect(refused).toMatchObject({ ok: false, error: { kind: 'busy' } });
    expect(core.turns.turn(turnId)?.state).toBe('running');

    unwrap(await core.api.call('sessions.archive', { sessionId, confirm: true }));
    expect(endsOf(events, turnId)).toHaveLength(1);
    expect(core.turns.turn(turnId)?.state).toBe('cancelled');
    expect(await waitForGroupGone(pid)).toBe(true);
    expect(existsSync(cwd)).toBe(false);
    expect(await core.api.call('chats.send', { chatId, text: 'hello' })).toMatchObject({ ok: false, error: { message: expect.stringContaining('archived') } });

    const restored = unwrap(await core.api.call('sessions.restore', { sessionId }));
    expect(existsSync(restored.cwd)).toBe(true);
    const next = await send(core, chatId, 'hello again');
    expect(await core.turns.whenEnded(next.turnId)).toMatchObject({ state: 'completed' });
    const entry = core.agents.pool.list().find((candidate) => candidate.chatId === chatId);
    expect(entry?.pid).not.toBe(pid);
    expect(readCwd(entry?.pid ?? 0)).toBe(restored.cwd);
  });

  test('queued prompts of an archived session are cancelled, each with its one turn end', async () => {
    const core = testCore();
    const folder = gitProject();
    const { events, turnId, sessionId, chatId } = await streamingTurn(core, folder);
    const queued = [await send(core, chatId, 'one'), await send(core, chatId, 'two')];
    expect(queued.every((turn) => turn.queued)).toBe(true);
    unwrap(await core.api.call('sessions.archive', { sessionId, confirm: true }));
    for (const id of [turnId, ...queued.map((turn) => turn.turnId)]) {
      expect(endsOf(events, id)).toHaveLength(1);
      expect(core.turns.turn(id)?.state).toBe('cancelled');
    }
    expect(unwrap(await core.api.call('chats.queue.list', { chatId }))).toEqual([]);
  });

  test('when the turn\'s output can no longer be written, the turn ends failed with the reason and the agent is stopped; no timer throws', async () => {
    const core = testCore();
    const folder = tempDir('boo-project-');
    writeFileSync(join(folder, 'notes.md'), 'hi\n');
    const { events, turnId, pid } = await streamingTurn(core, folder);
    // From now on every write of a part fails, as it would on a full disk.
    core.store.db.exec(`CREATE TRIGGER no_new_parts BEFORE INSERT ON parts BEGIN SELECT RAISE(ABORT, 'disk full'); END;
      CREATE TRIGGER no_part_updates BEFORE UPDATE ON parts BEGIN SELECT RAISE(ABORT, 'disk full'); END;`);
    await expect.poll(() => core.turns.turn(turnId)?.state, { timeout: 10_000 }).toBe('failed');
    expect(core.turns.turn(turnId)?.error).toMatchObject({ kind: 'internal', message: expect.stringContaining("could not save this turn's output") });
    expect(endsOf(events, turnId)).toHaveLength(1);
    // The agent was told to stop: its turn is over, its process stays warm for the next one.
    expect(core.agents.pool.list().find((entry) => entry.pid === pid)?.state).toBe('idle');
  });
});

function readCwd(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return '';
  }
}
