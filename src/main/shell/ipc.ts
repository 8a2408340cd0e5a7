// The Electron transport: ipcMain handlers over the core. Each checks that the message comes
// from the app's own top frame, then hands the raw arguments to core.dispatch, which validates
// them against the contract's schemas before any service sees them. A window may hold several
// event subscriptions; each has its own id, so each gets its own stream and its own unsubscribe.
import { app, dialog, ipcMain, Notification, type BrowserWindow, type IpcMainEvent, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { z } from 'zod';
import { DesktopNotificationSchema, fail, type Result, type SubscriptionMessage } from '../../shared/contract.ts';
import { ipcChannels } from '../../shared/ipcChannels.ts';
import { createOutputInterest, type OutputInterest, type WireEndpoint } from '../wire/index.ts';

export const ipcLimits = {
  /** Notifications kept referenced until clicked or closed (an unreferenced one may lose its click handler). */
  maxLiveNotifications: 50,
  maxBadgeCount: 99_999,
} as const;

const SubscribeRequestSchema = z.object({ subscriptionId: z.string().min(1).max(64), position: z.unknown() }).strict();
const SubscriptionIdSchema = z.string().min(1).max(64);
const BadgeCountSchema = z.number().int().min(0).max(ipcLimits.maxBadgeCount);

export interface IpcOptions {
  /** Whether a frame's URL is the app's own page. */
  isAppUrl(url: string): boolean;
  getWindow(): BrowserWindow | undefined;
  /** Brings the window forward, opening it when there is none (a notification was clicked). */
  showWindow(): BrowserWindow;
  log?(line: string): void;
}

export function registerIpc(core: WireEndpoint, options: IpcOptions): () => void {
  const subscriptions = new Map<WebContents, Map<string, () => void>>();
  const notifications = new Map<string, Notification>();
  // Per window, like the WebSocket's: only the output of terminals the window shows crosses IPC.
  const interests = new Map<WebContents, OutputInterest>();

  function interestOf(sender: WebContents): OutputInterest {
    let interest = interests.get(sender);
    if (!interest) {
      interest = createOutputInterest();
      interests.set(sender, interest);
      // A reload leaves no view behind: the new page attaches the terminals it shows again.
      sender.on('did-start-navigation', (details) => {
        if (details.isMainFrame && !details.isSameDocument) interest?.clear();
      });
      sender.once('destroyed', () => interests.delete(sender));
    }
    return interest;
  }

  function isTrusted(event: IpcMainInvokeEvent | IpcMainEvent): boolean {
    const frame = event.senderFrame;
    return frame !== null && frame === event.sender.mainFrame && options.isAppUrl(frame.url);
  }

  function untrusted(): Result<never> {
    return fail('unauthorized', 'This message did not come from the BooCode window.');
  }

  function subscriptionsOf(sender: WebContents): Map<string, () => void> {
    let ofSender = subscriptions.get(sender);
    if (ofSender) return ofSender;
    const created = new Map<string, () => void>();
    subscriptions.set(sender, created);
    sender.once('destroyed', () => {
      for (const unsubscribe of created.values()) unsubscribe();
      subscriptions.delete(sender);
    });
    ofSender = created;
    return ofSender;
  }

  ipcMain.handle(ipcChannels.call, async (event, payload: unknown) => {
    if (!isTrusted(event)) return untrusted();
    if (typeof payload !== 'object' || payload === null) return fail('invalid-message', 'Expected { method, args }.');
    const { method, args } = payload as { method?: unknown; args?: unknown };
    interestOf(event.sender).note(method, args);
    return core.dispatch(method, args);
  });

  ipcMain.handle(ipcChannels.subscribe, async (event, payload: unknown) => {
    if (!isTrusted(event)) return untrusted();
    const request = SubscribeRequestSchema.safeParse(payload);
    if (!request.success) return fail('invalid-message', 'Expected { subscriptionId, position }.');
    const { subscriptionId, position } = request.data;
    const sender = event.sender;
    const ofSender = subscriptionsOf(sender);
    // Subscribing again under one id replaces that stream (a renderer resubscribing after a resync).
    ofSender.get(subscriptionId)?.();
    ofSender.delete(subscriptionId);
    const interest = interestOf(sender);
    const { result, unsubscribe } = await core.api.subscribe(position as { afterSeq: number }, (message: SubscriptionMessage) => {
      if (message.kind === 'transient' && !interest.wants(message.event)) return;
      if (!sender.isDestroyed()) sender.send(ipcChannels.message, { subscriptionId, message });
    });
    if (!result.ok) return result;
    if (sender.isDestroyed()) unsubscribe();
    else ofSender.set(subscriptionId, unsubscribe);
    return result;
  });

  ipcMain.on(ipcChannels.unsubscribe, (event, payload: unknown) => {
    if (!isTrusted(event)) return;
    const subscriptionId = SubscriptionIdSchema.safeParse(payload);
    if (!subscriptionId.success) return;
    const ofSender = subscriptions.get(event.sender);
    ofSender?.get(subscriptionId.data)?.();
    ofSender?.delete(subscriptionId.data);
  });

  ipcMain.handle(ipcChannels.pickFolder, async (event) => {
    if (!isTrusted(event)) return untrusted();
    const window = options.getWindow();
    const dialogOptions = { title: 'Open a project folder', properties: ['openDirectory' as const, 'createDirectory' as const] };
    const picked = window ? await dialog.showOpenDialog(window, dialogOptions) : await dialog.showOpenDialog(dialogOptions);
    const path = picked.filePaths[0];
    if (picked.canceled || path === undefined) return null;
    return core.dispatch('projects.open', { path });
  });

  ipcMain.on(ipcChannels.notify, (event, payload: unknown) => {
    if (!isTrusted(event)) return;
    const parsed = DesktopNotificationSchema.safeParse(payload);
    if (!parsed.success) return options.log?.('a notification from the window was malformed; not shown');
    if (!Notification.isSupported()) return;
    const { id, title, body } = parsed.data;
    const notification = new Notification({ title, body });
    const forget = () => {
      if (notifications.get(id) === notification) notifications.delete(id);
    };
    notification.on('click', () => {
      forget();
      const window = options.showWindow();
      window.webContents.send(ipcChannels.notificationClick, id);
    });
    notification.on('close', forget);
    notifications.get(id)?.close();
    notifications.set(id, notification);
    for (const [oldest, old] of notifications) {
      if (notifications.size <= ipcLimits.maxLiveNotifications) break;
      notifications.delete(oldest);
      old.close();
    }
    notification.show();
  });

  ipcMain.on(ipcChannels.setBadgeCount, (event, payload: unknown) => {
    if (!isTrusted(event)) return;
    const count = BadgeCountSchema.safeParse(payload);
    if (count.success) app.setBadgeCount(count.data);
  });

  return () => {
    for (const ofSender of subscriptions.values()) for (const unsubscribe of ofSender.values()) unsubscribe();
    subscriptions.clear();
    for (const channel of [ipcChannels.call, ipcChannels.subscribe, ipcChannels.pickFolder]) ipcMain.removeHandler(channel);
    for (const channel of [ipcChannels.unsubscribe, ipcChannels.notify, ipcChannels.setBadgeCount]) ipcMain.removeAllListeners(channel);
    notifications.clear();
  };
}
