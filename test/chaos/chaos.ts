// The chaos run: a core that owns a data folder (in its own process) is driven through its
// control socket by several concurrent clients doing, at random, what users and failures do —
// sends, cancels right behind sends, SIGKILLs of agents, archive and restore, project removal,
// and SIGKILL + restart of the core itself. At the end the invariants are read off the real
// processes and the real database. Seeded, so a failing run can be replayed.
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Result, SubscriptionMessage } from '../../src/shared/contract.ts';
import { connectControl, readOwnerRecord, type ControlConnection } from '../../src/main/owner/index.ts';
import { scriptedAgentCommand, type Scenario } from '../fixtures/scripted-acp-agent.ts';
import { initRepo } from '../helpers/git.ts';

export interface ChaosOptions {
  readonly durationMs: number;
  readonly seed: number;
  readonly clients?: number;
  readonly log?: (line: string) => void;
}

export interface ChaosReport {
  readonly seed: number;
  readonly actions: Record<string, number>;
  /** Why sends were refused, by error kind (archived sessions, a restarting core…). */
  readonly sendRefusals: Record<string, number>;
  readonly coreRestarts: number;
  /** Exits of the core that the run did not cause. */
  readonly unexpectedCoreExits: string[];
  readonly turns: number;
  /** Prompts whose turns the run checked (those of removed projects are gone with them). */
  readonly promptsChecked: number;
  /** Turns not in a terminal state once the run settled. */
  readonly unfinishedTurns: string[];
  /** Turns a subscriber saw end more than once. */
  readonly endedTwice: string[];
  /** Turns that ended in the last core run without its subscriber seeing them end. */
  readonly endsMissed: string[];
  /** Prompts a client sent (and got a turn id for) that are not in the database. */
  readonly lostPrompts: string[];
  /** Agent processes still alive after the core was closed. */
  readonly leftoverProcesses: number[];
  readonly integrity: string;
}

const repoRoot = join(import.meta.dirname, '../..');

/** A small deterministic PRNG (mulberry32), so a seed replays the same choices. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function scenario(marker: string): Scenario {
  return {
    capabilities: { resume: true },
    rules: [
      { match: 'slow', steps: [{ type: 'slow', chunks: 40, intervalMs: 10, text: 'slow ' }] },
      {
        match: 'tools',
        steps: [
          { type: 'thought', text: 'thinking it over' },
          { type: 'tool_call', id: 't1', title: 'Read a file', kind: 'read' },
          { type: 'wait', ms: 30 },
          { type: 'tool_call_update', id: 't1', status: 'completed' },
          { type: 'text', text: 'read it', chunkSize: 2 },
        ],
      },
      { match: 'crash', steps: [{ type: 'text', text: 'about to fall over' }, { type: 'exit', code: 3 }] },
      { match: marker, steps: [] },
    ],
    default: { steps: [{ type: 'echo' }] },
  };
}

const prompts = ['slow story', 'tools please', 'quick one', 'crash now', 'another quick one', 'slow again'];

interface Chat {
  readonly id: string;
  readonly sessionId: string;
  readonly projectPath: string;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => {});
  const next = random(options.seed);
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const root = mkdtempSync(join(tmpdir(), 'boo-chaos-'));
  const dataDir = join(root, 'data');
  const marker = randomUUID();
  const actions: Record<string, number> = {};
  const sendRefusals: Record<string, number> = {};
  const count = (name: string) => (actions[name] = (actions[name] ?? 0) + 1);
  const unexpectedCoreExits: string[] = [];
  const sentPrompts = new Map<string, { chatId: string; text: string }>();
  const removedChats = new Set<string>();
  let chats: Chat[] = [];
  let core: ChildProcess | undefined;
  let calls: ControlConnection | undefined;
  let coreRestarts = 0;
  let isRestarting = false;
  // What the subscriber of the current core run saw end, and every end it ever saw.
  let endsThisRun = new Map<string, number>();
  const endsEver = new Map<string, number>();
  const endedTwice = new Set<string>();
  let runStartedAt = '';
  let hasRemoved = false;
  const startedAt = Date.now();

  async function startCore(): Promise<void> {
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', join(repoRoot, 'test/fixtures/core-owner-child.ts'), dataDir], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    await new Promise<void>((resolve, reject) => {
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('READY')) resolve();
      });
      child.once('exit', (code, signal) => reject(new Error(`the core exited before it was ready (${code ?? signal}): ${stderr}`)));
    });
    child.once('exit', (code, signal) => {
      if (child !== core || isRestarting) return;
      unexpectedCoreExits.push(`exit ${code ?? signal}: ${stderr.slice(-1500)}`);
    });
    core = child;
    const record = readOwnerRecord(dataDir);
    if (!record) throw new Error('the core wrote no owner record');
    calls = unwrapResult(await connectControl(record));
    runStartedAt = new Date().toISOString();
    endsThisRun = new Map();
    const stream = unwrapResult(await connectControl(record));
    const seen = endsThisRun;
    await stream.subscribe({ afterSeq: 0 }, (message: SubscriptionMessage) => {
      if (message.kind !== 'event' || message.event.type !== 'chat.turn.ended') return;
      const id = message.event.turn.id;
      seen.set(id, (seen.get(id) ?? 0) + 1);
      const total = (endsEver.get(id) ?? 0) + 1;
      endsEver.set(id, total);
      if (seen.get(id) !== 1) endedTwice.add(id);
    });
  }

  async function restartCore(): Promise<void> {
    if (!core || isRestarting) return;
    isRestarting = true;
    count('core SIGKILL + restart');
    const dying = core;
    const exited = new Promise((resolve) => dying.once('exit', resolve));
    dying.kill('SIGKILL');
    await exited;
    await startCore();
    coreRestarts += 1;
    isRestarting = false;
  }

  async function call(method: string, args: unknown): Promise<Result<unknown>> {
    const connection = calls;
    if (!connection || isRestarting) return { ok: false, error: { kind: 'internal', message: 'restarting' } };
    return connection.call(method as never, args as never) as Promise<Result<unknown>>;
  }

  async function openProject(path: string, sessions: number): Promise<void> {
    const project = unwrapResult(await call('projects.open', { path })) as { id: string };
    for (let index = 0; index < sessions; index += 1) {
      const session = unwrapResult(await call('sessions.create', { projectId: project.id })) as { id: string };
      for (let chat = 0; chat < 2; chat += 1) {
        const created = unwrapResult(await call('chats.create', { sessionId: session.id, agentId: 'scripted' })) as { id: string };
        chats.push({ id: created.id, sessionId: session.id, projectPath: path });
      }
    }
  }

  async function send(chat: Chat, text: string): Promise<void> {
    const sent = await call('chats.send', { chatId: chat.id, text });
    if (sent.ok) sentPrompts.set((sent.value as { turnId: string }).turnId, { chatId: chat.id, text });
    else sendRefusals[sent.error.kind] = (sendRefusals[sent.error.kind] ?? 0) + 1;
  }

  const behaviours: [weight: number, name: string, act: () => Promise<void>][] = [
    [40, 'send', () => send(pick(chats), pick(prompts))],
    [
      15,
      'send + pipelined cancel',
      async () => {
        const chat = pick(chats);
        const sending = send(chat, pick(prompts));
        const cancelling = call('chats.cancel', { chatId: chat.id });
        await Promise.all([sending, cancelling]);
      },
    ],
    [10, 'cancel', async () => void (await call('chats.cancel', { chatId: pick(chats).id }))],
    [
      8,
      'SIGKILL an agent',
      async () => {
        const listed = await call('agents.processes', {});
        if (!listed.ok) return;
        const live = (listed.value as { pid: number | null; state: string }[]).filter((entry) => entry.pid !== null && entry.state !== 'stopped' && entry.state !== 'crashed');
        if (live.length === 0) return;
        try {
          process.kill(-(pick(live).pid as number), 'SIGKILL');
        } catch {
          // already gone
        }
      },
    ],
    [
      6,
      'archive',
      async () => void (await call('sessions.archive', { sessionId: pick(chats).sessionId, confirm: next() < 0.7 })),
    ],
    [6, 'restore', async () => void (await call('sessions.restore', { sessionId: pick(chats).sessionId }))],
    [
      2,
      'remove project + open it again',
      async () => {
        // Once, early: a removal takes its history with it, and the run needs history to check.
        const elapsed = Date.now() - startedAt;
        if (hasRemoved || elapsed < options.durationMs * 0.2 || elapsed > options.durationMs * 0.5) return;
        hasRemoved = true;
        const path = pick(chats).projectPath;
        const listed = await call('projects.list', {});
        const project = listed.ok ? (listed.value as { id: string; path: string }[]).find((candidate) => candidate.path === path) : undefined;
        if (!project) return;
        const removed = await call('projects.remove', { projectId: project.id });
        if (!removed.ok) return;
        for (const chat of chats.filter((candidate) => candidate.projectPath === path)) removedChats.add(chat.id);
        chats = chats.filter((candidate) => candidate.projectPath !== path);
        await openProject(path, 2);
      },
    ],
    [1, 'core SIGKILL + restart', () => restartCore()],
  ];
  const totalWeight = behaviours.reduce((sum, [weight]) => sum + weight, 0);
  function chooseBehaviour(): (typeof behaviours)[number] {
    let roll = next() * totalWeight;
    for (const behaviour of behaviours) {
      roll -= behaviour[0];
      if (roll < 0) return behaviour;
    }
    return behaviours[0] as (typeof behaviours)[number];
  }

  try {
    mkdirSync(dataDir);
    await startCore();
    const { command, args, env } = scriptedAgentCommand(scenario(marker));
    unwrapResult(await call('agents.add', { agent: { id: 'scripted', name: 'Scripted', command, args, env } }));
    unwrapResult(await call('settings.set', { patch: { maxWarmAgents: 3 } }));
    for (const name of ['alpha', 'beta']) {
      const path = join(root, name);
      mkdirSync(path);
      initRepo(path);
      await openProject(path, 2);
    }

    const deadline = Date.now() + options.durationMs;
    // Restarts happen at least twice, whatever the dice say.
    const forcedRestarts = [options.durationMs / 3, (2 * options.durationMs) / 3].map((offset) => setTimeout(() => void restartCore(), offset));
    await Promise.all(
      Array.from({ length: options.clients ?? 3 }, async () => {
        while (Date.now() < deadline) {
          if (isRestarting) {
            await new Promise((resolve) => setTimeout(resolve, 20));
            continue;
          }
          const [, name, act] = chooseBehaviour();
          if (name !== 'core SIGKILL + restart') count(name);
          try {
            await act();
          } catch (error) {
            log(`${name}: ${String(error)}`);
          }
          await new Promise((resolve) => setTimeout(resolve, Math.floor(next() * 40)));
        }
      }),
    );
    for (const timer of forcedRestarts) clearTimeout(timer);
    while (isRestarting) await new Promise((resolve) => setTimeout(resolve, 20));

    // Let everything settle: no turn running or waiting.
    const settleBy = Date.now() + 60_000;
    for (;;) {
      const db = new Database(join(dataDir, 'boocode.sqlite'), { readonly: true });
      const busy = (db.prepare("SELECT count(*) FROM turns WHERE state IN ('queued', 'running')").pluck().get() as number) ?? 0;
      db.close();
      if (busy === 0 || Date.now() > settleBy) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // The subscriber's last events may still be on their way.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const closing = core as ChildProcess;
    isRestarting = true;
    calls?.close();
    const closed = new Promise((resolve) => closing.once('exit', resolve));
    closing.kill('SIGTERM');
    await closed;

    const db = new Database(join(dataDir, 'boocode.sqlite'));
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    const rows = db.prepare('SELECT id, chat_id, state, prompt, ended_at FROM turns').all() as { id: string; chat_id: string; state: string; prompt: string; ended_at: string | null }[];
    db.close();
    const byId = new Map(rows.map((row) => [row.id, row]));
    const unfinishedTurns = rows.filter((row) => row.state === 'queued' || row.state === 'running').map((row) => `${row.id} ${row.state}`);
    const endsMissed = rows
      .filter((row) => row.ended_at !== null && row.ended_at > runStartedAt && !endsThisRun.has(row.id))
      .map((row) => `${row.id} ${row.state} ${row.ended_at}`);
    const lostPrompts = [...sentPrompts]
      .filter(([turnId, sent]) => !removedChats.has(sent.chatId) && byId.get(turnId)?.prompt !== sent.text)
      .map(([turnId, sent]) => `${turnId} ${JSON.stringify(sent.text)}`);
    // The closed core stopped its agents; ones left by killed cores were reaped by the next.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const leftoverProcesses = processesCarrying(marker);
    return {
      seed: options.seed,
      actions,
      sendRefusals,
      coreRestarts,
      unexpectedCoreExits,
      turns: rows.length,
      promptsChecked: [...sentPrompts.values()].filter((sent) => !removedChats.has(sent.chatId)).length,
      unfinishedTurns,
      endedTwice: [...endedTwice],
      endsMissed,
      lostPrompts,
      leftoverProcesses,
      integrity,
    };
  } finally {
    if (core && core.exitCode === null && core.signalCode === null) core.kill('SIGKILL');
    for (const pid of processesCarrying(marker)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    rmSync(root, { recursive: true, force: true });
  }
}

/** Live processes (not `--version` probes) whose environment carries the marker. */
function processesCarrying(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes('--version')) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').includes(marker)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

function unwrapResult<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.error.kind}: ${result.error.message}`);
  return result.value;
}
