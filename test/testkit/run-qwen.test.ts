// `boocode run` end to end with real qwen-code against the scripted LLM.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../src/main/core/index.ts';
import { createTempGitRepo, qwenAcpLaunch, type AcpLaunchSpec } from '../fixtures/real-agents.ts';
import { replies, startScriptedLlm, type ScriptedLlm } from '../fixtures/scripted-llm.ts';
import { unwrap } from '../helpers/chats.ts';
import { boocode, jsonLines } from '../helpers/cli.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

describe('boocode run with real qwen-code', () => {
  let llm: ScriptedLlm;
  let repo: Awaited<ReturnType<typeof createTempGitRepo>>;
  let launch: AcpLaunchSpec;
  let dataDir: string;

  beforeAll(async () => {
    llm = await startScriptedLlm();
    repo = await createTempGitRepo();
    launch = await qwenAcpLaunch({ url: llm.url });
    dataDir = mkdtempSync(join(tmpdir(), 'boo-run-qwen-'));
    const core = createCore({ dataDir });
    const env = Object.fromEntries(Object.entries(launch.env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    unwrap(await core.api.call('agents.add', { agent: { id: 'qwen-offline', name: 'qwen (offline)', command: launch.command, args: [...launch.args], env } }));
    await core.close();
  });

  afterAll(async () => {
    await launch?.dispose();
    await repo?.dispose();
    await llm?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs a file-writing turn and prints JSON lines: run.started, the events, chat.turn.ended; exit 0', async () => {
    llm.addRule({ match: '[write result.txt]', reply: replies.writeFile('result.txt', 'from boocode run\n', replies.text('Done.')), times: 1 });
    const run = await boocode(['run', '--data-dir', dataDir, '--project', repo.path, '--agent', 'qwen-offline', '--approve', 'allow', '--json', 'Write the result. [write result.txt]']);
    expect(run.code, run.stderr).toBe(0);
    const lines = jsonLines(run.stdout);
    const started = lines[0] as { type: string; cwd: string };
    expect(started.type).toBe('run.started');
    expect(await readFile(join(started.cwd, 'result.txt'), 'utf8')).toBe('from boocode run\n');
    expect(lines.some((line) => line.type === 'chat.part.updated' && (line.part as { kind: string }).kind === 'tool-call')).toBe(true);
    expect(lines.at(-1)).toMatchObject({ type: 'chat.turn.ended', turn: { state: 'completed', agentId: 'qwen-offline' } });
    expect(llm.turnRequests.length).toBeGreaterThanOrEqual(2);
  });

  it('cancels on SIGINT (the agent is told to stop) and exits 4', async () => {
    llm.enqueue(replies.slow(400, 50));
    let signalled = false;
    const run = await boocode(['run', '--data-dir', dataDir, '--project', repo.path, '--agent', 'qwen-offline', '--json', 'A long story, please.'], {
      onStdout: (chunk, child) => {
        if (!signalled && chunk.includes('chat.part.delta')) {
          signalled = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(run.code).toBe(4);
    expect(jsonLines(run.stdout).at(-1)).toMatchObject({ type: 'chat.turn.ended', turn: { state: 'cancelled' } });
    await expect.poll(() => llm.requests.at(-1)?.outcome).toBe('client-disconnected');
  });
});
