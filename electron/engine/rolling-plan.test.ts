import { describe, expect, it } from 'vitest';
import { clusterSpecSchema, type ClusterDetail } from '../../shared/contract/index.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { prepareTarget, probeOnce } from './probe-request.ts';
import { rollingSteps } from './rolling-plan.ts';
import { phaseVars } from './steps/install-options.ts';
import { taskState, warmUpRounds, warmupLimits, warmupVerdict } from './steps/node-steps.ts';

function cluster(phased: boolean): ClusterDetail {
  const spec = clusterSpecSchema.parse(sampleSpec({ ansible: { inventory: '/i.yml', playbook: '/p.yml', phased } }));
  return { id: 'c1', name: spec.name, spec } as ClusterDetail;
}

describe('rollingSteps', () => {
  it('prepares every node before the first drain when the playbook is phased', () => {
    const steps = rollingSteps({ cluster: cluster(true), to: '26.7.3', canary: false, backup: true });
    expect(steps.map((s) => `${s.kind}${s.node ? `:${s.node}` : ''}`)).toEqual([
      'preflight', 'backup', 'cluster.prepare',
      'node.drain:n1', 'node.install:n1', 'node.ready:n1', 'node.joined:n1', 'node.enable:n1',
      'node.drain:n2', 'node.install:n2', 'node.ready:n2', 'node.joined:n2', 'node.enable:n2',
      'verify',
    ]);
    expect(steps[2]!.params).toMatchObject({ nodes: ['n1', 'n2'], phased: true });
    expect(steps[4]!.title).toMatch(/switch to Keycloak 26\.7\.3/);
  });

  it('installs each node while drained when the playbook is not phased', () => {
    const steps = rollingSteps({ cluster: cluster(false), to: '26.7.3', canary: true, backup: true });
    expect(steps.some((s) => s.kind === 'cluster.prepare')).toBe(false);
    expect(steps.find((s) => s.kind === 'node.install')!.title).toMatch(/install Keycloak 26\.7\.3/);
    expect(steps.findIndex((s) => s.kind === 'canary')).toBe(7); // after n1's five steps
  });

  it('prepares only the nodes a rollback moves', () => {
    const steps = rollingSteps({ cluster: cluster(true), to: '26.7.0', canary: false, backup: false, nodes: ['n2'], requireReady: false });
    expect(steps.map((s) => s.kind).slice(0, 2)).toEqual(['preflight', 'cluster.prepare']);
    expect(steps[1]!.params).toMatchObject({ nodes: ['n2'], requireReady: false });
    expect(steps.filter((s) => s.node === 'n1')).toEqual([]);
  });
});

describe('phaseVars', () => {
  const vars = { keycloak_version: '26.7.3', keycloak_expected_cluster_size: 2 };
  it('passes an unphased run unchanged', () => expect(phaseVars(vars, 'all')).toEqual(vars));
  it('asks for the prepare phase without the membership wait', () =>
    expect(phaseVars(vars, 'prepare')).toEqual({ keycloak_version: '26.7.3', keycloak_phase: 'prepare' }));
  it('leaves the join check of a switch to the engine', () =>
    expect(phaseVars(vars, 'switch')).toEqual({ keycloak_version: '26.7.3', keycloak_phase: 'switch', keycloak_join_check: false }));
});

describe('taskState', () => {
  it('maps the install playbook tasks to node card states', () => {
    expect(taskState('Stop the running Keycloak (graceful)')).toBe('stopping');
    expect(taskState('Stop Keycloak before rebuilding the installation it runs from')).toBe('stopping');
    expect(taskState('Start Keycloak')).toBe('starting');
    expect(taskState('Wait until ready (fails fast if the process dies)')).toBe('starting');
    expect(taskState('Unpack into a versioned directory')).toBe('installing');
    expect(taskState('Build (kc.sh build)')).toBe('installing');
    expect(taskState('Read installation and process state')).toBeNull();
  });
});

describe('warm-up', () => {
  const fast = { ok: true, latencyMs: 20, reason: 'ok' };
  const never = new AbortController().signal;
  it('stops after the minimum once a whole round is fast', async () => {
    const r = await warmUpRounds(async () => fast, never);
    expect(r).toMatchObject({ ok: 12, sent: 12 });
  });
  it('keeps going while the node answers slowly, then stops', async () => {
    let n = 0;
    const r = await warmUpRounds(async () => (++n <= 16 ? { ok: true, latencyMs: 900, reason: 'ok' } : fast), never);
    expect(r.sent).toBe(20);
    expect(r.last.every((s) => s.latencyMs < 150)).toBe(true);
  });
  it('gives up at its time limit and reports what it got', async () => {
    const r = await warmUpRounds(async () => ({ ok: false, latencyMs: 1, reason: 'http-401' }), never, { ...warmupLimits, maxMs: 50 });
    expect(r.ok).toBe(0);
    expect(r.sent).toBeGreaterThan(0);
    expect(r.last[0]!.reason).toBe('http-401');
  });
});

describe('warmupVerdict', () => {
  const s = (ok: boolean, reason: string) => ({ ok, latencyMs: 10, reason });
  it('is warm once any token was issued', () => expect(warmupVerdict(3, [s(false, 'http-503'), s(true, 'ok')])).toBe('warm'));
  it('stops the run when the node answers but issues no token', () => expect(warmupVerdict(0, [s(false, 'http-401'), s(false, 'refused')])).toBe('no-token'));
  it('only notes a node that gives no HTTP answer on that port', () => expect(warmupVerdict(0, [s(false, 'refused'), s(false, 'timeout')])).toBe('unreachable'));
});

describe('warm-up against a node that does not answer', () => {
  it('is unreachable, not a node without tokens, when nothing listens on the port', async () => {
    // Port 1 on loopback: the kernel refuses the connection, like a node that serves TLS only.
    const target = prepareTarget({ url: 'http://127.0.30.77:1/realms/r/protocol/openid-connect/token', dns: { server: '127.0.30.77', port: 53 }, clientId: 'c', clientSecret: 's', allowedNetworks: ['127.0.30.77'] });
    const r = await warmUpRounds(() => probeOnce(target, 1000), new AbortController().signal, { ...warmupLimits, maxMs: 200 });
    expect(r.last.map((x) => x.reason)).toEqual(['refused', 'refused', 'refused', 'refused']);
    expect(warmupVerdict(r.ok, r.last)).toBe('unreachable');
  });
});

describe('rollingSteps with a probe client', () => {
  it('warms every node up before it takes traffic', () => {
    const spec = clusterSpecSchema.parse(sampleSpec({
      ansible: { inventory: '/i.yml', playbook: '/p.yml', phased: true },
      probe: { realm: 'r', clientId: 'c', clientSecretRef: { env: 'PROBE_SECRET' } },
    }));
    const steps = rollingSteps({ cluster: { id: 'c1', name: spec.name, spec } as ClusterDetail, to: '26.7.3', canary: false, backup: true });
    const n1 = steps.filter((s) => s.node === 'n1').map((s) => s.kind);
    expect(n1).toEqual(['node.drain', 'node.install', 'node.ready', 'node.joined', 'node.warmup', 'node.enable']);
  });
});
