import { describe, expect, test } from 'vitest';
import { createCore } from '../../src/main/core/index.ts';
import { startServer } from '../../src/main/serve/index.ts';
import { scriptedAgentCommand, type Scenario } from '../fixtures/scripted-acp-agent.ts';
import { boocode, jsonLines } from '../helpers/cli.ts';
import { unwrap } from '../helpers/chats.ts';
import { tempDir } from '../helpers/tempDir.ts';
import { onTestFinished } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

async function dataDirWithAgent(scenario: Scenario): Promise<string> {
  const dataDir = tempDir();
  const core = createCore({ dataDir });
  const { command, args, env } = scriptedAgentCommand(scenario);
  unwrap(await core.api.call('agents.add', { agent: { id: 'scripted', name: 'Scripted', command, args, env } }));
  await core.close();
  return dataDir;
}

const scenario: Scenario = {
  rules: [
    { match: 'crash', steps: [{ type: 'text', text: 'going down' }, { type: 'exit', code: 1 }] },
    { match: 'refuse', steps: [{ type: 'text', text: 'I will not.' }], stopReason: 'refusal' },
    { match: 'tool', steps: [{ type: 'tool_call', id: 't1', title: 'Read notes.md', kind: 'read' }, { type: 'tool_call_update', id: 't1', status: 'completed' }, { type: 'text', text: 'read it' }] },
    { match: 'ask', steps: [{ type: 'permission', toolCallId: 'p1', title: 'Edit main.ts', kind: 'edit' }, { type: 'text', text: 'after asking' }] },
    { match: 'slow', steps: [{ type: 'slow', chunks: 2000, intervalMs: 10, text: '.' }] },
  ],
  default: { steps: [{ type: 'echo' }] },
};

describe('boocode run with the scripted agent', () => {
  test('--json prints run.started first, then the turn\'s events, and its chat.turn.ended last; exit 0', async () => {
    const dataDir = await dataDirWithAgent(scenario);
    const project = tempDir();
    const run = await boocode(['run', '--data-dir', dataDir, '--project', project, '--agent', 'scripted', '--json', 'hello', 'there']);
    expect(run.code, run.stderr).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines[0]).toMatchObject({ type: 'run.started', cwd: project, chatId: expect.any(String), turnId: expect.any(String), sessionId: expect.any(String), projectId: expect.any(String) });
    expect(lines.at(-1)).toMatchObject({ type: 'chat.turn.ended', turn: { id: lines[0]?.turnId, state: 'completed', stopReason: 'end_turn' } });
    expect(lines.slice(1, -1).every((line) => typeof line.seq === 'number' && typeof line.type === 'string')).toBe(true);
    expect(lines.some((line) => line.type === 'chat.part.updated' && JSON.stringify(line).includes('hello there'))).toBe(true);
  });

  test('without --json the text goes to stdout and tool calls to stderr; `sessions --json` lists the session and chat', async () => {
    const dataDir = await dataDirWithAgent(scenario);
    const project = tempDir();
    const run = await boocode(['run', '--data-dir', dataDir, '--project', project, '--agent', 'scripted', 'use a tool']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('read it\n');
    expect(run.stderr).toContain('⚙ Read notes.md [completed]');
    const sessions = await boocode(['sessions', '--data-dir', dataDir, '--project', project, '--json']);
    const listed = JSON.parse(sessions.stdout) as { cwd: string; chats: { agentId: string }[] }[];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ cwd: project, chats: [{ agentId: 'scripted' }] });
  });

  test('exit codes: a missing agent 3, a crash 1, a refusal 5 — each with a one-line reason', async () => {
    const dataDir = await dataDirWithAgent(scenario);
    const project = tempDir();
    const missing = await boocode(['run', '--data-dir', dataDir, '--project', project, '--agent', 'gemini', 'hi']);
    expect(missing.code).toBe(3);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    const crashed = await boocode(['run', '--data-dir', dataDir, '--project', project, '--agent', 'scripted', 'crash now']);
    expect(crashed.code).toBe(1);
    expect(crashed.stderr).toMatch(/^boocode: agent-crashed: .*exited with code 1/m);
    const refused = await boocode(['run', '--data-dir', dataDir, '--project', project, '--agent', 'scripted', 'please refuse']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('refused');
  });

  test('--approve allow answers permission requests once; reject refuses them', async () => {
    const dataDir = await dataDirWithAgent(scenario);
    const project = tempDir();
    const allowed = await boocode(['run', '--data-dir', dataDir, '--project', project, '--agent', 'scripted', '--approve', 'allow', 'ask first']);
    expect(allowed.stdout).toContain('"outcome":"allowed"');
    expect(allowed.stdout).toContain('after asking');
    const rejected = await boocode(['run', '--data-dir', dataDir, '--project', project, '--agent', 'scripted', '--approve', 'reject', 'ask first']);
    expect(rejected.stdout).toContain('"outcome":"rejected"');
    expect(rejected.stdout).not.toContain('after asking');
  });

  test('SIGINT cancels the turn cleanly and exits 4', async () => {
    const dataDir = await dataDirWithAgent(scenario);
    const project = tempDir();
    let signalled = false;
    const run = await boocode(['run', '--data-dir', dataDir, '--project', project, '--agent', 'scripted', '--json', 'slow please'], {
      onStdout: (_chunk, child) => {
        if (!signalled && _chunk.includes('chat.part.delta')) {
          signalled = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(run.code).toBe(4);
    expect(jsonLines(run.stdout).at(-1)).toMatchObject({ type: 'chat.turn.ended', turn: { state: 'cancelled', stopReason: 'cancelled' } });
  });

  test('--attach runs the turn on a running serve and reuses its warm agent', async () => {
    const dataDir = await dataDirWithAgent(scenario);
    const core = createCore({ dataDir });
    onTestFinished(() => core.close());
    const rendererDir = join(tempDir(), 'renderer');
    mkdirSync(rendererDir);
    writeFileSync(join(rendererDir, 'index.html'), '');
    const server = unwrap(await startServer({ core, rendererDir }));
    onTestFinished(() => server.close());
    const project = tempDir();
    const first = await boocode(['run', '--attach', server.url, '--project', project, '--agent', 'scripted', '--json', 'one']);
    expect(first.code, first.stderr).toBe(0);
    const chatId = jsonLines(first.stdout)[0]?.chatId as string;
    const pid = core.agents.pool.list()[0]?.pid;
    const second = await boocode(['run', '--attach', server.url, '--project', project, '--chat', chatId, '--json', 'two']);
    expect(second.code, second.stderr).toBe(0);
    expect(jsonLines(second.stdout).at(-1)).toMatchObject({ turn: { origin: 'warm', state: 'completed' } });
    expect(core.agents.pool.list()[0]?.pid).toBe(pid);
    const refused = await boocode(['run', '--attach', `http://127.0.0.1:${server.port}/?token=wrong`, '--project', project, '--agent', 'scripted', 'x']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('HTTP 401');
  });
});
