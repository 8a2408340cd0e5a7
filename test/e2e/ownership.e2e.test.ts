// One data folder, many processes: a `boocode serve` owns it, and every other `boocode` command
// (and a second `serve`) works through it, so turns, queues, settings and warm agents have one
// writer. Real processes throughout: the built CLI, the CLI from source, the scripted agent.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Turn } from '../../src/shared/chats.ts';
import type { AppEvent } from '../../src/shared/contract.ts';
import { createCore } from '../../src/main/core/index.ts';
import type { RunningServer } from '../../src/main/serve/index.ts';
import { scriptedAgentCommand, type Scenario } from '../fixtures/scripted-acp-agent.ts';
import { unwrap } from '../helpers/chats.ts';
import { boocode, jsonLines } from '../helpers/cli.ts';
import { initRepo } from '../helpers/git.ts';
import { connectWire, type WireClient } from '../helpers/serve.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serveProcess.ts';
import { tempDir } from '../helpers/tempDir.ts';

/** A data folder that knows the scripted agent; `marker` finds its processes in /proc. */
async function dataDirWithAgent(scenario: Scenario): Promise<{ dataDir: string; marker: string }> {
  const dataDir = tempDir('boo-data-');
  const marker = randomUUID();
  const core = createCore({ dataDir });
  // A rule no prompt matches carries the marker into the agent's environment.
  const { command, args, env } = scriptedAgentCommand({ ...scenario, rules: [...(scenario.rules ?? []), { match: marker, steps: [] }] });
  unwrap(await core.api.call('agents.add', { agent: { id: 'scripted', name: 'Scripted', command, args, env } }));
  await core.close();
  return { dataDir, marker };
}

/**
 * Pids of live agent processes whose environment carries `marker` (the scripted agent's
 * scenario); the catalog's `--version` probes of the same command are not agents.
 */
function agentProcesses(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const isProbe = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes('--version');
      if (!isProbe && readFileSync(`/proc/${entry}/environ`, 'utf8').includes(marker)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

function wireTo(serve: ServeProcess): Promise<WireClient> {
  const token = new URL(serve.url).searchParams.get('token') ?? '';
  return connectWire({ port: serve.port, token } as RunningServer);
}

function turnEnds(client: WireClient, turnId: string): AppEvent[] {
  return client.live.flatMap((message) =>
    message.kind === 'event' && message.event.type === 'chat.turn.ended' && message.event.turn.id === turnId ? [message.event] : [],
  );
}

/** A turn that streams until `goAhead` exists, so that it is running for as long as the test needs. */
function slowScenario(goAhead = join(tempDir('boo-signal-'), 'go')): Scenario {
  return {
    rules: [{ match: 'slow', steps: [{ type: 'slow', chunks: 5, intervalMs: 20, text: '.' }, { type: 'wait_for_file', path: goAhead }, { type: 'text', text: 'done' }] }],
    default: { steps: [{ type: 'echo' }] },
  };
}

describe('one owner per data folder, with real processes', () => {
  test('while a serve runs a slow turn, agents, sessions, changes and run work through it: the turn ends once, run queues behind it in the same agent process', async () => {
    const goAhead = join(tempDir('boo-signal-'), 'go');
    const { dataDir, marker } = await dataDirWithAgent(slowScenario(goAhead));
    const repo = initRepo(tempDir('boo-project-'));
    const serve = await startServeProcess(dataDir);
    try {
      const page = await wireTo(serve);
      unwrap(await page.request('events.subscribe', { afterSeq: 0 }));
      const project = unwrap(await page.request('projects.open', { path: repo })) as { id: string };
      const session = unwrap(await page.request('sessions.create', { projectId: project.id })) as { id: string };
      const chat = unwrap(await page.request('chats.create', { sessionId: session.id, agentId: 'scripted' })) as { id: string };
      const first = unwrap(await page.request('chats.send', { chatId: chat.id, text: 'slow please' })) as { turnId: string };

      const seenAgents = new Set<number>();
      const sampler = setInterval(() => {
        for (const pid of agentProcesses(marker)) seenAgents.add(pid);
      }, 25);
      const running = boocode(['run', '--data-dir', dataDir, '--chat', chat.id, '--json', 'and then this'], {
        // The first turn may end once `run`'s prompt is queued behind it.
        onStdout: (chunk) => {
          if (chunk.includes('"run.started"')) writeFileSync(goAhead, '');
        },
      });
      const [agents, sessions, changes] = await Promise.all([
        boocode(['agents', '--data-dir', dataDir, '--json']),
        boocode(['sessions', '--data-dir', dataDir, '--project', repo, '--json']),
        boocode(['changes', '--data-dir', dataDir, '--session', session.id, '--json']),
      ]);
      const run = await running;
      clearInterval(sampler);

      expect(agents.code, agents.stderr).toBe(0);
      expect((JSON.parse(agents.stdout) as { id: string }[]).map((agent) => agent.id)).toContain('scripted');
      expect(sessions.code, sessions.stderr).toBe(0);
      expect(JSON.parse(sessions.stdout)).toMatchObject([{ id: session.id, chats: [{ id: chat.id }] }]);
      expect(changes.code, changes.stderr).toBe(0);
      expect(run.code, run.stderr).toBe(0);
      const lines = jsonLines(run.stdout);
      expect(lines[0]).toMatchObject({ type: 'run.started', chatId: chat.id, queued: true });
      const runTurnId = lines[0]?.turnId as string;
      expect(lines.at(-1)).toMatchObject({ type: 'chat.turn.ended', turn: { id: runTurnId, state: 'completed' } });
      expect(JSON.stringify(lines)).toContain('and then this');

      // The first turn ran to its end in the serve, untouched by the commands beside it.
      await expect.poll(() => turnEnds(page, first.turnId).length).toBe(1);
      expect(turnEnds(page, first.turnId)[0]).toMatchObject({ turn: { state: 'completed' } });
      await expect.poll(() => turnEnds(page, runTurnId).length).toBe(1);
      const ended = turnEnds(page, runTurnId)[0] as { turn: Turn };
      const firstEnded = turnEnds(page, first.turnId)[0] as { turn: Turn };
      expect(Date.parse(ended.turn.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(firstEnded.turn.endedAt ?? ''));
      // One agent process served the chat: the serve's. No command started a second one.
      expect(seenAgents.size).toBe(1);
      const processes = unwrap(await page.request('agents.processes', {})) as { chatId: string; pid: number }[];
      expect(processes.filter((entry) => entry.chatId === chat.id).map((entry) => entry.pid)).toEqual([...seenAgents]);
      page.close();
    } finally {
      await serve.stop();
    }
  });

  test('a second serve on the same folder serves through the first, and takes the folder over when the first stops: nothing lost', async () => {
    const { dataDir } = await dataDirWithAgent(slowScenario());
    const folder = tempDir('boo-project-');
    const first = await startServeProcess(dataDir);
    let second: ServeProcess | undefined;
    try {
      second = await startServeProcess(dataDir);
      const onFirst = await wireTo(first);
      const onSecond = await wireTo(second);
      unwrap(await onFirst.request('events.subscribe', { afterSeq: 0 }));
      const project = unwrap(await onSecond.request('projects.open', { path: folder })) as { id: string };
      const session = unwrap(await onSecond.request('sessions.create', { projectId: project.id })) as { id: string };
      const chat = unwrap(await onSecond.request('chats.create', { sessionId: session.id, agentId: 'scripted' })) as { id: string };
      unwrap(await onSecond.request('settings.set', { patch: { maxWarmAgents: 9 } }));
      const { turnId } = unwrap(await onSecond.request('chats.send', { chatId: chat.id, text: 'hello from the second page' })) as { turnId: string };
      // The turn runs in the first serve (the owner): its page sees it end.
      await expect.poll(() => turnEnds(onFirst, turnId).length).toBe(1);
      expect(unwrap(await onFirst.request('settings.get', {}))).toMatchObject({ maxWarmAgents: 9 });

      expect(await first.stop()).toBe(0);
      // The second serve takes over; its page reconnects to the same server and sees everything.
      await expect.poll(async () => (await onSecond.request('projects.list', {})).ok, { timeout: 10_000 }).toBe(true);
      expect(unwrap(await onSecond.request('projects.list', {}))).toMatchObject([{ id: project.id }]);
      expect(unwrap(await onSecond.request('settings.get', {}))).toMatchObject({ maxWarmAgents: 9 });
      const view = unwrap(await onSecond.request('chats.get', { chatId: chat.id })) as { recentTurns: Turn[] };
      expect(view.recentTurns.map((turn) => [turn.id, turn.state])).toEqual([[turnId, 'completed']]);
      const next = unwrap(await onSecond.request('chats.send', { chatId: chat.id, text: 'still here' })) as { turnId: string };
      unwrap(await onSecond.request('events.subscribe', { afterSeq: 0 }));
      await expect.poll(async () => ((unwrap(await onSecond.request('chats.get', { chatId: chat.id })) as { recentTurns: Turn[] }).recentTurns.find((turn) => turn.id === next.turnId)?.state)).toBe('completed');
    } finally {
      await second?.stop();
      await first.stop();
    }
  });

  test('an agent added with the CLI while the app runs, and one added through the app, are both kept, in both views and after a restart', async () => {
    const { dataDir } = await dataDirWithAgent(slowScenario());
    const serve = await startServeProcess(dataDir);
    const { command, args } = scriptedAgentCommand({});
    try {
      const page = await wireTo(serve);
      const added = await boocode(['agents', 'add', '--data-dir', dataDir, '--name', 'From the CLI', '--command', command, ...args.map((arg) => `--arg=${arg}`)]);
      expect(added.code, added.stderr).toBe(0);
      unwrap(await page.request('agents.add', { agent: { id: 'from-the-app', name: 'From the app', command, args, env: {} } }));
      const inApp = (unwrap(await page.request('agents.list', {})) as { id: string }[]).map((agent) => agent.id);
      expect(inApp).toEqual(expect.arrayContaining(['scripted', 'from-the-cli', 'from-the-app']));
      const inCli = await boocode(['agents', '--data-dir', dataDir, '--json']);
      expect((JSON.parse(inCli.stdout) as { id: string }[]).map((agent) => agent.id)).toEqual(inApp);
      page.close();
    } finally {
      await serve.stop();
    }
    const afterRestart = await boocode(['agents', '--data-dir', dataDir, '--json']);
    expect((JSON.parse(afterRestart.stdout) as { id: string }[]).map((agent) => agent.id)).toEqual(expect.arrayContaining(['scripted', 'from-the-cli', 'from-the-app']));
  });
});
