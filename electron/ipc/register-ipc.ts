/**
 * Electron IPC for the handler registry: one `ipcMain.handle` per contract
 * channel, each behind a sender check (only our own window, loaded from our
 * own app:// origin, may call), then the shared dispatch (schema parse ->
 * service -> envelope). Run events are pushed to trusted windows only.
 */
import { ipcMain, type BrowserWindow, type WebFrameMain } from 'electron';
import { channels, eventChannel } from '../../shared/contract/index.ts';
import { dispatch, type Handlers } from '../registry/dispatch.ts';
import type { EventBus } from '../services/event-bus.ts';

export const appOrigin = 'app://keyturn';

/** True when the message comes from a frame showing our own UI. */
export function isTrustedSender(frame: WebFrameMain | null, windows: () => BrowserWindow[]): boolean {
  if (!frame) return false;
  let origin: string;
  try {
    origin = new URL(frame.url).origin;
  } catch {
    return false;
  }
  if (origin !== appOrigin) return false;
  return windows().some((w) => !w.isDestroyed() && w.webContents.mainFrame === frame);
}

/** Registers every channel; returns a disposer that removes them and the event forwarding. */
export function registerIpc(handlers: Handlers, bus: EventBus, windows: () => BrowserWindow[]): () => void {
  for (const channel of channels) {
    ipcMain.handle(channel, async (event, input: unknown) => {
      if (!isTrustedSender(event.senderFrame, windows)) {
        return { ok: false, error: { code: 'unauthorized', message: 'This window may not call Keyturn.', hint: 'Only the Keyturn console window can use its API.' } };
      }
      return dispatch(handlers, channel, input, { transport: 'ipc' });
    });
  }
  const unsubscribe = bus.subscribe((e) => {
    for (const w of windows()) {
      if (!w.isDestroyed() && new URL(w.webContents.getURL() || 'about:blank').origin === appOrigin) w.webContents.send(eventChannel, e);
    }
  });
  return () => {
    for (const channel of channels) ipcMain.removeHandler(channel);
    unsubscribe();
  };
}
