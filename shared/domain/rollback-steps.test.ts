import { describe, expect, it } from 'vitest';
import { composeRollback, predictRollbackDowntime, restoreBaseSeconds } from './rollback-steps.ts';
import { planStrategies, startSeconds, stopSeconds } from './strategy.ts';
import { recreateSteps, type StepFacts } from './strategy-steps.ts';
import { classifyChange } from './versions.ts';

const MiB = 1024 * 1024;
const measured = { stopSeconds: 12, startSeconds: 41, samples: 5 };

describe('predictRollbackDowntime', () => {
  it('rolling-back has no outage: no seconds, no basis', () => {
    expect(predictRollbackDowntime('rolling-back', { history: measured, restoreMs: [20_000], backupBytes: MiB })).toEqual({ seconds: null, basis: null });
  });

  it('recreate-back: stop + first start to ready, from the recorded steps when the cluster has them (no migration: the schema is the old one)', () => {
    expect(predictRollbackDowntime('recreate-back', { history: measured })).toEqual({
      seconds: 53,
      basis: "from this cluster's recorded steps: 12 s stop + 41 s start to ready (5 node starts)",
    });
  });

  it('recreate-back without history says so and uses the defaults a recreate plan uses', () => {
    const p = predictRollbackDowntime('recreate-back', {});
    expect(p).toEqual({ seconds: stopSeconds + startSeconds, basis: `no history yet: default ${stopSeconds} s stop + ${startSeconds} s start to ready` });
    // the same figure a recreate between the same two versions of one minor predicts from no history
    const facts = { nodes: ['n1', 'n2'], loadBalancer: true, traffic: { kind: 'dns' as const, name: 'sso.lab.test', ttl: 1 }, terraform: false };
    const recreate = planStrategies({ change: classifyChange('26.7.3', '26.7.0'), exitCode: 3, verdict: 'recreate', reasons: [], cluster: facts }).strategies.find((s) => s.name === 'recreate')!;
    expect(p.seconds).toBe(recreate.downtime.seconds);
  });

  it('restore adds pg_restore: the median of recorded restores when there are some', () => {
    expect(predictRollbackDowntime('restore', { history: measured, restoreMs: [30_000, 18_400, 20_200], backupBytes: 900 * MiB })).toEqual({
      seconds: 12 + 20 + 41,
      basis: "from this cluster's recorded steps: 12 s stop + 20 s restore (median of 3 restores) + 41 s start to ready (5 node starts)",
    });
  });

  it('restore without a recorded restore estimates it from the dump size and names the part that is a default', () => {
    const p = predictRollbackDowntime('restore', { history: measured, restoreMs: [], backupBytes: 50 * MiB });
    expect(p.seconds).toBe(12 + restoreBaseSeconds + 5 + 41);
    expect(p.basis).toBe("from this cluster's recorded steps: 12 s stop + 41 s start to ready (5 node starts); default 20 s restore (15 s + 50.0 MiB dump at 10 MiB/s)");
  });

  it('restore with no history at all is a default throughout, and a stop never measured stays a default', () => {
    expect(predictRollbackDowntime('restore', { backupBytes: 0 })).toEqual({
      seconds: stopSeconds + restoreBaseSeconds + startSeconds,
      basis: `no history yet: default ${stopSeconds} s stop + ${restoreBaseSeconds} s restore (15 s + 0.0 MiB dump at 10 MiB/s) + ${startSeconds} s start to ready`,
    });
    const onlyStarts = predictRollbackDowntime('recreate-back', { history: { stopSeconds: null, startSeconds: 38, samples: 1 } });
    expect(onlyStarts).toEqual({ seconds: stopSeconds + 38, basis: `from this cluster's recorded steps: 38 s start to ready (1 node start); default ${stopSeconds} s stop` });
  });
});

describe('composeRollback session policy', () => {
  const back: StepFacts = { change: classifyChange('26.7.3', '26.5.6'), nodes: ['n1', 'n2'], loadBalancer: true, traffic: { kind: 'haproxy', name: 'sso.lab.test' }, phased: false, warmup: false };
  const undone = recreateSteps({ ...back, change: classifyChange('26.5.6', '26.7.3') }).map((s) => ({ kind: s.kind, node: s.node, status: 'succeeded' }));
  const backup = { id: 'b'.repeat(32), takenAt: '2026-12-01T03:00:00Z' };

  it('carries the chosen policy to the restore step; drop-online when none is chosen', () => {
    for (const policy of ['drop-online', 'keep-all', 'drop-all'] as const) {
      const r = composeRollback({ undone, schemaChanged: true, nodesToRevert: ['n1', 'n2'], facts: back, backup, sessionPolicy: policy });
      expect(r.steps.find((s) => s.kind === 'db.restore')!.params).toMatchObject({ sessionPolicy: policy });
    }
    const plain = composeRollback({ undone, schemaChanged: true, nodesToRevert: ['n1', 'n2'], facts: back, backup });
    expect(plain.steps.find((s) => s.kind === 'db.restore')!.params).toMatchObject({ sessionPolicy: 'drop-online' });
  });
});
