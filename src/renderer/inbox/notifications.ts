// OS notifications for what needs the user, when they are not looking: the desktop app shows
// Electron's Notification (through the preload), a browser shows a Web Notification, asked for
// the first time one is needed (never at load). Clicking one focuses the window and opens the
// chat at the turn, or the "Needs you" panel for a summary.
import { toast } from 'sonner';
import type { Settings } from '../../shared/contract.ts';
import type { AppStore, WindowState } from '../state/store.ts';
import { describePlace, inboxEntries, visibleChats, type InboxEntry } from './inboxModel.ts';
import { createNotificationBatcher, type BatchedNotification, type NotificationCandidate } from './notificationBatcher.ts';

type Target = { readonly kind: 'chat'; readonly chatId: string; readonly turnId: string | undefined } | { readonly kind: 'inbox' };

const toggles: Readonly<Record<InboxEntry['kind'], keyof Settings>> = {
  permission: 'notifyOnPermission',
  failed: 'notifyOnFailure',
  finished: 'notifyOnFinish',
};

/** Where clicks on notifications lead, for the notifications of this window that may still be shown. */
const maxRememberedTargets = 200;

export function startNotifications(store: AppStore): () => void {
  const desktop = store.connection.api.desktop;
  const targets = new Map<string, Target>();
  // Entries this window has already handled (notified, or seen on screen), by key.
  let known: Set<string> | undefined;
  let lastInputs: readonly unknown[] = [];
  let hasAsked = false;

  const batcher = createNotificationBatcher(deliver);
  const stopClicks = desktop?.onNotificationClick((id) => openTarget(targets.get(id)));

  function check(state: WindowState): void {
    const { client } = state;
    if (!client.isLoaded) return;
    const inputs = [client.permissions, client.activity, client.chats, client.sessions, state.sessionId, state.screen, state.isAttentive, client.layouts];
    if (inputs.every((input, index) => input === lastInputs[index])) return;
    lastInputs = inputs;
    // What was already waiting when the window opened is in the inbox, not news.
    if (!known) {
      known = new Set(inboxEntries(client, new Set()).map((entry) => entry.key));
      return;
    }
    for (const entry of newsToTell(state, known)) batcher.offer(candidateOf(entry));
  }

  function deliver(notification: BatchedNotification): void {
    const { id, title, body, target } =
      notification.kind === 'single'
        ? { id: notification.candidate.key, title: notification.candidate.title, body: notification.candidate.body, target: targetOf(notification.candidate) }
        : { id: `summary:${notification.candidates[0]?.key ?? ''}`, title: notification.title, body: notification.body, target: { kind: 'inbox' } as const };
    targets.set(id, target);
    for (const oldest of targets.keys()) {
      if (targets.size <= maxRememberedTargets) break;
      targets.delete(oldest);
    }
    if (desktop) return desktop.notify({ id, title: title.slice(0, 200), body: body.slice(0, 2000) });
    showWebNotification(id, title, body, target);
  }

  function showWebNotification(id: string, title: string, body: string, target: Target): void {
    if (typeof Notification === 'undefined') return;
    if (Notification.permission === 'default') return askOnce();
    if (Notification.permission !== 'granted') return;
    // The tag makes a second window's notification for the same entry replace this one, not add to it.
    const notification = new Notification(title, { body, tag: id });
    notification.onclick = () => {
      window.focus();
      notification.close();
      openTarget(target);
    };
  }

  /** Browsers want a person's gesture before they ask; the toast's button is that gesture. */
  function askOnce(): void {
    if (hasAsked) return;
    hasAsked = true;
    toast.info('Get notified when an agent needs you?', {
      description: 'BooCode can tell you when a turn finishes or an agent asks for permission while you look elsewhere.',
      duration: 15_000,
      action: { label: 'Allow notifications', onClick: () => void Notification.requestPermission() },
    });
  }

  function openTarget(target: Target | undefined): void {
    if (!target) return;
    if (target.kind === 'inbox') store.setInboxOpen(true);
    else void store.openChat(target.chatId, target.turnId);
  }

  const unsubscribe = store.state.subscribe((state) => check(state));
  check(store.state.getState());
  return () => {
    unsubscribe();
    stopClicks?.();
    batcher.dispose();
  };
}

/**
 * Entries new to this window that are worth a notification; every new key is added to `known`
 * whether told or not, so that an entry is considered once. Not told: one in a chat the user is
 * looking at in a focused window (they see it happen), and kinds the settings turn off.
 */
export function newsToTell(state: WindowState, known: Set<string>): InboxEntry[] {
  const visible = visibleChats(state);
  const news: InboxEntry[] = [];
  for (const entry of inboxEntries(state.client, new Set())) {
    if (known.has(entry.key)) continue;
    known.add(entry.key);
    if (visible.has(entry.chat.id)) continue;
    if (state.client.settings?.[toggles[entry.kind]] === false) continue;
    news.push(entry);
  }
  return news;
}

function candidateOf(entry: InboxEntry): NotificationCandidate {
  const place = describePlace(entry);
  const subject = entry.chat.title;
  const chatId = entry.chat.id;
  switch (entry.kind) {
    case 'permission':
      return { key: entry.key, kind: entry.kind, subject, chatId, turnId: undefined, title: `${entry.request.agentId} asks: ${entry.request.title}`, body: `${place}. Answer it in BooCode.` };
    case 'failed': {
      const what = entry.turn.state === 'interrupted' ? 'was interrupted' : 'failed';
      const reason = entry.turn.error?.message ? `: ${entry.turn.error.message}` : '';
      return { key: entry.key, kind: entry.kind, subject, chatId, turnId: entry.turn.id, title: `A turn ${what} in ${subject}`, body: `${place}${reason}` };
    }
    case 'finished':
      return { key: entry.key, kind: entry.kind, subject, chatId, turnId: entry.turn.id, title: `${entry.turn.agentId} finished in ${subject}`, body: place };
    default:
      return assertNever(entry);
  }
}

function targetOf(candidate: NotificationCandidate): Target {
  return { kind: 'chat', chatId: candidate.chatId, turnId: candidate.turnId };
}

function assertNever(value: never): never {
  throw new Error(`Unhandled ${JSON.stringify(value)}`);
}
