/**
 * The prober through a real HAProxy on the lab's own configuration
 * (test-support/lab-haproxy.ts) while it goes into maintenance and out
 * again, as a recreate upgrade does: every failed request is a
 * `maintenance` answer (503 with Retry-After), none a refused connection or
 * a timeout, and `maintenanceWindow` measures the outage from the ledger.
 * Counts have generous floors, never timings: the machine may be busy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProbeSamples } from '../ledger/probe-samples-repo.ts';
import { listEvents } from '../ledger/runs-repo.ts';
import { createServices, type Services } from '../registry/services.ts';
import { beginRun } from '../runs/run-recorder.ts';
import { endMaintenance, enterMaintenance } from '../tools/haproxy-maintenance.ts';
import { waitUntil } from '../tools/test-support/daemon.ts';
import { startLabHaproxy, startNodesOnOnePort, type LabHaproxy, type TestNode } from '../tools/test-support/lab-haproxy.ts';
import { maintenanceWindow } from '../../shared/domain/probe-stats.ts';
import { startProber } from './prober.ts';

const SECRET = 'probe-maintenance-secret-7c2d';
let lb: LabHaproxy;
let nodes: TestNode[] = [];
let home: string;
let s: Services;

beforeAll(async () => {
  const started = await startNodesOnOnePort(
    [
      { name: 'n1', address: '127.0.33.1' },
      { name: 'n2', address: '127.0.33.2' },
    ],
    (_node, req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"eyJ.x.y","expires_in":60}'));
    },
  );
  nodes = started.nodes;
  lb = await startLabHaproxy('127.0.33.100', nodes, started.port);
  home = mkdtempSync(join(tmpdir(), 'keyturn-probe-maint-'));
  s = createServices({ home, mode: 'cli' });
});

afterAll(async () => {
  await lb?.stop();
  await Promise.all(nodes.map((n) => n.stop()));
  s?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('the prober during HAProxy maintenance', () => {
  it('records only maintenance answers while every server is in MAINT, and maintenanceWindow measures the outage', async () => {
    const rec = beginRun({ db: s.db, bus: s.bus, owner: s.owner }, 'probe-maintenance', { clusterId: null, kind: 'probe-test' }, []);
    const prober = startProber({
      db: s.db,
      runId: rec.runId,
      events: rec,
      // An address, not a name: DNS is proven in prober.test.ts; here the load balancer is what is under test.
      target: { url: `${lb.frontendUrl}realms/lab/protocol/openid-connect/token`, dns: { server: '127.0.33.53', port: 53 }, clientId: 'lab-client', clientSecret: SECRET, allowedNetworks: ['127.0.33.0/24'] },
      timeoutMs: 2000,
      maxDurationMs: 120_000,
    });
    try {
      await waitUntil('10 good answers before maintenance', () => prober.counters().ok >= 10, 30_000);
      const enterCalledAt = Date.now();
      await enterMaintenance(lb.socketPath, lb.backend);
      await waitUntil('10 answers during maintenance', () => prober.counters().failed >= 10, 30_000);
      const servedInMaintenance = nodes.map((n) => n.served); // requests routed before MAINT are long done
      await waitUntil('20 more answers during maintenance', () => prober.counters().failed >= 30, 30_000);
      expect(nodes.map((n) => n.served)).toEqual(servedInMaintenance); // HAProxy answered them itself
      await endMaintenance(lb.socketPath, lb.backend, ['n1', 'n2'], { timeoutMs: 30_000 });
      const endedAt = Date.now();
      const okAtEnd = prober.counters().ok;
      await waitUntil('10 good answers after maintenance', () => prober.counters().ok >= okAtEnd + 10, 30_000);

      const summary = await prober.stop();
      expect(summary.failed).toBeGreaterThanOrEqual(30);
      expect(summary.failuresByReason).toEqual({ maintenance: summary.failed });
      expect(nodes.every((n, i) => n.served > servedInMaintenance[i]!)).toBe(true); // both serve again

      const samples = listProbeSamples(s.db, rec.runId);
      expect(samples).toHaveLength(summary.requests);
      expect(samples.filter((x) => !x.ok).every((x) => x.status === 503 && x.reason === 'maintenance')).toBe(true);

      const window = maintenanceWindow(samples);
      expect(window).toMatchObject({ maintenanceAnswers: summary.failed, otherFailures: {}, okInside: 0 });
      expect(window!.seconds).toBeGreaterThan(0);
      expect(window!.lastOkBeforeMs).not.toBeNull();
      expect(window!.firstOkAfterMs).not.toBeNull();
      // Inside the maintenance period: no answer came before it began (a request lives at most its 2 s deadline), none after it ended.
      expect(window!.startMs).toBeGreaterThanOrEqual(enterCalledAt - 2000);
      expect(window!.endMs).toBeLessThanOrEqual(endedAt);

      const ticks = listEvents(s.db, rec.runId).filter((e) => e.kind === 'probe.tick' && e.level === 'warn');
      expect(ticks.reduce((n, t) => n + ((t.data.reasons as Record<string, number>).maintenance ?? 0), 0)).toBe(summary.failed);
      expect(JSON.stringify(listEvents(s.db, rec.runId))).not.toContain(SECRET);
    } finally {
      await prober.stop();
      rec.succeed(); // ends the lock heartbeat before the ledger closes
    }
  });
});
