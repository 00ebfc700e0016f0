/**
 * Maintenance mode against a real HAProxy running the lab's own haproxy.cfg
 * (written by resources/lab/scripts/haproxy.sh, see test-support/lab-haproxy.ts),
 * in front of two stand-in nodes on 127.0.32.1/2 whose /health/ready the test
 * flips. What clients get is read through the frontend, as a client would.
 */
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KeyturnError } from '../../shared/errors.ts';
import { enableServer, showServers, type HaproxyServer } from './haproxy.ts';
import { endMaintenance, enterMaintenance, maintenanceState, probeFrontend } from './haproxy-maintenance.ts';
import { freePort, waitUntil } from './test-support/daemon.ts';
import { startLabHaproxy, startNodesOnOnePort, type LabHaproxy, type TestNode } from './test-support/lab-haproxy.ts';

const MESSAGE = 'Keycloak is being upgraded; retry shortly';
let lb: LabHaproxy;
let api: string;
let nodes: TestNode[] = [];
const backend = 'keycloak';

beforeAll(async () => {
  const started = await startNodesOnOnePort(
    [
      { name: 'n1', address: '127.0.32.1' },
      { name: 'n2', address: '127.0.32.2' },
    ],
    (node, _req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(node.name),
  );
  nodes = started.nodes;
  lb = await startLabHaproxy('127.0.32.100', nodes, started.port);
  api = lb.socketPath;
  await waitForServers((s) => s.every((x) => x.status === 'UP'));
});

// Each test starts from both nodes ready and UP, even after one that failed half-way.
afterEach(async () => {
  for (const n of nodes) n.ready = true;
  for (const n of nodes) await enableServer(api, backend, n.name);
  await waitForServers((s) => s.every((x) => x.adminState === 'ready' && x.status === 'UP'));
});

afterAll(async () => {
  await lb?.stop();
  await Promise.all(nodes.map((n) => n.stop()));
});

async function waitForServers(ok: (servers: HaproxyServer[]) => boolean): Promise<HaproxyServer[]> {
  let last: HaproxyServer[] = [];
  await waitUntil(`haproxy server states (last: ${JSON.stringify(last)})`, async () => ok((last = await showServers(api, backend))), 20_000);
  return last;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request through the frontend with a fresh connection; a connection error rejects (and fails the test). */
function get(path = '/realms/lab/protocol/openid-connect/token'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${lb.frontendUrl.replace(/\/$/, '')}${path}`, { headers: { connection: 'close' }, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end();
  });
}

async function many(n: number): Promise<Answer[]> {
  const out: Answer[] = [];
  for (let i = 0; i < n; i++) out.push(await get());
  return out;
}

describe("the lab's maintenance answer", () => {
  it('is configured by haproxy.sh next to its health checks and runtime API', () => {
    expect(lb.config).toMatch(/^\s*http-error status 503 content-type text\/plain string "Keycloak is being upgraded; retry shortly" hdr Retry-After 30/m);
    expect(lb.config).toMatch(/option httpchk GET \/health\/ready/);
    expect(lb.config).toMatch(/stats socket \S+admin\.sock mode 600 level admin/);
    expect(lb.config).toMatch(/server-state-file /);
  });
});

describe('enterMaintenance', () => {
  it('answers every request with 503, Retry-After and the message at once, never a connection error, and reaches no node', async () => {
    expect(new Set((await many(6)).map((a) => `${a.status} ${a.body}`))).toEqual(new Set(['200 n1', '200 n2']));

    const entered = await enterMaintenance(api, backend, { frontendUrl: lb.frontendUrl });
    expect(entered).toEqual({ servers: ['n1', 'n2'], alreadyInMaintenance: [], frontend: { answered: true, status: 503, retryAfter: '30', message: MESSAGE } });
    expect((await showServers(api, backend)).map((s) => [s.name, s.adminState, s.status])).toEqual([['n1', 'maint', 'MAINT'], ['n2', 'maint', 'MAINT']]);

    const served = nodes.map((n) => n.served);
    const answers = await many(20);
    for (const a of answers) {
      expect(a.status).toBe(503);
      expect(a.headers['retry-after']).toBe('30');
      expect(a.headers['content-type']).toBe('text/plain');
      expect(a.body).toBe(MESSAGE);
    }
    expect(nodes.map((n) => n.served)).toEqual(served);
    expect(await maintenanceState(api, backend)).toEqual({ state: 'all', inMaintenance: ['n1', 'n2'], notInMaintenance: [] });

    // idempotent, as engine steps must be: a second call changes nothing and says both were already in maintenance
    expect(await enterMaintenance(api, backend)).toEqual({ servers: ['n1', 'n2'], alreadyInMaintenance: ['n1', 'n2'], frontend: null });
  });

  it('reports a server an operator had put in maintenance before', async () => {
    await enterMaintenance(api, backend);
    await enableServer(api, backend, 'n1');
    expect(await enterMaintenance(api, backend)).toMatchObject({ servers: ['n1', 'n2'], alreadyInMaintenance: ['n2'] });
  });

  it('refuses a bad frontend URL or backend before changing anything', async () => {
    await expect(enterMaintenance(api, backend, { frontendUrl: 'https://127.0.32.100/' })).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('plain HTTP') });
    await expect(enterMaintenance(api, backend, { frontendUrl: 'not a url' })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(enterMaintenance(api, 'nope')).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining("no backend 'nope'") });
    expect(await maintenanceState(api, backend)).toEqual({ state: 'none', inMaintenance: [], notInMaintenance: ['n1', 'n2'] });
  });
});

describe('endMaintenance', () => {
  it("waits until HAProxy's own checks see every server UP, then both nodes serve", async () => {
    await enterMaintenance(api, backend);
    const polls: string[][] = [];
    const back = await endMaintenance(api, backend, ['n1', 'n2'], { timeoutMs: 20_000, intervalMs: 50, onPoll: (s) => polls.push(s.map((x) => x.status)) });
    expect(back.servers.map((s) => [s.name, s.adminState, s.operationalState, s.status])).toEqual([['n1', 'ready', 'running', 'UP'], ['n2', 'ready', 'running', 'UP']]);
    expect(back.forcedUp).toEqual([]);
    // Nothing was proven ready by the caller: the first poll, right after leaving maintenance, is before HAProxy's rise checks passed.
    expect(polls[0]).not.toEqual(['UP', 'UP']);
    expect(polls.at(-1)).toEqual(['UP', 'UP']);
    expect(new Set((await many(6)).map((a) => `${a.status} ${a.body}`))).toEqual(new Set(['200 n1', '200 n2']));
    expect(await maintenanceState(api, backend)).toEqual({ state: 'none', inMaintenance: [], notInMaintenance: ['n1', 'n2'] });
  });

  it('sets a server the caller proved ready UP at once, without waiting for rise checks; HAProxy keeps checking the others', async () => {
    await enterMaintenance(api, backend);
    const polls: string[][] = [];
    // A 10-minute poll interval: only a server already plain UP at the first poll lets this return.
    const back = await endMaintenance(api, backend, ['n1'], { timeoutMs: 600_000, intervalMs: 600_000, provenReady: ['n1'], onPoll: (s) => polls.push(s.map((x) => x.status)) });
    expect(back.forcedUp).toEqual(['n1']);
    expect(polls).toEqual([['UP']]);
    expect((await many(4)).map((a) => `${a.status} ${a.body}`)).toEqual(Array(4).fill('200 n1'));
    // n2 is still in maintenance: no request reached it.
    expect(await maintenanceState(api, backend)).toEqual({ state: 'partial', inMaintenance: ['n2'], notInMaintenance: ['n1'] });
  });

  it("a server set UP that then fails HAProxy's own checks is taken out again: its checks keep watching", async () => {
    await enterMaintenance(api, backend);
    nodes[0]!.ready = false; // the node turns unready right after the caller saw it ready
    const back = await endMaintenance(api, backend, ['n1'], { timeoutMs: 20_000, provenReady: ['n1'] });
    expect(back.forcedUp).toEqual(['n1']);
    const down = await waitForServers((s) => s.find((x) => x.name === 'n1')?.status === 'DOWN');
    expect(down.find((x) => x.name === 'n1')?.lastCheck).toMatch(/L7STS 503/);
  });

  it('times out naming the server whose check fails and why; the healthy one serves meanwhile', async () => {
    await enterMaintenance(api, backend);
    nodes[1]!.ready = false;
    const err = await endMaintenance(api, backend, ['n1', 'n2'], { timeoutMs: 3000, intervalMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyturnError);
    const e = err as KeyturnError;
    expect(e.code).toBe('timeout');
    expect(e.message).toMatch(/did not see n2 UP within 3000 ms: n2 is DOWN/);
    expect(e.message).toMatch(/last check: L7STS 503/);
    expect(e.message).not.toMatch(/n1 is/);
    expect(e.hint).toMatch(/health\/ready/);
    expect((await many(4)).map((a) => `${a.status} ${a.body}`)).toEqual(Array(4).fill('200 n1'));

    nodes[1]!.ready = true; // the node recovers: ending again completes
    await endMaintenance(api, backend, ['n1', 'n2'], { timeoutMs: 20_000 });
  });

  it('stops waiting when the signal aborts', async () => {
    await enterMaintenance(api, backend);
    nodes[0]!.ready = false;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    // Only an abort that cuts the 10-minute wait short lets this return inside the test's timeout.
    await expect(endMaintenance(api, backend, ['n1'], { timeoutMs: 600_000, intervalMs: 600_000, signal: controller.signal })).rejects.toMatchObject({ code: 'aborted' });
  });

  it('refuses an empty list and names an unknown server', async () => {
    await expect(endMaintenance(api, backend, [], { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(endMaintenance(api, backend, ['n9'], { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining("no server 'n9'") });
  });
});

describe('maintenanceState', () => {
  it('tells all, none and partial apart, optionally for given servers only', async () => {
    expect(await maintenanceState(api, backend)).toEqual({ state: 'none', inMaintenance: [], notInMaintenance: ['n1', 'n2'] });
    await enterMaintenance(api, backend);
    await enableServer(api, backend, 'n1'); // a crash half-way out of maintenance
    expect(await maintenanceState(api, backend)).toEqual({ state: 'partial', inMaintenance: ['n2'], notInMaintenance: ['n1'] });
    expect(await maintenanceState(api, backend, { servers: ['n2'] })).toEqual({ state: 'all', inMaintenance: ['n2'], notInMaintenance: [] });
    await expect(maintenanceState(api, backend, { servers: ['n9'] })).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining('n9') });
    await expect(maintenanceState(api, 'nope')).rejects.toMatchObject({ code: 'not-found' });
  });
});

describe('probeFrontend', () => {
  it('reports a frontend that serves, and one that refuses the connection', async () => {
    expect(await probeFrontend(lb.frontendUrl)).toMatchObject({ answered: true, status: 200, retryAfter: null });
    const closed = await freePort('127.0.32.100');
    expect(await probeFrontend(`http://127.0.32.100:${closed}/`)).toEqual({ answered: false, error: 'ECONNREFUSED' });
  });
});
