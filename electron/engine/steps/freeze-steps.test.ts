/**
 * The write freeze's steps against a real HAProxy on the lab's own config
 * (test-support/lab-haproxy.ts) and a real ledger: freeze, the gate's check
 * (held, then lost behind Keyturn's back as a reload would lose it), thaw,
 * both idempotent; and a load balancer without a freeze, refused with what
 * to add. What clients get is read through the frontend.
 */
import { request } from 'node:http';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSpecSchema } from '../../../shared/contract/index.ts';
import { freezeMessage } from '../../../shared/domain/write-freeze.ts';
import { sampleSpec } from '../../../test/unit/spec-factory.ts';
import { getCluster, insertCluster } from '../../ledger/clusters-repo.ts';
import { openLedger, type Ledger } from '../../ledger/open-ledger.ts';
import { getRun, listEvents } from '../../ledger/runs-repo.ts';
import { EventBus } from '../../runs/event-bus.ts';
import { beginRun } from '../../runs/run-recorder.ts';
import { haproxyCommand, showServers } from '../../tools/haproxy.ts';
import { freezeState } from '../../tools/haproxy-freeze.ts';
import { waitUntil } from '../../tools/test-support/daemon.ts';
import { startLabHaproxy, startNodesOnOnePort, type LabHaproxy, type TestNode } from '../../tools/test-support/lab-haproxy.ts';
import type { EngineDeps, StepContext } from '../engine-context.ts';
import { freezeStep, recordFreezeHolds, thawStep } from './freeze-steps.ts';

let lb: LabHaproxy;
let nodes: TestNode[] = [];
let aclFile: string;
let db: Ledger;

beforeAll(async () => {
  const started = await startNodesOnOnePort([{ name: 'n1', address: '127.0.38.1' }], (_n, _req, res) => res.writeHead(200).end('node'));
  nodes = started.nodes;
  lb = await startLabHaproxy('127.0.38.100', nodes, started.port);
  aclFile = join(dirname(lb.socketPath), 'freeze.acl');
  await waitUntil('n1 UP', async () => (await showServers(lb.socketPath, 'keycloak')).every((s) => s.status === 'UP'), 20_000);
  db = openLedger(':memory:');
  const lbSpec = { kind: 'haproxy' as const, runtimeApi: lb.socketPath, backend: 'keycloak' };
  insertCluster(db, clusterSpecSchema.parse(sampleSpec({ name: 'frozen', loadBalancer: { ...lbSpec, freeze: { aclFile } } })));
  insertCluster(db, clusterSpecSchema.parse(sampleSpec({ name: 'plain', loadBalancer: lbSpec })));
});
afterAll(async () => {
  await lb?.stop();
  await Promise.all(nodes.map((n) => n.stop()));
  db?.close();
});

/** A step context on `cluster` with a run of its own; the freeze steps read only the ledger and the cluster (no artifacts, no backups). */
function contextOn(cluster: string): StepContext {
  const recorderDeps = { db, bus: new EventBus(), owner: `${process.pid}@${hostname()}` };
  const detail = getCluster(db, cluster);
  const rec = beginRun(recorderDeps, `freeze-test-${cluster}-${Date.now()}`, { clusterId: detail.id, kind: 'upgrade' }, []);
  const deps = { ...recorderDeps, home: '/nonexistent' } as Partial<EngineDeps> as EngineDeps;
  return { deps, rec, runId: rec.runId, cluster: detail, params: { freezeColour: 'blue' }, node: null, signal: new AbortController().signal, nodeState: () => undefined };
}

const events = (ctx: StepContext, kind: string): Record<string, unknown>[] => listEvents(db, ctx.runId, -1, 1000).filter((e) => e.kind === kind).map((e) => ({ level: e.level, ...e.data }));

function adminWrite(): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: lb.address, port: lb.port, method: 'POST', path: '/admin/realms/acme/users', agent: false, headers: { 'content-length': 2 } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

describe('freeze steps', () => {
  it('freeze refuses writes, the gate sees it hold and sees it lost, thaw ends it; each says what it did', async () => {
    const ctx = contextOn('frozen');
    await freezeStep(ctx);
    expect(await adminWrite()).toEqual({ status: 503, body: freezeMessage });
    await freezeStep(ctx);
    expect(events(ctx, 'freeze.on').map((e) => e.message)).toEqual([
      expect.stringMatching(/^Writes frozen on blue's load balancer: admin REST writes/),
      expect.stringMatching(/^Writes frozen on blue's load balancer \(already frozen\): /),
    ]);
    await recordFreezeHolds(ctx, 'blue');
    // as a reload or restart would: the ACL starts empty again
    await haproxyCommand(lb.socketPath, `clear acl ${aclFile}`);
    await recordFreezeHolds(ctx, 'blue');
    expect(events(ctx, 'freeze.checked').map((e) => [e.level, e.held])).toEqual([['info', true], ['warn', false]]);
    expect(events(ctx, 'freeze.checked')[1]!.message).toMatch(/no longer holds .*writes were accepted since, counted below/);
    await freezeStep(ctx);
    await thawStep(ctx);
    await thawStep(ctx);
    expect(await freezeState(lb.socketPath, aclFile)).toEqual([]);
    expect((await adminWrite()).status).toBe(200);
    expect(events(ctx, 'freeze.off').map((e) => e.message)).toEqual(["Writes accepted again on blue's load balancer", "Writes accepted again on blue's load balancer (it was not frozen)"]);
  });

  it('a load balancer without a freeze: the freeze is refused with what to add, changing nothing; ending it has nothing to do', async () => {
    const ctx = contextOn('plain');
    await expect(freezeStep(ctx)).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringMatching(/blue's load balancer has no write freeze configured \(loadBalancer\.freeze\.aclFile\)/), hint: expect.stringMatching(/docs\/write-freeze\.md.*--freeze off\. Nothing was changed\./) });
    expect((await adminWrite()).status).toBe(200);
    await thawStep(ctx);
    expect(events(ctx, 'freeze.off').map((e) => e.message)).toEqual(["blue's load balancer has no write freeze: nothing to end"]);
    expect(getRun(db, ctx.runId).run.status).toBe('running');
  });
});
