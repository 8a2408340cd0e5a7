import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { SubscriptionMessage } from '../../../src/shared/contract.ts';
import { createCore, openDataDir, type CoreLink } from '../../../src/main/core/index.ts';
import { claimDataDir, connectControl, readOwnerRecord } from '../../../src/main/owner/index.ts';
import { processStartIdentity } from '../../../src/main/agents/index.ts';
import { isAlive, waitForGroupGone } from '../../fixtures/processes.ts';
import { scriptedAgentCommand } from '../../fixtures/scripted-acp-agent.ts';
import { assistantText, setupChat, unwrap } from '../../helpers/chats.ts';
import { boocode } from '../../helpers/cli.ts';
import { testCore } from '../../helpers/core.ts';
import { tempDir } from '../../helpers/tempDir.ts';
import { onTestFinished } from 'vitest';

async function testLink(dataDir: string, label = 'a test'): Promise<CoreLink> {
  const link = unwrap(await openDataDir({ dataDir, owner: { kind: 'cli', label } }));
  onTestFinished(() => link.close());
  return link;
}

describe('one owner per data folder', () => {
  test('the first core owns the folder; a second is refused with the owner named, and can open it once the first has closed', async () => {
    const dataDir = tempDir('boo-data-');
    const first = createCore({ dataDir, owner: { kind: 'serve', label: 'boocode serve' } });
    await first.ready;
    expect(() => createCore({ dataDir })).toThrow(`${dataDir} is in use by boocode serve (pid ${process.pid}).`);
    expect(claimDataDir(dataDir)).toBeUndefined();
    await first.close();
    const second = testCore({ dataDir });
    expect(second.dataDir).toBe(dataDir);
  });

  test('the control socket and the owner record are readable by their user only, and a client without the token is refused', async () => {
    const dataDir = tempDir('boo-data-');
    const core = testCore({ dataDir });
    await core.ready;
    const record = readOwnerRecord(dataDir);
    expect(record).toMatchObject({ pid: process.pid, socketPath: join(dataDir, 'control.sock') });
    expect(statSync(record?.socketPath ?? '').mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'owner.json')).mode & 0o777).toBe(0o600);
    const refused = await connectControl({ ...(record as NonNullable<typeof record>), token: 'not-the-token' });
    expect(refused).toMatchObject({ ok: false, error: { kind: 'unauthorized' } });
    const accepted = unwrap(await connectControl(record as NonNullable<typeof record>));
    expect(unwrap(await accepted.call('app.info', {}))).toMatchObject({ dataDir });
    accepted.close();
  });

  test.runIf(process.getuid?.() === 0)('a process of another user cannot connect to the control socket', async () => {
    const dataDir = tempDir('boo-data-');
    // Let any user reach the folder, so that only the socket's own permissions stand in the way.
    chmodSync(dataDir, 0o755);
    // And with no umask to narrow what the socket is created with.
    const umask = process.umask(0);
    const core = testCore({ dataDir });
    try {
      await core.ready;
    } finally {
      process.umask(umask);
    }
    const socketPath = join(dataDir, 'control.sock');
    const script = `require('net').createConnection(${JSON.stringify(socketPath)}).on('connect', () => { console.log('CONNECTED'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); });`;
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', script], { uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.once('error', reject);
      child.once('close', () => resolve(text.trim()));
    });
    expect(output).toBe('EACCES');
  });

  test('a second process works as a client of the owner: same data, live events, one writer', async () => {
    const dataDir = tempDir('boo-data-');
    const folder = tempDir('boo-project-');
    const owner = await testLink(dataDir, 'the owner');
    const client = await testLink(dataDir, 'a client');
    expect([owner.role(), client.role()]).toEqual(['owner', 'client']);
    expect(client.owner()).toMatchObject({ pid: process.pid, label: 'the owner' });

    const seen: SubscriptionMessage[] = [];
    const subscribed = await client.api.subscribe({ afterSeq: 0 }, (message) => seen.push(message));
    expect(subscribed.result.ok).toBe(true);
    const project = unwrap(await owner.api.call('projects.open', { path: folder }));
    expect(unwrap(await client.api.call('projects.list', {})).map((listed) => listed.id)).toEqual([project.id]);
    await expect.poll(() => seen.some((message) => message.kind === 'event' && message.event.type === 'workspace.project.opened')).toBe(true);
    // A write through the client is made by the owner's core and reaches the owner's subscribers.
    unwrap(await client.api.call('settings.set', { patch: { queueLimit: 7 } }));
    expect(unwrap(await owner.api.call('settings.get', {})).queueLimit).toBe(7);
  });

  test('when the owner closes, its client takes the folder over without a restart, and its subscribers are told to resync', async () => {
    const dataDir = tempDir('boo-data-');
    const folder = tempDir('boo-project-');
    const owner = unwrap(await openDataDir({ dataDir, owner: { kind: 'cli', label: 'boocode run' } }));
    const client = await testLink(dataDir, 'the desktop app');
    unwrap(await client.api.call('projects.open', { path: folder }));
    const roles: string[] = [];
    client.onRoleChange((role) => roles.push(role));
    const seen: SubscriptionMessage[] = [];
    await client.api.subscribe({ afterSeq: 0 }, (message) => seen.push(message));

    await owner.close();
    await expect.poll(() => roles).toEqual(['owner']);
    expect(client.role()).toBe('owner');
    expect(seen.at(-1)?.kind).toBe('resync');
    expect(unwrap(await client.api.call('projects.list', {})).map((project) => project.path)).toEqual([folder]);
    expect(readOwnerRecord(dataDir)).toMatchObject({ label: 'the desktop app' });
  });

  test('an owner ending its own work lets the turns it runs for other clients finish before it leaves', async () => {
    const dataDir = tempDir('boo-data-');
    const folder = tempDir('boo-project-');
    const owner = unwrap(await openDataDir({ dataDir, owner: { kind: 'cli', label: 'boocode run' } }));
    const client = await testLink(dataDir, 'the desktop app');
    const { command, args, env } = scriptedAgentCommand({ default: { steps: [{ type: 'slow', chunks: 30, intervalMs: 10, text: 'x' }] } });
    unwrap(await client.api.call('agents.add', { agent: { id: 'scripted', name: 'Scripted', command, args, env } }));
    const project = unwrap(await client.api.call('projects.open', { path: folder }));
    const session = unwrap(await client.api.call('sessions.create', { projectId: project.id }));
    const chat = unwrap(await client.api.call('chats.create', { sessionId: session.id, agentId: 'scripted' }));
    const { turnId } = unwrap(await client.api.call('chats.send', { chatId: chat.id, text: 'go' }));
    await expect.poll(() => owner.core()?.turns.activeCount()).toBe(1);

    const waitedFor: number[] = [];
    await owner.close({ waitForClientTurns: true, onWait: (running) => waitedFor.push(running) });
    expect(waitedFor).toEqual([1]);
    await expect.poll(() => client.role()).toBe('owner');
    expect(client.core()?.turns.turn(turnId)).toMatchObject({ state: 'completed' });
    expect(assistantText(client.core() as NonNullable<ReturnType<CoreLink['core']>>, chat.id, turnId)).toBe('x'.repeat(30));
  });

  test('an owner killed mid-turn: the next boocode command takes the folder over, reaps its agents and marks its turn interrupted with the partial output', async () => {
    const dataDir = tempDir('boo-data-');
    const folder = tempDir('boo-project-');
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', 'test/fixtures/core-chat-child.ts', dataDir, folder], { stdio: ['ignore', 'pipe', 'inherit'] });
    const started = await new Promise<{ chatId: string; turnId: string; agentPid: number }>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const line = output.split('\n').find((candidate) => candidate.startsWith('{'));
        if (line) resolve(JSON.parse(line) as { chatId: string; turnId: string; agentPid: number });
      });
      child.once('exit', (code) => reject(new Error(`core child exited early with ${code}`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(isAlive(started.agentPid)).toBe(true);
    // The dead owner's record is still there; its lock died with it.
    expect(readOwnerRecord(dataDir)?.pid).toBe(child.pid);

    const listed = await boocode(['sessions', '--data-dir', dataDir, '--project', folder, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(await waitForGroupGone(started.agentPid)).toBe(true);

    const core = testCore({ dataDir });
    expect(core.turns.turn(started.turnId)).toMatchObject({ state: 'interrupted', error: { kind: 'interrupted' } });
    expect(assistantText(core, started.chatId, started.turnId)).toMatch(/^(partial )+$/);
    expect(core.store.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  test('recovery interrupts only the turns whose core is gone, never one that a live core runs', async () => {
    const dataDir = tempDir('boo-data-');
    const first = createCore({ dataDir });
    const { chatId } = await setupChat(first, { default: { steps: [{ type: 'echo' }] } });
    await first.close();
    // Two running turns as two other cores left them: one core still runs (this sleep stands
    // in for it), the other is gone.
    const liveCore = spawn('sleep', ['30'], { stdio: 'ignore' });
    onTestFinished(() => {
      liveCore.kill('SIGKILL');
    });
    const liveIdentity = `${liveCore.pid}:${processStartIdentity(liveCore.pid ?? 0)}`;
    const insert = (id: string, owner: string) => {
      const db = new Database(join(dataDir, 'boocode.sqlite'));
      db.prepare("INSERT INTO turns (id, chat_id, agent_id, state, prompt, created_at, started_at, owner) VALUES (?, ?, 'scripted', 'running', 'hi', '', '', ?)").run(id, chatId, owner);
      db.close();
    };
    insert('of-a-live-core', liveIdentity);
    insert('of-a-dead-core', '999999999:0');

    const core = testCore({ dataDir });
    expect(core.turns.turn('of-a-live-core')?.state).toBe('running');
    expect(core.turns.turn('of-a-dead-core')?.state).toBe('interrupted');
  });
});
