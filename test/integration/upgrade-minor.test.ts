/**
 * A minor upgrade on the real lab, 26.5.6 -> 26.7.3 (kc.sh update-compatibility
 * check says 3): the plan shows recreate as executable with its predicted
 * downtime; a stale plan is refused; the recreate runs exactly the plan, the
 * prober sees only HAProxy's maintenance answers during the outage and the
 * measured downtime is recorded next to the prediction; the schema guard
 * refuses the old version on the migrated schema; the restore rollback names
 * the user created after the backup, brings 26.5.6 back with the changelog of
 * the backup and keeps the migrated database under its dated name. Then a
 * first node that migrates the schema and then cannot start halts the run in
 * maintenance, and the restore rollback it offers brings the cluster back;
 * and an options-only change (same version, one option more) runs as the
 * check says and lands on every node and in the record. The recreate itself
 * survives kill -9 of the engine between the stop and the first start (one
 * recreate proves both: the suite has one lab and little time).
 *
 * The lab is rebuilt at 26.5.6 first (`lab up --version 26.5.6`): going back
 * from a 26.7 schema is only possible from a backup taken on 26.5.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { prepareTarget, probeOnce } from '../../electron/engine/probe-request.ts';
import { readSchema, schemaRefusal } from '../../electron/services/schema-guard.ts';
import { changelogState } from '../../electron/tools/postgres-changelog.ts';
import { databaseExists, type PgConnection } from '../../electron/tools/postgres.ts';
import { ensureLabUp, keyturn } from './lab-harness.ts';
import { editLab, labProcesses, labNodes, labServers, labVersions, rebuildLabAt, recordedVersion, startUpgrade, stateDirOf, waitForRun } from './lab-cluster.ts';
import { eventSeqs, eventsOfKind, expectRunIsPlan, expectZeroFailed, latestRun, probeProof, runStatus, stepsOf, withLedger } from './lab-ledger.ts';

const lab = inject('lab');
const home = lab.home;
const from = '26.5.6';
const to = '26.7.3';

interface Creds { adminUser: string; adminPassword: string; dbPassword: string; clientId: string; clientSecret: string; username: string; userPassword: string }
const creds = (): Creds => JSON.parse(readFileSync(join(home, 'lab', 'credentials.json'), 'utf8')) as Creds;

async function labDatabase(): Promise<PgConnection> {
  const show = await keyturn(home, ['cluster', 'show', 'lab', '--json']);
  const d = (JSON.parse(show.stdout) as { spec: { database: { host: string; port: number; name: string; user: string } } }).spec.database;
  return { host: d.host, port: d.port, database: d.name, user: d.user, password: creds().dbPassword };
}

/** A token through sso.lab.test, resolved by the lab's DNS server, as a client would get it. */
async function tokenThroughPublicName(): Promise<boolean> {
  const c = creds();
  const target = prepareTarget({ url: 'http://sso.lab.test:8080/realms/lab/protocol/openid-connect/token', dns: { server: '127.0.53.1', port: 53 }, clientId: c.clientId, clientSecret: c.clientSecret, allowedNetworks: ['127.0.0.0/8'] });
  for (let i = 0; i < 10; i++) {
    if ((await probeOnce(target, 5000)).ok) return true;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return false;
}

/**
 * A password sign-in of the lab user through the load balancer: an online
 * session, or an offline one (`offline_access`); returns its refresh token.
 */
async function signIn(kind: 'online' | 'offline'): Promise<string> {
  const c = creds();
  const res = await fetch('http://127.0.10.100:8080/realms/lab/protocol/openid-connect/token', {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: c.clientId, client_secret: c.clientSecret, username: c.username, password: c.userPassword, scope: kind === 'offline' ? 'openid offline_access' : 'openid' }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { refresh_token: string }).refresh_token;
}

/** The status a refresh with `token` gets through the load balancer (200: the session lives; 400: it is gone). */
async function refreshStatus(token: string): Promise<number> {
  const c = creds();
  const res = await fetch('http://127.0.10.100:8080/realms/lab/protocol/openid-connect/token', {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: c.clientId, client_secret: c.clientSecret, refresh_token: token }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Creates a realm user through Keycloak's admin REST API (the load balancer), as an administrator would. */
async function createUser(username: string): Promise<void> {
  const c = creds();
  const base = 'http://127.0.10.100:8080';
  const tok = await fetch(`${base}/realms/master/protocol/openid-connect/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username: c.adminUser, password: c.adminPassword }),
  });
  expect(tok.status).toBe(200);
  const { access_token } = (await tok.json()) as { access_token: string };
  const res = await fetch(`${base}/admin/realms/lab/users`, { method: 'POST', headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' }, body: JSON.stringify({ username, enabled: true }) });
  expect(res.status).toBe(201);
}

interface LabNodeSpec { name: string; host: string; httpPort: number }
async function labNodeSpecs(): Promise<LabNodeSpec[]> {
  const show = await keyturn(home, ['cluster', 'show', 'lab', '--json']);
  return (JSON.parse(show.stdout) as { spec: { nodes: LabNodeSpec[] } }).spec.nodes;
}

/**
 * Holds `host:port` with a plain TCP listener, retrying while the port is
 * still taken (by the Keycloak that is stopping): a real fault, the kind a
 * stray process on a node produces, that Keycloak only meets when it opens
 * its listener, after its start ran the schema migration.
 */
async function holdPort(host: string, port: number, timeoutMs: number): Promise<Server> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const server = createServer((socket) => socket.destroy());
    try {
      await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, host, () => resolve()); });
      return server;
    } catch (err) {
      server.close();
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** What a client gets from the load balancer right now: the status and its Retry-After. */
async function throughBalancer(): Promise<{ status: number; retryAfter: string | null }> {
  const res = await fetch('http://127.0.10.100:8080/realms/lab', { signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.get('retry-after') };
}

const keycloakConf = (node: string, version: string): string => readFileSync(join(stateDirOf(home), 'nodes', node, 'opt', `keycloak-${version}`, 'conf', 'keycloak.conf'), 'utf8');

const errorOf = (stdout: string) => (JSON.parse(stdout) as { error: { code: string; message: string; hint: string } }).error;

interface PlanJson {
  runId: string;
  check: { exitCode: number };
  strategies: { name: string; available: boolean; executable: boolean; executableWhy: string; downtime: { seconds: number; text: string }; steps: { kind: string; title: string; node: string | null }[] }[];
}

async function planMinor(): Promise<PlanJson> {
  const r = await keyturn(home, ['plan', '--cluster', 'lab', '--to', to, '--json'], { timeoutMs: 15 * 60_000 });
  expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
  return JSON.parse(r.stdout) as PlanJson;
}

beforeAll(async () => {
  await ensureLabUp(lab);
  await rebuildLabAt(home, from);
}, 60 * 60_000);

describe(`minor upgrade ${from} -> ${to} on the lab`, () => {
  let planId = '';
  let upgradeId = '';
  /** Sessions of the lab user that exist before the recreate's backup: the restore rollback's session policy decides their fate. */
  let before: { online: string; offline: string } | undefined;

  it('plans recreate as executable, with its predicted downtime, because the check answers 3', async () => {
    const p = await planMinor();
    expect(p.check.exitCode).toBe(3);
    const recreate = p.strategies.find((s) => s.name === 'recreate')!;
    expect(recreate).toMatchObject({ available: true, executable: true });
    expect(recreate.downtime.seconds).toBeGreaterThan(0);
    expect(recreate.downtime.text).toMatch(/Full outage/);
    expect(p.strategies.find((s) => s.name === 'rolling')).toMatchObject({ available: false, executable: false });
    planId = p.runId;
  });

  it('refuses a stale plan: the cluster record was edited after planning', async () => {
    let before: string | undefined;
    editLab(home, (spec) => { before = spec.description; spec.description = 'edited after the plan'; });
    try {
      const last = latestRun(home, 'upgrade')?.id;
      const r = await keyturn(home, ['upgrade', '--cluster', 'lab', '--to', to, '--strategy', 'recreate', '--plan', planId, '--yes', '--json']);
      expect(r.exitCode, r.stderr).toBe(4);
      const err = errorOf(r.stdout);
      expect(err.message).toMatch(/is stale: the cluster record .* was edited/);
      expect(err.hint).toMatch(/Plan again/);
      expect(latestRun(home, 'upgrade')?.id).toBe(last);
    } finally {
      editLab(home, (spec) => { if (before === undefined) delete spec.description; else spec.description = before; });
    }
  });

  it('recreates, surviving kill -9 of the engine between the stop and the first start: resume exits 0, both nodes on 26.7.3, only maintenance answers during the outage, measured downtime next to the prediction', async () => {
    before = { online: await signIn('online'), offline: await signIn('offline') };
    const previous = latestRun(home, 'upgrade')?.id;
    const child = startUpgrade(home, ['--to', to, '--strategy', 'recreate', '--yes']);
    upgradeId = await waitForRun(home, child, previous, (r) => stepsOf(home, r.id).some((s) => s.kind === 'cluster.stop' && s.status === 'succeeded'));
    child.kill('SIGKILL');
    await child;
    // a new Keyturn process finds the run interrupted, and the clients still get maintenance answers, never a refused connection
    const list = JSON.parse((await keyturn(home, ['runs', 'list', '--cluster', 'lab', '--json'])).stdout) as { id: string; status: string }[];
    expect(list.find((r) => r.id === upgradeId)?.status).toBe('interrupted');
    expect((await labServers(home)).map((s) => s.adminState)).toEqual(['maint', 'maint']);
    expect(await throughBalancer()).toMatchObject({ status: 503, retryAfter: '30' });

    const r = await keyturn(home, ['runs', 'resume', upgradeId, '--json'], { timeoutMs: 40 * 60_000 });
    expect(r.exitCode, r.stderr.slice(-4000)).toBe(0);
    expect(runStatus(home, upgradeId)).toBe('succeeded');
    expect(stepsOf(home, upgradeId).every((s) => s.status === 'succeeded')).toBe(true);
    const seqs = eventSeqs(home, upgradeId);
    expect(seqs).toEqual(seqs.map((_, i) => i));
    expect(await labVersions(home)).toEqual({ n1: to, n2: to });
    expect(recordedVersion(home)).toBe(to);
    expect((await labServers(home)).map((s) => `${s.name} ${s.adminState} ${s.status}`)).toEqual(['n1 ready UP', 'n2 ready UP']);
    // the run is the approved plan, step for step
    expectRunIsPlan(home, upgradeId);
    const doc = JSON.parse(r.stdout) as { downtime: { predictedSeconds: number; measuredSeconds: number; maintenanceAnswers: number; otherFailures: Record<string, number> } };
    expect(doc.downtime.predictedSeconds).toBeGreaterThan(0);
    expect(doc.downtime.measuredSeconds).toBeGreaterThan(0);
    expect(doc.downtime.maintenanceAnswers).toBeGreaterThan(10);
    // no refused connection, no timeout, from either engine process: every failed request was HAProxy's 503 with Retry-After
    expect(doc.downtime.otherFailures).toEqual({});
    const proof = probeProof(home, upgradeId);
    expect(proof.disabled).toEqual([]);
    expect(proof.failed).toBe(doc.downtime.maintenanceAnswers);
    expect(eventsOfKind(home, upgradeId, 'downtime.measured')).toHaveLength(1);
    // the outage ended as soon as n1 answered ready: set UP in the real HAProxy, not after its rise checks
    expect(eventsOfKind(home, upgradeId, 'lb.maintenance-ended').map((e) => e.data)).toEqual([expect.objectContaining({ node: 'n1', forcedUp: true })]);
    expect(await tokenThroughPublicName()).toBe(true);
  });

  it('the schema guard refuses Keycloak 26.5.6 on the migrated schema, and a recreate back to it is not offered', async () => {
    // The guard itself, against the real migrated schema and the real 26.5.6 distribution: change sets 26.5.6 does not ship.
    const stored = JSON.parse((await keyturn(home, ['artifacts', 'list', '--json'])).stdout) as { stored: { version: string; path: string }[] };
    const zip = stored.stored.find((a) => a.version === from)!.path;
    const show = JSON.parse((await keyturn(home, ['cluster', 'show', 'lab', '--json'])).stdout) as { spec: Parameters<typeof readSchema>[0] };
    const reading = await readSchema(show.spec, zip);
    expect(reading.unknown.length).toBeGreaterThan(0);
    expect(reading.unknown.some((u) => u.startsWith('META-INF/jpa-changelog-26.7.0.xml'))).toBe(true);
    const refusal = schemaRefusal('lab', from, reading.unknown);
    expect(refusal?.message).toMatch(/Keycloak 26\.5\.6 will not be started on cluster 'lab': its database holds \d+ change sets? Keycloak 26\.5\.6 does not ship \(.*META-INF\/jpa-changelog-26\.7\.0\.xml/);
    expect(refusal?.hint).toMatch(/keyturn rollback --cluster lab/);
    const r = await keyturn(home, ['upgrade', '--cluster', 'lab', '--to', from, '--strategy', 'recreate', '--yes', '--json'], { timeoutMs: 15 * 60_000 });
    expect(r.exitCode).toBe(2);
    expect(errorOf(r.stdout).message).toMatch(/needs the database as it was on 26\.5\.6/);
    expect(await labVersions(home)).toEqual({ n1: to, n2: to });
  });

  it('the restore rollback names the user created after the backup, brings 26.5.6 back with the backup\'s changelog, and keeps the migrated database', async () => {
    const username = `after-backup-${Date.now()}`;
    await createUser(username);
    const planned = await keyturn(home, ['rollback', '--cluster', 'lab', '--plan', '--json']);
    expect(planned.exitCode, planned.stderr).toBe(0);
    const p = JSON.parse(planned.stdout) as { mode: string; schemaChanged: boolean; needsConfirmation: boolean; lostWrites: string; lostWriteLines: string[]; downtime: string; dataSafety: { clonePoint: string; lostWrites: { counted: boolean; users: number | null } } | null };
    expect(p).toMatchObject({ mode: 'restore', schemaChanged: true, needsConfirmation: true });
    expect(p.lostWriteLines.join('\n')).toContain(username);
    // the same count in the shape runs show --json gives a run's data safety
    expect(p.dataSafety).toMatchObject({ lostWrites: { counted: true, users: 1 } });
    // and the key tables against the counts the backup's verification took from the dump itself: one user more
    expect(p.lostWriteLines.find((l) => l.startsWith('Row counts differ from the backup:'))).toMatch(/\busers (\d+) -> \d+ \(\+1\)/);
    // without --confirm nothing happens
    const refused = await keyturn(home, ['rollback', '--cluster', 'lab', '--json']);
    expect(refused.exitCode).toBe(2);
    expect(await labVersions(home)).toEqual({ n1: to, n2: to });

    // both sessions from before the backup survived the recreate (Keycloak keeps them in its database)
    expect(await refreshStatus(before!.online)).toBe(200);
    expect(await refreshStatus(before!.offline)).toBe(200);

    const r = await keyturn(home, ['rollback', '--cluster', 'lab', '--confirm', '--json'], { timeoutMs: 40 * 60_000 });
    expect(r.exitCode, r.stderr.slice(-4000)).toBe(0);
    const rollbackId = latestRun(home, 'rollback')!.id;
    // rollback --json carries the restore's data safety as runs show --json does
    expect((JSON.parse(r.stdout) as { dataSafety: { windowMs: number; lostWrites: { lines?: string[] } } }).dataSafety.lostWrites.lines?.join('\n')).toContain(username);
    expect(stepsOf(home, rollbackId).every((s) => s.status === 'succeeded')).toBe(true);
    expect(await labVersions(home)).toEqual({ n1: from, n2: from });
    expect((await labNodes(home)).every((n) => n.ready)).toBe(true);
    expect(recordedVersion(home)).toBe(from);
    // the changelog is the backup's
    const db = await labDatabase();
    const backup = withLedger(home, (l) => JSON.parse((l.prepare('SELECT changelog_json FROM backups WHERE run_id = ?').get(upgradeId) as { changelog_json: string }).changelog_json) as { digest: string; count: number });
    const live = await changelogState(db);
    expect({ count: live.count, digest: live.digest }).toEqual({ count: backup.count, digest: backup.digest });
    // the migrated database is kept under its dated name, listed, and still there
    const kept = await keyturn(home, ['backup', 'retained', '--cluster', 'lab', '--json']);
    expect(kept.exitCode, kept.stderr).toBe(0);
    const names = (JSON.parse(kept.stdout) as { name: string }[]).map((k) => k.name);
    const restored = eventsOfKind(home, rollbackId, 'backup.restored')[0]!.data as { keptAs: string; sessions: { policy: string; onlineUserSessions: number; offlineUserSessions: number } };
    expect(restored.keptAs).toMatch(/_migrated_\d{12}/);
    expect(names).toContain(restored.keptAs);
    expect(await databaseExists(db, restored.keptAs)).toBe(true);
    expect(restored.sessions.policy).toBe('drop-online');
    expect(await tokenThroughPublicName()).toBe(true);
    // the default session policy: no online session from before the backup comes back (its user may have signed out since); offline ones do
    expect(restored.sessions.onlineUserSessions).toBeGreaterThanOrEqual(1);
    // the data window, from the backup to the restore's swap, as runs show --json reads it
    const shown = JSON.parse((await keyturn(home, ['runs', 'show', rollbackId, '--json'])).stdout) as { dataSafety: { clonePoint: string; switchedAt: string; windowMs: number } | null };
    const takenAt = withLedger(home, (l) => (l.prepare('SELECT created_at FROM backups WHERE run_id = ?').get(upgradeId) as { created_at: string }).created_at);
    expect(shown.dataSafety).toMatchObject({ clonePoint: takenAt });
    expect(shown.dataSafety!.windowMs).toBe(Date.parse(shown.dataSafety!.switchedAt) - Date.parse(takenAt));
    expect(await refreshStatus(before!.online)).toBe(400);
    expect(await refreshStatus(before!.offline)).toBe(200);
  });

  it('a first node that migrates the schema and then cannot start halts the run in maintenance; the restore rollback it offers brings the cluster back', async () => {
    const n1 = (await labNodeSpecs()).find((n) => n.name === 'n1')!;
    const previous = latestRun(home, 'upgrade')?.id;
    let blocker: Server | undefined;
    try {
      const child = startUpgrade(home, ['--to', to, '--strategy', 'recreate', '--yes', '--json']);
      await waitForRun(home, child, previous, (r) => stepsOf(home, r.id).some((s) => s.kind === 'cluster.stop' && s.status === 'succeeded'));
      // The old n1 is gone: a stray process takes its HTTP port before the new version opens it.
      blocker = await holdPort(n1.host, n1.httpPort, 60_000);
      const r = await child;
      expect(r.exitCode, r.stderr.slice(-3000)).toBe(7);
      const runId = latestRun(home, 'upgrade')!.id;
      expect(runStatus(home, runId)).toBe('failed');
      const failed = stepsOf(home, runId).find((s) => s.status === 'failed')!;
      expect(failed).toMatchObject({ node: 'n1' });
      expect(['node.install', 'node.ready']).toContain(failed.kind);
      // when the playbook's start returned before Keycloak died, the wait for readiness notices the process is gone
      // (it does not wait out its five minutes with the cluster in maintenance)
      if (failed.kind === 'node.ready') expect(failed.error).toMatch(/Keycloak on n1 is not running/);
      // what that check finds on the real nodes: n1's Keycloak died on the taken port, n2 was never started again
      expect(await labProcesses(home)).toEqual({ n1: 'gone', n2: 'gone' });
      expect(r.stderr).toMatch(/keyturn rollback --cluster lab/);
      // halted in maintenance: every server out of rotation, clients told to come back, never a refused connection
      expect((await labServers(home)).map((s) => s.adminState)).toEqual(['maint', 'maint']);
      expect(await throughBalancer()).toMatchObject({ status: 503, retryAfter: '30' });
      expect(stepsOf(home, runId).find((s) => s.kind === 'lb.end-maintenance')?.status).toBe('pending');

      // n1 ran the migration before it failed: only the backup brings 26.5.6 back, and the plan says so
      const planned = await keyturn(home, ['rollback', '--cluster', 'lab', '--plan', '--json']);
      expect(planned.exitCode, planned.stderr).toBe(0);
      expect(JSON.parse(planned.stdout)).toMatchObject({ mode: 'restore', schemaChanged: true, toVersion: from, needsConfirmation: true });
    } finally {
      await new Promise((r) => blocker ? blocker.close(r) : r(undefined));
    }
    const rb = await keyturn(home, ['rollback', '--cluster', 'lab', '--confirm', '--json'], { timeoutMs: 40 * 60_000 });
    expect(rb.exitCode, rb.stderr.slice(-4000)).toBe(0);
    expect(await labVersions(home)).toEqual({ n1: from, n2: from });
    expect((await labNodes(home)).every((n) => n.ready)).toBe(true);
    expect(await labProcesses(home)).toEqual({ n1: 'running', n2: 'running' });
    expect((await labServers(home)).map((s) => `${s.name} ${s.adminState}`)).toEqual(['n1 ready', 'n2 ready']);
    expect(recordedVersion(home)).toBe(from);
    expect(await tokenThroughPublicName()).toBe(true);
  });

  it('an options-only change (same version, one option more) runs as the check says and lands on every node and in the record', async () => {
    // a category of its own each time, so a second run against a reused lab is a change too
    const level = `INFO,org.keycloak.keyturn${Date.now()}:DEBUG`;
    const option = `log-level=${level}`;
    // the version the cluster runs now (the restore above brought it back to 26.5.6)
    const at = recordedVersion(home);
    const planned = await keyturn(home, ['plan', '--cluster', 'lab', '--to', at, '--set', option, '--json'], { timeoutMs: 15 * 60_000 });
    expect(planned.exitCode, planned.stderr.slice(-3000)).toBe(0);
    const p = JSON.parse(planned.stdout) as PlanJson & { recommended: string };
    // rolling when the check allows it; otherwise recreate, which changes these very nodes. Blue/green, recommended
    // when the check rules rolling out, would land the change on a new colour (upgrade-minor-blue-green.test.ts).
    const wanted = p.check.exitCode === 0 ? 'rolling' : 'recreate';
    if (p.check.exitCode !== 0) expect(p.recommended).toBe('blue-green');
    const chosen = p.strategies.find((s) => s.name === wanted);
    expect(chosen, `no executable ${wanted}: ${JSON.stringify(p.strategies.map((s) => [s.name, s.executableWhy]))}`).toMatchObject({ executable: true });
    const previous = latestRun(home, 'upgrade')?.id;
    const r = await keyturn(home, ['upgrade', '--cluster', 'lab', '--to', at, '--plan', p.runId, '--strategy', chosen!.name, '--yes', '--json'], { timeoutMs: 40 * 60_000 });
    expect(r.exitCode, r.stderr.slice(-4000)).toBe(0);
    const runId = latestRun(home, 'upgrade')!.id;
    expect(runId).not.toBe(previous);
    expectRunIsPlan(home, runId);
    if (chosen!.name === 'rolling') expectZeroFailed(home, runId);
    expect(await labVersions(home)).toEqual({ n1: at, n2: at });
    for (const n of ['n1', 'n2']) expect(keycloakConf(n, at)).toContain(option);
    const show = JSON.parse((await keyturn(home, ['cluster', 'show', 'lab', '--json'])).stdout) as { spec: { keycloak: { options?: Record<string, string> } } };
    expect(show.spec.keycloak.options?.['log-level']).toBe(level);
    expect(await tokenThroughPublicName()).toBe(true);
  });
});
