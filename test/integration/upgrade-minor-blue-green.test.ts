/**
 * Issue 12 on the real lab: the minor upgrade 26.5.6 -> 26.7.3 (the check
 * says 3) the blue/green way. Green is built with the lab's own Terraform
 * (workspace "green", 127.0.20.x), cloned from a verified backup of blue,
 * upgraded with Ansible, proven, and promoted by the operator at the gate;
 * the public name moves by an RFC 2136 update on the lab's BIND. The prober
 * resolves sso.lab.test through that BIND on every request, so "0 failed"
 * covers the clone, the switch and the watch window.
 *
 * One green build proves most of it (the suite has one lab and little
 * time): the engine is killed (-9) during the clone and resumed; the run
 * pauses at the manual promotion gate (exit 8) with blue untouched; resume
 * switches; blue stays as the standby and still answers directly; the
 * switch back is the rollback, again with 0 failures; decommission removes
 * green. Blue's database is never written: its changelog is the same at
 * the end as at the start.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { resolve } from '../../electron/tools/dns.ts';
import { checkColourView } from '../../electron/tools/green-view.ts';
import { changelogState } from '../../electron/tools/postgres-changelog.ts';
import type { PgConnection } from '../../electron/tools/postgres.ts';
import { ensureLabUp, keyturn, labSockets } from './lab-harness.ts';
import { labVersions, rebuildLabAt, recordedVersion, startUpgrade, waitForRun } from './lab-cluster.ts';
import { eventsOfKind, expectRunIsPlan, expectZeroFailed, latestRun, runStatus, stepsOf } from './lab-ledger.ts';

const lab = inject('lab');
const home = lab.home;
const from = '26.5.6';
const to = '26.7.3';
const dns = { server: '127.0.53.1', port: 53 };

interface Creds { dbPassword: string; clientId: string; clientSecret: string }
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

let blueChangelog = '';

beforeAll(async () => {
  await ensureLabUp(lab);
  await rebuildLabAt(home, from);
  blueChangelog = (await changelogState(blueDb())).digest;
  expect(await publicAddress()).toBe('127.0.10.100');
}, 60 * 60_000);

describe(`blue/green minor upgrade ${from} -> ${to} on the lab`, () => {
  let planId = '';
  let runId = '';

  it('plans blue/green as executable with a manual promotion gate when asked, because the check answers 3', async () => {
    const r = await keyturn(home, ['plan', '--cluster', 'lab', '--to', to, '--promote', 'manual', '--json'], { timeoutMs: 15 * 60_000 });
    expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
    const p = JSON.parse(r.stdout) as { runId: string; check: { exitCode: number }; strategies: { name: string; executable: boolean; steps: { kind: string; params?: Record<string, unknown> }[] }[] };
    expect(p.check.exitCode).toBe(3);
    const bg = p.strategies.find((s) => s.name === 'blue-green')!;
    expect(bg.executable).toBe(true);
    expect(bg.steps.find((s) => s.kind === 'promotion.gate')?.params?.promote).toBe('manual');
    planId = p.runId;

    const typo = await keyturn(home, ['upgrade', '--cluster', 'lab', '--to', to, '--strategy', 'blue-green', '--promote', 'later', '--plan', planId, '--yes', '--json']);
    expect(typo.exitCode).toBe(2);
    expect(typo.stdout).toMatch(/--promote: 'later' is not a promotion mode/);
  });

  it('survives kill -9 during the clone, then pauses at the gate (exit 8) with green proven and blue untouched', async () => {
    const previous = latestRun(home, 'upgrade')?.id;
    const child = startUpgrade(home, ['--to', to, '--strategy', 'blue-green', '--plan', planId, '--yes']);
    runId = await waitForRun(home, child, previous, (r) => stepsOf(home, r.id).some((s) => s.kind === 'green.provision' && s.status === 'succeeded'));
    child.kill('SIGKILL');
    await child;
    expect(stepsOf(home, runId).find((s) => s.kind === 'traffic.switch')?.status).toBe('pending');

    const paused = await keyturn(home, ['runs', 'resume', runId, '--json'], { timeoutMs: 40 * 60_000 });
    expect(paused.exitCode, paused.stderr.slice(-4000)).toBe(8);
    expect(runStatus(home, runId)).toBe('paused');
    expect(stepsOf(home, runId).filter((s) => s.status === 'succeeded').map((s) => s.kind).pop()).toBe('promotion.gate');
    // green: its own two nodes on the target, one cluster of its own, its smoke checks passed
    const view = await checkColourView(greenDb(), [{ name: 'g1', address: '127.0.20.1', managementPort: 9000 }, { name: 'g2', address: '127.0.20.2', managementPort: 9000 }]);
    expect(view.problems).toEqual([]);
    expect(view.ok).toBe(true);
    const blueView = await checkColourView(blueDb(), [{ name: 'n1', address: '127.0.10.1', managementPort: 9000 }, { name: 'n2', address: '127.0.10.2', managementPort: 9000 }]);
    expect(blueView.ok, blueView.problems.join('; ')).toBe(true);
    const smoke = eventsOfKind(home, runId, 'colour.smoke').map((e) => e.data);
    expect(smoke.length).toBeGreaterThanOrEqual(3);
    expect(smoke.filter((c) => c.ok !== true)).toEqual([]);
    // the preflight found the Terraform that built green before the backup was taken
    expect(eventsOfKind(home, runId, 'preflight.terraform').map((e) => String(e.data.message))).toEqual([expect.stringMatching(/^Terraform ready for the new colour: .*terraform, module in .*, 1 secret variable\(s\) resolved$/)]);
    // what blue took since the clone point, counted before the decision
    const lost = eventsOfKind(home, runId, 'promotion.lost-writes').map((e) => e.data);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.message).toMatch(/^Since the clone point .* blue took what green lacks: /);
    // blue: untouched, still serving the public name
    expect(await publicAddress()).toBe('127.0.10.100');
    expect(await labVersions(home)).toEqual({ n1: from, n2: from });
    expect((await changelogState(blueDb())).digest).toBe(blueChangelog);
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
    expect(await roles()).toEqual({ green: `active ${to}`, blue: `standby ${from}` });
    // the cluster record now describes what serves: every later plan, backup and upgrade acts on green
    expect(await recordNodes()).toEqual(['g1', 'g2']);
    expect(recordedVersion(home)).toBe(to);
    // blue as standby: unchanged, answering on its own load balancer
    expect(await tokenFrom('127.0.10.100')).toBe(true);
    expect((await changelogState(blueDb())).digest).toBe(blueChangelog);
  });

  it('switches back to blue as the rollback, saying first what green keeps, with 0 failed requests', async () => {
    const plan = await keyturn(home, ['rollback', '--cluster', 'lab', '--plan', '--json']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const p = JSON.parse(plan.stdout) as { mode: string; needsConfirmation: boolean; lostWrites: string; downtime: string };
    expect(p).toMatchObject({ mode: 'switch-back', needsConfirmation: true });
    expect(p.lostWrites).toMatch(/since the switch .* stay in green's database/);
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
});
