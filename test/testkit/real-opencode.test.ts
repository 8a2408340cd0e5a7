// Real opencode, both ways BooCode can drive it: `opencode acp` through the bare ACP client, and
// `opencode serve` through @opencode-ai/sdk/v2 with its event stream. Each describe block starts
// one agent process and runs its behaviours in order on it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event as OpencodeEvent } from '@opencode-ai/sdk/v2';
import { spawnBareAcpClient, type BareAcpClient } from '../fixtures/bare-acp-client.ts';
import { descendants, groupMembers, isAlive } from '../fixtures/processes.ts';
import { createTempGitRepo, opencodeAcpLaunch, startOpencodeServe, type AcpLaunchSpec, type OpencodeServer } from '../fixtures/real-agents.ts';
import { replies, startScriptedLlm, type ScriptedLlm } from '../fixtures/scripted-llm.ts';

describe('opencode acp against the scripted LLM', () => {
  let llm: ScriptedLlm;
  let repo: Awaited<ReturnType<typeof createTempGitRepo>>;
  let launch: AcpLaunchSpec;
  let client: BareAcpClient | undefined;
  let sessionId = '';
  const timings: { coldStartMs?: number; warmFirstUpdateMs?: number; cancelMs?: number } = {};

  beforeAll(async () => {
    llm = await startScriptedLlm();
    repo = await createTempGitRepo();
    launch = await opencodeAcpLaunch({ url: llm.url });
  });

  afterAll(async () => {
    console.log(`[opencode acp] cold start (spawn → session/new) ${fmt(timings.coldStartMs)}, warm prompt → first update ${fmt(timings.warmFirstUpdateMs)}, cancel → cancelled ${fmt(timings.cancelMs)}`);
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
    expect(call?.toolCall?.name).toBe('write');
    expect(call?.toolCall?.arguments['filePath']).toBe(join(repo.path, 'hello.txt'));
    expect(llm.requests.some((request) => request.source === 'tool-follow-up')).toBe(true);
    expect(agent.updates.some(({ update }) => update.sessionUpdate === 'tool_call')).toBe(true);
    expect(agent.agentText(sessionId)).toContain('Wrote hello.txt.');
    // opencode writes with its own fs and its default permissions allow edits: the client sees neither.
    expect(agent.fsRequests).toEqual([]);
    expect(agent.permissionRequests).toEqual([]);
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
    await agent.close();
    expect(groupMembers(agent.pid)).toEqual([]);
    // Helpers that left the group (setsid) would survive a group kill; there must be none.
    // A SIGKILLed process may take a moment to be torn down (a large binary); a survivor stays.
    await expect.poll(() => family.filter((member) => isAlive(member.pid)), { timeout: 5_000 }).toEqual([]);
    client = undefined;
  });
});

describe('opencode serve with the v2 SDK against the scripted LLM', () => {
  let llm: ScriptedLlm;
  let repo: Awaited<ReturnType<typeof createTempGitRepo>>;
  let server: OpencodeServer | undefined;
  const events: OpencodeEvent[] = [];
  const watchers = new Set<() => void>();
  const subscription = new AbortController();
  let sessionID = '';
  const timings: { readyMs?: number; firstPromptDeltaMs?: number; warmPromptDeltaMs?: number } = {};

  beforeAll(async () => {
    llm = await startScriptedLlm();
    repo = await createTempGitRepo();
  });

  afterAll(async () => {
    console.log(
      `[opencode serve] cold start (spawn → listening) ${fmt(timings.readyMs)}, first prompt → first text delta ${fmt(timings.firstPromptDeltaMs)}, warm prompt → first text delta ${fmt(timings.warmPromptDeltaMs)}`,
    );
    subscription.abort();
    await server?.dispose();
    await repo?.dispose();
    await llm?.close();
  });

  it('is ready when it prints its listening line and demands the password', async () => {
    const started = performance.now();
    server = await startOpencodeServe({ url: llm.url }, { cwd: repo.path });
    timings.readyMs = performance.now() - started;
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const anonymous = await fetch(`${server.url}/session`, { signal: AbortSignal.timeout(10_000) });
    expect(anonymous.status).toBe(401);
  });

  it('streams one prompt as text deltas for its session and then goes idle', async () => {
    const { client } = running(server);
    const { stream } = await client.event.subscribe({ directory: repo.path }, { signal: subscription.signal, sseMaxRetryAttempts: 0 });
    void collect(stream);
    const created = await client.session.create({ directory: repo.path, title: 'scripted' });
    if (!created.data) throw new Error(`session.create failed: ${JSON.stringify(created.error)}`);
    sessionID = created.data.id;

    llm.enqueue(replies.text('Streaming answer from the script.'));
    const turn = await runTurn('Say something.');
    timings.firstPromptDeltaMs = turn.firstDeltaMs;
    expect(turn.text).toBe('Streaming answer from the script.');
    const served = llm.turnRequests.at(-1);
    expect(served?.reply).toEqual(replies.text('Streaming answer from the script.'));
    // The step's token counts are the scripted LLM's deterministic usage for that one turn.
    const stepFinish = turn.events
      .map((event) => (event.type === 'message.part.updated' ? event.properties.part : undefined))
      .find((part) => part?.type === 'step-finish');
    expect(stepFinish?.type === 'step-finish' ? stepFinish.tokens.output : undefined).toBe(served?.usage?.completion_tokens);
  });

  it('answers a second prompt on the warm server', async () => {
    llm.enqueue(replies.text('Second answer.'));
    const turnsBefore = llm.turnRequests.length;
    const turn = await runTurn('And a second question.');
    timings.warmPromptDeltaMs = turn.firstDeltaMs;
    expect(turn.text).toBe('Second answer.');
    expect(llm.turnRequests.length).toBe(turnsBefore + 1);
  });

  it('leaves no process of its group alive after dispose', async () => {
    const serve = running(server);
    const family = descendants(serve.pid);
    subscription.abort();
    await serve.dispose();
    expect(groupMembers(serve.pid)).toEqual([]);
    // A SIGKILLed process may take a moment to be torn down (a large binary); a survivor stays.
    await expect.poll(() => family.filter((member) => isAlive(member.pid)), { timeout: 5_000 }).toEqual([]);
    server = undefined;
  });

  /** Sends a prompt and waits for the session to go idle; only events after the send count. */
  async function runTurn(text: string): Promise<{ text: string; firstDeltaMs: number; events: OpencodeEvent[] }> {
    const { client } = running(server);
    const from = events.length;
    const sentAt = performance.now();
    const accepted = await client.session.promptAsync({ sessionID, directory: repo.path, parts: [{ type: 'text', text }] });
    expect(accepted.error).toBeUndefined();
    await waitForEvent((event) => event.type === 'message.part.delta' && event.properties.sessionID === sessionID, from);
    const firstDeltaMs = performance.now() - sentAt;
    await waitForEvent((event) => event.type === 'session.idle' && event.properties.sessionID === sessionID, from);
    const turnEvents = events.slice(from).filter((event) => 'properties' in event && sessionOf(event) === sessionID);
    const streamed = turnEvents
      .map((event) => (event.type === 'message.part.delta' && event.properties.field === 'text' ? event.properties.delta : ''))
      .join('');
    return { text: streamed, firstDeltaMs, events: turnEvents };
  }

  async function collect(stream: AsyncIterable<OpencodeEvent>): Promise<void> {
    try {
      for await (const event of stream) {
        events.push(event);
        for (const watcher of [...watchers]) watcher();
      }
    } catch {
      // The stream ends with an abort error when the test unsubscribes; nothing to report.
    }
  }

  function waitForEvent(predicate: (event: OpencodeEvent) => boolean, from = 0, timeoutMs = 30_000): Promise<OpencodeEvent> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = events.slice(from).find(predicate);
        if (!found) return false;
        watchers.delete(check);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        watchers.delete(check);
        reject(new Error(`no matching opencode event within ${timeoutMs} ms; saw: ${events.map((event) => event.type).join(', ')}`));
      }, timeoutMs);
      if (!check()) watchers.add(check);
    });
  }
});

function sessionOf(event: OpencodeEvent): string | undefined {
  if (event.type === 'message.part.updated') return event.properties.part.sessionID;
  const properties: object = event.properties;
  return 'sessionID' in properties && typeof properties.sessionID === 'string' ? properties.sessionID : undefined;
}

function started(client: BareAcpClient | undefined): BareAcpClient {
  if (!client) throw new Error('the agent did not start (see the first test)');
  return client;
}

function running(server: OpencodeServer | undefined): OpencodeServer {
  if (!server) throw new Error('opencode serve did not start (see the first test)');
  return server;
}

function fmt(ms: number | undefined): string {
  return ms === undefined ? 'n/a' : `${Math.round(ms)} ms`;
}
