// Real qwen-code over ACP, driven by the bare ACP client against the scripted LLM. One agent
// process for the whole file: cold start once, then the warm-path behaviours in order.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnBareAcpClient, type BareAcpClient } from '../fixtures/bare-acp-client.ts';
import { descendants, groupMembers, isAlive } from '../fixtures/processes.ts';
import { createTempGitRepo, qwenAcpLaunch, type AcpLaunchSpec } from '../fixtures/real-agents.ts';
import { replies, startScriptedLlm, type ScriptedLlm } from '../fixtures/scripted-llm.ts';

describe('qwen --acp against the scripted LLM', () => {
  let llm: ScriptedLlm;
  let repo: Awaited<ReturnType<typeof createTempGitRepo>>;
  let launch: AcpLaunchSpec;
  let client: BareAcpClient | undefined;
  let sessionId = '';
  const timings: { coldStartMs?: number; warmFirstUpdateMs?: number; cancelMs?: number } = {};

  beforeAll(async () => {
    llm = await startScriptedLlm();
    repo = await createTempGitRepo();
    launch = await qwenAcpLaunch({ url: llm.url });
  });

  afterAll(async () => {
    console.log(`[qwen] cold start (spawn → session/new) ${fmt(timings.coldStartMs)}, warm prompt → first update ${fmt(timings.warmFirstUpdateMs)}, cancel → cancelled ${fmt(timings.cancelMs)}`);
    await client?.close();
    await launch?.dispose();
    await repo?.dispose();
    await llm?.close();
  });

  it('initializes and opens a session in a git repo', async () => {
    const started = performance.now();
    client = await spawnBareAcpClient({ command: launch.command, args: launch.args, cwd: repo.path, env: launch.env, permission: 'allow' });
    const init = await client.initialize();
    expect(init.protocolVersion).toBe(1);
    const session = await client.newSession(repo.path);
    timings.coldStartMs = performance.now() - started;
    sessionId = session.sessionId;
    expect(sessionId).not.toBe('');
  });

  it('writes the scripted file when the LLM calls its write tool', async () => {
    const agent = started(client);
    llm.addRule({
      match: '[write hello.txt]',
      reply: replies.writeFile('hello.txt', 'hello from the script\n', replies.text('Wrote hello.txt.')),
      times: 1,
    });
    const response = await agent.prompt(sessionId, 'Create the greeting file. [write hello.txt]');
    expect(response.stopReason).toBe('end_turn');
    expect(await readFile(join(repo.path, 'hello.txt'), 'utf8')).toBe('hello from the script\n');
    const call = llm.requests.find((request) => request.toolCall !== undefined);
    expect(call?.toolCall?.name).toBe('write_file');
    expect(call?.toolCall?.arguments['file_path']).toBe(join(repo.path, 'hello.txt'));
    expect(llm.requests.some((request) => request.source === 'tool-follow-up')).toBe(true);
    expect(agent.updates.some(({ update }) => update.sessionUpdate === 'tool_call')).toBe(true);
    expect(agent.agentText(sessionId)).toContain('Wrote hello.txt.');
    // qwen writes through the client's fs/write_text_file (we advertise it) rather than its own fs.
    expect(agent.fsRequests).toContainEqual({ method: 'fs/write_text_file', path: join(repo.path, 'hello.txt'), ok: true });
  });

  it('answers a second prompt on the same warm process', async () => {
    const agent = started(client);
    llm.enqueue(replies.reasoning('Thinking it over.', 'Second answer.'));
    const turnsBefore = llm.turnRequests.length;
    const timed = await agent.timedPrompt(sessionId, 'And a second question.');
    timings.warmFirstUpdateMs = timed.firstUpdateMs;
    expect(timed.response.stopReason).toBe('end_turn');
    expect(agent.agentText(sessionId)).toContain('Second answer.');
    expect(agent.updates.some(({ update }) => update.sessionUpdate === 'agent_thought_chunk')).toBe(true);
    expect(llm.turnRequests.length).toBe(turnsBefore + 1);
  });

  it('ends a slow prompt with stopReason cancelled on session/cancel', async () => {
    const agent = started(client);
    llm.enqueue(replies.slow(400, 50));
    const pending = agent.prompt(sessionId, 'Tell me a long story.');
    const slow = await llm.waitForRequest((request) => request.reply?.kind === 'slow' && request.chunksSent >= 3);
    const cancelledAt = performance.now();
    await agent.cancel(sessionId);
    const response = await pending;
    timings.cancelMs = performance.now() - cancelledAt;
    expect(response.stopReason).toBe('cancelled');
    const ended = await llm.waitForRequest((request) => request === slow && request.outcome !== 'pending');
    expect(ended.outcome).toBe('client-disconnected');
  });

  it('leaves no process of its group alive after close', async () => {
    const agent = started(client);
    const family = descendants(agent.pid);
    // qwen relaunches itself as a child process: the spawned pid is only the wrapper.
    expect(family.length).toBeGreaterThan(0);
    await agent.close();
    expect(groupMembers(agent.pid)).toEqual([]);
    // Helpers that left the group (setsid) would survive a group kill; there must be none.
    // A SIGKILLed process may take a moment to be torn down (a large binary); a survivor stays.
    await expect.poll(() => family.filter((member) => isAlive(member.pid)), { timeout: 5_000 }).toEqual([]);
    client = undefined;
  });
});

function started(client: BareAcpClient | undefined): BareAcpClient {
  if (!client) throw new Error('the agent did not start (see the first test)');
  return client;
}

function fmt(ms: number | undefined): string {
  return ms === undefined ? 'n/a' : `${Math.round(ms)} ms`;
}
