// Warm opencode servers: a warm turn through BooCode against the cold `opencode run` CLI (what a
// user gets without a warm server), and against a bare @opencode-ai/sdk client on the very same
// warm server (what BooCode's pool, backend and demultiplexing cost on top of opencode).
// Everything runs offline against the scripted LLM, in an isolated HOME/XDG world.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event as OpencodeEvent } from '@opencode-ai/sdk/v2';
import { createCore, type Core } from '../src/main/core/index.ts';
import { agentBins, createAgentEnv, createTempGitRepo, type IsolatedAgentEnv } from '../test/fixtures/real-agents.ts';
import { replies, startScriptedLlm, type ScriptedLlm } from '../test/fixtures/scripted-llm.ts';
import { median, row, type Benchmark } from './harness.ts';
import { measurePaired, pairedRows } from './paired.ts';

const settings = {
  /** Cold CLI runs: each costs ~4–5 s here, and their spread is small next to the warm/cold gap. */
  coldRuns: 3,
  /** Warm turns per side for the cold comparison, where the gap is tenfold and 30 are plenty. */
  warmTurns: 30,
  /**
   * BooCode against the bare SDK: a warm first text takes ~60–250 ms, and single turns vary by
   * far more than the 5% the goal allows (30 pairs gave 0.94–1.21). 6 rounds of 30 pairs, A B / B A
   * interleaved (about 100 s), make the median's ratio repeatable and show the rounds' spread.
   */
  pairedRounds: 6,
  pairsPerRound: 30,
  /** Turns discarded first (server start, JIT, opencode's first-turn title call). */
  warmUpTurns: 3,
  /** A cold `opencode run` that printed no text by then is stuck. */
  coldTimeoutMs: 60_000,
} as const;

interface World {
  readonly llm: ScriptedLlm;
  readonly repo: Awaited<ReturnType<typeof createTempGitRepo>>;
  readonly isolated: IsolatedAgentEnv;
  readonly core: Core;
  dispose(): Promise<void>;
}

async function world(): Promise<World> {
  const llm = await startScriptedLlm({ defaultReply: replies.text('Bench reply.') });
  const repo = await createTempGitRepo();
  const isolated = await createAgentEnv('opencode', { url: llm.url });
  const dataDir = mkdtempSync(join(tmpdir(), 'boo-bench-oc-'));
  const core = createCore({ dataDir, env: isolated.env });
  return {
    llm,
    repo,
    isolated,
    core,
    async dispose() {
      await core.close();
      rmSync(dataDir, { recursive: true, force: true });
      await isolated.dispose();
      await repo.dispose();
      await llm.close();
    },
  };
}

/** Prompt → first text delta through the pool with the built-in `opencode` preset. */
async function booFirstText(core: Core, cwd: string, chatId: string): Promise<number> {
  const started = performance.now();
  let first: number | undefined;
  const result = await core.agents.pool.runTurn({ chatId, agentId: 'opencode', cwd, input: { text: 'hello' } }, (event) => {
    if (event.kind === 'text') first ??= performance.now() - started;
  });
  if (!result.ok) throw new Error(result.error.message);
  if (first === undefined) throw new Error('the turn streamed no text');
  return first;
}

/** Spawn → first text printed by the CLI; a fresh process (and server inside it) every time. */
function coldRunFirstText(cwd: string, env: Readonly<Record<string, string>>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(agentBins.opencode, ['run', '--format', 'json', 'hello'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let seen = '';
    let first: number | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), settings.coldTimeoutMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      seen += chunk;
      if (first === undefined && /"type":"text"/.test(seen)) first = performance.now() - started;
    });
    child.once('error', reject);
    child.once('exit', () => {
      clearTimeout(timer);
      if (first === undefined) reject(new Error(`opencode run printed no text: ${seen.slice(0, 500)}`));
      else resolve(first);
    });
  });
}

export const benchmarks: Benchmark[] = [
  {
    name: 'opencode: warm turn through BooCode vs cold `opencode run`',
    async run() {
      const { core, repo, isolated, dispose } = await world();
      try {
        for (let i = 0; i < settings.warmUpTurns; i += 1) await booFirstText(core, repo.path, 'bench');
        const warm: number[] = [];
        for (let i = 0; i < settings.warmTurns; i += 1) warm.push(await booFirstText(core, repo.path, 'bench'));
        const cold: number[] = [];
        for (let i = 0; i < settings.coldRuns; i += 1) cold.push(await coldRunFirstText(repo.path, isolated.env));
        // value = cold, baseline = warm: the ratio reads "cold takes N times as long".
        return [row('opencode.first_text.cold_run_over_warm_boocode', median(cold), 'ms', median(warm), '>= 10')];
      } finally {
        await dispose();
      }
    },
  },
  {
    name: 'opencode: BooCode vs a bare SDK client on the same warm server',
    async run() {
      const { core, repo, dispose } = await world();
      const subscription = new AbortController();
      try {
        // Warm BooCode's server up, then take a hold on that same server for the bare client.
        for (let i = 0; i < settings.warmUpTurns; i += 1) await booFirstText(core, repo.path, 'bench');
        const spec = await core.agents.catalog.resolve('opencode', { projectPath: repo.path });
        if (!spec.ok) throw new Error(spec.error.message);
        const held = await core.agents.opencodeServers.acquire({ cwd: repo.path, spec: spec.value });
        if (!held.ok) throw new Error(held.error.message);
        const server = held.value;
        if (server.pid !== core.agents.pool.list()[0]?.pid) throw new Error('the bare client is not on BooCode\'s server');
        const { client } = server;
        const created = await client.session.create({});
        if (!created.data) throw new Error('session.create failed');
        const sessionID = created.data.id;
        // The bare client's own event stream, as any SDK user would open it.
        const watchers = new Set<(event: OpencodeEvent) => void>();
        const { stream } = await client.event.subscribe({ directory: repo.path }, { signal: subscription.signal });
        void (async () => {
          try {
            for await (const event of stream) for (const watcher of [...watchers]) watcher(event);
          } catch {
            // Ends with an abort error when the benchmark unsubscribes.
          }
        })();
        const bareFirstText = async (): Promise<number> => {
          const started = performance.now();
          let first: number | undefined;
          // The first text of the answer a client can show: a delta, or a text part of an assistant
          // message that arrives with text in it (BooCode shows either, whichever comes first).
          const assistants = new Set<string>();
          const watcher = (event: OpencodeEvent) => {
            if (event.type === 'message.updated' && event.properties.info.sessionID === sessionID && event.properties.info.role === 'assistant') assistants.add(event.properties.info.id);
            if (event.type === 'message.part.delta' && event.properties.sessionID === sessionID && event.properties.field === 'text') first ??= performance.now() - started;
            const part = event.type === 'message.part.updated' ? event.properties.part : undefined;
            if (part?.type === 'text' && assistants.has(part.messageID) && part.text !== '') first ??= performance.now() - started;
          };
          watchers.add(watcher);
          // The blocking prompt answers when the turn is over: the bare client's notion of done.
          const answered = await client.session.prompt({ sessionID, parts: [{ type: 'text', text: 'hello' }] });
          watchers.delete(watcher);
          if (answered.error || first === undefined) throw new Error(`bare prompt failed: ${JSON.stringify(answered.error)}`);
          return first;
        };
        for (let i = 0; i < settings.warmUpTurns; i += 1) await bareFirstText();
        const paired = await measurePaired({
          rounds: settings.pairedRounds,
          pairsPerRound: settings.pairsPerRound,
          measureA: () => booFirstText(core, repo.path, 'bench'),
          measureB: bareFirstText,
        });
        subscription.abort();
        await server.release();
        return pairedRows('opencode.warm_turn.first_text.boocode_over_bare_sdk', 'ms', paired, '<= 1.05');
      } finally {
        subscription.abort();
        await dispose();
      }
    },
  },
];
