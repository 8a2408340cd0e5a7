// What needs the user, across every project and session: permission requests waiting for an
// answer, turns that failed or were interrupted, and turns that finished while their chat was
// not on screen. Pure functions over the client state, so the panel, the counts, the OS badge
// and the notifications all agree.
import type { PermissionRequest } from '../../shared/agents.ts';
import type { Chat, Session, Turn } from '../../shared/chats.ts';
import type { Project } from '../../shared/contract.ts';
import type { ClientState } from '../state/clientState.ts';
import type { WindowState } from '../state/store.ts';
import { leaves } from '../workspace/layout.ts';

export type InboxEntryKind = 'permission' | 'failed' | 'finished';

interface EntryPlace {
  readonly chat: Chat;
  readonly session: Session;
  readonly project: Project | undefined;
}

export type InboxEntry =
  | (EntryPlace & {
      readonly kind: 'permission';
      /** Stable for the life of the entry; one notification per key, ever. */
      readonly key: string;
      readonly request: PermissionRequest;
      readonly at: string;
    })
  | (EntryPlace & { readonly kind: 'failed' | 'finished'; readonly key: string; readonly turn: Turn; readonly at: string });

const kindOrder: Readonly<Record<InboxEntryKind, number>> = { permission: 0, failed: 1, finished: 2 };

/**
 * Every entry, most urgent kind first and newest first within a kind. A chat in
 * `visibleChatIds` has no turn entry: the user is looking at it (and it is being marked seen).
 */
export function inboxEntries(client: ClientState, visibleChatIds: ReadonlySet<string>): InboxEntry[] {
  const entries: InboxEntry[] = [];
  for (const request of Object.values(client.permissions)) {
    const place = placeOf(client, request.chatId);
    if (place) entries.push({ kind: 'permission', key: `permission:${request.id}`, request, at: request.requestedAt, ...place });
  }
  for (const activity of Object.values(client.activity)) {
    const turn = unseenTurn(client, activity.chatId);
    if (!turn || visibleChatIds.has(activity.chatId)) continue;
    const place = placeOf(client, activity.chatId);
    const kind = turn.state === 'completed' ? 'finished' : 'failed';
    if (place) entries.push({ kind, key: `turn:${turn.id}`, turn, at: turn.endedAt ?? turn.createdAt, ...place });
  }
  return entries.sort((a, b) => kindOrder[a.kind] - kindOrder[b.kind] || b.at.localeCompare(a.at));
}

/** The chat's last ended turn when it is one the inbox reports and the user has not seen it. */
export function unseenTurn(client: ClientState, chatId: string): Turn | undefined {
  const activity = client.activity[chatId];
  const chat = client.chats[chatId];
  const turn = activity?.lastEnded;
  // A running turn supersedes the last one (a retry, the next prompt): nothing to report yet.
  if (!turn || !chat || activity.running) return undefined;
  // A cancelled turn was the user's own doing (or the archive's): nothing to tell them.
  if (turn.state !== 'completed' && turn.state !== 'failed' && turn.state !== 'interrupted') return undefined;
  return chat.seenTurnId === turn.id ? undefined : turn;
}

/**
 * Chats the user is looking at: the active tab of a pane of the session on screen (no other
 * screen over it), while the window is visible and focused.
 */
export function visibleChats(state: WindowState): ReadonlySet<string> {
  const visible = new Set<string>();
  if (!state.isAttentive || state.screen !== undefined || !state.sessionId) return visible;
  const layout = state.client.layouts[state.sessionId]?.layout;
  if (!layout) return visible;
  for (const pane of leaves(layout.root)) {
    const tab = pane.activeTabId ? layout.tabs[pane.activeTabId] : undefined;
    if (tab?.kind === 'chat' && tab.targetId) visible.add(tab.targetId);
  }
  return visible;
}

let last: { readonly inputs: readonly unknown[]; readonly entries: readonly InboxEntry[] } | undefined;

/**
 * The inbox of a window, as every view of it computes it. The same array comes back while what
 * it is made of is unchanged, so views that select it re-render only when it changes (the state
 * changes every frame while an agent streams).
 */
export function inboxOf(state: WindowState): readonly InboxEntry[] {
  const { client } = state;
  const inputs = [client.permissions, client.activity, client.chats, client.sessions, client.projects, client.layouts, state.sessionId, state.screen, state.isAttentive];
  if (last && last.inputs.every((input, index) => input === inputs[index])) return last.entries;
  const entries = inboxEntries(client, visibleChats(state));
  last = { inputs, entries };
  return entries;
}

/** For people: where an entry happened. */
export function describePlace(entry: EntryPlace): string {
  return [entry.chat.title, entry.session.name, entry.project?.name].filter(Boolean).join(' · ');
}

function placeOf(client: ClientState, chatId: string): EntryPlace | undefined {
  const chat = client.chats[chatId];
  const session = chat ? client.sessions[chat.sessionId] : undefined;
  if (!chat || !session || chat.archivedAt !== null || session.archivedAt !== null) return undefined;
  return { chat, session, project: client.projects.find((project) => project.id === session.projectId) };
}
