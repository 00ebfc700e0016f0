/**
 * Preload: exposes one frozen `window.keyturn` of named functions built from
 * the contract's channel list. There is no generic `invoke(channel)` and no
 * raw ipcRenderer in the page. Bundled to CommonJS because the renderer runs
 * sandboxed.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { channels, eventChannel, splitChannel } from '../../shared/contract/index.ts';

const api: Record<string, unknown> = {};
for (const channel of channels) {
  const [domain, verb] = splitChannel(channel);
  const group = (api[domain] ??= {}) as Record<string, unknown>;
  group[verb] = (input?: unknown) => ipcRenderer.invoke(channel, input);
}
for (const group of Object.values(api)) Object.freeze(group);
api.onEvent = (listener: (e: unknown) => void) => {
  const wrapped = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
  ipcRenderer.on(eventChannel, wrapped);
  return () => {
    ipcRenderer.removeListener(eventChannel, wrapped);
  };
};

contextBridge.exposeInMainWorld('keyturn', Object.freeze(api));
