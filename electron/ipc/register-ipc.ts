/**
 * Electron IPC for the handler registry: one `ipcMain.handle` per contract
 * channel, each behind a sender check (only our own window, loaded from our
 * own app:// origin, may call), then the shared dispatch (schema parse ->
 * service -> envelope). Run events are pushed to trusted windows only.
 */
import { ipcMain, type BrowserWindow, type WebFrameMain } from 'electron';
import { channels, eventChannel } from '../../shared/contract/index.ts';
import { isAppUrl, isTrustedSender } from '../guards/window-guards.ts';
import { dispatch, type Handlers } from '../registry/dispatch.ts';
import type { EventBus } from '../runs/event-bus.ts';

/** True when the message comes from the main frame of one of our windows showing our own UI (see guards/window-guards.ts). */
function fromOurWindow(frame: WebFrameMain | null, windows: () => BrowserWindow[]): boolean {
  return isTrustedSender(frame, (f) => windows().some((w) => !w.isDestroyed() && w.webContents.mainFrame === f));
}

/** Registers every channel; returns a disposer that removes them and the event forwarding. */
export function registerIpc(handlers: Handlers, bus: EventBus, windows: () => BrowserWindow[]): () => void {
  for (const channel of channels) {
    ipcMain.handle(channel, async (event, input: unknown) => {
      if (!fromOurWindow(event.senderFrame, windows)) {
        return { ok: false, error: { code: 'unauthorized', message: 'This window may not call Keyturn.', hint: 'Only the Keyturn console window can use its API.' } };
      }
      return dispatch(handlers, channel, input, { transport: 'ipc' });
    });
  }
  const unsubscribe = bus.subscribe((e) => {
    for (const w of windows()) {
      if (!w.isDestroyed() && isAppUrl(w.webContents.getURL())) w.webContents.send(eventChannel, e);
    }
  });
  return () => {
    for (const channel of channels) ipcMain.removeHandler(channel);
    unsubscribe();
  };
}
