/**
 * The recreate prediction from what this cluster's earlier recreates measured,
 * on a real ledger: the prober's whole outage, apart for changes that migrated
 * the schema (a minor or major version) and changes that did not, beats the
 * sum of recorded stops and starts with a default migration time in it. Only
 * succeeded recreate runs count.
 */
import { describe, expect, it } from 'vitest';
import { clusterSpecSchema } from '../../shared/contract/index.ts';
import { planStrategies } from '../../shared/domain/strategy.ts';
import { classifyChange } from '../../shared/domain/versions.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { createRedactor } from '../tools/redact.ts';
import { getCluster, insertCluster } from '../ledger/clusters-repo.ts';
import { openLedger, type Ledger } from '../ledger/open-ledger.ts';
import { appendEvent, createRun, setRunStatus, setStepStatus } from '../ledger/runs-repo.ts';
import { clusterHistory } from './plan-service.ts';

const redact = createRedactor([]);
const steps = [{ kind: 'preflight', title: 'Preflight' }, { kind: 'cluster.stop', title: 'Stop' }, { kind: 'node.install', title: 'n1: start', node: 'n1' }, { kind: 'node.ready', title: 'n1: ready', node: 'n1' }];

function ledger(): { db: Ledger; clusterId: string } {
  const db = openLedger(':memory:');
  insertCluster(db, clusterSpecSchema.parse(sampleSpec()));
  return { db, clusterId: getCluster(db, 'acme-prod').id };
}

/** A run from `from` to `to` whose prober measured `seconds` of outage. */
function recreate(db: Ledger, clusterId: string, from: string, to: string, seconds: number, o: { strategy?: string; status?: 'succeeded' | 'failed' } = {}): void {
  const id = createRun(db, { clusterId, kind: 'upgrade', strategy: o.strategy ?? 'recreate', fromState: { version: from }, toState: { version: to } }, steps);
  for (let seq = 0; seq < steps.length; seq++) {
    setStepStatus(db, id, seq, 'running', redact);
    setStepStatus(db, id, seq, 'succeeded', redact);
  }
  appendEvent(db, { runId: id, source: 'probe', node: null, level: 'info', kind: 'downtime.measured', data: { message: `Downtime: measured ${seconds} s`, predictedSeconds: 75, measuredSeconds: seconds, maintenanceAnswers: 3, otherFailures: {} } }, redact);
  setRunStatus(db, id, o.status ?? 'succeeded', redact);
}

const change = (from: string, to: string) => ({ exitCode: 3, verdict: 'recreate' as const, reasons: [], change: classifyChange(from, to) });

describe('the recreate prediction from measured outages', () => {
  it("takes the median of this cluster's measured migrating recreates for a minor change, and of the others for a patch", () => {
    const { db, clusterId } = ledger();
    recreate(db, clusterId, '26.5.6', '26.7.3', 14.8);
    recreate(db, clusterId, '26.5.6', '26.7.3', 16.2);
    recreate(db, clusterId, '26.5.6', '26.7.3', 15.1);
    recreate(db, clusterId, '26.7.0', '26.7.3', 9.4);
    // neither counts: a rolling run, and a recreate that failed
    recreate(db, clusterId, '26.5.6', '26.7.3', 99, { strategy: 'rolling' });
    recreate(db, clusterId, '26.5.6', '26.7.3', 99, { status: 'failed' });
    const history = clusterHistory(db, clusterId)!;
    expect(history.recreateOutages).toEqual({ migrating: { seconds: 15.1, samples: 3 }, plain: { seconds: 9.4, samples: 1 } });

    const cluster = { nodes: ['n1', 'n2'], loadBalancer: true, traffic: { kind: 'dns' as const, name: 'sso.acme.example', ttl: 60 }, terraform: false, ansible: true, stopPlaybook: true, history };
    const minor = planStrategies({ ...change('26.5.6', '26.7.3'), cluster }).strategies.find((s) => s.name === 'recreate')!;
    expect(minor.downtime.seconds).toBe(15);
    expect(minor.downtime.text).toMatch(/predicted from the outages the prober measured in this cluster's 3 last recreates with a schema migration \(median\)/);
    const patch = planStrategies({ ...change('26.7.0', '26.7.3'), cluster }).strategies.find((s) => s.name === 'recreate')!;
    expect(patch.downtime.seconds).toBe(9);
    expect(patch.downtime.text).toMatch(/measured in this cluster's last recreate without a schema migration\)/);
  });

  it('falls back to recorded stops and starts plus the default migration when no recreate was measured', () => {
    const { db, clusterId } = ledger();
    recreate(db, clusterId, '26.5.6', '26.7.3', 40, { strategy: 'rolling' });
    const history = clusterHistory(db, clusterId)!;
    expect(history.recreateOutages).toBeUndefined();
    const cluster = { nodes: ['n1', 'n2'], loadBalancer: true, traffic: { kind: 'dns' as const, name: 'sso.acme.example', ttl: 60 }, terraform: false, ansible: true, stopPlaybook: true, history };
    expect(planStrategies({ ...change('26.5.6', '26.7.3'), cluster }).strategies.find((s) => s.name === 'recreate')!.downtime.text).toMatch(/recorded node restarts: .* \+ 60 s schema migration \(default\)/);
  });
});
