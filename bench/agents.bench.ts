// Warm agents: the pool's overhead on a warm turn against the bare SDK client on the same
// scripted agent; warm against cold with real qwen-code; and memory with many warm agents.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore, type Core } from '../src/main/core/index.ts';
import { processGroupRss } from '../src/main/agents/processTree.ts';
import { spawnBareAcpClient } from '../test/fixtures/bare-acp-client.ts';
import { createTempGitRepo, qwenAcpLaunch } from '../test/fixtures/real-agents.ts';
import { scriptedAgentCommand } from '../test/fixtures/scripted-acp-agent.ts';
import { replies, startScriptedLlm } from '../test/fixtures/scripted-llm.ts';
import { median, row, type Benchmark } from './harness.ts';
import { measurePaired, pairedRows } from './paired.ts';

const warmTurnSettings = {
  /**
   * A warm turn's first update takes ~0.2 ms here, and one pair of turns varies by more than the
   * 5% the goal allows. 5 rounds of 1,000 pairs (about 10 s) keep the rounds' ratios within a few
   * percent of each other on a quiet machine; under load the spread row shows how much wider.
   */
  rounds: 5,
  pairsPerRound: 1_000,
  /** Turns per side before measuring: first spawn, JIT, the agent's own warm-up. */
  warmUpTurns: 50,
} as const;

function scratch(prefix: string): { path: string; dispose: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, dispose: () => rmSync(path, { recursive: true, force: true }) };
}

async function coreWithAgent(agent: { id: string; command: string; args: readonly string[]; env: Record<string, string> }, extra: Parameters<typeof createCore>[0] | object = {}): Promise<{ core: Core; dispose: () => Promise<void> }> {
  const data = scratch('boo-bench-data-');
  const core = createCore({ dataDir: data.path, ...extra });
  const added = await core.api.call('agents.add', { agent: { id: agent.id, name: agent.id, command: agent.command, args: [...agent.args], env: agent.env } });
  if (!added.ok) throw new Error(added.error.message);
  return {
    core,
    dispose: async () => {
      await core.close();
      data.dispose();
    },
  };
}

/** Prompt → first update through the pool, per turn. */
async function poolFirstUpdates(core: Core, agentId: string, cwd: string, turns: number, text: string): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < turns; i += 1) {
    const started = performance.now();
    let first: number | undefined;
    const result = await core.agents.pool.runTurn({ chatId: 'bench', agentId, cwd, input: { text } }, () => {
      first ??= performance.now() - started;
    });
    if (!result.ok) throw new Error(result.error.message);
    if (first !== undefined) samples.push(first);
  }
  return samples;
}

const definedEnv = (env: NodeJS.ProcessEnv): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));

export const benchmarks: Benchmark[] = [
  {
    name: 'agents: warm turn overhead vs the bare SDK client',
    async run() {
      const cwd = scratch('boo-bench-cwd-');
      const agent = { id: 'scripted', ...scriptedAgentCommand({ default: { steps: [{ type: 'echo' }] } }) };
      const { core, dispose } = await coreWithAgent(agent);
      const bare = await spawnBareAcpClient({ command: agent.command, args: agent.args, cwd: cwd.path, env: agent.env });
      await bare.initialize();
      const { sessionId } = await bare.newSession(cwd.path);
      await poolFirstUpdates(core, 'scripted', cwd.path, warmTurnSettings.warmUpTurns, 'warm');
      for (let i = 0; i < warmTurnSettings.warmUpTurns; i += 1) await bare.timedPrompt(sessionId, 'warm');
      const paired = await measurePaired({
        rounds: warmTurnSettings.rounds,
        pairsPerRound: warmTurnSettings.pairsPerRound,
        measureA: async () => {
          const [first] = await poolFirstUpdates(core, 'scripted', cwd.path, 1, 'hello');
          if (first === undefined) throw new Error('the pool\'s turn streamed nothing');
          return first;
        },
        measureB: async () => {
          const timed = await bare.timedPrompt(sessionId, 'hello');
          if (timed.firstUpdateMs === undefined) throw new Error('the bare client\'s turn streamed nothing');
          return timed.firstUpdateMs;
        },
      });
      await bare.close();
      await dispose();
      cwd.dispose();
      return pairedRows('agents.warm_turn.first_update', 'ms', paired, '<= 1.05');
    },
  },
  {
    name: 'agents: warm vs cold with real qwen-code',
    async run() {
      const llm = await startScriptedLlm();
      const repo = await createTempGitRepo();
      const launch = await qwenAcpLaunch({ url: llm.url });
      try {
        llm.addRule({ match: 'hello', reply: replies.text('Hi.'), times: 1_000 });
        const cold: number[] = [];
        for (let i = 0; i < 3; i += 1) {
          const started = performance.now();
          const client = await spawnBareAcpClient({ command: launch.command, args: launch.args, cwd: repo.path, env: launch.env });
          await client.initialize();
          const { sessionId } = await client.newSession(repo.path);
          let first: number | undefined;
          client.onUpdate(() => {
            first ??= performance.now() - started;
          });
          await client.prompt(sessionId, 'hello');
          await client.close();
          if (first !== undefined) cold.push(first);
        }
        const { core, dispose } = await coreWithAgent({ id: 'qwen-offline', command: launch.command, args: launch.args, env: definedEnv(launch.env) });
        await poolFirstUpdates(core, 'qwen-offline', repo.path, 1, 'hello');
        const warm = await poolFirstUpdates(core, 'qwen-offline', repo.path, 10, 'hello');
        await dispose();
        return [row('agents.qwen.warm_vs_cold.first_update', median(warm), 'ms', median(cold), null)];
      } finally {
        await launch.dispose();
        await repo.dispose();
        await llm.close();
      }
    },
  },
  {
    name: 'agents: memory with 20 warm agents, and maxWarm',
    async run() {
      const cwd = scratch('boo-bench-cwd-');
      const agent = { id: 'scripted', ...scriptedAgentCommand({ default: { steps: [{ type: 'echo' }] } }) };
      const idle = await coreWithAgent(agent);
      const coreIdleRss = process.memoryUsage().rss;
      await idle.dispose();

      const unbounded = await coreWithAgent(agent, { agentLimits: () => ({ maxWarm: 64, idleTtlMs: 3_600_000 }) });
      const chats = Array.from({ length: 20 }, (_, i) => `chat-${i}`);
      await Promise.all(chats.map((chatId) => unbounded.core.agents.pool.runTurn({ chatId, agentId: 'scripted', cwd: cwd.path, input: { text: 'hi' } }, () => {})));
      const coreRss = process.memoryUsage().rss;
      const children = unbounded.core.agents.pool.list().reduce((sum, entry) => sum + (entry.pid === null ? 0 : (processGroupRss(entry.pid) ?? 0)), 0);
      const warmCount = unbounded.core.agents.pool.liveCount();
      await unbounded.dispose();

      const bounded = await coreWithAgent(agent, { agentLimits: () => ({ maxWarm: 4, idleTtlMs: 3_600_000 }) });
      let maxLive = 0;
      for (const chatId of chats) {
        await bounded.core.agents.pool.runTurn({ chatId, agentId: 'scripted', cwd: cwd.path, input: { text: 'hi' } }, () => {});
        await bounded.core.agents.pool.reap();
        maxLive = Math.max(maxLive, bounded.core.agents.pool.liveCount());
      }
      await bounded.dispose();
      cwd.dispose();
      const mb = (bytes: number) => bytes / (1024 * 1024);
      return [
        row(`agents.memory.core_rss.${warmCount}_warm`, mb(coreRss), 'MB', mb(coreIdleRss), null),
        row(`agents.memory.children_rss.${warmCount}_warm`, mb(children), 'MB', null, null),
        row('agents.max_warm_4.peak_live_after_reap', maxLive, 'processes', 4, '<= 1'),
      ];
    },
  },
];
