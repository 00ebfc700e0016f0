/**
 * Issue 12, "Verify before promotion", on the real lab: the smoke tests
 * through a preview path (the lab's HAProxy by address, Host sso.lab.test)
 * and the cluster-view check of one colour (the lab's two nodes), with the
 * faults a green can have: a wrong client secret, a cluster-file check that
 * fails, a node missing from the view, a foreign member in JGROUPS_PING.
 *
 * Read-only on the lab: the spec is changed in memory only, and the foreign
 * row goes into a scratch copy of the table (a keyturn_* database dropped
 * afterwards), never into the lab's database.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createServices } from '../../electron/registry/services.ts';
import { clusterConnection } from '../../electron/services/database-connection.ts';
import { resolveSecretRef } from '../../electron/services/secret-refs.ts';
import { resolve } from '../../electron/tools/dns.ts';
import { checkColourView, type ViewNode } from '../../electron/tools/green-view.ts';
import { readJgroupsPing } from '../../electron/tools/jgroups-ping.ts';
import { runSmokeTests, smokeTargetFromSpec, type PreviewPath, type SmokeTarget } from '../../electron/tools/keycloak-smoke.ts';
import { psqlQuery, withScratchDatabase, type PgConnection } from '../../electron/tools/postgres.ts';
import type { ClusterSpec } from '../../shared/contract/index.ts';
import { ensureLabUp, keyturn } from './lab-harness.ts';

const lab = inject('lab');
const home = lab.home;

let spec: ClusterSpec;
let preview: PreviewPath;
let target: SmokeTarget;
let db: PgConnection;
let nodes: ViewNode[];
const secrets: string[] = [];

beforeAll(async () => {
  await ensureLabUp(lab);
  const s = createServices({ home, mode: 'cli' });
  try {
    spec = structuredClone(s.clusters.get('lab').spec);
  } finally {
    s.close();
  }
  // The lab's test user, as an operator would add it to the cluster file (here only in memory; its password in a 0600 file).
  const status = await keyturn(home, ['lab', 'status', '--json']);
  expect(status.exitCode, status.stderr).toBe(0);
  const creds = JSON.parse(status.stdout) as { state: string; username: string; password: string; clientSecret: string };
  expect(creds.state).toBe('up');
  const passwordFile = join(home, 'lab', 'secrets', 'smoke-user-password');
  writeFileSync(passwordFile, creds.password, { mode: 0o600 });
  spec.smoke = { user: { username: creds.username, passwordRef: { file: passwordFile } }, checks: [] };
  secrets.push(creds.password, creds.clientSecret);
  // The preview path: the address the public name points at now (the lab's HAProxy), reached by address.
  const url = new URL(spec.keycloak.url!);
  if (spec.traffic.kind !== 'dns') throw new Error('the lab steers traffic by DNS');
  const a = await resolve({ server: spec.traffic.server, port: spec.traffic.port, name: url.hostname, type: 'A' });
  preview = { address: a.values[0]!, port: Number(url.port) };
  expect(preview.address).toMatch(/^127\.0\.10\.\d+$/);
  target = await smokeTargetFromSpec(spec, preview, resolveSecretRef);
  db = await clusterConnection(spec);
  nodes = spec.nodes.map((n) => ({ name: n.name, address: n.address ?? n.host, managementPort: n.managementPort }));
}, 30 * 60_000);

const byName = (r: { checks: { name: string; ok: boolean; reason: string | null }[] }) => Object.fromEntries(r.checks.map((c) => [c.name, c]));

describe('smoke tests through the preview path', () => {
  it('passes every Keycloak check against the lab through its HAProxy address with Host sso.lab.test', async () => {
    const r = await runSmokeTests(target);
    expect(r.checks.map((c) => [c.name, c.ok, c.reason])).toEqual([
      ['client-credentials', true, null],
      ['password-login', true, null],
      ['refresh', true, null],
      ['userinfo', true, null],
      ['admin-read', true, null],
    ]);
    expect(r).toMatchObject({ ok: true, preview: `${preview.address}:${preview.port}`, host: 'sso.lab.test:8080' });
    expect(r.checks.every((c) => c.kind === 'keycloak' && c.durationMs > 0)).toBe(true);
    expect(JSON.stringify(r)).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}/); // no token of the session in the result
  });

  it('a wrong client secret fails exactly the client-credentials check, with a reason that names the URL and Keycloak\'s error but not the secret', async () => {
    const wrong = 'Wrong-Client-Secret-7f3a91';
    const wrongFile = join(home, 'lab', 'secrets', 'smoke-wrong-client-secret');
    writeFileSync(wrongFile, wrong, { mode: 0o600 });
    // probe.clientSecretRef wrong; the test user's login keeps its own (right) reference to the same client's secret.
    const faulty = structuredClone(spec);
    faulty.smoke!.user!.clientSecretRef = spec.probe!.clientSecretRef;
    faulty.probe!.clientSecretRef = { file: wrongFile };
    const r = await runSmokeTests(await smokeTargetFromSpec(faulty, preview, resolveSecretRef));
    expect(r.ok).toBe(false);
    expect(r.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['client-credentials']);
    const reason = byName(r)['client-credentials']!.reason!;
    expect(reason).toContain('POST http://sso.lab.test:8080/realms/lab/protocol/openid-connect/token');
    expect(reason).toContain(`via ${preview.address}:${preview.port}`);
    expect(reason).toMatch(/HTTP 401 \(unauthorized_client/);
    expect(JSON.stringify(r)).not.toContain(wrong);
    for (const s of [...secrets, target.client.secret]) expect(JSON.stringify(r)).not.toContain(s);

    // When the user logs in with the probe client through the same (wrong) reference, its checks say so too.
    delete faulty.smoke!.user!.clientSecretRef;
    const shared = byName(await runSmokeTests(await smokeTargetFromSpec(faulty, preview, resolveSecretRef)));
    expect(shared['password-login']!.reason).toMatch(/HTTP 401 \(unauthorized_client/);
    expect(shared['refresh']!.reason).toMatch(/^not tried/);
  });

  it("userinfo's refusal is read from its bearer challenge: admin-cli's lightweight token is not accepted", async () => {
    const r = await runSmokeTests({ ...target, user: { ...target.user!, clientId: 'admin-cli', clientSecret: null } });
    const c = byName(r);
    expect([c['password-login']!.ok, c['refresh']!.ok, c['userinfo']!.ok]).toEqual([true, true, false]);
    expect(c['userinfo']!.reason).toMatch(/userinfo via 127\.0\.10\.\d+:8080: HTTP 401 \(invalid_token - Lightweight access token not allowed for userinfo endpoint\)$/);
  });

  it('without a test user the password login says which cluster-file field to add, and refresh and userinfo say they were not tried', async () => {
    const r = await runSmokeTests({ ...target, user: null });
    const c = byName(r);
    expect(c['client-credentials']!.ok).toBe(true);
    expect(c['password-login']!.reason).toMatch(/add smoke\.user/);
    expect(c['refresh']!.reason).toMatch(/^not tried/);
    expect(c['userinfo']!.reason).toMatch(/^not tried/);
    expect(c['admin-read']!.ok).toBe(true);
  });

  it("runs the cluster file's URL and command checks through the same preview path: each passes or fails as it should", async () => {
    const probeScript = [
      "const http = require('node:http');",
      "const u = new URL(process.env.KEYTURN_PUBLIC_URL);",
      "http.get({ host: process.env.KEYTURN_PREVIEW_ADDRESS, port: Number(process.env.KEYTURN_PREVIEW_PORT), path: '/realms/lab', headers: { host: u.host } },",
      "  (res) => { res.resume(); process.exit(res.statusCode === 200 ? 0 : 3); }).on('error', () => process.exit(4));",
    ].join('\n');
    const checks = [
      { name: 'discovery', url: 'http://sso.lab.test:8080/realms/lab/.well-known/openid-configuration' },
      { name: 'unknown realm', url: 'http://sso.lab.test:8080/realms/no-such-realm/.well-known/openid-configuration' },
      { name: 'realm via preview env', argv: [process.execPath, '-e', probeScript] },
      { name: 'failing command', argv: [process.execPath, '-e', `console.error('extension check failed, client_secret=' + ${JSON.stringify(target.client.secret)}); process.exit(2)`] },
      { name: 'missing program', argv: ['/nonexistent/keyturn-smoke-check'] },
    ];
    const r = await runSmokeTests({ ...target, checks });
    const c = byName(r);
    expect(r.checks.slice(5).map((x) => [x.name, (x as { kind: string }).kind, x.ok])).toEqual([
      ['discovery', 'url', true],
      ['unknown realm', 'url', false],
      ['realm via preview env', 'command', true],
      ['failing command', 'command', false],
      ['missing program', 'command', false],
    ]);
    expect(c['unknown realm']!.reason).toMatch(/^GET http:\/\/sso\.lab\.test:8080\/realms\/no-such-realm\/\.well-known\/openid-configuration via 127\.0\.10\.\d+:8080: HTTP 404/);
    expect(c['failing command']!.reason).toMatch(/exited 2: extension check failed, client_secret=\*\*\*/);
    expect(c['missing program']!.reason).toMatch(/keyturn-smoke-check/);
    expect(JSON.stringify(r)).not.toContain(target.client.secret);
    expect(r.ok).toBe(false);
  });
});

describe("a colour's cluster view", () => {
  it('holds exactly the lab\'s two nodes: two JGROUPS_PING rows, each node sees size 2', async () => {
    const v = await checkColourView(db, nodes);
    expect(v.problems).toEqual([]);
    expect(v).toMatchObject({ ok: true, expectedSize: 2, tablePresent: true, unexpectedRows: [], missingNodes: [], wrongSize: [] });
    expect(v.sizes).toEqual([{ node: 'n1', size: 2, error: null }, { node: 'n2', size: 2, error: null }]);
  });

  it('pointed at one node only: the other node\'s row is unexpected and the node sees 2, not 1', async () => {
    const v = await checkColourView(db, nodes.slice(0, 1));
    expect(v.ok).toBe(false);
    expect(v.unexpectedRows.map((r) => r.ip.replace(/:\d+$/, ''))).toEqual([nodes[1]!.address]);
    expect(v.wrongSize).toEqual([{ node: 'n1', size: 2, error: null }]);
    expect(v.missingNodes).toEqual([]);
  });

  it('a node of the colour that is not in the view is reported missing (and its size unreadable)', async () => {
    const v = await checkColourView(db, [...nodes, { name: 'n3', address: '127.0.10.99', managementPort: 9000 }]);
    expect(v.ok).toBe(false);
    expect(v.missingNodes).toEqual(['n3']);
    expect(v.unexpectedRows).toEqual([]);
    expect(v.wrongSize.map((s) => [s.node, s.size])).toEqual([['n1', 2], ['n2', 2], ['n3', null]]);
    expect(v.wrongSize[2]!.error).toMatch(/127\.0\.10\.99:9000/);
    expect(v.problems).toContain('node n3 has no JGROUPS_PING row');
  });

  it('a foreign member in a scratch copy of the table is reported as unexpected; the lab\'s own rows stay as they were', async () => {
    const before = await readJgroupsPing(db);
    const foreign = { address: 'f0e1d2c3-0000-4000-8000-00000000beef', name: 'blue-n1', ip: '127.0.10.77:7800' };
    const v = await withScratchDatabase(db, 'keyturn_smoke_view', async (scratch) => {
      await psqlQuery(scratch, 'CREATE TABLE jgroups_ping (address VARCHAR(200) PRIMARY KEY, name VARCHAR(200), cluster_name VARCHAR(200) NOT NULL, ip VARCHAR(200) NOT NULL, coord BOOLEAN);\n');
      for (const m of [...before.members, { ...foreign, clusterName: before.members[0]!.clusterName, coordinator: false }]) {
        await psqlQuery(scratch, "INSERT INTO jgroups_ping (address, name, cluster_name, ip, coord) VALUES (:'a', :'n', :'c', :'i', :'k');\n",
          { vars: { a: m.address, n: m.name ?? '', c: m.clusterName, i: m.ip, k: String(m.coordinator) } });
      }
      return checkColourView(scratch, nodes);
    });
    expect(v.ok).toBe(false);
    expect(v.unexpectedRows.map((r) => [r.address, r.name, r.ip])).toEqual([[foreign.address, foreign.name, foreign.ip]]);
    expect(v.missingNodes).toEqual([]);
    expect(v.wrongSize).toEqual([]);
    expect((await readJgroupsPing(db)).members.map((m) => m.address)).toEqual(before.members.map((m) => m.address));
  });
});
