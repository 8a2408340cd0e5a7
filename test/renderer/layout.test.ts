import { describe, expect, test } from 'vitest';
import { defaultLayout, LayoutEnvelopeSchema, readLayout, type LayoutEnvelope } from '../../src/shared/layout.ts';
import { leaves, paneOf, reduceLayout, type LayoutAction } from '../../src/renderer/workspace/layout.ts';

function run(layout: LayoutEnvelope, ...actions: LayoutAction[]): LayoutEnvelope {
  return actions.reduce((current, action) => {
    const next = reduceLayout(current, action);
    // Every step keeps the envelope valid: what the core would accept.
    expect(LayoutEnvelopeSchema.safeParse(next).success, JSON.stringify(next)).toBe(true);
    return next;
  }, layout);
}

const numbers = (layout: LayoutEnvelope) => Object.values(layout.tabs).map((tab) => tab.number).sort((a, b) => a - b);
const tabIn = (layout: LayoutEnvelope, number: number) => Object.values(layout.tabs).find((tab) => tab.number === number)?.id ?? '';

describe('the layout reducer', () => {
  test('opening tabs numbers them 1, 2, 3 in the focused pane; opening what is already open focuses it', () => {
    const layout = run(defaultLayout(['chat-a']), { type: 'open', kind: 'changes', targetId: null }, { type: 'open', kind: 'terminal', targetId: 'term-1' }, { type: 'open', kind: 'chat', targetId: 'chat-a' });
    expect(numbers(layout)).toEqual([1, 2, 3]);
    expect(layout.focusedTabId).toBe(tabIn(layout, 1));
    expect(leaves(layout.root)).toHaveLength(1);
  });

  test('splitting a tab to the right makes a second pane; moving the tab back closes that pane and the first takes the space', () => {
    const three = run(defaultLayout(['a', 'b', 'c']));
    const split = run(three, { type: 'split', tabId: tabIn(three, 2), paneId: 'p1', side: 'right' });
    expect(split.root).toMatchObject({ kind: 'split', direction: 'row', sizes: [50, 50] });
    expect(leaves(split.root).map((pane) => pane.tabIds.map((id) => split.tabs[id]?.number))).toEqual([[1, 3], [2]]);
    expect(split.focusedTabId).toBe(tabIn(split, 2));
    const back = run(split, { type: 'move', tabId: tabIn(split, 2), paneId: 'p1', index: 1 });
    expect(back.root).toMatchObject({ kind: 'pane', id: 'p1' });
    expect(leaves(back.root)[0]?.tabIds.map((id) => back.tabs[id]?.number)).toEqual([1, 2, 3]);
  });

  test('splits nest: below a pane of a row makes a column inside the row, beside it shares the row', () => {
    const base = run(defaultLayout(['a', 'b', 'c', 'd']), { type: 'split', tabId: 't2', paneId: 'p1', side: 'right' });
    const right = leaves(base.root)[1]?.id ?? '';
    const below = run(base, { type: 'split', tabId: 't3', paneId: right, side: 'bottom' });
    expect(below.root).toMatchObject({ kind: 'split', direction: 'row', children: [{ kind: 'pane' }, { kind: 'split', direction: 'column' }] });
    const beside = run(base, { type: 'split', tabId: 't4', paneId: right, side: 'right' });
    expect(beside.root).toMatchObject({ kind: 'split', direction: 'row', sizes: [50, 25, 25] });
    expect(leaves(beside.root)).toHaveLength(3);
  });

  test('closing the last tab of a pane closes the pane; focus goes to what is left', () => {
    const split = run(defaultLayout(['a', 'b']), { type: 'split', tabId: 't2', paneId: 'p1', side: 'bottom' });
    const closed = run(split, { type: 'close', tabId: 't2' });
    expect(closed.root).toMatchObject({ kind: 'pane', id: 'p1', tabIds: ['t1'] });
    expect(closed.focusedTabId).toBe('t1');
  });

  test('closing the very last tab leaves one empty pane, not an invalid tree', () => {
    const closed = run(defaultLayout(['a']), { type: 'close', tabId: 't1' });
    expect(closed.root).toEqual({ kind: 'pane', id: 'p1', tabIds: [], activeTabId: null });
    expect(closed.focusedTabId).toBeNull();
  });

  test('numbers are never reused: a tab opened after closes gets the next number, and a reopened tab gets its own back', () => {
    const layout = run(
      defaultLayout(['a', 'b']),
      { type: 'close', tabId: 't2' },
      { type: 'open', kind: 'changes', targetId: null },
      { type: 'close', tabId: 't1' },
      { type: 'reopen' },
      { type: 'reopen' },
    );
    expect(Object.values(layout.tabs).map((tab) => [tab.kind, tab.targetId, tab.number])).toEqual(
      expect.arrayContaining([['changes', null, 3], ['chat', 'a', 1], ['chat', 'b', 2]]),
    );
    expect(layout.nextTabNumber).toBe(4);
    expect(layout.closedTabs).toEqual([]);
    expect(run(layout, { type: 'reopen' })).toEqual(layout);
  });

  test('focus by number, and the keyboard move to the next pane (splitting at the edge)', () => {
    const layout = run(defaultLayout(['a', 'b', 'c']), { type: 'focusNumber', number: 3 });
    expect(layout.focusedTabId).toBe('t3');
    const moved = run(layout, { type: 'moveToNeighbour', tabId: 't3', direction: 1 });
    expect(leaves(moved.root)).toHaveLength(2);
    expect(paneOf(moved.root, 't3')?.tabIds).toEqual(['t3']);
    const again = run(moved, { type: 'moveToNeighbour', tabId: 't1', direction: 1 });
    expect(paneOf(again.root, 't1')?.tabIds).toEqual(['t3', 't1']);
  });

  test('resizing and per-tab memory are kept; forgetting a chat closes its tab for good', () => {
    const split = run(defaultLayout(['a', 'b']), { type: 'split', tabId: 't2', paneId: 'p1', side: 'right' });
    const splitId = split.root.id;
    const resized = run(split, { type: 'resize', splitId, sizes: [70, 30] }, { type: 'remember', tabId: 't1', memory: { draft: 'half', scrollAnchor: { itemId: 'm9', offset: 4 } } });
    expect(resized.root).toMatchObject({ sizes: [70, 30] });
    expect(resized.perTab.t1).toEqual({ draft: 'half', scrollAnchor: { itemId: 'm9', offset: 4 } });
    const forgotten = run(resized, { type: 'forget', kind: 'chat', targetIds: ['b'] });
    expect(Object.values(forgotten.tabs).map((tab) => tab.targetId)).toEqual(['a']);
    expect(run(forgotten, { type: 'reopen' })).toEqual(forgotten);
  });

  test('a layout from an unknown version, or one that does not parse, reads as the default with a notice', () => {
    expect(readLayout({ version: 0, root: {} }, ['a'])).toEqual({ layout: defaultLayout(['a']), notice: expect.stringContaining('unknown version') });
    expect(readLayout({ version: 2 }, ['a']).notice).toContain('newer version');
    expect(readLayout({ ...defaultLayout(['a']), nextTabNumber: 1 }, ['a']).notice).toContain('not below nextTabNumber');
    expect(readLayout(defaultLayout(['a']), ['a'])).toEqual({ layout: defaultLayout(['a']), notice: null });
  });
});
