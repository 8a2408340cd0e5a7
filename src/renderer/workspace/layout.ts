// The layout reducer: every change to a session's split panes of tabs is a pure function of the
// envelope, so that drag-and-drop, the keyboard and the palette share one tested path. Tab
// numbers come from `nextTabNumber` and are never reused in the session; a pane left without
// tabs closes and its siblings take its space.
import { MAX_CLOSED_TABS, type LayoutEnvelope, type PaneLeaf, type PaneNode, type PaneSplit, type Tab, type TabKind } from '../../shared/layout.ts';

export type SplitSide = 'left' | 'right' | 'top' | 'bottom';

export type LayoutAction =
  /** Opens (or focuses, when one shows the same thing) a tab, in `paneId` or the focused pane. */
  | { readonly type: 'open'; readonly kind: TabKind; readonly targetId: string | null; readonly paneId?: string }
  | { readonly type: 'close'; readonly tabId: string }
  | { readonly type: 'reopen' }
  | { readonly type: 'focus'; readonly tabId: string }
  | { readonly type: 'focusNumber'; readonly number: number }
  | { readonly type: 'move'; readonly tabId: string; readonly paneId: string; readonly index?: number }
  | { readonly type: 'split'; readonly tabId: string; readonly paneId: string; readonly side: SplitSide }
  /** The keyboard's move: to the next (or previous) pane in reading order. */
  | { readonly type: 'moveToNeighbour'; readonly tabId: string; readonly direction: 1 | -1 }
  | { readonly type: 'resize'; readonly splitId: string; readonly sizes: readonly number[] }
  | { readonly type: 'remember'; readonly tabId: string; readonly memory: { scrollAnchor?: { itemId: string; offset: number } | null; draft?: string } }
  /** Closes every tab showing one of these targets (a chat that was archived, a terminal that was removed). */
  | { readonly type: 'forget'; readonly kind: TabKind; readonly targetIds: readonly string[] };

export function reduceLayout(layout: LayoutEnvelope, action: LayoutAction): LayoutEnvelope {
  switch (action.type) {
    case 'open':
      return open(layout, action.kind, action.targetId, action.paneId);
    case 'close':
      return close(layout, action.tabId);
    case 'reopen':
      return reopen(layout);
    case 'focus':
      return focus(layout, action.tabId);
    case 'focusNumber': {
      const tab = Object.values(layout.tabs).find((candidate) => candidate.number === action.number);
      return tab ? focus(layout, tab.id) : layout;
    }
    case 'move':
      return move(layout, action.tabId, action.paneId, action.index);
    case 'split':
      return split(layout, action.tabId, action.paneId, action.side);
    case 'moveToNeighbour': {
      const panes = leaves(layout.root);
      const from = paneOf(layout.root, action.tabId);
      if (!from) return layout;
      const index = panes.findIndex((pane) => pane.id === from.id);
      const target = panes[index + action.direction];
      // At the edge, moving on splits the tab into a new pane there, as editors do.
      if (!target) return from.tabIds.length > 1 ? split(layout, action.tabId, from.id, action.direction === 1 ? 'right' : 'left') : layout;
      return move(layout, action.tabId, target.id);
    }
    case 'resize':
      return { ...layout, root: mapNode(layout.root, (node) => (node.kind === 'split' && node.id === action.splitId && action.sizes.length === node.children.length ? { ...node, sizes: normalizeSizes(action.sizes) } : node)) };
    case 'remember': {
      if (!layout.tabs[action.tabId]) return layout;
      const current = layout.perTab[action.tabId] ?? {};
      return { ...layout, perTab: { ...layout.perTab, [action.tabId]: { ...current, ...action.memory } } };
    }
    case 'forget': {
      const targets = new Set(action.targetIds);
      let next = layout;
      for (const tab of Object.values(layout.tabs)) {
        if (tab.kind === action.kind && tab.targetId !== null && targets.has(tab.targetId)) next = close(next, tab.id);
      }
      return { ...next, closedTabs: next.closedTabs.filter((tab) => !(tab.kind === action.kind && tab.targetId !== null && targets.has(tab.targetId))) };
    }
    default:
      return assertNever(action);
  }
}

/** Panes in reading order (left to right, top to bottom). */
export function leaves(node: PaneNode): PaneLeaf[] {
  return node.kind === 'pane' ? [node] : node.children.flatMap(leaves);
}

export function paneOf(node: PaneNode, tabId: string): PaneLeaf | undefined {
  return leaves(node).find((pane) => pane.tabIds.includes(tabId));
}

export function focusedPane(layout: LayoutEnvelope): PaneLeaf {
  const panes = leaves(layout.root);
  return (layout.focusedTabId ? paneOf(layout.root, layout.focusedTabId) : undefined) ?? (panes[0] as PaneLeaf);
}

function open(layout: LayoutEnvelope, kind: TabKind, targetId: string | null, paneId: string | undefined): LayoutEnvelope {
  const existing = Object.values(layout.tabs).find((tab) => tab.kind === kind && tab.targetId === targetId);
  if (existing) return focus(layout, existing.id);
  const tab: Tab = { id: newTabId(layout), number: layout.nextTabNumber, kind, targetId };
  const pane = (paneId ? leaves(layout.root).find((candidate) => candidate.id === paneId) : undefined) ?? focusedPane(layout);
  return {
    ...layout,
    tabs: { ...layout.tabs, [tab.id]: tab },
    nextTabNumber: layout.nextTabNumber + 1,
    root: mapNode(layout.root, (node) => (node.kind === 'pane' && node.id === pane.id ? { ...node, tabIds: [...node.tabIds, tab.id], activeTabId: tab.id } : node)),
    focusedTabId: tab.id,
  };
}

function close(layout: LayoutEnvelope, tabId: string): LayoutEnvelope {
  const tab = layout.tabs[tabId];
  const pane = paneOf(layout.root, tabId);
  if (!tab || !pane) return layout;
  const { [tabId]: _closed, ...tabs } = layout.tabs;
  const { [tabId]: _memory, ...perTab } = layout.perTab;
  const closedTabs = [...layout.closedTabs.filter((closed) => closed.id !== tabId), tab].slice(-MAX_CLOSED_TABS);
  const detached = detach(layout.root, tabId);
  const root = detached ?? emptyPane(pane.id);
  const next = { ...layout, tabs, perTab, closedTabs, root };
  if (layout.focusedTabId !== tabId) return next;
  // Focus what the user sees next: the pane's new active tab, else the first pane's.
  const samePane = leaves(root).find((candidate) => candidate.id === pane.id);
  const successor = samePane?.activeTabId ?? leaves(root).find((candidate) => candidate.activeTabId !== null)?.activeTabId ?? null;
  return { ...next, focusedTabId: successor };
}

function reopen(layout: LayoutEnvelope): LayoutEnvelope {
  const tab = layout.closedTabs.at(-1);
  if (!tab) return layout;
  const closedTabs = layout.closedTabs.slice(0, -1);
  if (Object.values(layout.tabs).some((open) => open.kind === tab.kind && open.targetId === tab.targetId)) return { ...layout, closedTabs };
  const pane = focusedPane(layout);
  // Its number was never given to another tab, so it comes back with it.
  const id = layout.tabs[tab.id] ? newTabId(layout) : tab.id;
  return {
    ...layout,
    closedTabs,
    tabs: { ...layout.tabs, [id]: { ...tab, id } },
    root: mapNode(layout.root, (node) => (node.kind === 'pane' && node.id === pane.id ? { ...node, tabIds: [...node.tabIds, id], activeTabId: id } : node)),
    focusedTabId: id,
  };
}

function focus(layout: LayoutEnvelope, tabId: string): LayoutEnvelope {
  if (!layout.tabs[tabId]) return layout;
  const root = mapNode(layout.root, (node) => (node.kind === 'pane' && node.tabIds.includes(tabId) ? { ...node, activeTabId: tabId } : node));
  return { ...layout, root, focusedTabId: tabId };
}

function move(layout: LayoutEnvelope, tabId: string, paneId: string, index?: number): LayoutEnvelope {
  const from = paneOf(layout.root, tabId);
  const target = leaves(layout.root).find((pane) => pane.id === paneId);
  if (!from || !target) return layout;
  if (from.id === target.id) {
    const without = from.tabIds.filter((id) => id !== tabId);
    const at = Math.max(0, Math.min(index ?? without.length, without.length));
    const tabIds = [...without.slice(0, at), tabId, ...without.slice(at)];
    return focus({ ...layout, root: mapNode(layout.root, (node) => (node.kind === 'pane' && node.id === from.id ? { ...node, tabIds } : node)) }, tabId);
  }
  const detached = detach(layout.root, tabId);
  if (!detached) return layout;
  const root = mapNode(detached, (node) => {
    if (node.kind !== 'pane' || node.id !== paneId) return node;
    const at = Math.max(0, Math.min(index ?? node.tabIds.length, node.tabIds.length));
    return { ...node, tabIds: [...node.tabIds.slice(0, at), tabId, ...node.tabIds.slice(at)], activeTabId: tabId };
  });
  return { ...layout, root, focusedTabId: tabId };
}

function split(layout: LayoutEnvelope, tabId: string, paneId: string, side: SplitSide): LayoutEnvelope {
  const from = paneOf(layout.root, tabId);
  if (!from) return layout;
  // Splitting a pane's only tab off beside itself would leave an empty pane: nothing to do.
  if (from.id === paneId && from.tabIds.length === 1) return layout;
  const fresh: PaneLeaf = { kind: 'pane', id: newPaneId(layout), tabIds: [tabId], activeTabId: tabId };
  const detached = detach(layout.root, tabId);
  if (!detached || !leaves(detached).some((pane) => pane.id === paneId)) return layout;
  const direction: PaneSplit['direction'] = side === 'left' || side === 'right' ? 'row' : 'column';
  const isBefore = side === 'left' || side === 'top';
  const splitId = newSplitId(layout);
  const insert = (node: PaneNode): PaneNode => {
    if (node.kind === 'split') {
      const at = node.children.findIndex((child) => child.kind === 'pane' && child.id === paneId);
      if (at !== -1 && node.direction === direction) {
        // Beside a sibling in a split of the same direction: share the target's space.
        const share = (node.sizes[at] ?? 0) / 2;
        const children = [...node.children];
        const sizes = [...node.sizes];
        children.splice(isBefore ? at : at + 1, 0, fresh);
        sizes.splice(at, 1, share, share);
        return { ...node, children, sizes: normalizeSizes(sizes) };
      }
      return { ...node, children: node.children.map(insert) };
    }
    if (node.id !== paneId) return node;
    return { kind: 'split', id: splitId, direction, children: isBefore ? [fresh, node] : [node, fresh], sizes: [50, 50] };
  };
  return { ...layout, root: insert(detached), focusedTabId: tabId };
}

/**
 * The tree without the tab. A pane left empty is removed and its split collapses into the
 * remaining child; undefined when the tab's pane was the only one and is now empty.
 */
function detach(node: PaneNode, tabId: string): PaneNode | undefined {
  if (node.kind === 'pane') {
    if (!node.tabIds.includes(tabId)) return node;
    const index = node.tabIds.indexOf(tabId);
    const tabIds = node.tabIds.filter((id) => id !== tabId);
    if (tabIds.length === 0) return undefined;
    const activeTabId = node.activeTabId === tabId ? (tabIds[Math.min(index, tabIds.length - 1)] ?? null) : node.activeTabId;
    return { ...node, tabIds, activeTabId };
  }
  const children: PaneNode[] = [];
  const sizes: number[] = [];
  node.children.forEach((child, index) => {
    const kept = detach(child, tabId);
    if (kept) {
      children.push(kept);
      sizes.push(node.sizes[index] ?? 0);
    }
  });
  if (children.length === 0) return undefined;
  if (children.length === 1) return children[0];
  return { ...node, children, sizes: normalizeSizes(sizes) };
}

function mapNode(node: PaneNode, change: (node: PaneNode) => PaneNode): PaneNode {
  const changed = change(node);
  if (changed.kind === 'split') return { ...changed, children: changed.children.map((child) => mapNode(child, change)) };
  return changed;
}

function emptyPane(id: string): PaneLeaf {
  return { kind: 'pane', id, tabIds: [], activeTabId: null };
}

function normalizeSizes(sizes: readonly number[]): number[] {
  const total = sizes.reduce((sum, size) => sum + Math.max(0, size), 0);
  if (total <= 0) return sizes.map(() => 100 / sizes.length);
  return sizes.map((size) => Math.round((Math.max(0, size) / total) * 100 * 1000) / 1000);
}

function allIds(layout: LayoutEnvelope): Set<string> {
  const ids = new Set<string>([...Object.keys(layout.tabs), ...layout.closedTabs.map((tab) => tab.id)]);
  const visit = (node: PaneNode): void => {
    ids.add(node.id);
    if (node.kind === 'split') node.children.forEach(visit);
  };
  visit(layout.root);
  return ids;
}

function freshId(layout: LayoutEnvelope, prefix: string): string {
  const taken = allIds(layout);
  for (let index = 1; ; index += 1) if (!taken.has(`${prefix}${index}`)) return `${prefix}${index}`;
}

function newTabId(layout: LayoutEnvelope): string {
  return freshId(layout, 't');
}

function newPaneId(layout: LayoutEnvelope): string {
  return freshId(layout, 'p');
}

function newSplitId(layout: LayoutEnvelope): string {
  return freshId(layout, 's');
}

function assertNever(value: never): never {
  throw new Error(`Unhandled ${JSON.stringify(value)}`);
}
