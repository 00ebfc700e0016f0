/**
 * The check-tolerance rule against real HAProxy processes: the lab's own
 * haproxy.cfg (written by resources/lab/scripts/haproxy.sh, the tolerant
 * settings) and a config with the settings that once took the last serving
 * node out of rotation (`fall 2` at 250 ms). The backend servers need not
 * exist: HAProxy reports its check settings whether the checks pass or not.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessCheckTolerance, checkTolerance, readCheckSettings, type ServerCheckSettings } from './haproxy-checks.ts';
import { freePort, makeTempDir, type Daemon } from './test-support/daemon.ts';
import { runHaproxyConfig } from './test-support/haproxy.ts';
import { startLabHaproxy, type LabHaproxy } from './test-support/lab-haproxy.ts';

const backend = 'keycloak';
let lab: LabHaproxy;
let tight: { socketPath: string; daemon: Daemon; remove(): Promise<void> };

/** A haproxy whose backend mixes the incident's settings, HAProxy's defaults and an unchecked server. */
async function startTightHaproxy(address: string): Promise<typeof tight> {
  const tmp = await makeTempDir('haproxy-checks');
  const socketPath = join(tmp.dir, 'admin.sock');
  const port = await freePort(address);
  const config = [
    'global',
    `  stats socket ${socketPath} mode 600 level admin`,
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 10s',
    '  timeout server 10s',
    'frontend fe',
    `  bind ${address}:${port}`,
    `  default_backend ${backend}`,
    `backend ${backend}`,
    '  option httpchk GET /health/ready',
    '  default-server check inter 250ms fall 2 rise 2',
    '  server n1 127.0.34.1:8080',
    '  server n2 127.0.34.2:8080',
    '  server n3 127.0.34.3:8080 check inter 2s fall 3',
    '  server n4 127.0.34.4:8080 no-check',
    '',
  ].join('\n');
  const daemon = await runHaproxyConfig(tmp, config, { address, port, socketPath });
  return { socketPath, daemon, remove: tmp.remove };
}

beforeAll(async () => {
  const nodes = [
    { name: 'n1', address: '127.0.34.11' },
    { name: 'n2', address: '127.0.34.12' },
  ];
  [lab, tight] = await Promise.all([startLabHaproxy('127.0.34.100', nodes, await freePort('127.0.34.11')), startTightHaproxy('127.0.34.101')]);
});

afterAll(async () => {
  await lab?.stop();
  await tight?.daemon.stop();
  await tight?.remove();
});

describe('readCheckSettings', () => {
  it('reads rise, fall and whether each server is checked', async () => {
    expect(await readCheckSettings(tight.socketPath, backend)).toEqual([
      { server: 'n1', checked: true, rise: 2, fall: 2, transitionIntervalMs: null },
      { server: 'n2', checked: true, rise: 2, fall: 2, transitionIntervalMs: null },
      { server: 'n3', checked: true, rise: 2, fall: 3, transitionIntervalMs: null },
      { server: 'n4', checked: false, rise: null, fall: null, transitionIntervalMs: null },
    ]);
  });

  it('reads the lab settings (fall 4, rise 2)', async () => {
    expect(lab.config).toMatch(/fastinter 500ms downinter 500ms fall 4 rise 2/);
    expect(await readCheckSettings(lab.socketPath, backend)).toEqual([
      { server: 'n1', checked: true, rise: 2, fall: 4, transitionIntervalMs: null },
      { server: 'n2', checked: true, rise: 2, fall: 4, transitionIntervalMs: null },
    ]);
  });

  it('names a backend HAProxy does not have', async () => {
    await expect(readCheckSettings(lab.socketPath, 'nope')).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining("no backend 'nope'") });
  });

  it('refuses a backend name that would change the command', async () => {
    await expect(readCheckSettings(lab.socketPath, 'keycloak 4 -1')).rejects.toMatchObject({ code: 'invalid-input' });
  });
});

describe('assessCheckTolerance against a real HAProxy', () => {
  it('has nothing to say about the lab settings, and records what it checked', async () => {
    const report = await assessCheckTolerance(lab.socketPath, backend);
    expect(report.warnings).toEqual([]);
    expect(report.summary).toMatch(/^HAProxy backend keycloak: n1, n2 go out of rotation after 4 failed checks in a row; with fastinter 500 ms or more/);
  });

  it('warns about fall 2 at 250 ms, naming the servers and the setting, and what to set', async () => {
    const report = await assessCheckTolerance(tight.socketPath, backend);
    expect(report.summary).toBeNull();
    expect(report.warnings.map((w) => w.servers)).toEqual([['n1', 'n2'], ['n3']]);
    const [fall2, fall3] = report.warnings;
    expect(fall2!.message).toMatch(/^n1, n2 in HAProxy backend keycloak go out of rotation after 2 failed health checks in a row \(fall 2\): .*at least 1\.5 s/);
    expect(fall2!.message).toMatch(/503/);
    expect(fall2!.hint).toMatch(/\(fall − 1\) × fastinter ≥ 1\.5 s/);
    expect(fall2!.hint).toMatch(/fall 4/);
    expect(fall2!.hint).toMatch(/does not report the check interval/);
    // HAProxy's default fall with an unknown interval: safe only from 750 ms between checks.
    expect(fall3!.message).toMatch(/^n3 in HAProxy backend keycloak .*\(fall 3\).*at least 750 ms/);
    // The unchecked server is never taken out by a check: not named.
    expect(report.warnings.flatMap((w) => w.servers)).not.toContain('n4');
  });

  it('turns a runtime API it cannot read into a warning, not a failure', async () => {
    const unreadable = await assessCheckTolerance(join(lab.socketPath, '..', 'missing.sock'), backend, { timeoutMs: 5000 });
    expect(unreadable.summary).toBeNull();
    expect(unreadable.warnings).toEqual([
      expect.objectContaining({ servers: [], message: expect.stringMatching(/^Could not read the health-check settings of HAProxy backend keycloak: Cannot reach the HAProxy runtime API/) }),
    ]);
    const wrongBackend = await assessCheckTolerance(lab.socketPath, 'nope');
    expect(wrongBackend.warnings[0]!.message).toMatch(/no backend 'nope'/);
  });

  it('passes a cancellation on instead of turning it into a warning', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(assessCheckTolerance(lab.socketPath, backend, { signal: controller.signal })).rejects.toMatchObject({ code: 'aborted' });
  });
});

describe('checkTolerance (the rule)', () => {
  const s = (server: string, fall: number | null, transitionIntervalMs: number | null = null, checked = true): ServerCheckSettings => ({ server, checked, rise: 2, fall, transitionIntervalMs });

  it('measures (fall − 1) × interval against 1.5 s when the interval is known', () => {
    expect(checkTolerance(backend, [s('n1', 4, 500), s('n2', 2, 2000)])).toEqual([]);
    const [w] = checkTolerance(backend, [s('n1', 2, 250), s('n2', 2, 250)]);
    expect(w).toMatchObject({ servers: ['n1', 'n2'] });
    expect(w!.message).toMatch(/after 2 failed health checks 250 ms apart \(fall 2, fastinter 250 ms\): a readiness dip of 250 ms takes them out/);
    expect(w!.hint).toMatch(/With fastinter 250 ms that is fall 7 or more\./);
    expect(checkTolerance(backend, [s('n1', 4, 250)])[0]!.hint).toMatch(/fall 7 or more/);
  });

  it('asks for fall 4 when the interval is unknown, and says a fall of 1 tolerates nothing', () => {
    expect(checkTolerance(backend, [s('n1', 4), s('n2', 6)])).toEqual([]);
    const [w] = checkTolerance(backend, [s('n1', 1)]);
    expect(w!.message).toMatch(/after a single failed health check \(fall 1\): any readiness dip takes them out/);
    expect(w!.hint).toMatch(/fall 1 tolerates no failed check at any interval/);
  });

  it('ignores servers without checks and takes a custom required span', () => {
    expect(checkTolerance(backend, [s('n1', null, null, false), s('n2', 2, null, false)])).toEqual([]);
    expect(checkTolerance(backend, [s('n1', 4, 500)], 3000)).toHaveLength(1);
  });
});
