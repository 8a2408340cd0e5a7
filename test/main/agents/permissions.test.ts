import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import type { PermissionOption, ToolCallSnapshot } from '../../../src/shared/agents.ts';
import type { AppEvent } from '../../../src/shared/contract.ts';
import { createPermissionBroker, type PermissionAsk, type PermissionBroker } from '../../../src/main/agents/permissions/index.ts';
import { createUnitOfWork } from '../../../src/main/store/index.ts';
import { createEventBus } from '../../../src/main/events/index.ts';
import { openStore, type Store } from '../../../src/main/store/index.ts';
import { scriptedAgentCommand, type Scenario } from '../../fixtures/scripted-acp-agent.ts';
import { reports } from '../../helpers/agents.ts';
import { assistantText, sendAndWait, setupChat, unwrap } from '../../helpers/chats.ts';
import { testCore } from '../../helpers/core.ts';
import { tempDir } from '../../helpers/tempDir.ts';

interface AuditRow {
  id: string;
  chat_id: string;
  agent_id: string;
  title: string;
  tool_call: string | null;
  options: string;
  requested_at: string;
  outcome: string | null;
  resolved_at: string | null;
}

const options: readonly PermissionOption[] = [
  { optionId: 'allow', name: 'Allow once', kind: 'allow_once' },
  { optionId: 'reject', name: 'Reject', kind: 'reject_once' },
];

const toolCall: ToolCallSnapshot = {
  id: 'call-1',
  title: 'Write src/a.ts',
  kind: 'edit',
  status: 'pending',
  content: [],
  locations: [{ path: 'src/a.ts', line: null }],
};

function ask(overrides: Partial<PermissionAsk> = {}): PermissionAsk {
  return { chatId: 'chat-1', agentId: 'qwen', title: 'Write src/a.ts', toolCall, options, ...overrides };
}

function setup(timeoutMs = 0): { broker: PermissionBroker; store: Store; events: AppEvent[]; audit: (id: string) => AuditRow | undefined } {
  const store = openStore(tempDir('boo-perm-'));
  const bus = createEventBus();
  const broker = createPermissionBroker({ store, unitOfWork: createUnitOfWork(store, bus), timeoutMs: () => timeoutMs });
  onTestFinished(() => {
    broker.dispose();
    store.close();
  });
  const events: AppEvent[] = [];
  bus.subscribe({ afterSeq: 0 }, (message) => {
    if (message.kind === 'event') events.push(message.event);
  });
  const select = store.db.prepare<[string], AuditRow>('SELECT * FROM permission_audit WHERE id = ?');
  return { broker, store, events, audit: (id) => select.get(id) };
}

function onlyPendingId(broker: PermissionBroker): string {
  const pending = broker.list();
  expect(pending).toHaveLength(1);
  return pending[0]?.id ?? '';
}

describe('permission broker', () => {
  test('a request is published and audited, and the answer resolves it with the chosen option', async () => {
    const { broker, events, audit } = setup();
    const outcome = broker.request(ask());
    const id = onlyPendingId(broker);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'agent.permission.requested',
        request: { id, chatId: 'chat-1', agentId: 'qwen', title: 'Write src/a.ts', toolCall, options, requestedAt: expect.any(String) },
      }),
    ]);
    expect(audit(id)).toMatchObject({ chat_id: 'chat-1', agent_id: 'qwen', outcome: null, resolved_at: null });
    expect(JSON.parse(audit(id)?.tool_call ?? 'null')).toEqual(toolCall);

    expect(broker.answer(id, 'allow')).toEqual({ ok: true, value: { answered: true } });
    expect(await outcome).toEqual({ outcome: 'selected', optionId: 'allow' });
    expect(events[1]).toMatchObject({ type: 'agent.permission.resolved', requestId: id, outcome: { outcome: 'selected', optionId: 'allow' } });
    expect(JSON.parse(audit(id)?.outcome ?? 'null')).toEqual({ outcome: 'selected', optionId: 'allow' });
    expect(audit(id)?.resolved_at).toEqual(expect.any(String));
    expect(broker.list()).toEqual([]);
  });

  test('answering without an option means the user dismissed it', async () => {
    const { broker, audit } = setup();
    const outcome = broker.request(ask());
    const id = onlyPendingId(broker);
    expect(broker.answer(id).ok).toBe(true);
    expect(await outcome).toEqual({ outcome: 'cancelled', reason: 'user' });
    expect(JSON.parse(audit(id)?.outcome ?? 'null')).toEqual({ outcome: 'cancelled', reason: 'user' });
  });

  test('answering twice finds nothing the second time, and the first answer stands', async () => {
    const { broker, events } = setup();
    const outcome = broker.request(ask());
    const id = onlyPendingId(broker);
    broker.answer(id, 'reject');
    const second = broker.answer(id, 'allow');
    expect(second.ok === false && second.error.kind).toBe('not-found');
    expect(await outcome).toEqual({ outcome: 'selected', optionId: 'reject' });
    expect(events.filter((event) => event.type === 'agent.permission.resolved')).toHaveLength(1);
  });

  test('an option that was not offered is invalid and leaves the request pending', () => {
    const { broker } = setup();
    void broker.request(ask());
    const id = onlyPendingId(broker);
    const result = broker.answer(id, 'allow_everything_forever');
    expect(result.ok === false && result.error.kind).toBe('invalid-arguments');
    expect(broker.list().map((request) => request.id)).toEqual([id]);
  });

  test('an unknown request id is not-found', () => {
    const { broker } = setup();
    const result = broker.answer('no-such-request', 'allow');
    expect(result.ok === false && result.error.kind).toBe('not-found');
  });

  test('aborting the signal cancels the request as turn-cancelled, and a later answer finds nothing', async () => {
    const { broker, events } = setup();
    const turn = new AbortController();
    const outcome = broker.request(ask(), turn.signal);
    const id = onlyPendingId(broker);
    turn.abort();
    expect(await outcome).toEqual({ outcome: 'cancelled', reason: 'turn-cancelled' });
    expect(broker.answer(id, 'allow').ok).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'agent.permission.resolved', requestId: id, outcome: { outcome: 'cancelled', reason: 'turn-cancelled' } });
  });

  test('a signal aborted before the request cancels it at once', async () => {
    const { broker } = setup();
    const outcome = broker.request(ask(), AbortSignal.abort());
    expect(await outcome).toEqual({ outcome: 'cancelled', reason: 'turn-cancelled' });
    expect(broker.list()).toEqual([]);
  });

  test('cancelWhere cancels only the matching chat and says how many', async () => {
    const { broker } = setup();
    const first = broker.request(ask({ chatId: 'chat-1' }));
    const second = broker.request(ask({ chatId: 'chat-1', title: 'Run tests' }));
    const other = broker.request(ask({ chatId: 'chat-2' }));
    expect(broker.cancelWhere({ chatId: 'chat-1' }, 'agent-exited')).toBe(2);
    expect(await first).toEqual({ outcome: 'cancelled', reason: 'agent-exited' });
    expect(await second).toEqual({ outcome: 'cancelled', reason: 'agent-exited' });
    expect(broker.list().map((request) => request.chatId)).toEqual(['chat-2']);
    expect(broker.cancelWhere({ chatId: 'chat-1' }, 'agent-exited')).toBe(0);
    broker.cancelWhere({ agentId: 'qwen' }, 'turn-cancelled');
    expect(await other).toEqual({ outcome: 'cancelled', reason: 'turn-cancelled' });
  });

  test('an unanswered request is cancelled as timeout', async () => {
    const { broker, audit } = setup(20);
    const outcome = broker.request(ask());
    const id = onlyPendingId(broker);
    expect(await outcome).toEqual({ outcome: 'cancelled', reason: 'timeout' });
    expect(broker.list()).toEqual([]);
    expect(JSON.parse(audit(id)?.outcome ?? 'null')).toEqual({ outcome: 'cancelled', reason: 'timeout' });
  });

  test('list shows only pending requests, oldest first', async () => {
    const { broker } = setup();
    void broker.request(ask({ title: 'first' }));
    const answered = broker.request(ask({ title: 'second' }));
    void broker.request(ask({ title: 'third' }));
    const second = broker.list()[1]?.id ?? '';
    broker.answer(second, 'allow');
    await answered;
    expect(broker.list().map((request) => request.title)).toEqual(['first', 'third']);
  });

  test('a listener may answer synchronously when the request is published', async () => {
    const store = openStore(tempDir('boo-perm-'));
    onTestFinished(() => store.close());
    const bus = createEventBus();
    const broker = createPermissionBroker({ store, unitOfWork: createUnitOfWork(store, bus), timeoutMs: () => 0 });
    bus.subscribe({ afterSeq: 0 }, (message) => {
      if (message.kind === 'event' && message.event.type === 'agent.permission.requested') broker.answer(message.event.request.id, 'allow');
    });
    expect(await broker.request(ask())).toEqual({ outcome: 'selected', optionId: 'allow' });
    expect(broker.list()).toEqual([]);
  });

  test('for an agent that refuses "always", an always answer is sent as the once-option, with a notice, and remembered for the agent session', async () => {
    const { broker, events, store } = setup();
    const offered: readonly PermissionOption[] = [
      { optionId: 'proceed-always', name: 'Allow for this session', kind: 'allow_always' },
      { optionId: 'proceed-once', name: 'Allow once', kind: 'allow_once' },
      { optionId: 'cancel', name: 'Reject', kind: 'reject_once' },
    ];
    const gemini = ask({ agentId: 'gemini', options: offered, sessionId: 'session-1', isAlwaysRefused: true });
    const first = broker.request(gemini);
    broker.answer(onlyPendingId(broker), 'proceed-always');
    expect(await first).toEqual({ outcome: 'selected', optionId: 'proceed-once', notice: expect.stringContaining('"Allow once"') });
    expect(events.filter((event) => event.type === 'agent.permission.requested')).toHaveLength(1);

    const again = await broker.request(gemini);
    expect(again).toEqual({ outcome: 'selected', optionId: 'proceed-once', notice: expect.stringContaining('as you chose "always"') });
    expect(events.filter((event) => event.type === 'agent.permission.requested')).toHaveLength(1);
    expect(broker.list()).toEqual([]);
    const audited = store.db.prepare('SELECT outcome FROM permission_audit ORDER BY requested_at').pluck().all() as string[];
    expect(audited.map((outcome) => JSON.parse(outcome) as unknown)).toEqual([
      { outcome: 'selected', optionId: 'proceed-once' },
      { outcome: 'selected', optionId: 'proceed-once' },
    ]);

    // Another request, or the same one in another agent session, is asked again.
    void broker.request({ ...gemini, title: 'Run rm -rf build' });
    void broker.request({ ...gemini, sessionId: 'session-2' });
    expect(broker.list()).toHaveLength(2);
  });

  test('an agent that takes "always" itself gets the always-option as chosen, and nothing is remembered', async () => {
    const { broker } = setup();
    const offered: readonly PermissionOption[] = [
      { optionId: 'once', name: 'Allow once', kind: 'allow_once' },
      { optionId: 'always', name: 'Always allow', kind: 'allow_always' },
    ];
    const qwen = ask({ options: offered, sessionId: 'session-1' });
    const first = broker.request(qwen);
    broker.answer(onlyPendingId(broker), 'always');
    expect(await first).toEqual({ outcome: 'selected', optionId: 'always' });
    void broker.request(qwen);
    expect(broker.list()).toHaveLength(1);
  });

  test('dispose cancels everything pending as agent-exited, and later requests at once', async () => {
    const { broker } = setup();
    const pending = broker.request(ask());
    broker.dispose();
    expect(await pending).toEqual({ outcome: 'cancelled', reason: 'agent-exited' });
    expect(await broker.request(ask())).toEqual({ outcome: 'cancelled', reason: 'agent-exited' });
  });
});

describe('an agent that refuses "always" (the gemini preset)', () => {
  /** The scripted agent installed as `gemini` on the core's PATH, so the catalog gives it gemini's quirks. */
  function geminiCore(scenario: Scenario) {
    const bin = tempDir();
    const { command, args, env } = scriptedAgentCommand(scenario);
    const launcher = join(bin, 'gemini');
    // gemini is launched as `gemini --acp`; the scripted agent takes its scenario from the environment.
    writeFileSync(launcher, `#!/bin/sh\nexec ${[command, ...args].map((part) => `'${part}'`).join(' ')}\n`);
    chmodSync(launcher, 0o755);
    return testCore({ env: { ...process.env, ...env, PATH: `${bin}:${process.env['PATH'] ?? ''}` } });
  }

  test('the user\'s "always" reaches it as "allow once", the write happens, and the same request later is allowed without asking, with a notice in the chat', async () => {
    const refusal = 'Cannot enable privileged approval modes in an untrusted folder';
    const core = geminiCore({
      refuseAlways: refusal,
      default: { steps: [{ type: 'permission', toolCallId: 'write-1', title: 'WriteFile notes.md', kind: 'edit', alwaysFirst: true }, { type: 'text', text: 'wrote it' }] },
    });
    const asked: string[] = [];
    core.subscribe({ afterSeq: 0 }, (message) => {
      if (message.kind !== 'event' || message.event.type !== 'agent.permission.requested') return;
      const request = message.event.request;
      asked.push(request.id);
      const always = request.options.find((option) => option.kind === 'allow_always');
      void core.api.call('permissions.answer', { requestId: request.id, optionId: always?.optionId });
    });
    const { chatId } = await setupChat(core, {}, { agentId: 'gemini' });
    const first = await sendAndWait(core, chatId, 'write the notes');
    const second = await sendAndWait(core, chatId, 'write them again');
    for (const turn of [first, second]) {
      expect(turn).toMatchObject({ state: 'completed', agentId: 'gemini' });
      const text = assistantText(core, chatId, turn.id);
      expect(reports(text, 'permission')).toEqual([{ outcome: 'allowed', optionId: 'allow-once' }]);
      expect(text).toContain('wrote it');
      expect(text).not.toContain(refusal);
    }
    expect(asked).toHaveLength(1);
    const notices = unwrap(core.turns.view(chatId))
      .messages.flatMap((message) => message.parts)
      .flatMap((part) => (part.kind === 'notice' ? [part.message] : []));
    expect(notices).toEqual([expect.stringContaining('"Allow once"'), expect.stringContaining('as you chose "always"')]);
  });
});
