// What a tool call card shows, derived from the ACP tool call (kind, title, status, input,
// output, content, locations): a verb and icon per kind, the files it touched, file edits as a
// small line diff, terminal output in monospace cut to a few lines until "show all".
import { diffLines } from 'diff';
import type { ToolCallSnapshot } from '../../shared/agents.ts';

/** ACP's tool kinds; anything else an agent sends is `other`. */
export const toolKinds = ['read', 'edit', 'delete', 'move', 'search', 'execute', 'think', 'fetch', 'switch_mode', 'other'] as const;
export type ToolKind = (typeof toolKinds)[number];

export interface DiffLine {
  readonly kind: 'added' | 'removed' | 'context';
  readonly text: string;
}

export interface ToolCardView {
  readonly kind: ToolKind;
  readonly verb: string;
  readonly title: string;
  /** The agent's word on the call; `unfinished` when its turn ended before the agent said it finished. */
  readonly status: ToolCallSnapshot['status'] | 'unfinished';
  readonly statusLabel: string;
  readonly paths: readonly string[];
  readonly diffs: readonly { readonly path: string; readonly isNewFile: boolean; readonly lines: readonly DiffLine[]; readonly added: number; readonly removed: number }[];
  readonly terminalIds: readonly string[];
  /** Text the tool returned (content blocks, else its raw output), and whether it is long. */
  readonly output: string;
  readonly outputLineCount: number;
  /** The arguments the agent gave, when it said. */
  readonly input: string | null;
}

const verbs: Record<ToolKind, string> = {
  read: 'Read',
  edit: 'Edit',
  delete: 'Delete',
  move: 'Move',
  search: 'Search',
  execute: 'Run',
  think: 'Think',
  fetch: 'Fetch',
  switch_mode: 'Switch mode',
  other: 'Tool',
};

const statusLabels: Record<ToolCardView['status'], string> = {
  pending: 'waiting',
  in_progress: 'running',
  completed: 'done',
  failed: 'failed',
  unfinished: 'unfinished',
};

/** Lines of output shown before "show all". */
export const collapsedOutputLines = 12;

/** Diff lines kept per file edit in the card; the changes tab has the whole diff. */
const maxDiffLines = 80;

/**
 * `isTurnOver`: the call's turn has ended, so a call the agent left pending or running is not
 * going on any more (the agent was stopped, crashed, or never reported its end).
 */
export function toolCard(call: ToolCallSnapshot, { isTurnOver = false }: { isTurnOver?: boolean } = {}): ToolCardView {
  const kind = (toolKinds as readonly string[]).includes(call.kind) ? (call.kind as ToolKind) : 'other';
  const diffs = call.content.flatMap((content) => (content.type === 'diff' ? [editDiff(content.path, content.oldText, content.newText)] : []));
  const texts = call.content.flatMap((content) => (content.type === 'text' ? [content.text] : []));
  const output = texts.length > 0 ? texts.join('\n') : describe(call.output);
  const paths = [...new Set([...call.locations.map((location) => (location.line === null ? location.path : `${location.path}:${location.line}`)), ...diffs.map((diff) => diff.path)])];
  const status: ToolCardView['status'] = isTurnOver && (call.status === 'pending' || call.status === 'in_progress') ? 'unfinished' : call.status;
  return {
    kind,
    verb: verbs[kind],
    title: call.title,
    status,
    statusLabel: statusLabels[status],
    paths,
    diffs,
    terminalIds: call.content.flatMap((content) => (content.type === 'terminal' ? [content.terminalId] : [])),
    output,
    outputLineCount: output === '' ? 0 : output.split('\n').length,
    input: call.input === undefined ? null : describe(call.input),
  };
}

function editDiff(path: string, oldText: string | null, newText: string): ToolCardView['diffs'][number] {
  const lines: DiffLine[] = [];
  let added = 0;
  let removed = 0;
  for (const change of diffLines(oldText ?? '', newText)) {
    const kind = change.added ? 'added' : change.removed ? 'removed' : 'context';
    const texts = change.value.replace(/\n$/, '').split('\n');
    if (kind === 'added') added += texts.length;
    if (kind === 'removed') removed += texts.length;
    // Unchanged runs shrink to their first and last lines around the edit.
    const shown = kind === 'context' && texts.length > 6 ? [...texts.slice(0, 2), '…', ...texts.slice(-2)] : texts;
    for (const text of shown) lines.push({ kind, text });
  }
  return { path, isNewFile: oldText === null, lines: lines.slice(0, maxDiffLines), added, removed };
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}
