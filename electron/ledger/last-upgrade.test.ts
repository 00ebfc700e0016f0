/**
 * Which upgrade a rollback undoes: the newest that changed something. A retry
 * that stopped at preflight (its nodes were down because the run before it
 * failed in maintenance) must not hide the run that left the cluster so.
 */
import { describe, expect, it } from 'vitest';
import { clusterSpecSchema } from '../../shared/contract/index.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { createRedactor } from '../tools/redact.ts';
import { getCluster, insertCluster } from './clusters-repo.ts';
import { openLedger } from './open-ledger.ts';
import { createRun, lastUpgradeRow, setRunStatus, setStepStatus } from './runs-repo.ts';

const redact = createRedactor([]);
const changing = ['node.drain', 'node.install', 'lb.maintenance', 'cluster.stop'];
const recreate = [{ kind: 'preflight', title: 'Preflight' }, { kind: 'backup', title: 'Back up' }, { kind: 'lb.maintenance', title: 'Maintenance' }, { kind: 'cluster.stop', title: 'Stop' }];

function ledgerWithCluster() {
  const db = openLedger(':memory:');
  insertCluster(db, clusterSpecSchema.parse(sampleSpec()));
  return { db, clusterId: getCluster(db, 'acme-prod').id };
}

/** A run whose first `done` steps succeeded and whose next one failed (or the run ended `end` there). */
function run(db: ReturnType<typeof openLedger>, clusterId: string, done: number, end: 'failed' | 'aborted' | 'succeeded' | 'running'): string {
  const id = createRun(db, { clusterId, kind: 'upgrade', fromState: { version: '26.5.6' }, toState: { version: '26.7.3' } }, recreate);
  for (let seq = 0; seq < done; seq++) setStepStatus(db, id, seq, 'succeeded', redact);
  if (end === 'failed' && done < recreate.length) setStepStatus(db, id, done, 'failed', redact, 'boom');
  setRunStatus(db, id, end, redact);
  return id;
}

describe('the upgrade a rollback undoes', () => {
  it('passes over a newer run that failed at preflight, and one aborted after its backup', () => {
    const { db, clusterId } = ledgerWithCluster();
    const halfway = run(db, clusterId, 3, 'failed');
    run(db, clusterId, 0, 'failed');
    run(db, clusterId, 2, 'aborted');
    expect(lastUpgradeRow(db, clusterId, changing)?.id).toBe(halfway);
    // without the kinds, the newest run as before
    expect(lastUpgradeRow(db, clusterId)?.id).not.toBe(halfway);
  });

  it('keeps a run still going, even before its first change: the lock and the abort deal with it', () => {
    const { db, clusterId } = ledgerWithCluster();
    run(db, clusterId, 4, 'succeeded');
    const going = run(db, clusterId, 0, 'running');
    expect(lastUpgradeRow(db, clusterId, changing)?.id).toBe(going);
  });

  it('counts a failed change step as a change: the maintenance it failed to enter may be half on', () => {
    const { db, clusterId } = ledgerWithCluster();
    const failedAtMaintenance = run(db, clusterId, 2, 'failed');
    expect(lastUpgradeRow(db, clusterId, changing)?.id).toBe(failedAtMaintenance);
    expect(lastUpgradeRow(ledgerWithCluster().db, clusterId, changing)).toBeUndefined();
  });
});
