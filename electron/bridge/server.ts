/**
 * Browser mode: the built renderer and the same handler registry as Electron
 * IPC, served on 127.0.0.1 only. In order, every HTTP request and WebSocket
 * upgrade must:
 * - name us in its Host header (`127.0.0.1:<port>` or `localhost:<port>`,
 *   else 421): a DNS-rebinding page reaches 127.0.0.1 under its own name;
 * - if it can change state (any upgrade, any method but GET/HEAD), come from
 *   our own Origin (else 403): another site's page cannot drive the console;
 * - carry the per-launch token (`?token=` or this port's cookie, else 401).
 * No CORS headers are ever sent. Frames over about 1 MiB get a typed error.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { bridgePath, bridgeRequestSchema, type BridgeMessage } from '../../shared/contract/bridge-protocol.ts';
import { eventChannel, maxCallPayloadBytes } from '../../shared/contract/index.ts';
import { dispatch, type Handlers } from '../registry/dispatch.ts';
import type { EventBus } from '../runs/event-bus.ts';
import { readStatic, resolveStatic } from './static-files.ts';
import { assertUsableToken, newToken, tokenCookieName, tokenFromRequest, tokenMatches } from './token.ts';

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
/**
 * The socket's hard limit: twice the call limit, so a frame a little over
 * 1 MiB still gets a typed `invalid-input` reply (the renderer's client
 * refuses bigger ones before sending); beyond it `ws` closes the socket.
 */
const maxPayload = 2 * maxCallPayloadBytes;

/** The Host header values that name this server: anything else is DNS rebinding or a misdirected request. */
const ownHosts = (port: number) => [`${host}:${port}`, `localhost:${port}`];
/** The Origin of our own page, as a browser sends it. */
const ownOrigins = (port: number) => [`http://${host}:${port}`, `http://localhost:${port}`];

/** Host and Origin checks shared by HTTP and WebSocket; null when the request may go on to the token check. */
function checkCaller(req: IncomingMessage, port: number, changesState: boolean): { status: number; text: string } | null {
  const hostHeader = (req.headers.host ?? '').toLowerCase();
  if (!ownHosts(port).includes(hostHeader)) {
    return { status: 421, text: `Misdirected request: this Keyturn console answers only to http://${host}:${port}/.` };
  }
  if (changesState) {
    const origin = req.headers.origin;
    if (!origin || !ownOrigins(port).includes(origin.toLowerCase())) return { status: 403, text: 'Forbidden: requests that change state must come from the Keyturn console page itself.' };
  }
  return null;
}

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
  assertUsableToken(token);
  const wss = new WebSocketServer({ noServer: true, maxPayload });
  let port = 0;

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', `http://${host}`);
      const refused = checkCaller(req, port, req.method !== 'GET' && req.method !== 'HEAD');
      if (refused) {
        refuse(res, refused.status, refused.text);
        return;
      }
      if (!tokenMatches(token, tokenFromRequest(url, req.headers.cookie, port))) {
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
      // The renderer then takes the token out of the address bar (history.replaceState); reloads use the cookie.
      if (url.searchParams.has('token')) headers['set-cookie'] = `${tokenCookieName(port)}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : await readStatic(hit.file));
    })().catch(() => refuse(res, 500, 'Internal error'));
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    const refused = checkCaller(req, port, true);
    if (refused) return rejectUpgrade(socket, refused.status, refused.status === 421 ? 'Misdirected Request' : 'Forbidden');
    if (!tokenMatches(token, tokenFromRequest(url, req.headers.cookie, port))) return rejectUpgrade(socket, 401, 'Unauthorized');
    if (url.pathname !== bridgePath) return rejectUpgrade(socket, 404, 'Not Found');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    const send = (m: BridgeMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
    };
    const unsubscribe = opts.bus.subscribe((e) => send({ type: 'event', channel: eventChannel, payload: e }));
    ws.on('close', unsubscribe);
    // A frame over maxPayload (or a protocol violation) emits 'error' and ws closes the socket (1009);
    // without a listener that error would be thrown and take browser mode down.
    ws.on('error', () => undefined);
    ws.on('message', (raw) => {
      void (async () => {
        const size = Array.isArray(raw) ? raw.reduce((n, b) => n + b.length, 0) : raw instanceof ArrayBuffer ? raw.byteLength : raw.length;
        let frame: unknown;
        try {
          frame = JSON.parse(raw.toString());
        } catch {
          return; // not JSON: nothing to reply to
        }
        if (size > maxCallPayloadBytes) {
          const id = typeof (frame as { id?: unknown })?.id === 'number' ? (frame as { id: number }).id : -1;
          send({ type: 'reply', id, envelope: { ok: false, error: { code: 'invalid-input', message: `The request is ${size} bytes; one call may carry at most ${maxCallPayloadBytes} (1 MiB).`, hint: 'Send only the fields the call takes, with shorter values. Nothing was saved.', details: { limitBytes: maxCallPayloadBytes } } } });
          return;
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
