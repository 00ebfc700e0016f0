import { describe, expect, it } from 'vitest';
import { rollbackPlanSchema } from '../contract/upgrade.ts';
import { composeRollback, predictRollbackDowntime, restoreBaseSeconds, type UndoneStep } from './rollback-steps.ts';
import { pausesAfter } from './step-kinds.ts';
import { planStrategies, startSeconds, stopSeconds } from './strategy.ts';
import { blueGreenSteps, recreateSteps, type StepFacts } from './strategy-steps.ts';
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

describe('composeRollback switch-back (blue/green)', () => {
  const up: StepFacts = { change: classifyChange('26.5.6', '26.7.3'), nodes: ['n1', 'n2'], loadBalancer: true, traffic: { kind: 'dns', name: 'sso.lab.test', ttl: 1 }, environment: 'lab' };
  const back: StepFacts = { ...up, change: classifyChange('26.7.3', '26.5.6') };
  const backup = { id: 'c'.repeat(32), takenAt: '2026-12-01T03:00:00Z' };
  /** The blue/green run's steps, those before `upTo` succeeded, `upTo` with `status`, the rest pending. */
  const run = (upTo: string, status = 'succeeded'): UndoneStep[] => {
    const steps = blueGreenSteps(up);
    const at = steps.findIndex((s) => s.kind === upTo);
    return steps.map((s, i) => ({ kind: s.kind, node: s.node, status: i < at ? 'succeeded' : i === at ? status : 'pending' }));
  };
  const compose = (undone: UndoneStep[], extra: Partial<Parameters<typeof composeRollback>[0]> = {}) =>
    composeRollback({ undone, schemaChanged: false, nodesToRevert: [], facts: back, backup, ...extra });
  const kinds = (r: ReturnType<typeof compose>) => r.steps.map((s) => s.kind);

  it('after the switch: traffic back to blue, green drains, the prober watches blue, blue recorded active with green kept as standby', () => {
    const r = compose(run('standby.record'));
    expect(r.mode).toBe('switch-back');
    expect(kinds(r)).toEqual(['traffic.switch', 'traffic.drain', 'traffic.watch', 'standby.record']);
    expect(r.steps[0]!.title).toBe("Switch sso.lab.test back to blue's load balancer (RFC 2136 DNS update, TTL 1 s)");
    expect(r.steps[0]!.params).toMatchObject({ toColour: 'blue', to: '26.5.6', strategy: 'switch-back', colour: 'blue', serving: 'green' });
    expect(r.steps[1]!.params).toMatchObject({ fromColour: 'green', ttl: 1 });
    // the watch after a switch back reports; it never switches to green on its own
    expect(r.steps[2]!.params).toMatchObject({ switchBackTo: null, failureThreshold: null });
    expect(r.steps[3]!.params).toMatchObject({ active: 'blue', standby: 'green' });
    expect(r.steps[3]!.title).toMatch(/holds the writes made since the switch/);
    // composed from the declared inverses: it names the switch and the green it keeps
    expect(r.inverses.some((l) => l.startsWith('traffic.switch: switch-back'))).toBe(true);
    expect(r.inverses.some((l) => l.startsWith('green.provision: destroy-green'))).toBe(true);
    // green is never destroyed by a switch back: it holds writes blue lacks
    expect(kinds(r)).not.toContain('green.destroy');
    // and the same promise as the switch: no pause between switching and the end of the watch
    expect(r.steps.slice(0, 2).map((s) => pausesAfter(s.kind))).toEqual([false, false]);
  });

  it('a switch that failed half-way is switched back too (pointing the name at blue again is harmless if it never moved)', () => {
    expect(kinds(compose(run('traffic.switch', 'failed')))[0]).toBe('traffic.switch');
    expect(kinds(compose(run('traffic.watch', 'running')))[0]).toBe('traffic.switch');
  });

  it('before the switch: blue is untouched, green is destroyed by default, then blue is verified', () => {
    const r = compose(run('green.smoke', 'failed'));
    expect(r.mode).toBe('switch-back');
    expect(kinds(r)).toEqual(['green.destroy', 'verify']);
    expect(r.steps[0]!.title).toBe('Destroy green (Terraform destroy of workspace "green"); blue is untouched');
    expect(r.steps[1]!.title).toBe('Verify blue: every node on 26.5.6, ready, one cluster of 2, still serving sso.lab.test (it was never changed)');
    expect(r.inverses.every((l) => l.includes('destroy-green'))).toBe(true);
    // nothing touches blue or the traffic
    expect(kinds(r).some((k) => k.startsWith('traffic.') || k.startsWith('node.') || k.startsWith('lb.') || k === 'cluster.stop' || k === 'db.restore')).toBe(false);
  });

  it('before the switch, green may be kept for inspection instead; a described standby is stopped, not destroyed', () => {
    const kept = compose(run('promotion.gate', 'running'), { blueGreen: { keepGreen: true } });
    expect(kinds(kept)).toEqual(['standby.record', 'verify']);
    expect(kept.steps[0]!.params).toMatchObject({ active: 'blue', standby: 'green', standbyRole: 'inspection' });
    const described = compose(run('green.install', 'failed'), { blueGreen: { provision: 'described' } });
    expect(described.steps[0]!.title).toBe("Stop Keycloak on green's described standby hosts; blue is untouched");
  });

  it('a run that froze writes ends the freeze on blue first, before the switch back or the removal of green', () => {
    const frozen = (upTo: string, status = 'succeeded'): UndoneStep[] => {
      const steps = blueGreenSteps(up, { freeze: true });
      const at = steps.findIndex((s) => s.kind === upTo);
      return steps.map((s, i) => ({ kind: s.kind, node: s.node, status: i < at ? 'succeeded' : i === at ? status : 'pending' }));
    };
    const before = compose(frozen('green.smoke', 'failed'));
    expect(kinds(before)).toEqual(['lb.thaw', 'green.destroy', 'verify']);
    expect(before.steps[0]!.params).toMatchObject({ freezeColour: 'blue' });
    expect(before.steps[0]!.title).toBe('End the write freeze on blue: it serves with writes accepted, as before the run');
    expect(before.inverses.some((l) => l.startsWith('lb.freeze: thaw'))).toBe(true);
    expect(kinds(compose(frozen('standby.record')))).toEqual(['lb.thaw', 'traffic.switch', 'traffic.drain', 'traffic.watch', 'standby.record']);
    // a freeze that failed half-way is ended too (harmless when nothing was added)
    expect(kinds(compose(frozen('lb.freeze', 'failed')))).toEqual(['lb.thaw', 'verify']);
  });

  it('a run that never built green has nothing to remove: blue is verified only', () => {
    const r = compose(run('backup.verify', 'failed'));
    expect(kinds(r)).toEqual(['verify']);
    expect(r.inverses).toEqual([]);
    // recognised by its recorded strategy even when only the preflight ran
    expect(compose([{ kind: 'preflight', node: null, status: 'failed' }], { strategy: 'blue-green' }).mode).toBe('switch-back');
  });

  it("never restores for a blue/green run: blue's database was only read", () => {
    const r = compose(run('standby.record'), { schemaChanged: true, backup: null });
    expect(r.mode).toBe('switch-back');
    expect(kinds(r)).not.toContain('db.restore');
  });

  it('predicts no outage for a switch back, and the rollback plan contract carries the mode', () => {
    expect(predictRollbackDowntime('switch-back', { history: measured, backupBytes: MiB })).toEqual({ seconds: null, basis: null });
    expect(rollbackPlanSchema.shape.mode.options).toContain('switch-back');
  });
});
