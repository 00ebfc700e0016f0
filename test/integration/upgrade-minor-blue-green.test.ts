/**
 * Issue 12 on the real lab: the minor upgrade 26.5.6 -> 26.7.3 (the check
 * says 3) the blue/green way. Green is built with the lab's own Terraform
 * (workspace "green", 127.0.20.x), cloned from a verified backup of blue,
 * upgraded with Ansible, proven, and promoted; the public name moves by an
 * RFC 2136 update on the lab's BIND. The prober resolves sso.lab.test
 * through that BIND on every request, so "0 failed" covers the clone, the
 * switch and the watch window.
 *
 * Three green builds, each ending a different way (the suite has one lab and
 * little time, so each build proves as much as it can):
 * 1. The engine is killed (-9) during the clone and resumed; a fault on
 *    green only (the smoke user disabled in green's copy of the database)
 *    fails its smoke test: no switch, 0 failures, blue untouched. The
 *    rollback is then the abort before the switch: green is destroyed.
 * 2. The run pauses at the manual promotion gate (exit 8) with green proven;
 *    resume switches with 0 failures; blue stays as the standby and still
 *    answers directly; the switch back is the rollback, again with 0
 *    failures; decommission removes green.
 * 3. On a standby described in the cluster file (hosts the lab's Terraform built
 *    outside Keyturn; no terraform in the record), behind a front HAProxy
 *    (traffic.kind haproxy: sso.lab.test resolves to the front, whose map
 *    sends it to blue's or green's backend), automatic promotion, and
 *    green stopped right after the switch: the watch
 *    switches back to blue on its own by the front's map, with the failed
 *    requests counted and bounded to the moments green was down.
 * Blue's database is never written: its changelog is the same throughout.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { colourTerraform } from '../../electron/services/colour-terraform.ts';
import { resolve, updateRecord } from '../../electron/tools/dns.ts';
import { readMapEntry } from '../../electron/tools/haproxy-switch.ts';
import { makeTempDir } from '../../electron/tools/test-support/daemon.ts';
import { runHaproxyConfig } from '../../electron/tools/test-support/haproxy.ts';
import { createRedactor } from '../../electron/tools/redact.ts';
import { applyColour, destroyColour } from '../../electron/tools/terraform-colour.ts';
import { checkColourView } from '../../electron/tools/green-view.ts';
import { freezeState } from '../../electron/tools/haproxy-freeze.ts';
import { freezeMessage, freezeRetryAfterSeconds } from '../../shared/domain/write-freeze.ts';
import { changelogState } from '../../electron/tools/postgres-changelog.ts';
import { psqlQuery, type PgConnection } from '../../electron/tools/postgres.ts';
import { schemaRelationCount } from '../../electron/tools/postgres-databases.ts';
import { ensureLabUp, keyturn, labSockets } from './lab-harness.ts';
import { editLab, labVersions, rebuildLabAt, recordedVersion, startUpgrade, stateDirOf, waitForRun, type LabSpec } from './lab-cluster.ts';
import { eventsOfKind, expectRunIsPlan, expectZeroFailed, latestRun, runStatus, stepsOf, withLedger } from './lab-ledger.ts';

const lab = inject('lab');
const home = lab.home;
const from = '26.5.6';
const to = '26.7.3';
const dns = { server: '127.0.53.1', port: 53 };

interface Creds { dbPassword: string; clientId: string; clientSecret: string; username: string; userPassword: string; adminUser: string; adminPassword: string }
const creds = (): Creds => JSON.parse(readFileSync(join(home, 'lab', 'credentials.json'), 'utf8')) as Creds;
const blueDb = (): PgConnection => ({ host: '127.0.10.50', port: 5432, database: 'keycloak', user: 'keycloak', password: creds().dbPassword });
const greenDb = (): PgConnection => ({ host: '127.0.20.50', port: 5432, database: 'keycloak', user: 'keycloak', password: creds().dbPassword });
const publicAddress = async (): Promise<string | undefined> => (await resolve({ ...dns, name: 'sso.lab.test', type: 'A' })).values[0];

/** A token from one colour's load balancer by address, with the production host name: the colour answers on its own. */
async function tokenFrom(address: string): Promise<boolean> {
  const c = creds();
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret }).toString();
  return new Promise((done) => {
    const req = request({ host: address, port: 8080, method: 'POST', path: '/realms/lab/protocol/openid-connect/token', timeout: 10_000,
      headers: { host: 'sso.lab.test:8080', 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => done(res.statusCode === 200 && text.includes('access_token')));
    });
    req.on('error', () => done(false));
    req.on('timeout', () => req.destroy());
    req.end(body);
  });
}

interface ColourRow { colour: string; role: string; version: string; deployment: { nodes: { name: string; address: string }[] } }
async function colours(): Promise<ColourRow[]> {
  const r = await keyturn(home, ['standby', 'list', '--cluster', 'lab', '--json']);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as ColourRow[];
}
const roles = async () => Object.fromEntries((await colours()).map((c) => [c.colour, `${c.role} ${c.version}`]));

async function recordNodes(): Promise<string[]> {
  const show = await keyturn(home, ['cluster', 'show', 'lab', '--json']);
  return (JSON.parse(show.stdout) as { spec: { nodes: { name: string }[] } }).spec.nodes.map((n) => n.name);
}

interface Answer { status: number; body: string; retryAfter: string | undefined }
/** One request through the public name as clients send it (resolved through the lab's BIND now). */
async function viaPublicName(method: string, path: string, o: { form?: Record<string, string>; json?: unknown; token?: string } = {}): Promise<Answer> {
  const address = await publicAddress();
  const body = o.form ? new URLSearchParams(o.form).toString() : o.json !== undefined ? JSON.stringify(o.json) : '';
  return new Promise((done, fail) => {
    const req = request({ host: address, port: 8080, method, path, timeout: 15_000,
      headers: { host: 'sso.lab.test:8080', 'content-type': o.form ? 'application/x-www-form-urlencoded' : 'application/json', 'content-length': Buffer.byteLength(body), ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: text, retryAfter: res.headers['retry-after'] as string | undefined }));
    });
    req.on('error', fail);
    req.on('timeout', () => req.destroy(new Error('no answer within 15 s')));
    req.end(body);
  });
}
const tokenOf = (a: Answer): string => (JSON.parse(a.body) as { access_token: string }).access_token;
const refreshOf = (a: Answer): string => (JSON.parse(a.body) as { refresh_token: string }).refresh_token;
const refresh = (token: string) => viaPublicName('POST', '/realms/lab/protocol/openid-connect/token', { form: { grant_type: 'refresh_token', client_id: creds().clientId, client_secret: creds().clientSecret, refresh_token: token } });
let sessionBefore = '';
let sessionDuring = '';
const adminToken = async () => tokenOf(await viaPublicName('POST', '/realms/master/protocol/openid-connect/token', { form: { grant_type: 'password', client_id: 'admin-cli', username: creds().adminUser, password: creds().adminPassword } }));
const passwordLogin = () => viaPublicName('POST', '/realms/lab/protocol/openid-connect/token', { form: { grant_type: 'password', client_id: creds().clientId, client_secret: creds().clientSecret, username: creds().username, password: creds().userPassword, scope: 'openid' } });

/** Every text the ledger holds, for "never written there" checks. */
const ledgerText = (): string => withLedger(home, (db) => (db.prepare("SELECT group_concat(coalesce(data_json, ''), char(10)) AS t FROM events").get() as { t: string }).t
  + (db.prepare("SELECT group_concat(coalesce(params_json, '') || coalesce(error, ''), char(10)) AS t FROM steps").get() as { t: string }).t
  + (db.prepare("SELECT group_concat(coalesce(plan_json, ''), char(10)) AS t FROM plans").get() as { t: string }).t);

/** `keyturn ...` as a child process of its own, so the test can act while the run executes. */
const startKeyturn = (args: string[]) => execa(process.execPath, [join(process.cwd(), 'bin', 'keyturn.js'), ...args], { env: { KEYTURN_HOME: home }, reject: false });

async function until(what: string, ok: () => boolean | Promise<boolean>, child: { exitCode: number | null }, timeoutMs = 30 * 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (child.exitCode !== null) throw new Error(`keyturn ended (exit ${child.exitCode}) before ${what}`);
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The probe samples of a run that failed, with when they were taken. */
const failedSamples = (runId: string): { atMs: number; reason: string | null }[] =>
  withLedger(home, (db) => (db.prepare('SELECT at_ms AS atMs, reason FROM probe_samples WHERE run_id = ? AND ok = 0 ORDER BY at_ms').all(runId) as { atMs: number; reason: string | null }[]));

/** Green's Keycloak stopped the way its supervisor stops it, on every green node at once. */
async function stopGreen(): Promise<void> {
  await Promise.all(['g1', 'g2'].map(async (g) => {
    const supervisor = join(stateDirOf(home), 'green', 'nodes', g, 'usr', 'local', 'bin', 'kc-supervisor');
    expect(existsSync(supervisor), supervisor).toBe(true);
    const r = await execa(supervisor, ['stop'], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
  }));
}

async function planBlueGreen(promote: 'manual' | 'auto', freeze?: 'on' | 'off', provision: 'terraform' | 'described' = 'terraform'): Promise<string> {
  const r = await keyturn(home, ['plan', '--cluster', 'lab', '--to', to, '--promote', promote, ...(freeze ? ['--freeze', freeze] : []), '--json'], { timeoutMs: 15 * 60_000 });
  expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
  const p = JSON.parse(r.stdout) as { runId: string; check: { exitCode: number }; strategies: { name: string; executable: boolean; steps: { kind: string; params?: Record<string, unknown> }[] }[] };
  expect(p.check.exitCode).toBe(3);
  const bg = p.strategies.find((s) => s.name === 'blue-green')!;
  expect(bg.executable).toBe(true);
  expect(bg.steps.find((s) => s.kind === 'promotion.gate')?.params?.promote).toBe(promote);
  expect(bg.steps.find((s) => s.kind === 'green.provision')?.params?.provision).toBe(provision);
  // the lab is not production: no freeze unless asked for
  expect(bg.steps.some((s) => s.kind === 'lb.freeze')).toBe(freeze === 'on');
  return p.runId;
}

/** Blue as it was before any build: both nodes on the old version, its changelog unchanged, the public name on its load balancer (or on the front HAProxy that sends it there). */
async function expectBlueUntouched(publicAt = '127.0.10.100'): Promise<void> {
  expect(await publicAddress()).toBe(publicAt);
  expect(await labVersions(home)).toEqual({ n1: from, n2: from });
  expect((await changelogState(blueDb())).digest).toBe(blueChangelog);
  expect(await tokenFrom('127.0.10.100')).toBe(true);
}

let blueChangelog = '';

/** A front HAProxy before both colours' load balancers: the map entry of sso.lab.test picks the backend, each backend's one server is a colour's load balancer. */
interface Front { address: string; socket: string; map: string; stop(): Promise<void> }
const FRONT = '127.0.10.90';
async function startFront(): Promise<Front> {
  const tmp = await makeTempDir('front-haproxy');
  const socket = join(tmp.dir, 'admin.sock');
  const map = join(tmp.dir, 'hosts.map');
  writeFileSync(map, 'sso.lab.test blue\n');
  // a colour counts as serving when its load balancer hands out the realm (a 503 from its maintenance page is DOWN)
  const colour = (name: string, lb: string) => [`backend ${name}`, '  option httpchk', '  http-check send meth GET uri /realms/lab ver HTTP/1.1 hdr Host sso.lab.test:8080', '  http-check expect status 200', `  server lb ${lb}:8080 check inter 500ms fall 2 rise 2`];
  const daemon = await runHaproxyConfig(tmp, [
    'global', `  stats socket ${socket} mode 600 level admin`,
    'defaults', '  mode http', '  timeout connect 2s', '  timeout client 60s', '  timeout server 60s', '  timeout check 5s',
    'frontend sso', `  bind ${FRONT}:8080`,
    // Host carries :8080 here; the map is keyed by the bare name, as Keyturn writes it
    `  use_backend %[req.hdr(host),lower,field(1,:),map(${map},blue)]`,
    ...colour('blue', '127.0.10.100'), ...colour('green', '127.0.20.100'), '',
  ].join('\n'), { address: FRONT, port: 8080, socketPath: socket });
  return { address: FRONT, socket, map, async stop() { await daemon.stop(); await tmp.remove(); } };
}

/** Points sso.lab.test at `address` on the lab's BIND, signed with the lab's key, as an operator would. */
async function pointPublicName(spec: LabSpec, address: string): Promise<void> {
  const t = spec.traffic;
  if (t.kind !== 'dns' || !t.tsigKeyRef || !('file' in t.tsigKeyRef)) throw new Error('the lab record switches by DNS with a TSIG key file');
  await updateRecord({ server: t.server, port: t.port, zone: t.zone ?? 'lab.test', name: t.name, type: 'A', value: address, ttl: 1, timeoutMs: 10_000, tsigKeyFile: t.tsigKeyRef.file });
}

beforeAll(async () => {
  await ensureLabUp(lab);
  await rebuildLabAt(home, from);
  blueChangelog = (await changelogState(blueDb())).digest;
  expect(await publicAddress()).toBe('127.0.10.100');
}, 60 * 60_000);

describe(`blue/green minor upgrade ${from} -> ${to} on the lab`, () => {
  let runId = '';

  it('plans blue/green as executable with a manual promotion gate when asked, because the check answers 3; a bad --promote is refused', async () => {
    const planId = await planBlueGreen('manual');
    const typo = await keyturn(home, ['upgrade', '--cluster', 'lab', '--to', to, '--strategy', 'blue-green', '--promote', 'later', '--plan', planId, '--yes', '--json']);
    expect(typo.exitCode).toBe(2);
    expect(typo.stdout).toMatch(/--promote: 'later' is not a promotion mode/);
  });

  it('survives kill -9 during the clone; green failing its smoke test (a fault on green only) is never switched to: 0 failed, blue untouched', async () => {
    const planId = await planBlueGreen('manual');
    const previous = latestRun(home, 'upgrade')?.id;
    const child = startUpgrade(home, ['--to', to, '--strategy', 'blue-green', '--plan', planId, '--yes']);
    runId = await waitForRun(home, child, previous, (r) => stepsOf(home, r.id).some((s) => s.kind === 'green.provision' && s.status === 'succeeded'));
    child.kill('SIGKILL');
    await child;
    expect(stepsOf(home, runId).find((s) => s.kind === 'traffic.switch')?.status).toBe('pending');

    const resumed = startKeyturn(['runs', 'resume', runId, '--json']);
    // The fault: once green's database holds the clone (and before green's Keycloak first reads it), the smoke user is disabled there, and only there.
    await until('green restored', () => stepsOf(home, runId).some((s) => s.kind === 'green.restore' && s.status === 'succeeded'), resumed);
    await psqlQuery(greenDb(), "UPDATE user_entity SET enabled = false WHERE username = :'u' AND realm_id = (SELECT id FROM realm WHERE name = 'lab')", { vars: { u: creds().username } });
    const r = await resumed;
    expect(r.exitCode, String(r.stderr).slice(-4000)).toBe(7);
    expect(runStatus(home, runId)).toBe('failed');
    expect(stepsOf(home, runId).find((s) => s.kind === 'green.smoke')?.status).toBe('failed');
    expect(stepsOf(home, runId).find((s) => s.kind === 'traffic.switch')?.status).toBe('pending');
    const smoke = eventsOfKind(home, runId, 'colour.smoke').map((e) => e.data);
    expect(smoke.filter((c) => c.ok !== true).map((c) => c.check)).toContain('password-login');
    expect(String(r.stderr)).toMatch(/green failed \d+ smoke checks?: .*No traffic was switched/);
    // green was built and proven otherwise: its own two nodes on the target, one cluster of its own, under its own cache cluster name
    const view = await checkColourView(greenDb(), [{ name: 'g1', address: '127.0.20.1', managementPort: 9000 }, { name: 'g2', address: '127.0.20.2', managementPort: 9000 }], { clusterName: 'keycloak-green' });
    expect(view.problems).toEqual([]);
    expect([...new Set(view.rows.map((r) => r.clusterName))]).toEqual(['keycloak-green']);
    expect(eventsOfKind(home, runId, 'colour.view').map((e) => String(e.data.message))).toContain('green: one cluster of 2, JGROUPS_PING holds only its own nodes (cache cluster keycloak-green)');
    const blueView = await checkColourView(blueDb(), [{ name: 'n1', address: '127.0.10.1', managementPort: 9000 }, { name: 'n2', address: '127.0.10.2', managementPort: 9000 }]);
    expect(blueView.ok, blueView.problems.join('; ')).toBe(true);
    // the preflight found the Terraform that built green before the backup was taken
    expect(eventsOfKind(home, runId, 'preflight.terraform').map((e) => String(e.data.message))).toEqual([expect.stringMatching(/^Terraform ready for the new colour: .*terraform, module in .*, 1 secret variable\(s\) resolved$/)]);
    // across both engine processes: not one failed request, and blue as it was
    expectZeroFailed(home, runId);
    await expectBlueUntouched();
    expect(await roles()).toEqual({ green: `building ${to}`, blue: `active ${from}` });
  });

  it('aborts before the switch: the rollback removes green and leaves blue untouched, with 0 failed requests', async () => {
    const plan = await keyturn(home, ['rollback', '--cluster', 'lab', '--plan', '--json']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const p = JSON.parse(plan.stdout) as { mode: string; needsConfirmation: boolean; steps: string[] };
    expect(p).toMatchObject({ mode: 'switch-back', needsConfirmation: false });
    expect(p.steps.join('\n')).toMatch(/green/i);
    const r = await keyturn(home, ['rollback', '--cluster', 'lab', '--json'], { timeoutMs: 15 * 60_000 });
    expect(r.exitCode, r.stderr.slice(-4000)).toBe(0);
    const back = latestRun(home, 'rollback')!.id;
    expect(eventsOfKind(home, back, 'colour.destroyed').map((e) => e.data.colour)).toEqual(['green']);
    expectZeroFailed(home, back);
    expect((await colours()).map((c) => c.colour)).toEqual(['blue']);
    expect((await labSockets()).filter((s) => s.startsWith('127.0.20.'))).toEqual([]);
    expect(await recordNodes()).toEqual(['n1', 'n2']);
    await expectBlueUntouched();
  });

  it('builds green again with the write freeze and pauses at the manual gate (exit 8): green proven, blue refuses the writes green would lack, sign-in and tokens work', async () => {
    const planId = await planBlueGreen('manual', 'on');
    // A session from before the clone point: green's copy holds it
    const before = await passwordLogin();
    expect(before.status, before.body).toBe(200);
    sessionBefore = refreshOf(before);
    const paused = await keyturn(home, ['upgrade', '--cluster', 'lab', '--to', to, '--strategy', 'blue-green', '--plan', planId, '--yes', '--json'], { timeoutMs: 40 * 60_000 });
    expect(paused.exitCode, paused.stderr.slice(-4000)).toBe(8);
    runId = latestRun(home, 'upgrade')!.id;
    // upgrade --json carries what runs show --json does: the clone point, the open window, the freeze, what the gate counted
    const doc = JSON.parse(paused.stdout) as { run: { id: string }; dataSafety: { clonePoint: string; switchedAt: string | null; windowMs: number; freeze: { on: boolean }; lostWrites: { counted: boolean } } };
    expect(doc.run.id).toBe(runId);
    expect(doc.dataSafety).toMatchObject({ switchedAt: null, freeze: { on: true }, lostWrites: { counted: true } });
    expect(doc.dataSafety.windowMs).toBeGreaterThan(0);
    expect(runStatus(home, runId)).toBe('paused');
    expect(stepsOf(home, runId).filter((s) => s.status === 'succeeded').map((s) => s.kind).pop()).toBe('promotion.gate');
    const view = await checkColourView(greenDb(), [{ name: 'g1', address: '127.0.20.1', managementPort: 9000 }, { name: 'g2', address: '127.0.20.2', managementPort: 9000 }]);
    expect(view.problems).toEqual([]);
    expect(view.ok).toBe(true);
    const smoke = eventsOfKind(home, runId, 'colour.smoke').map((e) => e.data);
    expect(smoke.length).toBeGreaterThanOrEqual(3);
    expect(smoke.filter((c) => c.ok !== true)).toEqual([]);
    const lost = eventsOfKind(home, runId, 'promotion.lost-writes').map((e) => e.data);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.message).toMatch(/^Since the clone point .* blue took what green lacks: /);
    expect(eventsOfKind(home, runId, 'freeze.on').map((e) => e.data.colour)).toEqual(['blue']);
    expect(eventsOfKind(home, runId, 'freeze.checked').map((e) => e.data.held)).toEqual([true]);
    // frozen: an admin write through the public name is refused with the maintenance message, and nothing is lost
    const admin = await adminToken();
    const refused = await viaPublicName('POST', '/admin/realms/lab/users', { token: admin, json: { username: 'frozen-write', enabled: true } });
    expect(refused).toEqual({ status: 503, body: freezeMessage, retryAfter: String(freezeRetryAfterSeconds) });
    expect(await psqlQuery(blueDb(), "SELECT count(*) FROM user_entity WHERE username = 'frozen-write'")).toEqual([['0']]);
    // reads, sign-in and tokens still work
    expect((await viaPublicName('GET', '/admin/realms/lab/users?briefRepresentation=true&max=1', { token: admin })).status).toBe(200);
    const during = await passwordLogin();
    expect(during.status, during.body).toBe(200);
    sessionDuring = refreshOf(during);
    expect(await tokenFrom('127.0.10.100')).toBe(true);
    await expectBlueUntouched();
    expect(await roles()).toEqual({ green: `building ${to}`, blue: `active ${from}` });
  });

  it('promotes on resume: the name moves to green with 0 failed requests, blue stays as the hot standby and still answers', async () => {
    const r = await keyturn(home, ['runs', 'resume', runId, '--json'], { timeoutMs: 20 * 60_000 });
    expect(r.exitCode, r.stderr.slice(-4000)).toBe(0);
    expect(runStatus(home, runId)).toBe('succeeded');
    expectRunIsPlan(home, runId);
    expectZeroFailed(home, runId);
    expect(await publicAddress()).toBe('127.0.20.100');
    const drained = eventsOfKind(home, runId, 'traffic.drained')[0]!.data;
    expect(drained.stillReceiving).toBe(false);
    // the clone point by time and WAL position, and the window from it to the switch, as runs show --json carries them
    const shown = JSON.parse((await keyturn(home, ['runs', 'show', runId, '--json'])).stdout) as { dataSafety: { clonePoint: string; clonePointLsn: string | null; switchedAt: string; windowMs: number; freeze: { on: boolean } } };
    expect(shown.dataSafety.clonePointLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(shown.dataSafety.windowMs).toBe(Date.parse(shown.dataSafety.switchedAt) - Date.parse(shown.dataSafety.clonePoint));
    expect(shown.dataSafety.freeze.on).toBe(true);
    // Sessions on green: one from before the clone point refreshes, one started on blue during the window does not (the gate counted it)
    expect((await refresh(sessionBefore)).status).toBe(200);
    const lostSession = await refresh(sessionDuring);
    expect(lostSession.status).toBe(400);
    expect(lostSession.body).toMatch(/invalid_grant/);
    // counted again at the switch: the sign-in made while the run waited at the gate is among what green lacks
    const counts = eventsOfKind(home, runId, 'promotion.lost-writes').map((e) => e.data.sessions as { online: number; offline: number });
    expect(counts).toHaveLength(2);
    expect(counts[1]!.online).toBeGreaterThan(counts[0]!.online);
    expect(await roles()).toEqual({ green: `active ${to}`, blue: `standby ${from}` });
    // the cluster record now describes what serves: every later plan, backup and upgrade acts on green
    expect(await recordNodes()).toEqual(['g1', 'g2']);
    expect(recordedVersion(home)).toBe(to);
    // blue as standby: unchanged, answering on its own load balancer, its writes accepted again once no client reached it
    expect(await tokenFrom('127.0.10.100')).toBe(true);
    expect((await changelogState(blueDb())).digest).toBe(blueChangelog);
    expect(eventsOfKind(home, runId, 'freeze.off').map((e) => e.data.colour)).toEqual(['blue']);
    expect(await freezeState(join(stateDirOf(home), 'haproxy', 'admin.sock'), join(stateDirOf(home), 'haproxy', 'freeze.acl'))).toEqual([]);
  });

  it('switches back to blue as the rollback, saying first what green keeps (a user created on green by name), with 0 failed requests', async () => {
    const created = await viaPublicName('POST', '/admin/realms/lab/users', { token: await adminToken(), json: { username: 'lw-bob', enabled: true } });
    expect(created.status, created.body).toBe(201);
    const plan = await keyturn(home, ['rollback', '--cluster', 'lab', '--plan', '--json']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const p = JSON.parse(plan.stdout) as { mode: string; needsConfirmation: boolean; lostWrites: string; lostWriteLines: string[]; downtime: string };
    expect(p).toMatchObject({ mode: 'switch-back', needsConfirmation: true });
    expect(p.lostWrites).toMatch(/since the switch .* stay in green's database/);
    expect(p.lostWriteLines).toEqual(expect.arrayContaining([expect.stringMatching(/^\d\d:\d\d:\d\d UTC user lw-bob created \(realm lab\)$/)]));
    const refused = await keyturn(home, ['rollback', '--cluster', 'lab', '--json']);
    expect(refused.exitCode).not.toBe(0);
    expect(await publicAddress()).toBe('127.0.20.100');

    const r = await keyturn(home, ['rollback', '--cluster', 'lab', '--confirm', '--json'], { timeoutMs: 20 * 60_000 });
    expect(r.exitCode, r.stderr.slice(-4000)).toBe(0);
    const back = latestRun(home, 'rollback')!.id;
    expectZeroFailed(home, back);
    expect(await publicAddress()).toBe('127.0.10.100');
    expect(await roles()).toEqual({ blue: `active ${from}`, green: `standby ${to}` });
    expect(await recordNodes()).toEqual(['n1', 'n2']);
    expect(recordedVersion(home)).toBe(from);
    expect((await changelogState(blueDb())).digest).toBe(blueChangelog);
  });

  it('decommissions the standby green: Terraform destroys its workspace, nothing listens on 127.0.20.x', async () => {
    const r = await keyturn(home, ['standby', 'decommission', '--cluster', 'lab', '--yes', '--json'], { timeoutMs: 15 * 60_000 });
    expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
    expect((await colours()).map((c) => c.colour)).toEqual(['blue']);
    expect((await labSockets()).filter((s) => s.startsWith('127.0.20.'))).toEqual([]);
    expect(await tokenFrom('127.0.10.100')).toBe(true);
  });

  it('on a standby described in the cluster file (hosts Keyturn did not create, no Terraform in the record), green stopped right after an automatic promotion: Keyturn switches back to blue on its own, the failed requests counted and bounded to green\'s outage; the decommission stops Keycloak there, empties its database and leaves the hosts', async () => {
    // The standby exists before Keyturn looks at it: the lab's own Terraform builds green's hosts, database and load balancer, outside Keyturn.
    const before = (JSON.parse((await keyturn(home, ['cluster', 'show', 'lab', '--json'])).stdout) as { spec: LabSpec }).spec;
    const tf = await colourTerraform(before, 'build the described standby');
    const greenHosts = { dir: tf.dir, varFiles: tf.varFiles, secretVars: tf.secretVars, redact: createRedactor(tf.secrets), colour: 'green', timeoutMs: 10 * 60_000 };
    const { deployment: out } = await applyColour(greenHosts);
    const inventory = join(home, 'standby-green-inventory.yml');
    writeFileSync(inventory, out.ansibleInventory, { mode: 0o600 });
    // g1's host key as its operator reads it on the host (ssh-keygen -lf); g2's is left to first contact
    const g1Key = (await execa('ssh-keygen', ['-lf', join(stateDirOf(home), 'green', 'nodes', 'g1', 'etc', 'ssh', 'ssh_host_ed25519_key.pub')])).stdout.split(/\s+/)[1]!;
    editLab(home, (spec) => {
      spec.blueGreen = { ...spec.blueGreen, standby: { nodes: out.nodes.map((n) => ({ name: n.name, address: n.address, sshPort: n.sshPort, ...(n.keycloakHome ? { keycloakHome: n.keycloakHome } : {}), ...(n.name === 'g1' ? { hostKeyFingerprint: g1Key } : {}) })), database: out.database, loadBalancer: out.loadBalancer, inventory, ...(out.keyPath ? { keyPath: out.keyPath } : {}) } };
      delete spec.terraform;
    });
    // In front of both colours: a front HAProxy, which the public name now resolves to.
    let front: Front | undefined;
    const upgrade: { child?: ReturnType<typeof startUpgrade> } = {};
    try {
      front = await startFront();
      const { socket, map } = front;
      await pointPublicName(before, FRONT);
      editLab(home, (spec) => {
        spec.traffic = { kind: 'haproxy', name: 'sso.lab.test', runtimeApi: socket, backend: 'blue', map, backends: { blue: 'blue', green: 'green' }, resolver: dns };
      });
      await describedStandbyScenario(upgrade, front);
    } finally {
      // Best effort, and never in the way of the scenario's own error. A run the scenario left going holds the
      // cluster's lock: stop its process, let Keyturn find it interrupted, abort it (which releases the lock).
      if (upgrade.child && upgrade.child.exitCode === null) {
        upgrade.child.kill('SIGKILL');
        await upgrade.child.catch(() => undefined);
        const left = latestRun(home, 'upgrade');
        await keyturn(home, ['runs', 'list', '--cluster', 'lab', '--json']);
        if (left) await keyturn(home, ['runs', 'abort', left.id]);
      }
      // A green the scenario left on record (building or standby) would block every later blue/green plan of the lab.
      if ((await colours()).some((c) => c.colour === 'green')) await keyturn(home, ['standby', 'decommission', '--cluster', 'lab', '--colour', 'green', '--yes'], { timeoutMs: 10 * 60_000 });
      try {
        editLab(home, (spec) => {
          if (spec.blueGreen) delete spec.blueGreen.standby;
          if (before.terraform) spec.terraform = before.terraform;
          spec.traffic = before.traffic;
        });
      } catch (err) {
        process.stderr.write(`described standby: the cluster record was not put back: ${(err as Error).message}\n`);
      }
      await pointPublicName(before, '127.0.10.100').catch((err: unknown) => process.stderr.write(`described standby: sso.lab.test was not pointed back at blue: ${(err as Error).message}\n`));
      await front?.stop();
      await destroyColour(greenHosts).catch((err: unknown) => process.stderr.write(`described standby: green's hosts were not destroyed: ${(err as Error).message}\n`));
    }
    expect((await labSockets()).filter((s) => s.startsWith('127.0.20.') || s.startsWith(`${FRONT}:`))).toEqual([]);
    expect(await publicAddress()).toBe('127.0.10.100');
  });

  async function describedStandbyScenario(upgrade: { child?: ReturnType<typeof startUpgrade> }, front: Front): Promise<void> {
    expect(await publicAddress()).toBe(FRONT);
    expect(await readMapEntry(front.socket, front.map, 'sso.lab.test')).toBe('blue');
    // a name of its own: a lab reused for another try still holds the user an earlier try created on blue
    const alice = `lw-alice-${Date.now().toString(36)}`;
    const planId = await planBlueGreen('auto', undefined, 'described');
    const previous = latestRun(home, 'upgrade')?.id;
    const child = startUpgrade(home, ['--to', to, '--strategy', 'blue-green', '--plan', planId, '--yes', '--json']);
    upgrade.child = child;
    // No freeze (the lab's default): a user created and a password set on blue after the clone point are named, with their times, before the promotion
    runId = await waitForRun(home, child, previous, (run) => stepsOf(home, run.id).some((s) => s.kind === 'backup.verify' && s.status === 'succeeded'), 40 * 60_000);
    const admin = await adminToken();
    const created = await viaPublicName('POST', '/admin/realms/lab/users', { token: admin, json: { username: alice, enabled: true } });
    expect(created.status, created.body).toBe(201);
    const [[aliceId]] = await psqlQuery(blueDb(), "SELECT u.id FROM user_entity u JOIN realm r ON r.id = u.realm_id WHERE r.name = 'lab' AND u.username = :'alice';\n", { vars: { alice } }) as [[string]];
    const secret = `Lw-${Date.now()}-not-to-leak`;
    const reset = await viaPublicName('PUT', `/admin/realms/lab/users/${aliceId}/reset-password`, { token: admin, json: { type: 'password', value: secret, temporary: false } });
    expect(reset.status, reset.body).toBe(204);
    await waitForRun(home, child, previous, (run) => eventsOfKind(home, run.id, 'traffic.switched').length > 0, 40 * 60_000);
    const stoppedFrom = Date.now();
    await stopGreen();
    // the switch was one map entry on the front: sso.lab.test still resolves to the front
    const switched = eventsOfKind(home, runId, 'traffic.switched')[0]!.data;
    expect(switched).toMatchObject({ to: 'green', previous: 'blue', now: 'green', changed: true });
    expect(switched.message).toBe('sso.lab.test now points at green (front backend green), was front backend blue');
    expect(await publicAddress()).toBe(FRONT);
    const r = await child;
    expect(r.exitCode, String(r.stderr).slice(-4000)).toBe(7);
    expect(runStatus(home, runId)).toBe('failed');
    expect(stepsOf(home, runId).find((s) => s.kind === 'traffic.watch')?.status).toBe('failed');
    const back = eventsOfKind(home, runId, 'traffic.switched-back').map((e) => e.data);
    expect(back).toHaveLength(1);
    expect(back[0]!.message).toMatch(/^Switched sso\.lab\.test back to blue \(front backend blue\) on its own: /);
    expect(await readMapEntry(front.socket, front.map, 'sso.lab.test')).toBe('blue');
    // Counted: the watch says how many failed. Bounded: every failure lies between green's stop and the switch back (plus the 1 s TTL).
    const watched = eventsOfKind(home, runId, 'traffic.watched')[0]!.data;
    expect(watched.held).toBe(false);
    const failed = failedSamples(runId);
    expect(failed.length).toBeGreaterThan(0);
    expect(Number(watched.failed)).toBeGreaterThan(0);
    const switchedBackAt = Date.parse(String(back[0]!.at));
    expect(failed[0]!.atMs).toBeGreaterThanOrEqual(stoppedFrom - 1000);
    expect(failed.at(-1)!.atMs).toBeLessThanOrEqual(switchedBackAt + 2000);
    expect((switchedBackAt - stoppedFrom) / 1000).toBeLessThan(30);
    const lost = eventsOfKind(home, runId, 'promotion.lost-writes')[0]!.data as { message: string; changes: { at: string; kind: string; text: string }[] };
    expect(lost.changes.map((c) => c.text.replace(/^\d\d:\d\d:\d\d UTC /, ''))).toEqual(expect.arrayContaining([
      `user ${alice} created (realm lab)`,
      `admin create user users/${alice} by ${creds().adminUser} (realm lab)`,
      `admin action user users/${alice}/reset-password by ${creds().adminUser} (realm lab)`,
    ]));
    expect(lost.message).toMatch(new RegExp(`On blue: .*user ${alice} created \\(realm lab\\)`));
    expect(ledgerText()).not.toContain(secret);
    expect(`${String(r.stdout)}${String(r.stderr)}`).not.toContain(secret);
    await expectBlueUntouched(FRONT);
    expect(recordedVersion(home)).toBe(from);

    // The way out afterwards: the rollback records blue active and green as the standby (traffic is already on blue), then the decommission removes green.
    expect(eventsOfKind(home, runId, 'colour.provisioned')[0]!.data.message).toMatch(/^green is the standby described in the cluster file: g1 127\.0\.20\.1, g2 127\.0\.20\.2/);
    // g1's key was held to the fingerprint the file gives (before the backup, and when taken into use); g2's pinned on first contact
    expect(String(eventsOfKind(home, runId, 'preflight.standby')[0]!.data.message)).toMatch(/; host keys as the cluster file gives them for g1, first contact for g2 /);
    const keys = Object.fromEntries(eventsOfKind(home, runId, 'colour.host-key').map((e) => [String(e.data.node), String(e.data.message)]));
    expect(keys.g1).toMatch(/pinned for this colour, the fingerprint the cluster file gives for it$/);
    expect(keys.g2).toMatch(/pinned for this colour, described in the cluster file: first contact/);
    const rb = await keyturn(home, ['rollback', '--cluster', 'lab', '--confirm', '--json'], { timeoutMs: 15 * 60_000 });
    expect(rb.exitCode, rb.stderr.slice(-3000)).toBe(0);
    expect(await roles()).toEqual({ blue: `active ${from}`, green: `standby ${to}` });
    // Hosts Keyturn did not create are not Keyturn's to destroy: the decommission stops Keycloak on them, the hosts stay
    const green = (await colours()).find((c) => c.colour === 'green') as unknown as { deployment: { source: string } };
    expect(green.deployment.source).toBe('described');
    const d = await keyturn(home, ['standby', 'decommission', '--cluster', 'lab', '--yes', '--json'], { timeoutMs: 15 * 60_000 });
    expect(d.exitCode, d.stderr.slice(-3000)).toBe(0);
    expect((await colours()).map((c) => c.colour)).toEqual(['blue']);
    const greenLeft = (await labSockets()).filter((s) => s.startsWith('127.0.20.')).sort();
    expect(greenLeft).toEqual(['127.0.20.1:2222', '127.0.20.100:8080', '127.0.20.2:2222', '127.0.20.50:5432'].sort());
    // its copy of the data went with it: the database stays, empty, so the next blue/green can restore into it
    expect(await schemaRelationCount(greenDb(), 'public')).toBe(0);
    await expectBlueUntouched(FRONT);
  }
});
