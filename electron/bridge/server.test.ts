import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { openLedger } from '../ledger/open-ledger.ts';
import { clusterHandlers } from '../registry/cluster-handlers.ts';
import type { Handlers } from '../registry/dispatch.ts';
import { createClusterService } from '../services/cluster-service.ts';
import { EventBus } from '../runs/event-bus.ts';
import { startBridge, type BridgeServer } from './server.ts';
import { tokenCookieName } from './token.ts';

let bridge: BridgeServer;
let root: string;
const bus = new EventBus();

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'keyturn-bridge-'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Keyturn</title>');
  writeFileSync(join(root, 'app.js'), 'console.log(1)');
  const db = openLedger(':memory:');
  const handlers = clusterHandlers({ db, clusters: createClusterService(db) } as never) as unknown as Handlers;
  bridge = await startBridge({ handlers, bus, staticRoot: root });
});
afterAll(async () => {
  await bridge.close();
  rmSync(root, { recursive: true, force: true });
});

const base = () => `http://127.0.0.1:${bridge.port}`;

/** A raw HTTP request, so Host and Origin are exactly what the test says (fetch may not set Host). */
function raw(method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: bridge.port, method, path, headers, setHost: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.once('error', reject);
    req.end();
  });
}

const own = () => ({ host: `127.0.0.1:${bridge.port}`, origin: base() });

function openSocket(url: string, headers: Record<string, string> = {}, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, ...options });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function call(ws: WebSocket, frame: unknown): Promise<{ type: string; id: number; envelope: { ok: boolean; data?: unknown; error?: { code: string } } }> {
  return new Promise((resolve) => {
    const onMessage = (raw: WebSocket.RawData) => {
      const msg = JSON.parse(raw.toString()) as { type: string; id: number; envelope: { ok: boolean } };
      if (msg.type === 'reply') {
        ws.off('message', onMessage);
        resolve(msg as never);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify(frame));
  });
}

describe('browser bridge token check', () => {
  it('listens on 127.0.0.1 only and prints a URL with the token', () => {
    expect(bridge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{40,}$/);
  });

  it('refuses HTTP without a token or with a wrong one (401)', async () => {
    expect((await fetch(`${base()}/`)).status).toBe(401);
    expect((await fetch(`${base()}/?token=wrong`)).status).toBe(401);
    expect((await fetch(`${base()}/app.js`)).status).toBe(401);
    expect((await fetch(`${base()}/`, { headers: { cookie: `${tokenCookieName(bridge.port)}=wrong` } })).status).toBe(401);
  });

  it('serves the page with the token, sets a strict cookie for its assets, sends a CSP and no CORS', async () => {
    const res = await fetch(`${base()}/?token=${bridge.token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\//);
    // cookies are not port-scoped: the name carries the port, so another launch's cookie is not ours
    expect(cookie.split('=')[0]).toBe(`keyturn_token_${bridge.port}`);
    const otherPort = `keyturn_token_${bridge.port + 1}=${encodeURIComponent(bridge.token)}`;
    expect((await fetch(`${base()}/app.js`, { headers: { cookie: otherPort } })).status).toBe(401);
    expect((await fetch(`${base()}/app.js`, { headers: { cookie: `keyturn_token=${encodeURIComponent(bridge.token)}` } })).status).toBe(401);
    const asset = await fetch(`${base()}/app.js`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(asset.status).toBe(200);
    expect(await asset.text()).toBe('console.log(1)');
  });

  it('never serves files outside the renderer directory', async () => {
    const res = await fetch(`${base()}/..%2f..%2f..%2fetc%2fpasswd?token=${bridge.token}`);
    expect(res.status).toBe(404);
  });

  it('refuses WebSocket upgrades without the token or from a foreign origin', async () => {
    await expect(openSocket(`ws://127.0.0.1:${bridge.port}/bridge`, { origin: base() })).rejects.toThrow(/401/);
    await expect(openSocket(`ws://127.0.0.1:${bridge.port}/bridge?token=nope`, { origin: base() })).rejects.toThrow(/401/);
    await expect(openSocket(`ws://127.0.0.1:${bridge.port}/bridge?token=${bridge.token}`, { origin: 'http://evil.example' })).rejects.toThrow(/403/);
    await expect(openSocket(`ws://127.0.0.1:${bridge.port}/bridge?token=${bridge.token}`, { origin: `http://127.0.0.1:${bridge.port + 1}` })).rejects.toThrow(/403/);
    await expect(openSocket(`ws://127.0.0.1:${bridge.port}/bridge?token=${bridge.token}`, { origin: 'null' })).rejects.toThrow(/403/);
  });

  it('refuses a WebSocket upgrade without an Origin, even with the token', async () => {
    // ws sends no Origin unless told to
    await expect(openSocket(`ws://127.0.0.1:${bridge.port}/bridge?token=${bridge.token}`)).rejects.toThrow(/403/);
  });

  it('accepts the socket through the cookie alone, as the page does after a reload', async () => {
    const ws = await openSocket(`ws://127.0.0.1:${bridge.port}/bridge`, { origin: base(), cookie: `${tokenCookieName(bridge.port)}=${encodeURIComponent(bridge.token)}` });
    const list = await call(ws, { type: 'call', id: 1, channel: 'clusters:list' });
    expect(list.envelope.ok).toBe(true);
    ws.close();
  });
});

describe('browser bridge against DNS rebinding and cross-site requests', () => {
  it('answers only to its own Host header on HTTP (421 otherwise), before looking at the token', async () => {
    const path = `/?token=${bridge.token}`;
    expect((await raw('GET', path, { host: `127.0.0.1:${bridge.port}` })).status).toBe(200);
    expect((await raw('GET', path, { host: `localhost:${bridge.port}` })).status).toBe(200);
    expect((await raw('GET', path, { host: `LOCALHOST:${bridge.port}` })).status).toBe(200);
    for (const host of [`evil.example:${bridge.port}`, 'evil.example', '127.0.0.1', `127.0.0.1:${bridge.port + 1}`, `127.0.0.1.nip.example:${bridge.port}`, `[::1]:${bridge.port}`]) {
      const res = await raw('GET', path, { host });
      expect(res.status, host).toBe(421);
      expect(res.body).toMatch(/Misdirected/);
    }
    // no Host at all: Node's HTTP server itself answers 400 before the request reaches Keyturn
    expect((await raw('GET', path, {})).status).toBe(400);
  });

  it('answers only to its own Host header on WebSocket upgrades (421)', async () => {
    await expect(openSocket(`ws://127.0.0.1:${bridge.port}/bridge?token=${bridge.token}`, { origin: base(), host: `rebind.evil.example:${bridge.port}` })).rejects.toThrow(/421/);
    const ws = await openSocket(`ws://127.0.0.1:${bridge.port}/bridge?token=${bridge.token}`, { origin: `http://localhost:${bridge.port}`, host: `localhost:${bridge.port}` });
    ws.close();
  });

  it('refuses state-changing HTTP requests with a foreign or missing Origin (403), and has none of its own (405)', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      expect((await raw(method, `/?token=${bridge.token}`, { host: own().host })).status, `${method} without Origin`).toBe(403);
      expect((await raw(method, `/?token=${bridge.token}`, { host: own().host, origin: 'http://evil.example' })).status, `${method} foreign`).toBe(403);
      expect((await raw(method, `/?token=${bridge.token}`, own())).status, `${method} own`).toBe(405);
    }
    // reads stay possible without an Origin (a browser sends none on navigation)
    expect((await raw('GET', `/?token=${bridge.token}`, { host: own().host })).status).toBe(200);
  });
});

describe('browser bridge token strength', () => {
  it('refuses a KEYTURN_TOKEN shorter than 32 bytes, and accepts one of 32', async () => {
    await expect(startBridge({ handlers: {} as Handlers, bus, staticRoot: root, token: 'short' })).rejects.toMatchObject({ code: 'invalid-input', message: /5 bytes.*at least 32/ });
    await expect(startBridge({ handlers: {} as Handlers, bus, staticRoot: root, token: 'a'.repeat(31) })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(startBridge({ handlers: {} as Handlers, bus, staticRoot: root, token: 'é'.repeat(15) + 'ab' })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(startBridge({ handlers: {} as Handlers, bus, staticRoot: root, token: `${'a'.repeat(31)};` })).rejects.toMatchObject({ code: 'invalid-input' });
    const ok = await startBridge({ handlers: {} as Handlers, bus, staticRoot: root, token: 'A'.repeat(32) });
    expect((await fetch(`http://127.0.0.1:${ok.port}/?token=${'A'.repeat(32)}`)).status).toBe(200);
    await ok.close();
  });
});

describe('browser bridge payload limit', () => {
  it('answers a frame over 1 MiB with a typed error, and closes the socket on one over 2 MiB', async () => {
    const ws = await openSocket(`ws://127.0.0.1:${bridge.port}/bridge?token=${bridge.token}`, { origin: base() });
    const big = await call(ws, { type: 'call', id: 7, channel: 'clusters:register', input: { spec: { description: 'x'.repeat(1.5 * 1024 * 1024) } } });
    expect(big).toMatchObject({ id: 7, envelope: { ok: false, error: { code: 'invalid-input', message: /at most 1048576/ } } });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ type: 'call', id: 8, channel: 'clusters:list', input: { x: 'y'.repeat(3 * 1024 * 1024) } }));
    expect(await closed).toBe(1009);
  });
});

describe('browser bridge registry', () => {

  it('runs calls through the same registry, validates input and pushes events', async () => {
    const ws = await openSocket(`ws://127.0.0.1:${bridge.port}/bridge?token=${bridge.token}`, { origin: base() });
    const reg = await call(ws, { type: 'call', id: 1, channel: 'clusters:register', input: { spec: sampleSpec() } });
    expect(reg.envelope.ok).toBe(true);
    const list = await call(ws, { type: 'call', id: 2, channel: 'clusters:list' });
    expect(list).toMatchObject({ id: 2, envelope: { ok: true } });
    expect((list.envelope.data as { name: string }[]).map((c) => c.name)).toEqual(['acme-prod']);
    const bad = await call(ws, { type: 'call', id: 3, channel: 'clusters:register', input: { spec: { name: '../etc' } } });
    expect(bad.envelope).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    const malformed = await call(ws, { type: 'nonsense', id: 4 });
    expect(malformed.envelope).toMatchObject({ ok: false, error: { code: 'invalid-input' } });

    const got = new Promise<unknown>((resolve) => ws.once('message', (raw) => resolve(JSON.parse(raw.toString()))));
    bus.emit({ runId: '00000000-0000-4000-8000-000000000000', seq: 0, at: new Date().toISOString(), source: 'engine', node: null, level: 'info', kind: 'test', data: {} });
    expect(await got).toMatchObject({ type: 'event', channel: 'runs:event', payload: { kind: 'test' } });
    ws.close();
  });
});
