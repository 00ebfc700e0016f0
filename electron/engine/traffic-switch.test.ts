/**
 * The blue/green traffic switch through the cluster spec, against a real
 * BIND 9 (RFC 2136 with TSIG, the key from a file and from an environment
 * variable) and a real HAProxy routing the host name through a map.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSpecSchema, type ClusterSpec, type ClusterSpecInput } from '../../shared/contract/index.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { freePort, makeTempDir, type Daemon } from '../tools/test-support/daemon.ts';
import { runHaproxyConfig } from '../tools/test-support/haproxy.ts';
import { startNamed, type TestNamed } from '../tools/test-support/named.ts';
import { colourAt, colourTarget, parseTsigKey, pointTraffic, readTraffic } from './traffic-switch.ts';

const FRONT = '127.0.36.21';
let named: TestNamed;
let tmp: { dir: string; remove(): Promise<void> };
let haproxy: Daemon;
let api: string;
let mapFile: string;

const base = (traffic: ClusterSpecInput['traffic']): ClusterSpec => clusterSpecSchema.parse({
  name: 'acme',
  keycloak: { version: '26.7.0' },
  nodes: [{ name: 'n1', host: '127.0.36.30', user: 'kc' }],
  database: { host: '127.0.36.31', name: 'keycloak', user: 'keycloak' },
  traffic,
});

beforeAll(async () => {
  named = await startNamed('127.0.30.7');
  tmp = await makeTempDir('traffic-switch');
  api = join(tmp.dir, 'admin.sock');
  mapFile = join(tmp.dir, 'hosts.map');
  await writeFile(mapFile, 'sso.acme.example blue\n');
  const port = await freePort(FRONT);
  haproxy = await runHaproxyConfig(tmp, [
    'global', `  stats socket ${api} mode 600 level admin`,
    'defaults', '  mode http', '  timeout connect 2s', '  timeout client 10s', '  timeout server 10s',
    'frontend fe', `  bind ${FRONT}:${port}`, `  use_backend %[req.hdr(host),lower,map(${mapFile},blue)]`,
    'backend blue', '  server b1 127.0.36.32:8080',
    'backend green', '  server g1 127.0.36.33:8080',
    // checked, and nothing listens there: HAProxy sees it DOWN
    'backend amber', '  server a1 127.0.36.34:8080 check inter 200ms fall 1',
    '',
  ].join('\n'), { address: FRONT, port, socketPath: api });
});

afterAll(async () => {
  await haproxy?.stop();
  await tmp?.remove();
  await named?.stop();
});

async function keyturnError(p: Promise<unknown>): Promise<KeyturnError> {
  const err = await p.then(() => new Error('expected a KeyturnError'), (e: unknown) => e);
  expect(err).toBeInstanceOf(KeyturnError);
  return err as KeyturnError;
}

describe('DNS traffic (RFC 2136)', () => {
  const dns = (name: string, extra: Record<string, unknown> = {}) => base({ kind: 'dns', name, server: named.server, port: named.port, zone: named.zone, ttl: 1, tsigKeyRef: { file: named.key.file }, ...extra });

  it('points the name at green, reads it back, and reports blue as where it pointed before', async () => {
    const spec = dns('sso.lab.test');
    await pointTraffic(spec, { kind: 'dns', address: '127.0.10.100' });
    const r = await pointTraffic(spec, { kind: 'dns', address: '127.0.20.100' });
    expect(r).toMatchObject({ previous: '127.0.10.100', now: '127.0.20.100', changed: true, ttlSeconds: 1 });
    expect(await readTraffic(spec)).toBe('127.0.20.100');
  });

  it('changes nothing when the name already points at the target (a resumed switch)', async () => {
    const spec = dns('again.lab.test');
    await pointTraffic(spec, { kind: 'dns', address: '127.0.20.100' });
    expect(await pointTraffic(spec, { kind: 'dns', address: '127.0.20.100' })).toMatchObject({ previous: '127.0.20.100', changed: false });
  });

  it('signs with a key held in an environment variable, and derives the zone from the name', async () => {
    const text = `key "${named.key.name}" {\n\talgorithm ${named.key.algorithm};\n\tsecret "${named.key.secret}";\n};\n`;
    process.env.KEYTURN_TEST_TSIG = text;
    try {
      const spec = dns('env.lab.test', { zone: undefined, tsigKeyRef: { env: 'KEYTURN_TEST_TSIG' } });
      expect((await pointTraffic(spec, { kind: 'dns', address: '127.0.20.101' })).now).toBe('127.0.20.101');
    } finally {
      delete process.env.KEYTURN_TEST_TSIG;
    }
  });

  it('reports a refused update with the zone, and leaves the name as it was', async () => {
    const spec = dns('refused.lab.test');
    await pointTraffic(spec, { kind: 'dns', address: '127.0.10.100' });
    const err = await keyturnError(pointTraffic(dns('refused.lab.test', { tsigKeyRef: { file: named.wrongSecretKey.file } }), { kind: 'dns', address: '127.0.20.100' }));
    expect(err.message).toMatch(/lab\.test/);
    expect(err.message + err.hint).not.toContain(named.key.secret);
    expect(await readTraffic(spec)).toBe('127.0.10.100');
  });

  it('refuses a key that is not in named.conf syntax, naming the reference', () => {
    expect(() => parseTsigKey('not a key', 'traffic.tsigKeyRef')).toThrow(/traffic\.tsigKeyRef does not hold a TSIG key/);
  });
});

describe('HAProxy traffic (one map entry)', () => {
  const front = (extra: Record<string, unknown> = {}) => base({ kind: 'haproxy', name: 'SSO.acme.example', runtimeApi: api, backend: 'blue', map: mapFile, ...extra });

  it('moves the host to the green backend in one change and back again', async () => {
    expect(await readTraffic(front())).toBe('blue');
    expect(await pointTraffic(front(), { kind: 'haproxy', backend: 'green' })).toMatchObject({ previous: 'blue', now: 'green', changed: true, ttlSeconds: null });
    expect(await pointTraffic(front(), { kind: 'haproxy', backend: 'green' })).toMatchObject({ changed: false });
    expect(await pointTraffic(front(), { kind: 'haproxy', backend: 'blue' })).toMatchObject({ previous: 'green', now: 'blue' });
  });

  it('says which setting is missing when the cluster names no map', async () => {
    const err = await keyturnError(pointTraffic(front({ map: undefined }), { kind: 'haproxy', backend: 'green' }));
    expect(err.message).toMatch(/traffic\.map/);
    expect(err.hint).toMatch(/use_backend/);
  });

  it('refuses a backend its own check sees DOWN, and one that does not send to the colour\'s load balancer, moving nothing', async () => {
    const down = await keyturnError(pointTraffic(front(), { kind: 'haproxy', backend: 'amber' }));
    expect(down.message).toMatch(/does not see backend 'amber' UP \(a1 DOWN/);
    expect(down.hint).toMatch(/No traffic was moved/);
    const elsewhere = await keyturnError(pointTraffic(front(), { kind: 'haproxy', backend: 'green', via: { address: '127.0.36.40', port: 8080 } }));
    expect(elsewhere.message).toBe("The front HAProxy's backend 'green' does not send to 127.0.36.40:8080, the load balancer of the colour it is to reach (it sends to 127.0.36.33:8080).");
    expect(await readTraffic(front())).toBe('blue');
    expect(await pointTraffic(front(), { kind: 'haproxy', backend: 'green', via: { address: '127.0.36.33', port: 8080 } })).toMatchObject({ now: 'green', changed: true });
    expect(await pointTraffic(front(), { kind: 'haproxy', backend: 'blue' })).toMatchObject({ now: 'blue' });
  });

  it("names each colour's target and tells which colour the map points at", () => {
    const spec = front({ backends: { blue: 'blue', green: 'green' } });
    const colour = (c: 'blue' | 'green', address: string) => ({ colour: c, deployment: { loadBalancer: { address, port: 8080 } } }) as unknown as Parameters<typeof colourTarget>[1];
    expect(colourTarget(spec, colour('green', '127.0.36.33'))).toEqual({ kind: 'haproxy', backend: 'green', via: { address: '127.0.36.33', port: 8080 } });
    expect(colourAt(spec, 'green', [colour('blue', '127.0.36.32'), colour('green', '127.0.36.33')])?.colour).toBe('green');
    expect(colourAt(spec, 'amber', [colour('blue', '127.0.36.32')])).toBeNull();
    expect(() => colourTarget(front(), colour('green', '127.0.36.33'))).toThrow(/traffic\.backends/);
  });

  it('refuses a backend HAProxy does not have before changing anything', async () => {
    const err = await keyturnError(pointTraffic(front(), { kind: 'haproxy', backend: 'purple' }));
    expect(err.message).toMatch(/no backend 'purple'/);
    expect(await readTraffic(front())).toBe('blue');
  });
});
