/**
 * README: the warm-up proves each switched node issues tokens before it takes
 * traffic; "a node that issues no token stops the run before it takes
 * traffic". A real cause, no fake: the probe client's secret is changed in
 * Keycloak's database behind the running nodes (a DBA's rotation, a restored
 * dump), so the running nodes keep the secret they cached and go on issuing
 * tokens (the preflight's token through sso.lab.test succeeds), while the node
 * the run switches starts fresh, reads the new secret and refuses the probe
 * client. The run must stop at that node's warm-up with the node still out of
 * the load balancer and no request failed; with the secret put back, the
 * rollback returns the node to the old version.
 */
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureLabUp, keyturn } from './lab-harness.ts';
import { ensureLabAt, labNodes, labServers, labVersions, recordedVersion } from './lab-cluster.ts';
import { eventsOfKind, expectZeroFailed, latestRun, runStatus, stepsOf } from './lab-ledger.ts';

const lab = inject('lab');
const home = lab.home;
const from = '26.7.0';
const to = '26.7.3';

beforeAll(async () => {
  await ensureLabUp(lab);
  await ensureLabAt(home, from);
}, 60 * 60_000);

interface Creds { dbPassword: string; realm: string; clientId: string; clientSecret: string }
const creds = () => JSON.parse(readFileSync(join(home, 'lab', 'credentials.json'), 'utf8')) as Creds;

/** One statement on Keycloak's own database with psql, as its DBA would. */
async function keycloakDb(sql: string, ...vars: [string, string][]): Promise<string> {
  // On stdin, not -c: psql interpolates :'var' (quoted) only in what it reads as a script.
  const r = await execa('psql', ['-h', '127.0.10.50', '-p', '5432', '-U', 'keycloak', '-d', 'keycloak', '-v', 'ON_ERROR_STOP=1', '-At', ...vars.flatMap(([k, v]) => ['-v', `${k}=${v}`]), '-f', '-'],
    { input: `${sql};\n`, env: { PGPASSWORD: creds().dbPassword }, reject: false });
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.trim();
}

const setClientSecret = (secret: string) => keycloakDb(
  "UPDATE client SET secret = :'secret' WHERE client_id = :'client' AND realm_id = (SELECT id FROM realm WHERE name = :'realm')",
  ['secret', secret], ['client', creds().clientId], ['realm', creds().realm]);

/** A client-credentials token straight from one node (not through the load balancer). */
async function tokenFrom(address: string): Promise<number> {
  const c = creds();
  const res = await fetch(`http://${address}:8080/realms/${c.realm}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret }).toString(),
    signal: AbortSignal.timeout(60_000),
  });
  await res.text();
  return res.status;
}


describe('warm-up on the lab', () => {
  it('stops the run at the warm-up of a node that is ready but issues no token, before it takes traffic; rollback puts it back', async () => {
    // Both running nodes have the probe client in their caches, then its secret changes underneath them.
    for (const address of ['127.0.10.1', '127.0.10.2']) expect(await tokenFrom(address)).toBe(200);
    const original = creds().clientSecret;
    await setClientSecret(`rotated-${randomBytes(12).toString('hex')}`);
    let runId: string;
    try {
      for (const address of ['127.0.10.1', '127.0.10.2']) expect(await tokenFrom(address), `${address} still serves its cached client`).toBe(200);
      const r = await keyturn(home, ['upgrade', '--cluster', 'lab', '--to', to, '--yes', '--json']);
      expect(r.exitCode, r.stderr.slice(-3000)).toBe(7);
      expect(r.stderr).toMatch(/n1 is ready but issued no token in \d+ requests \(http-401/);
      runId = latestRun(home, 'upgrade')!.id;
      expect(runStatus(home, runId)).toBe('failed');
      const steps = stepsOf(home, runId);
      const failed = steps.find((s) => s.status === 'failed')!;
      expect(failed).toMatchObject({ kind: 'node.warmup', node: 'n1' });
      // n1 switched and came up ready in the cluster: only the tokens were missing
      expect(steps.filter((s) => s.node === 'n1' && ['node.drain', 'node.install', 'node.ready', 'node.joined'].includes(s.kind)).every((s) => s.status === 'succeeded')).toBe(true);
      expect(steps.find((s) => s.kind === 'node.enable' && s.node === 'n1')).toMatchObject({ status: 'pending' });
      expect(steps.filter((s) => s.node === 'n2').every((s) => s.status === 'pending')).toBe(true);
      expect(eventsOfKind(home, runId, 'node.warmup')).toEqual([]); // no "warmed up" for a node that issued nothing
      // n1 runs the new version, ready, but never went back into rotation; n2 served every request
      expect(await labVersions(home)).toEqual({ n1: to, n2: from });
      expect((await labNodes(home)).find((n) => n.name === 'n1')?.ready).toBe(true);
      const servers = await labServers(home);
      expect(servers.find((s) => s.name === 'n1')?.adminState).toBe('drain');
      expect(servers.find((s) => s.name === 'n2')).toMatchObject({ adminState: 'ready', status: 'UP' });
      expectZeroFailed(home, runId);
    } finally {
      await setClientSecret(original);
    }
    const rb = await keyturn(home, ['rollback', '--cluster', 'lab', '--json']);
    expect(rb.exitCode, rb.stderr.slice(-3000)).toBe(0);
    const rbRun = JSON.parse(rb.stdout) as { run: { id: string; status: string } };
    expect(rbRun.run.status).toBe('succeeded');
    expectZeroFailed(home, rbRun.run.id);
    expect(await labVersions(home)).toEqual({ n1: from, n2: from });
    expect((await labServers(home)).map((s) => [s.name, s.adminState, s.status])).toEqual([['n1', 'ready', 'UP'], ['n2', 'ready', 'UP']]);
    expect(recordedVersion(home)).toBe(from);
  });
});
