/**
 * Draining the colour traffic left, against a real HAProxy: clients that keep
 * the old answer for a while after the switch show up in its counters, and
 * the drain says when the last of them came.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyturnError } from '../../shared/errors.ts';
import { freePort, makeTempDir, sleep, type Daemon } from '../tools/test-support/daemon.ts';
import { runHaproxyConfig } from '../tools/test-support/haproxy.ts';
import { startHttpServer, type TestHttpServer } from '../tools/test-support/http-server.ts';
import { drainOldColour } from './traffic-drain.ts';

const FRONT = '127.0.36.22';
let tmp: { dir: string; remove(): Promise<void> };
let haproxy: Daemon;
let blue: TestHttpServer;
let api: string;
let port: number;

beforeAll(async () => {
  blue = await startHttpServer('127.0.36.23', (_req, res) => res.writeHead(200).end('blue'));
  tmp = await makeTempDir('traffic-drain');
  api = join(tmp.dir, 'admin.sock');
  port = await freePort(FRONT);
  haproxy = await runHaproxyConfig(tmp, [
    'global', `  stats socket ${api} mode 600 level admin`,
    'defaults', '  mode http', '  timeout connect 2s', '  timeout client 10s', '  timeout server 10s',
    'frontend fe', `  bind ${FRONT}:${port}`, '  default_backend blue',
    'backend blue', `  server b1 ${blue.address}:${blue.port}`,
    'backend quiet', `  server q1 ${blue.address}:${blue.port}`,
    '',
  ].join('\n'), { address: FRONT, port, socketPath: api });
});

afterAll(async () => {
  await haproxy?.stop();
  await tmp?.remove();
  await blue?.stop();
});

const get = () => new Promise<void>((resolve) => {
  const req = request({ host: FRONT, port, path: '/', agent: false, headers: { connection: 'close' } }, (res) => { res.resume(); res.on('end', resolve); });
  req.on('error', () => resolve());
  req.end();
});

describe('drainOldColour', () => {
  it('counts the sessions that still reached the old colour after the switch and says when the last one came', async () => {
    await get();
    const switchedAt = new Date();
    // A client that holds the old DNS answer for about 2 s more.
    const straggler = (async () => {
      while (Date.now() - switchedAt.getTime() < 2000) {
        await get();
        await sleep(100);
      }
    })();
    const readings: number[] = [];
    const r = await drainOldColour({ runtimeApi: api, backend: 'blue', switchedAt, waitSeconds: 5, pollMs: 250, onReading: (x) => readings.push(x.totalSessions) });
    await straggler;
    expect(r.sessionsAfterSwitch).toBeGreaterThan(5);
    expect(r.lastRequestAfterSwitchSeconds).toBeGreaterThanOrEqual(1);
    expect(r.lastRequestAfterSwitchSeconds).toBeLessThanOrEqual(3);
    expect(r.stillReceiving).toBe(false);
    expect(r.waitedSeconds).toBeGreaterThanOrEqual(5);
    expect(readings.length).toBeGreaterThan(3);
  });

  it('says 0 s when nothing reached the old colour after the switch, and null for a backend that never had a session', async () => {
    await get();
    await sleep(1100);
    const r = await drainOldColour({ runtimeApi: api, backend: 'blue', switchedAt: new Date(), waitSeconds: 1, pollMs: 250 });
    expect(r).toMatchObject({ sessionsAfterSwitch: 0, lastRequestAfterSwitchSeconds: 0, stillReceiving: false });
    const quiet = await drainOldColour({ runtimeApi: api, backend: 'quiet', switchedAt: new Date(), waitSeconds: 0.5, pollMs: 250 });
    expect(quiet.lastRequestAfterSwitchSeconds).toBeNull();
  });

  it('stops at once on abort with an error saying where traffic points', async () => {
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 300);
    const err = await drainOldColour({ runtimeApi: api, backend: 'blue', switchedAt: new Date(), waitSeconds: 60, pollMs: 250, signal: ctl.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyturnError);
    expect((err as KeyturnError).code).toBe('aborted');
    expect((err as KeyturnError).hint).toMatch(/new colour/);
  });
});
