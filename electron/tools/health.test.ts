/**
 * Health and metrics probes against a tiny Node HTTP server on 127.0.30.6
 * that answers in Keycloak's shapes (SmallRye Health JSON, Prometheus text).
 *
 * This fake only exercises parsing and the timing paths (deadlines, polling,
 * abort, unreachable); the same adapters are integration-tested against a
 * real Keycloak in the lab, which is what proves the shapes are right.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KeyturnError } from '../../shared/errors.ts';
import { checkHealth, clusterSize, prometheusMax, waitForReady, type HealthResult } from './health.ts';
import { freePort } from './test-support/daemon.ts';
import { startHttpServer, type TestHttpServer } from './test-support/http-server.ts';

const READY_CHECK = 'Keycloak database connections async health check';

/** What the fake node answers; tests flip these. */
const node = { ready: false, hang: false, metrics: 'on' as 'on' | 'off' | 'garbage', requests: 0 };

const METRICS = `# HELP vendor_cluster_size The size of the cluster
# TYPE vendor_cluster_size gauge
vendor_cluster_size{cache_manager="keycloak",node="n1"} 2.0
vendor_cluster_size{cache_manager="keycloak-other",node="n1"} 3.0
vendor_cluster_size_total_ignored 9.0
# HELP jvm_threads_live_threads The current number of live threads
jvm_threads_live_threads{area="x"} 41.0 1700000000000
`;

let server: TestHttpServer;
let managementPort: number;
const address = '127.0.30.6';

beforeAll(async () => {
  server = await startHttpServer(address, (req, res) => {
    node.requests++;
    if (node.hang) return; // never answers: the client's deadline must fire
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    switch (req.url) {
      case '/health/ready':
        return node.ready
          ? json(200, { status: 'UP', checks: [{ name: READY_CHECK, status: 'UP', data: { pool: 'ok' } }] })
          : json(503, { status: 'DOWN', checks: [{ name: READY_CHECK, status: 'DOWN' }] });
      case '/health/live':
        return json(200, { status: 'UP', checks: [] });
      case '/health/started':
        return json(503, { status: 'DOWN' });
      case '/metrics':
        if (node.metrics === 'off') return res.writeHead(404).end();
        return res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(node.metrics === 'on' ? METRICS : 'jvm_threads_live_threads 3\n');
      default:
        return res.writeHead(404).end('Resource not found');
    }
  });
  managementPort = server.port;
});

afterAll(async () => {
  await server?.stop();
});

beforeEach(() => {
  Object.assign(node, { ready: false, hang: false, metrics: 'on', requests: 0 });
});

describe('checkHealth', () => {
  it('reads UP with its checks', async () => {
    node.ready = true;
    expect(await checkHealth({ address, managementPort, path: '/health/ready', timeoutMs: 2000 })).toEqual({
      status: 'UP',
      checks: [{ name: READY_CHECK, status: 'UP', data: { pool: 'ok' } }],
      httpStatus: 200,
      detail: null,
    });
    expect((await checkHealth({ address, managementPort, path: '/health/live' })).status).toBe('UP');
  });

  it('reads DOWN (503) and names the failing checks', async () => {
    const r = await checkHealth({ address, managementPort, path: '/health/ready' });
    expect(r).toMatchObject({ status: 'DOWN', httpStatus: 503, detail: `HTTP 503; failing: ${READY_CHECK}` });
    expect(await checkHealth({ address, managementPort, path: '/health/started' })).toEqual({ status: 'DOWN', checks: [], httpStatus: 503, detail: 'HTTP 503' });
  });

  it('says unreachable when nothing listens, quickly', async () => {
    const closed = await freePort(address);
    // Quickly: the kernel's refusal is the answer, not the 60 s deadline (which would read "no answer within").
    const r = await checkHealth({ address, managementPort: closed, timeoutMs: 60_000 });
    expect(r).toEqual({ status: 'unreachable', checks: [], httpStatus: null, detail: 'connection refused' });
  });

  it('gives up at its deadline when the node does not answer', async () => {
    node.hang = true;
    // The node never answers: only the deadline ends the call.
    const r = await checkHealth({ address, managementPort, timeoutMs: 300 });
    expect(r).toMatchObject({ status: 'unreachable', detail: 'no answer within 300 ms' });
  });

  it('throws aborted (not unreachable) when the caller cancels', async () => {
    node.hang = true;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(checkHealth({ address, managementPort, timeoutMs: 5000, signal: controller.signal })).rejects.toMatchObject({ code: 'aborted' });
  });
});

describe('waitForReady', () => {
  it('polls until the node turns ready, reporting each poll', async () => {
    setTimeout(() => (node.ready = true), 450);
    const polls: Array<[HealthResult['status'], number]> = [];
    const started = Date.now();
    const result = await waitForReady({ address, managementPort, timeoutMs: 5000, intervalMs: 100, onPoll: (r, n) => polls.push([r.status, n]) });
    expect(result.status).toBe('UP');
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(polls.length).toBeGreaterThanOrEqual(3);
    expect(polls.at(-1)).toEqual(['UP', polls.length]);
    expect(polls.slice(0, -1).every(([s]) => s === 'DOWN')).toBe(true);
  });

  it('times out naming the node and its last status', async () => {
    // The node stays DOWN: only the overall deadline ends the wait.
    const err = await waitForReady({ address, managementPort, timeoutMs: 500, intervalMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyturnError);
    const e = err as KeyturnError;
    expect(e.code).toBe('timeout');
    expect(e.message).toContain(`Node ${address}:${managementPort}`);
    expect(e.message).toContain(`last status: DOWN (HTTP 503; failing: ${READY_CHECK})`);
    expect(e.hint).toMatch(/Keycloak log/);
  });

  it('times out as unreachable when the node never answers, within the overall deadline', async () => {
    node.hang = true;
    const err = (await waitForReady({ address, managementPort, timeoutMs: 600, intervalMs: 200, requestTimeoutMs: 5000 }).catch((e: unknown) => e)) as KeyturnError;
    expect(err.code).toBe('timeout');
    // the per-request deadline is clipped to what is left of the overall one, not the 5 s asked for
    const within = Number(/last status: unreachable \(no answer within (\d+) ms\)/.exec(err.message)?.[1]);
    expect(within).toBeGreaterThan(0);
    expect(within).toBeLessThanOrEqual(600);
  });

  it('stops when the signal aborts between polls', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 250);
    // The next poll would be 10 minutes away: only an abort that cuts the wait short lets this return inside the test's timeout.
    await expect(waitForReady({ address, managementPort, timeoutMs: 900_000, intervalMs: 600_000, signal: controller.signal })).rejects.toMatchObject({ code: 'aborted' });
    expect(node.requests).toBe(1);
  });
});

describe('clusterSize', () => {
  it('returns the largest vendor_cluster_size across label sets', async () => {
    expect(await clusterSize({ address, managementPort })).toBe(3);
  });

  it('returns null when metrics are off (404) or the metric is missing', async () => {
    node.metrics = 'off';
    expect(await clusterSize({ address, managementPort })).toBeNull();
    node.metrics = 'garbage';
    expect(await clusterSize({ address, managementPort })).toBeNull();
  });

  it('throws tool-failed when the node cannot be reached', async () => {
    const closed = await freePort(address);
    await expect(clusterSize({ address, managementPort: closed })).rejects.toMatchObject({ code: 'tool-failed', message: expect.stringContaining('connection refused') });
  });
});

describe('prometheusMax', () => {
  it('parses unlabelled samples, timestamps, quoted braces and ignores NaN/Inf and look-alike names', () => {
    const text = ['x 1', 'x{a="}"} 5 1700000000', 'x{a="b"} NaN', 'x +Inf', 'x_other 99', '# x 100', 'x{le="0.5",q="a\\"b"} 4e0'].join('\n');
    expect(prometheusMax(text, 'x')).toBe(5);
    expect(prometheusMax('', 'x')).toBeNull();
  });
});
