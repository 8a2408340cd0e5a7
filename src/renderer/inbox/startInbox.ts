// Everything the inbox does beside its panel, started once per window: attention and read
// marks, OS notifications, and the count on the dock/taskbar icon.
import type { AppStore } from '../state/store.ts';
import { watchAttention } from './attention.ts';
import { inboxOf } from './inboxModel.ts';
import { startNotifications } from './notifications.ts';

export function startInbox(store: AppStore): () => void {
  const stopAttention = watchAttention(store);
  const stopNotifications = startNotifications(store);
  const stopBadge = watchBadge(store);
  return () => {
    stopBadge();
    stopNotifications();
    stopAttention();
  };
}

/** The OS badge shows the inbox count: the desktop app's icon, or an installed web app's. */
function watchBadge(store: AppStore): () => void {
  const desktop = store.connection.api.desktop;
  let shown = -1;
  const update = () => {
    const state = store.state.getState();
    if (!state.client.isLoaded) return;
    const count = inboxOf(state).length;
    if (count === shown) return;
    shown = count;
    if (desktop) return desktop.setBadgeCount(count);
    // Only an installed web app has a badge; a tab ignores it (or lacks the method).
    const badge = navigator as Navigator & { setAppBadge?: (count: number) => Promise<void>; clearAppBadge?: () => Promise<void> };
    void (count > 0 ? badge.setAppBadge?.(count) : badge.clearAppBadge?.())?.catch(() => {});
  };
  const unsubscribe = store.state.subscribe(update);
  update();
  return () => {
    unsubscribe();
    if (desktop && shown > 0) desktop.setBadgeCount(0);
  };
}
