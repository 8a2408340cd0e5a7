// The Electron transport: ipcMain handlers over the core. Each checks that the message comes
// from the app's own top frame, then hands the raw arguments to core.dispatch, which validates
// them against the contract's schemas before any service sees them.
import { dialog, ipcMain, type BrowserWindow, type IpcMainEvent, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { fail, type Result, type SubscriptionMessage } from '../../shared/contract.ts';
import { ipcChannels } from '../../shared/ipcChannels.ts';
import { createOutputInterest, type OutputInterest, type WireEndpoint } from '../wire/index.ts';

export function registerIpc(core: WireEndpoint, isAppUrl: (url: string) => boolean, getWindow: () => BrowserWindow | undefined): () => void {
  const subscriptions = new Map<WebContents, () => void>();
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
    return frame !== null && frame === event.sender.mainFrame && isAppUrl(frame.url);
  }

  function untrusted(): Result<never> {
    return fail('unauthorized', 'This message did not come from the BooCode window.');
  }

  ipcMain.handle(ipcChannels.call, async (event, payload: unknown) => {
    if (!isTrusted(event)) return untrusted();
    if (typeof payload !== 'object' || payload === null) return fail('invalid-message', 'Expected { method, args }.');
    const { method, args } = payload as { method?: unknown; args?: unknown };
    interestOf(event.sender).note(method, args);
    return core.dispatch(method, args);
  });

  ipcMain.handle(ipcChannels.subscribe, async (event, position: unknown) => {
    if (!isTrusted(event)) return untrusted();
    const sender = event.sender;
    subscriptions.get(sender)?.();
    const interest = interestOf(sender);
    const { result, unsubscribe } = await core.api.subscribe(position as { afterSeq: number }, (message: SubscriptionMessage) => {
      if (message.kind === 'transient' && !interest.wants(message.event)) return;
      if (!sender.isDestroyed()) sender.send(ipcChannels.message, message);
    });
    if (!result.ok) return result;
    subscriptions.set(sender, unsubscribe);
    sender.once('destroyed', () => {
      subscriptions.get(sender)?.();
      subscriptions.delete(sender);
    });
    return result;
  });

  ipcMain.on(ipcChannels.unsubscribe, (event) => {
    if (!isTrusted(event)) return;
    subscriptions.get(event.sender)?.();
    subscriptions.delete(event.sender);
  });

  ipcMain.handle(ipcChannels.pickFolder, async (event) => {
    if (!isTrusted(event)) return untrusted();
    const window = getWindow();
    const options = { title: 'Open a project folder', properties: ['openDirectory' as const, 'createDirectory' as const] };
    const picked = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
    const path = picked.filePaths[0];
    if (picked.canceled || path === undefined) return null;
    return core.dispatch('projects.open', { path });
  });

  return () => {
    for (const unsubscribe of subscriptions.values()) unsubscribe();
    subscriptions.clear();
    for (const channel of [ipcChannels.call, ipcChannels.subscribe, ipcChannels.pickFolder]) ipcMain.removeHandler(channel);
    ipcMain.removeAllListeners(ipcChannels.unsubscribe);
  };
}
