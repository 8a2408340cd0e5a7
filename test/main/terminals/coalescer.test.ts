// Output read close together leaves as one piece: the first after a quiet spell at once, the
// rest of a window together, a full piece at once, and a flush sends what gathered now.
import { describe, expect, test } from 'vitest';
import { createCoalescer } from '../../../src/main/terminals/coalescer.ts';
import { until } from './viewer.ts';

function coalescer(windowMs: number, maxChars = 1_000) {
  const emitted: string[] = [];
  const output = createCoalescer({ windowMs, maxChars, emit: (data) => emitted.push(data) });
  return { output, emitted };
}

describe('output coalescer', () => {
  test('the first output after a quiet spell leaves at once; what follows within the window leaves together, once', async () => {
    const { output, emitted } = coalescer(40);
    output.push('a');
    expect(emitted).toEqual(['a']);
    output.push('b');
    output.push('c');
    expect(emitted).toEqual(['a']);
    expect(output.pendingChars).toBe(2);
    await until(() => emitted.length === 2);
    expect(emitted).toEqual(['a', 'bc']);
    expect(output.pendingChars).toBe(0);
  });

  test('a piece that reaches its size leaves at once, within the window too', () => {
    const { output, emitted } = coalescer(60_000, 4);
    output.push('ab');
    output.push('cd');
    output.push('ef');
    expect(emitted).toEqual(['ab', 'cdef']);
    output.dispose();
  });

  test('a flush sends what gathered now; nothing is sent twice, and empty output is not sent', () => {
    const { output, emitted } = coalescer(60_000);
    output.push('one');
    output.push('two');
    output.push('');
    output.flush();
    output.flush();
    expect(emitted).toEqual(['one', 'two']);
    output.dispose();
  });

  test('disposed, it sends nothing more', async () => {
    const { output, emitted } = coalescer(20);
    output.push('kept');
    output.push('dropped');
    output.dispose();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(emitted).toEqual(['kept']);
  });
});
