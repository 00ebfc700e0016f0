/**
 * Issue 3 on the real lab: a 2-node Keycloak cluster on PostgreSQL behind
 * HAProxy and a DNS name, built by Terraform and Ansible, reached over SSH.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { resolve as resolveDns } from '../../electron/tools/dns.ts';
import { requestViaDns } from '../../electron/tools/http-via-dns.ts';
import { findJdk, type JdkInfo } from '../../electron/tools/toolchain.ts';
import { keyturn, processesUnder, ensureLabUp } from './lab-harness.ts';
import { ensureLabAt } from './lab-cluster.ts';

const lab = inject('lab');
/** The JDK this machine offers Keycloak, found the way `lab up` finds it (Temurin 25 first, else the newest 21+). */
let jdk: JdkInfo | null = null;

beforeAll(async () => {
  await ensureLabUp(lab);
  await ensureLabAt(lab.home, lab.version);
  jdk = await findJdk(21);
}, 60 * 60_000);

interface Status {
  state: string;
  url: string;
  dns: { server: string; port: number; name: string };
  realm: string;
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  clusterSize: number;
  nodes: { name: string; address: string; version: string; ready: boolean; jdk: string }[];
  problems: string[];
}

async function status(): Promise<Status> {
  const r = await keyturn(lab.home, ['lab', 'status', '--json']);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Status;
}

const form = (o: Record<string, string>) => new URLSearchParams(o).toString();

describe('the lab', () => {
  it("reports one cluster of size 2, every node ready on the requested version and this machine's JDK (21 or newer)", async () => {
    const s = await status();
    expect(s.problems).toEqual([]);
    expect(s.state).toBe('up');
    expect(s.clusterSize).toBe(2);
    expect(s.url).toBe('http://sso.lab.test:8080');
    expect(s.dns).toEqual({ server: '127.0.53.1', port: 53, name: 'sso.lab.test' });
    expect(s.nodes.map((n) => [n.name, n.address, n.version, n.ready])).toEqual([
      ['n1', '127.0.10.1', lab.version, true],
      ['n2', '127.0.10.2', lab.version, true],
    ]);
    expect(jdk, 'lab up ran, so a JDK 21 or newer is installed under /usr/lib/jvm').not.toBeNull();
    for (const n of s.nodes) {
      expect(n.jdk).toContain(`(${jdk!.home})`);
      expect(n.jdk).toContain(jdk!.version);
    }
  });

  it('resolves sso.lab.test through its own DNS server to the load balancer, with TTL 1', async () => {
    const r = await resolveDns({ server: '127.0.53.1', port: 53, name: 'sso.lab.test', type: 'A' });
    expect(r).toEqual({ status: 'ok', values: ['127.0.10.100'], ttl: 1 });
  });

  it('issues tokens through sso.lab.test: client credentials, password login, refresh, userinfo', async () => {
    const s = await status();
    const dns = { server: s.dns.server, port: s.dns.port };
    const tokenUrl = `${s.url}/realms/${s.realm}/protocol/openid-connect/token`;
    const post = (body: Record<string, string>) =>
      requestViaDns(tokenUrl, dns, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form({ client_id: s.clientId, client_secret: s.clientSecret, ...body }) });

    const cc = await post({ grant_type: 'client_credentials' });
    expect(cc.status, cc.body).toBe(200);
    expect(cc.address).toBe('127.0.10.100');
    const ccToken = JSON.parse(cc.body) as { access_token: string; token_type: string };
    expect(ccToken.token_type).toBe('Bearer');
    const claims = JSON.parse(Buffer.from(ccToken.access_token.split('.')[1]!, 'base64url').toString()) as { iss: string };
    expect(claims.iss).toBe(`${s.url}/realms/${s.realm}`);

    const login = await post({ grant_type: 'password', username: s.username, password: s.password, scope: 'openid' });
    expect(login.status, login.body).toBe(200);
    const tokens = JSON.parse(login.body) as { access_token: string; refresh_token: string };
    const refreshed = await post({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refreshed.status, refreshed.body).toBe(200);
    const info = await requestViaDns(`${s.url}/realms/${s.realm}/protocol/openid-connect/userinfo`, dns, {
      headers: { authorization: `Bearer ${(JSON.parse(refreshed.body) as { access_token: string }).access_token}` },
    });
    expect(info.status).toBe(200);
    expect((JSON.parse(info.body) as { preferred_username: string }).preferred_username).toBe(s.username);

    const wrong = await post({ grant_type: 'password', username: s.username, password: 'not-the-password' });
    expect(wrong.status).toBeGreaterThanOrEqual(400);
    expect((JSON.parse(wrong.body) as { error: string }).error).toBe('invalid_grant');
  });

  it('registered the lab as cluster "lab" with pinned host keys and secrets only by reference', async () => {
    const r = await keyturn(lab.home, ['cluster', 'show', 'lab', '--json']);
    const detail = JSON.parse(r.stdout) as { spec: { keycloak: { options: Record<string, string>; secretOptions: Record<string, unknown> } }; nodes: { hostKey: { fingerprint: string } | null }[] };
    expect(detail.nodes).toHaveLength(2);
    for (const n of detail.nodes) expect(n.hostKey?.fingerprint).toMatch(/^SHA256:/);
    expect(detail.spec.keycloak.options).toMatchObject({ db: 'postgres', 'cache-stack': 'jdbc-ping', 'health-enabled': 'true' });
    expect(detail.spec.keycloak.options['db-password']).toBeUndefined();
    expect(detail.spec.keycloak.secretOptions['db-password']).toMatchObject({ file: expect.stringContaining('/lab/secrets/') as string });
  });

  it('recorded the build as a run with Terraform and Ansible events, and no secret in the ledger', async () => {
    const s = await status();
    const runs = JSON.parse((await keyturn(lab.home, ['runs', 'list', '--json'])).stdout) as { id: string; kind: string; status: string }[];
    const upRun = runs.find((r) => r.kind === 'lab-up' && r.status === 'succeeded');
    expect(upRun).toBeDefined();
    const exported = (await keyturn(lab.home, ['ledger', 'export'])).stdout;
    expect(exported).toMatch(/"source": "terraform"/);
    expect(exported).toMatch(/terraform\.apply_complete/);
    expect(exported).toMatch(/"source": "ansible"/);
    expect(exported).toMatch(/ansible\.task_ok/);
    for (const secret of [s.clientSecret, s.password]) expect(exported).not.toContain(secret);
  });

  it('refuses a second lab on the same addresses, naming the taken port, and cleans up its half-built state', async () => {
    const other = mkdtempSync(join(tmpdir(), 'keyturn-it-conflict-'));
    try {
      const up = await keyturn(other, ['lab', 'up', '--version', lab.version, '--nodes', '2']);
      expect(up.exitCode).not.toBe(0);
      expect(up.stderr).toMatch(/127\.0\.(10|53)\.\d+:\d+/);
      expect(up.stderr).toMatch(/hint: /);
      const down = await keyturn(other, ['lab', 'down']);
      expect(down.exitCode, down.stderr).toBe(0);
      expect(processesUnder(join(other, 'lab'))).toEqual([]);
      // the first lab is untouched
      expect((await status()).clusterSize).toBe(2);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('refuses a version that is not published, before changing anything', async () => {
    const r = await keyturn(lab.home, ['artifacts', 'fetch', '26.6.0']);
    expect(r.exitCode).toBe(7);
    expect(r.stderr).toMatch(/26\.6\.0/);
    expect(r.stderr).toMatch(/hint: /);
  });
});
