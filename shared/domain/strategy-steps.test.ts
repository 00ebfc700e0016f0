import { describe, expect, it } from 'vitest';
import { composeRollback } from './rollback-steps.ts';
import { isBlueGreenKind, isStepKind, pausesAfter, stepKinds } from './step-kinds.ts';
import { planStrategies } from './strategy.ts';
import { blueGreenSteps, defaultGraceSeconds, defaultWatchSeconds, recreateSteps, restoreSteps, rollingSteps, type StepFacts } from './strategy-steps.ts';
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

describe('blueGreenSteps', () => {
  const minor = () => facts({}, '26.5.6', '26.7.3');

  it('clones green from a verified backup, upgrades and proves it, then gate, switch, drain, watch, standby', () => {
    const steps = blueGreenSteps(minor());
    expect(shape(steps)).toEqual([
      'preflight', 'backup.verify', 'green.provision', 'green.restore', 'green.install', 'green.verify', 'green.smoke',
      'promotion.gate', 'traffic.switch', 'traffic.drain', 'traffic.watch', 'standby.record',
    ]);
    const by = (k: string) => steps.find((s) => s.kind === k)!;
    expect(by('backup.verify').title).toMatch(/scratch database.*clone point/);
    expect(by('green.provision').title).toMatch(/2 hosts.*Terraform workspace "green"/);
    expect(by('green.restore').title).toMatch(/empty database and empty its JGROUPS_PING.*never joins blue/);
    expect(by('green.install').title).toMatch(/Keycloak 26\.7\.3.*first start migrates/);
    expect(by('green.verify').title).toMatch(/one cluster of 2; green's view holds exactly green's nodes and blue's still exactly blue's/);
    expect(by('green.smoke').title).toMatch(/preview path as sso\.lab\.test: client credentials, password login, refresh, userinfo, admin API read$/);
    expect(by('traffic.switch').title).toBe("Switch sso.lab.test to green's load balancer (RFC 2136 DNS update, TTL 1 s)");
    expect(by('traffic.drain').title).toMatch(/^Blue keeps serving .* 1 s TTL \+ 10 s grace; its HAProxy counters tell when the last request reached blue/);
    expect(by('traffic.watch').title).toMatch(/60 s; above 2% failed requests, switch back to blue automatically/);
    expect(by('standby.record').title).toMatch(/green as active and blue as its hot standby/);
    // every step says which colour it builds and which one serves
    expect(steps.every((s) => s.params?.colour === 'green' && s.params.serving === 'blue' && s.params.strategy === 'blue-green')).toBe(true);
    expect(by('traffic.switch').params).toMatchObject({ toColour: 'green', ttl: 1, to: '26.7.3' });
    expect(by('traffic.drain').params).toMatchObject({ fromColour: 'blue', ttl: 1, graceSeconds: defaultGraceSeconds });
    expect(by('traffic.watch').params).toMatchObject({ watchSeconds: defaultWatchSeconds, failureThreshold: 0.02, switchBackTo: 'blue' });
    expect(by('standby.record').params).toMatchObject({ active: 'green', standby: 'blue', standbyRole: 'hot-standby' });
    expect(by('green.install').params).toMatchObject({ to: '26.7.3', from: '26.5.6', options: { 'cache-stack': 'jdbc-ping' } });
  });

  it('promotes manually in production (and when the environment is not known), automatically in lab, test, staging', () => {
    const gate = (f: StepFacts, o = {}) => blueGreenSteps(f, o).find((s) => s.kind === 'promotion.gate')!;
    for (const env of [undefined, 'production'] as const) {
      const g = gate(facts({ environment: env }));
      expect(g.params).toMatchObject({ promote: 'manual' });
      expect(g.title).toMatch(/pauses until the operator promotes green \("Promote green" or keyturn runs resume\)/);
    }
    for (const env of ['lab', 'test', 'staging'] as const) expect(gate(facts({ environment: env })).params).toMatchObject({ promote: 'auto' });
    expect(gate(facts({ environment: 'production' }), { promote: 'auto' }).params).toMatchObject({ promote: 'auto' });
    expect(gate(facts({ environment: 'lab' }), { promote: 'manual' }).params).toMatchObject({ promote: 'manual' });
    // the fact reaches the plan through the cluster's facts
    const planned = (environment: 'production' | 'lab') => planStrategies({ change: classifyChange('26.5.6', '26.7.3'), exitCode: 3, verdict: 'recreate', reasons: [], cluster: { nodes: ['n1', 'n2'], loadBalancer: true, traffic: { kind: 'dns', name: 'sso.lab.test', ttl: 1 }, terraform: true, environment } })
      .strategies.find((s) => s.name === 'blue-green')!.steps.find((s) => s.kind === 'promotion.gate')!.params;
    expect(planned('production')).toMatchObject({ promote: 'manual' });
    expect(planned('lab')).toMatchObject({ promote: 'auto' });
  });

  it('takes the watch window, grace, colour, a described standby and the cluster file\'s own smoke checks as options', () => {
    const steps = blueGreenSteps(facts({ traffic: { kind: 'dns', name: 'sso.acme.example', ttl: 30 } }), { watchSeconds: 120, graceSeconds: 5, colour: 'blue', provision: 'described', smokeChecks: ['https://sso.acme.example/realms/acme/custom'] });
    const by = (k: string) => steps.find((s) => s.kind === k)!;
    expect(by('green.provision').title).toBe('Take the described standby into use as blue: 2 hosts, a database and a load balancer');
    expect(by('green.smoke').title).toMatch(/then the cluster file's 1 own check$/);
    expect(by('green.smoke').params).toMatchObject({ host: 'sso.acme.example', smokeChecks: ['https://sso.acme.example/realms/acme/custom'] });
    expect(by('traffic.drain').title).toMatch(/^Green keeps serving .* 30 s TTL \+ 5 s grace/);
    expect(by('traffic.watch').params).toMatchObject({ watchSeconds: 120, switchBackTo: 'green' });
    expect(by('standby.record').params).toMatchObject({ active: 'blue', standby: 'green' });
  });

  it('switches HAProxy traffic in one atomic change, with no TTL to wait for', () => {
    const steps = blueGreenSteps(facts({ traffic: { kind: 'haproxy', name: 'sso.acme.example' } }));
    expect(steps.find((s) => s.kind === 'traffic.switch')!.title).toMatch(/one atomic change \(front HAProxy runtime API\)/);
    expect(steps.find((s) => s.kind === 'traffic.drain')!.params).toMatchObject({ ttl: 0, graceSeconds: defaultGraceSeconds });
  });

  it('lets a Pause take effect only before anything changed, at the promotion gate, and once the watch is over: never between switch and watch', () => {
    const steps = blueGreenSteps(minor());
    expect(steps.filter((s) => pausesAfter(s.kind)).map((s) => s.kind)).toEqual(['preflight', 'promotion.gate', 'traffic.watch', 'standby.record']);
    const gate = steps.findIndex((s) => s.kind === 'promotion.gate');
    // the gate is the step right before the switch, and the only place to wait once the clone point is taken
    expect(steps[gate + 1]!.kind).toBe('traffic.switch');
    expect(steps.slice(1, gate).map((s) => pausesAfter(s.kind))).toEqual([false, false, false, false, false, false]);
    const sw = steps.findIndex((s) => s.kind === 'traffic.switch');
    const watch = steps.findIndex((s) => s.kind === 'traffic.watch');
    expect(steps.slice(sw, watch).map((s) => pausesAfter(s.kind))).toEqual([false, false]);
  });

  it('with the write freeze: blue refuses lost writes from before the clone point until the traffic left it, then accepts them again before the watch', () => {
    const steps = blueGreenSteps(minor(), { freeze: true });
    expect(shape(steps)).toEqual([
      'preflight', 'lb.freeze', 'backup.verify', 'green.provision', 'green.restore', 'green.install', 'green.verify', 'green.smoke',
      'promotion.gate', 'traffic.switch', 'traffic.drain', 'lb.thaw', 'traffic.watch', 'standby.record',
    ]);
    const by = (k: string) => steps.find((s) => s.kind === k)!;
    expect(by('lb.freeze').title).toMatch(/^Freeze writes on blue's load balancer until the switch: admin REST writes, .*password reset, .* get 503 \(POST\/PUT\/PATCH\/DELETE\); sign-in, tokens, refresh, userinfo and logout keep working$/);
    expect(by('lb.freeze').params).toMatchObject({ freezeColour: 'blue' });
    expect(by('lb.thaw').params).toMatchObject({ freezeColour: 'blue' });
    expect(by('promotion.gate').params).toMatchObject({ freeze: true });
    expect(stepKinds['lb.freeze'].inverse).toBe('thaw');
    // no pause while blue is frozen and the clone point ages, but at the gate
    expect(pausesAfter('lb.freeze')).toBe(false);
    // without it: the plan has neither step
    expect(shape(blueGreenSteps(minor())).filter((k) => k.startsWith('lb.'))).toEqual([]);
  });

  it("keeps every session in green's copy unless the operator chose to drop them, and says so in the restore step", () => {
    const restoreOf = (o = {}) => blueGreenSteps(minor(), o).find((s) => s.kind === 'green.restore')!;
    expect(restoreOf().params).toMatchObject({ sessionPolicy: 'keep-all' });
    expect(restoreOf().title).not.toMatch(/session/);
    expect(restoreOf({ sessions: 'drop-online' }).params).toMatchObject({ sessionPolicy: 'drop-online' });
    expect(restoreOf({ sessions: 'drop-online' }).title).toMatch(/; drop the online sessions it carries \(offline tokens stay\)$/);
    expect(restoreOf({ sessions: 'drop-all' }).title).toMatch(/everyone signs in again\)$/);
  });

  it('freezes by default in production when the load balancer can, never when it cannot, and the operator decides either way', () => {
    const bg = (cluster: Partial<Parameters<typeof planStrategies>[0]['cluster']>) => planStrategies({ change: classifyChange('26.5.6', '26.7.3'), exitCode: 3, verdict: 'recreate', reasons: [], cluster: { nodes: ['n1', 'n2'], loadBalancer: true, traffic: { kind: 'dns', name: 'sso.lab.test', ttl: 1 }, terraform: true, ...cluster } })
      .strategies.find((s) => s.name === 'blue-green')!;
    const freezes = (c: Partial<Parameters<typeof planStrategies>[0]['cluster']>) => bg(c).steps.some((s) => s.kind === 'lb.freeze');
    expect(freezes({ environment: 'production', canFreeze: true })).toBe(true);
    expect(freezes({ canFreeze: true })).toBe(true);
    expect(freezes({ environment: 'lab', canFreeze: true })).toBe(false);
    expect(freezes({ environment: 'lab', canFreeze: true, freeze: 'on' })).toBe(true);
    expect(freezes({ environment: 'production', canFreeze: true, freeze: 'off' })).toBe(false);
    expect(freezes({ environment: 'production', canFreeze: false })).toBe(false);
    // the plan says which, and why
    expect(bg({ environment: 'production', canFreeze: true }).downtime.text).toMatch(/are refused with 503 from the clone point to the switch; sign-in and tokens keep working/);
    expect(bg({ environment: 'production', canFreeze: false }).downtime.text).toMatch(/cannot freeze writes \(no loadBalancer\.freeze\): changes written to blue after the clone point are counted and named at the promotion gate, not prevented/);
    // the plan names who signs in again: everyone who signed in on blue during the window, and more with a session policy that drops sessions
    expect(bg({ environment: 'production', canFreeze: false }).downtime.text).toMatch(/Users who sign in on blue between the clone point and the switch are not signed in on green: they sign in again \(counted at the gate\)\.$/);
    expect(bg({ environment: 'production', canFreeze: true, sessions: 'drop-online' }).downtime.text).toMatch(/drops the online sessions \(drop-online\): users signed in before the clone point sign in again; offline tokens keep working\.$/);
    expect(bg({ environment: 'lab', canFreeze: true }).downtime.text).toMatch(/^No outage: .*Write freeze off: /);
  });

  it('declares an inverse for every kind that changes something, and says why for every kind', () => {
    const inverse = (k: keyof typeof stepKinds) => stepKinds[k].inverse;
    expect(['green.provision', 'green.restore', 'green.install'].map((k) => inverse(k as keyof typeof stepKinds))).toEqual(['destroy-green', 'destroy-green', 'destroy-green']);
    expect(inverse('traffic.switch')).toBe('switch-back');
    expect(inverse('standby.record')).toBe('switch-back');
    // the others read, wait, decide or remove green: nothing to undo
    expect(['backup.verify', 'green.verify', 'green.smoke', 'promotion.gate', 'traffic.drain', 'traffic.watch', 'green.destroy'].map((k) => inverse(k as keyof typeof stepKinds))).toEqual(Array(7).fill('none'));
    for (const rule of Object.values(stepKinds)) expect(rule.why).toMatch(/^[A-Z].{6,}\.$/);
  });
});

describe('blue/green is executable where the cluster has what its steps need', () => {
  const bgOf = (cluster: Partial<Parameters<typeof planStrategies>[0]['cluster']> = {}) => planStrategies({ change: classifyChange('26.5.6', '26.7.3'), exitCode: 3, verdict: 'recreate', reasons: [], cluster: { nodes: ['n1', 'n2'], loadBalancer: true, traffic: { kind: 'dns', name: 'sso.lab.test', ttl: 1 }, terraform: true, ansible: true, environment: 'lab', ...cluster } })
    .strategies.find((s) => s.name === 'blue-green')!;

  it('names only kinds the engine implements, every one but preflight a blue/green kind', () => {
    const steps = blueGreenSteps(facts());
    expect(steps.filter((s) => !isStepKind(s.kind))).toEqual([]);
    expect(steps.filter((s) => !isBlueGreenKind(s.kind)).map((s) => s.kind)).toEqual(['preflight']);
    expect(isBlueGreenKind('node.install')).toBe(false);
  });

  it('refuses a front HAProxy switch without its map or colour backends, and a cluster without a load balancer or Ansible, saying what to add', () => {
    expect(bgOf({ traffic: { kind: 'haproxy', name: 'sso.example' }, frontMissing: ['map: <the map file haproxy.cfg routes the host with>'] })).toMatchObject({ available: true, executable: false, executableWhy: expect.stringMatching(/add map: <the map file/) });
    const front = bgOf({ traffic: { kind: 'haproxy', name: 'sso.example' }, frontMissing: [] });
    expect(front).toMatchObject({ available: true, executable: true });
    expect(front.steps.find((s) => s.kind === 'traffic.switch')!.title).toBe("Switch sso.example to green's backend in one atomic change (front HAProxy runtime API)");
    expect(bgOf({ loadBalancer: false })).toMatchObject({ executable: false, executableWhy: expect.stringMatching(/add loadBalancer/) });
    expect(bgOf({ ansible: false })).toMatchObject({ executable: false, executableWhy: expect.stringMatching(/no Ansible inventory/) });
    expect(bgOf({ terraform: false })).toMatchObject({ available: false, executable: false });
    expect(bgOf({ smokeMissing: ['smoke: { user: { username, passwordRef } }'] })).toMatchObject({ executable: false, executableWhy: 'Green is smoke-tested before any switch (client credentials, a password login, an admin API read): add smoke: { user: { username, passwordRef } } to the cluster file.' });
    expect(bgOf({ colours: { active: 'blue', others: [{ colour: 'green', role: 'standby' }] } })).toMatchObject({ executable: false, executableWhy: expect.stringMatching(/^A green deployment is still on record as standby: decommission it first/) });
    expect(bgOf({ colours: { active: 'green', others: [] } }).steps[2]!.title).toMatch(/^Create blue:/);
    expect(bgOf({ blueGreen: { watchSeconds: 20, graceSeconds: 3 } }).steps.find((s) => s.kind === 'traffic.watch')!.title).toMatch(/^Watch sso.lab.test with the prober for 20 s/);
  });

  it('is executable for a DNS-switched cluster with Terraform, and its plan lists the steps the engine runs', () => {
    const bg = bgOf();
    expect(bg).toMatchObject({ available: true, executable: true, executableWhy: expect.stringMatching(/^Ready to run: green is built with the cluster's Terraform/) });
    expect(bg.steps.map((s) => s.kind)).toEqual(blueGreenSteps(facts({ environment: 'lab' }, '26.5.6', '26.7.3')).map((s) => s.kind));
    expect(bg.rollback.steps[0]).toBe("Switch sso.lab.test back to blue's load balancer (RFC 2136 DNS update, TTL 1 s)");
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
