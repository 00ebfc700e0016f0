/**
 * The renderer's only door to main. In Electron it is the frozen
 * `window.keyturn` from preload; in browser mode the same API is built over
 * the token-protected WebSocket bridge. Components never know which.
 */
import { channels, maxCallPayloadBytes, splitChannel, type Channel, type KeyturnApi, type RunEvent } from '../../../shared/contract/index.ts';
import { bridgePath, type BridgeMessage } from '../../../shared/contract/bridge-protocol.ts';
import type { KeyturnErrorShape } from '../../../shared/errors.ts';

declare global {
  interface Window {
    keyturn?: KeyturnApi;
  }
}

type Reply = Extract<BridgeMessage, { type: 'reply' }>['envelope'];

/** Thrown by `unwrap` so react-query sees a failed query with a typed error. */
export class CallError extends Error implements KeyturnErrorShape {
  readonly code: KeyturnErrorShape['code'];
  readonly hint: string;
  readonly details?: unknown;
  constructor(shape: KeyturnErrorShape) {
    super(shape.message);
    this.code = shape.code;
    this.hint = shape.hint;
    this.details = shape.details;
  }
}

/** The token of this page load, in memory only (never in storage a script could read later). */
let launchToken: string | null = null;

/**
 * Browser mode: takes `?token=` out of the address bar as soon as the page
 * runs, so it does not stay in history, bookmarks, screenshots or a shared
 * screen. The server already left an HttpOnly cookie scoped to this port, so
 * the socket and every reload authenticate without it; the copy kept in
 * memory covers the first connection only. Call before anything renders.
 */
export function takeTokenFromAddressBar(): void {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (!token) return;
  launchToken = token;
  url.searchParams.delete('token');
  window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
}

const tooLarge = (channel: Channel): Reply => ({
  ok: false,
  error: { code: 'invalid-input', message: `The request for ${channel} is larger than 1 MiB, the most one call may carry.`, hint: 'Shorten the longest fields and submit again. Nothing was saved.' },
});

/** Builds `KeyturnApi` over the WebSocket bridge, reconnecting if main restarts. */
function createBridgeApi(): KeyturnApi {
  const pending = new Map<number, (reply: Reply) => void>();
  const listeners = new Set<(e: RunEvent) => void>();
  let nextId = 1;
  let socket: WebSocket | null = null;
  let opened: Promise<WebSocket> | null = null;

  const connect = (): Promise<WebSocket> => {
    if (opened) return opened;
    opened = new Promise((resolve, reject) => {
      const proto = window.location.protocol === 'https:' ? 'wss' : 'ws';
      const query = launchToken ? `?token=${encodeURIComponent(launchToken)}` : '';
      const ws = new WebSocket(`${proto}://${window.location.host}${bridgePath}${query}`);
      ws.onopen = () => {
        socket = ws;
        resolve(ws);
      };
      ws.onerror = () => reject(new Error('bridge connection failed'));
      ws.onclose = () => {
        socket = null;
        opened = null;
        for (const [id, done] of pending) {
          pending.delete(id);
          done({ ok: false, error: { code: 'internal', message: 'The connection to Keyturn was lost.', hint: 'Check that the Keyturn process is still running, then reload the page.' } });
        }
      };
      ws.onmessage = (msg) => {
        const frame = JSON.parse(String(msg.data)) as BridgeMessage;
        if (frame.type === 'reply') {
          pending.get(frame.id)?.(frame.envelope);
          pending.delete(frame.id);
        } else if (frame.type === 'event') {
          for (const l of listeners) l(frame.payload as RunEvent);
        }
      };
    });
    return opened;
  };

  const call = async (channel: Channel, input: unknown): Promise<Reply> => {
    let ws: WebSocket;
    try {
      ws = socket ?? (await connect());
    } catch {
      return { ok: false, error: { code: 'unauthorized', message: 'Could not reach the Keyturn console service.', hint: 'Open the exact URL Keyturn printed (it carries the access token), and make sure Keyturn is running.' } };
    }
    const id = nextId++;
    const frame = JSON.stringify({ type: 'call', id, channel, input });
    // Refused here with the same typed error main gives, instead of the socket being closed on us.
    if (frame.length > maxCallPayloadBytes || new TextEncoder().encode(frame).length > maxCallPayloadBytes) return tooLarge(channel);
    return new Promise<Reply>((resolve) => {
      pending.set(id, resolve);
      ws.send(frame);
    });
  };

  const api: Record<string, unknown> = {
    onEvent(listener: (e: RunEvent) => void) {
      listeners.add(listener);
      void connect().catch(() => undefined);
      return () => listeners.delete(listener);
    },
  };
  for (const channel of channels) {
    const [domain, verb] = splitChannel(channel);
    const group = (api[domain] ??= {}) as Record<string, unknown>;
    group[verb] = (input?: unknown) => call(channel, input);
  }
  return api as unknown as KeyturnApi;
}

let cached: KeyturnApi | null = null;

/** The API for this window: preload's in Electron, the bridge's in a browser. */
export function api(): KeyturnApi {
  cached ??= window.keyturn ?? createBridgeApi();
  return cached;
}

/** Unwraps an envelope for react-query: data, or a thrown `CallError`. */
export async function unwrap<T>(p: Promise<{ ok: true; data: T } | { ok: false; error: KeyturnErrorShape }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new CallError(r.error);
  return r.data;
}
