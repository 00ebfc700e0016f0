/**
 * The availability prober against a real BIND 9 (test-support/named.ts, on
 * 127.0.40.53) that answers for `sso.lab.test`, and small Node token
 * endpoints on 127.0.40.2 and 127.0.40.4 standing in for a cluster's load
 * balancer. Counts are asserted within wide bounds, never exact timings:
 * the machine may be busy.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeTickSchema } from '../../shared/contract/index.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { listProbeSamples } from '../ledger/probe-samples-repo.ts';
import { listEvents } from '../ledger/runs-repo.ts';
import { invoke } from '../registry/dispatch.ts';
import { createHandlers } from '../registry/handlers.ts';
import { createServices, type Services } from '../registry/services.ts';
import { updateRecord } from '../tools/dns.ts';
import { startNamed, type TestNamed } from '../tools/test-support/named.ts';
import { inNetworks, parseCidr } from './probe-request.ts';
import { labProbeTarget, startProber, type ProberOptions } from './prober.ts';
import { beginRun } from '../runs/run-recorder.ts';

const SECRET = 'probe-client-secret-4e1b';
let named: TestNamed;
let home: string;
let s: Services;
let scope = 0;
/** Every run a test began: finished before the ledger closes, so no lock heartbeat fires on a closed database. */
const recorders: ReturnType<typeof beginRun>[] = [];

/** A token endpoint whose behaviour a test flips mid-run. */
interface TokenServer {
  address: string;
  port: number;
  mode: 'ok' | '503' | 'hang';
  received: number;
  open: number;
  maxOpen: number;
  hosts: Set<string>;
  stop(): Promise<void>;
}
const servers: TokenServer[] = [];

/** Listens on `address` and `port` (0: a free one); same port on two addresses plays blue and green. */
async function tokenServer(address: string, port = 0): Promise<TokenServer> {
  const state = { address, port, mode: 'ok', received: 0, open: 0, maxOpen: 0, hosts: new Set<string>() } as TokenServer;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.received++;
    state.open++;
    state.maxOpen = Math.max(state.maxOpen, state.open);
    state.hosts.add(req.headers.host ?? '');
    res.on('close', () => state.open--);
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (state.mode === 'hang') return;
      if (state.mode === '503') return void res.writeHead(503).end('unavailable');
      const form = new URLSearchParams(body);
      const good = req.url === '/realms/lab/protocol/openid-connect/token' && form.get('grant_type') === 'client_credentials' && form.get('client_secret') === SECRET;
      setTimeout(() => res.writeHead(good ? 200 : 401, { 'content-type': 'application/json' }).end(good ? '{"access_token":"eyJ.x.y","expires_in":60}' : '{"error":"unauthorized_client"}'), 3);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve());
  });
  state.port = (server.address() as { port: number }).port;
  let stopped = false;
  state.stop = () => {
    if (stopped) return Promise.resolve();
    stopped = true;
    return new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  };
  servers.push(state);
  return state;
}

const pointName = (address: string) =>
  updateRecord({ server: named.server, port: named.port, zone: named.zone, name: 'sso.lab.test', type: 'A', value: address, ttl: 1, tsigKeyFile: named.key.file });

function probe(port: number, over: Partial<ProberOptions> = {}) {
  const rec = beginRun({ db: s.db, bus: s.bus, owner: s.owner }, `probe-test-${scope++}`, { clusterId: null, kind: 'probe-test' }, []);
  recorders.push(rec);
  const prober = startProber({
    db: s.db,
    runId: rec.runId,
    events: rec,
    target: { url: `http://sso.lab.test:${port}/realms/lab/protocol/openid-connect/token`, dns: { server: named.server, port: named.port }, clientId: 'lab-client', clientSecret: SECRET, allowedNetworks: ['127.0.40.0/24'] },
    maxDurationMs: 3000,
    ...over,
  });
  return { rec, prober, runId: rec.runId };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  named = await startNamed('127.0.40.53');
  home = mkdtempSync(join(tmpdir(), 'keyturn-probe-'));
  s = createServices({ home, mode: 'cli' });
});

afterAll(async () => {
  for (const srv of servers) await srv.stop();
  for (const rec of recorders) rec.succeed();
  s?.close();
  await named?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('startProber against a healthy endpoint', () => {
  it('probes at about the rate, all ok, persisted in batches with one probe.tick per batch, and stops by itself', async () => {
    const srv = await tokenServer('127.0.40.2');
    await pointName('127.0.40.2');
    const { prober, runId } = probe(srv.port, { maxDurationMs: 3000 });
    const summary = await prober.done;

    // 3 s at 20/s is 60 requests: it made many (a busy machine makes fewer, so only a low floor), and never more than the rate allows
    expect(summary.requests).toBeGreaterThanOrEqual(10);
    expect(summary.requests).toBeLessThanOrEqual(70);
    expect(summary).toMatchObject({ failed: 0, failuresByReason: {} });
    expect(summary.ok).toBe(summary.requests);
    expect(summary.p50Ms).toBeGreaterThan(0);
    expect(summary.p99Ms!).toBeGreaterThanOrEqual(summary.p50Ms!);
    expect(summary.maxMs!).toBeGreaterThanOrEqual(summary.p99Ms!);
    expect(srv.received).toBe(summary.requests);
    expect([...srv.hosts]).toEqual([`sso.lab.test:${srv.port}`]); // the public name, as a client sends it

    const samples = listProbeSamples(s.db, runId);
    expect(samples).toHaveLength(summary.requests);
    expect(new Set(samples.map((x) => x.address))).toEqual(new Set(['127.0.40.2']));

    const counters = prober.counters();
    expect(counters.batches).toBeGreaterThanOrEqual(1);
    expect(counters.batches).toBeLessThanOrEqual(6); // about one per second, not one per request
    expect(counters.batches).toBeLessThan(summary.requests);
    const ticks = listEvents(s.db, runId).filter((e) => e.kind === 'probe.tick');
    expect(ticks).toHaveLength(counters.batches);
    for (const t of ticks) {
      expect(t.source).toBe('probe');
      probeTickSchema.parse(t.data);
    }
    expect(ticks.reduce((n, t) => n + (t.data.ok as number), 0)).toBe(summary.ok);
    expect(JSON.stringify(listEvents(s.db, runId))).not.toContain(SECRET);

    // stopped for good: nothing more is written
    await sleep(1200);
    expect(listProbeSamples(s.db, runId)).toHaveLength(summary.requests);
    expect(srv.received).toBe(summary.requests);
  });

  it('answers runs:probeSummary and runs:probeSeries from the ledger with the same figures', async () => {
    const srv = servers[0]!;
    const { prober, runId } = probe(srv.port, { maxDurationMs: 2000 });
    const live = await prober.done;
    const handlers = createHandlers(s);
    expect(await invoke(handlers, 'runs:probeSummary', { runId })).toEqual(live);
    const series = await invoke(handlers, 'runs:probeSeries', { runId });
    expect(series.length).toBeGreaterThanOrEqual(2);
    expect(series.reduce((n, b) => n + b.ok + b.failed, 0)).toBe(live.requests);
    for (let i = 1; i < series.length; i++) expect(series[i]!.t - series[i - 1]!.t).toBe(1000);
    const later = await invoke(handlers, 'runs:probeSeries', { runId, sinceMs: series[1]!.t });
    expect(later).toEqual(series.slice(1));
    await expect(invoke(handlers, 'runs:probeSummary', { runId: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('stops on its AbortSignal well before its max duration', async () => {
    const ac = new AbortController();
    const { prober } = probe(servers[0]!.port, { maxDurationMs: 60_000, signal: ac.signal });
    await sleep(800);
    ac.abort();
    const summary = await prober.done;
    expect(summary.requests).toBeGreaterThan(0);
    expect(summary.requests).toBeLessThan(200); // 60 s would be ~1200
  });
});

describe('startProber when things go wrong', () => {
  it('follows the DNS record to the address clients are switched to (blue/green)', async () => {
    const blue = servers[0]!;
    const green = await tokenServer('127.0.40.4', blue.port);
    await pointName(blue.address);
    const { prober, runId } = probe(blue.port, { maxDurationMs: 3500 });
    await sleep(1200);
    await pointName(green.address); // TTL 1 s, and the prober asks the server itself: no cache in between
    const summary = await prober.done;
    expect(summary.failed).toBe(0);
    const addresses = listProbeSamples(s.db, runId).map((x) => x.address);
    expect(addresses).toContain('127.0.40.2');
    expect(addresses).toContain('127.0.40.4');
    // once switched, it stays switched
    expect(addresses.slice(addresses.indexOf('127.0.40.4'))).not.toContain('127.0.40.2');
    expect(green.received).toBeGreaterThan(0);
    await pointName(blue.address);
  });

  it('counts failures by reason when the endpoint degrades (503) and then goes away (refused) mid-run', async () => {
    const srv = await tokenServer('127.0.40.2');
    await pointName('127.0.40.2');
    const { prober, runId } = probe(srv.port, { maxDurationMs: 4500 });
    await sleep(1200);
    srv.mode = '503';
    await sleep(1200);
    await srv.stop();
    const summary = await prober.done;

    expect(summary.ok).toBeGreaterThan(0);
    expect(summary.failuresByReason['http-503'] ?? 0).toBeGreaterThan(0);
    expect(summary.failuresByReason.refused ?? 0).toBeGreaterThan(0);
    expect(summary.failed).toBe(Object.values(summary.failuresByReason).reduce((a, b) => a + b, 0));
    expect(summary.ok + summary.failed).toBe(summary.requests);

    const samples = listProbeSamples(s.db, runId);
    expect(samples).toHaveLength(summary.requests);
    expect(samples.filter((x) => x.reason === 'http-503').every((x) => x.status === 503)).toBe(true);
    expect(samples.filter((x) => x.reason === 'refused').every((x) => x.status === null && x.address === '127.0.40.2')).toBe(true);
    // failures come after successes: the order of what happened is kept
    const firstFailure = samples.findIndex((x) => !x.ok);
    expect(samples.slice(0, firstFailure).every((x) => x.ok)).toBe(true);
    expect(samples.slice(firstFailure).some((x) => x.ok)).toBe(false);
    const warnTicks = listEvents(s.db, runId).filter((e) => e.kind === 'probe.tick' && e.level === 'warn');
    expect(warnTicks.length).toBeGreaterThan(0);
  });

  it('gives up on a request at its deadline (timeout) and never has more than `concurrency` in flight', async () => {
    const srv = await tokenServer('127.0.40.2');
    srv.mode = 'hang';
    await pointName('127.0.40.2');
    const { prober } = probe(srv.port, { maxDurationMs: 2500, timeoutMs: 400, concurrency: 3 });
    const summary = await prober.done;
    expect(summary.ok).toBe(0);
    expect(summary.failuresByReason.timeout ?? 0).toBe(summary.requests);
    expect(summary.requests).toBeGreaterThan(0);
    expect(srv.maxOpen).toBeLessThanOrEqual(3);
    expect(prober.counters().skipped).toBeGreaterThan(0); // slots dropped rather than piled up
    await srv.stop();
  });

  it('never requests an address outside the allowed networks', async () => {
    const srv = await tokenServer('127.0.40.2');
    await pointName('127.0.40.2');
    const { prober } = probe(srv.port, { maxDurationMs: 1200, target: { url: `http://sso.lab.test:${srv.port}/realms/lab/protocol/openid-connect/token`, dns: { server: named.server, port: named.port }, clientId: 'lab-client', clientSecret: SECRET, allowedNetworks: ['127.0.99.0/24'] } });
    const summary = await prober.done;
    // many attempts (1.2 s at 20/s is ~24), none of which reached the server
    expect(summary.requests).toBeGreaterThanOrEqual(5);
    expect(summary.failuresByReason).toEqual({ 'address-not-allowed': summary.requests });
    expect(srv.received).toBe(0);
    await srv.stop();
  });

  it('counts a name the DNS server does not know as dns failures', async () => {
    const { prober } = probe(servers[0]!.port, { maxDurationMs: 1200, target: { url: 'http://nowhere.lab.test:8080/realms/lab/protocol/openid-connect/token', dns: { server: named.server, port: named.port }, clientId: 'lab-client', clientSecret: SECRET, allowedNetworks: ['127.0.0.0/8'] } });
    const summary = await prober.done;
    expect(summary.requests).toBeGreaterThanOrEqual(5);
    expect(summary.failuresByReason).toEqual({ dns: summary.requests });
  });

  it('refuses unbounded or nonsensical settings before probing anything', () => {
    expect(() => probe(8080, { maxDurationMs: Number.POSITIVE_INFINITY })).toThrowError(KeyturnError);
    expect(() => probe(8080, { ratePerSecond: 0 })).toThrowError(/rate 0 is outside/);
    expect(() => probe(8080, { target: { url: 'https://sso.lab.test/x', dns: { server: named.server, port: named.port }, clientId: 'c', clientSecret: SECRET, allowedNetworks: ['127.0.0.0/8'] } })).toThrowError(/plain HTTP/);
    expect(() => probe(8080, { target: { url: 'http://sso.lab.test/x', dns: { server: named.server, port: named.port }, clientId: 'c', clientSecret: SECRET, allowedNetworks: ['10.0.0.0/33'] } })).toThrowError(/not a network/);
  });
});

describe('networks', () => {
  it('matches IPv4 CIDRs and exact IPv6 addresses', () => {
    const lab = [parseCidr('127.0.0.0/8')];
    expect(inNetworks('127.0.10.100', lab)).toBe(true);
    expect(inNetworks('128.0.0.1', lab)).toBe(false);
    expect(inNetworks('10.1.2.3', [parseCidr('10.1.2.0/24'), parseCidr('192.168.0.1')])).toBe(true);
    expect(inNetworks('192.168.0.2', [parseCidr('192.168.0.1')])).toBe(false);
    expect(inNetworks('8.8.8.8', [parseCidr('0.0.0.0/0')])).toBe(true);
    expect(inNetworks('::1', [parseCidr('::1')])).toBe(true);
    expect(inNetworks('::2', lab)).toBe(false);
  });

  it('builds the lab target from lab:status, limited to loopback', () => {
    const t = labProbeTarget({ url: 'http://sso.lab.test:8080/', dns: { server: '127.0.53.1', port: 53 }, realm: 'lab', clientId: 'lab-client', clientSecret: SECRET });
    expect(t).toEqual({ url: 'http://sso.lab.test:8080/realms/lab/protocol/openid-connect/token', dns: { server: '127.0.53.1', port: 53 }, clientId: 'lab-client', clientSecret: SECRET, allowedNetworks: ['127.0.0.0/8'] });
    expect(() => labProbeTarget({ url: 'http://x', dns: { server: '127.0.53.1', port: 53 }, realm: 'lab', clientId: 'c', clientSecret: null })).toThrowError(/no client secret/);
  });
});
