/**
 * The renderer's only door to main. In Electron it is the frozen
 * `window.keyturn` from preload; in browser mode the same API is built over
 * the token-protected WebSocket bridge. Components never know which.
 */
import { channels, splitChannel, type Channel, type KeyturnApi, type RunEvent } from '../../../shared/contract/index.ts';
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

function bridgeToken(): string {
  const fromUrl = new URLSearchParams(window.location.search).get('token');
  if (fromUrl) {
    sessionStorage.setItem('keyturn.token', fromUrl);
    return fromUrl;
  }
  return sessionStorage.getItem('keyturn.token') ?? '';
}

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
      const ws = new WebSocket(`${proto}://${window.location.host}${bridgePath}?token=${encodeURIComponent(bridgeToken())}`);
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
    return new Promise<Reply>((resolve) => {
      pending.set(id, resolve);
      ws.send(JSON.stringify({ type: 'call', id, channel, input }));
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
