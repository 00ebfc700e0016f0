import { describe, expect, it } from 'vitest';
import { composeRollback } from './rollback-steps.ts';
import { isStepKind, pausesAfter, stepKinds } from './step-kinds.ts';
import { recreateSteps, restoreSteps, rollingSteps, type StepFacts } from './strategy-steps.ts';
import { classifyChange } from './versions.ts';

const facts = (over: Partial<StepFacts> = {}, from = '26.7.0', to = '26.7.3'): StepFacts => ({
  change: classifyChange(from, to), nodes: ['n1', 'n2'], loadBalancer: true, traffic: { kind: 'dns', name: 'sso.lab.test', ttl: 1 },
  phased: true, warmup: false, options: { 'cache-stack': 'jdbc-ping' }, ...over,
});
const shape = (steps: { kind: string; node: string | null }[]) => steps.map((s) => `${s.kind}${s.node ? `:${s.node}` : ''}`);

describe('rollingSteps', () => {
  it('stages every node before the first drain when the playbook is phased, then one node at a time', () => {
    const steps = rollingSteps(facts());
    expect(shape(steps)).toEqual([
      'preflight', 'backup', 'cluster.prepare',
      'node.drain:n1', 'node.install:n1', 'node.ready:n1', 'node.joined:n1', 'node.enable:n1',
      'node.drain:n2', 'node.install:n2', 'node.ready:n2', 'node.joined:n2', 'node.enable:n2',
      'verify',
    ]);
    expect(steps[2]!.params).toMatchObject({ nodes: ['n1', 'n2'], phased: true, to: '26.7.3', options: { 'cache-stack': 'jdbc-ping' } });
    expect(steps[4]!.title).toMatch(/switch to Keycloak 26\.7\.3/);
  });

  it('installs each node while drained when the playbook is not phased, and warms it up when a probe client exists', () => {
    const steps = rollingSteps(facts({ phased: false, warmup: true }));
    expect(steps.some((s) => s.kind === 'cluster.prepare')).toBe(false);
    expect(steps.find((s) => s.kind === 'node.install')!.title).toMatch(/install Keycloak 26\.7\.3/);
    expect(shape(steps).slice(2, 8)).toEqual(['node.drain:n1', 'node.install:n1', 'node.ready:n1', 'node.joined:n1', 'node.warmup:n1', 'node.enable:n1']);
  });

  it('moves only the nodes a rollback names, without a backup and with a node allowed down', () => {
    const steps = rollingSteps(facts({}, '26.7.3', '26.7.0'), { backup: false, only: ['n2'], requireReady: false });
    expect(shape(steps).slice(0, 2)).toEqual(['preflight', 'cluster.prepare']);
    expect(steps[1]!.params).toMatchObject({ nodes: ['n2'], requireReady: false });
    expect(steps.filter((s) => s.node === 'n1')).toEqual([]);
  });

  it("tells its preflight the strategy, which checks the load balancer's health-check tolerance only for rolling", () => {
    expect(rollingSteps(facts())[0]!.params).toMatchObject({ strategy: 'rolling' });
    expect(rollingSteps(facts({}, '26.7.3', '26.7.0'), { backup: false, requireReady: false })[0]!.params).toMatchObject({ strategy: 'rolling' });
    expect(recreateSteps(facts({}, '26.5.6', '26.7.3'))[0]!.params).toMatchObject({ strategy: 'recreate' });
  });
});

describe('recreateSteps', () => {
  it('stages while serving, then maintenance, every node stopped at once, the first started alone, maintenance over, the others', () => {
    const steps = recreateSteps(facts({}, '26.5.6', '26.7.3'));
    expect(shape(steps)).toEqual([
      'preflight', 'backup', 'cluster.prepare', 'lb.maintenance', 'cluster.stop',
      'node.install:n1', 'node.ready:n1', 'lb.end-maintenance:n1',
      'node.install:n2', 'node.ready:n2', 'node.joined:n2', 'node.enable:n2',
      'verify',
    ]);
    expect(steps[5]!.title).toMatch(/migrates the database schema/);
    // the first node starts alone: its playbook run must not wait for a cluster of two
    expect(steps[5]!.params).toMatchObject({ joinCheck: false, strategy: 'recreate' });
    expect(steps[8]!.params!.joinCheck).toBeUndefined();
  });

  it('never lets a Pause take effect between the maintenance and the first node serving again', () => {
    const steps = recreateSteps(facts({}, '26.5.6', '26.7.3'));
    const from = steps.findIndex((s) => s.kind === 'lb.maintenance');
    const to = steps.findIndex((s) => s.kind === 'lb.end-maintenance');
    expect(steps.slice(from, to).map((s) => pausesAfter(s.kind))).toEqual([false, false, false, false]);
    expect(pausesAfter('lb.end-maintenance')).toBe(true);
    // and in rolling, only once a node is back in the load balancer
    expect(rollingSteps(facts()).filter((s) => s.node === 'n1').map((s) => pausesAfter(s.kind))).toEqual([false, false, false, false, true]);
  });

  it('without a load balancer there is no maintenance step and no enable', () => {
    const steps = recreateSteps(facts({ loadBalancer: false }));
    expect(steps.some((s) => s.kind.startsWith('lb.') || s.kind === 'node.enable')).toBe(false);
    expect(steps.find((s) => s.kind === 'cluster.stop')!.title).toMatch(/downtime starts/);
  });
});

describe('every strategy names only step kinds the engine implements', () => {
  it('rolling, recreate and restore', () => {
    const all = [...rollingSteps(facts()), ...recreateSteps(facts()), ...restoreSteps(facts(), { backupId: 'b'.repeat(32), backupTakenAt: '2026-12-01T00:00:00Z' })];
    expect(all.filter((s) => !isStepKind(s.kind))).toEqual([]);
    expect(Object.keys(stepKinds).length).toBeGreaterThan(10);
  });
});

describe('composeRollback', () => {
  const back = facts({}, '26.7.3', '26.5.6');
  const backup = { id: 'a'.repeat(32), takenAt: '2026-12-01T03:00:00Z' };
  const recreateRun = recreateSteps(facts({}, '26.5.6', '26.7.3')).map((s, i) => ({ kind: s.kind, node: s.node, status: i <= 6 ? 'succeeded' : 'pending' }));

  it('a moved schema is restored from the backup, behind the maintenance answer, old version started alone first', () => {
    const r = composeRollback({ undone: recreateRun, schemaChanged: true, nodesToRevert: ['n1', 'n2'], facts: back, backup });
    expect(r.mode).toBe('restore');
    expect(shape(r.steps).slice(0, 6)).toEqual(['preflight', 'lb.maintenance', 'cluster.stop', 'db.restore', 'node.install:n1', 'node.ready:n1']);
    expect(r.steps.find((s) => s.kind === 'db.restore')!.params).toMatchObject({ backupId: backup.id, sessionPolicy: 'drop-online', to: '26.5.6' });
    // the inverses it composed name the steps they undo
    expect(r.inverses.some((l) => l.startsWith('lb.maintenance: end-maintenance'))).toBe(true);
    expect(r.inverses.some((l) => l.startsWith('cluster.stop: revert-node'))).toBe(true);
  });

  it('a recreate that did not move the schema comes back the same way, with no restore', () => {
    const r = composeRollback({ undone: recreateRun, schemaChanged: false, nodesToRevert: ['n1', 'n2'], facts: back, backup });
    expect(r.mode).toBe('recreate-back');
    expect(r.steps.some((s) => s.kind === 'db.restore')).toBe(false);
    expect(r.steps.some((s) => s.kind === 'cluster.stop')).toBe(true);
  });

  it('a rolling run goes back node by node, only the nodes it moved', () => {
    const run = rollingSteps(facts()).map((s) => ({ kind: s.kind, node: s.node, status: s.node === 'n2' ? 'pending' : 'succeeded' }));
    const r = composeRollback({ undone: run, schemaChanged: false, nodesToRevert: ['n1'], facts: facts({}, '26.7.3', '26.7.0'), backup });
    expect(r.mode).toBe('rolling-back');
    expect(r.steps.filter((s) => s.node).every((s) => s.node === 'n1')).toBe(true);
    expect(r.steps.some((s) => s.kind === 'backup')).toBe(false);
  });
});
