// The scripted ACP agent does what its scenario says, observed through the bare SDK client:
// these two fixtures are the peers every other agent test builds on, so they are tested
// against each other over a real stdio pipe with real processes.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SessionNotification, SessionUpdate } from '@agentclientprotocol/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnBareAcpClient, type BareAcpClient, type PermissionPolicy } from '../fixtures/bare-acp-client.ts';
import { descendants, groupMembers, isAlive, killGroup, readProcStat } from '../fixtures/processes.ts';
import { scriptedAgentCommand, type Scenario } from '../fixtures/scripted-acp-agent.ts';

let workspace: string;
let outside: string;
const clients: BareAcpClient[] = [];

beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'boo-scripted-ws-'));
  outside = await mkdtemp(join(tmpdir(), 'boo-scripted-outside-'));
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

afterAll(async () => {
  await rm(workspace, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

async function spawnAgent(scenario: Scenario, permission: PermissionPolicy = 'allow'): Promise<BareAcpClient> {
  const client = await spawnBareAcpClient({ ...scriptedAgentCommand(scenario), cwd: workspace, permission });
  clients.push(client);
  return client;
}

/** Spawns, initializes and opens one session. */
async function startSession(
  scenario: Scenario,
  permission: PermissionPolicy = 'allow',
): Promise<{ client: BareAcpClient; sessionId: string }> {
  const client = await spawnAgent(scenario, permission);
  await client.initialize();
  const { sessionId } = await client.newSession(workspace);
  return { client, sessionId };
}

function updatesOf(client: BareAcpClient, sessionId: string): SessionUpdate[] {
  return client.updates
    .filter((notification: SessionNotification) => notification.sessionId === sessionId)
    .map((notification) => notification.update);
}

function kinds(client: BareAcpClient, sessionId: string): string[] {
  return updatesOf(client, sessionId).map((update) => update.sessionUpdate);
}

/** Parses the `[kind] {json}` lines the scripted agent reports results with. */
function reports(client: BareAcpClient, sessionId: string, kind: string): Record<string, unknown>[] {
  const prefix = `[${kind}] `;
  return client
    .agentText(sessionId)
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) => JSON.parse(line.slice(prefix.length)) as Record<string, unknown>);
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('scripted ACP agent', () => {
  it('streams text in the chunks the scenario gives and reasoning as thought chunks', async () => {
    const { client, sessionId } = await startSession({
      default: { steps: [{ type: 'thought', text: 'thinking hard' }, { type: 'text', text: 'hello world', chunkSize: 4 }] },
    });
    const response = await client.prompt(sessionId, 'hi');
    expect(response.stopReason).toBe('end_turn');
    expect(kinds(client, sessionId)).toEqual([
      'agent_thought_chunk',
      'agent_message_chunk',
      'agent_message_chunk',
      'agent_message_chunk',
    ]);
    expect(client.agentText(sessionId)).toBe('hello world');
  });

  it('echoes the prompt when the scenario has no turns, timed by the client', async () => {
    const { client, sessionId } = await startSession({});
    const timed = await client.timedPrompt(sessionId, 'repeat me');
    expect(timed.response.stopReason).toBe('end_turn');
    expect(timed.firstUpdateMs).toBeGreaterThan(0);
    expect(timed.firstUpdateMs).toBeLessThanOrEqual(timed.totalMs);
    expect(client.agentText(sessionId)).toBe('repeat me');
  });

  it('sends a tool call and its updates in order', async () => {
    const { client, sessionId } = await startSession({
      default: {
        steps: [
          { type: 'tool_call', id: 't1', title: 'Read a.txt', kind: 'read', rawInput: { path: 'a.txt' } },
          { type: 'tool_call_update', id: 't1', status: 'in_progress' },
          { type: 'tool_call_update', id: 't1', status: 'completed', text: 'contents', rawOutput: { bytes: 8 } },
        ],
      },
    });
    await client.prompt(sessionId, 'go');
    const updates = updatesOf(client, sessionId);
    expect(updates).toMatchObject([
      { sessionUpdate: 'tool_call', toolCallId: 't1', title: 'Read a.txt', kind: 'read', status: 'pending' },
      { sessionUpdate: 'tool_call_update', toolCallId: 't1', status: 'in_progress' },
      {
        sessionUpdate: 'tool_call_update',
        toolCallId: 't1',
        status: 'completed',
        content: [{ type: 'content', content: { type: 'text', text: 'contents' } }],
        rawOutput: { bytes: 8 },
      },
    ]);
  });

  it('sends plan, available commands, usage and session info updates', async () => {
    const { client, sessionId } = await startSession({
      default: {
        steps: [
          { type: 'plan', entries: [{ content: 'step one', priority: 'high', status: 'in_progress' }] },
          { type: 'commands', commands: [{ name: 'review', description: 'Review the diff' }] },
          { type: 'usage', used: 1200, size: 200_000, cost: { amount: 0.25, currency: 'USD' } },
          { type: 'session_info', title: 'Scripted title' },
        ],
      },
    });
    await client.prompt(sessionId, 'go');
    expect(updatesOf(client, sessionId)).toMatchObject([
      { sessionUpdate: 'plan', entries: [{ content: 'step one', priority: 'high', status: 'in_progress' }] },
      { sessionUpdate: 'available_commands_update', availableCommands: [{ name: 'review' }] },
      { sessionUpdate: 'usage_update', used: 1200, size: 200_000, cost: { amount: 0.25, currency: 'USD' } },
      { sessionUpdate: 'session_info_update', title: 'Scripted title' },
    ]);
  });

  it('sends the afterNewSession steps once session/new has answered', async () => {
    const { client, sessionId } = await startSession({
      afterNewSession: [{ type: 'commands', commands: [{ name: 'init', description: 'Set up' }] }],
    });
    await waitFor(() => kinds(client, sessionId).includes('available_commands_update'));
  });

  it('offers modes and a model config option, and applies set_mode and set_config_option', async () => {
    const client = await spawnAgent({ default: { steps: [{ type: 'report_state' }] } });
    await client.initialize();
    const created = await client.newSession(workspace);
    const { sessionId } = created;
    expect(created.modes?.currentModeId).toBe('default');
    expect(created.configOptions).toContainEqual(
      expect.objectContaining({ id: 'model', category: 'model', currentValue: 'scripted-fast' }),
    );

    await client.setMode(sessionId, 'plan');
    const configured = await client.setConfigOption(sessionId, 'model', 'scripted-smart');
    expect(configured.configOptions).toContainEqual(expect.objectContaining({ id: 'model', currentValue: 'scripted-smart' }));
    await expect(client.setConfigOption(sessionId, 'model', 'no-such-model')).rejects.toMatchObject({ code: -32602 });

    await client.prompt(sessionId, 'state?');
    expect(updatesOf(client, sessionId)[0]).toEqual({ sessionUpdate: 'current_mode_update', currentModeId: 'plan' });
    expect(reports(client, sessionId, 'state')).toEqual([{ modeId: 'plan', config: { model: 'scripted-smart' } }]);
  });

  it('switches mode and config from inside a turn with update notifications', async () => {
    const { client, sessionId } = await startSession({
      default: {
        steps: [
          { type: 'mode', modeId: 'yolo' },
          { type: 'config', configId: 'model', value: 'scripted-smart' },
        ],
      },
    });
    await client.prompt(sessionId, 'go');
    expect(updatesOf(client, sessionId)).toMatchObject([
      { sessionUpdate: 'current_mode_update', currentModeId: 'yolo' },
      { sessionUpdate: 'config_option_update', configOptions: [{ id: 'model', currentValue: 'scripted-smart' }] },
    ]);
  });

  describe('permission request', () => {
    const target = (): string => join(workspace, 'permitted.txt');
    const scenario = (): Scenario => ({
      default: {
        steps: [
          { type: 'permission', toolCallId: 'edit-1', title: 'Write permitted.txt' },
          { type: 'write_file', path: target(), content: 'granted' },
          { type: 'tool_call_update', id: 'edit-1', status: 'completed' },
        ],
      },
    });

    afterEach(async () => {
      await rm(target(), { force: true });
    });

    it('continues the turn and writes when allowed', async () => {
      const { client, sessionId } = await startSession(scenario(), 'allow');
      const response = await client.prompt(sessionId, 'edit');
      expect(response.stopReason).toBe('end_turn');
      expect(client.permissionRequests[0]?.request.options.map((option) => option.kind)).toEqual([
        'allow_once',
        'allow_always',
        'reject_once',
        'reject_always',
      ]);
      expect(reports(client, sessionId, 'permission')).toEqual([{ outcome: 'allowed', optionId: 'allow-once' }]);
      expect(await readFile(target(), 'utf8')).toBe('granted');
      expect(updatesOf(client, sessionId).at(-1)).toMatchObject({ toolCallId: 'edit-1', status: 'completed' });
    });

    it('reports a rejection, fails the tool call and ends the turn without writing', async () => {
      const { client, sessionId } = await startSession(scenario(), 'reject');
      const response = await client.prompt(sessionId, 'edit');
      expect(response.stopReason).toBe('end_turn');
      expect(reports(client, sessionId, 'permission')).toEqual([{ outcome: 'rejected', optionId: 'reject-once' }]);
      expect(client.fsRequests).toEqual([]);
      expect(updatesOf(client, sessionId)).toContainEqual(
        expect.objectContaining({ sessionUpdate: 'tool_call_update', toolCallId: 'edit-1', status: 'failed' }),
      );
    });

    it('stops the turn as cancelled when the permission prompt is cancelled', async () => {
      const { client, sessionId } = await startSession(scenario(), 'cancel');
      const response = await client.prompt(sessionId, 'edit');
      expect(response.stopReason).toBe('cancelled');
      expect(reports(client, sessionId, 'permission')).toEqual([{ outcome: 'cancelled' }]);
      expect(client.fsRequests).toEqual([]);
    });
  });

  it('round-trips fs reads and writes inside and outside its cwd, and reports a missing file', async () => {
    await writeFile(join(workspace, 'inside.txt'), 'one\ntwo\nthree\n');
    await writeFile(join(outside, 'outside.txt'), 'far away');
    const { client, sessionId } = await startSession({
      default: {
        steps: [
          { type: 'read_file', path: join(workspace, 'inside.txt'), line: 2, limit: 1 },
          { type: 'read_file', path: join(outside, 'outside.txt') },
          { type: 'read_file', path: join(workspace, 'missing.txt') },
          { type: 'write_file', path: join(workspace, 'new', 'written.txt'), content: 'in' },
          { type: 'write_file', path: join(outside, 'written.txt'), content: 'out' },
        ],
      },
    });
    await client.prompt(sessionId, 'files');
    expect(reports(client, sessionId, 'read')).toEqual([
      { path: join(workspace, 'inside.txt'), ok: true, content: 'two' },
      { path: join(outside, 'outside.txt'), ok: true, content: 'far away' },
      { path: join(workspace, 'missing.txt'), ok: false, error: expect.objectContaining({ code: -32002 }) },
    ]);
    expect(reports(client, sessionId, 'write')).toEqual([
      { path: join(workspace, 'new', 'written.txt'), ok: true },
      { path: join(outside, 'written.txt'), ok: true },
    ]);
    expect(await readFile(join(workspace, 'new', 'written.txt'), 'utf8')).toBe('in');
    expect(await readFile(join(outside, 'written.txt'), 'utf8')).toBe('out');
    expect(client.fsRequests.map((request) => [request.method, request.ok])).toEqual([
      ['fs/read_text_file', true],
      ['fs/read_text_file', true],
      ['fs/read_text_file', false],
      ['fs/write_text_file', true],
      ['fs/write_text_file', true],
    ]);
  });

  it('runs terminal commands through the client: output, exit code, truncation and kill', async () => {
    const { client, sessionId } = await startSession({
      default: {
        steps: [
          { type: 'terminal', command: 'sh', args: ['-c', 'echo hello; echo oops >&2; exit 3'] },
          { type: 'terminal', command: 'sh', args: ['-c', 'printf 0123456789'], outputByteLimit: 4 },
          { type: 'terminal', command: 'sleep', args: ['30'], kill: true },
        ],
      },
    });
    await client.prompt(sessionId, 'run');
    const [plain, truncated, killed] = reports(client, sessionId, 'terminal');
    expect(plain).toMatchObject({ exitCode: 3, signal: null, truncated: false });
    expect(String(plain?.output)).toContain('hello\n');
    expect(String(plain?.output)).toContain('oops\n');
    expect(truncated).toMatchObject({ exitCode: 0, output: '6789', truncated: true });
    expect(killed).toMatchObject({ exitCode: null, signal: 'SIGTERM' });
    expect(client.terminalCommands).toHaveLength(3);
  });

  it('stops a slow stream on session/cancel with stopReason cancelled, and the next prompt works', async () => {
    const { client, sessionId } = await startSession({
      rules: [{ match: 'slow', steps: [{ type: 'slow', chunks: 200, intervalMs: 50 }] }],
    });
    const turn = client.prompt(sessionId, 'slow please');
    await waitFor(() => kinds(client, sessionId).length >= 2);
    await client.cancel(sessionId);
    expect((await turn).stopReason).toBe('cancelled');
    expect(kinds(client, sessionId).length).toBeLessThan(200);

    const before = client.updates.length;
    expect((await client.prompt(sessionId, 'again')).stopReason).toBe('end_turn');
    expect(client.updates.slice(before).map((notification) => notification.update)).toEqual([
      { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'again' } },
    ]);
  });

  it('ends with the stop reason the scenario configures', async () => {
    const { client, sessionId } = await startSession({
      rules: [
        { match: 'refuse', steps: [], stopReason: 'refusal' },
        { match: 'long', steps: [{ type: 'text', text: 'trunc' }], stopReason: 'max_tokens' },
      ],
    });
    expect((await client.prompt(sessionId, 'please refuse')).stopReason).toBe('refusal');
    expect((await client.prompt(sessionId, 'too long')).stopReason).toBe('max_tokens');
    expect((await client.prompt(sessionId, 'other')).stopReason).toBe('end_turn');
  });

  it('gives each session its own id and picks turns by prompt index within a session', async () => {
    const { client, sessionId } = await startSession({
      turns: [{ steps: [{ type: 'text', text: 'first' }] }, { steps: [{ type: 'text', text: 'second' }] }],
      default: { steps: [{ type: 'text', text: 'later' }] },
    });
    const other = (await client.newSession(workspace)).sessionId;
    expect(other).not.toBe(sessionId);
    await client.prompt(sessionId, 'a');
    await client.prompt(sessionId, 'b');
    await client.prompt(other, 'c');
    await client.prompt(sessionId, 'd');
    expect(client.agentText(sessionId)).toBe('firstsecondlater');
    expect(client.agentText(other)).toBe('first');
    await expect(client.prompt('scripted-unknown', 'x')).rejects.toMatchObject({ code: -32002 });
  });

  it('exits with code 1 mid-turn: the prompt rejects and the process is gone', async () => {
    const { client, sessionId } = await startSession({
      default: { steps: [{ type: 'text', text: 'about to crash' }, { type: 'exit', code: 1 }] },
    });
    await expect(client.prompt(sessionId, 'crash')).rejects.toThrow();
    expect(await client.exited).toEqual({ code: 1, signal: null });
    expect(client.agentText(sessionId)).toBe('about to crash');
  });

  it('SIGKILLs itself mid-turn: the prompt rejects and the process died by SIGKILL', async () => {
    const { client, sessionId } = await startSession({ default: { steps: [{ type: 'sigkill' }] } });
    await expect(client.prompt(sessionId, 'die')).rejects.toThrow();
    expect(await client.exited).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('writes garbage lines to stdout mid-turn without breaking the valid messages around them', async () => {
    const { client, sessionId } = await startSession({
      default: { steps: [{ type: 'text', text: 'before ' }, { type: 'garbage' }, { type: 'text', text: 'after' }] },
    });
    expect((await client.prompt(sessionId, 'go')).stopReason).toBe('end_turn');
    expect(client.agentText(sessionId)).toBe('before after');
    expect((await client.prompt(sessionId, 'still alive')).stopReason).toBe('end_turn');
  });

  it('floods 10 MB of text chunks and every byte arrives', async () => {
    const { client, sessionId } = await startSession({ default: { steps: [{ type: 'flood' }] } });
    expect((await client.prompt(sessionId, 'flood')).stopReason).toBe('end_turn');
    expect(client.agentText(sessionId).length).toBe(10 * 1024 * 1024);
  });

  it('hangs before answering initialize, and close still kills it', async () => {
    const client = await spawnAgent({ hangInitialize: true });
    const outcome = await Promise.race([
      client.initialize().then(
        () => 'answered',
        () => 'failed',
      ),
      sleep(500, 'pending'),
    ]);
    expect(outcome).toBe('pending');
    clients.splice(clients.indexOf(client), 1);
    await client.close();
    expect(groupMembers(client.pid)).toEqual([]);
  });

  it('ignores SIGTERM when told to, and close still ends it by escalating to SIGKILL', async () => {
    const client = await spawnAgent({ ignoreSigterm: true });
    await client.initialize();
    clients.splice(clients.indexOf(client), 1);
    await client.close();
    expect(client.exit).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('sends an unknown request and notification; method-not-found does not stall the turn', async () => {
    const { client, sessionId } = await startSession({
      default: {
        steps: [
          { type: 'unknown_request', method: 'craft/drainMidTurnQueue', params: { x: 1 } },
          { type: 'unknown_notification', method: 'vendor/telemetry' },
          { type: 'text', text: 'done' },
        ],
      },
    });
    expect((await client.prompt(sessionId, 'go')).stopReason).toBe('end_turn');
    expect(reports(client, sessionId, 'unknown_request')).toEqual([
      { method: 'craft/drainMidTurnQueue', error: expect.objectContaining({ code: -32601 }) },
    ]);
    expect(client.agentText(sessionId)).toMatch(/done$/);
    expect(client.unknownRequests).toEqual(['craft/drainMidTurnQueue']);
    await waitFor(() => client.unknownNotifications.includes('vendor/telemetry'));
  });

  describe('wrapper mode', () => {
    it('runs the agent as a grandchild in the same process group, and a group kill leaves nothing', async () => {
      const { client, sessionId } = await startSession({ wrapper: true });
      expect((await client.prompt(sessionId, 'through the wrapper')).stopReason).toBe('end_turn');
      const [agent] = descendants(client.pid);
      expect(agent?.pgid).toBe(client.pid);
      expect(groupMembers(client.pid).map((member) => member.pid).sort()).toEqual([client.pid, agent?.pid].sort());

      clients.splice(clients.indexOf(client), 1);
      await client.close();
      expect(groupMembers(client.pid)).toEqual([]);
      expect(agent && isAlive(agent.pid)).toBe(false);
    });

    it('ignores SIGTERM, and killing only the wrapper pid leaves the agent running', async () => {
      // Like codex-acp, the agent does not exit when its stdin ends (the dead wrapper's pipe).
      const { client, sessionId } = await startSession({ wrapper: true, surviveStdinEnd: true });
      const [agent] = descendants(client.pid);
      if (!agent) throw new Error('no grandchild agent');

      process.kill(client.pid, 'SIGTERM');
      // The signal is ignored and not forwarded: the wrapper and its agent still answer.
      expect((await client.prompt(sessionId, 'after SIGTERM')).stopReason).toBe('end_turn');
      expect(isAlive(client.pid)).toBe(true);

      process.kill(client.pid, 'SIGKILL');
      // Node destroys the stdin pipe when the spawned pid exits, but stdout stays open: the
      // orphan holds its write end. Only the exit event tells a client the wrapper is gone.
      await client.exited;
      // Reparented (to init or a subreaper) once its parent is gone: an orphan, still alive.
      await waitFor(() => readProcStat(agent.pid)?.ppid !== client.pid);
      expect(isAlive(agent.pid)).toBe(true);
      expect(groupMembers(client.pid).map((member) => member.pid)).toEqual([agent.pid]);

      await killGroup(client.pid);
      expect(isAlive(agent.pid)).toBe(false);
    });
  });

  describe('session capabilities', () => {
    it('advertises neither resume nor loadSession by default, and rejects them', async () => {
      const client = await spawnAgent({});
      const { agentCapabilities } = await client.initialize();
      expect(agentCapabilities?.loadSession).toBe(false);
      expect(agentCapabilities?.sessionCapabilities?.resume).toBeUndefined();
      const { sessionId } = await client.newSession(workspace);
      await expect(client.resumeSession(sessionId, workspace)).rejects.toMatchObject({ code: -32601 });
      await expect(client.loadSession(sessionId, workspace)).rejects.toMatchObject({ code: -32601 });
    });

    it('advertises session/resume, and a resumed session keeps working, also in a new process', async () => {
      const scenario: Scenario = { capabilities: { resume: true } };
      const { client, sessionId } = await startSession(scenario);
      const { agentCapabilities } = await client.initialize();
      expect(agentCapabilities?.sessionCapabilities?.resume).toEqual({});
      expect(agentCapabilities?.loadSession).toBe(false);
      await client.prompt(sessionId, 'one');
      const resumed = await client.resumeSession(sessionId, workspace);
      expect(resumed.configOptions).toContainEqual(expect.objectContaining({ id: 'model' }));
      await client.prompt(sessionId, 'two');
      expect(client.agentText(sessionId)).toBe('onetwo');

      const restarted = await spawnAgent(scenario);
      await restarted.initialize();
      await restarted.resumeSession(sessionId, workspace);
      expect((await restarted.prompt(sessionId, 'three')).stopReason).toBe('end_turn');
      expect(restarted.agentText(sessionId)).toBe('three');
      await expect(restarted.resumeSession('not-ours', workspace)).rejects.toMatchObject({ code: -32002 });
    });

    it('advertises loadSession, replays the history on load, and the session keeps working', async () => {
      const { client, sessionId } = await startSession({ capabilities: { loadSession: true } });
      const { agentCapabilities } = await client.initialize();
      expect(agentCapabilities?.loadSession).toBe(true);
      expect(agentCapabilities?.sessionCapabilities?.resume).toBeUndefined();
      await client.prompt(sessionId, 'remember me');
      const before = client.updates.length;
      await client.loadSession(sessionId, workspace);
      expect(client.updates.slice(before).map((notification) => notification.update)).toEqual([
        { sessionUpdate: 'user_message_chunk', content: { type: 'text', text: 'remember me' } },
        { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'remember me' } },
      ]);
      expect((await client.prompt(sessionId, 'next')).stopReason).toBe('end_turn');
    });
  });
});
