import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, test } from 'vitest';
import type { AppEvent } from '../../../src/shared/contract.ts';
import { descendants, groupMembers, isAlive, waitForGroupGone } from '../../fixtures/processes.ts';
import { readRecord } from '../../fixtures/scripted-acp-agent.ts';
import { addScriptedAgent, expectOutcome, reports, runTurn } from '../../helpers/agents.ts';
import { collectEvents, testCore } from '../../helpers/core.ts';
import { tempDir } from '../../helpers/tempDir.ts';


describe('agent pool with the scripted ACP agent', () => {
  test('a warm agent serves three turns from one process', async () => {
    const core = testCore();
    await addScriptedAgent(core, { default: { steps: [{ type: 'echo' }] } });
    const cwd = tempDir();
    const pids = new Set<number | null>();
    const origins: string[] = [];
    for (const text of ['one', 'two', 'three']) {
      const run = await runTurn(core, { chatId: 'chat-1', cwd, text });
      origins.push(expectOutcome(run).origin);
      expect(run.text).toBe(text);
      pids.add(core.agents.pool.list()[0]?.pid ?? null);
    }
    expect(pids.size).toBe(1);
    expect(origins).toEqual(['new', 'warm', 'warm']);
    expect(core.agents.pool.list()[0]).toMatchObject({ state: 'idle', agentId: 'scripted', chatId: 'chat-1' });
    expect(core.agents.pool.list()[0]?.rssBytes).toBeGreaterThan(0);
  });

  test('a turn whose agent is silent is announced busy before its first update, on every turn of a warm process, and a turn that ended is never announced busy afterwards', async () => {
    const core = testCore();
    await addScriptedAgent(core, { rules: [{ match: 'silent', steps: [{ type: 'wait', ms: 300 }, { type: 'echo' }] }], default: { steps: [{ type: 'echo' }] } });
    const cwd = tempDir();
    const stateNow = () => core.agents.pool.list()[0]?.state;
    await runTurn(core, { chatId: 'c', cwd, text: 'warm up' });
    for (const text of ['silent one', 'silent two', 'silent three']) {
      const statesAtFirstUpdate: (string | undefined)[] = [];
      const run = await runTurn(core, { chatId: 'c', cwd, text, onEvent: () => statesAtFirstUpdate.length === 0 && statesAtFirstUpdate.push(stateNow()) });
      expect(run.text).toBe(text);
      expect(statesAtFirstUpdate).toEqual(['busy']);
      expect(stateNow()).toBe('idle');
    }
    // A quick turn ends long before the agent would count as silent: nothing marks it busy later.
    for (let turn = 0; turn < 5; turn += 1) await runTurn(core, { chatId: 'c', cwd, text: `quick ${turn}` });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stateNow()).toBe('idle');
  });

  test('events of every kind are normalized, and tool call updates are merged', async () => {
    const core = testCore();
    await addScriptedAgent(core, {
      default: {
        steps: [
          { type: 'thought', text: 'thinking' },
          { type: 'tool_call', id: 't1', title: 'Read README', kind: 'read', rawInput: { path: 'README.md' } },
          { type: 'tool_call_update', id: 't1', status: 'completed', text: '# readme' },
          { type: 'plan', entries: [{ content: 'step one', priority: 'high', status: 'pending' }] },
          { type: 'usage', used: 1200, size: 200000, cost: { amount: 0.25, currency: 'USD' } },
          { type: 'session_info', title: 'A title' },
          { type: 'text', text: 'done' },
        ],
      },
    });
    const run = await runTurn(core, { chatId: 'c', cwd: tempDir(), text: 'go' });
    expectOutcome(run);
    const kinds = run.events.map((event) => event.kind);
    expect(kinds).toEqual(expect.arrayContaining(['reasoning', 'tool-call', 'plan', 'usage', 'session-info', 'text']));
    const calls = run.events.filter((event) => event.kind === 'tool-call');
    expect(calls.at(-1)).toMatchObject({
      call: { id: 't1', title: 'Read README', kind: 'read', status: 'completed', input: { path: 'README.md' }, content: [{ type: 'text', text: '# readme' }] },
    });
    expect(run.events.find((event) => event.kind === 'usage')).toMatchObject({ usage: { contextUsed: 1200, costAmount: 0.25, costCurrency: 'USD' } });
  });

  test('cancel stops the turn, keeps the process, and the next turn works', async () => {
    const core = testCore();
    await addScriptedAgent(core, { rules: [{ match: 'slow', steps: [{ type: 'slow', chunks: 200, intervalMs: 25 }] }], default: { steps: [{ type: 'echo' }] } });
    const cwd = tempDir();
    await runTurn(core, { chatId: 'c', cwd, text: 'warm up' });
    const pid = core.agents.pool.list()[0]?.pid;
    const abort = new AbortController();
    let chunks = 0;
    const run = await runTurn(core, {
      chatId: 'c',
      cwd,
      text: 'slow please',
      signal: abort.signal,
      onEvent: (event) => {
        if (event.kind === 'text' && ++chunks === 3) abort.abort();
      },
    });
    expect(expectOutcome(run).stopReason).toBe('cancelled');
    expect(chunks).toBeLessThan(200);
    const next = await runTurn(core, { chatId: 'c', cwd, text: 'after' });
    expect(next.text).toBe('after');
    expect(core.agents.pool.list()[0]?.pid).toBe(pid);
  });

  test('an agent that exits mid-turn fails the turn with agent-crashed within a second; the next turn resumes its session', async () => {
    const core = testCore();
    const seen = collectEvents(core);
    await addScriptedAgent(core, {
      capabilities: { resume: true },
      stderr: ['scripted agent starting'],
      rules: [{ match: 'crash', steps: [{ type: 'text', text: 'about to die' }, { type: 'stderr', text: 'fatal: out of cheese' }, { type: 'exit', code: 1 }] }],
      default: { steps: [{ type: 'echo' }] },
    });
    const cwd = tempDir();
    const first = expectOutcome(await runTurn(core, { chatId: 'c', cwd, text: 'hello' }));
    let lastTextAt = 0;
    const crashed = await runTurn(core, { chatId: 'c', cwd, text: 'crash now', onEvent: () => (lastTextAt = performance.now()) });
    const failedAfterMs = performance.now() - lastTextAt;
    expect(crashed.result).toMatchObject({ ok: false, error: { kind: 'agent-crashed', message: expect.stringContaining('exited with code 1') } });
    expect(!crashed.result.ok && crashed.result.error.message).toContain('out of cheese');
    expect(failedAfterMs).toBeLessThan(1000);
    expect(core.agents.sessions.get('c', 'scripted')?.status).toBe('crashed');
    expect(seen.some((event) => event.type === 'agent.process.changed' && event.process.state === 'crashed' && event.process.exit?.code === 1)).toBe(true);

    const resumed = expectOutcome(await runTurn(core, { chatId: 'c', cwd, text: 'again' }));
    expect(resumed).toMatchObject({ origin: 'resumed', sessionId: first.sessionId });
  });

  test('an agent that cannot resume starts a fresh session after a crash, and the turn says so', async () => {
    const core = testCore();
    await addScriptedAgent(core, { rules: [{ match: 'crash', steps: [{ type: 'sigkill' }] }], default: { steps: [{ type: 'echo' }] } });
    const cwd = tempDir();
    const first = expectOutcome(await runTurn(core, { chatId: 'c', cwd, text: 'hello' }));
    const crashed = await runTurn(core, { chatId: 'c', cwd, text: 'crash' });
    expect(crashed.result).toMatchObject({ ok: false, error: { kind: 'agent-crashed', message: expect.stringContaining('SIGKILL') } });
    const fresh = await runTurn(core, { chatId: 'c', cwd, text: 'again' });
    const outcome = expectOutcome(fresh);
    expect(outcome.origin).toBe('new');
    expect(outcome.sessionId).not.toBe(first.sessionId);
    expect(fresh.events).toContainEqual({ kind: 'notice', level: 'warning', message: expect.stringContaining('cannot resume') });
  });

  test('an agent that can only load sessions gets its session loaded, without replaying history into the turn', async () => {
    const core = testCore();
    await addScriptedAgent(core, { capabilities: { loadSession: true }, rules: [{ match: 'crash', steps: [{ type: 'exit', code: 1 }] }], default: { steps: [{ type: 'echo' }] } });
    const cwd = tempDir();
    const first = expectOutcome(await runTurn(core, { chatId: 'c', cwd, text: 'remember me' }));
    await runTurn(core, { chatId: 'c', cwd, text: 'crash' });
    const loaded = await runTurn(core, { chatId: 'c', cwd, text: 'back' });
    expect(expectOutcome(loaded)).toMatchObject({ origin: 'loaded', sessionId: first.sessionId });
    expect(loaded.text).toBe('back');
  });

  test('usage reported by the agent accumulates on the chat\'s agent session, cost per turn', async () => {
    const core = testCore();
    await addScriptedAgent(core, {
      turns: [
        { steps: [{ type: 'usage', used: 100, size: 1000, cost: { amount: 0.5, currency: 'USD' } }, { type: 'text', text: 'one' }] },
        { steps: [{ type: 'usage', used: 200, size: 1000, cost: { amount: 0.75, currency: 'USD' } }, { type: 'text', text: 'two' }] },
      ],
    });
    const cwd = tempDir();
    expect(expectOutcome(await runTurn(core, { chatId: 'c', cwd, text: 'a' })).usage).toMatchObject({ costAmount: 0.5 });
    expect(expectOutcome(await runTurn(core, { chatId: 'c', cwd, text: 'b' })).usage).toMatchObject({ costAmount: 0.25 });
    expect(core.agents.sessions.get('c', 'scripted')).toMatchObject({ cost: 0.75, costCurrency: 'USD', status: 'idle' });
  });

  test('three crashes within the window trip the breaker until the agent is reset', async () => {
    const core = testCore();
    await addScriptedAgent(core, { rules: [{ match: 'crash', steps: [{ type: 'exit', code: 3 }] }], default: { steps: [{ type: 'echo' }] } });
    const cwd = tempDir();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await runTurn(core, { chatId: 'c', cwd, text: 'crash' })).result).toMatchObject({ ok: false, error: { kind: 'agent-crashed' } });
    }
    expect(core.agents.pool.list()[0]?.state).toBe('failed');
    const refused = await runTurn(core, { chatId: 'c', cwd, text: 'hello' });
    expect(refused.result).toMatchObject({ ok: false, error: { kind: 'agent-failed', message: expect.stringContaining('Reset it') } });
    expect(await core.api.call('agents.reset', { chatId: 'c', agentId: 'scripted' })).toEqual({ ok: true, value: { reset: true } });
    expect((await runTurn(core, { chatId: 'c', cwd, text: 'hello' })).text).toBe('hello');
  });

  test('a wrapper-launched agent killed mid-turn leaves no grandchild behind', async () => {
    const core = testCore();
    await addScriptedAgent(core, { wrapper: true, rules: [{ match: 'slow', steps: [{ type: 'slow', chunks: 400, intervalMs: 25 }] }], default: { steps: [{ type: 'echo' }] } });
    const cwd = tempDir();
    await runTurn(core, { chatId: 'c', cwd, text: 'hi' });
    const wrapperPid = core.agents.pool.list()[0]?.pid ?? 0;
    const grandchildren = descendants(wrapperPid).map((stat) => stat.pid);
    expect(grandchildren.length).toBeGreaterThan(0);
    const run = runTurn(core, {
      chatId: 'c',
      cwd,
      text: 'slow',
      onEvent: (event) => {
        if (event.kind === 'text') process.kill(wrapperPid, 'SIGKILL');
      },
    });
    expect((await run).result).toMatchObject({ ok: false, error: { kind: 'agent-crashed' } });
    expect(await waitForGroupGone(wrapperPid, 5_000)).toBe(true);
    for (const pid of grandchildren) expect(isAlive(pid)).toBe(false);
  });

  test('garbage lines between messages neither crash the connection nor lose the text around them', async () => {
    const core = testCore();
    await addScriptedAgent(core, { default: { steps: [{ type: 'text', text: 'before ' }, { type: 'garbage' }, { type: 'text', text: 'after' }] } });
    const garbage = await runTurn(core, { chatId: 'c', cwd: tempDir(), text: 'garbage' });
    expect(garbage.text).toBe('before after');
    expect(core.agents.pool.list()[0]?.state).toBe('idle');
  });

  test('a 10 MB flood leaves the core\'s heap as it found it, measured against the same flood kept by its listener', async () => {
    const flood = 10 * 1024 * 1024;
    const core = testCore();
    await addScriptedAgent(core, { rules: [{ match: 'flood', steps: [{ type: 'flood', bytes: flood }] }] });
    const cwd = tempDir();
    expectOutcome(await runTurn(core, { chatId: 'c', cwd, text: 'warm up' }));
    const heapAfterCollection = collectedHeap();
    const floodWith = async (onText: (delta: string) => void): Promise<void> => {
      const result = await core.agents.pool.runTurn({ chatId: 'c', agentId: 'scripted', cwd, input: { text: 'flood' } }, (event) => {
        if (event.kind === 'text') onText(event.delta);
      });
      expect(result.ok).toBe(true);
    };
    // The baseline: a listener that keeps every delta, so the measure is shown to see a kept flood.
    const kept: string[] = [];
    const beforeKept = heapAfterCollection();
    await floodWith((delta) => kept.push(delta));
    const keptGrowth = heapAfterCollection() - beforeKept;
    expect(kept.reduce((sum, delta) => sum + delta.length, 0)).toBe(flood);
    kept.length = 0;
    let received = 0;
    const before = heapAfterCollection();
    await floodWith((delta) => {
      received += delta.length;
    });
    const growth = heapAfterCollection() - before;
    expect(received).toBe(flood);
    expect(keptGrowth).toBeGreaterThan(0.8 * flood);
    // What the core itself holds on to after the flood: a small fraction of one copy.
    expect(growth).toBeLessThan(0.1 * flood);
    expect(core.agents.pool.list()[0]?.state).toBe('idle');
  });

  test('an agent that never answers initialize fails with handshake-timeout and its stderr', async () => {
    const core = testCore({ acpTimings: { handshakeTimeoutMs: 800 } });
    await addScriptedAgent(core, { hangInitialize: true, stderr: ['waiting for a login that never comes'] });
    const run = await runTurn(core, { chatId: 'c', cwd: tempDir(), text: 'hello' });
    expect(run.result).toMatchObject({ ok: false, error: { kind: 'handshake-timeout', message: expect.stringContaining('waiting for a login') } });
    expect(core.agents.pool.liveCount()).toBe(0);
  });

  test('file requests stay inside the working directory: escapes are refused, in-tree reads and writes work', async () => {
    const root = tempDir();
    const cwd = join(root, 'work');
    mkdirSync(cwd);
    writeFileSync(join(root, 'secret.txt'), 'top secret');
    writeFileSync(join(cwd, 'notes.txt'), 'line 1\nline 2\nline 3\n');
    symlinkSync(join(root, 'secret.txt'), join(cwd, 'link-to-secret.txt'));
    const core = testCore();
    await addScriptedAgent(core, {
      default: {
        steps: [
          { type: 'read_file', path: join(cwd, 'notes.txt'), line: 2, limit: 1 },
          { type: 'write_file', path: join(cwd, 'src', 'new.txt'), content: 'written by the agent' },
          { type: 'read_file', path: `${cwd}/../secret.txt` },
          { type: 'read_file', path: join(root, 'secret.txt') },
          { type: 'read_file', path: join(cwd, 'link-to-secret.txt') },
          { type: 'write_file', path: join(root, 'planted.txt'), content: 'should not exist' },
          { type: 'write_file', path: join(cwd, 'link-to-secret.txt'), content: 'overwritten' },
        ],
      },
    });
    const run = await runTurn(core, { chatId: 'c', cwd, text: 'touch files' });
    expectOutcome(run);
    const reads = reports(run.text, 'read');
    const writes = reports(run.text, 'write');
    expect(reads[0], JSON.stringify(reads)).toMatchObject({ ok: true, content: 'line 2\n' });
    expect(reads.slice(1).map((read) => read.ok)).toEqual([false, false, false]);
    expect(writes.map((write) => write.ok)).toEqual([true, false, false]);
    expect(readFileSync(join(cwd, 'src', 'new.txt'), 'utf8')).toBe('written by the agent');
    expect(readFileSync(join(root, 'secret.txt'), 'utf8')).toBe('top secret');
    expect(() => readFileSync(join(root, 'planted.txt'))).toThrow();
  });

  test('terminal requests run real processes in the working directory', async () => {
    const cwd = tempDir();
    const core = testCore();
    await addScriptedAgent(core, { default: { steps: [{ type: 'terminal', command: 'pwd' }, { type: 'terminal', command: 'sh', args: ['-c', 'exit 7'] }] } });
    const run = await runTurn(core, { chatId: 'c', cwd, text: 'run' });
    const terminals = reports(run.text, 'terminal');
    expect(String(terminals[0]?.output).trim()).toBe(cwd);
    expect(terminals[1]).toMatchObject({ exitCode: 7 });
  });

  test('unknown requests from the agent get method-not-found and never hang the turn', async () => {
    const core = testCore();
    await addScriptedAgent(core, {
      default: { steps: [{ type: 'unknown_request', method: 'craft/drainMidTurnQueue' }, { type: 'unknown_notification', method: 'x/ping' }, { type: 'text', text: 'still here' }] },
    });
    const run = await runTurn(core, { chatId: 'c', cwd: tempDir(), text: 'go' });
    expect(reports(run.text, 'unknown_request')[0]).toMatchObject({ method: 'craft/drainMidTurnQueue', error: expect.objectContaining({ code: -32601 }) });
    expect(run.text).toContain('still here');
  });
});

describe('permissions through the pool', () => {
  test('a permission request reaches the broker, the answer reaches the agent', async () => {
    const core = testCore();
    await addScriptedAgent(core, { default: { steps: [{ type: 'permission', toolCallId: 'edit-1', title: 'Edit main.ts', kind: 'edit' }, { type: 'text', text: 'edited' }] } });
    core.subscribe({ afterSeq: 0 }, (message) => {
      if (message.kind !== 'event' || message.event.type !== 'agent.permission.requested') return;
      const allow = message.event.request.options.find((option) => option.kind === 'allow_once');
      void core.api.call('permissions.answer', { requestId: message.event.request.id, optionId: allow?.optionId });
    });
    const run = await runTurn(core, { chatId: 'c', cwd: tempDir(), text: 'edit' });
    expect(reports(run.text, 'permission')[0]).toMatchObject({ outcome: 'allowed' });
    expect(run.text).toContain('edited');
    expect(await core.api.call('permissions.list', {})).toEqual({ ok: true, value: [] });
  });

  test('cancelling a turn resolves its pending permission request as cancelled', async () => {
    const core = testCore();
    await addScriptedAgent(core, { default: { steps: [{ type: 'permission', toolCallId: 'run-1', title: 'Run rm -rf', kind: 'execute' }, { type: 'text', text: 'ran' }] } });
    const abort = new AbortController();
    const resolved: AppEvent[] = [];
    core.subscribe({ afterSeq: 0 }, (message) => {
      if (message.kind !== 'event') return;
      if (message.event.type === 'agent.permission.requested') abort.abort();
      if (message.event.type === 'agent.permission.resolved') resolved.push(message.event);
    });
    const run = await runTurn(core, { chatId: 'c', cwd: tempDir(), text: 'run', signal: abort.signal });
    expect(expectOutcome(run).stopReason).toBe('cancelled');
    expect(run.text).not.toContain('ran');
    expect(resolved).toMatchObject([{ outcome: { outcome: 'cancelled' } }]);
  });
});

describe('reaping and process hygiene', () => {
  test('idle agents beyond maxWarm are stopped least recently used first', async () => {
    const core = testCore({ agentLimits: () => ({ maxWarm: 2, idleTtlMs: 60_000 }) });
    await addScriptedAgent(core, { default: { steps: [{ type: 'echo' }] } });
    const cwd = tempDir();
    const stateOf = (chatId: string) => core.agents.pool.list().find((entry) => entry.chatId === chatId)?.state;
    for (const chatId of ['a', 'b', 'c']) await runTurn(core, { chatId, cwd, text: chatId });
    await core.agents.pool.reap();
    expect([stateOf('a'), stateOf('b'), stateOf('c')]).toEqual(['stopped', 'idle', 'idle']);
    await runTurn(core, { chatId: 'b', cwd, text: 'b again' });
    await runTurn(core, { chatId: 'd', cwd, text: 'd' });
    await core.agents.pool.reap();
    expect([stateOf('b'), stateOf('c'), stateOf('d')]).toEqual(['idle', 'stopped', 'idle']);
    expect(core.agents.pool.liveCount()).toBe(2);
  });

  test('an agent in a turn survives reaping, from the moment its turn is asked for to its end, while idle ones go', async () => {
    const limits = { maxWarm: 3, idleTtlMs: 60_000 };
    const core = testCore({ agentLimits: () => limits });
    await addScriptedAgent(core, { rules: [{ match: 'slow', steps: [{ type: 'slow', chunks: 10, intervalMs: 30, text: 'x' }] }], default: { steps: [{ type: 'echo' }] } });
    const cwd = tempDir();
    const stateOf = (chatId: string) => core.agents.pool.list().find((entry) => entry.chatId === chatId)?.state;
    for (const chatId of ['a', 'b', 'c']) await runTurn(core, { chatId, cwd, text: chatId });
    await core.agents.pool.reap();
    expect(core.agents.pool.liveCount()).toBe(3);
    const pid = core.agents.pool.list().find((entry) => entry.chatId === 'a')?.pid;
    // 'a' is the least recently used and still idle when its turn is asked for: reaped first, were
    // it not protected by its turn.
    limits.maxWarm = 0;
    const reapedMidTurn: Promise<void>[] = [];
    const busy = runTurn(core, {
      chatId: 'a',
      cwd,
      text: 'slow',
      onEvent: (event) => {
        if (event.kind === 'text' && reapedMidTurn.length === 0) reapedMidTurn.push(core.agents.pool.reap());
      },
    });
    await core.agents.pool.reap();
    const run = await busy;
    await Promise.all(reapedMidTurn);
    expect(reapedMidTurn).toHaveLength(1);
    expect(run.text).toBe('x'.repeat(10));
    expect(core.agents.pool.list().find((entry) => entry.chatId === 'a')?.pid).toBe(pid);
    expect([stateOf('b'), stateOf('c')]).toEqual(['stopped', 'stopped']);
  });

  test('two first turns of one chat at once start one process and both run on it', async () => {
    const core = testCore();
    const recordFile = join(tempDir(), 'record.jsonl');
    await addScriptedAgent(core, { recordFile, default: { steps: [{ type: 'echo' }] } });
    const cwd = tempDir();
    const [first, second] = await Promise.all([runTurn(core, { chatId: 'c', cwd, text: 'first' }), runTurn(core, { chatId: 'c', cwd, text: 'second' })]);
    expect([first.text, second.text].sort()).toEqual(['first', 'second']);
    const calls = readRecord(recordFile);
    expect(calls.filter((call) => call.method === 'initialize')).toHaveLength(1);
    expect(new Set(calls.map((call) => call.pid)).size).toBe(1);
    expect(core.agents.pool.list().map((entry) => entry.pid)).toEqual([calls[0]?.pid]);
  });

  test('an agent idle longer than idleTtl is stopped, and the next turn starts it again', async () => {
    const core = testCore({ agentLimits: () => ({ maxWarm: 4, idleTtlMs: 200 }) });
    await addScriptedAgent(core, { default: { steps: [{ type: 'echo' }] } });
    const cwd = tempDir();
    await runTurn(core, { chatId: 'c', cwd, text: 'hi' });
    const pid = core.agents.pool.list()[0]?.pid ?? 0;
    await expect
      .poll(async () => {
        await core.agents.pool.reap();
        return core.agents.pool.list()[0]?.state;
      })
      .toBe('stopped');
    expect(groupMembers(pid)).toEqual([]);
    expect((await runTurn(core, { chatId: 'c', cwd, text: 'back' })).text).toBe('back');
  });

  test('closing the core stops every agent process it started', async () => {
    const core = testCore();
    await addScriptedAgent(core, { wrapper: true, default: { steps: [{ type: 'echo' }] } });
    const cwd = tempDir();
    await Promise.all(['a', 'b', 'c'].map((chatId) => runTurn(core, { chatId, cwd, text: chatId })));
    const pids = core.agents.pool.list().map((entry) => entry.pid ?? 0);
    const everyone = pids.flatMap((pid) => [pid, ...descendants(pid).map((stat) => stat.pid)]);
    expect(everyone.length).toBeGreaterThanOrEqual(6);
    await core.close();
    for (const pid of pids) expect(groupMembers(pid)).toEqual([]);
    for (const pid of everyone) expect(isAlive(pid)).toBe(false);
  });
});

/** The heap after full collections, so what it holds is what something still references. */
function collectedHeap(): () => number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
}
