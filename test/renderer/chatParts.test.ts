import { renderToStaticMarkup } from 'react-dom/server';
import { createElement } from 'react';
import { describe, expect, test } from 'vitest';
import type { ToolCallSnapshot } from '../../src/shared/agents.ts';
import type { AgentContinuity, Turn } from '../../src/shared/chats.ts';
import { emptyBlocks, lexBlocks } from '../../src/renderer/chat/markdown/blocks.ts';
import { Markdown } from '../../src/renderer/chat/markdown/Markdown.tsx';
import { collapsedOutputLines, toolCard, toolKinds } from '../../src/renderer/chat/toolCards.ts';
import { compactNumber, summarizeUsage } from '../../src/renderer/chat/usage.ts';

describe('streaming markdown', () => {
  test('an unclosed code fence mid-stream is shown as code so far, and earlier blocks are reused as they are', () => {
    const steps = ['# Plan\n\nFirst a paragraph.\n\n```ts\nconst a', '# Plan\n\nFirst a paragraph.\n\n```ts\nconst a = 1;\n', '# Plan\n\nFirst a paragraph.\n\n```ts\nconst a = 1;\n```\n\nDone.'];
    const first = lexBlocks(emptyBlocks, steps[0] ?? '', true);
    expect(first.blocks.map((block) => [block.token.type, block.isFinished, block.isOpenFence])).toEqual([
      ['heading', true, false],
      ['paragraph', true, false],
      ['code', false, true],
    ]);
    expect(first.blocks[2]?.token).toMatchObject({ text: 'const a', lang: 'ts' });
    const second = lexBlocks(first, steps[1] ?? '', true);
    expect(second.blocks[0]).toBe(first.blocks[0]);
    expect(second.blocks[1]).toBe(first.blocks[1]);
    expect(second.blocks[2]?.token).toMatchObject({ text: 'const a = 1;' });
    const third = lexBlocks(second, steps[2] ?? '', false);
    expect(third.blocks.map((block) => [block.token.type, block.isFinished, block.isOpenFence])).toEqual([
      ['heading', true, false],
      ['paragraph', true, false],
      ['code', true, false],
      ['paragraph', true, false],
    ]);
    const html = renderToStaticMarkup(createElement(Markdown, { text: steps[0] ?? '', isStreaming: true }));
    expect(html).toContain('<h1>Plan</h1>');
    expect(html).toContain('<pre><code>const a</code></pre>');
  });

  test('tables, task lists and links render as elements; HTML from the agent stays text', () => {
    const html = renderToStaticMarkup(
      createElement(Markdown, { text: '| a | b |\n|---|:-:|\n| 1 | **2** |\n\n- [x] done\n- [ ] todo\n\n<script>alert(1)</script>\n\n[site](https://example.com) [bad](javascript:alert(1)) a &amp; b' }),
    );
    expect(html).toContain('<table>');
    expect(html).toContain('<td style="text-align:center"><strong>2</strong></td>');
    expect(html).toMatch(/type="checkbox"[^>]*aria-label="done" checked=""/);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<a href="https://example.com"');
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('a &amp; b');
  });
});

function call(kind: string, extra: Partial<ToolCallSnapshot> = {}): ToolCallSnapshot {
  return { id: 't', title: `a ${kind} call`, kind, status: 'completed', content: [], locations: [], ...extra };
}

describe('tool cards', () => {
  test('every ACP tool kind gets its verb, an unknown kind is "Tool"', () => {
    expect(toolKinds.map((kind) => toolCard(call(kind)).verb)).toEqual(['Read', 'Edit', 'Delete', 'Move', 'Search', 'Run', 'Think', 'Fetch', 'Switch mode', 'Tool']);
    expect(toolCard(call('teleport'))).toMatchObject({ kind: 'other', verb: 'Tool', title: 'a teleport call', statusLabel: 'done' });
  });

  test('a call the agent left pending or running shows as unfinished once its turn is over, never as running', () => {
    for (const status of ['pending', 'in_progress'] as const) {
      expect(toolCard(call('execute', { status }))).toMatchObject({ status, statusLabel: status === 'pending' ? 'waiting' : 'running' });
      expect(toolCard(call('execute', { status }), { isTurnOver: true })).toMatchObject({ status: 'unfinished', statusLabel: 'unfinished' });
    }
    for (const status of ['completed', 'failed'] as const) expect(toolCard(call('execute', { status }), { isTurnOver: true }).status).toBe(status);
  });

  test('an edit shows its file and a line diff with counts; a new file is marked as such', () => {
    const card = toolCard(
      call('edit', {
        status: 'in_progress',
        locations: [{ path: '/w/src/app.ts', line: 3 }],
        content: [
          { type: 'diff', path: '/w/src/app.ts', oldText: 'one\ntwo\nthree\n', newText: 'one\nTWO\nthree\n' },
          { type: 'diff', path: '/w/src/new.ts', oldText: null, newText: 'brand new\n' },
        ],
      }),
    );
    expect(card.paths).toEqual(['/w/src/app.ts:3', '/w/src/app.ts', '/w/src/new.ts']);
    expect(card.statusLabel).toBe('running');
    expect(card.diffs[0]).toMatchObject({ isNewFile: false, added: 1, removed: 1, lines: [{ kind: 'context', text: 'one' }, { kind: 'removed', text: 'two' }, { kind: 'added', text: 'TWO' }, { kind: 'context', text: 'three' }] });
    expect(card.diffs[1]).toMatchObject({ isNewFile: true, added: 1, removed: 0 });
  });

  test('a command shows its input, its terminal and its output with the line count for "show all"', () => {
    const output = Array.from({ length: 40 }, (_, index) => `line ${index}`).join('\n');
    const card = toolCard(call('execute', { input: { command: 'npm test' }, content: [{ type: 'terminal', terminalId: 'term-1' }, { type: 'text', text: output }] }));
    expect(card).toMatchObject({ verb: 'Run', terminalIds: ['term-1'], outputLineCount: 40 });
    expect(card.outputLineCount).toBeGreaterThan(collapsedOutputLines);
    expect(card.input).toContain('"command": "npm test"');
    expect(toolCard(call('fetch', { output: { status: 200 } })).output).toContain('"status": 200');
  });
});

describe('usage', () => {
  const continuity = (agentId: string, inputTokens: number, outputTokens: number, cost: number, currency: string | null): AgentContinuity => ({
    agentId,
    next: 'warm',
    freshReason: null,
    sessionId: null,
    modes: [],
    currentModeId: null,
    configOptions: [],
    commands: [],
    canTakeImages: false,
    preferredMode: null,
    preferredModel: null,
    inputTokens,
    outputTokens,
    cost,
    costCurrency: currency,
  });
  const turn = (usage: Turn['usage']): Turn => ({ id: 'x', chatId: 'c', agentId: 'a', state: 'completed', prompt: '', mode: null, model: null, queuePosition: null, origin: null, stopReason: null, error: null, usage, userMessageId: null, assistantMessageId: null, retryOf: null, createdAt: '', startedAt: null, endedAt: null, heartbeatAt: null, attachments: [] });

  test('tokens add up across agents, costs per currency, and the context meter comes from the latest turn that reported it', () => {
    const summary = summarizeUsage(
      [continuity('claude', 1200, 300, 0.02, 'USD'), continuity('opencode', 800, 100, 0.01, 'USD'), continuity('qwen', 0, 0, 0, null)],
      [turn({ inputTokens: 1, outputTokens: 1, contextUsed: 5000, contextSize: 200_000, costAmount: null, costCurrency: null }), turn(null)],
    );
    expect(summary).toMatchObject({ inputTokens: 2000, outputTokens: 400, context: { used: 5000, size: 200_000, fraction: 0.025 } });
    expect(summary.cost?.[0]?.currency).toBe('USD');
    expect(summary.cost?.[0]?.amount).toBeCloseTo(0.03);
    expect(summary.perAgent.map((agent) => agent.agentId)).toEqual(['claude', 'opencode']);
    expect(summarizeUsage([continuity('qwen', 0, 0, 0, null)], []).cost).toBeNull();
    expect([compactNumber(999), compactNumber(1234), compactNumber(25_000), compactNumber(2_500_000)]).toEqual(['999', '1.2k', '25k', '2.5M']);
  });
});
