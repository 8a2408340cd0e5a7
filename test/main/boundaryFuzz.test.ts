import { describe, expect, test } from 'vitest';
import { ErrorKindSchema, commandNames } from '../../src/shared/contract.ts';
import { connectWire, testServer } from '../helpers/serve.ts';

/** Deterministic PRNG (mulberry32) so a failure reproduces with the same inputs. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function malformedMessages(count: number, seed: number): (string | Buffer)[] {
  const next = random(seed);
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const junkValues: unknown[] = [null, true, 0, -1, 1.5, 1e308, '', 'x', [], {}, [1, 2], { a: { b: { c: {} } } }, 'x'.repeat(70_000)];
  // Values that are never a valid argument object (null and {} would be valid "no arguments").
  const notArgs = junkValues.filter((value) => JSON.stringify(value) !== "null" && !(typeof value === 'object' && !Array.isArray(value) && Object.keys(value as object).length === 0));
  const generators: (() => string | Buffer)[] = [
    () => '{"id": 1, "method": "app.info"'.slice(0, 1 + Math.floor(next() * 30)), // truncated JSON
    () => pick(['', 'null', '[]', '42', '"text"', 'true', '{}', 'undefined', 'NaN']),
    () => Buffer.from([0xff, 0xfe, Math.floor(next() * 256)]), // binary frame
    () => JSON.stringify({ id: Math.floor(next() * 1e6), method: `no.such.${Math.floor(next() * 1000)}`, args: {} }),
    () => JSON.stringify({ id: Math.floor(next() * 1e6), method: pick(commandNames.filter((name) => name !== 'events.subscribe')), args: pick(notArgs) }),
    () => JSON.stringify({ id: 7, method: 'projects.open', args: { path: 'p'.repeat(1_000_000) } }), // huge string
    () => JSON.stringify({ id: 8, method: 'projects.open', args: { path: pick(junkValues) } }),
    () => JSON.stringify({ id: 9, method: 'projects.remove', args: { projectId: pick(junkValues) } }),
    () => JSON.stringify({ id: 10, method: 'settings.set', args: { patch: { [pick(['theme', 'maxWarmAgents', '__proto__', 'constructor'])]: pick(junkValues) } } }),
    () => JSON.stringify({ id: pick(junkValues), method: pick(junkValues), args: pick(junkValues) }),
    () => JSON.stringify({ id: 11, method: 'events.subscribe', args: { afterSeq: pick([-1, 'a', 1.5, null]) } }),
    () => `{"id":12,"method":"app.info","args":${'['.repeat(5_000)}${']'.repeat(5_000)}}`, // deep nesting
    () => '{"__proto__": {"polluted": true}, "id": 13, "method": "app.info", "args": {"extra": 1}}',
  ];
  return Array.from({ length: count }, () => pick(generators)());
}

describe('boundary fuzz', () => {
  test('1,000 malformed commands over the WebSocket each get a typed error and the core stays up', async () => {
    const { server } = await testServer();
    const client = await connectWire(server);
    const kinds = new Map<string, number>();
    for (const message of malformedMessages(1_000, 20261122)) {
      const response = await client.sendRaw(message);
      expect(response.kind).toBe('response');
      if (response.kind !== 'response') continue;
      expect(response.result.ok, String(message).slice(0, 200)).toBe(false);
      if (response.result.ok) continue;
      expect(ErrorKindSchema.safeParse(response.result.error.kind).success).toBe(true);
      expect(response.result.error.message.length).toBeGreaterThan(0);
      kinds.set(response.result.error.kind, (kinds.get(response.result.error.kind) ?? 0) + 1);
    }
    // Every kind of refusal was exercised, and nothing turned into an internal error.
    expect([...kinds.keys()], JSON.stringify([...kinds])).toEqual(expect.arrayContaining(['invalid-arguments', 'invalid-message', 'unknown-command']));
    expect(kinds.has('internal')).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await client.request('app.info', {})).toMatchObject({ ok: true, value: { name: 'BooCode' } });
    const fresh = await connectWire(server);
    expect(await fresh.request('projects.list', {})).toEqual({ ok: true, value: [] });
  });
});
