/**
 * Where the prober resolves the public name: the cluster's RFC 2136 server for
 * a DNS-switched cluster, `traffic.resolver` behind a front HAProxy, and, with
 * neither, no prober at all and a sentence saying what to add (never a prober
 * that resolves somewhere else than clients do).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSpecSchema, type ClusterSpecInput } from '../../shared/contract/index.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { runProbeTarget } from './run-probe-target.ts';

let dir: string;
let secretFile: string;
const front = { kind: 'haproxy', name: 'sso.acme.example', runtimeApi: '/run/front.sock', backend: 'kc_blue', map: '/etc/haproxy/hosts.map', backends: { blue: 'kc_blue', green: 'kc_green' } } as const;
const spec = (traffic: ClusterSpecInput['traffic']) => clusterSpecSchema.parse(sampleSpec({ traffic, probe: { realm: 'probe', clientId: 'keyturn-probe', clientSecretRef: { file: secretFile } } }));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyturn-probe-target-'));
  secretFile = join(dir, 'probe-secret');
  await writeFile(secretFile, 'probe-secret-7c1d\n', { mode: 0o600 });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runProbeTarget', () => {
  it("resolves through traffic.resolver behind a front HAProxy, and names the secret for redaction", async () => {
    const secrets: string[] = [];
    const r = await runProbeTarget('acme', spec({ ...front, resolver: { server: 'ns1.acme.example', port: 5353 } }), (s) => secrets.push(s));
    expect(r).toMatchObject({ target: { dns: { server: 'ns1.acme.example', port: 5353 }, clientId: 'keyturn-probe' } });
    expect(secrets).toEqual(['probe-secret-7c1d']);
  });

  it('measures nothing behind a front HAProxy without a resolver, and says what to add; the secret is not even read', async () => {
    const secrets: string[] = [];
    const r = await runProbeTarget('acme', spec(front), (s) => secrets.push(s));
    expect(r).toEqual({ disabled: 'The prober resolves sso.acme.example as clients do, through the DNS server that answers for it: add traffic.resolver: { server, port } to the cluster to measure availability.' });
    expect(secrets).toEqual([]);
  });

  it("resolves a DNS-switched cluster's name on the server its updates go to", async () => {
    const r = await runProbeTarget('acme', spec({ kind: 'dns', name: 'sso.acme.example', server: 'ns1.acme.example', port: 53 }), () => undefined);
    expect(r).toMatchObject({ target: { dns: { server: 'ns1.acme.example', port: 53 } } });
  });
});
