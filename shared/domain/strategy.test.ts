import { describe, expect, it } from 'vitest';
import type { PlanReason, Verdict } from '../contract/plan.ts';
import { planStrategies, type ClusterFacts } from './strategy.ts';
import { classifyChange } from './versions.ts';

const lab: ClusterFacts = { nodes: ['n1', 'n2'], loadBalancer: true, traffic: { kind: 'dns', name: 'sso.lab.test', ttl: 1 }, terraform: true };
const exitOf: Record<Verdict, number> = { rolling: 0, recreate: 3, 'rolling-disabled': 4, error: 2 };
const cacheStack: PlanReason = { kind: 'option', subject: 'cache-stack', from: 'jdbc-ping', to: 'tcp', message: 'x', forcesRecreate: true };

function plan(verdict: Verdict, opts: { from?: string; to?: string; cluster?: Partial<ClusterFacts>; reasons?: PlanReason[] } = {}) {
  return planStrategies({
    change: classifyChange(opts.from ?? '26.7.0', opts.to ?? '26.7.3'),
    exitCode: exitOf[verdict],
    verdict,
    reasons: opts.reasons ?? [],
    cluster: { ...lab, ...opts.cluster },
  });
}
const byName = (p: ReturnType<typeof plan>, n: string) => p.strategies.find((s) => s.name === n)!;

describe('planStrategies', () => {
  it('always lists the three strategies, exactly one recommended when there is an answer', () => {
    for (const v of ['rolling', 'recreate', 'rolling-disabled'] as Verdict[]) {
      const p = plan(v);
      expect(p.strategies.map((s) => s.name)).toEqual(['rolling', 'blue-green', 'recreate']);
      expect(p.strategies.filter((s) => s.recommended)).toHaveLength(1);
      expect(p.strategies.find((s) => s.recommended)!.available).toBe(true);
    }
  });

  it('recommends rolling on exit 0 with two nodes: no downtime, node by node', () => {
    const p = plan('rolling');
    expect(p.recommended).toBe('rolling');
    const r = byName(p, 'rolling');
    expect(r.downtime.seconds).toBe(0);
    expect(r.steps.filter((s) => s.kind === 'node.install').map((s) => s.node)).toEqual(['n1', 'n2']);
    expect(r.steps.filter((s) => s.kind === 'node.drain')).toHaveLength(2);
    expect(r.steps.slice(0, 2).map((s) => s.kind)).toEqual(['preflight', 'backup']);
    expect(r).toMatchObject({ executable: true });
    // going back from a patch upgrade is a downgrade: not rolling, stated with its cost
    expect(r.rollback.summary).toMatch(/never rolling/);
    expect(r.rollback.downtime.seconds).toBeGreaterThan(0);
  });

  it('makes an option-only rolling change reversible without downtime', () => {
    const r = byName(plan('rolling', { to: '26.7.0' }), 'rolling');
    expect(r.rollback.downtime.seconds).toBe(0);
    expect(r.steps.find((s) => s.kind === 'node.install')!.title).toMatch(/apply the target options/);
  });

  it('does not roll a single node even when Keycloak allows it', () => {
    const p = plan('rolling', { cluster: { nodes: ['n1'] } });
    expect(byName(p, 'rolling')).toMatchObject({ available: false, why: expect.stringMatching(/at least two nodes/) as string });
    expect(p.recommended).toBe('blue-green');
    expect(p.recommendation).toMatch(/single node/);
  });

  it('recommends blue/green on exit 3 and names what forces recreate', () => {
    const p = plan('recreate', { to: '26.7.0', reasons: [cacheStack] });
    expect(p.recommended).toBe('blue-green');
    expect(byName(p, 'rolling').why).toMatch(/exit 3.*cache-stack/);
    expect(p.recommendation).toMatch(/cache-stack/);
    const bg = byName(p, 'blue-green');
    expect(bg.downtime.seconds).toBe(1);
    expect(bg.downtime.text).toMatch(/TTL \(1 s\)/);
    expect(bg.steps.map((s) => s.kind)).toEqual(expect.arrayContaining(['backup.verify', 'green.provision', 'green.restore', 'promotion.gate', 'traffic.switch']));
    expect(bg.rollback.summary).toMatch(/back to blue/);
    expect(bg.backup.kind).toBe('database-clone');
  });

  it('falls back to recreate without Terraform, with the outage stated up front', () => {
    const p = plan('recreate', { from: '26.5.6', to: '26.7.0', cluster: { terraform: false } });
    expect(p.recommended).toBe('recreate');
    expect(byName(p, 'blue-green')).toMatchObject({ available: false, why: expect.stringMatching(/Terraform .*or a standby described in the cluster file \(blueGreen\.standby\)/) as string });
    const rc = byName(p, 'recreate');
    expect(rc.downtime.seconds).toBe(135); // stop + start + schema migration of a minor upgrade
    expect(rc.downtime.text).toMatch(/Full outage.*no history for this cluster yet/);
    expect(rc.steps.find((s) => s.kind === 'node.install')!.title).toMatch(/n1: start Keycloak 26\.7\.0 \(it migrates the database schema\)/);
    expect(rc).toMatchObject({ executable: true });
    expect(p.recommendation).toMatch(/full outage/);
  });

  it('takes green from a standby described in the cluster file when there is one, without Terraform, and says so in the plan', () => {
    const p = plan('recreate', { from: '26.5.6', to: '26.7.3', cluster: { terraform: false, standby: { nodes: 2 } } });
    const bg = byName(p, 'blue-green');
    expect(bg).toMatchObject({ available: true, executable: true });
    expect(bg.why).toMatch(/green is taken into use on the standby described in the cluster file \(2 hosts\)/);
    expect(bg.executableWhy).toMatch(/^Ready to run: green is the standby described in the cluster file \(2 hosts, its database and load balancer\)/);
    const provision = bg.steps.find((s) => s.kind === 'green.provision')!;
    expect(provision.title).toBe('Take the described standby into use as green: 2 hosts, a database and a load balancer');
    expect(provision.params).toMatchObject({ provision: 'described' });
    expect(bg.steps[0]!.title).toMatch(/the described standby ready for green/);
    // both declared: the standby written down wins over building one
    expect(byName(plan('recreate', { from: '26.5.6', to: '26.7.3', cluster: { terraform: true, standby: { nodes: 2 } } }), 'blue-green').steps.find((s) => s.kind === 'green.provision')!.params).toMatchObject({ provision: 'described' });
    expect(byName(plan('recreate', { from: '26.5.6', to: '26.7.3' }), 'blue-green').steps.find((s) => s.kind === 'green.provision')!.params).toMatchObject({ provision: 'terraform' });
  });

  it('uses an HAProxy switch for blue/green when traffic is steered there', () => {
    const bg = byName(plan('recreate', { cluster: { traffic: { kind: 'haproxy', name: 'sso.acme.example' } } }), 'blue-green');
    expect(bg.downtime.seconds).toBe(0);
    expect(bg.steps.find((s) => s.kind === 'traffic.switch')!.title).toMatch(/HAProxy/);
  });

  it('refuses to run a downgrade across minors as a recreate, naming the restore it needs; a patch downgrade may run', () => {
    const minor = byName(plan('recreate', { from: '26.7.3', to: '26.5.6', cluster: { terraform: false } }), 'recreate');
    expect(minor).toMatchObject({ available: true, executable: false });
    expect(minor.executableWhy).toMatch(/backup taken on it with keyturn rollback/);
    expect(byName(plan('recreate', { from: '26.7.3', to: '26.7.0', cluster: { terraform: false } }), 'recreate')).toMatchObject({ executable: true });
  });

  it('predicts the recreate outage from this cluster\'s history when it has some', () => {
    const rc = byName(plan('recreate', { from: '26.5.6', to: '26.7.3', cluster: { history: { stopSeconds: 4, startSeconds: 50, samples: 6 } } }), 'recreate');
    expect(rc.downtime.seconds).toBe(4 + 50 + 60);
    expect(rc.downtime.text).toMatch(/6 recorded node restarts: 4 s stop \+ 50 s start to ready/);
  });

  it('says why a strategy cannot run: blue/green on a front HAProxy without its colour backends, rolling without a load balancer, recreate without a stop playbook', () => {
    expect(byName(plan('recreate'), 'blue-green')).toMatchObject({ available: true, executable: true });
    const front = byName(plan('recreate', { cluster: { traffic: { kind: 'haproxy', name: 'sso.example' }, frontMissing: ['backends: { blue, green }'] } }), 'blue-green');
    expect(front).toMatchObject({ available: true, executable: false });
    expect(front.executableWhy).toMatch(/one map entry: add backends: \{ blue, green \} to traffic/);
    expect(byName(plan('recreate', { cluster: { traffic: { kind: 'haproxy', name: 'sso.example' }, frontMissing: [] } }), 'blue-green')).toMatchObject({ available: true, executable: true });
    expect(byName(plan('rolling', { cluster: { loadBalancer: false } }), 'rolling').executableWhy).toMatch(/drains each node/);
    expect(byName(plan('recreate', { cluster: { stopPlaybook: false } }), 'recreate').executableWhy).toMatch(/stopPlaybook/);
    expect(byName(plan('error'), 'recreate')).toMatchObject({ executable: false });
  });

  it('explains exit 4 by the disabled rolling-updates feature', () => {
    expect(byName(plan('rolling-disabled'), 'rolling').why).toMatch(/rolling-updates feature is disabled/);
  });

  it('recommends nothing and offers nothing when the check failed', () => {
    const p = plan('error');
    expect(p.recommended).toBeNull();
    expect(p.strategies.every((s) => !s.available && !s.recommended)).toBe(true);
    expect(p.recommendation).toMatch(/No strategy.*exit 2.*invalid option/);
  });

  it('states the cost of rolling without a load balancer', () => {
    const r = byName(plan('rolling', { cluster: { loadBalancer: false } }), 'rolling');
    expect(r.available).toBe(true);
    expect(r.why).toMatch(/Without a load balancer/);
    expect(r.steps.some((s) => s.kind.startsWith('lb.'))).toBe(false);
  });

  it('requires a backup for every strategy and says how to go back from each', () => {
    for (const s of plan('rolling').strategies) {
      expect(s.backup.required).toBe(true);
      expect(s.rollback.steps.length).toBeGreaterThan(0);
      expect(s.rollback.dataLoss).not.toBe('');
    }
  });
});
