import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { openLedger } from '../ledger/open-ledger.ts';
import { clusterHandlers } from '../registry/cluster-handlers.ts';
import type { Handlers } from '../registry/dispatch.ts';
import { createClusterService } from '../services/cluster-service.ts';
import { EventBus } from '../services/event-bus.ts';
import { startBridge, type BridgeServer } from './server.ts';

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

function openSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
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
    expect((await fetch(`${base()}/`, { headers: { cookie: 'keyturn_token=wrong' } })).status).toBe(401);
  });

  it('serves the page with the token, sets a strict cookie for its assets, sends a CSP and no CORS', async () => {
    const res = await fetch(`${base()}/?token=${bridge.token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const asset = await fetch(`${base()}/app.js`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(asset.status).toBe(200);
    expect(await asset.text()).toBe('console.log(1)');
  });

  it('never serves files outside the renderer directory', async () => {
    const res = await fetch(`${base()}/..%2f..%2f..%2fetc%2fpasswd?token=${bridge.token}`);
    expect(res.status).toBe(404);
  });

  it('refuses WebSocket upgrades without the token or from a foreign origin', async () => {
    await expect(openSocket(`ws://127.0.0.1:${bridge.port}/bridge`)).rejects.toThrow(/401/);
    await expect(openSocket(`ws://127.0.0.1:${bridge.port}/bridge?token=nope`)).rejects.toThrow(/401/);
    await expect(openSocket(`ws://127.0.0.1:${bridge.port}/bridge?token=${bridge.token}`, { origin: 'http://evil.example' })).rejects.toThrow(/403/);
  });

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
