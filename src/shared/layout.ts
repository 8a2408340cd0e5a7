// A session's workspace layout, as the core stores it and every window reads it: a split tree
// of panes holding tabs, in a versioned envelope so that a layout written by another version
// is recognised, and one that cannot be read is replaced by the default with a notice instead
// of a blank screen.
import { z } from 'zod';

export const LAYOUT_VERSION = 1;

/** Most closed tabs a session remembers for "reopen closed tab". */
export const MAX_CLOSED_TABS = 20;

const Id = z.string().min(1).max(64);

export const TabKindSchema = z.enum(['chat', 'terminal', 'changes']);
export type TabKind = z.infer<typeof TabKindSchema>;

/** What a tab shows. Its number is assigned when it is opened and never reused in the session. */
export const TabSchema = z.object({
  id: Id,
  number: z.number().int().positive(),
  kind: TabKindSchema,
  /** The chat of a chat tab, the terminal of a terminal tab. */
  targetId: Id.nullable(),
});
export type Tab = z.infer<typeof TabSchema>;

export interface PaneLeaf {
  readonly kind: 'pane';
  readonly id: string;
  readonly tabIds: readonly string[];
  readonly activeTabId: string | null;
}

export interface PaneSplit {
  readonly kind: 'split';
  readonly id: string;
  /** `row`: children side by side; `column`: stacked. */
  readonly direction: 'row' | 'column';
  readonly children: readonly PaneNode[];
  /** Percentages of the children, summing to 100. */
  readonly sizes: readonly number[];
}

export type PaneNode = PaneLeaf | PaneSplit;

const MAX_DEPTH = 8;

const PaneLeafSchema = z.object({
  kind: z.literal('pane'),
  id: Id,
  tabIds: z.array(Id).max(200),
  activeTabId: Id.nullable(),
});

function nodeSchema(depth: number): z.ZodType<PaneNode> {
  if (depth >= MAX_DEPTH) return PaneLeafSchema;
  return z.union([
    PaneLeafSchema,
    z.object({
      kind: z.literal('split'),
      id: Id,
      direction: z.enum(['row', 'column']),
      children: z.array(z.lazy(() => nodeSchema(depth + 1))).min(2).max(16),
      sizes: z.array(z.number().min(0).max(100)).min(2).max(16),
    }),
  ]) as z.ZodType<PaneNode>;
}

export const PaneNodeSchema = nodeSchema(0);

export const TabMemorySchema = z.object({
  /** Where the tab's list was scrolled to: an item id and the pixels above it. */
  scrollAnchor: z.object({ itemId: z.string().max(128), offset: z.number() }).nullable().optional(),
  /** Unsent text of a chat tab's composer. */
  draft: z.string().max(200_000).optional(),
});

export const LayoutEnvelopeSchema = z
  .object({
    version: z.literal(LAYOUT_VERSION),
    root: PaneNodeSchema,
    tabs: z.record(Id, TabSchema),
    nextTabNumber: z.number().int().positive(),
    /** Most recently closed last. */
    closedTabs: z.array(TabSchema).max(MAX_CLOSED_TABS),
    focusedTabId: Id.nullable(),
    perTab: z.record(Id, TabMemorySchema),
  })
  .superRefine((layout, context) => {
    const problem = checkLayout(layout);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });
export type LayoutEnvelope = z.infer<typeof LayoutEnvelopeSchema>;

/** A tree whose tabs, panes and numbers agree with each other, or the first thing wrong. */
function checkLayout(layout: Omit<LayoutEnvelope, 'root'> & { root: PaneNode }): string | undefined {
  const placed = new Set<string>();
  const paneIds = new Set<string>();
  let problem: string | undefined;
  const visit = (node: PaneNode): void => {
    if (problem) return;
    if (paneIds.has(node.id)) problem = `pane ${node.id} appears twice`;
    paneIds.add(node.id);
    if (node.kind === 'split') {
      if (node.sizes.length !== node.children.length) problem = `split ${node.id} has ${node.children.length} children and ${node.sizes.length} sizes`;
      for (const child of node.children) visit(child);
      return;
    }
    for (const tabId of node.tabIds) {
      if (!layout.tabs[tabId]) problem = `pane ${node.id} names an unknown tab ${tabId}`;
      if (placed.has(tabId)) problem = `tab ${tabId} is in two places`;
      placed.add(tabId);
    }
    if (node.activeTabId !== null && !node.tabIds.includes(node.activeTabId)) problem = `pane ${node.id}'s active tab is not in it`;
  };
  visit(layout.root);
  if (problem) return problem;
  const numbers = new Set<number>();
  for (const tab of Object.values(layout.tabs)) {
    if (!placed.has(tab.id)) return `tab ${tab.id} is in no pane`;
    if (numbers.has(tab.number)) return `two tabs have number ${tab.number}`;
    numbers.add(tab.number);
    if (tab.number >= layout.nextTabNumber) return `tab ${tab.id} has number ${tab.number}, not below nextTabNumber`;
  }
  if (layout.focusedTabId !== null && !layout.tabs[layout.focusedTabId]) return 'the focused tab does not exist';
  return undefined;
}

/** One pane with a tab per chat (the first focused), or an empty pane for a session with none. */
export function defaultLayout(chatIds: readonly string[]): LayoutEnvelope {
  const tabs: Record<string, Tab> = {};
  chatIds.forEach((chatId, index) => {
    const id = `t${index + 1}`;
    tabs[id] = { id, number: index + 1, kind: 'chat', targetId: chatId };
  });
  const tabIds = Object.keys(tabs);
  return {
    version: LAYOUT_VERSION,
    root: { kind: 'pane', id: 'p1', tabIds, activeTabId: tabIds[0] ?? null },
    tabs,
    nextTabNumber: tabIds.length + 1,
    closedTabs: [],
    focusedTabId: tabIds[0] ?? null,
    perTab: {},
  };
}

/**
 * A stored layout as something a window can show: the layout itself when it reads, otherwise
 * the default and a notice that says why.
 */
export function readLayout(stored: unknown, chatIds: readonly string[]): { layout: LayoutEnvelope; notice: string | null } {
  if (stored === null || stored === undefined) return { layout: defaultLayout(chatIds), notice: null };
  const version = typeof stored === 'object' && stored !== null && 'version' in stored ? (stored as { version: unknown }).version : undefined;
  if (version !== LAYOUT_VERSION) {
    return {
      layout: defaultLayout(chatIds),
      notice: `This session's saved layout is from ${typeof version === 'number' && version > LAYOUT_VERSION ? 'a newer' : 'an unknown'} version of BooCode (version ${String(version)}); it was replaced by the default layout.`,
    };
  }
  const parsed = LayoutEnvelopeSchema.safeParse(stored);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      layout: defaultLayout(chatIds),
      notice: `This session's saved layout could not be read (${issue ? `${issue.path.join('.') || 'layout'}: ${issue.message}` : 'invalid'}); it was replaced by the default layout.`,
    };
  }
  return { layout: parsed.data, notice: null };
}
