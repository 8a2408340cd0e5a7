// Real qwen-code through BooCode's pool: warm turns on one process, cancel, and recovery after
// its whole process group is SIGKILLed mid-turn (the next turn resumes the same ACP session).
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/index.ts';
import { createCore } from '../../src/main/core/index.ts';
import { groupMembers, waitForGroupGone } from '../fixtures/processes.ts';
import { createTempGitRepo, qwenAcpLaunch, type AcpLaunchSpec } from '../fixtures/real-agents.ts';
import { replies, startScriptedLlm, type ScriptedLlm } from '../fixtures/scripted-llm.ts';
import { expectOutcome, runTurn } from '../helpers/agents.ts';

describe('real qwen-code in the agent pool', () => {
  let llm: ScriptedLlm;
  let repo: Awaited<ReturnType<typeof createTempGitRepo>>;
  let launch: AcpLaunchSpec;
  let core: Core;
  let dataDir: string;
  let firstSessionId = '';
  let firstPid = 0;

  beforeAll(async () => {
    llm = await startScriptedLlm();
    repo = await createTempGitRepo();
    launch = await qwenAcpLaunch({ url: llm.url });
    dataDir = mkdtempSync(join(tmpdir(), 'boo-pool-qwen-'));
    core = createCore({ dataDir });
    const added = await core.api.call('agents.add', {
      agent: { id: 'qwen-offline', name: 'qwen (offline)', command: launch.command, args: [...launch.args], env: definedEnv(launch.env) },
    });
    expect(added.ok, added.ok ? '' : added.error.message).toBe(true);
  });

  afterAll(async () => {
    const pids = core?.agents.pool.list().map((entry) => entry.pid ?? 0) ?? [];
    await core?.close();
    for (const pid of pids) expect(groupMembers(pid)).toEqual([]);
    await launch?.dispose();
    await repo?.dispose();
    await llm?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const turn = (text: string, extra: { signal?: AbortSignal; onEvent?: Parameters<typeof runTurn>[1]['onEvent'] } = {}) =>
    runTurn(core, { chatId: 'chat-q', agentId: 'qwen-offline', cwd: repo.path, text, ...extra });

  it('runs three warm turns on one process, one of them writing a file', async () => {
    llm.addRule({ match: '[write notes.md]', reply: replies.writeFile('notes.md', '# notes\n', replies.text('Wrote notes.md.')), times: 1 });
    llm.enqueue(replies.text('First answer.'));
    const first = await turn('Hello there.');
    firstSessionId = expectOutcome(first).sessionId;
    expect(first.text).toContain('First answer.');
    firstPid = core.agents.pool.list()[0]?.pid ?? 0;

    const second = await turn('Please write the notes. [write notes.md]');
    expect(expectOutcome(second).origin).toBe('warm');
    expect(second.events.some((event) => event.kind === 'tool-call')).toBe(true);
    expect(await readFile(join(repo.path, 'notes.md'), 'utf8')).toBe('# notes\n');

    llm.enqueue(replies.reasoning('Considering.', 'Third answer.'));
    const third = await turn('One more.');
    expect(third.text).toContain('Third answer.');
    expect(third.events.some((event) => event.kind === 'reasoning')).toBe(true);
    expect(core.agents.pool.list()[0]?.pid).toBe(firstPid);
    expect(llm.turnRequests.length).toBeGreaterThanOrEqual(4);
  });

  it('cancels a slow turn and keeps the process', async () => {
    llm.enqueue(replies.slow(400, 50));
    const abort = new AbortController();
    const run = await turn('Tell me a long story.', { signal: abort.signal, onEvent: (event) => event.kind === 'text' && abort.abort() });
    expect(expectOutcome(run).stopReason).toBe('cancelled');
    expect(core.agents.pool.list()[0]).toMatchObject({ pid: firstPid, state: 'idle' });
  });

  it('fails clearly when its process group is SIGKILLed mid-turn, and the next turn resumes the session', async () => {
    llm.enqueue(replies.slow(400, 50));
    const run = await turn('Another long story.', {
      onEvent: (event) => {
        if (event.kind === 'text' && groupMembers(firstPid).length > 0) process.kill(-firstPid, 'SIGKILL');
      },
    });
    expect(run.result).toMatchObject({ ok: false, error: { kind: 'agent-crashed', message: expect.stringContaining('SIGKILL') } });
    expect(await waitForGroupGone(firstPid)).toBe(true);

    llm.enqueue(replies.text('Back again.'));
    const resumed = await turn('Are you back?');
    expect(expectOutcome(resumed)).toMatchObject({ origin: 'resumed', sessionId: firstSessionId });
    expect(resumed.text).toContain('Back again.');
    expect(core.agents.pool.list()[0]?.pid).not.toBe(firstPid);
    // The resumed session carries the earlier conversation to the model.
    const last = llm.turnRequests.at(-1);
    expect(JSON.stringify(last?.body)).toContain('Hello there.');
  });
});

/** The launch env masks some inherited variables as undefined; a custom agent's env holds strings only. */
function definedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
