// The opencode event mapper is pure, so each case is a list of made-up events in and the
// AgentEvents out, shaped like what opencode 1.18 sends (see AGENT-FIELD-NOTES.md).
import type { Event as OpencodeEvent } from '@opencode-ai/sdk/v2';
import { describe, expect, test } from 'vitest';
import type { AgentEvent } from '../../../src/shared/agents.ts';
import { createTurnMapper, isFinished, permissionTitle, sessionTitle, stopReasonOf, type TurnMapper } from '../../../src/main/agents/opencode/mapEvent.ts';

const sessionID = 'ses_1';
const user = 'msg_001';
const cwd = '/work/project';

function mapper(): TurnMapper {
  return createTurnMapper({ userMessageId: user, cwd, agentName: 'opencode' });
}

function feed(turn: TurnMapper, events: readonly unknown[]): AgentEvent[] {
  return events.flatMap((event) => turn.map(event as OpencodeEvent));
}

function userMessage(id = user): unknown {
  return { type: 'message.updated', properties: { sessionID, info: { id, sessionID, role: 'user', time: { created: 1 } } } };
}

function assistant(id: string, parentID = user, extra: Record<string, unknown> = {}): unknown {
  return { type: 'message.updated', properties: { sessionID, info: { id, sessionID, role: 'assistant', parentID, time: { created: 2 }, ...extra } } };
}

function part(messageID: string, fields: Record<string, unknown>): unknown {
  return { type: 'message.part.updated', properties: { sessionID, part: { sessionID, messageID, ...fields } } };
}

function delta(messageID: string, partID: string, text: string): unknown {
  return { type: 'message.part.delta', properties: { sessionID, messageID, partID, field: 'text', delta: text } };
}

describe('opencode event mapping', () => {
  test('text is emitted once per character, whether its deltas or its whole part come first', () => {
    const turn = mapper();
    const events = feed(turn, [
      userMessage(),
      assistant('msg_002'),
      delta('msg_002', 'prt_1', 'early'), // before the part is announced: caught up by the part
      part('msg_002', { id: 'prt_1', type: 'text', text: 'Hel' }),
      delta('msg_002', 'prt_1', 'lo'),
      part('msg_002', { id: 'prt_1', type: 'text', text: 'Hello' }),
      delta('msg_002', 'prt_1', ' world'),
      part('msg_002', { id: 'prt_1', type: 'text', text: 'Hello world' }),
      part('msg_002', { id: 'prt_2', type: 'reasoning', text: 'hmm' }),
    ]);
    expect(events).toEqual([
      { kind: 'text', delta: 'Hel' },
      { kind: 'text', delta: 'lo' },
      { kind: 'text', delta: ' world' },
      { kind: 'reasoning', delta: 'hmm' },
    ]);
  });

  test('parts and errors of another turn\'s messages (an aborted turn\'s late events) are ignored', () => {
    const turn = mapper();
    const events = feed(turn, [
      assistant('msg_000', 'msg_older'),
      part('msg_000', { id: 'prt_old', type: 'text', text: 'stale answer' }),
      { type: 'session.error', properties: { sessionID, error: { name: 'UnknownError', data: { message: 'late failure' } } } },
      userMessage(),
      { type: 'session.error', properties: { sessionID, error: { name: 'MessageAbortedError', data: { message: 'aborted' } } } },
    ]);
    expect(events).toEqual([]);
    expect(turn.assistantCount()).toBe(0);
    expect(turn.isUserMessageSeen()).toBe(true);
    expect(turn.error()).toBeNull();
    feed(turn, [{ type: 'session.error', properties: { sessionID, error: { name: 'UnknownError', data: { message: 'provider down' } } } }]);
    expect(turn.error()).toBe('provider down');
  });

  test('a tool part becomes a tool call with its kind, status, output and file location', () => {
    const turn = mapper();
    const events = feed(turn, [
      assistant('msg_002'),
      part('msg_002', { id: 'prt_t', type: 'tool', callID: 'call_1', tool: 'write', state: { status: 'pending', input: { filePath: `${cwd}/a.txt` }, raw: '' } }),
      part('msg_002', { id: 'prt_t', type: 'tool', callID: 'call_1', tool: 'write', state: { status: 'completed', input: { filePath: `${cwd}/a.txt` }, output: 'Wrote a.txt', title: 'a.txt', metadata: {}, time: { start: 1, end: 2 } } }),
    ]);
    expect(events).toEqual([
      { kind: 'tool-call', call: { id: 'call_1', title: 'write', kind: 'edit', status: 'pending', input: { filePath: `${cwd}/a.txt` }, content: [], locations: [{ path: `${cwd}/a.txt`, line: null }] } },
      {
        kind: 'tool-call',
        call: { id: 'call_1', title: 'a.txt', kind: 'edit', status: 'completed', input: { filePath: `${cwd}/a.txt` }, output: 'Wrote a.txt', content: [{ type: 'text', text: 'Wrote a.txt' }], locations: [{ path: `${cwd}/a.txt`, line: null }] },
      },
    ]);
    expect(turn.toolCall('call_1')).toMatchObject({ status: 'completed' });
  });

  test('usage sums each finished step once, and a patch names its files relative to the working directory', () => {
    const turn = mapper();
    const step = (id: string, input: number, output: number, cost: number) =>
      part('msg_002', { id, type: 'step-finish', reason: 'stop', cost, tokens: { input, output, reasoning: 0, cache: { read: 5, write: 0 } } });
    expect(turn.usage()).toBeNull();
    const events = feed(turn, [
      assistant('msg_002'),
      step('prt_s1', 100, 20, 0.5),
      step('prt_s1', 100, 20, 0.5), // the same step updated again
      step('prt_s2', 50, 10, 0.25),
      part('msg_002', { id: 'prt_p', type: 'patch', hash: 'abc', files: [`${cwd}/src/a.ts`, '/elsewhere/b.ts'] }),
    ]);
    expect(events.filter((event) => event.kind === 'usage')).toHaveLength(2);
    expect(turn.usage()).toEqual({ inputTokens: 150, outputTokens: 30, contextUsed: 65, contextSize: null, costAmount: 0.75, costCurrency: 'USD' });
    expect(events.at(-1)).toEqual({ kind: 'notice', level: 'info', message: 'opencode changed 2 files: src/a.ts, /elsewhere/b.ts' });
  });

  test('each retry attempt becomes one warning notice', () => {
    const turn = mapper();
    const retry = (attempt: number) => ({ type: 'session.status', properties: { sessionID, status: { type: 'retry', attempt, message: 'HTTP 500', next: 1 } } });
    expect(feed(turn, [retry(1), retry(1), retry(2)])).toEqual([
      { kind: 'notice', level: 'warning', message: 'retrying (attempt 1)… HTTP 500' },
      { kind: 'notice', level: 'warning', message: 'retrying (attempt 2)… HTTP 500' },
    ]);
  });

  test('the newest assistant message is the one with the greatest id', () => {
    const turn = mapper();
    feed(turn, [assistant('msg_003'), assistant('msg_010'), assistant('msg_005')]);
    expect(turn.newestAssistant()?.id).toBe('msg_010');
    expect(turn.hasAssistant('msg_005')).toBe(true);
  });
});

describe('opencode message helpers', () => {
  test('a reply is finished when completed and not waiting on tools; finish reasons map to stop reasons', () => {
    const info = (extra: Record<string, unknown>) => ({ id: 'msg_2', role: 'assistant', time: { created: 1, ...((extra['time'] as object) ?? {}) }, ...extra }) as never;
    expect(isFinished(info({ finish: 'stop' }))).toBe(false);
    expect(isFinished(info({ finish: 'stop', time: { completed: 2 } }))).toBe(true);
    expect(isFinished(info({ finish: 'tool-calls', time: { completed: 2 } }))).toBe(false);
    expect(isFinished(info({ error: { name: 'UnknownError' }, time: { completed: 2 } }))).toBe(true);
    expect([stopReasonOf('length'), stopReasonOf('content-filter'), stopReasonOf('stop'), stopReasonOf(undefined)]).toEqual(['max_tokens', 'refusal', 'end_turn', 'end_turn']);
  });

  test('session titles skip opencode\'s placeholder; permission titles read as an action and its targets', () => {
    const updated = (title: string) => ({ type: 'session.updated', properties: { sessionID, info: { id: sessionID, title } } }) as unknown as OpencodeEvent;
    expect(sessionTitle(updated('New session - 2025-01-01T10:00:00.000Z'))).toBeUndefined();
    expect(sessionTitle(updated('Fixing the parser'))).toBe('Fixing the parser');
    expect(permissionTitle('edit', ['src/a.ts', 'src/b.ts'])).toBe('Edit src/a.ts, src/b.ts');
    expect(permissionTitle('', [])).toBe('Use a tool');
  });
});
