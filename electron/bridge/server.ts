/**
 * Browser mode: the built renderer and the same handler registry as Electron
 * IPC, served on 127.0.0.1 only. Every HTTP request and WebSocket upgrade
 * without the per-launch token is refused with 401; no CORS headers are ever
 * sent, and WebSocket upgrades from a foreign Origin are refused.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { bridgePath, bridgeRequestSchema, type BridgeMessage } from '../../shared/contract/bridge-protocol.ts';
import { eventChannel } from '../../shared/contract/index.ts';
import { dispatch, type Handlers } from '../registry/dispatch.ts';
import type { EventBus } from '../services/event-bus.ts';
import { readStatic, resolveStatic } from './static-files.ts';
import { newToken, tokenFromRequest, tokenMatches } from './token.ts';

export interface BridgeOptions {
  handlers: Handlers;
  bus: EventBus;
  /** Directory of the built renderer (dist/renderer). */
  staticRoot: string;
  port?: number;
  token?: string;
}

export interface BridgeServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const host = '127.0.0.1';
/** Large enough that an oversized field reaches validation and gets a typed error, not a dropped socket. */
const maxPayload = 32 * 1024 * 1024;

const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws://127.0.0.1:*; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

function refuse(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

/** Starts browser mode and resolves once it listens. */
export async function startBridge(opts: BridgeOptions): Promise<BridgeServer> {
  const token = opts.token ?? newToken();
  const wss = new WebSocketServer({ noServer: true, maxPayload });
  let port = 0;

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', `http://${host}`);
      if (!tokenMatches(token, tokenFromRequest(url, req.headers.cookie))) {
        refuse(res, 401, 'Unauthorized: open the exact URL Keyturn printed (it carries the access token).');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        refuse(res, 405, 'Method not allowed');
        return;
      }
      const hit = await resolveStatic(opts.staticRoot, url.pathname);
      if (!hit) {
        const indexMissing = !(await resolveStatic(opts.staticRoot, '/index.html'));
        refuse(res, indexMissing ? 503 : 404, indexMissing ? 'The console UI is not built: run `npm run build:renderer`.' : 'Not found');
        return;
      }
      const headers: Record<string, string> = {
        'content-type': hit.type,
        'content-security-policy': csp,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
      };
      // The page's own assets don't carry ?token=, so the first authorised load leaves a strict cookie.
      if (url.searchParams.has('token')) headers['set-cookie'] = `keyturn_token=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : await readStatic(hit.file));
    })().catch(() => refuse(res, 500, 'Internal error'));
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (!tokenMatches(token, tokenFromRequest(url, req.headers.cookie))) return rejectUpgrade(socket, 401, 'Unauthorized');
    if (url.pathname !== bridgePath) return rejectUpgrade(socket, 404, 'Not Found');
    const origin = req.headers.origin;
    if (origin && origin !== `http://${host}:${port}` && origin !== `http://localhost:${port}`) return rejectUpgrade(socket, 403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    const send = (m: BridgeMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
    };
    const unsubscribe = opts.bus.subscribe((e) => send({ type: 'event', channel: eventChannel, payload: e }));
    ws.on('close', unsubscribe);
    ws.on('message', (raw) => {
      void (async () => {
        let frame: unknown;
        try {
          frame = JSON.parse(raw.toString());
        } catch {
          return; // not JSON: nothing to reply to
        }
        const req = bridgeRequestSchema.safeParse(frame);
        if (!req.success) {
          const id = typeof (frame as { id?: unknown })?.id === 'number' ? (frame as { id: number }).id : -1;
          send({ type: 'reply', id, envelope: { ok: false, error: { code: 'invalid-input', message: 'Malformed bridge frame.', hint: 'Frames are {type:"call", id, channel, input}.' } } });
          return;
        }
        const envelope = await dispatch(opts.handlers, req.data.channel, req.data.input, { transport: 'bridge' });
        send({ type: 'reply', id: req.data.id, envelope });
      })();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
