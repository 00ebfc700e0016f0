import { describe, expect, it } from 'vitest';
import { prepareTarget, probeOnce } from './probe-request.ts';
import { phaseVars } from './steps/install-options.ts';
import { taskState, warmUpRounds, warmupLimits, warmupVerdict } from './steps/node-steps.ts';

describe('phaseVars', () => {
  const vars = { keycloak_version: '26.7.3', keycloak_expected_cluster_size: 2 };
  it('passes an unphased run unchanged', () => expect(phaseVars(vars, 'all')).toEqual(vars));
  it('drops the membership wait for the first node of a recreate or restore, which starts alone', () =>
    expect(phaseVars(vars, 'all', false)).toEqual({ keycloak_version: '26.7.3', keycloak_join_check: false }));
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
